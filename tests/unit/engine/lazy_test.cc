// SPDX-License-Identifier: Apache-2.0
// Lazy compilation (LoadOptions::lazy_compile, on by default): every
// function starts as a stub, is compiled on its first call and only then,
// runs as the eagerly compiled code does, and traps inside it are located
// as before. Validation still covers functions never called.
#include <doctest/doctest.h>

#include <cstring>
#include <string>

#include "api_helpers.h"
#include "engine/compiled.h"
#include "engine/ops.h"

namespace capbox::engine {
namespace {

using api_test::call1;
using api_test::export_func;
using api_test::load;

constexpr std::string_view kModule = R"(
  (module
    (func $fib (export "fib") (param i32) (result i32)
      (if (result i32) (i32.lt_u (local.get 0) (i32.const 2))
        (then (local.get 0))
        (else (i32.add (call $fib (i32.sub (local.get 0) (i32.const 1)))
                       (call $fib (i32.sub (local.get 0) (i32.const 2)))))))
    (func $unused (export "unused") (result i32) (i32.const 7))
    (func $boom (unreachable))
    (func $outer (export "outer") (local i64 i64 i64) (call $boom))
    (func $deep (export "deep") (param i32) (result i32)
      (call $deep (i32.add (local.get 0) (i32.const 1))))
    (table funcref (elem $unused))
    (func (export "indirect") (result i32)
      (call_indirect (result i32) (i32.const 0))))
)";

bool compiled(const CompiledModule& m, uint32_t defined) {
  return m.functions[defined].code_start >= m.stub_words;
}

TEST_CASE("a lazily loaded module compiles each function on its first call") {
  auto module = load(kModule);
  REQUIRE(module->stub_words == 6 * kLazyStubWords);
  for (uint32_t i = 0; i < 6; ++i)
    CHECK_FALSE(compiled(*module, i));
  Store store;
  auto inst = store.instantiate(module, {});
  REQUIRE(inst.has_value());
  CHECK(call1(store, export_func(store, *inst, "fib"), {Value::i32(20)}).bits ==
        6765);
  CHECK(compiled(*module, 0));
  CHECK_FALSE(compiled(*module, 1));
  // Compiled once: a second call adds no code.
  const size_t code_size = module->code.size();
  CHECK(call1(store, export_func(store, *inst, "fib"), {Value::i32(10)}).bits ==
        55);
  CHECK(module->code.size() == code_size);
  // Through a table, the callee's stub compiles it as a direct call does.
  CHECK(call1(store, export_func(store, *inst, "indirect"), {}).bits == 7);
  CHECK(compiled(*module, 1));
  CHECK(module->code_order == std::vector<uint32_t>{0, 5, 1});
}

TEST_CASE("lazy and eager code give the same results and trap locations") {
  LoadOptions eager;
  eager.lazy_compile = false;
  for (const bool lazy : {true, false}) {
    CAPTURE(lazy);
    auto module = load(kModule, lazy ? LoadOptions{} : eager);
    CHECK((module->stub_words != 0) == lazy);
    Store store;
    auto inst = store.instantiate(module, {});
    REQUIRE(inst.has_value());
    CHECK(
        call1(store, export_func(store, *inst, "fib"), {Value::i32(15)}).bits ==
        610);
    auto trap = store.call(export_func(store, *inst, "outer"), {});
    REQUIRE_FALSE(trap.has_value());
    CHECK(trap.error().kind == TrapKind::Unreachable);
    REQUIRE(trap.error().backtrace.size() >= 2);
    CHECK(trap.error().backtrace[0].function == 2);  // $boom
    CHECK(trap.error().backtrace[1].function == 3);  // $outer
    CHECK(trap.error().backtrace[1].function_name == "outer");
    auto deep = store.call(export_func(store, *inst, "deep"),
                           std::vector<Value>{Value::i32(0)});
    REQUIRE_FALSE(deep.has_value());
    CHECK(deep.error().kind == TrapKind::CallStackExhausted);
  }
}

// Where the Call operands of each direct call in a module's code start:
// after the handler of a Call, after the add's three of an I32AddImmCall.
std::vector<uint32_t> call_sites(const CompiledModule& m) {
  const void* call = interp_handlers()[static_cast<int>(Op::Call)];
  const void* add_call = interp_handlers()[static_cast<int>(Op::I32AddImmCall)];
  std::vector<uint32_t> sites;
  for (uint32_t i = 0; i + 1 < m.code.size(); ++i) {
    const void* h;
    std::memcpy(&h, &m.code[i], sizeof h);
    if (h == call)
      sites.push_back(i + 2);
    if (h == add_call)
      sites.push_back(i + 5);
  }
  return sites;
}

TEST_CASE("a call goes straight to its callee's code once that is compiled") {
  // $first calls $callee before it is compiled, $later after, $self
  // itself while it is being compiled.
  constexpr std::string_view kCalls = R"(
    (module
      (func $first (export "first") (param i32) (result i32)
        (call $callee (local.get 0)))
      (func $callee (param i32) (result i32) (local i32 i32)
        (local.set 1 (i32.mul (local.get 0) (i32.const 3)))
        (i32.add (local.get 1) (local.get 2)))
      (func $later (export "later") (param i32) (result i32)
        (i32.add (call $callee (local.get 0)) (i32.const 1)))
      (func $self (export "self") (param i32) (result i32)
        (if (result i32) (i32.eqz (local.get 0))
          (then (i32.const 100))
          (else (i32.add (call $self (i32.sub (local.get 0) (i32.const 1)))
                         (i32.const 2))))))
  )";
  LoadOptions eager;
  eager.lazy_compile = false;
  for (const bool lazy : {true, false}) {
    CAPTURE(lazy);
    auto module = load(kCalls, lazy ? LoadOptions{} : eager);
    Store store;
    auto inst = store.instantiate(module, {});
    REQUIRE(inst.has_value());
    CHECK(call1(store, export_func(store, *inst, "first"), {Value::i32(5)})
              .bits == 15);
    CHECK(call1(store, export_func(store, *inst, "later"), {Value::i32(5)})
              .bits == 16);
    CHECK(
        call1(store, export_func(store, *inst, "self"), {Value::i32(4)}).bits ==
        108);
    CHECK(module->pending_calls.empty());
    // Every site names its callee's code and frame, none its stub.
    const std::vector<uint32_t> sites = call_sites(*module);
    CHECK(sites.size() == 3);
    for (uint32_t site : sites) {
      const CompiledFunction& f = module->functions[module->code[site]];
      CHECK(f.code_start >= module->stub_words);
      CHECK(module->code[site + 2] == f.code_start);
      CHECK(module->code[site + 3] == f.frame_slots);
      CHECK(module->code[site + 4] == f.param_slots);
      CHECK(module->code[site + 5] == f.local_slots);
    }
  }
}

// A recursive function whose frame (a 200-deep expression) is much larger
// than the stride between its frames (its call sits 40 deep): a direct
// call that checked less than the whole frame would recurse further than
// the same recursion through call_indirect (which reads the callee's
// CompiledFunction) before the value stack runs out, or write past it.
std::string deep_frame_recursion(std::string_view call) {
  std::string wide = "(local.get 0)";
  for (int i = 0; i < 200; ++i)
    wide = "(i32.add (local.get 0) " + wide + ")";
  std::string narrow(call);
  for (int i = 0; i < 40; ++i)
    narrow = "(i32.add (local.get 0) " + narrow + ")";
  return "(global.set $depth (i32.add (global.get $depth) (i32.const 1)))"
         "(drop " +
         wide + ")" + narrow;
}

TEST_CASE("a direct call checks its callee's whole frame") {
  const std::string wat =
      "(module (global $depth (mut i32) (i32.const 0))"
      "(type $t (func (param i32) (result i32)))"
      "(table funcref (elem $indirect))"
      "(func (export \"depth\") (result i32) (global.get $depth))"
      "(func (export \"reset\") (global.set $depth (i32.const 0)))"
      "(func $direct (export \"direct\") (param i32) (result i32)" +
      deep_frame_recursion("(call $direct (local.get 0))") +
      ")(func $indirect (export \"indirect\") (param i32) (result i32)" +
      deep_frame_recursion(
          "(call_indirect (type $t) (local.get 0) (i32.const 0))") +
      "))";
  LoadOptions eager;
  eager.lazy_compile = false;
  for (const bool lazy : {true, false}) {
    CAPTURE(lazy);
    auto module = load(wat, lazy ? LoadOptions{} : eager);
    Store store;
    auto inst = store.instantiate(module, {});
    REQUIRE(inst.has_value());
    uint64_t depth[2] = {};
    for (int i = 0; i < 2; ++i) {
      const char* name = i == 0 ? "direct" : "indirect";
      CAPTURE(name);
      CHECK(store.call(export_func(store, *inst, "reset"), {}).has_value());
      auto r = store.call(export_func(store, *inst, name),
                          std::vector<Value>{Value::i32(1)});
      REQUIRE_FALSE(r.has_value());
      CHECK(r.error().kind == TrapKind::CallStackExhausted);
      depth[i] = call1(store, export_func(store, *inst, "depth"), {}).bits;
    }
    // The value stack ran out, not the call depth (100000).
    CHECK(depth[0] > 1000);
    CHECK(depth[0] < 90000);
    CHECK(depth[0] == depth[1]);
  }
}

TEST_CASE("a function never called is still validated") {
  auto bytes = testing::wat_to_wasm(
      R"(
    (module
      (func (export "ok") (result i32) (i32.const 1))
      (func (result i32) (i64.const 1)))
  )",
      /*validate=*/false);
  REQUIRE_FALSE(bytes.empty());
  auto loaded = load_module(bytes);
  REQUIRE_FALSE(loaded.has_value());
  CHECK(loaded.error().kind == LoadError::Kind::Invalid);
}

}  // namespace
}  // namespace capbox::engine
