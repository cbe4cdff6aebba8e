// SPDX-License-Identifier: Apache-2.0
// A counting build's instruction profile, for finding what to fuse: with
// interp.cc compiled with -DCAPBOX_OP_PROFILE=1 (never in a normal build),
// each invoke prints to stderr, in code order, every internal instruction
// that ran ("PROF offset count Op operands...") and the total; the
// compiler prints where each function's code starts ("PROFFUNC index
// offset"), so the offsets can be named by function. Linked into
// tests/fuzz/diff_driver it profiles a bench kernel without the sandbox.
// Depends on ops.def/opcodes.def only.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <unordered_map>
#include <vector>

namespace capbox::engine::op_profile {

inline const char* const kNames[] = {
#define CAPBOX_OP(Name, N) #Name,
#include "engine/ops.def"
#undef CAPBOX_OP
#define CAPBOX_OPCODE(prefix, code, Name, text, Imm, Kind, A, B, R) \
  CAPBOX_PNAME_##Kind(Name)
#define CAPBOX_PNAME_Unary(Name) #Name,
#define CAPBOX_PNAME_Binary(Name) #Name,
#define CAPBOX_PNAME_Special(Name)
#define CAPBOX_PNAME_Load(Name)
#define CAPBOX_PNAME_Store(Name)
#define CAPBOX_PNAME_Simd(Name) #Name,
#include "engine/opcodes.def"
#undef CAPBOX_OPCODE
#define CAPBOX_ACC_CONSUMER(Variant, Op, Kind, mask) #Variant,
#include "engine/acc.def"
};

struct Hits {
  std::unordered_map<const uint32_t*, uint64_t> by_pc;
  const uint32_t* base = nullptr;
};
inline Hits& hits() {
  static Hits* h = new Hits;
  return *h;
}
inline void hit(const uint32_t* pc, const uint32_t* base) {
  Hits& h = hits();
  h.base = base;
  ++h.by_pc[pc];
}
inline void dump(const void* const* labels, size_t n) {
  Hits& h = hits();
  std::vector<std::pair<const uint32_t*, uint64_t>> v(h.by_pc.begin(),
                                                      h.by_pc.end());
  std::sort(v.begin(), v.end());
  uint64_t total = 0;
  for (auto& [pc, count] : v) {
    const void* handler;
    std::memcpy(&handler, pc, sizeof handler);
    size_t op = 0;
    while (op < n && labels[op] != handler)
      ++op;
    total += count;
    std::fprintf(stderr, "PROF %ld %lu %s", long(pc - h.base),
                 (unsigned long)count, op < n ? kNames[op] : "?");
    for (int i = 0; i < 10; ++i)
      std::fprintf(stderr, " %u", pc[2 + i]);
    std::fprintf(stderr, "\n");
  }
  std::fprintf(stderr, "PROFTOTAL %lu\n", (unsigned long)total);
  h.by_pc.clear();
}

}  // namespace capbox::engine::op_profile
