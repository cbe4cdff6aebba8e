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

struct Instruction {
  uint32_t start;
  Op op;
};

}  // namespace

void FunctionCompiler::copy_dispatch_tails() {
  // The function's instructions, in order; none if the walk loses step.
  std::vector<Instruction> instrs;
  const uint32_t end = pos();
  for (uint32_t at = fn_.code_start; at < end;) {
    const void* handler;
    std::memcpy(&handler, &code_[at], sizeof handler);
    const Op op = op_of_handler(handlers_, handler);
    if (op == Op::kCount)
      return;
    const uint32_t words = instruction_words(op, &code_[at]);
    if (words > end - at)
      return;
    instrs.push_back({at, op});
    at += words;
  }
  auto op_at = [&](uint32_t at) {
    auto it = std::lower_bound(
        instrs.begin(), instrs.end(), at,
        [](const Instruction& i, uint32_t a) { return i.start < a; });
    return it != instrs.end() && it->start == at ? it->op : Op::kCount;
  };

  uint32_t copies = 0;
  std::vector<uint32_t> body;
  for (const Instruction& jump : instrs) {
    const int operand = jump_offset_operand(jump.op);
    if (operand < 0)
      continue;
    const uint32_t offset_word =
        jump.start + 2 + static_cast<uint32_t>(operand);
    uint32_t at = jump.start + code_[offset_word];  // wraps like the handler
    body.clear();
    int jumps = 0;
    Op op = op_at(at);
    while (op != Op::BrTableLoad && op != Op::kCount) {
      if (op == Op::Br) {
        if (++jumps > kMaxJumpsFollowed)
          break;
        at += code_[at + 2];
      } else if (copyable(op) && body.size() < kMaxCopied) {
        body.push_back(at);
        at += instruction_words(op, &code_[at]);
      } else {
        break;
      }
      op = op_at(at);
    }
    if (op != Op::BrTableLoad)
      continue;
    const uint32_t copy_start = pos();
    for (uint32_t from : body)
      copy_instruction(from, instruction_words(op_at(from), &code_[from]));
    const uint32_t branch = pos();
    copy_instruction(at, 2 + 7);
    const Op at_op = static_cast<Op>(static_cast<uint32_t>(Op::BrTableLoadAt0) +
                                     copies % kAtOps);
    const void* h = handlers_[static_cast<size_t>(at_op)];
    std::memcpy(&code_[branch], &h, sizeof h);
    word(at - branch);  // rel: back to the original's offsets
    code_[offset_word] = copy_start - jump.start;
    targets_.push_back(copy_start);
    if (++copies == kMaxCopies)
      break;
  }
}

// Appends the `words` words at `from` and the source map entries that
// name them, so a trap in the copy is blamed on the same wasm instruction.
void FunctionCompiler::copy_instruction(uint32_t from, uint32_t words) {
  auto& map = out_.source_map;
  auto first = std::upper_bound(map.begin(), map.end(), from,
                                [](uint32_t off, const SourceMapEntry& e) {
                                  return off < e.code_offset;
                                });
  std::vector<SourceMapEntry> entries;
  if (first != map.begin())
    entries.push_back({pos(), std::prev(first)->wasm_offset});
  for (auto it = first; it != map.end() && it->code_offset < from + words; ++it)
    entries.push_back({pos() + (it->code_offset - from), it->wasm_offset});
  const uint32_t to = pos();
  code_.resize(code_.size() + words);
  std::copy_n(code_.begin() + from, words, code_.begin() + to);
  for (const SourceMapEntry& e : entries) {
    if (!map.empty() && map.back().code_offset == e.code_offset)
      map.back() = e;
    else
      map.push_back(e);
  }
}

}  // namespace capbox::engine
