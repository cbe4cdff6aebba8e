// SPDX-License-Identifier: Apache-2.0
// Lazy compilation (LoadOptions::lazy_compile, on by default): every
// function starts as a stub, is compiled on its first call and only then,
// runs as the eagerly compiled code does, and traps inside it are located
// as before. Validation still covers functions never called.
#include <doctest/doctest.h>

#include "api_helpers.h"
#include "engine/compiled.h"

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
