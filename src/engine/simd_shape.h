// SPDX-License-Identifier: Apache-2.0
// The shape of each simd.def instruction (its operands and result), and its
// lane count, by opcode: one table for the validator (which types by shape)
// and the compiler (which lays out operands by shape). Depends only on the
// opcode list and value types.
#pragma once

#include <array>
#include <cstdint>

#include "engine/instr_reader.h"
#include "engine/module.h"

namespace capbox::engine {

// simd.def's shape column; None for every opcode that is not a row.
enum class SimdShape : uint8_t {
  None,
  Unary,
  Binary,
  Ternary,
  Test,
  Shift,
  SplatI32,
  SplatI64,
  SplatF32,
  SplatF64,
  ExtractI32,
  ExtractI64,
  ExtractF32,
  ExtractF64,
  ReplaceI32,
  ReplaceI64,
  ReplaceF32,
  ReplaceF64,
};

struct SimdInfo {
  SimdShape shape = SimdShape::None;
  uint8_t lanes = 0;  // from the name: "I16x8..." -> 8
};

constexpr uint8_t simd_lanes_of(const char* name) {
  size_t i = 0;
  while (name[i] != '\0' && name[i] != 'x')
    ++i;
  if (name[i] == '\0')
    return 0;
  uint8_t n = 0;
  for (++i; name[i] >= '0' && name[i] <= '9'; ++i)
    n = static_cast<uint8_t>(n * 10 + (name[i] - '0'));
  return n;
}

inline constexpr auto kSimdInfo = [] {
  std::array<SimdInfo, static_cast<size_t>(Opcode::kCount)> info{};
#define CAPBOX_SIMD(Name, code, S, function)               \
  info[static_cast<size_t>(Opcode::Name)] = {SimdShape::S, \
                                             simd_lanes_of(#Name)};
#include "engine/simd.def"
#undef CAPBOX_SIMD
  return info;
}();

constexpr bool is_splat(SimdShape s) {
  return s >= SimdShape::SplatI32 && s <= SimdShape::SplatF64;
}
constexpr bool is_extract(SimdShape s) {
  return s >= SimdShape::ExtractI32 && s <= SimdShape::ExtractF64;
}
constexpr bool is_replace(SimdShape s) {
  return s >= SimdShape::ReplaceI32 && s <= SimdShape::ReplaceF64;
}

// The scalar a splat, extract or replace shape carries.
constexpr ValType simd_scalar_type(SimdShape s) {
  constexpr ValType kTypes[] = {ValType::I32, ValType::I64, ValType::F32,
                                ValType::F64};
  if (is_splat(s))
    return kTypes[int(s) - int(SimdShape::SplatI32)];
  if (is_extract(s))
    return kTypes[int(s) - int(SimdShape::ExtractI32)];
  if (is_replace(s))
    return kTypes[int(s) - int(SimdShape::ReplaceI32)];
  return ValType::I32;
}

}  // namespace capbox::engine
