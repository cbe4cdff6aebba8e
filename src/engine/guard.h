// SPDX-License-Identifier: Apache-2.0
// Guard-page support for linear memory (see mem_access.h for the design):
// the memory reservations, and the SIGSEGV handler that turns a fault of a
// guarded access into a trap with the exact interpreter pc. Knows nothing
// of the interpreter's internals: it calls back through FaultTarget.
#pragma once

#include <csetjmp>
#include <cstdint>

#include "engine/mem_access.h"

namespace capbox::engine::guard {

// Address space one memory reserves: any 32-bit address plus any 32-bit
// offset plus an 8-byte access stays inside it.
inline constexpr uint64_t kReservation = (8ull << 30) + (64ull << 10);

// Records a reservation so that faults inside it are recognised; false if
// the registry is full (the caller then cannot use guard pages for it).
// Async-signal-safe readers; writers are the store's thread.
bool add_reservation(const uint8_t* base);
void remove_reservation(const uint8_t* base);

// Makes the process-wide SIGSEGV handler ours, unless it already is (one
// sigaction query). Chains to the handler that was there before for faults
// that are not guest accesses. Called before each run of the interpreter,
// so a handler installed later by the embedder does not swallow traps.
void install_handler();

// What a running interpreter arms on its thread. On a guest fault the
// handler sets `pc`, calls `capture(this)` (still on the faulting stack, so
// the interpreter's frame is intact) and siglongjmps to `jump`.
struct FaultTarget {
  sigjmp_buf jump;
  const uint32_t* pc = nullptr;
  void* context = nullptr;  // the interpreter's, for capture
  void (*capture)(FaultTarget* target) = nullptr;
};

// The thread's armed target, or nullptr.
FaultTarget*& current_target();

}  // namespace capbox::engine::guard
