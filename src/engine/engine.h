// SPDX-License-Identifier: Apache-2.0
// The embedding API: load (decode + validate + compile), instantiate with
// imports, call exports. This is all the WASI layer, the spec runner and the
// CLI use of the engine. Knows nothing of WASI.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "engine/host_api.h"
#include "engine/module.h"
#include "engine/trap.h"

namespace capbox::engine {

struct CompiledModule;
struct FuncInst;
struct TableInst;
struct MemoryInst;
struct GlobalInst;
struct Instance;

// Why a module could not be loaded. Malformed: the bytes are not a
// WebAssembly binary (decode error); Invalid: they are, but do not validate.
struct LoadError {
  enum class Kind : uint8_t { Malformed, Invalid };
  Kind kind = Kind::Malformed;
  uint32_t offset = 0;  // byte offset in the binary
  std::string message;  // the spec's wording, e.g. "unexpected end"
  // "malformed module at 0x1f: unexpected end" (or "invalid module ...").
  std::string describe() const;
};

// Proposals beyond Wasm 2.0 core, each of which can be turned off as in
// wasmtime (-W simd=n ...). A module that uses a disabled one is Invalid,
// with a message that names the flag.
struct Features {
  bool simd = true;
  bool tail_call = true;
  bool extended_const = true;
};

struct LoadOptions {
  // Compile fuel checks in (at function entries and loop heads), so that
  // StoreLimits::fuel bounds the run. Off by default: it costs time.
  bool fuel_metering = false;
  Features features;
  // Compile each function on its first call instead of all up front
  // (validation still covers the whole module). The module's code then
  // grows while it runs: run it from one thread at a time.
  bool lazy_compile = true;
};

// Decodes, validates and compiles. The result can be instantiated many
// times, in any number of stores.
Result<std::shared_ptr<const CompiledModule>, LoadError> load_module(
    std::span<const uint8_t> bytes, const LoadOptions& options = {});
// The same, keeping `bytes` in the module instead of copying them.
Result<std::shared_ptr<const CompiledModule>, LoadError> load_module(
    std::vector<uint8_t>&& bytes, const LoadOptions& options = {});
const Module& module_of(const CompiledModule& compiled);

// A value with its type. `bits`: i32 zero-extended, f32/f64 bit patterns,
// references as Ref bits (0 is null; a funcref is its FuncInst*; an
// externref is any non-zero host-chosen value); a v128's low 64 bits, with
// its high 64 in `hi` (zero for every other type). In the engine's slot
// arrays (arguments, results, frames) a v128 takes two consecutive 8-byte
// slots, low half first.
struct Value {
  ValType type = ValType::I32;
  uint64_t bits = 0;
  uint64_t hi = 0;

  static Value i32(uint32_t v) { return {ValType::I32, v}; }
  static Value i64(uint64_t v) { return {ValType::I64, v}; }
  static Value f32_bits(uint32_t v) { return {ValType::F32, v}; }
  static Value f64_bits(uint64_t v) { return {ValType::F64, v}; }
  static Value null_ref(ValType t) { return {t, 0}; }
  static Value v128(uint64_t lo, uint64_t high) {
    return {ValType::V128, lo, high};
  }
};

struct Extern {
  ExternKind kind = ExternKind::Func;
  union {
    FuncInst* func;
    TableInst* table;
    MemoryInst* memory;
    GlobalInst* global;
    void* any = nullptr;
  };
};

// Import definitions by (module, name).
class Imports {
 public:
  void define(std::string module, std::string name, Extern value);
  std::optional<Extern> find(std::string_view module,
                             std::string_view name) const;

 private:
  std::map<std::pair<std::string, std::string>, Extern, std::less<>> map_;
};

struct InstantiateError {
  // Unlinkable: an import is missing or has the wrong type (message names
  // it). Trapped: a segment did not fit or the start function trapped.
  enum class Kind : uint8_t { Unlinkable, Trapped };
  Kind kind = Kind::Unlinkable;
  std::string message;
  Trap trap;  // kind == Trapped
};

// Limits the embedder sets on a store. Zero means "no limit beyond the
// engine's own".
struct StoreLimits {
  uint64_t max_memory_pages = 0;  // memory.grow fails beyond this
  uint64_t max_table_elements = 0;
  // Instruction budget for each Store::call (counted at function entries
  // and loop iterations, so every unbounded computation pays); running out
  // traps with OutOfFuel. Only modules loaded with
  // LoadOptions::fuel_metering count fuel.
  uint64_t fuel = 0;
};

// Owns every runtime object: instances, functions, tables, memories,
// globals, and the execution stacks. Not thread-safe; one guest thread.
class Store {
 public:
  Store();
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  void set_limits(const StoreLimits& limits);
  // How many memory.grow calls failed only because of
  // StoreLimits::max_memory_pages (the declared maximum would have allowed
  // them), so an embedder can say which limit a guest ran into.
  uint64_t memory_grows_refused_by_limit() const;
  // Fuel all calls so far used (0 unless the module meters fuel), for
  // reports of what a run used.
  uint64_t fuel_consumed() const;

  FuncInst* create_host_function(FuncType type, HostCallback callback);
  // Fails (nullptr) only when the limits cannot be met.
  MemoryInst* create_memory(MemoryType type);
  TableInst* create_table(TableType type, uint64_t init_ref = 0);
  GlobalInst* create_global(GlobalType type, Value init);

  // Links imports, allocates, initialises segments and runs the start
  // function. On a Trapped error, objects already written (tables, memories
  // shared with other instances) keep what was written, as the spec says.
  Result<Instance*, InstantiateError> instantiate(
      std::shared_ptr<const CompiledModule> module, const Imports& imports);

  // Calls a function. Arguments are checked against its type (count and
  // types); a mismatch is a HostError trap that names the problem.
  Result<std::vector<Value>, Trap> call(FuncInst* func,
                                        std::span<const Value> args);

  // Exports of an instance, by name.
  std::optional<Extern> find_export(const Instance* instance,
                                    std::string_view name) const;

  // Inspection helpers for embedders and tests.
  static const FuncType& type_of(const FuncInst* func);
  static Value global_value(const GlobalInst* global);
  static GuestMemory memory_view(MemoryInst* memory);
  static uint64_t memory_pages(const MemoryInst* memory);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace capbox::engine
