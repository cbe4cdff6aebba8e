// SPDX-License-Identifier: Apache-2.0
// FunctionCompiler: loads and stores, with the address forms and fusions
// that keep memory-heavy loops short: (local + imm) folded into the access,
// a load stored at once as one copy, a funnel shift stored at once.
#include "engine/compiler_func.h"

#include <cstring>
#include <vector>

namespace capbox::engine {
namespace {

constexpr Op kNoOp = Op::kCount;

Op load_op(Opcode op) {
  switch (op) {
    case Opcode::I32Load:
    case Opcode::F32Load:
      return Op::I32Load_;
    case Opcode::I64Load:
    case Opcode::F64Load:
      return Op::I64Load_;
    case Opcode::I32Load8S:
      return Op::I32Load8S_;
    case Opcode::I32Load8U:
      return Op::I32Load8U_;
    case Opcode::I32Load16S:
      return Op::I32Load16S_;
    case Opcode::I32Load16U:
      return Op::I32Load16U_;
    case Opcode::I64Load8S:
      return Op::I64Load8S_;
    case Opcode::I64Load8U:
      return Op::I64Load8U_;
    case Opcode::I64Load16S:
      return Op::I64Load16S_;
    case Opcode::I64Load16U:
      return Op::I64Load16U_;
    case Opcode::I64Load32S:
      return Op::I64Load32S_;
    case Opcode::I64Load32U:
      return Op::I64Load32U_;
    default:
      return kNoOp;
  }
}

Op store_op(Opcode op) {
  switch (op) {
    case Opcode::I32Store:
    case Opcode::F32Store:
      return Op::I32Store_;
    case Opcode::I64Store:
    case Opcode::F64Store:
      return Op::I64Store_;
    case Opcode::I32Store8:
      return Op::I32Store8_;
    case Opcode::I32Store16:
      return Op::I32Store16_;
    case Opcode::I64Store8:
      return Op::I64Store8_;
    case Opcode::I64Store16:
      return Op::I64Store16_;
    case Opcode::I64Store32:
      return Op::I64Store32_;
    default:
      return kNoOp;
  }
}

}  // namespace

bool FunctionCompiler::memory_access(const Instr& in) {
  if (Op op = load_op(in.op); op != kNoOp) {
    load(op, in.mem_offset);
    return true;
  }
  if (Op op = store_op(in.op); op != kNoOp) {
    store(op, in.mem_offset);
    return true;
  }
  return false;
}

// Whether stack entry `index` holds the result of the last instruction,
// which was `op`, with nothing emitted since.
bool FunctionCompiler::last_result_is(Op op, uint32_t index) const {
  return last_end_ == pos() && last_op_ == op && last_dst_index_ == index &&
         stack_[index].kind == Entry::Kind::Temp;
}

namespace {

Op load_add_form(Op load) {
  switch (load) {
    case Op::I32Load_:
      return Op::I32LoadAdd_;
    case Op::I64Load_:
      return Op::I64LoadAdd_;
    case Op::I32Load8U_:
      return Op::I32Load8UAdd_;
    default:
      return kNoOp;
  }
}

}  // namespace

void FunctionCompiler::load(Op op, uint32_t offset) {
  uint32_t index = height() - 1;
  Op add_form = load_add_form(op);
  if (op == Op::I32Load_ && last_result_is(Op::I32AddImm, index) &&
      fuse_masked_load(offset))
    return;
  if (add_form != kNoOp && last_result_is(Op::I32AddImm, index)) {
    // (a + imm) then load: one instruction; the add's wrap-around is kept.
    uint32_t a = code_[last_start_ + 3], imm = code_[last_start_ + 4];
    code_.resize(last_start_);
    pop();
    uint32_t dst = push_temp();
    note_source(current_offset_);
    uint32_t start = emit(add_form);
    word(dst);
    word(a);
    word(imm);
    word(offset);
    note_result(start + 2);
    note_word_load(add_form, start);
    return;
  }
  if ((op == Op::I32Load_ || op == Op::I64Load_) &&
      last_result_is(Op::I32AddShlImm, index)) {
    // a[i]: (a + (x << c)) then load, one instruction; the sum wraps.
    uint32_t words[4];
    std::memcpy(words, &code_[last_start_ + 3], sizeof words);  // a x c
    code_.resize(last_start_);
    pop();
    const uint32_t dst = push_temp();
    note_source(current_offset_);
    const uint32_t start =
        emit(op == Op::I32Load_ ? Op::I32LoadIndexed_ : Op::I64LoadIndexed_);
    words[3] = offset;
    word(dst);
    for (uint32_t w : words)
      word(w);
    note_result(start + 2);
    return;
  }
  if (add_form != kNoOp && stack_[index].kind == Entry::Kind::LocalAdd) {
    Entry e = pop();
    uint32_t dst = push_temp();
    note_source(current_offset_);
    uint32_t start = emit(add_form);
    word(dst);
    word(e.local);
    word(static_cast<uint32_t>(e.value));
    word(offset);
    note_result(start + 2);
    note_word_load(add_form, start);
    return;
  }
  uint32_t a = slot_of(index);
  pop();
  uint32_t dst = push_temp();
  if (op == Op::I32Load_ && join_load(dst, a, offset))
    return;
  note_source(current_offset_);
  uint32_t start = emit(op);
  word(dst);
  word(a);
  word(offset);
  note_result(start + 2);
  note_word_load(op, start);
  if (op == Op::I32Load_) {
    load_start_ = start;
    load_end_ = pos();
    word_start_ = start;
    word_end_ = pos();
  }
  if (op == Op::I32Load8U_) {
    tag_start_ = start;
    tag_end_ = pos();
  }
}

// An i32 load right after another (a pointer chain, p->a->b) joins it as
// an I32Load2: its operands follow the first's and its source entry moves
// one word in, where the second half reports its trap. The first's entry
// must be the last one, at its start. A load joined so is no longer a
// copy's or a funnel's load; nothing else is lost.
bool FunctionCompiler::join_load(uint32_t dst, uint32_t a, uint32_t offset) {
  auto& map = out_.source_map;
  if (load_end_ != pos() || map.empty() ||
      map.back().code_offset != load_start_)
    return false;
  // A pointer, then its field: the second address is the first's value.
  const Op op = a == code_[load_start_ + 2] ? Op::I32Load2Chain : Op::I32Load2;
  const void* h = handlers_[static_cast<size_t>(op)];
  std::memcpy(&code_[load_start_], &h, sizeof h);
  map.push_back(SourceMapEntry{load_start_ + 1, current_offset_});
  word(dst);
  word(a);
  word(offset);
  forget_results();
  last_op_ = op;
  last_start_ = load_start_;
  note_result(load_start_ + 5);
  load_end_ = UINT32_MAX;
  word_load_end_ = UINT32_MAX;
  word_end_ = UINT32_MAX;
  return true;
}

// A table lookup by a field, ((a & m) << c) + imm then an i32 load (the
// and, shift and add just computed, each into the temp the next reads):
// one I32LoadMaskShl, whose trap is the load's.
bool FunctionCompiler::fuse_masked_load(uint32_t offset) {
  const uint32_t index = height() - 1;
  const uint32_t shl = prev_start_, add = last_start_;
  if (prev_op_ != Op::I32ShlImm || shl != mask_shl_start_ || prev_end_ != add ||
      prev_dst_index_ != index || code_[add + 3] != code_[shl + 2] ||
      code_[shl + 3] != code_[shl + 2] ||
      code_[mask_and_start_ + 2] != code_[shl + 3])
    return false;
  const uint32_t a = code_[mask_and_start_ + 3];
  const uint32_t m = code_[mask_and_start_ + 4];
  const uint32_t c = code_[shl + 4], imm = code_[add + 4];
  code_.resize(mask_and_start_);
  pop();
  uint32_t dst = push_temp();
  note_source(current_offset_);
  uint32_t start = emit(Op::I32LoadMaskShl);
  for (uint32_t w : {dst, a, m, c, imm, offset})
    word(w);
  note_result(start + 2);
  return true;
}

// Remembers an i32 load for fuse_load_funnel_store; its destination word
// may still be retargeted by a local.tee, which is read back later.
void FunctionCompiler::note_word_load(Op op, uint32_t start) {
  if (op == Op::I64Load_ || op == Op::I64LoadAdd_) {
    f64_load_op_ = op;
    f64_load_start_ = start;
    f64_load_end_ = pos();
    return;
  }
  if (op != Op::I32Load_ && op != Op::I32LoadAdd_)
    return;
  word_load_op_ = op;
  word_load_start_ = start;
  word_load_end_ = pos();
}

namespace {

Op copy_form(Op load, Op store) {
  if (store == Op::I32Store_ && load == Op::I32Load_)
    return Op::MemCopy32;
  if (store == Op::I64Store_ && load == Op::I64Load_)
    return Op::MemCopy64;
  if ((store == Op::I32Store8_ || store == Op::I64Store8_) &&
      (load == Op::I32Load8U_ || load == Op::I32Load8S_ ||
       load == Op::I64Load8U_ || load == Op::I64Load8S_))
    return Op::MemCopy8;
  if ((store == Op::I32Store16_ || store == Op::I64Store16_) &&
      (load == Op::I32Load16U_ || load == Op::I32Load16S_ ||
       load == Op::I64Load16U_ || load == Op::I64Load16S_))
    return Op::MemCopy16;
  return kNoOp;
}

}  // namespace

// A store of the value the previous load produced becomes one copy. Its
// two halves keep their own source offsets: a trap in the store half is
// reported one word into the instruction (see MEM_COPY in the loop).
bool FunctionCompiler::fuse_copy(Op store_op, uint32_t offset) {
  uint32_t index = height() - 1;
  if (last_end_ != pos() || last_dst_index_ != index ||
      stack_[index].kind != Entry::Kind::Temp)
    return false;
  bool load_adds = last_op_ == Op::I32LoadAdd_ || last_op_ == Op::I64LoadAdd_ ||
                   last_op_ == Op::I32Load8UAdd_;
  Op plain_load = last_op_ == Op::I32LoadAdd_     ? Op::I32Load_
                  : last_op_ == Op::I64LoadAdd_   ? Op::I64Load_
                  : last_op_ == Op::I32Load8UAdd_ ? Op::I32Load8U_
                                                  : last_op_;
  Op fused = copy_form(plain_load, store_op);
  if (fused == kNoOp)
    return false;
  uint32_t src = code_[last_start_ + 3];
  uint32_t src_imm = load_adds ? code_[last_start_ + 4] : 0;
  uint32_t src_offset = code_[last_start_ + (load_adds ? 5 : 4)];
  uint32_t load_wasm_offset = out_.source_map.back().wasm_offset;
  code_.resize(last_start_);
  out_.source_map.pop_back();
  pop();
  uint32_t dst = 0, dst_imm = 0;
  if (stack_[height() - 1].kind == Entry::Kind::LocalAdd) {
    dst = stack_[height() - 1].local;
    dst_imm = static_cast<uint32_t>(stack_[height() - 1].value);
  } else {
    dst = slot_of(height() - 1);
  }
  pop();
  note_source(load_wasm_offset);
  uint32_t start = emit(fused);
  out_.source_map.push_back(SourceMapEntry{start + 1, current_offset_});
  for (uint32_t w : {dst, dst_imm, offset, src, src_imm, src_offset})
    word(w);
  const uint32_t run_end = funnel_end_;
  forget_last();
  if (fused == Op::MemCopy64) {
    funnel_end_ = run_end;
    join_run(start, fused);
  }
  if (fused == Op::MemCopy8 && run_end == start)
    join_tag_copy(start);
  return true;
}

// A byte copy right after a lone MemCopy64 (Lua's setobj: value, then
// tag) joins it as a MemCopy64Then8, as join_run joins copies: its
// handler words go, its source entries move to words 2 and 3.
void FunctionCompiler::join_tag_copy(uint32_t start) {
  auto& map = out_.source_map;
  const size_t n = map.size();
  if (run_op_ != Op::MemCopy64 || funnel_steps_ != 1 || n < 4 ||
      map[n - 2].code_offset != start || map[n - 1].code_offset != start + 1 ||
      map[n - 3].code_offset != funnel_start_ + 1)
    return;
  code_.erase(code_.begin() + start, code_.begin() + start + 2);
  map[n - 2].code_offset = funnel_start_ + 2;
  map[n - 1].code_offset = funnel_start_ + 3;
  const void* h = handlers_[static_cast<size_t>(Op::MemCopy64Then8)];
  std::memcpy(&code_[funnel_start_], &h, sizeof h);
  forget_last();
  last_op_ = Op::MemCopy64Then8;
  last_start_ = funnel_start_;
}

// Stores of a funnel shift just computed (the unaligned copy loop's
// store) take the shift's operands directly.
bool FunctionCompiler::fuse_funnel_store(Op op, uint32_t offset) {
  uint32_t index = height() - 1;
  if (op != Op::I32Store_ || !last_result_is(Op::I32ShlOrShrU, index))
    return false;
  uint32_t funnel[4];
  for (uint32_t i = 0; i < 4; ++i)
    funnel[i] = code_[last_start_ + 3 + i];
  code_.resize(last_start_);
  pop();
  uint32_t address = 0, imm = 0;
  if (stack_[index - 1].kind == Entry::Kind::LocalAdd) {
    address = stack_[index - 1].local;
    imm = static_cast<uint32_t>(stack_[index - 1].value);
  } else {
    address = slot_of(index - 1);
  }
  pop();
  if (fuse_load_funnel_store(address, imm, offset, funnel))
    return true;
  note_source(current_offset_);
  emit(Op::I32StoreShlOrShrU);
  for (uint32_t w :
       {address, imm, offset, funnel[0], funnel[1], funnel[2], funnel[3]})
    word(w);
  forget_last();
  return true;
}

// The unaligned copy loop loads the next word, shifts it into the funnel
// with the previous one and stores the result: when the funnel's shifted-
// left word is the load just before it, the three become one instruction
// (one dispatch instead of two for each 4 bytes copied). The code has
// already been cut back to where the funnel began, which must be where
// the load ended. Like a fused copy, the store half's source offset sits
// one word in.
bool FunctionCompiler::fuse_load_funnel_store(uint32_t address,
                                              uint32_t imm,
                                              uint32_t offset,
                                              const uint32_t funnel[4]) {
  if (word_load_end_ != pos() || out_.source_map.empty() ||
      out_.source_map.back().code_offset != word_load_start_)
    return false;
  const uint32_t* load = &code_[word_load_start_ + 2];
  const bool adds = word_load_op_ == Op::I32LoadAdd_;
  const uint32_t dst = load[0], src = load[1];
  const uint32_t src_imm = adds ? load[2] : 0;
  const uint32_t src_offset = adds ? load[3] : load[2];
  if (funnel[0] != dst)
    return false;
  code_.resize(word_load_start_);
  const uint32_t start = emit(Op::I32LoadStoreFunnel);
  out_.source_map.push_back(SourceMapEntry{start + 1, current_offset_});
  for (uint32_t w : {dst, src, src_imm, src_offset, address, imm, offset,
                     funnel[1], funnel[2], funnel[3]})
    word(w);
  join_run(start, Op::I32LoadStoreFunnel);
  return true;
}

namespace {

// The instruction that runs `steps` of `single` in one dispatch.
Op run_form(Op single, uint32_t steps) {
  static constexpr Op kFunnel[] = {
      Op::I32LoadStoreFunnel, Op::I32LoadStoreFunnel2, Op::I32LoadStoreFunnel3,
      Op::I32LoadStoreFunnel4};
  static constexpr Op kCopy64[] = {Op::MemCopy64, Op::MemCopy64x2,
                                   Op::MemCopy64x3, Op::MemCopy64x4};
  return single == Op::MemCopy64 ? kCopy64[steps - 1] : kFunnel[steps - 1];
}

}  // namespace

// Copy loops are unrolled four times: a fused copy or funnel that directly
// follows another of its kind (nothing emitted or bound between) joins it,
// up to four in one dispatch. Its handler words go; its operands follow
// the run's, and its two source-map entries move to words 2k and 2k + 1
// of the run, where the k-th step's halves report their traps.
void FunctionCompiler::join_run(uint32_t start, Op single) {
  auto& map = out_.source_map;
  const size_t n = map.size();
  const bool joins =
      funnel_end_ == start && run_op_ == single && funnel_steps_ < 4 &&
      n >= 4 && map[n - 2].code_offset == start &&
      map[n - 1].code_offset == start + 1 &&
      map[n - 3].code_offset == funnel_start_ + 2 * funnel_steps_ - 1;
  if (!joins) {
    run_op_ = single;
    funnel_start_ = start;
    funnel_steps_ = 1;
    funnel_end_ = pos();
    return;
  }
  code_.erase(code_.begin() + start, code_.begin() + start + 2);
  map[n - 2].code_offset = funnel_start_ + 2 * funnel_steps_;
  map[n - 1].code_offset = funnel_start_ + 2 * funnel_steps_ + 1;
  ++funnel_steps_;
  const Op run = run_form(single, funnel_steps_);
  const void* h = handlers_[static_cast<size_t>(run)];
  std::memcpy(&code_[funnel_start_], &h, sizeof h);
  // Nothing may fuse with the run's parts any more (their positions moved).
  forget_last();
  last_op_ = run;
  last_start_ = funnel_start_;
  funnel_end_ = pos();
  if (funnel_steps_ == 4 && single == Op::I32LoadStoreFunnel)
    compact_funnel_run();
}

// A run of four in the copy loop's exact shape (see I32FunnelRun4 in
// ops.def) is rewritten in 11 operands, so that its handler reads the
// addresses and shifts once; anything else stays as it is. The source-map
// entries of the eight halves are at words 0-7 either way.
void FunctionCompiler::compact_funnel_run() {
  const uint32_t* w = &code_[funnel_start_ + 2];
  const uint32_t d0 = w[0], d1 = w[10], a = w[1], b = w[4];
  if (d0 == d1 || a == d0 || a == d1 || b == d0 || b == d1)
    return;
  for (uint32_t k = 0; k < 4; ++k) {
    const uint32_t* s = w + 10 * k;
    if (s[0] != (k % 2 == 0 ? d0 : d1) || s[1] != a || s[4] != b ||
        s[2] != w[2] + 4 * k || s[5] != w[5] + 4 * k || s[3] != w[3] ||
        s[6] != w[6] || s[7] != w[7] || s[9] != w[9] ||
        (k > 0 && s[8] != (k % 2 == 1 ? d0 : d1)))
      return;
  }
  const uint32_t words[11] = {d0, d1,   w[8], a,    w[2], w[3],
                              b,  w[5], w[6], w[7], w[9]};
  code_.resize(funnel_start_);
  emit(Op::I32FunnelRun4);
  for (uint32_t x : words)
    word(x);
  forget_last();
}

// The address entry at `index` as (slot, imm), emitting nothing: false for
// a constant, which would first need a slot.
bool FunctionCompiler::peek_address(uint32_t index,
                                    uint32_t& slot,
                                    uint32_t& imm) const {
  const Entry& e = stack_[index];
  imm = e.kind == Entry::Kind::LocalAdd ? static_cast<uint32_t>(e.value) : 0;
  slot = e.reads_local() ? e.local : home(index);
  return e.kind != Entry::Kind::Const;
}

// An f64 updated in place (x += ..., x -= a*b): the store of a value
// computed from a load of the same address (same slot, immediate and
// offset, the slot not written in between) joins that computation.
bool FunctionCompiler::fuse_f64_store(Op op, uint32_t offset) {
  const uint32_t index = height() - 1;
  uint32_t slot = 0, imm = 0;
  if (op != Op::I64Store_ || !peek_address(index - 1, slot, imm))
    return false;
  if (last_result_is(Op::F64AddLoad, index)) {
    const uint32_t* w = &code_[last_start_ + 2];  // d x a imm off
    if (w[2] != slot || w[3] != imm || w[4] != offset || w[0] == slot)
      return false;
    const void* h = handlers_[static_cast<size_t>(Op::F64AddLoadStore)];
    std::memcpy(&code_[last_start_], &h, sizeof h);
    join_f64_update(last_start_);
  } else if (last_result_is(Op::F64MulSub, index) &&
             f64_load_end_ == last_start_) {
    const bool adds = f64_load_op_ == Op::I64LoadAdd_;
    const uint32_t* load = &code_[f64_load_start_ + 2];
    const uint32_t ld = load[0], a = load[1];
    const uint32_t load_imm = adds ? load[2] : 0;
    const uint32_t load_offset = adds ? load[3] : load[2];
    const uint32_t* m = &code_[last_start_ + 2];  // d c x y
    if (m[1] != ld || a != slot || load_imm != imm || load_offset != offset ||
        ld == slot || m[0] == slot)
      return false;
    const uint32_t words[7] = {ld, a, imm, offset, m[0], m[2], m[3]};
    code_.resize(f64_load_start_);
    emit(Op::F64LoadMulSubStore);
    for (uint32_t w : words)
      word(w);
  } else if (last_result_is(Op::F64MulAdd, index) ||
             last_result_is(Op::F64MulSub, index)) {
    // Any other multiply-add just computed and stored: the sum is not kept.
    const uint32_t* m = &code_[last_start_ + 2];  // d c x y
    const uint32_t words[6] = {m[1], m[2], m[3], slot, imm, offset};
    const Op fused =
        last_op_ == Op::F64MulAdd ? Op::F64MulAddStore : Op::F64MulSubStore;
    code_.resize(last_start_);
    note_source(current_offset_);
    emit(fused);
    for (uint32_t w : words)
      word(w);
  } else {
    return false;
  }
  pop();
  pop();
  forget_last();
  return true;
}

// nbody's `p->v += d * m` on an address just stepped (a `local.tee` of
// p + imm): an I32AddImm, then one or two F64Mul, then the F64AddLoad that
// is becoming an F64AddLoadStore, emitted one right after the other (the
// load the F64AddLoad replaced took its place). Called by emit() for each
// instruction, so the chain's instruction starts are known, not guessed.
void FunctionCompiler::note_f64_chain(Op op, uint32_t start) {
  if (op == Op::I32AddImm) {
    chain_start_ = start;
    chain_end_ = start + 5;
    chain_muls_ = 0;
  } else if (op == Op::F64Mul && chain_end_ == start && chain_muls_ < 2) {
    chain_end_ = start + 5;
    ++chain_muls_;
  } else if (!(chain_end_ == start && chain_muls_ > 0 &&
               (op == Op::I64Load_ || op == Op::F64AddLoad))) {
    chain_end_ = UINT32_MAX;
  }
}

// The chain above, ending in the F64AddLoadStore at `als`, joins it as one
// F64AddrMul*AddStore, which runs the parts in order. Nothing may branch
// inside; only the store half has a source-map entry (the others cannot
// trap), and it moves to word 0.
void FunctionCompiler::join_f64_update(uint32_t als) {
  const uint32_t add = chain_start_;
  auto& map = out_.source_map;
  if (chain_end_ != als || chain_muls_ == 0 || last_target_ > add ||
      map.empty() || map.back().code_offset != als ||
      (map.size() >= 2 && map[map.size() - 2].code_offset >= add))
    return;
  map.back().code_offset = add;
  std::vector<uint32_t> words;
  for (uint32_t at = add; at < als; at += 5)
    words.insert(words.end(), &code_[at + 2], &code_[at + 5]);
  words.insert(words.end(), &code_[als + 2], &code_[als + 7]);
  code_.resize(add);
  emit(chain_muls_ == 1 ? Op::F64AddrMulAddStore : Op::F64AddrMul2AddStore);
  for (uint32_t w : words)
    word(w);
}

void FunctionCompiler::store(Op op, uint32_t offset) {
  if (fuse_copy(op, offset) || fuse_funnel_store(op, offset) ||
      fuse_f64_store(op, offset))
    return;
  uint32_t v = slot_of(height() - 1);
  uint32_t index = height() - 2;
  Op add_form = op == Op::I32Store_   ? Op::I32StoreAdd_
                : op == Op::I64Store_ ? Op::I64StoreAdd_
                                      : kNoOp;
  if (add_form != kNoOp && stack_[index].kind == Entry::Kind::LocalAdd) {
    Entry address = stack_[index];
    pop();
    pop();
    note_source(current_offset_);
    emit(add_form);
    word(address.local);
    word(static_cast<uint32_t>(address.value));
    word(v);
    word(offset);
    forget_last();
    return;
  }
  if (add_form != kNoOp && last_result_is(Op::I32AddImm, index)) {
    uint32_t a = code_[last_start_ + 3], imm = code_[last_start_ + 4];
    code_.resize(last_start_);
    pop();
    pop();
    note_source(current_offset_);
    emit(add_form);
    word(a);
    word(imm);
    word(v);
    word(offset);
    forget_last();
    return;
  }
  uint32_t a = slot_of(index);
  pop();
  pop();
  note_source(current_offset_);
  emit(op);
  word(a);
  word(v);
  word(offset);
  forget_last();
}
}  // namespace capbox::engine
