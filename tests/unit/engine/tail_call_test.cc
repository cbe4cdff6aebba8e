// SPDX-License-Identifier: Apache-2.0
// Tail calls (return_call, return_call_indirect) and the feature switches
// of LoadOptions, through the embedding API: constant stack use over
// millions of calls, host and cross-instance callees, traps, validation,
// and extended constant expressions.
#include <doctest/doctest.h>

#include "api_helpers.h"

namespace capbox::engine::api_test {
namespace {

// The interpreter allows 100000 frames and 2^21 value slots; ten million
// calls can only finish if a tail call reuses its caller's frame.
constexpr uint64_t kManyCalls = 10'000'000;

Trap call_trap(Store& store, FuncInst* f, std::vector<Value> args) {
  auto result = store.call(f, args);
  REQUIRE_FALSE(result.has_value());
  return result.error();
}

LoadError load_error(std::string_view wat, const LoadOptions& options) {
  std::vector<uint8_t> bytes = wat_to_wasm(wat);
  REQUIRE_MESSAGE(!bytes.empty(), "wat2wasm failed");
  auto loaded = load_module(bytes, options);
  REQUIRE_FALSE(loaded.has_value());
  return loaded.error();
}

// even/odd by mutual tail recursion; `odd` has more parameters and locals
// than `even`, so each call reshapes the frame it takes over.
constexpr std::string_view kEvenOdd = R"((module
  (func $even (export "even") (param $n i64) (result i32)
    (if (result i32) (i64.eqz (local.get $n))
      (then (i32.const 1))
      (else (return_call $odd (i64.sub (local.get $n) (i64.const 1))
                              (i32.const 7) (f64.const 2.5)))))
  (func $odd (param $n i64) (param i32) (param f64) (result i32)
    (local i64 i64 i64 i64 i64)
    (local.set 3 (local.get $n))
    (if (result i32) (i64.eqz (local.get 3))
      (then (i32.const 0))
      (else (return_call $even (i64.sub (local.get $n) (i64.const 1))))))
  (func (export "even_plain") (param $n i64) (result i32)
    (if (result i32) (i64.eqz (local.get $n))
      (then (i32.const 1))
      (else (i32.eqz (call 2 (i64.sub (local.get $n) (i64.const 1))))))))
)";

TEST_CASE("ten million mutually recursive return_calls run in constant stack") {
  Store store;
  Instance* inst = instantiate(store, kEvenOdd);
  FuncInst* even = export_func(store, inst, "even");
  CHECK(call1(store, even, {Value::i64(kManyCalls)}).bits == 1);
  CHECK(call1(store, even, {Value::i64(kManyCalls + 1)}).bits == 0);
  CHECK(call1(store, even, {Value::i64(0)}).bits == 1);
  // The same recursion with plain calls runs out of frames: the limit the
  // tail calls above stayed under.
  Trap trap = call_trap(store, export_func(store, inst, "even_plain"),
                        {Value::i64(kManyCalls)});
  CHECK(trap.kind == TrapKind::CallStackExhausted);
}

TEST_CASE("return_call_indirect loops ten million times through a table") {
  Store store;
  Instance* inst = instantiate(store, R"((module
    (type $t (func (param i32 i64) (result i64)))
    (table funcref (elem $count $done))
    (func $count (param $n i32) (param $acc i64) (result i64)
      (return_call_indirect (type $t)
        (i32.sub (local.get $n) (i32.const 1))
        (i64.add (local.get $acc) (i64.extend_i32_u (local.get $n)))
        (i32.eqz (i32.sub (local.get $n) (i32.const 1)))))
    (func $done (param i32 i64) (result i64) (local.get 1))
    (func (export "sum") (param i32) (result i64)
      (return_call $count (local.get 0) (i64.const 0)))
    (func (export "bad") (param i32) (result i32)
      (return_call_indirect (param i32 i64) (result i32)
        (i32.const 1) (i64.const 2) (local.get 0)))))");
  // 1 + 2 + ... + n, with the last call going to $done.
  const uint64_t n = kManyCalls;
  CHECK(call1(store, export_func(store, inst, "sum"),
              {Value::i32(static_cast<uint32_t>(n))})
            .bits == n * (n + 1) / 2);
  FuncInst* bad = export_func(store, inst, "bad");
  CHECK(call_trap(store, bad, {Value::i32(0)}).kind ==
        TrapKind::IndirectCallTypeMismatch);
  CHECK(call_trap(store, bad, {Value::i32(5)}).kind ==
        TrapKind::UndefinedElement);
}

TEST_CASE("a tail-called host function's results are the caller's") {
  Store store;
  int calls = 0;
  FuncInst* pair = store.create_host_function(
      {{ValType::I32}, {ValType::I32, ValType::I64}},
      [&](HostCall&, const uint64_t* args, uint64_t* results) {
        ++calls;
        uint64_t x = args[0];
        results[0] = static_cast<uint32_t>(x * 2);
        results[1] = x + 1000;
        return std::optional<Trap>();
      });
  FuncInst* fail = store.create_host_function(
      {{}, {ValType::I32, ValType::I64}},
      [](HostCall&, const uint64_t*, uint64_t*) {
        return std::optional<Trap>(Trap::host_error("refused"));
      });
  Imports imports;
  imports.define("env", "pair", make_extern(pair));
  imports.define("env", "fail", make_extern(fail));
  Instance* inst = instantiate(store, R"((module
    (import "env" "pair" (func $pair (param i32) (result i32 i64)))
    (import "env" "fail" (func $fail (result i32 i64)))
    (table funcref (elem $pair))
    (func $direct (export "direct") (param i32) (result i32 i64)
      (local i32 i32 i32)
      (return_call $pair (i32.add (local.get 0) (i32.const 1))))
    (func (export "indirect") (param i32) (result i32 i64)
      (return_call_indirect (param i32) (result i32 i64)
        (local.get 0) (i32.const 0)))
    (func (export "nested") (param i32) (result i64) (local i64)
      (call $direct (local.get 0))
      (local.set 1)
      (i64.extend_i32_u)
      (i64.add (local.get 1))
      (i64.add (i64.const 5)))
    (func (export "fail") (result i32 i64) (return_call $fail))))",
                               imports);
  auto r = store.call(export_func(store, inst, "direct"),
                      std::vector<Value>{Value::i32(20)});
  REQUIRE(r.has_value());
  REQUIRE(r->size() == 2);
  CHECK((*r)[0].bits == 42);
  CHECK((*r)[1].bits == 1021);
  r = store.call(export_func(store, inst, "indirect"),
                 std::vector<Value>{Value::i32(4)});
  REQUIRE(r.has_value());
  CHECK((*r)[0].bits == 8);
  CHECK((*r)[1].bits == 1004);
  // Returning from the host callee lands in the wasm caller of `direct`:
  // (2 * 4) + (4 + 1000) + 5.
  CHECK(
      call1(store, export_func(store, inst, "nested"), {Value::i32(3)}).bits ==
      1017);
  CHECK(calls == 3);
  Trap trap = call_trap(store, export_func(store, inst, "fail"), {});
  CHECK(trap.kind == TrapKind::HostError);
  CHECK(trap.message == "refused");
}

TEST_CASE("a tail call into another instance uses that instance's memory") {
  Store store;
  Instance* lib = instantiate(store, R"((module
    (memory 1) (data (i32.const 0) "\2a")
    (func (export "peek") (param i32) (result i32)
      (i32.add (i32.load8_u (i32.const 0)) (local.get 0)))))");
  Imports imports;
  imports.define("lib", "peek", make_extern(export_func(store, lib, "peek")));
  Instance* app = instantiate(store, R"((module
    (import "lib" "peek" (func $peek (param i32) (result i32)))
    (memory 1) (data (i32.const 0) "\64")
    (table funcref (elem $peek))
    (func $tail (param i32) (result i32) (return_call $peek (local.get 0)))
    (func $tail_indirect (param i32) (result i32)
      (return_call_indirect (param i32) (result i32) (local.get 0)
        (i32.const 0)))
    (func (export "run") (param i32) (result i32)
      ;; lib's byte (42) + 1, lib's byte + 2, then this instance's (100)
      (i32.add (call $tail (i32.const 1)) (call $tail_indirect (i32.const 2)))
      (i32.add (i32.load8_u (i32.const 0))))))",
                              imports);
  CHECK(call1(store, export_func(store, app, "run"), {Value::i32(0)}).bits ==
        43 + 44 + 100);
}

TEST_CASE("a trap after a tail call and fuel over an endless tail loop") {
  Store store;
  Instance* inst = instantiate(store, R"((module
    (func $div (param i32 i32) (result i32) (i32.div_u (local.get 0)
                                                       (local.get 1)))
    (func (export "div") (param i32) (result i32)
      (return_call $div (i32.const 10) (local.get 0)))))");
  FuncInst* div = export_func(store, inst, "div");
  CHECK(call1(store, div, {Value::i32(3)}).bits == 3);
  CHECK(call_trap(store, div, {Value::i32(0)}).kind ==
        TrapKind::IntegerDivideByZero);

  LoadOptions metered;
  metered.fuel_metering = true;
  Store fueled;
  StoreLimits limits;
  limits.fuel = 100000;
  fueled.set_limits(limits);
  auto loop = fueled.instantiate(load(R"((module
        (func $a (export "a") (return_call $b))
        (func $b (return_call $a))))",
                                      metered),
                                 {});
  REQUIRE(loop.has_value());
  CHECK(call_trap(fueled, export_func(fueled, *loop, "a"), {}).kind ==
        TrapKind::OutOfFuel);
}

TEST_CASE("return_call must return exactly the function's results") {
  std::vector<uint8_t> bytes = testing::wat_to_wasm(R"((module
    (func (result i32) (return_call 1))
    (func (result i64) (i64.const 1))))",
                                                    false);
  REQUIRE(!bytes.empty());
  auto loaded = load_module(bytes);
  REQUIRE_FALSE(loaded.has_value());
  CHECK(loaded.error().kind == LoadError::Kind::Invalid);
  CHECK(loaded.error().message == "type mismatch");

  // Anything after a tail call is unreachable, so it types as anything.
  load(R"((module
    (func (result i32) (return_call 1) (i32.add))
    (func (result i32) (i32.const 1))))");
}

TEST_CASE("turned-off features refuse the module and name their flag") {
  constexpr std::string_view kTail = R"((module
    (func $f (result i32) (i32.const 1))
    (func (export "g") (result i32) (return_call $f))))";
  LoadOptions options;
  options.features.tail_call = false;
  LoadError error = load_error(kTail, options);
  CHECK(error.kind == LoadError::Kind::Invalid);
  CHECK(error.message == "tail calls are disabled (-W tail-call=n)");
  // At the return_call opcode: the second body's first byte (0x12).
  std::vector<uint8_t> bytes = wat_to_wasm(kTail);
  REQUIRE(error.offset < bytes.size());
  CHECK(bytes[error.offset] == 0x12);
  CHECK(load(kTail) != nullptr);  // on by default

  constexpr std::string_view kExtended = R"((module
    (global (export "g") i64 (i64.mul (i64.const 6)
                                      (i64.sub (i64.const 9) (i64.const 2))))
    (memory 1)
    (data (i32.add (i32.const 1) (i32.const 2)) "x")
    (func (export "at3") (result i32) (i32.load8_u (i32.const 3)))))";
  options = {};
  options.features.extended_const = false;
  error = load_error(kExtended, options);
  CHECK(error.kind == LoadError::Kind::Invalid);
  CHECK(error.message.find("(-W extended-const=n)") != std::string::npos);
  Store store;
  Instance* inst = instantiate(store, kExtended);
  auto global = store.find_export(inst, "g");
  REQUIRE(global.has_value());
  CHECK(Store::global_value(global->global).bits == 42);
  CHECK(call1(store, export_func(store, inst, "at3"), {}).bits == 'x');
}

}  // namespace
}  // namespace capbox::engine::api_test
