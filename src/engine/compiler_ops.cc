// SPDX-License-Identifier: Apache-2.0
// FunctionCompiler: translation of the data instructions (numeric, locals,
// globals, tables, calls; loads and stores are in compiler_memory.cc).
// Numeric operators come from opcodes.def; the immediate forms and compare
// fusion are chosen here.
#include <algorithm>
#include <array>
#include <cstring>

#include "engine/compiler_func.h"

namespace capbox::engine {
namespace {

constexpr Op kNoOp = Op::kCount;

struct NumericOps {
  std::array<Op, static_cast<size_t>(Opcode::kCount)> op{};
  std::array<bool, static_cast<size_t>(Opcode::kCount)> binary{};
};

constexpr NumericOps make_numeric_ops() {
  NumericOps t;
  for (auto& o : t.op)
    o = kNoOp;
#define CAPBOX_OPCODE(prefix, code, Name, text, Imm, Kind, A, B, R) \
  CAPBOX_MAP_##Kind(Name)
#define CAPBOX_MAP_Unary(Name) t.op[size_t(Opcode::Name)] = Op::Name;
#define CAPBOX_MAP_Binary(Name)          \
  t.op[size_t(Opcode::Name)] = Op::Name; \
  t.binary[size_t(Opcode::Name)] = true;
#define CAPBOX_MAP_Special(Name)
#define CAPBOX_MAP_Load(Name)
#define CAPBOX_MAP_Store(Name)
#define CAPBOX_MAP_Simd(Name)
#include "engine/opcodes.def"
#undef CAPBOX_OPCODE
  return t;
}
constexpr NumericOps kNumeric = make_numeric_ops();

// Immediate forms: `imm` when the right operand is a constant, `swapped`
// when the left one is (commutative ops, and compares mirrored).
struct ImmForm {
  Op op, imm, swapped;
  bool is64;
};
constexpr ImmForm kImmForms[] = {
    {Op::I32Add, Op::I32AddImm, Op::I32AddImm, false},
    {Op::I32Mul, Op::I32MulImm, Op::I32MulImm, false},
    {Op::I32And, Op::I32AndImm, Op::I32AndImm, false},
    {Op::I32Or, Op::I32OrImm, Op::I32OrImm, false},
    {Op::I32Xor, Op::I32XorImm, Op::I32XorImm, false},
    {Op::I32Shl, Op::I32ShlImm, kNoOp, false},
    {Op::I32ShrS, Op::I32ShrSImm, kNoOp, false},
    {Op::I32ShrU, Op::I32ShrUImm, kNoOp, false},
    {Op::I32Rotl, Op::I32RotlImm, kNoOp, false},
    {Op::I32Rotr, Op::I32RotrImm, kNoOp, false},
    {Op::I32Eq, Op::I32EqImm, Op::I32EqImm, false},
    {Op::I32Ne, Op::I32NeImm, Op::I32NeImm, false},
    {Op::I32LtS, Op::I32LtSImm, Op::I32GtSImm, false},
    {Op::I32LtU, Op::I32LtUImm, Op::I32GtUImm, false},
    {Op::I32GtS, Op::I32GtSImm, Op::I32LtSImm, false},
    {Op::I32GtU, Op::I32GtUImm, Op::I32LtUImm, false},
    {Op::I32LeS, Op::I32LeSImm, Op::I32GeSImm, false},
    {Op::I32LeU, Op::I32LeUImm, Op::I32GeUImm, false},
    {Op::I32GeS, Op::I32GeSImm, Op::I32LeSImm, false},
    {Op::I32GeU, Op::I32GeUImm, Op::I32LeUImm, false},
    {Op::I64Add, Op::I64AddImm, Op::I64AddImm, true},
    {Op::I64Mul, Op::I64MulImm, Op::I64MulImm, true},
    {Op::I64And, Op::I64AndImm, Op::I64AndImm, true},
    {Op::I64Or, Op::I64OrImm, Op::I64OrImm, true},
    {Op::I64Xor, Op::I64XorImm, Op::I64XorImm, true},
    {Op::I64Shl, Op::I64ShlImm, kNoOp, true},
    {Op::I64ShrS, Op::I64ShrSImm, kNoOp, true},
    {Op::I64ShrU, Op::I64ShrUImm, kNoOp, true},
    {Op::I64Rotl, Op::I64RotlImm, kNoOp, true},
    {Op::I64Rotr, Op::I64RotrImm, kNoOp, true},
};

// The compare-and-branch form of a compare, for br_if/if fusion.
struct BranchForm {
  Op cmp, branch;
};
constexpr BranchForm kBranchForms[] = {
    {Op::I32Eq, Op::BrIfI32Eq},         {Op::I32Ne, Op::BrIfI32Ne},
    {Op::I32LtS, Op::BrIfI32LtS},       {Op::I32LtU, Op::BrIfI32LtU},
    {Op::I32GtS, Op::BrIfI32GtS},       {Op::I32GtU, Op::BrIfI32GtU},
    {Op::I32LeS, Op::BrIfI32LeS},       {Op::I32LeU, Op::BrIfI32LeU},
    {Op::I32GeS, Op::BrIfI32GeS},       {Op::I32GeU, Op::BrIfI32GeU},
    {Op::I32EqImm, Op::BrIfI32EqImm},   {Op::I32NeImm, Op::BrIfI32NeImm},
    {Op::I32LtSImm, Op::BrIfI32LtSImm}, {Op::I32LtUImm, Op::BrIfI32LtUImm},
    {Op::I32GtSImm, Op::BrIfI32GtSImm}, {Op::I32GtUImm, Op::BrIfI32GtUImm},
    {Op::I32LeSImm, Op::BrIfI32LeSImm}, {Op::I32LeUImm, Op::BrIfI32LeUImm},
    {Op::I32GeSImm, Op::BrIfI32GeSImm}, {Op::I32GeUImm, Op::BrIfI32GeUImm},
    {Op::I64Eq, Op::BrIfI64Eq},         {Op::I64Ne, Op::BrIfI64Ne},
    {Op::I64LtS, Op::BrIfI64LtS},       {Op::I64LtU, Op::BrIfI64LtU},
    {Op::I64GtS, Op::BrIfI64GtS},       {Op::I64GtU, Op::BrIfI64GtU},
    {Op::I64LeS, Op::BrIfI64LeS},       {Op::I64LeU, Op::BrIfI64LeU},
    {Op::I64GeS, Op::BrIfI64GeS},       {Op::I64GeU, Op::BrIfI64GeU},
    {Op::I32Eqz, Op::BrIfEqz},          {Op::I64Eqz, Op::BrIfI64Eqz},
    {Op::F32Eq, Op::BrIfF32Eq},         {Op::F32Ne, Op::BrIfF32Ne},
    {Op::F32Lt, Op::BrIfF32Lt},         {Op::F32Gt, Op::BrIfF32Gt},
    {Op::F32Le, Op::BrIfF32Le},         {Op::F32Ge, Op::BrIfF32Ge},
    {Op::F64Eq, Op::BrIfF64Eq},         {Op::F64Ne, Op::BrIfF64Ne},
    {Op::F64Lt, Op::BrIfF64Lt},         {Op::F64Gt, Op::BrIfF64Gt},
    {Op::F64Le, Op::BrIfF64Le},         {Op::F64Ge, Op::BrIfF64Ge},
};

Op branch_form(Op cmp) {
  for (const auto& f : kBranchForms)
    if (f.cmp == cmp)
      return f.branch;
  return kNoOp;
}

// The integer compare that is always the negation of `cmp` (floats have
// none: a NaN makes both false), or kNoOp.
Op inverse_compare(Op cmp) {
  static constexpr struct {
    Op a, b;
  } kPairs[] = {
      {Op::I32Eq, Op::I32Ne},         {Op::I32LtS, Op::I32GeS},
      {Op::I32LtU, Op::I32GeU},       {Op::I32GtS, Op::I32LeS},
      {Op::I32GtU, Op::I32LeU},       {Op::I32EqImm, Op::I32NeImm},
      {Op::I32LtSImm, Op::I32GeSImm}, {Op::I32LtUImm, Op::I32GeUImm},
      {Op::I32GtSImm, Op::I32LeSImm}, {Op::I32GtUImm, Op::I32LeUImm},
      {Op::I64Eq, Op::I64Ne},         {Op::I64LtS, Op::I64GeS},
      {Op::I64LtU, Op::I64GeU},       {Op::I64GtS, Op::I64LeS},
      {Op::I64GtU, Op::I64LeU},
  };
  for (const auto& p : kPairs) {
    if (p.a == cmp)
      return p.b;
    if (p.b == cmp)
      return p.a;
  }
  return kNoOp;
}

bool is_identity(Opcode op) {
  switch (op) {
    case Opcode::I64ExtendI32U:  // i32 slots are kept zero-extended
    case Opcode::I32ReinterpretF32:
    case Opcode::I64ReinterpretF64:
    case Opcode::F32ReinterpretI32:
    case Opcode::F64ReinterpretI64:
      return true;
    default:
      return false;
  }
}

bool may_trap(Opcode op) {
  switch (op) {
    case Opcode::I32DivS:
    case Opcode::I32DivU:
    case Opcode::I32RemS:
    case Opcode::I32RemU:
    case Opcode::I64DivS:
    case Opcode::I64DivU:
    case Opcode::I64RemS:
    case Opcode::I64RemU:
    case Opcode::I32TruncF32S:
    case Opcode::I32TruncF32U:
    case Opcode::I32TruncF64S:
    case Opcode::I32TruncF64U:
    case Opcode::I64TruncF32S:
    case Opcode::I64TruncF32U:
    case Opcode::I64TruncF64S:
    case Opcode::I64TruncF64U:
      return true;
    default:
      return false;
  }
}

}  // namespace

// i32.eqz of an integer compare just emitted (`i32.eq; i32.eqz; if` in
// sha256's rounds) negates the compare in place instead of running twice:
// the value is the same, and a branch on it still fuses with it.
bool FunctionCompiler::invert_compare() {
  const uint32_t index = height() - 1;
  if (cmp_end_ != pos() || last_end_ != pos() || cmp_start_ != last_start_ ||
      last_dst_index_ != index || stack_[index].kind != Entry::Kind::Temp)
    return false;
  const Op inverse = inverse_compare(last_op_);
  if (inverse == kNoOp)
    return false;
  const void* h = handlers_[static_cast<size_t>(inverse)];
  std::memcpy(&code_[cmp_start_], &h, sizeof h);
  last_op_ = inverse;
  last_result_op_ = inverse;
  cmp_ = invert(cmp_);
  return true;
}

void FunctionCompiler::unary(Op op) {
  if (op == Op::I32Eqz && invert_compare())
    return;
  // eqz of a mask just tested (`!(x & m)`): a branch on it tests x & m.
  const bool masked = op == Op::I32Eqz && cmp_.op == Op::BrIfAndImmNez &&
                      cmp_end_ == pos() &&
                      last_result_is(Op::I32AndImm, height() - 1);
  const Cond mask_test = cmp_;
  const uint32_t mask_start = cmp_start_;
  uint32_t a = slot_of(height() - 1);
  pop();
  uint32_t dst = push_temp();
  uint32_t start = emit(op);
  word(dst);
  word(a);
  note_result(start + 2);
  Op branch = branch_form(op);
  if (masked) {
    cmp_ = Cond{Op::BrIfAndImmEqz, mask_test.a, mask_test.b, true};
    cmp_start_ = mask_start;  // the and goes too
    cmp_end_ = pos();
  } else if (branch != kNoOp) {
    cmp_ = Cond{branch, a, 0, false};
    cmp_start_ = start;
    cmp_end_ = pos();
  }
}

// Emits the immediate form when one operand is a suitable constant.
bool FunctionCompiler::binary_imm(Op op) {
  uint32_t ib = height() - 1, ia = height() - 2;
  bool sub = op == Op::I32Sub || op == Op::I64Sub;
  // x - c is x + (-c).
  Op lookup = op == Op::I32Sub   ? Op::I32Add
              : op == Op::I64Sub ? Op::I64Add
                                 : op;
  const ImmForm* form = nullptr;
  for (const auto& f : kImmForms)
    if (f.op == lookup)
      form = &f;
  if (form == nullptr)
    return false;
  auto fits = [&](uint64_t v) {
    if (!form->is64)
      return true;
    auto s = static_cast<int64_t>(v);
    return s >= INT32_MIN + 1 && s <= INT32_MAX;
  };
  Op chosen = kNoOp;
  uint32_t operand = 0;
  uint64_t imm = 0;
  if (stack_[ib].kind == Entry::Kind::Const && fits(stack_[ib].value)) {
    chosen = form->imm;
    imm = stack_[ib].value;
    if (sub)
      imm = 0 - imm;
    operand = ia;
  } else if (!sub && form->swapped != kNoOp &&
             stack_[ia].kind == Entry::Kind::Const && fits(stack_[ia].value)) {
    chosen = form->swapped;
    imm = stack_[ia].value;
    operand = ib;
  } else {
    return false;
  }
  if (chosen == Op::I32AddImm && stack_[operand].reads_local()) {
    // local + imm stays lazy: memory accesses fold it in.
    Entry e = stack_[operand];
    uint64_t sum = (e.kind == Entry::Kind::LocalAdd ? e.value : 0) + imm;
    pop();
    pop();
    push_local_add(e.local, static_cast<uint32_t>(sum));
    return true;
  }
  if (chosen == Op::I32AndImm && fuse_shr_and(operand, imm))
    return true;
  // A shift of a mask just computed: a load may take both in (load()).
  const bool masked =
      chosen == Op::I32ShlImm && last_result_is(Op::I32AndImm, operand);
  const uint32_t and_start = last_start_;
  uint32_t a = slot_of(operand);
  pop();
  pop();
  uint32_t dst = push_temp();
  uint32_t start = emit(chosen);
  word(dst);
  word(a);
  word(static_cast<uint32_t>(imm));
  note_result(start + 2);
  if (chosen == Op::I32ShlImm) {
    mask_and_start_ = and_start;
    mask_shl_start_ = masked ? start : UINT32_MAX;
  }
  Op branch = chosen == Op::I32AndImm ? Op::BrIfAndImmNez : branch_form(chosen);
  if (branch != kNoOp) {
    cmp_ = Cond{branch, a, static_cast<uint32_t>(imm), true};
    cmp_start_ = start;
    cmp_end_ = pos();
  }
  return true;
}

// (x << c1) | (y >>u c2), both shifts just computed, becomes one
// instruction: the funnel shift of unaligned word copies (musl's memcpy).
bool FunctionCompiler::fuse_funnel() {
  uint32_t top = height() - 1;
  bool shifts =
      (last_result_op_ == Op::I32ShlImm && prev_op_ == Op::I32ShrUImm) ||
      (last_result_op_ == Op::I32ShrUImm && prev_op_ == Op::I32ShlImm);
  if (!shifts || last_end_ != pos() || last_dst_index_ != top ||
      prev_end_ != last_result_start_ || prev_dst_index_ != top - 1 ||
      stack_[top].kind != Entry::Kind::Temp ||
      stack_[top - 1].kind != Entry::Kind::Temp)
    return false;
  uint32_t shl =
      last_result_op_ == Op::I32ShlImm ? last_result_start_ : prev_start_;
  uint32_t shr = shl == prev_start_ ? last_result_start_ : prev_start_;
  uint32_t x = code_[shl + 3], cx = code_[shl + 4];
  uint32_t y = code_[shr + 3], cy = code_[shr + 4];
  code_.resize(prev_start_);
  emit_fused_binary(Op::I32ShlOrShrU, {x, cx, y, cy});
  return true;
}

namespace {

// The I32*Imm shift forms that join an add/xor/or/and using their result.
struct ShiftedForm {
  Op op, shift, fused;
};
constexpr ShiftedForm kShiftedForms[] = {
    {Op::I32Add, Op::I32ShlImm, Op::I32AddShlImm},
    {Op::I32Add, Op::I32ShrUImm, Op::I32AddShrUImm},
    {Op::I32Add, Op::I32RotlImm, Op::I32AddRotlImm},
    {Op::I32Xor, Op::I32ShlImm, Op::I32XorShlImm},
    {Op::I32Xor, Op::I32ShrUImm, Op::I32XorShrUImm},
    {Op::I32Xor, Op::I32RotlImm, Op::I32XorRotlImm},
    {Op::I32Or, Op::I32ShlImm, Op::I32OrShlImm},
    {Op::I32Or, Op::I32ShrUImm, Op::I32OrShrUImm},
    {Op::I32Or, Op::I32RotlImm, Op::I32OrRotlImm},
    {Op::I32And, Op::I32ShlImm, Op::I32AndShlImm},
    {Op::I32And, Op::I32ShrUImm, Op::I32AndShrUImm},
    {Op::I32And, Op::I32RotlImm, Op::I32AndRotlImm},
};

}  // namespace

// Pops a binary op's two operands and emits `op` with a new temp as its
// destination, then `operands`: the shape the fusions of binary ops end
// in.
void FunctionCompiler::emit_fused_binary(
    Op op,
    std::initializer_list<uint32_t> operands) {
  pop();
  pop();
  const uint32_t dst = push_temp();
  const uint32_t start = emit(op);
  word(dst);
  for (uint32_t w : operands)
    word(w);
  note_result(start + 2);
}

// The other operand of a binary op whose one operand is the result just
// emitted (in slot `top` or just below it): a non-constant below it, or a
// local above it. False when neither fits.
bool FunctionCompiler::partner_of_last(uint32_t top, uint32_t& other) const {
  if (last_result_is(last_op_, top) &&
      stack_[top - 1].kind != Entry::Kind::Const) {
    other = top - 1;
  } else if (last_result_is(last_op_, top - 1) &&
             stack_[top].kind == Entry::Kind::Local) {
    other = top;
  } else {
    return false;
  }
  return true;
}

// A commutative i32 op whose operand is the shift just computed, into a
// temp nothing else reads, takes the shift in: `a OP (x SHIFT c)`. The
// other operand is below it (anything but a constant, which binary_imm
// handles), or above it as a lazy local, so nothing is emitted between.
bool FunctionCompiler::fuse_shifted(Op op) {
  uint32_t top = height() - 1;
  const ShiftedForm* form = nullptr;
  for (const auto& f : kShiftedForms)
    if (f.op == op && f.shift == last_op_)
      form = &f;
  if (form == nullptr)
    return false;
  uint32_t other = 0;
  if (!partner_of_last(top, other))
    return false;
  uint32_t x = code_[last_start_ + 3], c = code_[last_start_ + 4];
  if (op == Op::I32Xor && fuse_rotates(other, x, c))
    return true;
  code_.resize(last_start_);
  uint32_t a = slot_of(other);
  emit_fused_binary(form->fused, {a, x, c});
  return true;
}

// The xor of rotates (or a final shift) of one x, each just computed into
// the same temp: rotl(x, c1) ^ rotl(x, c2) [^ rotl(x, c3) or x >>u c3] in
// one instruction. The shift just emitted (last_op_, count c) is the new
// term; the one before it, whose temp is `other`, is the xor so far.
bool FunctionCompiler::fuse_rotates(uint32_t other, uint32_t x, uint32_t c) {
  const bool shr = last_op_ == Op::I32ShrUImm;
  if (other != height() - 2 || prev_end_ != last_start_ ||
      prev_dst_index_ != other || code_[prev_start_ + 2] != home(other) ||
      code_[prev_start_ + 3] != x || x == home(other))
    return false;
  Op fused = Op::kCount;
  if (prev_op_ == Op::I32RotlImm && !shr)
    fused = Op::I32Rotl2Xor;
  else if (prev_op_ == Op::I32Rotl2Xor)
    fused = shr ? Op::I32Rotl2XorShrU : Op::I32Rotl3Xor;
  if (fused == Op::kCount)
    return false;
  uint32_t counts[2] = {code_[prev_start_ + 4], 0};
  if (prev_op_ == Op::I32Rotl2Xor)
    counts[1] = code_[prev_start_ + 5];
  code_.resize(prev_start_);
  pop();
  pop();
  uint32_t dst = push_temp();
  uint32_t start = emit(fused);
  word(dst);
  word(x);
  word(counts[0]);
  if (fused != Op::I32Rotl2Xor)
    word(counts[1]);
  word(c);
  forget_results();
  note_result(start + 2);
  return true;
}

// An f64 add/sub/mul whose right operand is the f64 load just emitted
// takes the load in (the load's source entry stays at the instruction's
// start, so a trap is still the load's); an add/sub whose operand is the
// product just computed becomes a multiply-add, rounded twice as wasm is;
// a product with a square root just taken takes the root in.
bool FunctionCompiler::fuse_f64(Op op) {
  if (op != Op::F64Add && op != Op::F64Sub && op != Op::F64Mul)
    return false;
  uint32_t top = height() - 1;
  bool loaded =
      last_result_is(Op::I64Load_, top) || last_result_is(Op::I64LoadAdd_, top);
  if (loaded) {
    const bool adds = last_op_ == Op::I64LoadAdd_;
    const uint32_t* load = &code_[last_start_ + 2];
    uint32_t address[3] = {load[1], adds ? load[2] : 0,
                           adds ? load[3] : load[2]};
    code_.resize(last_start_);
    uint32_t x = slot_of(top - 1);
    if (pos() != last_start_) {
      // Writing x emitted code: the load's source entry is behind it.
      note_source(out_.source_map.back().wasm_offset);
    }
    emit_fused_binary(op == Op::F64Add   ? Op::F64AddLoad
                      : op == Op::F64Sub ? Op::F64SubLoad
                                         : Op::F64MulLoad,
                      {x, address[0], address[1], address[2]});
    return true;
  }
  if (op == Op::F64Mul) {
    // x * sqrt(y), the root just computed (nbody's d2 * sqrt(d2)).
    if (!last_result_is(Op::F64Sqrt, top))
      return false;
    const uint32_t y = code_[last_start_ + 3];
    code_.resize(last_start_);
    const uint32_t x = slot_of(top - 1);
    emit_fused_binary(Op::F64MulSqrt, {x, y});
    return true;
  }
  Op fused = Op::kCount;
  uint32_t other = 0;
  if (last_result_is(Op::F64Mul, top) &&
      stack_[top - 1].kind != Entry::Kind::Const) {
    fused = op == Op::F64Add ? Op::F64MulAdd : Op::F64MulSub;
    other = top - 1;
  } else if (last_result_is(Op::F64Mul, top - 1) &&
             stack_[top].kind == Entry::Kind::Local) {
    fused = op == Op::F64Add ? Op::F64MulAdd : Op::F64MulSubR;
    other = top;
  } else {
    return false;
  }
  uint32_t x = code_[last_start_ + 3], y = code_[last_start_ + 4];
  code_.resize(last_start_);
  uint32_t c = slot_of(other);
  emit_fused_binary(fused, {c, x, y});
  return true;
}

// a OP (x OP2 y) for two of and, or and xor, the inner op just computed
// into a temp nothing else reads (sha256's majority, masks and merges):
// one instruction. All three are commutative, so the order of the outer
// op's operands does not matter.
bool FunctionCompiler::fuse_bitwise(Op op) {
  static constexpr Op kOps[] = {Op::I32And, Op::I32Or, Op::I32Xor};
  static constexpr Op kFused[3][3] = {
      {Op::I32AndAnd, Op::I32AndOr, Op::I32AndXor},
      {Op::I32OrAnd, Op::I32OrOr, Op::I32OrXor},
      {Op::I32XorAnd, Op::I32XorOr, Op::I32XorXor}};
  const auto outer = std::find(std::begin(kOps), std::end(kOps), op);
  const auto inner = std::find(std::begin(kOps), std::end(kOps), last_op_);
  const uint32_t top = height() - 1;
  uint32_t other = 0;
  if (outer == std::end(kOps) || inner == std::end(kOps) ||
      !partner_of_last(top, other))
    return false;
  const uint32_t x = code_[last_start_ + 3], y = code_[last_start_ + 4];
  code_.resize(last_start_);
  const uint32_t a = slot_of(other);
  emit_fused_binary(kFused[outer - std::begin(kOps)][inner - std::begin(kOps)],
                    {a, x, y});
  return true;
}

// y & ~x, the complement just computed (x ^ -1) into a temp nothing else
// reads (sha256's choose, bit clearing): one instruction.
bool FunctionCompiler::fuse_and_not() {
  const uint32_t top = height() - 1;
  uint32_t other = 0;
  if (last_op_ != Op::I32XorImm || code_[last_start_ + 4] != UINT32_MAX ||
      !partner_of_last(top, other))
    return false;
  const uint32_t x = code_[last_start_ + 3];
  code_.resize(last_start_);
  const uint32_t y = slot_of(other);
  emit_fused_binary(Op::I32AndNot, {y, x});
  return true;
}

// A field of an instruction word, (x >>u c) & m, computed by the shift
// just emitted and masked by this and: one instruction (Lua's GETARG_*).
bool FunctionCompiler::fuse_shr_and(uint32_t operand, uint64_t mask) {
  if (!last_result_is(Op::I32ShrUImm, operand))
    return false;
  uint32_t x = code_[last_start_ + 3], c = code_[last_start_ + 4];
  code_.resize(last_start_);
  emit_fused_binary(Op::I32ShrUAndImm, {x, c, static_cast<uint32_t>(mask)});
  return true;
}

// base + field, the field just extracted into a temp nothing else reads
// (Lua's register address base + GETARG_A(i) * sizeof(TValue)): one
// instruction. The other operand as in fuse_shifted.
bool FunctionCompiler::fuse_field_add(Op op) {
  if (op != Op::I32Add || last_op_ != Op::I32ShrUAndImm)
    return false;
  uint32_t top = height() - 1, other = 0;
  if (!partner_of_last(top, other))
    return false;
  uint32_t x = code_[last_start_ + 3], c = code_[last_start_ + 4];
  uint32_t m = code_[last_start_ + 5];
  code_.resize(last_start_);
  uint32_t b = slot_of(other);
  pop();
  pop();
  uint32_t dst = push_temp();
  if (word_end_ == pos()) {
    // Right after an i32 load (vmfetch: i = *pc, then RA(i)): joined,
    // run in order after it; the load's source entry stays.
    const uint32_t start = word_start_;
    // Usually the field is of the word just loaded (x = d).
    const Op fused =
        x == code_[start + 2] ? Op::I32LoadFieldAddSelf : Op::I32LoadFieldAdd;
    const void* h = handlers_[static_cast<size_t>(fused)];
    std::memcpy(&code_[start], &h, sizeof h);
    for (uint32_t w : {dst, b, x, c, m})
      word(w);
    forget_last();
    last_op_ = fused;
    last_start_ = start;
    note_result(start + 5);
    return true;
  }
  uint32_t start = emit(Op::I32AddShrUAndImm);
  for (uint32_t w : {dst, b, x, c, m})
    word(w);
  note_result(start + 2);
  return true;
}

// A constant divided by a value (nbody's dt / (d * d * d)) takes the
// constant as an immediate instead of materialising it every time.
bool FunctionCompiler::fuse_const_div(Op op) {
  const uint32_t ia = height() - 2, ib = height() - 1;
  if (op != Op::F64Div || stack_[ia].kind != Entry::Kind::Const ||
      stack_[ib].kind == Entry::Kind::Const)
    return false;
  const uint64_t c = stack_[ia].value;
  if (last_result_is(Op::F64MulSqrt, ib)) {
    // c / (x * sqrt(y)) (an inverse cube distance): the product and root
    // just computed join the division.
    const uint32_t x = code_[last_start_ + 3], y = code_[last_start_ + 4];
    code_.resize(last_start_);
    emit_fused_binary(Op::F64ConstDivMulSqrt, {x, y, static_cast<uint32_t>(c),
                                               static_cast<uint32_t>(c >> 32)});
    return true;
  }
  const uint32_t b = slot_of(ib);
  emit_fused_binary(Op::F64ConstDiv, {b, static_cast<uint32_t>(c),
                                      static_cast<uint32_t>(c >> 32)});
  return true;
}

void FunctionCompiler::binary(const Instr& in, Op op) {
  if (op == Op::I32Or && fuse_funnel())
    return;
  if (op == Op::I32And && fuse_and_not())
    return;
  if (fuse_bitwise(op))
    return;
  if (fuse_field_add(op))
    return;
  if (fuse_shifted(op) || fuse_f64(op) || fuse_const_div(op))
    return;
  if (binary_imm(op))
    return;
  uint32_t b = slot_of(height() - 1);
  uint32_t a = slot_of(height() - 2);
  pop();
  pop();
  uint32_t dst = push_temp();
  if (may_trap(in.op))
    note_source(in.offset);
  uint32_t start = emit(op);
  word(dst);
  word(a);
  word(b);
  if (op == Op::I32Add && join_add(start))
    return;
  note_result(start + 2);
  Op branch = branch_form(op);
  if (branch != kNoOp) {
    cmp_ = Cond{branch, a, b, true};
    cmp_start_ = start;
    cmp_end_ = pos();
  }
}

// An i32.add right after another (the copy loop's two address sums) joins
// it as an I32Add2; no fusion takes an I32Add as its input, so none is
// lost. The second's result word is the one a local.set may retarget.
bool FunctionCompiler::join_add(uint32_t start) {
  if (iadd_end_ != start) {
    iadd_start_ = start;
    iadd_end_ = pos();
    return false;
  }
  code_.erase(code_.begin() + start, code_.begin() + start + 2);
  const void* h = handlers_[static_cast<size_t>(Op::I32Add2)];
  std::memcpy(&code_[iadd_start_], &h, sizeof h);
  forget_results();
  last_op_ = Op::I32Add2;
  last_start_ = iadd_start_;
  iadd_end_ = UINT32_MAX;
  note_result(iadd_start_ + 5);
  return true;
}

void FunctionCompiler::local_set(uint32_t local, bool tee) {
  uint32_t index = height() - 1;
  Entry e = stack_[index];
  bool retarget = e.kind == Entry::Kind::Temp && last_end_ == pos() &&
                  last_dst_index_ == index && local_refs_[local] == 0;
  pop();
  if (retarget) {
    code_[last_dst_word_] = local;
  } else {
    materialize_local(local);
    if (!(e.kind == Entry::Kind::Local && e.local == local))
      write_entry_to(e, index, local);
  }
  forget_results();
  if (tee)
    push_local(local);
}

// Writes a call's arguments (the top of the stack) to their home slots,
// pops them and returns the first one's slot: the callee's frame base.
uint32_t FunctionCompiler::take_arguments(const FuncType& t) {
  uint32_t nargs = slot_count(t.params);
  materialize_range(height() - nargs, height());
  uint32_t base = home(height() - nargs);
  drop_to(height() - nargs);
  note_source(current_offset_);
  return base;
}

void FunctionCompiler::call(uint32_t func_index) {
  const FuncType& t = module_.func_type(func_index);
  const uint32_t args_start = pos();
  uint32_t base = take_arguments(t);
  if (func_index < module_.imported_funcs) {
    emit(Op::CallImport);
    word(func_index);
    word(base);
  } else {
    emit_call(func_index - module_.imported_funcs, t, base, args_start);
  }
  push_typed(t.results);
  forget_last();
}

// A Call carries its callee's code start and slot counts (ops.def). A
// callee not compiled yet (this function itself included) is called
// through its lazy stub, whose frame is its parameters and locals, until
// resolve_calls patches the site; eager compilation patches every site
// before any code runs.
void FunctionCompiler::emit_call(uint32_t callee,
                                 const FuncType& t,
                                 uint32_t base,
                                 uint32_t args_start) {
  if (!fuse_add_call(args_start))
    emit(Op::Call);
  word(callee);
  word(base);
  const uint32_t params = slot_count(t.params);
  const uint32_t locals = declared_local_slots(module_.codes[callee]);
  const bool known = callee < out_.functions.size();
  if (known && callee != defined_index_ &&
      out_.functions[callee].code_start >= out_.stub_words) {
    word(out_.functions[callee].code_start);
    word(out_.functions[callee].frame_slots);
  } else {
    new_pending_.emplace_back(callee, pos());
    word(known ? out_.functions[callee].code_start : 0);
    word(params + locals);
  }
  word(params);
  word(locals);
}

// An argument written last as `local + imm` (take_arguments' I32AddImm,
// as in f(n - 1)) is computed by the call itself (I32AddImmCall), one
// dispatch less; the caller appends the Call's operands. The call's
// source position moves to the fused instruction, so a call that traps
// is still located at the call.
bool FunctionCompiler::fuse_add_call(uint32_t args_start) {
  if (pos() < args_start + 5)
    return false;
  const uint32_t add = pos() - 5;
  if (last_start_ != add || !op_at(add, Op::I32AddImm))
    return false;
  const void* h = handlers_[static_cast<size_t>(Op::I32AddImmCall)];
  std::memcpy(&code_[add], &h, sizeof h);
  last_op_ = Op::I32AddImmCall;
  auto& map = out_.source_map;
  if (!map.empty() && map.back().code_offset == pos()) {
    const uint32_t wasm_offset = map.back().wasm_offset;
    map.pop_back();
    if (!map.empty() && map.back().code_offset == add)
      map.pop_back();
    map.push_back(SourceMapEntry{add, wasm_offset});
  }
  return true;
}

void FunctionCompiler::call_indirect(uint32_t type_index, uint32_t table) {
  const FuncType& t = module_.types[type_index];
  uint32_t element = slot_of(height() - 1);
  pop();
  uint32_t base = take_arguments(t);
  emit(Op::CallIndirect);
  word(out_.type_ids[type_index]);
  word(table);
  word(element);
  word(base);
  push_typed(t.results);
  forget_last();
}

// A tail call leaves its arguments in their home slots, from which the
// interpreter moves them down to slot 0: the callee takes over this frame
// (ops.def). The stack below the arguments is dead, so nothing else is
// materialised.
// A host callee of a tail call writes its results where its arguments
// were, and they are never pushed: keep room for them in the frame.
void FunctionCompiler::reserve_call_slots(uint32_t nargs) {
  max_height_ =
      std::max(max_height_, height() + std::max(nargs, fn_.result_slots));
}

void FunctionCompiler::return_call(uint32_t func_index) {
  const FuncType& t = module_.func_type(func_index);
  uint32_t nargs = slot_count(t.params);
  uint32_t base = take_arguments(t);
  reserve_call_slots(nargs);
  if (func_index < module_.imported_funcs) {
    emit(Op::ReturnCallImport);
    word(func_index);
    word(base);
    word(nargs);
    word(fn_.result_slots);
  } else {
    emit(Op::ReturnCall);
    word(func_index - module_.imported_funcs);
    word(base);
  }
  forget_last();
}

void FunctionCompiler::return_call_indirect(uint32_t type_index,
                                            uint32_t table) {
  const FuncType& t = module_.types[type_index];
  uint32_t nargs = slot_count(t.params);
  uint32_t element = slot_of(height() - 1);
  pop();
  uint32_t base = take_arguments(t);
  reserve_call_slots(nargs);
  emit(Op::ReturnCallIndirect);
  word(out_.type_ids[type_index]);
  word(table);
  word(element);
  word(base);
  word(nargs);
  word(fn_.result_slots);
  forget_last();
}

// For ops laid out as [dst?] [immediates...] [popped operand slots...].
void FunctionCompiler::emit_with_operands(
    Op op,
    uint32_t dst_count,
    uint32_t pops,
    std::initializer_list<uint32_t> immediates) {
  uint32_t slots[5];
  for (uint32_t i = 0; i < pops; ++i)
    slots[i] = slot_of(height() - pops + i);
  drop_to(height() - pops);
  uint32_t dst = dst_count ? push_temp() : 0;
  note_source(current_offset_);
  uint32_t start = emit(op);
  if (dst_count)
    word(dst);
  for (uint32_t imm : immediates)
    word(imm);
  for (uint32_t i = 0; i < pops; ++i)
    word(slots[i]);
  if (dst_count) {
    note_result(start + 2);
  } else {
    forget_last();
  }
}

void FunctionCompiler::data_op(const Instr& in) {
  auto numeric = static_cast<size_t>(in.op);
  if (kNumeric.op[numeric] != kNoOp) {
    if (is_identity(in.op))
      return;
    if (kNumeric.binary[numeric]) {
      binary(in, kNumeric.op[numeric]);
    } else {
      if (may_trap(in.op))
        note_source(in.offset);
      unary(kNumeric.op[numeric]);
    }
    return;
  }
  if (memory_access(in) || simd_op(in))
    return;
  switch (in.op) {
    case Opcode::Drop:
      if (stack_.back().v128_hi)
        pop();
      pop();
      break;
    case Opcode::Select:
    case Opcode::SelectT:
      select();
      break;
    case Opcode::LocalGet:
      local_get(in.index);
      break;
    case Opcode::LocalSet:
    case Opcode::LocalTee:
      if (local_is_v128(in.index)) {
        local_set_v128(local_slot(in.index), in.op == Opcode::LocalTee);
      } else {
        local_set(local_slot(in.index), in.op == Opcode::LocalTee);
      }
      break;
    case Opcode::GlobalGet:
    case Opcode::GlobalSet:
      global_access(in);
      break;
    case Opcode::I32Const:
    case Opcode::I64Const:
    case Opcode::F32Const:
    case Opcode::F64Const:
      push_const(in.bits);
      break;
    case Opcode::RefNull:
      push_const(0);
      break;
    case Opcode::RefIsNull:
      unary(Op::RefIsNull_);
      break;
    case Opcode::RefFunc:
      emit_with_operands(Op::RefFunc_, 1, 0, {in.index});
      break;
    case Opcode::Call:
      call(in.index);
      break;
    case Opcode::CallIndirect:
      call_indirect(in.index, in.index2);
      break;
    case Opcode::MemorySize:
      emit_with_operands(Op::MemorySize_, 1, 0, {});
      break;
    case Opcode::MemoryGrow:
      emit_with_operands(Op::MemoryGrow_, 1, 1, {});
      break;
    case Opcode::MemoryFill:
      emit_with_operands(Op::MemoryFill_, 0, 3, {});
      break;
    case Opcode::MemoryCopy:
      emit_with_operands(Op::MemoryCopy_, 0, 3, {});
      break;
    case Opcode::MemoryInit:
      emit_with_operands(Op::MemoryInit_, 0, 3, {in.index});
      break;
    case Opcode::DataDrop:
      emit_with_operands(Op::DataDrop_, 0, 0, {in.index});
      break;
    case Opcode::TableGet:
      emit_with_operands(Op::TableGet_, 1, 1, {in.index});
      break;
    case Opcode::TableSet:
      emit_with_operands(Op::TableSet_, 0, 2, {in.index});
      break;
    case Opcode::TableSize:
      emit_with_operands(Op::TableSize_, 1, 0, {in.index});
      break;
    case Opcode::TableGrow:
      emit_with_operands(Op::TableGrow_, 1, 2, {in.index});
      break;
    case Opcode::TableFill:
      emit_with_operands(Op::TableFill_, 0, 3, {in.index});
      break;
    case Opcode::TableCopy:
      emit_with_operands(Op::TableCopy_, 0, 3, {in.index, in.index2});
      break;
    case Opcode::TableInit:
      emit_with_operands(Op::TableInit_, 0, 3, {in.index2, in.index});
      break;
    case Opcode::ElemDrop:
      emit_with_operands(Op::ElemDrop_, 0, 0, {in.index});
      break;
    default:
      break;  // control instructions are handled by step()
  }
}

}  // namespace capbox::engine
