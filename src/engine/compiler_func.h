// SPDX-License-Identifier: Apache-2.0
// FunctionCompiler: one validated function body to internal code.
//
// Every wasm operand-stack position i has a fixed home slot (temp_base + i)
// in the frame, after the parameters and locals. The compiler keeps a
// virtual stack whose entries are either already in their home slot
// (Temp), a local not yet copied (Local), or a constant not yet written
// (Const). Instructions then read locals and constants where they are, so
// `local.get a; local.get b; i32.add; local.set c` becomes one `i32.add c,
// a, b`: the result's destination is retargeted to the local when the next
// instruction stores it. Lazy entries are written to their home slots at
// control-flow boundaries and before their local is overwritten, so every
// path into a label sees the same frame. Compares followed by br_if/if
// fuse into compare-and-branch. Validation is done: nothing is re-checked.
//
// A v128 takes two consecutive slots (low half first) and two stack
// entries, the upper one marked v128_hi; stack heights, block arities and
// local numbers below are all in slots.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <span>
#include <utility>
#include <vector>

#include "base/result.h"
#include "engine/compiled.h"
#include "engine/engine.h"
#include "engine/instr_reader.h"
#include "engine/ops.h"

namespace capbox::engine {

// Slots a sequence of values takes: a v128 takes two.
inline uint32_t slot_count(std::span<const ValType> types) {
  uint32_t n = 0;
  for (ValType t : types)
    n += t == ValType::V128 ? 2 : 1;
  return n;
}

// Slots a function body's declared locals take (CompiledFunction).
inline uint32_t declared_local_slots(const FunctionBody& body) {
  uint32_t n = 0;
  for (const LocalGroup& g : body.locals)
    n += g.count * (g.type == ValType::V128 ? 2 : 1);
  return n;
}

class FunctionCompiler {
 public:
  FunctionCompiler(CompiledModule& out, uint32_t defined_index, bool metered);
  Result<void, LoadError> compile();

 private:
  // LocalAdd is (local + value) mod 2^32, an i32 address not yet computed:
  // loads, stores and copies fold it into their own address arithmetic.
  struct Entry {
    enum class Kind : uint8_t { Temp, Local, Const, LocalAdd };
    Kind kind = Kind::Temp;
    bool v128_hi = false;  // the upper half of a v128 (the entry below)
    uint32_t local = 0;    // a slot: locals are numbered in slots
    uint64_t value = 0;
    bool reads_local() const {
      return kind == Kind::Local || kind == Kind::LocalAdd;
    }
  };
  struct Label {
    enum class Kind : uint8_t { Block, Loop, If, Func };
    Kind kind = Kind::Block;
    uint32_t height = 0;  // stack height below the block's parameters
    uint32_t params = 0;  // in slots, as are results
    uint32_t results = 0;
    std::span<const ValType> param_types;
    std::span<const ValType> result_types;
    uint32_t loop_pos = 0;               // Loop: its first instruction
    std::vector<uint32_t> fixups;        // (instruction, operand) pairs
    uint32_t else_start = 0;             // If: its conditional branch
    uint32_t else_operand = UINT32_MAX;  // to `else`, or to `end`
  };
  // A branch condition: a slot tested against zero, or a fused compare.
  struct Cond {
    Op op = Op::BrIfNez;  // a BrIf* op
    uint32_t a = 0;
    uint32_t b = 0;  // second slot, or the immediate
    bool binary = false;
  };

  Result<void, LoadError> step(const Instr& in);
  void open_block(const Instr& in);
  void else_block();
  void end_block();
  // compiler_ops.cc
  void data_op(const Instr& in);
  void unary(Op op);
  bool invert_compare();
  void binary(const Instr& in, Op op);
  bool binary_imm(Op op);
  bool partner_of_last(uint32_t top, uint32_t& other) const;
  bool fuse_shifted(Op op);
  bool fuse_shr_and(uint32_t operand, uint64_t mask);
  bool fuse_field_add(Op op);
  bool join_load(uint32_t dst, uint32_t a, uint32_t offset);
  bool fuse_masked_load(uint32_t offset);
  bool fuse_rotates(uint32_t other, uint32_t x, uint32_t c);
  bool fuse_f64(Op op);
  bool fuse_and_not();
  void emit_fused_binary(Op op, std::initializer_list<uint32_t> operands);
  bool fuse_bitwise(Op op);
  bool fuse_const_div(Op op);
  bool join_add(uint32_t start);
  void local_set(uint32_t local, bool tee);
  bool memory_access(const Instr& in);  // compiler_memory.cc
  void load(Op op, uint32_t offset);
  void store(Op op, uint32_t offset);
  bool fuse_copy(Op store_op, uint32_t offset);
  bool fuse_funnel();
  bool fuse_funnel_store(Op op, uint32_t offset);
  bool fuse_load_funnel_store(uint32_t address,
                              uint32_t imm,
                              uint32_t offset,
                              const uint32_t funnel[4]);
  void note_word_load(Op op, uint32_t start);
  void join_run(uint32_t start, Op single);
  void join_tag_copy(uint32_t start);
  void compact_funnel_run();
  bool peek_address(uint32_t index, uint32_t& slot, uint32_t& imm) const;
  bool fuse_f64_store(Op op, uint32_t offset);
  void note_f64_chain(Op op, uint32_t start);
  void join_f64_update(uint32_t als);
  bool last_result_is(Op op, uint32_t index) const;
  void copy_dispatch_tails();  // compiler_tails.cc
  void copy_instruction(uint32_t from, uint32_t words);
  void copy_switch(uint32_t branch, uint32_t site);
  void fold_fetch_and_switch(uint32_t fetch,
                             uint32_t copy,
                             uint32_t branch,
                             uint32_t site);
  void forward_results();  // compiler_acc.cc
  // compiler_loops.cc
  bool op_at(uint32_t at, Op op) const;
  bool fuse_loop(const Label& l);
  bool loop_source_map(uint32_t head, std::initializer_list<uint32_t> expected);
  bool fuse_funnel_loop(uint32_t head, uint32_t br);
  bool fuse_fill_loop(uint32_t head, uint32_t br);
  bool fuse_copy_loop(uint32_t head, uint32_t br);
  // compiler_simd.cc
  bool simd_op(const Instr& in);
  bool simd_special(const Instr& in);
  bool simd_memory(const Instr& in);
  void simd_lane_memory(const Instr& in, Op op, bool store);
  uint32_t v128_operand(uint32_t lo_index);
  uint32_t push_v128();
  void local_get(uint32_t wasm_local);
  void local_set_v128(uint32_t slot, bool tee);
  void select();
  void global_access(const Instr& in);
  uint32_t take_arguments(const FuncType& t);
  void call(uint32_t func_index);
  void emit_call(uint32_t callee,
                 const FuncType& t,
                 uint32_t base,
                 uint32_t args_start);
  bool fuse_add_call(uint32_t args_start);
  void resolve_calls();
  void call_indirect(uint32_t type_index, uint32_t table);
  void return_call(uint32_t func_index);
  void reserve_call_slots(uint32_t nargs);
  void return_call_indirect(uint32_t type_index, uint32_t table);
  void emit_with_operands(Op op,
                          uint32_t dst_count,
                          uint32_t pops,
                          std::initializer_list<uint32_t> immediates);

  // Virtual stack.
  uint32_t height() const { return static_cast<uint32_t>(stack_.size()); }
  uint32_t home(uint32_t index) const { return temp_base_ + index; }
  uint32_t push_temp();
  void push_local(uint32_t local);
  void push_const(uint64_t value);
  void push_local_add(uint32_t local, uint32_t imm);
  void push_typed(std::span<const ValType> types);
  uint32_t local_slot(uint32_t wasm_local) const {
    return local_slots_.empty() ? wasm_local : local_slots_[wasm_local];
  }
  bool local_is_v128(uint32_t wasm_local) const {
    return !local_slots_.empty() &&
           local_slots_[wasm_local + 1] - local_slots_[wasm_local] == 2;
  }
  void map_local_slots(const FuncType& type, const FunctionBody& body);
  Entry pop();
  void drop_to(uint32_t new_height);
  uint32_t slot_of(uint32_t index);  // materialises a Const in place
  void materialize(uint32_t index);
  void materialize_range(uint32_t from, uint32_t to);
  void materialize_local(uint32_t local);
  void write_entry_to(const Entry& e, uint32_t index, uint32_t dst);

  // Emission.
  uint32_t pos() const { return static_cast<uint32_t>(code_.size()); }
  uint32_t emit(Op op);
  void word(uint32_t w) { code_.push_back(w); }
  void emit_copy(uint32_t dst, uint32_t src);
  void emit_const(uint32_t dst, uint64_t value);
  void note_result(uint32_t dst_word);
  void note_source(uint32_t wasm_offset);
  void add_source(uint32_t code_offset, uint32_t wasm_offset);
  void forget_last();
  void forget_results();

  // Control flow.
  Label& label_at(uint32_t depth) {
    return labels_[labels_.size() - 1 - depth];
  }
  uint32_t branch_arity(const Label& l) const {
    return l.kind == Label::Kind::Loop ? l.params : l.results;
  }
  bool needs_copies(const Label& l);
  void emit_copies_for(const Label& l);
  void link(uint32_t start, uint32_t operand, Label& l);
  uint32_t emit_cond(Cond c);
  void emit_jump(Label& l);
  void emit_cond_jump(Cond c, Label& l);
  void emit_branch(Label& l);
  void emit_branch_if(Cond c, Label& l);
  void emit_br_table(const Instr& in);
  void emit_return();
  bool fuse_return(uint32_t start, Op op, Op fused);
  void bind(Label& l);
  void patch(uint32_t instr_start, uint32_t operand_pos, uint32_t target);
  Cond take_condition();
  static Cond invert(Cond c);
  void become_dead();
  void block_arity(const BlockType& bt, Label& l);

  CompiledModule& out_;
  const Module& module_;
  CodeWords& code_;
  const void* const* handlers_;
  uint32_t defined_index_;
  bool metered_;
  CompiledFunction fn_;
  uint32_t temp_base_ = 0;
  uint32_t max_height_ = 0;
  std::vector<Entry> stack_;
  std::vector<uint32_t> local_refs_;  // lazy Local entries per local
  // Slot of each wasm local, plus one past the last; empty when every
  // local takes one slot (no v128), so that slot == local index.
  std::vector<uint32_t> local_slots_;
  std::vector<Label> labels_;
  // (callee, operand word) of the Call sites emitted here whose callee is
  // not compiled yet; CompiledModule::pending_calls once this succeeds.
  std::vector<std::pair<uint32_t, uint32_t>> new_pending_;
  bool dead_ = false;
  uint32_t dead_depth_ = 0;  // blocks opened while dead
  // Peepholes: the last instruction's result word and stack index, and the
  // last compare; valid only while nothing was emitted after them.
  uint32_t last_end_ = UINT32_MAX;
  uint32_t last_dst_word_ = 0;
  uint32_t last_dst_index_ = 0;
  Op last_op_ = Op::kCount;  // the last instruction emitted
  uint32_t last_start_ = 0;
  // The last two result-producing instructions, for three-way fusion.
  Op last_result_op_ = Op::kCount;
  uint32_t last_result_start_ = 0;
  Op prev_op_ = Op::kCount;
  uint32_t prev_start_ = 0;
  uint32_t prev_end_ = UINT32_MAX;
  uint32_t prev_dst_index_ = 0;
  // The last i32 load, for fuse_load_funnel_store.
  Op word_load_op_ = Op::kCount;
  uint32_t word_load_start_ = 0;
  uint32_t word_load_end_ = UINT32_MAX;
  // The last i64/f64 load, for fuse_f64_store.
  Op f64_load_op_ = Op::kCount;
  uint32_t f64_load_start_ = 0;
  uint32_t f64_load_end_ = UINT32_MAX;
  // The last run of joined funnels or copies, while nothing follows it.
  Op run_op_ = Op::kCount;
  uint32_t funnel_start_ = 0;
  uint32_t funnel_end_ = UINT32_MAX;
  uint32_t funnel_steps_ = 0;
  uint32_t cmp_start_ = 0;
  uint32_t cmp_end_ = UINT32_MAX;
  // The last I32AddImm, while nothing after it is left (for AddBrIf*).
  uint32_t add_start_ = 0;
  uint32_t add_end_ = UINT32_MAX;
  // An I32AddImm ending where that one starts (UINT32_MAX: none).
  uint32_t pair_add_start_ = UINT32_MAX;
  // The last I32Add, while nothing follows it: the next joins it (I32Add2).
  uint32_t iadd_start_ = 0;
  uint32_t iadd_end_ = UINT32_MAX;
  // The last Copy..Copy4, while it is the last instruction and no label is
  // bound after it: the next copy joins it (up to Copy4), and a jump
  // joins it as a Copy*Br.
  uint32_t copy_start_ = 0;
  uint32_t copy_end_ = UINT32_MAX;
  uint32_t copy_count_ = 0;
  // The last plain I32Load_, while it is the last instruction and no label
  // is bound after it: the next one joins it as an I32Load2.
  uint32_t load_start_ = 0;
  uint32_t load_end_ = UINT32_MAX;
  // The last Const32, while nothing was emitted over it and no label is
  // bound after it: a BrIfEqz/BrIfNez right after it (a compare between
  // taken back into the branch) takes it in (ConstBrIf*).
  uint32_t const_start_ = 0;
  uint32_t const_end_ = UINT32_MAX;
  // The last plain I32Load_ / I32Load8U_, while nothing was emitted over
  // it and no label bound after it: an I32AddShrUAndImm right after the
  // first joins it (I32LoadFieldAdd); a BrIfI32EqImm/NeImm on the
  // second's result, its compare taken back, joins it (Load8UBrIf*).
  uint32_t word_start_ = 0;
  uint32_t word_end_ = UINT32_MAX;
  uint32_t tag_start_ = 0;
  uint32_t tag_end_ = UINT32_MAX;
  // The last I32ShlImm when it shifted an I32AndImm's result just before
  // it (their starts): a load at that + imm is an I32LoadMaskShl.
  uint32_t mask_and_start_ = 0;
  uint32_t mask_shl_start_ = UINT32_MAX;
  Cond cmp_;
  uint32_t current_offset_ = 0;
  // The highest code position a branch may land on so far (fuse_loop).
  uint32_t last_target_ = 0;
  // Every position a branch lands on (forward_results).
  std::vector<uint32_t> targets_;
  // An I32AddImm and the F64Mul right after it (note_f64_chain).
  uint32_t chain_start_ = 0;
  uint32_t chain_end_ = UINT32_MAX;
  uint32_t chain_muls_ = 0;
};

}  // namespace capbox::engine
