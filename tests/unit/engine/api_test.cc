// SPDX-License-Identifier: Apache-2.0
// The embedding API end to end, through engine.h only: loading, host
// functions and globals, memories and tables with their limits, host memory
// views, checked calls and fuel. Linking and segments: api_link_test.cc.
#include <doctest/doctest.h>

#include <cstring>
#include <string>

#include "api_helpers.h"
#include "engine/engine.h"

namespace capbox::engine {

using namespace api_test;  // NOLINT: test helpers

TEST_CASE("LoadError::describe spells kind, offset and message") {
  LoadError malformed{LoadError::Kind::Malformed, 0x1f, "unexpected end"};
  CHECK(malformed.describe() == "malformed module at 0x1f: unexpected end");
  LoadError invalid{LoadError::Kind::Invalid, 0x2a, "type mismatch"};
  CHECK(invalid.describe() == "invalid module at 0x2a: type mismatch");
}

TEST_CASE("load_module reports malformed and invalid modules") {
  const uint8_t garbage[] = {'n', 'o', 'p', 'e', 1, 0, 0, 0};
  auto bad = load_module(garbage);
  REQUIRE_FALSE(bad.has_value());
  CHECK(bad.error().kind == LoadError::Kind::Malformed);
  CHECK(bad.error().describe().rfind("malformed module at 0x", 0) == 0);

  auto bytes = wat_to_wasm("(module (func (result i32) (i64.const 1)))",
                           /*validate=*/false);
  REQUIRE_FALSE(bytes.empty());
  auto invalid = load_module(bytes);
  REQUIRE_FALSE(invalid.has_value());
  CHECK(invalid.error().kind == LoadError::Kind::Invalid);
  CHECK(invalid.error().describe().rfind("invalid module at 0x", 0) == 0);
  CHECK(invalid.error().message == "type mismatch");
}

TEST_CASE("module_of exposes the decoded module") {
  auto compiled = load(R"((module (func (export "f")) (memory 1)))");
  const Module& m = module_of(*compiled);
  CHECK(m.functions.size() == 1);
  CHECK(m.memories.size() == 1);
  REQUIRE(m.exports.size() == 1);
  CHECK(m.exports[0].name == "f");
}

TEST_CASE("imported host function is called with its arguments") {
  Store store;
  int calls = 0;
  Instance* caller = nullptr;
  FuncInst* add1 = store.create_host_function(
      {{ValType::I32}, {ValType::I32}},
      [&](HostCall& call, const uint64_t* args, uint64_t* results) {
        ++calls;
        caller = call.caller();
        results[0] = static_cast<uint32_t>(args[0] + 1);
        return std::optional<Trap>();
      });
  CHECK(Store::type_of(add1).params.size() == 1);
  Imports imports;
  imports.define("env", "add1", make_extern(add1));
  Instance* inst = instantiate(store, R"(
    (module
      (import "env" "add1" (func $add1 (param i32) (result i32)))
      (func (export "run") (param i32) (result i32)
        (i32.mul (call $add1 (local.get 0)) (i32.const 2))))
  )",
                               imports);
  Value v = call1(store, export_func(store, inst, "run"), {Value::i32(20)});
  CHECK(v.type == ValType::I32);
  CHECK(v.bits == 42);
  CHECK(calls == 1);
  CHECK(caller == inst);

  // Re-exported imports are the same function object.
  auto direct = store.call(add1, std::vector<Value>{Value::i32(0xffffffff)});
  REQUIRE(direct.has_value());
  CHECK((*direct)[0].bits == 0);
}

TEST_CASE("host function trap propagates with its message") {
  Store store;
  FuncInst* fail = store.create_host_function(
      {{}, {}}, [](HostCall&, const uint64_t*, uint64_t*) {
        Trap trap;
        trap.kind = TrapKind::HostError;
        trap.message = "boom";
        return std::optional<Trap>(trap);
      });
  Imports imports;
  imports.define("env", "fail", make_extern(fail));
  Instance* inst = instantiate(store, R"(
    (module
      (import "env" "fail" (func $fail))
      (func (export "run") (call $fail)))
  )",
                               imports);
  auto result = store.call(export_func(store, inst, "run"), {});
  REQUIRE_FALSE(result.has_value());
  CHECK(result.error().kind == TrapKind::HostError);
  CHECK(result.error().message == "boom");
}

TEST_CASE("imported globals are read, written and used in initialisers") {
  Store store;
  GlobalInst* base =
      store.create_global({ValType::I32, Mutability::Const}, Value::i32(40));
  GlobalInst* counter =
      store.create_global({ValType::I64, Mutability::Var}, Value::i64(7));
  Imports imports;
  imports.define("env", "base", make_extern(base));
  imports.define("env", "counter", make_extern(counter));
  Instance* inst = instantiate(store, R"(
    (module
      (global $base (import "env" "base") i32)
      (global $counter (import "env" "counter") (mut i64))
      (global (export "copy") i32 (global.get $base))
      (global (export "f") f64 (f64.const -0.5))
      (func (export "bump")
        (global.set $counter
          (i64.add (global.get $counter) (i64.const 1)))))
  )",
                               imports);
  auto copy = store.find_export(inst, "copy");
  REQUIRE(copy.has_value());
  REQUIRE(copy->kind == ExternKind::Global);
  CHECK(Store::global_value(copy->global).bits == 40);
  auto f = store.find_export(inst, "f");
  REQUIRE(f.has_value());
  CHECK(Store::global_value(f->global).type == ValType::F64);
  CHECK(Store::global_value(f->global).bits == 0xbfe0000000000000);

  REQUIRE(store.call(export_func(store, inst, "bump"), {}).has_value());
  CHECK(Store::global_value(counter).bits == 8);
}

// may_fail: needs the validator to accept extended-const expressions.
TEST_CASE("extended constant expressions" * doctest::may_fail()) {
  Store store;
  GlobalInst* base =
      store.create_global({ValType::I32, Mutability::Const}, Value::i32(40));
  MemoryInst* mem = store.create_memory({{1, {}}});
  REQUIRE(mem != nullptr);
  Imports imports;
  imports.define("env", "base", make_extern(base));
  imports.define("env", "mem", make_extern(mem));
  Instance* inst = instantiate(store, R"(
    (module
      (global $base (import "env" "base") i32)
      (memory (import "env" "mem") 1)
      (global $sum (export "sum") i32
        (i32.add (global.get $base) (i32.const 2)))
      (global (export "wrap") i32
        (i32.sub (i32.const 0) (global.get $base)))
      (global (export "prod") i64 (i64.mul (i64.const -3) (i64.const 5)))
      (data (i32.add (i32.const 60000) (i32.const 5000)) "end"))
  )",
                               imports);
  CHECK(Store::global_value(store.find_export(inst, "sum")->global).bits == 42);
  CHECK(Store::global_value(store.find_export(inst, "wrap")->global).bits ==
        uint32_t(-40));
  CHECK(Store::global_value(store.find_export(inst, "prod")->global).bits ==
        uint64_t(-15));
  auto end = Store::memory_view(mem).bytes(65000, 3);
  REQUIRE(end.has_value());
  CHECK(std::memcmp(end->data(), "end", 3) == 0);
}

TEST_CASE("funcref global and element expressions resolve to functions") {
  Store store;
  Instance* inst = instantiate(store, R"(
    (module
      (func $f (export "f") (result i32) (i32.const 7))
      (global (export "g") funcref (ref.func $f))
      (global (export "n") funcref (ref.null func)))
  )");
  FuncInst* f = export_func(store, inst, "f");
  auto g = store.find_export(inst, "g");
  REQUIRE(g.has_value());
  CHECK(Store::global_value(g->global).type == ValType::FuncRef);
  CHECK(Store::global_value(g->global).bits == reinterpret_cast<uintptr_t>(f));
  auto n = store.find_export(inst, "n");
  REQUIRE(n.has_value());
  CHECK(Store::global_value(n->global).bits == 0);
}

TEST_CASE("imported memory receives data segments") {
  Store store;
  MemoryInst* mem = store.create_memory({{1, 2}});
  REQUIRE(mem != nullptr);
  CHECK(Store::memory_pages(mem) == 1);
  Imports imports;
  imports.define("env", "mem", make_extern(mem));
  Instance* inst = instantiate(store, R"(
    (module
      (memory (import "env" "mem") 1)
      (data (i32.const 16) "hello")
      (data (i32.const 65533) "end")
      (func (export "load8") (param i32) (result i32)
        (i32.load8_u (local.get 0))))
  )",
                               imports);
  GuestMemory view = Store::memory_view(mem);
  CHECK(view.size() == 65536);
  auto hello = view.bytes(16, 5);
  REQUIRE(hello.has_value());
  CHECK(std::memcmp(hello->data(), "hello", 5) == 0);
  auto end = view.bytes(65533, 3);
  REQUIRE(end.has_value());
  CHECK(std::memcmp(end->data(), "end", 3) == 0);
  CHECK(
      call1(store, export_func(store, inst, "load8"), {Value::i32(17)}).bits ==
      'e');
}

TEST_CASE("passive segments stay available, dropped ones do not") {
  Store store;
  Instance* inst = instantiate(store, R"(
    (module
      (memory (export "mem") 1)
      (data $p "xyz")
      (data (i32.const 0) "a")
      (func (export "init") (param i32)
        (memory.init $p (local.get 0) (i32.const 0) (i32.const 3)))
      (func (export "init_active")
        (memory.init 1 (i32.const 0) (i32.const 0) (i32.const 1))))
  )");
  FuncInst* init = export_func(store, inst, "init");
  REQUIRE(store.call(init, std::vector<Value>{Value::i32(100)}).has_value());
  auto mem = store.find_export(inst, "mem");
  REQUIRE(mem.has_value());
  auto bytes = Store::memory_view(mem->memory).bytes(100, 3);
  REQUIRE(bytes.has_value());
  CHECK(std::memcmp(bytes->data(), "xyz", 3) == 0);
  // An active segment is dropped once applied: memory.init of it traps.
  auto dropped = store.call(export_func(store, inst, "init_active"), {});
  REQUIRE_FALSE(dropped.has_value());
  CHECK(dropped.error().kind == TrapKind::MemoryOutOfBounds);
}

TEST_CASE("memory.grow obeys the declared max and the store limit") {
  constexpr std::string_view kGrower = R"(
    (module
      (memory (export "mem") 1)
      (func (export "grow") (param i32) (result i32)
        (memory.grow (local.get 0)))
      (func (export "poke") (param i32)
        (i32.store8 (local.get 0) (i32.const 1))))
  )";
  Store store;
  StoreLimits limits;
  limits.max_memory_pages = 3;
  store.set_limits(limits);
  Instance* inst = instantiate(store, kGrower);
  FuncInst* grow = export_func(store, inst, "grow");
  FuncInst* poke = export_func(store, inst, "poke");
  MemoryInst* mem = store.find_export(inst, "mem")->memory;
  CHECK(call1(store, grow, {Value::i32(0)}).bits == 1);
  auto oob = store.call(poke, std::vector<Value>{Value::i32(65536)});
  REQUIRE_FALSE(oob.has_value());
  CHECK(oob.error().kind == TrapKind::MemoryOutOfBounds);

  CHECK(call1(store, grow, {Value::i32(2)}).bits == 1);
  CHECK(Store::memory_pages(mem) == 3);
  CHECK(Store::memory_view(mem).size() == 3 * 65536);
  CHECK(store.call(poke, std::vector<Value>{Value::i32(3 * 65536 - 1)})
            .has_value());
  CHECK(store.memory_grows_refused_by_limit() == 0);
  CHECK(call1(store, grow, {Value::i32(1)}).bits == 0xffffffff);
  CHECK(store.memory_grows_refused_by_limit() == 1);
  CHECK(call1(store, grow, {Value::i32(0)}).bits == 3);
  CHECK(Store::memory_pages(mem) == 3);
  // Beyond 4 GiB the declared max refuses, not the store's limit.
  CHECK(call1(store, grow, {Value::i32(70000)}).bits == 0xffffffff);
  CHECK(store.memory_grows_refused_by_limit() == 1);

  // Over the limit at creation: refused.
  CHECK(store.create_memory({{4, {}}}) == nullptr);
  auto big = store.instantiate(load("(module (memory 4))"), {});
  REQUIRE_FALSE(big.has_value());
}

TEST_CASE("memory without a max grows within 4 GiB; declared max holds") {
  Store store;
  MemoryInst* mem = store.create_memory({{0, {}}});
  REQUIRE(mem != nullptr);
  CHECK(Store::memory_pages(mem) == 0);
  CHECK(Store::memory_view(mem).size() == 0);
  CHECK_FALSE(Store::memory_view(mem).contains(0, 1));

  Instance* inst = instantiate(store, R"(
    (module
      (memory 0 2)
      (func (export "grow") (param i32) (result i32)
        (memory.grow (local.get 0))))
  )");
  FuncInst* grow = export_func(store, inst, "grow");
  CHECK(call1(store, grow, {Value::i32(3)}).bits == 0xffffffff);
  CHECK(call1(store, grow, {Value::i32(2)}).bits == 0);
  CHECK(call1(store, grow, {Value::i32(1)}).bits == 0xffffffff);
  CHECK(call1(store, grow, {Value::i32(0)}).bits == 2);
  CHECK(call1(store, grow, {Value::i32(0xffffffff)}).bits == 0xffffffff);
}

TEST_CASE("table.grow obeys the store limit") {
  Store store;
  StoreLimits limits;
  limits.max_table_elements = 5;
  store.set_limits(limits);
  Instance* inst = instantiate(store, R"(
    (module
      (table 2 funcref)
      (func (export "grow") (param i32) (result i32)
        (table.grow 0 (ref.null func) (local.get 0))))
  )");
  FuncInst* grow = export_func(store, inst, "grow");
  CHECK(call1(store, grow, {Value::i32(3)}).bits == 2);
  CHECK(call1(store, grow, {Value::i32(1)}).bits == 0xffffffff);
  CHECK(call1(store, grow, {Value::i32(0xfffffff0)}).bits == 0xffffffff);
  CHECK(call1(store, grow, {Value::i32(0)}).bits == 5);
  CHECK(store.create_table({ValType::FuncRef, {6, {}}}) == nullptr);
}

TEST_CASE("host function gets a checked view of the caller's memory") {
  Store store;
  FuncInst* sum = store.create_host_function(
      {{ValType::I32, ValType::I32}, {ValType::I32}},
      [](HostCall& call, const uint64_t* args, uint64_t* results) {
        auto bytes = call.memory().bytes(static_cast<uint32_t>(args[0]),
                                         static_cast<uint32_t>(args[1]));
        if (!bytes) {
          results[0] = 0xffffffff;
          return std::optional<Trap>();
        }
        uint32_t total = 0;
        for (uint8_t b : *bytes)
          total += b;
        results[0] = total;
        return std::optional<Trap>();
      });
  Imports imports;
  imports.define("env", "sum", make_extern(sum));
  Instance* inst = instantiate(store, R"(
    (module
      (import "env" "sum" (func $sum (param i32 i32) (result i32)))
      (memory 1)
      (data (i32.const 8) "\01\02\03")
      (data (i32.const 65534) "\05\06")
      (func (export "sum") (param i32 i32) (result i32)
        (call $sum (local.get 0) (local.get 1))))
  )",
                               imports);
  FuncInst* f = export_func(store, inst, "sum");
  CHECK(call1(store, f, {Value::i32(8), Value::i32(3)}).bits == 6);
  CHECK(call1(store, f, {Value::i32(65534), Value::i32(2)}).bits == 11);
  CHECK(call1(store, f, {Value::i32(65535), Value::i32(2)}).bits == 0xffffffff);
  CHECK(call1(store, f, {Value::i32(0xffffffff), Value::i32(2)}).bits ==
        0xffffffff);

  // Called directly by the embedder: no caller, an empty view.
  FuncInst* probe = store.create_host_function(
      {{}, {ValType::I32}},
      [](HostCall& call, const uint64_t*, uint64_t* results) {
        results[0] = call.caller() == nullptr && call.memory().size() == 0;
        return std::optional<Trap>();
      });
  CHECK(call1(store, probe, {}).bits == 1);
}

TEST_CASE("call checks argument count and types") {
  Store store;
  Instance* inst = instantiate(store, R"(
    (module
      (func (export "f") (param i32 f64) (result i64 f32)
        (i64.extend_i32_u (local.get 0)) (f32.demote_f64 (local.get 1))))
  )");
  FuncInst* f = export_func(store, inst, "f");
  CHECK(Store::type_of(f).results.size() == 2);

  auto few = store.call(f, std::vector<Value>{Value::i32(1)});
  REQUIRE_FALSE(few.has_value());
  CHECK(few.error().kind == TrapKind::HostError);
  CHECK(few.error().message.find("count") != std::string::npos);

  auto wrong =
      store.call(f, std::vector<Value>{Value::i64(1), Value::f64_bits(0)});
  REQUIRE_FALSE(wrong.has_value());
  CHECK(wrong.error().kind == TrapKind::HostError);
  CHECK(wrong.error().message.find("expected i32, got i64") !=
        std::string::npos);

  uint64_t two;
  double d = 2.0;
  std::memcpy(&two, &d, 8);
  auto ok = store.call(
      f, std::vector<Value>{Value::i32(0xfffffffe), Value::f64_bits(two)});
  REQUIRE_MESSAGE(ok.has_value(), (ok ? "" : ok.error().describe()));
  REQUIRE(ok->size() == 2);
  CHECK((*ok)[0].type == ValType::I64);
  CHECK((*ok)[0].bits == 0xfffffffe);
  CHECK((*ok)[1].type == ValType::F32);
  CHECK((*ok)[1].bits == 0x40000000);  // 2.0f
}

TEST_CASE("find_export finds each kind and nothing else") {
  Store store;
  Instance* inst = instantiate(store, R"(
    (module
      (func (export "f"))
      (table (export "t") 1 funcref)
      (memory (export "m") 1)
      (global (export "g") i32 (i32.const 3)))
  )");
  CHECK(store.find_export(inst, "f")->kind == ExternKind::Func);
  CHECK(store.find_export(inst, "t")->kind == ExternKind::Table);
  CHECK(store.find_export(inst, "m")->kind == ExternKind::Memory);
  CHECK(store.find_export(inst, "g")->kind == ExternKind::Global);
  CHECK_FALSE(store.find_export(inst, "x").has_value());
  CHECK_FALSE(store.find_export(inst, "F").has_value());
}

TEST_CASE("each instantiation gets its own memory") {
  Store store;
  auto compiled =
      load(R"((module (memory (export "m") 1) (data (i32.const 0) "q")))");
  auto a = store.instantiate(compiled, {});
  auto b = store.instantiate(compiled, {});
  REQUIRE(a.has_value());
  REQUIRE(b.has_value());
  MemoryInst* ma = store.find_export(*a, "m")->memory;
  MemoryInst* mb = store.find_export(*b, "m")->memory;
  CHECK(ma != mb);
  REQUIRE(Store::memory_view(ma).store<uint8_t>(0, 'z'));
  CHECK(Store::memory_view(mb).load<uint8_t>(0) == uint8_t{'q'});
}

TEST_CASE("call_indirect across modules compares types structurally") {
  Store store;
  TableInst* table = store.create_table({ValType::FuncRef, {2, {}}});
  Imports imports;
  imports.define("env", "tab", make_extern(table));
  instantiate(store, R"(
    (module
      (type $other (func (param i64)))
      (type $ret (func (result i32)))
      (table (import "env" "tab") 2 funcref)
      (func $a (type $ret) (i32.const 1))
      (func $b (type $other))
      (elem (i32.const 0) $a $b))
  )",
              imports);
  Instance* user = instantiate(store, kTableUser, imports);
  FuncInst* call = export_func(store, user, "call");
  CHECK(call1(store, call, {Value::i32(0)}).bits == 1);
  auto mismatch = store.call(call, std::vector<Value>{Value::i32(1)});
  REQUIRE_FALSE(mismatch.has_value());
  CHECK(mismatch.error().kind == TrapKind::IndirectCallTypeMismatch);
}

TEST_CASE("fuel limit stops an endless loop") {
  Store store;
  StoreLimits limits;
  limits.fuel = 10000;
  store.set_limits(limits);
  LoadOptions metered;
  metered.fuel_metering = true;
  auto module = load(R"(
    (module (func (export "spin") (loop $l (br $l))))
  )",
                     metered);
  auto inst = store.instantiate(module, {});
  REQUIRE(inst.has_value());
  auto result = store.call(export_func(store, *inst, "spin"), {});
  REQUIRE_FALSE(result.has_value());
  CHECK(result.error().kind == TrapKind::OutOfFuel);
  // Blamed on the loop: its 0x03 0x40 comes before br 0 (0x0c 0x00) and
  // the two ends, the last six bytes of a module without a name section.
  const std::vector<uint8_t> wasm = wat_to_wasm(R"(
    (module (func (export "spin") (loop $l (br $l))))
  )");
  REQUIRE_FALSE(result.error().backtrace.empty());
  CHECK(result.error().backtrace[0].offset == wasm.size() - 6);
}

TEST_CASE("fuel is counted only in modules loaded with metering") {
  constexpr std::string_view kCounter = R"(
    (module
      (func (export "count") (param i32) (result i32)
        (local i32)
        (loop $l
          (local.set 1 (i32.add (local.get 1) (i32.const 1)))
          (br_if $l (i32.lt_u (local.get 1) (local.get 0))))
        (local.get 1)))
  )";
  Store store;
  StoreLimits limits;
  limits.fuel = 1000;
  store.set_limits(limits);
  Instance* plain = instantiate(store, kCounter);
  CHECK(call1(store, export_func(store, plain, "count"), {Value::i32(5000)})
            .bits == 5000);

  LoadOptions metered;
  metered.fuel_metering = true;
  auto inst = store.instantiate(load(kCounter, metered), {});
  REQUIRE(inst.has_value());
  FuncInst* count = export_func(store, *inst, "count");
  CHECK(call1(store, count, {Value::i32(100)}).bits == 100);
  auto result = store.call(count, std::vector<Value>{Value::i32(5000)});
  REQUIRE_FALSE(result.has_value());
  CHECK(result.error().kind == TrapKind::OutOfFuel);
  // The budget is per call: a small call succeeds again afterwards.
  CHECK(call1(store, count, {Value::i32(100)}).bits == 100);
}

}  // namespace capbox::engine
