// SPDX-License-Identifier: Apache-2.0
// Internal to the engine's runtime: what a Store owns, shared by store.cc
// (the embedding API), instance.cc (instantiation) and const_expr.cc. Not
// for embedders; they see only engine.h.
#pragma once

#include <memory>
#include <optional>
#include <vector>

#include "base/result.h"
#include "engine/engine.h"
#include "engine/interp.h"
#include "engine/runtime.h"

namespace capbox::engine {

// Every runtime object of one store; pointers handed out stay valid until
// the store is destroyed.
struct StoreState {
  StoreLimits limits;
  Executor executor;
  std::vector<std::unique_ptr<FuncType>> host_types;
  std::vector<std::unique_ptr<FuncInst>> funcs;
  std::vector<std::unique_ptr<TableInst>> tables;
  std::vector<std::unique_ptr<MemoryInst>> memories;
  std::vector<std::unique_ptr<GlobalInst>> globals;
  std::vector<std::unique_ptr<Instance>> instances;

  // nullptr when the limits (the store's or the engine's) cannot be met.
  MemoryInst* new_memory(const MemoryType& type);
  TableInst* new_table(const TableType& type, uint64_t init_ref);
};

// The engine's own cap on table size when the store sets none, so a guest
// cannot make the host allocate tens of gigabytes of table.
inline constexpr uint64_t kDefaultMaxTableElements = 10'000'000;

Result<Instance*, InstantiateError> instantiate_module(
    StoreState& store,
    std::shared_ptr<const CompiledModule> module,
    const Imports& imports);

// Evaluates a validated constant expression in `instance`, whose function
// space is complete and whose globals are those initialised so far.
// nullopt only if the expression is not one the validator accepts. The
// value is its low 64 bits; `v128_hi`, if given, receives the high ones.
std::optional<uint64_t> eval_const_expr(const Module& module,
                                        const ConstExpr& expr,
                                        const Instance& instance,
                                        uint64_t* v128_hi = nullptr);

inline uint64_t ref_bits(const FuncInst* func) {
  return reinterpret_cast<uintptr_t>(func);
}

}  // namespace capbox::engine
