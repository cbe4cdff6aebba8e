// SPDX-License-Identifier: Apache-2.0
// Replicated dispatch for interpreters compiled to wasm. clang lowers an
// interpreter's opcode switch (or its computed goto) to one br_table that
// every case reaches through the same tail: each case jumps to a shared
// block that fetches the next instruction and jumps back to the switch.
// Run here, every opcode of the guest's interpreter is dispatched by the
// one host jump of that br_table's handler, whose target the host's
// predictor must then guess from history alone; native code, with the
// tail inlined into each case, has a jump per case.
//
// So once a function's code is final, each jump whose target is such a
// tail (a few plain instructions, jumps followed, then a BrTableLoad)
// gets a private copy of it appended to the function, ending in one of
// sixteen BrTableLoadAt ops that share the original's offsets. Copies
// take the ops in turn, so that up to sixteen host jump sites share the
// switch, and the jumps a copy saves are not run either.
#include <algorithm>
#include <cstring>
#include <vector>

#include "engine/code_walk.h"
#include "engine/compiler_func.h"

namespace capbox::engine {
namespace {

constexpr uint32_t kAtOps = 16;
static_assert(static_cast<uint32_t>(Op::BrTableLoadAt15) -
                      static_cast<uint32_t>(Op::BrTableLoadAt0) + 1 ==
                  kAtOps,
              "ops.def: the BrTableLoadAt ops are listed in order");

// A copy holds at most this many instructions before its branch, and a
// function at most this many copies (a switch has one per case).
constexpr size_t kMaxCopied = 4;
constexpr size_t kMaxCopies = 1024;
constexpr int kMaxJumpsFollowed = 2;

// Where an unconditional jump keeps its offset (operand index), or -1.
int jump_offset_operand(Op op) {
  switch (op) {
    case Op::Br:
      return 0;
    case Op::CopyBr:
      return 2;
    case Op::Copy2Br:
      return 4;
    case Op::Copy3Br:
      return 6;
    case Op::Copy4Br:
      return 8;
    default:
      return -1;
  }
}

// Instructions a tail may hold: no branch, no call, and no operand that
// depends on where the instruction is, so a verbatim copy runs the same.
bool copyable(Op op) {
  switch (op) {
    case Op::Copy:
    case Op::Copy2:
    case Op::Copy3:
    case Op::Copy4:
    case Op::Const32:
    case Op::Const64:
    case Op::GlobalGet:
    case Op::I32AddImm:
    case Op::I32AddShrUAndImm:
    case Op::I32Load_:
    case Op::I32Load8U_:
    case Op::I32Load2:
    case Op::I32Load2Chain:
    case Op::I32LoadFieldAdd:
    case Op::I32LoadFieldAddSelf:
    case Op::I32LoadMaskShl:
      return true;
    default:
      return false;
  }
}

constexpr uint32_t kNone = UINT32_MAX;

// Where in `body` a copy's vmfetch starts, when it can be folded into the
// switch at `branch` (FetchBrTableLoadAt): an I32LoadFieldAddSelf last, or
// then a Copy, whose loaded word is the switch's index: neither its own
// sum nor the Copy overwrites it. kNone otherwise.
uint32_t fetch_to_fold(const CodeWords& code,
                       const std::vector<CodeInstruction>& body,
                       uint32_t branch) {
  size_t n = body.size();
  const bool copies = n >= 2 && body[n - 1].op == Op::Copy;
  if (copies)
    --n;
  if (n == 0 || body[n - 1].op != Op::I32LoadFieldAddSelf)
    return kNone;
  const uint32_t fetch = body[n - 1].start;
  const uint32_t word_slot = code[fetch + 2];
  if (code[branch + 2] != word_slot || code[fetch + 2 + 3] == word_slot)
    return kNone;
  if (copies && code[body[n].start + 2] == word_slot)
    return kNone;
  return static_cast<uint32_t>(n - 1);
}

}  // namespace

void FunctionCompiler::copy_dispatch_tails() {
  const std::vector<CodeInstruction> instrs =
      decode_instructions(handlers_, code_.data(), fn_.code_start, pos());
  auto instruction_at = [&](uint32_t at) -> const CodeInstruction* {
    auto it = std::lower_bound(
        instrs.begin(), instrs.end(), at,
        [](const CodeInstruction& i, uint32_t a) { return i.start < a; });
    return it != instrs.end() && it->start == at ? &*it : nullptr;
  };

  uint32_t copies = 0;
  std::vector<CodeInstruction> body;
  for (const CodeInstruction& jump : instrs) {
    const int operand = jump_offset_operand(jump.op);
    if (operand < 0)
      continue;
    const uint32_t offset_word =
        jump.start + 2 + static_cast<uint32_t>(operand);
    // The tail: plain instructions and jumps, up to a BrTableLoad.
    const CodeInstruction* in =
        instruction_at(jump.start + code_[offset_word]);  // wraps as pc does
    body.clear();
    int jumps = 0;
    while (in != nullptr && in->op != Op::BrTableLoad) {
      if (in->op == Op::Br) {
        if (++jumps > kMaxJumpsFollowed)
          break;
        in = instruction_at(in->start + code_[in->start + 2]);
      } else if (copyable(in->op) && body.size() < kMaxCopied) {
        body.push_back(*in);
        in = instruction_at(in->start + in->words);
      } else {
        break;
      }
    }
    if (in == nullptr || in->op != Op::BrTableLoad)
      continue;
    const uint32_t branch = in->start;
    const uint32_t copy_start = pos();
    const uint32_t fetch = fetch_to_fold(code_, body, branch);
    const size_t plain = fetch == kNone ? body.size() : fetch;
    for (size_t k = 0; k < plain; ++k)
      copy_instruction(body[k].start, body[k].words);
    const uint32_t site = copies % kAtOps;
    if (fetch == kNone) {
      copy_switch(branch, site);
    } else {
      const uint32_t copy =
          fetch + 1 < body.size() ? body[fetch + 1].start : kNone;
      fold_fetch_and_switch(body[fetch].start, copy, branch, site);
    }
    code_[offset_word] = copy_start - jump.start;
    targets_.push_back(copy_start);
    if (++copies == kMaxCopies)
      break;
  }
}

// Appends a copy of the BrTableLoad at `branch` as the site'th
// BrTableLoadAt, which branches through the original's offsets.
void FunctionCompiler::copy_switch(uint32_t branch, uint32_t site) {
  const uint32_t start = pos();
  copy_instruction(branch, 2 + 7);
  const void* h = handlers_[static_cast<size_t>(Op::BrTableLoadAt0) + site];
  std::memcpy(&code_[start], &h, sizeof h);
  word(branch - start);  // rel
}

// Appends the site'th FetchBrTableLoadAt: the I32LoadFieldAddSelf at
// `fetch`, the Copy at `copy` (kNone: none) and the BrTableLoad at `branch`
// as one instruction. Its first load traps as the fetch, the case map's as
// the switch (pc + 1).
void FunctionCompiler::fold_fetch_and_switch(uint32_t fetch,
                                             uint32_t copy,
                                             uint32_t branch,
                                             uint32_t site) {
  const uint32_t start = pos();
  const uint32_t fetch_wasm = wasm_offset_at(out_.source_map, fetch);
  const uint32_t branch_wasm = wasm_offset_at(out_.source_map, branch);
  const void* h =
      handlers_[static_cast<size_t>(Op::FetchBrTableLoadAt0) + site];
  code_.resize(code_.size() + 2);
  std::memcpy(&code_[start], &h, sizeof h);
  for (uint32_t k = 0; k < 8; ++k)
    word(code_[fetch + 2 + k]);
  const uint32_t word_slot = code_[fetch + 2];
  word(copy == kNone ? word_slot : code_[copy + 2]);
  word(copy == kNone ? word_slot : code_[copy + 3]);
  for (uint32_t k = 1; k < 7; ++k)
    word(code_[branch + 2 + k]);
  word(branch - start);  // rel
  add_source(start, fetch_wasm);
  add_source(start + 1, branch_wasm);
}

// Appends the `words` words at `from` and the source map entries that
// name them, so a trap in the copy is blamed on the same wasm instruction.
void FunctionCompiler::copy_instruction(uint32_t from, uint32_t words) {
  const auto& map = out_.source_map;
  const uint32_t to = pos();
  std::vector<SourceMapEntry> entries{{to, wasm_offset_at(map, from)}};
  for (auto it = source_entry_after(map, from);
       it != map.end() && it->code_offset < from + words; ++it)
    entries.push_back({to + (it->code_offset - from), it->wasm_offset});
  code_.resize(code_.size() + words);
  std::copy_n(code_.begin() + from, words, code_.begin() + to);
  for (const SourceMapEntry& e : entries)
    add_source(e.code_offset, e.wasm_offset);
}

}  // namespace capbox::engine
