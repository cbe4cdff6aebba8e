// SPDX-License-Identifier: Apache-2.0
// FunctionCompiler: SIMD, and what v128 values change elsewhere (locals,
// select, globals). A v128 is two stack entries over two consecutive slots;
// see compiler_func.h. SIMD code is translated plainly, one instruction
// each, with no peephole fusion.
#include <array>
#include <cstring>

#include "engine/compiler_func.h"
#include "engine/simd_shape.h"

namespace capbox::engine {
namespace {

constexpr Op kNoOp = Op::kCount;

constexpr std::array<Op, static_cast<size_t>(Opcode::kCount)> make_simd_ops() {
  std::array<Op, static_cast<size_t>(Opcode::kCount)> ops{};
  for (auto& o : ops)
    o = kNoOp;
#define CAPBOX_SIMD(Name, code, S, function) \
  ops[static_cast<size_t>(Opcode::Name)] = Op::Name;
#include "engine/simd.def"
#undef CAPBOX_SIMD
  return ops;
}
constexpr auto kSimdOps = make_simd_ops();

Op simd_load_op(Opcode op) {
  switch (op) {
    case Opcode::V128Load:
      return Op::V128Load_;
    case Opcode::V128Load8x8S:
      return Op::V128Load8x8S_;
    case Opcode::V128Load8x8U:
      return Op::V128Load8x8U_;
    case Opcode::V128Load16x4S:
      return Op::V128Load16x4S_;
    case Opcode::V128Load16x4U:
      return Op::V128Load16x4U_;
    case Opcode::V128Load32x2S:
      return Op::V128Load32x2S_;
    case Opcode::V128Load32x2U:
      return Op::V128Load32x2U_;
    case Opcode::V128Load8Splat:
      return Op::V128Load8Splat_;
    case Opcode::V128Load16Splat:
      return Op::V128Load16Splat_;
    case Opcode::V128Load32Splat:
      return Op::V128Load32Splat_;
    case Opcode::V128Load64Splat:
      return Op::V128Load64Splat_;
    case Opcode::V128Load32Zero:
      return Op::V128Load32Zero_;
    case Opcode::V128Load64Zero:
      return Op::V128Load64Zero_;
    default:
      return kNoOp;
  }
}

Op lane_memory_op(Opcode op, bool& store) {
  store = true;
  switch (op) {
    case Opcode::V128Store8Lane:
      return Op::V128Store8Lane_;
    case Opcode::V128Store16Lane:
      return Op::V128Store16Lane_;
    case Opcode::V128Store32Lane:
      return Op::V128Store32Lane_;
    case Opcode::V128Store64Lane:
      return Op::V128Store64Lane_;
    default:
      break;
  }
  store = false;
  switch (op) {
    case Opcode::V128Load8Lane:
      return Op::V128Load8Lane_;
    case Opcode::V128Load16Lane:
      return Op::V128Load16Lane_;
    case Opcode::V128Load32Lane:
      return Op::V128Load32Lane_;
    case Opcode::V128Load64Lane:
      return Op::V128Load64Lane_;
    default:
      return kNoOp;
  }
}

}  // namespace

// The slot of the v128 whose low half is stack entry `lo_index`: where it
// already is when its halves are adjacent, else its home slots.
uint32_t FunctionCompiler::v128_operand(uint32_t lo_index) {
  const Entry& lo = stack_[lo_index];
  const Entry& hi = stack_[lo_index + 1];
  if (lo.kind == Entry::Kind::Local && hi.kind == Entry::Kind::Local &&
      hi.local == lo.local + 1)
    return lo.local;
  materialize(lo_index);
  materialize(lo_index + 1);
  return home(lo_index);
}

uint32_t FunctionCompiler::push_v128() {
  uint32_t dst = push_temp();
  push_temp();
  stack_.back().v128_hi = true;
  return dst;
}

void FunctionCompiler::local_get(uint32_t wasm_local) {
  uint32_t slot = local_slot(wasm_local);
  push_local(slot);
  if (local_is_v128(wasm_local)) {
    push_local(slot + 1);
    stack_.back().v128_hi = true;
  }
}

void FunctionCompiler::local_set_v128(uint32_t slot, bool tee) {
  uint32_t lo = height() - 2;
  bool already_there = stack_[lo].kind == Entry::Kind::Local &&
                       stack_[lo].local == slot &&
                       stack_[lo + 1].kind == Entry::Kind::Local &&
                       stack_[lo + 1].local == slot + 1;
  Entry e_lo = stack_[lo], e_hi = stack_[lo + 1];
  pop();
  pop();
  if (!already_there) {
    materialize_local(slot);
    materialize_local(slot + 1);
    write_entry_to(e_lo, lo, slot);
    write_entry_to(e_hi, lo + 1, slot + 1);
  }
  forget_last();
  if (tee) {
    push_local(slot);
    push_local(slot + 1);
    stack_.back().v128_hi = true;
  }
}

// A v128 select is two slot selects on one condition.
void FunctionCompiler::select() {
  if (!stack_[height() - 2].v128_hi) {
    emit_with_operands(Op::Select, 1, 3, {});
    return;
  }
  uint32_t cond = slot_of(height() - 1);
  uint32_t b = v128_operand(height() - 3);
  uint32_t a = v128_operand(height() - 5);
  drop_to(height() - 5);
  uint32_t dst = push_v128();
  for (uint32_t half = 0; half < 2; ++half) {
    emit(Op::Select);
    for (uint32_t w : {dst + half, a + half, b + half, cond})
      word(w);
  }
  forget_last();
}

void FunctionCompiler::global_access(const Instr& in) {
  const GlobalType& g = module_.global_type(in.index);
  bool wide = g.type == ValType::V128;
  if (in.op == Opcode::GlobalGet) {
    if (!wide) {
      emit_with_operands(Op::GlobalGet, 1, 0, {in.index});
      return;
    }
    uint32_t dst = push_v128();
    emit(Op::GlobalGet128);
    word(dst);
    word(in.index);
  } else {
    if (!wide) {
      emit_with_operands(Op::GlobalSet, 0, 1, {in.index});
      return;
    }
    uint32_t a = v128_operand(height() - 2);
    drop_to(height() - 2);
    emit(Op::GlobalSet128);
    word(in.index);
    word(a);
  }
  forget_last();
}

void FunctionCompiler::simd_lane_memory(const Instr& in, Op op, bool store) {
  uint32_t v = v128_operand(height() - 2);
  uint32_t address = slot_of(height() - 3);
  drop_to(height() - 3);
  uint32_t dst = store ? 0 : push_v128();
  note_source(in.offset);
  emit(op);
  if (!store)
    word(dst);
  word(address);
  word(v);
  word(in.mem_offset);
  word(in.lane);
}

bool FunctionCompiler::simd_memory(const Instr& in) {
  if (Op op = simd_load_op(in.op); op != kNoOp) {
    uint32_t address = slot_of(height() - 1);
    pop();
    uint32_t dst = push_v128();
    note_source(in.offset);
    emit(op);
    word(dst);
    word(address);
    word(in.mem_offset);
    return true;
  }
  if (in.op == Opcode::V128Store) {
    uint32_t v = v128_operand(height() - 2);
    uint32_t address = slot_of(height() - 3);
    drop_to(height() - 3);
    note_source(in.offset);
    emit(Op::V128Store_);
    word(address);
    word(v);
    word(in.mem_offset);
    return true;
  }
  bool store = false;
  if (Op op = lane_memory_op(in.op, store); op != kNoOp) {
    simd_lane_memory(in, op, store);
    return true;
  }
  return false;
}

// v128.const, i8x16.shuffle and the SIMD memory instructions; false if
// `in` is none of them (not a SIMD instruction at all).
bool FunctionCompiler::simd_special(const Instr& in) {
  if (in.op == Opcode::V128Const) {
    uint64_t half[2];
    std::memcpy(half, in.v128.data(), sizeof half);
    push_const(half[0]);
    push_const(half[1]);
    stack_.back().v128_hi = true;
    return true;
  }
  if (in.op == Opcode::I8x16Shuffle) {
    uint32_t b = v128_operand(height() - 2);
    uint32_t a = v128_operand(height() - 4);
    drop_to(height() - 4);
    uint32_t dst = push_v128();
    emit(Op::I8x16Shuffle_);
    for (uint32_t w : {dst, a, b})
      word(w);
    uint32_t lanes[4];
    std::memcpy(lanes, in.v128.data(), sizeof lanes);
    for (uint32_t w : lanes)
      word(w);
    forget_last();
    return true;
  }
  if (!simd_memory(in))
    return false;
  forget_last();
  return true;
}

// Translates a SIMD instruction; false if `in` is not one.
bool FunctionCompiler::simd_op(const Instr& in) {
  const SimdShape shape = kSimdInfo[static_cast<size_t>(in.op)].shape;
  Op op = kSimdOps[static_cast<size_t>(in.op)];
  if (op == kNoOp)
    return simd_special(in);
  // Operands, bottom first: v128s unless the shape takes a scalar on top.
  uint32_t slots[3];
  uint32_t n = 0;
  if (is_splat(shape)) {
    slots[n++] = slot_of(height() - 1);
    drop_to(height() - 1);
  } else if (shape == SimdShape::Shift || is_replace(shape)) {
    slots[n++] = v128_operand(height() - 3);
    slots[n++] = slot_of(height() - 1);
    drop_to(height() - 3);
  } else if (shape == SimdShape::Binary || shape == SimdShape::Ternary) {
    if (shape == SimdShape::Ternary)
      slots[n++] = v128_operand(height() - 6);
    slots[n++] = v128_operand(height() - 4);
    slots[n++] = v128_operand(height() - 2);
    drop_to(height() - 2 * n);
  } else {  // Unary, Test, Extract
    slots[n++] = v128_operand(height() - 2);
    drop_to(height() - 2);
  }
  bool scalar_result = shape == SimdShape::Test || is_extract(shape);
  uint32_t dst = scalar_result ? push_temp() : push_v128();
  emit(op);
  word(dst);
  for (uint32_t i = 0; i < n; ++i)
    word(slots[i]);
  if (is_extract(shape) || is_replace(shape))
    word(in.lane);
  forget_last();
  return true;
}

}  // namespace capbox::engine
