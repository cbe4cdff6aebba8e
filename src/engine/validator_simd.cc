// SPDX-License-Identifier: Apache-2.0
// Function body validation of the SIMD instructions that opcodes.def's
// Load/Store kinds do not type: simd.def's rows (typed by their shape),
// v128.const, i8x16.shuffle and the lane loads and stores.
#include <array>

#include "engine/validator_internal.h"

namespace capbox::engine::validation {
namespace {

enum class Shape : uint8_t {
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

struct SimdSig {
  Shape shape = Shape::None;
  uint8_t lanes = 0;  // lane count, from the name ("I16x8..." -> 8)
};

constexpr uint8_t lanes_of(const char* name) {
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

constexpr std::array<SimdSig, static_cast<size_t>(Opcode::kCount)>
make_simd_sigs() {
  std::array<SimdSig, static_cast<size_t>(Opcode::kCount)> sigs{};
#define CAPBOX_SIMD(Name, code, S, function) \
  sigs[static_cast<size_t>(Opcode::Name)] = {Shape::S, lanes_of(#Name)};
#include "engine/simd.def"
#undef CAPBOX_SIMD
  return sigs;
}

constexpr auto kSimdSigs = make_simd_sigs();

// The scalar type a splat, extract or replace shape carries.
ValType scalar_of(Shape s) {
  switch (s) {
    case Shape::SplatI64:
    case Shape::ExtractI64:
    case Shape::ReplaceI64:
      return ValType::I64;
    case Shape::SplatF32:
    case Shape::ExtractF32:
    case Shape::ReplaceF32:
      return ValType::F32;
    case Shape::SplatF64:
    case Shape::ExtractF64:
    case Shape::ReplaceF64:
      return ValType::F64;
    default:
      return ValType::I32;
  }
}

}  // namespace

bool FuncValidator::step_simd(const Instr& in) {
  const SimdSig& sig = kSimdSigs[static_cast<size_t>(in.op)];
  constexpr ValType V = ValType::V128;
  switch (sig.shape) {
    case Shape::None:
      break;
    case Shape::Unary:
      return pop(V) && (push(V), true);
    case Shape::Binary:
      return pop(V) && pop(V) && (push(V), true);
    case Shape::Ternary:
      return pop(V) && pop(V) && pop(V) && (push(V), true);
    case Shape::Test:
      return pop(V) && (push(ValType::I32), true);
    case Shape::Shift:
      return pop(ValType::I32) && pop(V) && (push(V), true);
    case Shape::SplatI32:
    case Shape::SplatI64:
    case Shape::SplatF32:
    case Shape::SplatF64:
      return pop(scalar_of(sig.shape)) && (push(V), true);
    case Shape::ExtractI32:
    case Shape::ExtractI64:
    case Shape::ExtractF32:
    case Shape::ExtractF64:
      if (in.lane >= sig.lanes)
        return fail("invalid lane index");
      return pop(V) && (push(scalar_of(sig.shape)), true);
    case Shape::ReplaceI32:
    case Shape::ReplaceI64:
    case Shape::ReplaceF32:
    case Shape::ReplaceF64:
      if (in.lane >= sig.lanes)
        return fail("invalid lane index");
      return pop(scalar_of(sig.shape)) && pop(V) && (push(V), true);
  }
  return step_simd_special(in);
}

bool FuncValidator::step_simd_special(const Instr& in) {
  constexpr ValType V = ValType::V128;
  switch (in.op) {
    case Opcode::V128Const:
      push(V);
      return true;
    case Opcode::I8x16Shuffle:
      for (uint8_t lane : in.v128)
        if (lane >= 32)
          return fail("invalid lane index");
      return pop(V) && pop(V) && (push(V), true);
    default:
      break;
  }
  // The lane loads and stores: natural alignment log2 = 0..3 by width.
  uint32_t width_log2;
  bool store;
  switch (in.op) {
    case Opcode::V128Load8Lane: width_log2 = 0; store = false; break;
    case Opcode::V128Load16Lane: width_log2 = 1; store = false; break;
    case Opcode::V128Load32Lane: width_log2 = 2; store = false; break;
    case Opcode::V128Load64Lane: width_log2 = 3; store = false; break;
    case Opcode::V128Store8Lane: width_log2 = 0; store = true; break;
    case Opcode::V128Store16Lane: width_log2 = 1; store = true; break;
    case Opcode::V128Store32Lane: width_log2 = 2; store = true; break;
    case Opcode::V128Store64Lane: width_log2 = 3; store = true; break;
    default:
      // Every opcode the reader accepts is handled by now.
      return fail("illegal opcode");
  }
  if (!check_memory())
    return false;
  if (in.align > width_log2)
    return fail("alignment must not be larger than natural");
  if (in.lane >= (16u >> width_log2))
    return fail("invalid lane index");
  if (!pop(V) || !pop(ValType::I32))
    return false;
  if (!store)
    push(V);
  return true;
}

}  // namespace capbox::engine::validation
