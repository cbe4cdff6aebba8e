// SPDX-License-Identifier: Apache-2.0
// FunctionCompiler: the virtual stack, emission and control flow. The
// design is described in compiler_func.h; per-instruction translation of
// data operations is in compiler_ops.cc.
#include "engine/compiler_func.h"

#include <algorithm>
#include <cassert>
#include <cstdio>
#include <cstring>

namespace capbox::engine {
namespace {

// A one-value block type's result, as a span with static storage.
std::span<const ValType> single(ValType t) {
  static constexpr ValType kTypes[] = {
      ValType::I32,  ValType::I64,     ValType::F32,      ValType::F64,
      ValType::V128, ValType::FuncRef, ValType::ExternRef};
  for (const ValType& k : kTypes)
    if (k == t)
      return {&k, 1};
  return {};
}

// The AddBrIf* form of each i32 branch: an I32AddImm just before it
// (a loop counter's step) joins it.
Op counter_branch_form(Op br) {
  static constexpr struct {
    Op br, fused;
  } kForms[] = {
      {Op::BrIfNez, Op::AddBrIfNez},
      {Op::BrIfEqz, Op::AddBrIfEqz},
      {Op::BrIfI32Eq, Op::AddBrIfI32Eq},
      {Op::BrIfI32Ne, Op::AddBrIfI32Ne},
      {Op::BrIfI32LtS, Op::AddBrIfI32LtS},
      {Op::BrIfI32LtU, Op::AddBrIfI32LtU},
      {Op::BrIfI32GtS, Op::AddBrIfI32GtS},
      {Op::BrIfI32GtU, Op::AddBrIfI32GtU},
      {Op::BrIfI32LeS, Op::AddBrIfI32LeS},
      {Op::BrIfI32LeU, Op::AddBrIfI32LeU},
      {Op::BrIfI32GeS, Op::AddBrIfI32GeS},
      {Op::BrIfI32GeU, Op::AddBrIfI32GeU},
      {Op::BrIfI32EqImm, Op::AddBrIfI32EqImm},
      {Op::BrIfI32NeImm, Op::AddBrIfI32NeImm},
      {Op::BrIfI32LtSImm, Op::AddBrIfI32LtSImm},
      {Op::BrIfI32LtUImm, Op::AddBrIfI32LtUImm},
      {Op::BrIfI32GtSImm, Op::AddBrIfI32GtSImm},
      {Op::BrIfI32GtUImm, Op::AddBrIfI32GtUImm},
      {Op::BrIfI32LeSImm, Op::AddBrIfI32LeSImm},
      {Op::BrIfI32LeUImm, Op::AddBrIfI32LeUImm},
      {Op::BrIfI32GeSImm, Op::AddBrIfI32GeSImm},
      {Op::BrIfI32GeUImm, Op::AddBrIfI32GeUImm},
  };
  for (const auto& f : kForms)
    if (f.br == br)
      return f.fused;
  return Op::kCount;
}

// The Add2BrIf* form of an AddBrIf* op: ops.def lists both in one order.
Op counter_pair_form(Op fused) {
  return static_cast<Op>(static_cast<int>(fused) -
                         static_cast<int>(Op::AddBrIfNez) +
                         static_cast<int>(Op::Add2BrIfNez));
}
static_assert(static_cast<int>(Op::AddBrIfI32GeUImm) -
                  static_cast<int>(Op::AddBrIfNez) ==
              static_cast<int>(Op::Add2BrIfI32GeUImm) -
                  static_cast<int>(Op::Add2BrIfNez));

}  // namespace

FunctionCompiler::FunctionCompiler(CompiledModule& out,
                                   uint32_t defined_index,
                                   bool metered)
    : out_(out),
      module_(out.module),
      code_(out.code),
      handlers_(interp_handlers()),
      defined_index_(defined_index),
      metered_(metered) {}

Result<void, LoadError> FunctionCompiler::compile() {
  const FunctionBody& body = module_.codes[defined_index_];
  const FuncType& type = module_.types[module_.functions[defined_index_]];
  fn_.func_index = module_.imported_funcs + defined_index_;
  fn_.code_start = pos();
#if CAPBOX_OP_PROFILE
  // Where each function starts, to name the PROF lines (op_profile.h).
  std::fprintf(stderr, "PROFFUNC %u %u\n", fn_.func_index, fn_.code_start);
#endif
  map_local_slots(type, body);
  fn_.param_slots = slot_count(type.params);
  fn_.local_slots = body.local_count;
  if (!local_slots_.empty())
    fn_.local_slots = local_slots_.back() - fn_.param_slots;
  fn_.result_slots = slot_count(type.results);
  temp_base_ = fn_.param_slots + fn_.local_slots;
  local_refs_.assign(temp_base_, 0);

  Label func;
  func.kind = Label::Kind::Func;
  func.results = fn_.result_slots;
  func.result_types = type.results;
  labels_.push_back(func);
  if (metered_) {
    // Running out of fuel on entry is blamed on the function's body.
    note_source(body.code.offset);
    emit(Op::Fuel);
  }

  std::span<const uint8_t> bytes(module_.bytes.data() + body.code.offset,
                                 body.code.size);
  Reader reader(bytes, body.code.offset);
  InstrReader instrs(reader);
  Instr in;
  while (!labels_.empty()) {
    if (!instrs.next(in)) {
      return Unexpected(LoadError{LoadError::Kind::Malformed,
                                  reader.error_offset(), reader.error()});
    }
    auto r = step(in);
    if (!r)
      return r;
  }
  fn_.frame_slots = temp_base_ + max_height_ + 1;
  copy_dispatch_tails();
  forward_results();
  if (code_.size() > (uint64_t{1} << 31)) {
    return Unexpected(LoadError{LoadError::Kind::Invalid, body.body_offset,
                                "function too large"});
  }
  if (defined_index_ < out_.functions.size())
    out_.functions[defined_index_] = fn_;  // replaces its lazy stub
  else
    out_.functions.push_back(fn_);
  resolve_calls();
  return {};
}

// Registers this function's calls to functions not compiled yet, then
// points every call to this one (its own recursive calls included) at its
// code, so none of them goes through its lazy stub again.
void FunctionCompiler::resolve_calls() {
  for (const auto& [callee, site] : new_pending_)
    out_.pending_calls[callee].push_back(site);
  auto it = out_.pending_calls.find(defined_index_);
  if (it == out_.pending_calls.end())
    return;
  for (uint32_t site : it->second) {
    code_[site] = fn_.code_start;
    code_[site + 1] = fn_.frame_slots;
  }
  out_.pending_calls.erase(it);
}

// Numbers locals in slots when a v128 makes them differ from indices.
void FunctionCompiler::map_local_slots(const FuncType& type,
                                       const FunctionBody& body) {
  local_slots_.clear();
  bool wide = slot_count(type.params) != type.params.size();
  for (const LocalGroup& g : body.locals)
    wide = wide || (g.type == ValType::V128 && g.count > 0);
  if (!wide)
    return;
  uint32_t slot = 0;
  for (ValType t : type.params) {
    local_slots_.push_back(slot);
    slot += t == ValType::V128 ? 2 : 1;
  }
  for (const LocalGroup& g : body.locals) {
    for (uint32_t i = 0; i < g.count; ++i) {
      local_slots_.push_back(slot);
      slot += g.type == ValType::V128 ? 2 : 1;
    }
  }
  local_slots_.push_back(slot);
}

// --- virtual stack -------------------------------------------------------

void FunctionCompiler::push_typed(std::span<const ValType> types) {
  for (ValType t : types) {
    push_temp();
    if (t == ValType::V128) {
      push_temp();
      stack_.back().v128_hi = true;
    }
  }
}

uint32_t FunctionCompiler::push_temp() {
  stack_.push_back(Entry{});
  if (height() > max_height_)
    max_height_ = height();
  return home(height() - 1);
}

void FunctionCompiler::push_local(uint32_t local) {
  push_temp();
  stack_.back().kind = Entry::Kind::Local;
  stack_.back().local = local;
  ++local_refs_[local];
}

void FunctionCompiler::push_local_add(uint32_t local, uint32_t imm) {
  push_local(local);
  stack_.back().kind = Entry::Kind::LocalAdd;
  stack_.back().value = imm;
}

void FunctionCompiler::push_const(uint64_t value) {
  push_temp();
  stack_.back().kind = Entry::Kind::Const;
  stack_.back().value = value;
}

FunctionCompiler::Entry FunctionCompiler::pop() {
  Entry e = stack_.back();
  stack_.pop_back();
  if (e.reads_local()) {
    assert(local_refs_[e.local] > 0 && "lazy local counted twice");
    --local_refs_[e.local];
  }
  return e;
}

void FunctionCompiler::drop_to(uint32_t new_height) {
  while (height() > new_height)
    pop();
}

uint32_t FunctionCompiler::slot_of(uint32_t index) {
  Entry& e = stack_[index];
  if (e.kind == Entry::Kind::Local)
    return e.local;
  materialize(index);
  return home(index);
}

void FunctionCompiler::materialize(uint32_t index) {
  Entry& e = stack_[index];
  if (e.kind == Entry::Kind::Temp)
    return;
  write_entry_to(e, index, home(index));
  if (e.reads_local()) {
    assert(local_refs_[e.local] > 0 && "lazy local counted twice");
    --local_refs_[e.local];
  }
  e.kind = Entry::Kind::Temp;
}

void FunctionCompiler::materialize_range(uint32_t from, uint32_t to) {
  for (uint32_t i = from; i < to; ++i)
    materialize(i);
}

void FunctionCompiler::materialize_local(uint32_t local) {
  if (local_refs_[local] == 0)
    return;
  for (uint32_t i = 0; i < height(); ++i) {
    if (stack_[i].reads_local() && stack_[i].local == local)
      materialize(i);
  }
}

// Writes entry `e` (at stack index `index`) into slot `dst`.
void FunctionCompiler::write_entry_to(const Entry& e,
                                      uint32_t index,
                                      uint32_t dst) {
  switch (e.kind) {
    case Entry::Kind::Temp:
      emit_copy(dst, home(index));
      break;
    case Entry::Kind::Local:
      emit_copy(dst, e.local);
      break;
    case Entry::Kind::Const:
      emit_const(dst, e.value);
      break;
    case Entry::Kind::LocalAdd:
      emit(Op::I32AddImm);
      word(dst);
      word(e.local);
      word(static_cast<uint32_t>(e.value));
      break;
  }
}

// --- emission ------------------------------------------------------------

uint32_t FunctionCompiler::emit(Op op) {
  uint32_t start = pos();
  last_op_ = op;
  last_start_ = start;
  // Anything emitted over or after the add ends its fusability; see
  // emit_cond.
  if (start < add_end_)
    add_end_ = UINT32_MAX;
  if (start < funnel_end_)
    funnel_end_ = UINT32_MAX;
  if (start < f64_load_end_)
    f64_load_end_ = UINT32_MAX;
  copy_end_ = UINT32_MAX;
  load_end_ = UINT32_MAX;
  // A compare after the constant stays removable by take_condition.
  if (start < const_end_)
    const_end_ = UINT32_MAX;
  if (start < word_end_)
    word_end_ = UINT32_MAX;
  if (start < tag_end_)
    tag_end_ = UINT32_MAX;
  if (op == Op::I32AddImm) {
    // Two counters stepped in a row (pointer and length) join the branch.
    pair_add_start_ = add_end_ == start ? add_start_ : UINT32_MAX;
    add_start_ = start;
    add_end_ = start + 5;
  }
  if (start < iadd_end_)
    iadd_end_ = UINT32_MAX;
  note_f64_chain(op, start);
  const void* h = handlers_[static_cast<size_t>(op)];
  uint32_t words[2];
  std::memcpy(words, &h, sizeof h);
  code_.push_back(words[0]);
  code_.push_back(words[1]);
  return start;
}

void FunctionCompiler::emit_copy(uint32_t dst, uint32_t src) {
  if (dst == src)
    return;
  if (copy_end_ == pos() && copy_count_ < 4) {
    // Rotations of locals (hash rounds, a loop's carried values) copy
    // several in a row: up to four run in one instruction, in order.
    static constexpr Op kJoined[] = {Op::Copy2, Op::Copy3, Op::Copy4};
    const Op op = kJoined[copy_count_ - 1];
    const void* h = handlers_[static_cast<size_t>(op)];
    std::memcpy(&code_[copy_start_], &h, sizeof h);
    last_op_ = op;
    last_start_ = copy_start_;
    word(dst);
    word(src);
    ++copy_count_;
    copy_end_ = pos();
    return;
  }
  uint32_t start = emit(Op::Copy);
  word(dst);
  word(src);
  copy_start_ = start;
  copy_end_ = pos();
  copy_count_ = 1;
}

void FunctionCompiler::emit_const(uint32_t dst, uint64_t value) {
  if (value <= UINT32_MAX) {
    const_start_ = emit(Op::Const32);
    word(dst);
    word(static_cast<uint32_t>(value));
    const_end_ = pos();
  } else {
    emit(Op::Const64);
    word(dst);
    word(static_cast<uint32_t>(value));
    word(static_cast<uint32_t>(value >> 32));
  }
}

// The instruction just emitted wrote its result at code_[dst_word], into
// the home slot of the top stack entry.
void FunctionCompiler::note_result(uint32_t dst_word) {
  prev_end_ = last_end_;
  prev_start_ = last_result_start_;
  prev_op_ = last_result_op_;
  prev_dst_index_ = last_dst_index_;
  last_result_start_ = last_start_;
  last_result_op_ = last_op_;
  last_end_ = pos();
  last_dst_word_ = dst_word;
  last_dst_index_ = height() - 1;
}

void FunctionCompiler::note_source(uint32_t wasm_offset) {
  add_source(pos(), wasm_offset);
}

// A later entry for the same code word replaces the earlier.
void FunctionCompiler::add_source(uint32_t code_offset, uint32_t wasm_offset) {
  auto& map = out_.source_map;
  if (!map.empty() && map.back().code_offset == code_offset)
    map.back().wasm_offset = wasm_offset;
  else
    map.push_back(SourceMapEntry{code_offset, wasm_offset});
}

void FunctionCompiler::forget_last() {
  forget_results();
  add_end_ = UINT32_MAX;
  copy_end_ = UINT32_MAX;
  word_load_end_ = UINT32_MAX;
  funnel_end_ = UINT32_MAX;
  iadd_end_ = UINT32_MAX;
  f64_load_end_ = UINT32_MAX;
  load_end_ = UINT32_MAX;
  const_end_ = UINT32_MAX;
  word_end_ = UINT32_MAX;
  tag_end_ = UINT32_MAX;
}

// A local.set/tee retargets or copies a result: the result peepholes end
// there, but the last load stays fusable (its destination word is read
// back when it is fused, so a retarget is seen).
void FunctionCompiler::forget_results() {
  last_end_ = UINT32_MAX;
  prev_end_ = UINT32_MAX;
  cmp_end_ = UINT32_MAX;
}

// --- control flow --------------------------------------------------------

void FunctionCompiler::block_arity(const BlockType& bt, Label& l) {
  if (bt.kind == BlockType::Kind::Value)
    l.result_types = single(bt.value);
  if (bt.kind == BlockType::Kind::TypeIndex) {
    const FuncType& t = module_.types[bt.type_index];
    l.param_types = t.params;
    l.result_types = t.results;
  }
  l.params = slot_count(l.param_types);
  l.results = slot_count(l.result_types);
}

void FunctionCompiler::patch(uint32_t instr_start,
                             uint32_t operand_pos,
                             uint32_t target) {
  last_target_ = std::max(last_target_, target);
  targets_.push_back(target);
  code_[operand_pos] = static_cast<uint32_t>(static_cast<int32_t>(target) -
                                             static_cast<int32_t>(instr_start));
}

void FunctionCompiler::bind(Label& l) {
  for (size_t i = 0; i + 1 < l.fixups.size(); i += 2)
    patch(l.fixups[i], l.fixups[i + 1], pos());
  l.fixups.clear();
  forget_last();
}

bool FunctionCompiler::needs_copies(const Label& l) {
  if (l.kind == Label::Kind::Func)
    return true;
  uint32_t n = branch_arity(l);
  for (uint32_t i = 0; i < n; ++i) {
    uint32_t index = height() - n + i;
    const Entry& e = stack_[index];
    if (e.kind != Entry::Kind::Temp || home(index) != home(l.height + i))
      return true;
  }
  return false;
}

// Moves the branch values (the top `arity` entries) to the label's slots.
// Forward order is safe: a target slot is never above its source.
void FunctionCompiler::emit_copies_for(const Label& l) {
  uint32_t n = branch_arity(l);
  for (uint32_t i = 0; i < n; ++i) {
    uint32_t index = height() - n + i;
    write_entry_to(stack_[index], index, home(l.height + i));
  }
}

// Points the branch operand at `operand` (of the instruction at `start`)
// to `l`: now for a loop, when `l` is bound otherwise.
void FunctionCompiler::link(uint32_t start, uint32_t operand, Label& l) {
  if (l.kind == Label::Kind::Loop) {
    patch(start, operand, l.loop_pos);
  } else {
    l.fixups.push_back(start);
    l.fixups.push_back(operand);
  }
}

// Emits a conditional branch with a zero offset; returns the offset's
// position (the instruction starts at last_start_ after the call). An
// I32AddImm just before it, with nothing emitted or bound since, is taken
// into the branch: the add runs first, so the condition sees its result.
uint32_t FunctionCompiler::emit_cond(Cond c) {
  Op fused = counter_branch_form(c.op);
  if (fused != Op::kCount && add_end_ == pos()) {
    uint32_t first = add_start_;
    if (pair_add_start_ != UINT32_MAX && pair_add_start_ + 5 == add_start_) {
      first = pair_add_start_;
      fused = counter_pair_form(fused);
    }
    uint32_t adds[6];
    for (uint32_t i = 0, at = first; at < add_end_; at += 5, i += 3)
      for (uint32_t k = 0; k < 3; ++k)
        adds[i + k] = code_[at + 2 + k];
    const uint32_t n = (add_end_ - first) / 5 * 3;
    code_.resize(first);
    emit(fused);
    for (uint32_t i = 0; i < n; ++i)
      word(adds[i]);
  } else if ((c.op == Op::BrIfI32EqImm || c.op == Op::BrIfI32NeImm) &&
             tag_end_ == pos() && c.a == code_[tag_start_ + 2]) {
    // The tag loaded just before is tested (Load8UBrIf*): the load's
    // operands stay, its source entry too.
    const Op tag_op =
        c.op == Op::BrIfI32EqImm ? Op::Load8UBrIfEqImm : Op::Load8UBrIfNeImm;
    const void* h = handlers_[static_cast<size_t>(tag_op)];
    std::memcpy(&code_[tag_start_], &h, sizeof h);
    last_op_ = tag_op;
    last_start_ = tag_start_;
    tag_end_ = UINT32_MAX;
    word(c.b);
    word(0);
    return pos() - 1;
  } else if ((c.op == Op::BrIfEqz || c.op == Op::BrIfNez) &&
             const_end_ == pos()) {
    // A constant written just before the test joins it (ConstBrIf*).
    const uint32_t dst = code_[const_start_ + 2];
    const uint32_t value = code_[const_start_ + 3];
    code_.resize(const_start_);
    emit(c.op == Op::BrIfEqz ? Op::ConstBrIfEqz : Op::ConstBrIfNez);
    word(dst);
    word(value);
  } else {
    emit(c.op);
  }
  word(c.a);
  if (c.binary)
    word(c.b);
  word(0);
  return pos() - 1;
}

// An unconditional jump to `l`, without moving values.
// Copies just before it (a loop's carried values, a block's results) join
// it as one Copy*Br.
void FunctionCompiler::emit_jump(Label& l) {
  if (copy_end_ == pos()) {
    static constexpr Op kWithJump[] = {Op::CopyBr, Op::Copy2Br, Op::Copy3Br,
                                       Op::Copy4Br};
    const Op op = kWithJump[copy_count_ - 1];
    const uint32_t start = copy_start_;
    const void* h = handlers_[static_cast<size_t>(op)];
    std::memcpy(&code_[start], &h, sizeof h);
    forget_last();
    last_op_ = op;
    last_start_ = start;
    word(0);
    link(start, pos() - 1, l);
    return;
  }
  uint32_t start = emit(Op::Br);
  word(0);
  link(start, start + 2, l);
}

void FunctionCompiler::emit_cond_jump(Cond c, Label& l) {
  uint32_t operand = emit_cond(c);
  link(last_start_, operand, l);
  fuse_loop(l);
}

void FunctionCompiler::emit_branch(Label& l) {
  if (l.kind == Label::Kind::Func) {
    emit_return();
    return;
  }
  emit_copies_for(l);
  emit_jump(l);
}

void FunctionCompiler::emit_branch_if(Cond c, Label& l) {
  if (!needs_copies(l)) {
    emit_cond_jump(c, l);
    return;
  }
  // Jump over the copies and the branch when the condition is false.
  uint32_t operand = emit_cond(invert(c));
  uint32_t start = last_start_;
  emit_branch(l);
  patch(start, operand, pos());
  forget_last();
}

void FunctionCompiler::emit_br_table(const Instr& in) {
  // Read the slot before popping: materializing a lazy entry updates the
  // local reference counts, which pop() then settles exactly once.
  // An index computed as x + imm (a switch whose cases start above 0)
  // is added in the branch (BrTableAdd).
  // When x itself was just loaded from a case map by a field
  // (I32LoadMaskShl), the load is taken in too (BrTableLoad): its source
  // entry stays at the instruction's start.
  const uint32_t top = height() - 1;
  const Entry& e = stack_[top];
  bool adds = false, loads = false;
  uint32_t index_slot = 0, imm = 0;
  uint32_t lookup[5] = {};
  if (last_result_is(Op::I32AddImm, top)) {
    adds = true;
    index_slot = code_[last_start_ + 3];
    imm = code_[last_start_ + 4];
    loads = prev_op_ == Op::I32LoadMaskShl && prev_end_ == last_start_ &&
            prev_dst_index_ == top && code_[prev_start_ + 2] == index_slot;
    if (loads)
      std::copy_n(&code_[prev_start_ + 3], 5, lookup);
    code_.resize(loads ? prev_start_ : last_start_);
  } else if (e.kind == Entry::Kind::LocalAdd) {
    adds = true;
    index_slot = e.local;
    imm = static_cast<uint32_t>(e.value);
  } else {
    index_slot = slot_of(top);
  }
  pop();
  size_t n = in.targets.size();
  uint32_t start = emit(loads  ? Op::BrTableLoad
                        : adds ? Op::BrTableAdd
                               : Op::BrTable);
  if (loads) {
    for (uint32_t w : lookup)
      word(w);
  } else {
    word(index_slot);
  }
  if (adds)
    word(imm);
  word(static_cast<uint32_t>(n));
  uint32_t table = pos();
  code_.resize(code_.size() + n + 1, 0);
  for (size_t i = 0; i <= n; ++i) {
    uint32_t depth = i < n ? in.targets[i] : in.index;
    Label& l = label_at(depth);
    if (needs_copies(l)) {
      patch(start, table + static_cast<uint32_t>(i), pos());
      emit_branch(l);
    } else if (l.kind == Label::Kind::Loop) {
      patch(start, table + static_cast<uint32_t>(i), l.loop_pos);
    } else {
      l.fixups.push_back(start);
      l.fixups.push_back(table + static_cast<uint32_t>(i));
    }
  }
  become_dead();
}

// Copies the results to slots [0, n) and returns. A lazy local below n
// could be overwritten before it is read, so such entries are written to
// their home slots first.
void FunctionCompiler::emit_return() {
  uint32_t n = fn_.result_slots;
  for (uint32_t i = 0; i < n; ++i) {
    const Entry& e = stack_[height() - n + i];
    if (e.reads_local() && e.local < n && e.local != i) {
      materialize_range(height() - n, height());
      break;
    }
  }
  if (n == 1 && last_end_ == pos() && last_dst_index_ == height() - 1 &&
      stack_.back().kind == Entry::Kind::Temp) {
    code_[last_dst_word_] = 0;  // compute the result into its return slot
    if (fuse_return(pos() - 5, Op::I32Add, Op::I32AddReturn))
      return;
  } else {
    const uint32_t start = pos();
    for (uint32_t i = 0; i < n; ++i) {
      uint32_t index = height() - n + i;
      write_entry_to(stack_[index], index, i);
    }
    if (pos() == start + 4 &&
        (fuse_return(start, Op::Copy, Op::CopyReturn) ||
         fuse_return(start, Op::Const32, Op::Const32Return)))
      return;
  }
  emit(Op::Return);
}

// The instruction at `start`, the last one, writes the one result to slot
// 0 just before the return: when it is `op` and no branch lands after it,
// it returns itself (`fused`, *Return in ops.def), one dispatch less per
// call. Recursive functions often end in a sum, Lua's C functions in a
// copy or a constant (8.5M of its 18.6M returns per two cpu.lua rounds).
bool FunctionCompiler::fuse_return(uint32_t start, Op op, Op fused) {
  if (last_start_ != start || !op_at(start, op) || last_target_ >= pos())
    return false;
  const void* h = handlers_[static_cast<size_t>(fused)];
  std::memcpy(&code_[start], &h, sizeof h);
  forget_last();
  return true;
}

void FunctionCompiler::become_dead() {
  const Label& l = labels_.back();
  drop_to(l.kind == Label::Kind::Func ? 0 : l.height);
  dead_ = true;
  dead_depth_ = 0;
  forget_last();
}

FunctionCompiler::Cond FunctionCompiler::invert(Cond c) {
  static const struct {
    Op a, b;
  } kPairs[] = {
      {Op::BrIfNez, Op::BrIfEqz},
      {Op::BrIfI64Nez, Op::BrIfI64Eqz},
      {Op::BrIfI32Eq, Op::BrIfI32Ne},
      {Op::BrIfI32LtS, Op::BrIfI32GeS},
      {Op::BrIfI32LtU, Op::BrIfI32GeU},
      {Op::BrIfI32GtS, Op::BrIfI32LeS},
      {Op::BrIfI32GtU, Op::BrIfI32LeU},
      {Op::BrIfI32EqImm, Op::BrIfI32NeImm},
      {Op::BrIfI32LtSImm, Op::BrIfI32GeSImm},
      {Op::BrIfI32LtUImm, Op::BrIfI32GeUImm},
      {Op::BrIfI32GtSImm, Op::BrIfI32LeSImm},
      {Op::BrIfI32GtUImm, Op::BrIfI32LeUImm},
      {Op::BrIfI64Eq, Op::BrIfI64Ne},
      {Op::BrIfI64LtS, Op::BrIfI64GeS},
      {Op::BrIfI64LtU, Op::BrIfI64GeU},
      {Op::BrIfI64GtS, Op::BrIfI64LeS},
      {Op::BrIfI64GtU, Op::BrIfI64LeU},
      {Op::BrIfF32Eq, Op::BrIfF32Ne},
      {Op::BrIfF32Lt, Op::BrIfF32NotLt},
      {Op::BrIfF32Gt, Op::BrIfF32NotGt},
      {Op::BrIfF32Le, Op::BrIfF32NotLe},
      {Op::BrIfF32Ge, Op::BrIfF32NotGe},
      {Op::BrIfF64Eq, Op::BrIfF64Ne},
      {Op::BrIfF64Lt, Op::BrIfF64NotLt},
      {Op::BrIfF64Gt, Op::BrIfF64NotGt},
      {Op::BrIfF64Le, Op::BrIfF64NotLe},
      {Op::BrIfF64Ge, Op::BrIfF64NotGe},
      {Op::BrIfAndImmNez, Op::BrIfAndImmEqz},
  };
  for (const auto& p : kPairs) {
    if (c.op == p.a) {
      c.op = p.b;
      return c;
    }
    if (c.op == p.b) {
      c.op = p.a;
      return c;
    }
  }
  return c;  // unreachable: every BrIf op has a pair above
}

// Pops the i32 condition on top of the stack. When the previous
// instruction computed it with a compare, that compare is taken back and
// returned as a fused condition.
FunctionCompiler::Cond FunctionCompiler::take_condition() {
  uint32_t index = height() - 1;
  // A counter step or a constant before the condition stays fusable (see
  // emit_cond).
  const uint32_t add_end = add_end_, const_end = const_end_;
  const uint32_t tag_end = tag_end_;
  if (cmp_end_ == pos() && stack_[index].kind == Entry::Kind::Temp &&
      last_dst_index_ == index && last_end_ == pos()) {
    code_.resize(cmp_start_);
    pop();
    forget_last();
    add_end_ = add_end;
    const_end_ = const_end;
    tag_end_ = tag_end;
    return cmp_;
  }
  Cond c;
  c.op = Op::BrIfNez;
  c.a = slot_of(index);
  pop();
  forget_last();
  add_end_ = add_end;
  const_end_ = const_end;  // stale, not pos(), if slot_of emitted
  tag_end_ = tag_end;
  return c;
}

void FunctionCompiler::open_block(const Instr& in) {
  Label l;
  block_arity(in.block_type, l);
  Cond cond;
  if (in.op == Opcode::If)
    cond = invert(take_condition());
  materialize_range(0, height());
  // A test at the start of a block or if may take a constant before it
  // in (nothing branches to a block's start); a loop's must not (the loop
  // starts after the constant).
  const uint32_t const_end = const_end_, tag_end = tag_end_;
  forget_last();
  if (in.op != Opcode::Loop) {
    const_end_ = const_end;
    tag_end_ = tag_end;
  }
  l.height = height() - l.params;
  if (in.op == Opcode::Loop) {
    l.kind = Label::Kind::Loop;
    l.loop_pos = pos();
    last_target_ = std::max(last_target_, l.loop_pos);
    if (metered_) {
      note_source(in.offset);
      emit(Op::Fuel);
    }
  } else if (in.op == Opcode::If) {
    l.kind = Label::Kind::If;
    l.else_operand = emit_cond(cond);
    l.else_start = last_start_;
  }
  labels_.push_back(std::move(l));
}

void FunctionCompiler::else_block() {
  Label& l = labels_.back();
  if (!dead_) {
    materialize_range(0, height());
    emit_jump(l);
  }
  patch(l.else_start, l.else_operand, pos());
  l.else_operand = UINT32_MAX;
  drop_to(l.height);
  push_typed(l.param_types);
  dead_ = false;
  forget_last();
}

void FunctionCompiler::end_block() {
  Label& l = labels_.back();
  if (l.kind == Label::Kind::Func) {
    if (!dead_)
      emit_return();
    labels_.pop_back();
    return;
  }
  if (!dead_)
    materialize_range(0, height());
  if (l.else_operand != UINT32_MAX)
    patch(l.else_start, l.else_operand, pos());
  bind(l);
  drop_to(l.height);
  push_typed(l.result_types);
  dead_ = false;
  labels_.pop_back();
}

// Called for every instruction; in unreachable code only block structure
// is tracked and nothing is emitted.
Result<void, LoadError> FunctionCompiler::step(const Instr& in) {
  current_offset_ = in.offset;
  if (dead_) {
    switch (in.op) {
      case Opcode::Block:
      case Opcode::Loop:
      case Opcode::If:
        ++dead_depth_;
        return {};
      case Opcode::Else:
        if (dead_depth_ == 0)
          else_block();
        return {};
      case Opcode::End:
        if (dead_depth_ == 0) {
          end_block();
        } else {
          --dead_depth_;
        }
        return {};
      default:
        return {};
    }
  }
  switch (in.op) {
    case Opcode::Block:
    case Opcode::Loop:
    case Opcode::If:
      open_block(in);
      break;
    case Opcode::Else:
      else_block();
      break;
    case Opcode::End:
      end_block();
      break;
    case Opcode::Br: {
      emit_branch(label_at(in.index));
      become_dead();
      break;
    }
    case Opcode::BrIf: {
      Cond c = take_condition();
      emit_branch_if(c, label_at(in.index));
      break;
    }
    case Opcode::BrTable:
      emit_br_table(in);
      break;
    case Opcode::Return:
      emit_return();
      become_dead();
      break;
    case Opcode::Unreachable:
      note_source(in.offset);
      emit(Op::Unreachable);
      become_dead();
      break;
    case Opcode::ReturnCall:
      return_call(in.index);
      become_dead();
      break;
    case Opcode::ReturnCallIndirect:
      return_call_indirect(in.index, in.index2);
      become_dead();
      break;
    case Opcode::Nop:
      break;
    default:
      data_op(in);
      break;
  }
  return {};
}

}  // namespace capbox::engine
