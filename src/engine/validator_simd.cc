// SPDX-License-Identifier: Apache-2.0
// Function body validation of the SIMD instructions that opcodes.def's
// Load/Store kinds do not type: simd.def's rows (typed by their shape),
// v128.const, i8x16.shuffle and the lane loads and stores.
#include "engine/simd_shape.h"
#include "engine/validator_internal.h"

namespace capbox::engine::validation {
bool FuncValidator::step_simd(const Instr& in) {
  const SimdInfo& info = kSimdInfo[static_cast<size_t>(in.op)];
  const SimdShape shape = info.shape;
  constexpr ValType V = ValType::V128;
  if (is_splat(shape))
    return pop(simd_scalar_type(shape)) && (push(V), true);
  if ((is_extract(shape) || is_replace(shape)) && in.lane >= info.lanes)
    return fail("invalid lane index");
  if (is_extract(shape))
    return pop(V) && (push(simd_scalar_type(shape)), true);
  if (is_replace(shape))
    return pop(simd_scalar_type(shape)) && pop(V) && (push(V), true);
  switch (shape) {
    case SimdShape::Unary:
      return pop(V) && (push(V), true);
    case SimdShape::Binary:
      return pop(V) && pop(V) && (push(V), true);
    case SimdShape::Ternary:
      return pop(V) && pop(V) && pop(V) && (push(V), true);
    case SimdShape::Test:
      return pop(V) && (push(ValType::I32), true);
    case SimdShape::Shift:
      return pop(ValType::I32) && pop(V) && (push(V), true);
    default:
      return step_simd_special(in);
  }
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
    case Opcode::V128Load8Lane:
      width_log2 = 0;
      store = false;
      break;
    case Opcode::V128Load16Lane:
      width_log2 = 1;
      store = false;
      break;
    case Opcode::V128Load32Lane:
      width_log2 = 2;
      store = false;
      break;
    case Opcode::V128Load64Lane:
      width_log2 = 3;
      store = false;
      break;
    case Opcode::V128Store8Lane:
      width_log2 = 0;
      store = true;
      break;
    case Opcode::V128Store16Lane:
      width_log2 = 1;
      store = true;
      break;
    case Opcode::V128Store32Lane:
      width_log2 = 2;
      store = true;
      break;
    case Opcode::V128Store64Lane:
      width_log2 = 3;
      store = true;
      break;
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
