// SPDX-License-Identifier: Apache-2.0
#include "engine/code_walk.h"

#include <array>
#include <cstddef>
#include <cstring>
#include <unordered_map>

#include "engine/simd_shape.h"

namespace capbox::engine {
namespace {

constexpr size_t kOps = static_cast<size_t>(Op::kCount);

// Operand words of each op (ops.def's N; d a or d a b for the numeric
// operators; a SIMD row's by its shape), before any table of offsets.
constexpr uint8_t simd_operands(SimdShape s) {
  switch (s) {
    case SimdShape::Binary:
    case SimdShape::Shift:
    case SimdShape::ExtractI32:
    case SimdShape::ExtractI64:
    case SimdShape::ExtractF32:
    case SimdShape::ExtractF64:
      return 3;
    case SimdShape::Ternary:
    case SimdShape::ReplaceI32:
    case SimdShape::ReplaceI64:
    case SimdShape::ReplaceF32:
    case SimdShape::ReplaceF64:
      return 4;
    default:  // Unary, Test, splats: d a
      return 2;
  }
}

constexpr std::array<uint8_t, kOps> make_operand_counts() {
  std::array<uint8_t, kOps> n{};
  size_t i = 0;
#define CAPBOX_OP(Name, N) n[i++] = N;
#include "engine/ops.def"
#undef CAPBOX_OP
#define CAPBOX_OPCODE(prefix, code, Name, text, Imm, Kind, A, B, R) \
  CAPBOX_COUNT_##Kind(Name)
#define CAPBOX_COUNT_Unary(Name) n[i++] = 2;
#define CAPBOX_COUNT_Binary(Name) n[i++] = 3;
#define CAPBOX_COUNT_Special(Name)
#define CAPBOX_COUNT_Load(Name)
#define CAPBOX_COUNT_Store(Name)
#define CAPBOX_COUNT_Simd(Name) \
  n[i++] = simd_operands(kSimdInfo[static_cast<size_t>(Opcode::Name)].shape);
#include "engine/opcodes.def"
#undef CAPBOX_OPCODE
#define CAPBOX_ACC_CONSUMER(Variant, Base, Kind, mask) \
  n[i++] = n[static_cast<size_t>(Op::Base)];
#include "engine/acc.def"
  return n;
}
constexpr std::array<uint8_t, kOps> kOperandCounts = make_operand_counts();

const std::unordered_map<const void*, Op>& ops_by_handler(
    const void* const* handlers) {
  static const auto* map = [handlers] {
    auto* m = new std::unordered_map<const void*, Op>;
    for (size_t i = 0; i < kOps; ++i)
      m->emplace(handlers[i], static_cast<Op>(i));
    return m;
  }();
  return *map;
}

}  // namespace

Op op_of_handler(const void* const* handlers, const void* handler) {
  const auto& ops = ops_by_handler(handlers);
  auto found = ops.find(handler);
  return found == ops.end() ? Op::kCount : found->second;
}

uint32_t instruction_words(Op op, const uint32_t* at) {
  uint32_t words = 2 + kOperandCounts[static_cast<size_t>(op)];
  switch (op) {
    case Op::BrTable:
      return words + at[2 + 1] + 1;
    case Op::BrTableAdd:
      return words + at[2 + 2] + 1;
    case Op::BrTableLoad:
      return words + at[2 + 6] + 1;
    default:
      return words;
  }
}

std::vector<CodeInstruction> decode_instructions(const void* const* handlers,
                                                 const uint32_t* code,
                                                 uint32_t start,
                                                 uint32_t end) {
  std::vector<CodeInstruction> out;
  for (uint32_t at = start; at < end;) {
    const void* handler;
    std::memcpy(&handler, &code[at], sizeof handler);
    const Op op = op_of_handler(handlers, handler);
    if (op == Op::kCount)
      return {};
    const uint32_t words = instruction_words(op, &code[at]);
    if (words > end - at)
      return {};
    out.push_back({at, op, words});
    at += words;
  }
  return out;
}

}  // namespace capbox::engine
