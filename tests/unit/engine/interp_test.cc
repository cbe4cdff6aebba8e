// SPDX-License-Identifier: Apache-2.0
// The compiler's rewrites and the interpreter's control flow, through the
// API: each case targets one peephole (lazy locals, retargeted results,
// fused compares, fused loads/stores) or one runtime path (deep recursion,
// trap locations), where a wrong translation would change results.
#include <doctest/doctest.h>

#include <bit>
#include <cmath>
#include <limits>

#include "api_helpers.h"

namespace capbox::engine::api_test {
namespace {

TEST_CASE("a local read lazily keeps its old value when overwritten") {
  Store store;
  Instance* inst = instantiate(store, R"((module
    (func (export "swap") (param i32 i32) (result i32 i32)
      (local.get 0) (local.get 1) (local.set 0) (local.set 1)
      (local.get 0) (local.get 1))
    (func (export "tee") (param i32) (result i32)
      (local.get 0)
      (local.tee 0 (i32.add (local.get 0) (i32.const 1)))
      (i32.mul))))");
  auto r = call_export(store, inst, "swap", {Value::i32(3), Value::i32(9)});
  CHECK(r[0].bits == 9);
  CHECK(r[1].bits == 3);
  // old x times (x + 1)
  CHECK(call_export(store, inst, "tee", {Value::i32(6)})[0].bits == 42);
}

TEST_CASE("branches carry values out of blocks, loops and br_table") {
  Store store;
  Instance* inst = instantiate(store, R"((module
    (func (export "br_if") (param i32 i32) (result i32)
      (block (result i32)
        (drop (br_if 0 (local.get 1) (local.get 0)))
        (i32.const 7)))
    (func (export "table") (param i32) (result i32)
      (block (result i32)
        (block (result i32)
          (block (result i32)
            (br_table 0 1 2 (i32.const 10) (local.get 0)))
          (i32.add (i32.const 1)))
        (i32.add (i32.const 100))))
    (func (export "sum") (param i32) (result i32) (local i32)
      (loop $l
        (local.set 1 (i32.add (local.get 1) (local.get 0)))
        (br_if $l (local.tee 0 (i32.sub (local.get 0) (i32.const 1)))))
      (local.get 1))
    (func (export "params") (param i32 i32) (result i32)
      (local.get 0) (local.get 1)
      (block (param i32 i32) (result i32) (i32.sub)))))");
  CHECK(call_export(store, inst, "br_if", {Value::i32(1), Value::i32(5)})[0]
            .bits == 5);
  CHECK(call_export(store, inst, "br_if", {Value::i32(0), Value::i32(5)})[0]
            .bits == 7);
  CHECK(call_export(store, inst, "table", {Value::i32(0)})[0].bits == 111);
  CHECK(call_export(store, inst, "table", {Value::i32(1)})[0].bits == 110);
  CHECK(call_export(store, inst, "table", {Value::i32(2)})[0].bits == 10);
  CHECK(call_export(store, inst, "table", {Value::i32(99)})[0].bits == 10);
  CHECK(call_export(store, inst, "sum", {Value::i32(100)})[0].bits == 5050);
  CHECK(call_export(store, inst, "params", {Value::i32(9), Value::i32(4)})[0]
            .bits == 5);
}

TEST_CASE("fused float compares keep NaN semantics in br_if and if") {
  Store store;
  Instance* inst = instantiate(store, R"((module
    (func (export "lt_if") (param f64) (result i32)
      (if (result i32) (f64.lt (local.get 0) (f64.const 1))
        (then (i32.const 1)) (else (i32.const 0))))
    (func (export "ge_br") (param f64) (result i32)
      (block (result i32)
        (drop (br_if 0 (i32.const 1) (f64.ge (local.get 0) (f64.const 1))))
        (i32.const 0)))))");
  double nan = std::numeric_limits<double>::quiet_NaN();
  CHECK(call_export(store, inst, "lt_if", {f64(0.5)})[0].bits == 1);
  CHECK(call_export(store, inst, "lt_if", {f64(2.0)})[0].bits == 0);
  CHECK(call_export(store, inst, "lt_if", {f64(nan)})[0].bits == 0);
  CHECK(call_export(store, inst, "ge_br", {f64(2.0)})[0].bits == 1);
  CHECK(call_export(store, inst, "ge_br", {f64(nan)})[0].bits == 0);
}

TEST_CASE("an address computed with i32.add wraps before the offset") {
  Store store;
  Instance* inst = instantiate(store, R"((module
    (memory 1)
    (data (i32.const 8) "\2a\00\00\00")
    (func (export "load") (param i32) (result i32)
      (i32.load offset=8 (i32.add (local.get 0) (i32.const 16))))
    (func (export "store") (param i32)
      (i32.store offset=4 (i32.add (local.get 0) (i32.const -4))
                 (i32.const 77)))
    (func (export "peek") (param i32) (result i32)
      (i32.load (local.get 0)))))");
  // 0xFFFFFFF0 + 16 wraps to 0; the offset then reaches the data at 8.
  CHECK(call_export(store, inst, "load", {Value::i32(0xFFFFFFF0u)})[0].bits ==
        42);
  Trap t = call_export_trap(store, inst, "load", {Value::i32(0x7FFFFFF0u)});
  CHECK(t.kind == TrapKind::MemoryOutOfBounds);
  call_export(store, inst, "store", {Value::i32(100)});
  CHECK(call_export(store, inst, "peek", {Value::i32(100)})[0].bits == 77);
  // 2 - 4 wraps to 0xFFFFFFFE; + 4 is past the end of memory.
  t = call_export_trap(store, inst, "store", {Value::i32(2)});
  CHECK(t.kind == TrapKind::MemoryOutOfBounds);
}

TEST_CASE("accesses at the end of memory trap, at any memory size") {
  Store store;
  Instance* inst = instantiate(store, R"((module
    (memory 0)
    (func (export "load") (param i32) (result i32) (i32.load (local.get 0)))
    (func (export "load_end") (result i32) (i32.load (i32.const 65536)))
    (func (export "grow") (result i32) (memory.grow (i32.const 1)))))");
  CHECK(call_export_trap(store, inst, "load", {Value::i32(0)}).kind ==
        TrapKind::MemoryOutOfBounds);
  CHECK(call_export(store, inst, "grow", {})[0].bits == 0);
  CHECK(call_export(store, inst, "load", {Value::i32(65532)})[0].bits == 0);
  CHECK(call_export_trap(store, inst, "load", {Value::i32(65533)}).kind ==
        TrapKind::MemoryOutOfBounds);
  CHECK(call_export_trap(store, inst, "load_end", {}).kind ==
        TrapKind::MemoryOutOfBounds);
}

TEST_CASE("a lazy local+imm address keeps the local's value at its use") {
  Store store;
  Instance* inst = instantiate(store, R"((module
    (memory 1)
    (data (i32.const 4) "\07\00\00\00\09\00\00\00")
    (func (export "stale") (param i32) (result i32)
      (i32.add (local.get 0) (i32.const 4))
      (local.set 0 (i32.const 100))
      (i32.load))
    (func (export "copy") (param i32 i32)
      (i32.store (i32.add (local.get 1) (i32.const 8))
                 (i32.load (i32.add (local.get 0) (i32.const 4)))))
    (func (export "funnel") (param i32 i32) (result i32)
      (i32.or (i32.shl (local.get 0) (i32.const 8))
              (i32.shr_u (local.get 1) (i32.const 24))))
    (func (export "funnel_store") (param i32 i32 i32)
      (i32.store offset=4 (i32.add (local.get 0) (i32.const 8))
        (i32.or (i32.shl (local.get 1) (i32.const 8))
                (i32.shr_u (local.get 2) (i32.const 24)))))
    (func (export "peek") (param i32) (result i32)
      (i32.load (local.get 0)))))");
  CHECK(call_export(store, inst, "stale", {Value::i32(0)})[0].bits == 7);
  call_export(
      store, inst, "funnel_store",
      {Value::i32(20), Value::i32(0x11223344u), Value::i32(0xAABBCCDDu)});
  CHECK(call_export(store, inst, "peek", {Value::i32(32)})[0].bits ==
        0x223344AAu);
  CHECK(call_export_trap(store, inst, "funnel_store",
                         {Value::i32(65524), Value::i32(1), Value::i32(2)})
            .kind == TrapKind::MemoryOutOfBounds);
  CHECK(call_export(store, inst, "stale", {Value::i32(4)})[0].bits == 9);
  // Source 4 + 4 = 8, destination 0xFFFFFFF8 + 8 wraps to 0.
  call_export(store, inst, "copy", {Value::i32(4), Value::i32(0xFFFFFFF8u)});
  CHECK(call_export(store, inst, "peek", {Value::i32(0)})[0].bits == 9);
  CHECK(call_export(store, inst, "funnel",
                    {Value::i32(0x11223344u), Value::i32(0xAABBCCDDu)})[0]
            .bits == 0x223344AAu);
}

TEST_CASE("a fused load and store traps where the faulting half is") {
  Store store;
  Instance* inst = instantiate(store, R"((module
    (memory 1)
    (func (export "copy") (param i32 i32)
      (i32.store (local.get 1) (i32.load (local.get 0))))
    (func (export "copy8") (param i32 i32)
      (i32.store8 (local.get 1) (i32.load8_u (local.get 0))))))");
  call_export(store, inst, "copy8", {Value::i32(0), Value::i32(200)});
  Trap load_fault =
      call_export_trap(store, inst, "copy", {Value::i32(65536), Value::i32(0)});
  Trap store_fault =
      call_export_trap(store, inst, "copy", {Value::i32(0), Value::i32(65534)});
  CHECK(load_fault.kind == TrapKind::MemoryOutOfBounds);
  CHECK(store_fault.kind == TrapKind::MemoryOutOfBounds);
  // i32.load is 3 bytes (opcode, align, offset); i32.store follows it.
  CHECK(store_fault.offset == load_fault.offset + 3);
  CHECK(load_fault.function == 0);
  // No name section: the export name stands in.
  CHECK(load_fault.function_name == "copy");
}

// musl's unaligned memcpy loop: load the next word (tee'd), shift it into
// the funnel with the previous one, store. The three become one
// instruction; its results, its tee'd local and both halves' trap
// offsets must be those of the three.
TEST_CASE("a load fused into a funnel store copies and traps like the three") {
  Store store;
  Instance* inst = instantiate(store, R"((module
    (memory 1)
    (data (i32.const 0) "\01\02\03\04\05\06\07\08\09\0a\0b\0c")
    (func (export "funnel") (param $src i32) (param $dst i32) (param $prev i32)
                            (result i32)
      (local $next i32)
      (i32.store offset=0 (local.get $dst)
        (i32.or
          (i32.shl
            (local.tee $next (i32.load (i32.add (local.get $src) (i32.const 4))))
            (i32.const 8))
          (i32.shr_u (local.get $prev) (i32.const 24))))
      (local.get $next))
    (func (export "word") (param i32) (result i32)
      (i32.load (local.get 0)))))");
  auto next =
      call_export(store, inst, "funnel",
                  {Value::i32(0), Value::i32(100), Value::i32(0xAA000000)});
  CHECK(next[0].bits == 0x08070605u);  // the tee'd local
  CHECK(call_export(store, inst, "word", {Value::i32(100)})[0].bits ==
        ((0x08070605u << 8) | 0xAAu));
  Trap load_fault = call_export_trap(
      store, inst, "funnel", {Value::i32(65532), Value::i32(0), Value::i32(0)});
  Trap store_fault = call_export_trap(
      store, inst, "funnel", {Value::i32(0), Value::i32(65533), Value::i32(0)});
  CHECK(load_fault.kind == TrapKind::MemoryOutOfBounds);
  CHECK(store_fault.kind == TrapKind::MemoryOutOfBounds);
  // Between the load and the store: local.tee, i32.const, i32.shl,
  // local.get, i32.const, i32.shr_u, i32.or (2+2+1+2+2+1+1 bytes) and the
  // load itself (3 bytes).
  CHECK(store_fault.offset == load_fault.offset + 3 + 11);
}

// Regression (wasi-libc's strtod, found by tests/realprogs' Lua): a
// br_table index that is a lazy local+imm was counted off its local twice,
// so a later local.tee no longer saw an older lazy read of the same local
// and overwrote it before select read it.
TEST_CASE("a br_table on local+imm keeps later lazy reads of that local") {
  Store store;
  Instance* inst = instantiate(store, R"((module
    (func (export "run") (result i32)
      (local i32 i32)
      (block (br_table 0 0 (i32.sub (local.get 0) (i32.const 32))))
      ;; select(0, tee 1, tee 0): the condition is 0, so the second
      ;; operand, the 1 that the first tee wrote, is the result.
      (local.set 1 (select (i32.const 0)
                           (local.tee 0 (i32.const 1))
                           (local.tee 0 (i32.const 0))))
      (local.get 1))))");
  CHECK(call_export(store, inst, "run", {})[0].bits == 1);
}

TEST_CASE("deep recursion traps and the store stays usable") {
  Store store;
  Instance* inst = instantiate(store, R"((module
    (func $down (export "down") (param i32) (result i32)
      (if (result i32) (i32.eqz (local.get 0))
        (then (i32.const 0))
        (else (i32.add (i32.const 1)
                       (call $down (i32.sub (local.get 0) (i32.const 1)))))))
    (func $forever (export "forever") (call $forever))))");
  Trap t = call_export_trap(store, inst, "forever", {});
  CHECK(t.kind == TrapKind::CallStackExhausted);
  CHECK(call_export(store, inst, "down", {Value::i32(5000)})[0].bits == 5000);
}

TEST_CASE("host functions see the caller's memory; their traps propagate") {
  Store store;
  FuncType type{{ValType::I32}, {ValType::I32}};
  FuncInst* peek = store.create_host_function(
      type,
      [](HostCall& call, const uint64_t* args,
         uint64_t* results) -> std::optional<Trap> {
        auto v = call.memory().load<uint32_t>(static_cast<uint32_t>(args[0]));
        if (!v)
          return Trap::host_error("peek out of range");
        results[0] = *v;
        return std::nullopt;
      });
  Imports imports;
  imports.define("env", "peek", make_extern(peek));
  Instance* inst = instantiate(store, R"((module
    (import "env" "peek" (func $peek (param i32) (result i32)))
    (memory 1)
    (data (i32.const 16) "\05\00\00\00")
    (func (export "twice") (param i32) (result i32)
      (i32.mul (call $peek (local.get 0)) (i32.const 2)))))",
                               imports);
  CHECK(call_export(store, inst, "twice", {Value::i32(16)})[0].bits == 10);
  Trap t = call_export_trap(store, inst, "twice", {Value::i32(65535)});
  CHECK(t.kind == TrapKind::HostError);
  CHECK(t.message == "peek out of range");
}

// Each call's locals start at zero, whatever the frame's slots held
// before: a callee that dirtied them ran at the same base just before.
// Four or fewer locals in a frame with room for four slots, five to eight
// in a frame with room for eight, and more are each cleared another way.
TEST_CASE("locals are zero on every call, however many there are") {
  Store store;
  Instance* inst = instantiate(store, R"((module
    (func $dirty (param i32) (local i32 i32 i32 i32 i32 i32 i32 i32 i32)
      (local.set 1 (i32.const 7)) (local.set 2 (i32.const 7))
      (local.set 3 (i32.const 7)) (local.set 4 (i32.const 7))
      (local.set 5 (i32.const 7)) (local.set 6 (i32.const 7))
      (local.set 7 (i32.const 7)) (local.set 8 (i32.const 7))
      (local.set 9 (i32.const 7)))
    (func $one (param i32) (result i32) (local i32)
      (local.get 1))
    (func $two (param i32) (result i32) (local i32 i32)
      (i32.add (i32.add (local.get 1) (local.get 2)) (local.get 0)))
    (func $four (param i32) (result i32) (local i32 i32 i32 i32)
      (i32.add (i32.add (local.get 1) (local.get 2))
               (i32.add (local.get 3) (local.get 4))))
    (func $five (param i32) (result i32) (local i32 i32 i32 i32 i32)
      (i32.add (i32.add (i32.add (local.get 1) (local.get 2))
                        (i32.add (local.get 3) (local.get 4)))
               (local.get 5)))
    (func $eight (param i32) (result i32) (local i32 i32 i32 i32 i32 i32 i32 i32)
      (i32.add (i32.add (i32.add (local.get 1) (local.get 2))
                        (i32.add (local.get 3) (local.get 4)))
               (i32.add (i32.add (local.get 5) (local.get 6))
                        (i32.add (local.get 7) (local.get 8)))))
    (func $nine (param i32) (result i32)
      (local i32 i32 i32 i32 i32 i32 i32 i32 i32)
      (i32.add (call $eight (i32.const 0)) (local.get 9)))
    (func (export "run") (result i32) (local i32)
      (call $dirty (i32.const 0))
      (local.set 0 (call $one (i32.const 0)))
      (call $dirty (i32.const 0))
      (local.set 0 (i32.add (local.get 0) (call $two (i32.const 0))))
      (call $dirty (i32.const 0))
      (local.set 0 (i32.add (local.get 0) (call $four (i32.const 0))))
      (call $dirty (i32.const 0))
      (local.set 0 (i32.add (local.get 0) (call $five (i32.const 0))))
      (call $dirty (i32.const 0))
      (local.set 0 (i32.add (local.get 0) (call $eight (i32.const 0))))
      (call $dirty (i32.const 0))
      (i32.add (local.get 0) (call $nine (i32.const 0))))))");
  CHECK(call_export(store, inst, "run", {})[0].bits == 0);
}

}  // namespace
}  // namespace capbox::engine::api_test
