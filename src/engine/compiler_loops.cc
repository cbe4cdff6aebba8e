// SPDX-License-Identifier: Apache-2.0
// FunctionCompiler: whole loops as one instruction. wasi-libc's memcpy
// (its unaligned funnel loop, its aligned loop of four i64 copies) and
// memset (four i64 stores a step) spend the memops kernel's time in loops
// whose body is already one or two fused instructions and whose back edge
// is an Add2BrIfI32GtUImm; running the loop inside one handler saves the
// dispatches and keeps the counters in registers (see I32FunnelLoop,
// I64FillLoop and I64CopyLoop in ops.def).
#include <algorithm>
#include <cstring>
#include <initializer_list>

#include "engine/compiler_func.h"

namespace capbox::engine {

bool FunctionCompiler::op_at(uint32_t at, Op op) const {
  const void* h = handlers_[static_cast<size_t>(op)];
  return at + 2 <= code_.size() && std::memcmp(&code_[at], &h, sizeof h) == 0;
}

// The back edge just emitted (at last_start_) closes loop `l`: when the
// loop is straight code from its head (no branch may land inside it) and
// has one of the shapes above, the whole loop becomes one instruction.
bool FunctionCompiler::fuse_loop(const Label& l) {
  const uint32_t head = l.loop_pos, br = last_start_;
  if (l.kind != Label::Kind::Loop || last_op_ != Op::Add2BrIfI32GtUImm ||
      last_target_ > head || pos() != br + 11)
    return false;
  // d s imm d2 s2 imm2 a bimm off: both counters step themselves and the
  // second is tested.
  const uint32_t* c = &code_[br + 2];
  if (c[0] != c[1] || c[3] != c[4] || c[6] != c[3] || c[0] == c[3])
    return false;
  return fuse_funnel_loop(head, br) || fuse_fill_loop(head, br) ||
         fuse_copy_loop(head, br);
}

// The source-map entries of the loop's body, which start at `head`, move
// to words 0, 1, ... of the instruction that replaces it; false (nothing
// changed) unless they are exactly at `expected`.
bool FunctionCompiler::loop_source_map(
    uint32_t head,
    std::initializer_list<uint32_t> expected) {
  auto& map = out_.source_map;
  const auto first = std::lower_bound(
      map.begin(), map.end(), head,
      [](const SourceMapEntry& e, uint32_t at) { return e.code_offset < at; });
  if (static_cast<size_t>(map.end() - first) != expected.size() ||
      !std::equal(first, map.end(), expected.begin(),
                  [](const SourceMapEntry& e, uint32_t at) {
                    return e.code_offset == at;
                  }))
    return false;
  uint32_t word = head;
  for (auto it = first; it != map.end(); ++it)
    it->code_offset = word++;
  return true;
}

// I32Add2 (the two addresses), I32FunnelRun4 on them, the back edge.
bool FunctionCompiler::fuse_funnel_loop(uint32_t head, uint32_t br) {
  const uint32_t run = head + 8;
  if (run + 13 != br || !op_at(head, Op::I32Add2) ||
      !op_at(run, Op::I32FunnelRun4))
    return false;
  const uint32_t* a = &code_[head + 2];  // d a b d2 a2 b2
  const uint32_t* f = &code_[run + 2];   // d0 d1 y0 src imm off dst ...
  const uint32_t* c = &code_[br + 2];
  const uint32_t p = c[0], n = c[3];
  if (a[1] != p || a[4] != p || f[2] != f[1])
    return false;
  // Which of the two sums is the store address and which the load's.
  uint32_t dst_add = 0, src_add = 0;
  if (f[6] == a[0] && f[3] == a[3]) {
    dst_add = a[2];
    src_add = a[5];
  } else if (f[6] == a[3] && f[3] == a[0]) {
    dst_add = a[5];
    src_add = a[2];
  } else {
    return false;
  }
  const uint32_t written[6] = {f[6], f[3], f[0], f[1], p, n};
  for (uint32_t i = 0; i < 6; ++i) {
    for (uint32_t j = i + 1; j < 6; ++j)
      if (written[i] == written[j])
        return false;
    if (written[i] == dst_add || written[i] == src_add)
      return false;
  }
  if (!loop_source_map(head, {run, run + 1, run + 2, run + 3, run + 4, run + 5,
                              run + 6, run + 7}))
    return false;
  const uint32_t words[17] = {p,     dst_add, src_add, f[6], f[3], f[0],
                              f[1],  f[4],    f[5],    f[7], f[8], f[9],
                              f[10], c[2],    n,       c[5], c[7]};
  code_.resize(head);
  emit(Op::I32FunnelLoop);
  for (uint32_t w : words)
    word(w);
  forget_last();
  return true;
}

// Four i64 stores of one value at one base (I64Store_ or I64StoreAdd_
// first, then I64StoreAdd_), the back edge.
bool FunctionCompiler::fuse_fill_loop(uint32_t head, uint32_t br) {
  const bool plain = op_at(head, Op::I64Store_);
  const uint32_t s0 = head, s1 = head + (plain ? 5 : 6);
  const uint32_t s2 = s1 + 6, s3 = s2 + 6;
  if (s3 + 6 != br || !(plain || op_at(head, Op::I64StoreAdd_)) ||
      !op_at(s1, Op::I64StoreAdd_) || !op_at(s2, Op::I64StoreAdd_) ||
      !op_at(s3, Op::I64StoreAdd_))
    return false;
  const uint32_t* c = &code_[br + 2];
  const uint32_t p = c[0], n = c[3];
  // a v offset, or a imm v offset
  const uint32_t* first = &code_[s0 + 2];
  const uint32_t v = plain ? first[1] : first[2];
  uint32_t imm[4] = {plain ? 0 : first[1], 0, 0, 0};
  uint32_t off[4] = {plain ? first[2] : first[3], 0, 0, 0};
  if (first[0] != p || v == p || v == n)
    return false;
  const uint32_t rest[3] = {s1, s2, s3};
  for (uint32_t k = 1; k < 4; ++k) {
    const uint32_t* s = &code_[rest[k - 1] + 2];
    if (s[0] != p || s[2] != v)
      return false;
    imm[k] = s[1];
    off[k] = s[3];
  }
  if (!loop_source_map(head, {s0, s1, s2, s3}))
    return false;
  const uint32_t words[14] = {p,      v,      imm[0], imm[1], imm[2],
                              imm[3], off[0], off[1], off[2], off[3],
                              c[2],   n,      c[5],   c[7]};
  code_.resize(head);
  emit(Op::I64FillLoop);
  for (uint32_t w : words)
    word(w);
  forget_last();
  return true;
}

// MemCopy64x4 between two pointers, one stepped by an I32AddImm and the
// other by the back edge's first counter, then the back edge.
bool FunctionCompiler::fuse_copy_loop(uint32_t head, uint32_t br) {
  const uint32_t add = head + 26;
  if (add + 5 != br || !op_at(head, Op::MemCopy64x4) ||
      !op_at(add, Op::I32AddImm))
    return false;
  const uint32_t* m = &code_[head + 2];  // (a imm off b imm off) x 4
  const uint32_t* a = &code_[add + 2];   // d s imm
  const uint32_t* c = &code_[br + 2];
  const uint32_t d = m[0], s = m[3], n = c[3];
  if (a[0] != a[1] || d == s || d == n || s == n)
    return false;
  uint32_t dinc = 0, sinc = 0;
  if (a[0] == d && c[0] == s) {
    dinc = a[2];
    sinc = c[2];
  } else if (a[0] == s && c[0] == d) {
    dinc = c[2];
    sinc = a[2];
  } else {
    return false;
  }
  uint32_t words[23] = {d, s};
  for (uint32_t k = 0; k < 4; ++k) {
    const uint32_t* step = m + 6 * k;
    if (step[0] != d || step[3] != s)
      return false;
    for (uint32_t i = 0; i < 4; ++i)
      words[2 + 4 * k + i] = step[i < 2 ? 1 + i : 2 + i];
  }
  if (!loop_source_map(head, {head, head + 1, head + 2, head + 3, head + 4,
                              head + 5, head + 6, head + 7}))
    return false;
  const uint32_t tail[5] = {dinc, sinc, n, c[5], c[7]};
  std::copy(tail, tail + 5, words + 18);
  code_.resize(head);
  emit(Op::I64CopyLoop);
  for (uint32_t w : words)
    word(w);
  forget_last();
  return true;
}

}  // namespace capbox::engine
