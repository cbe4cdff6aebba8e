// SPDX-License-Identifier: Apache-2.0
// Helpers shared by the embedding API tests: WAT to a loaded module, an
// instance, Extern wrappers and checked calls. Test-only; uses engine.h.
#pragma once

#include <doctest/doctest.h>

#include <bit>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "engine/engine.h"
#include "wat.h"

namespace capbox::engine::api_test {

using testing::wat_to_wasm;

inline Value f64(double d) {
  return Value::f64_bits(std::bit_cast<uint64_t>(d));
}

inline double as_f64(const Value& v) {
  return std::bit_cast<double>(v.bits);
}

inline std::shared_ptr<const CompiledModule> load(
    std::string_view wat,
    const LoadOptions& options = {}) {
  std::vector<uint8_t> bytes = wat_to_wasm(wat);
  REQUIRE_MESSAGE(!bytes.empty(), "wat2wasm failed");
  auto loaded = load_module(bytes, options);
  REQUIRE_MESSAGE(loaded.has_value(),
                  (loaded ? "" : loaded.error().describe()));
  return *loaded;
}

inline Instance* instantiate(Store& store,
                             std::string_view wat,
                             const Imports& imports = {}) {
  auto result = store.instantiate(load(wat), imports);
  REQUIRE_MESSAGE(result.has_value(), (result ? "" : result.error().message));
  return *result;
}

inline Extern make_extern(FuncInst* f) {
  Extern e;
  e.kind = ExternKind::Func;
  e.func = f;
  return e;
}
inline Extern make_extern(MemoryInst* m) {
  Extern e;
  e.kind = ExternKind::Memory;
  e.memory = m;
  return e;
}
inline Extern make_extern(TableInst* t) {
  Extern e;
  e.kind = ExternKind::Table;
  e.table = t;
  return e;
}
inline Extern make_extern(GlobalInst* g) {
  Extern e;
  e.kind = ExternKind::Global;
  e.global = g;
  return e;
}

inline FuncInst* export_func(Store& store,
                             Instance* inst,
                             std::string_view name) {
  auto e = store.find_export(inst, name);
  REQUIRE(e.has_value());
  REQUIRE(e->kind == ExternKind::Func);
  return e->func;
}

// Calls export `name` and expects success; returns its results.
inline std::vector<Value> call_export(Store& store,
                                      Instance* inst,
                                      std::string_view name,
                                      std::vector<Value> args) {
  auto result = store.call(export_func(store, inst, name), args);
  REQUIRE_MESSAGE(result.has_value(),
                  (result ? "" : result.error().describe()));
  return *result;
}

// Calls export `name` and expects a trap; returns it.
inline Trap call_export_trap(Store& store,
                             Instance* inst,
                             std::string_view name,
                             std::vector<Value> args) {
  auto result = store.call(export_func(store, inst, name), args);
  REQUIRE_FALSE(result.has_value());
  return result.error();
}

// Calls and expects success with exactly one result.
inline Value call1(Store& store, FuncInst* f, std::vector<Value> args) {
  auto result = store.call(f, args);
  REQUIRE_MESSAGE(result.has_value(),
                  (result ? "" : result.error().describe()));
  REQUIRE(result->size() == 1);
  return (*result)[0];
}

inline std::string instantiate_error(Store& store,
                                     std::string_view wat,
                                     const Imports& imports,
                                     InstantiateError::Kind kind) {
  auto result = store.instantiate(load(wat), imports);
  REQUIRE_FALSE(result.has_value());
  CHECK(result.error().kind == kind);
  return result.error().message;
}

inline constexpr std::string_view kTableUser = R"(
  (module
    (type $ret (func (result i32)))
    (table (import "env" "tab") 1 funcref)
    (func (export "call") (param i32) (result i32)
      (call_indirect (type $ret) (local.get 0))))
)";

}  // namespace capbox::engine::api_test
