// SPDX-License-Identifier: Apache-2.0
// How the interpreter's load and store handlers touch linear memory.
//
// With guard pages (x86-64, not under a sanitizer, not disabled with
// -Dguard_pages=false) every memory reserves 8 GiB + a guard, more than any
// 32-bit address plus 32-bit offset can reach, with only the first `size`
// bytes accessible. A handler then accesses mem + ea with no bounds check,
// and an out-of-bounds access faults. Each such access is a single
// instruction written in inline assembly that also records, in the
// capbox_memfault section, its address and which register holds the
// interpreter's pc at that instant (the operand is named, so the compiler
// tells us). guard.cc's SIGSEGV handler accepts a fault only if the
// faulting instruction is one of these and the address lies inside a
// memory reservation: it then reads the exact pc from the saved registers
// and the trap is reported as precisely as an explicit check would. Any
// other fault is passed on and crashes as it would without capbox.
//
// Measured (bench/, g++ -O2, median of 5): explicit checks cost 4-8% on
// the memory-heavy kernels; README.md ("The engine", Memory) has the numbers.
#pragma once

#include <cstdint>
#include <cstring>

#if !defined(CAPBOX_NO_GUARD_PAGES) && defined(__x86_64__) && \
    !defined(__SANITIZE_ADDRESS__)
#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(memory_sanitizer)
#define CAPBOX_GUARD_PAGES 0
#endif
#endif
#ifndef CAPBOX_GUARD_PAGES
#define CAPBOX_GUARD_PAGES 1
#endif
#else
#define CAPBOX_GUARD_PAGES 0
#endif

namespace capbox::engine {

// One record per guarded access instruction (see guard.cc). Offsets are
// relative to the field that holds them, so the section needs no dynamic
// relocations in a position-independent executable.
struct MemFaultRecord {
  int32_t insn;       // the access instruction, relative to &insn
  int32_t pc_reg;     // the register's name ("%r12"), relative to &pc_reg
  int32_t pc_delta;   // words to add to that pc (the store half of a copy)
};

#if CAPBOX_GUARD_PAGES

// The record for the instruction at label 1: emitted with each access.
#define CAPBOX_MEMFAULT_RECORD                      \
  ".pushsection capbox_memfault,\"a\",@progbits\n" \
  ".balign 4\n"                                    \
  ".long 1b - .\n"                                 \
  ".long 2f - .\n"                                 \
  ".long %c[delta]\n"                              \
  ".popsection\n"                                  \
  ".pushsection .rodata.capbox_memfault_reg,\"a\"\n" \
  "2: .asciz \"%[pc]\"\n"                          \
  ".popsection\n"

// The access is a memory operand, so the compiler folds mem + ea into the
// addressing mode; may_alias because guest bytes have no C++ type.
template <typename T>
using GuestCell [[gnu::may_alias]] = T;

template <typename T, int Delta = 0>
inline T guarded_load(const uint8_t* p, const uint32_t* pc) {
  const auto& cell = *reinterpret_cast<const GuestCell<T>*>(p);
  if constexpr (sizeof(T) == 1) {
    uint32_t w;
    asm volatile("1: movzbl %[m], %[w]\n" CAPBOX_MEMFAULT_RECORD
                 : [w] "=r"(w)
                 : [m] "m"(cell), [pc] "r"(pc), [delta] "i"(Delta));
    return static_cast<T>(w);
  } else if constexpr (sizeof(T) == 2) {
    uint32_t w;
    asm volatile("1: movzwl %[m], %[w]\n" CAPBOX_MEMFAULT_RECORD
                 : [w] "=r"(w)
                 : [m] "m"(cell), [pc] "r"(pc), [delta] "i"(Delta));
    return static_cast<T>(w);
  } else {
    T v;
    asm volatile("1: mov %[m], %[v]\n" CAPBOX_MEMFAULT_RECORD
                 : [v] "=r"(v)
                 : [m] "m"(cell), [pc] "r"(pc), [delta] "i"(Delta));
    return v;
  }
}

template <typename T, int Delta = 0>
inline void guarded_store(uint8_t* p, T value, const uint32_t* pc) {
  auto& cell = *reinterpret_cast<GuestCell<T>*>(p);
  asm volatile("1: mov %[v], %[m]\n" CAPBOX_MEMFAULT_RECORD
               : [m] "=m"(cell)
               : [v] "r"(value), [pc] "r"(pc), [delta] "i"(Delta));
}

#endif  // CAPBOX_GUARD_PAGES

}  // namespace capbox::engine
