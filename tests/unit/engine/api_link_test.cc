// SPDX-License-Identifier: Apache-2.0
// The embedding API's instantiation, through engine.h only: linking
// imports (and naming the ones that fail), element and data segments and
// their traps (earlier writes stay), the start function.
#include <doctest/doctest.h>

#include <cstring>
#include <string>

#include "api_helpers.h"
#include "engine/engine.h"

namespace capbox::engine {

using namespace api_test;  // NOLINT: test helpers

TEST_CASE("imported table is filled by element segments") {
  Store store;
  TableInst* table = store.create_table({ValType::FuncRef, {4, {}}});
  REQUIRE(table != nullptr);
  Imports imports;
  imports.define("env", "tab", make_extern(table));
  instantiate(store, R"(
    (module
      (table (import "env" "tab") 2 funcref)
      (func $a (result i32) (i32.const 10))
      (func $b (result i32) (i32.const 20))
      (elem (i32.const 1) $a $b))
  )",
              imports);
  Instance* user = instantiate(store, kTableUser, imports);
  FuncInst* call = export_func(store, user, "call");
  CHECK(call1(store, call, {Value::i32(1)}).bits == 10);
  CHECK(call1(store, call, {Value::i32(2)}).bits == 20);
  auto empty = store.call(call, std::vector<Value>{Value::i32(0)});
  REQUIRE_FALSE(empty.has_value());
  CHECK(empty.error().kind == TrapKind::UninitializedElement);
}

TEST_CASE("missing imports are unlinkable and named") {
  Store store;
  std::string message =
      instantiate_error(store, R"((module (import "env" "missing" (func))))",
                        {}, InstantiateError::Kind::Unlinkable);
  CHECK(message == "unknown import \"env\" \"missing\"");
}

TEST_CASE("incompatible imports are unlinkable and say what differs") {
  Store store;
  FuncInst* f = store.create_host_function(
      {{ValType::I64}, {}}, [](HostCall&, const uint64_t*, uint64_t*) {
        return std::optional<Trap>();
      });
  MemoryInst* mem = store.create_memory({{1, 3}});
  TableInst* table = store.create_table({ValType::FuncRef, {1, {}}});
  GlobalInst* global =
      store.create_global({ValType::I32, Mutability::Const}, Value::i32(0));
  REQUIRE(mem != nullptr);
  REQUIRE(table != nullptr);
  Imports imports;
  imports.define("m", "f", make_extern(f));
  imports.define("m", "mem", make_extern(mem));
  imports.define("m", "tab", make_extern(table));
  imports.define("m", "g", make_extern(global));
  using Kind = InstantiateError::Kind;

  SUBCASE("function type") {
    std::string message = instantiate_error(
        store, R"((module (import "m" "f" (func (param i32)))))", imports,
        Kind::Unlinkable);
    CHECK(message.rfind("incompatible import type for \"m\" \"f\"", 0) == 0);
    CHECK(message.find("(param i32)") != std::string::npos);
    CHECK(message.find("(param i64)") != std::string::npos);
  }
  SUBCASE("wrong kind") {
    std::string message =
        instantiate_error(store, R"((module (import "m" "mem" (func))))",
                          imports, Kind::Unlinkable);
    CHECK(message.rfind("incompatible import type for \"m\" \"mem\"", 0) == 0);
    CHECK(message.find("memory") != std::string::npos);
  }
  SUBCASE("memory max larger than declared") {
    std::string message =
        instantiate_error(store, R"((module (import "m" "mem" (memory 1 2))))",
                          imports, Kind::Unlinkable);
    CHECK(message.rfind("incompatible import type for \"m\" \"mem\"", 0) == 0);
  }
  SUBCASE("memory min larger than actual") {
    instantiate_error(store, R"((module (import "m" "mem" (memory 2))))",
                      imports, Kind::Unlinkable);
  }
  SUBCASE("table without max where one is declared") {
    instantiate_error(store,
                      R"((module (import "m" "tab" (table 1 5 funcref))))",
                      imports, Kind::Unlinkable);
  }
  SUBCASE("table element type") {
    instantiate_error(store,
                      R"((module (import "m" "tab" (table 1 externref))))",
                      imports, Kind::Unlinkable);
  }
  SUBCASE("global mutability") {
    std::string message = instantiate_error(
        store, R"((module (import "m" "g" (global (mut i32)))))", imports,
        Kind::Unlinkable);
    CHECK(message.find("(mut i32)") != std::string::npos);
  }
  SUBCASE("global type") {
    instantiate_error(store, R"((module (import "m" "g" (global i64))))",
                      imports, Kind::Unlinkable);
  }
  SUBCASE("matching imports link") {
    instantiate(store, R"(
      (module
        (import "m" "f" (func (param i64)))
        (import "m" "mem" (memory 1 4))
        (import "m" "tab" (table 0 funcref))
        (import "m" "g" (global i32)))
    )",
                imports);
  }
}

TEST_CASE("out-of-range element segment traps; earlier writes stay") {
  Store store;
  TableInst* table = store.create_table({ValType::FuncRef, {4, {}}});
  REQUIRE(table != nullptr);
  Imports imports;
  imports.define("env", "tab", make_extern(table));
  auto result = store.instantiate(load(R"(
    (module
      (table (import "env" "tab") 4 funcref)
      (func $f (result i32) (i32.const 5))
      (elem (i32.const 0) $f)
      (elem (i32.const 3) $f $f))
  )"),
                                  imports);
  REQUIRE_FALSE(result.has_value());
  CHECK(result.error().kind == InstantiateError::Kind::Trapped);
  CHECK(result.error().trap.kind == TrapKind::TableOutOfBounds);
  CHECK(result.error().message == "out of bounds table access");

  Instance* user = instantiate(store, kTableUser, imports);
  FuncInst* call = export_func(store, user, "call");
  CHECK(call1(store, call, {Value::i32(0)}).bits == 5);
  // The failing segment wrote nothing, not even its in-range first entry.
  auto slot3 = store.call(call, std::vector<Value>{Value::i32(3)});
  REQUIRE_FALSE(slot3.has_value());
  CHECK(slot3.error().kind == TrapKind::UninitializedElement);
}

TEST_CASE("out-of-range data segment traps; earlier writes stay") {
  Store store;
  MemoryInst* mem = store.create_memory({{1, {}}});
  REQUIRE(mem != nullptr);
  Imports imports;
  imports.define("env", "mem", make_extern(mem));
  auto result = store.instantiate(load(R"(
    (module
      (memory (import "env" "mem") 1)
      (data (i32.const 0) "abc")
      (data (i32.const 65535) "de"))
  )"),
                                  imports);
  REQUIRE_FALSE(result.has_value());
  CHECK(result.error().kind == InstantiateError::Kind::Trapped);
  CHECK(result.error().trap.kind == TrapKind::MemoryOutOfBounds);
  GuestMemory view = Store::memory_view(mem);
  CHECK(view.load<uint8_t>(0) == uint8_t{'a'});
  CHECK(view.load<uint8_t>(65535) == uint8_t{0});
}

TEST_CASE("element segments are applied before data segments") {
  // A data segment fails; the element segment before it has been applied.
  Store store;
  TableInst* table = store.create_table({ValType::FuncRef, {1, {}}});
  Imports imports;
  imports.define("env", "tab", make_extern(table));
  auto result = store.instantiate(load(R"(
    (module
      (table (import "env" "tab") 1 funcref)
      (memory 0)
      (func $f (result i32) (i32.const 9))
      (data (i32.const 0) "x")
      (elem (i32.const 0) $f))
  )"),
                                  imports);
  REQUIRE_FALSE(result.has_value());
  CHECK(result.error().trap.kind == TrapKind::MemoryOutOfBounds);
  Instance* user = instantiate(store, R"(
    (module
      (type $ret (func (result i32)))
      (table (import "env" "tab") 1 funcref)
      (func (export "call") (result i32)
        (call_indirect (type $ret) (i32.const 0))))
  )",
                               imports);
  CHECK(call1(store, export_func(store, user, "call"), {}).bits == 9);
}

TEST_CASE("start function runs at instantiation; its trap is reported") {
  Store store;
  Instance* inst = instantiate(store, R"(
    (module
      (global $g (export "g") (mut i32) (i32.const 0))
      (func $start (global.set $g (i32.const 11)))
      (start $start))
  )");
  auto g = store.find_export(inst, "g");
  REQUIRE(g.has_value());
  CHECK(Store::global_value(g->global).bits == 11);

  auto result = store.instantiate(load(R"(
    (module (func $start unreachable) (start $start))
  )"),
                                  {});
  REQUIRE_FALSE(result.has_value());
  CHECK(result.error().kind == InstantiateError::Kind::Trapped);
  CHECK(result.error().trap.kind == TrapKind::Unreachable);
}

}  // namespace capbox::engine
