// SPDX-License-Identifier: Apache-2.0
// The interpreter: runs compiled code on its own value and call stacks, so
// guest recursion never grows the host stack. Knows nothing of WASI.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>

#include "engine/trap.h"

namespace capbox::engine {

struct FuncInst;

struct ExecutorLimits {
  uint64_t value_stack_slots = uint64_t{1} << 21;  // 16 MiB of 8-byte slots
  uint32_t max_call_depth = 100000;
  uint64_t fuel = 0;  // 0: unlimited; see StoreLimits::fuel
};

class Executor {
 public:
  explicit Executor(const ExecutorLimits& limits = {});
  ~Executor();
  Executor(const Executor&) = delete;
  Executor& operator=(const Executor&) = delete;

  // Calls `func` (wasm or host). `slots` holds the arguments on entry and
  // the results on return (room for max(params, results) slots). Returns
  // the trap, with its location filled in, if the call trapped.
  std::optional<Trap> invoke(FuncInst* func, uint64_t* slots);
  void set_limits(const ExecutorLimits& limits);
  // Fuel every invoke so far used up (counted only in metered code).
  uint64_t fuel_consumed() const;

  struct State;  // defined in interp.cc

 private:
  std::unique_ptr<State> state_;
};

}  // namespace capbox::engine
