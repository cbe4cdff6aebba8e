// SPDX-License-Identifier: Apache-2.0
// Fusions for the bench kernels (bench/README.md): wasi-libc's copy and
// fill loops run whole in one instruction, nbody's velocity updates and
// constant divisions, and i32.eqz of a compare negating it. Like
// fusion_test.cc, each case is shaped so that a wrong fusion (a skipped
// step, a lost rounding, a trap blamed on the wrong instruction) changes
// the result.
#include <doctest/doctest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "api_helpers.h"

namespace capbox::engine::api_test {
namespace {

// wasi-libc's copy and fill loops, shaped as clang emits them (musl's
// unaligned memcpy loop and its aligned one, memset's four i64 stores a
// step), run whole in one instruction (I32FunnelLoop, I64CopyLoop,
// I64FillLoop); copy64r steps its pointers the other way round. The same module
// loaded with fuel metering keeps a Fuel instruction at the loop head, so there
// the loops run step by step: both must return the same locals, leave the same
// memory and trap at the same instruction with the same stores done.
constexpr std::string_view kKernelLoops = R"((module
  (memory (export "mem") 1)
  (func (export "funnel") (param $src i32) (param $dst i32) (param $n i32)
                          (param $w i32) (result i32 i32 i32 i32 i32 i32)
    (local $i i32) (local $d i32) (local $s i32) (local $a i32)
    (loop $l
      (i32.store (local.tee $d (i32.add (local.get $i) (local.get $dst)))
        (i32.or (i32.shl (local.tee $a (i32.load (i32.add
                  (local.tee $s (i32.add (local.get $i) (local.get $src)))
                  (i32.const 4)))) (i32.const 8))
                (i32.shr_u (local.get $w) (i32.const 24))))
      (i32.store (i32.add (local.get $d) (i32.const 4))
        (i32.or (i32.shl (local.tee $w (i32.load (i32.add (local.get $s)
                  (i32.const 8)))) (i32.const 8))
                (i32.shr_u (local.get $a) (i32.const 24))))
      (i32.store (i32.add (local.get $d) (i32.const 8))
        (i32.or (i32.shl (local.tee $a (i32.load (i32.add (local.get $s)
                  (i32.const 12)))) (i32.const 8))
                (i32.shr_u (local.get $w) (i32.const 24))))
      (i32.store (i32.add (local.get $d) (i32.const 12))
        (i32.or (i32.shl (local.tee $w (i32.load (i32.add (local.get $s)
                  (i32.const 16)))) (i32.const 8))
                (i32.shr_u (local.get $a) (i32.const 24))))
      (local.set $i (i32.add (local.get $i) (i32.const 16)))
      (br_if $l (i32.gt_u (local.tee $n (i32.sub (local.get $n) (i32.const 16)))
                          (i32.const 16))))
    (local.get $i) (local.get $n) (local.get $d) (local.get $s) (local.get $a)
    (local.get $w))
  (func (export "fill") (param $p i32) (param $n i32) (param $v i64)
                        (result i32 i32)
    (loop $l
      (i64.store (local.get $p) (local.get $v))
      (i64.store (i32.add (local.get $p) (i32.const 24)) (local.get $v))
      (i64.store offset=4 (i32.add (local.get $p) (i32.const 16)) (local.get $v))
      (i64.store (i32.add (local.get $p) (i32.const 8)) (local.get $v))
      (local.set $p (i32.add (local.get $p) (i32.const 32)))
      (br_if $l (i32.gt_u (local.tee $n (i32.sub (local.get $n) (i32.const 32)))
                          (i32.const 31))))
    (local.get $p) (local.get $n))
  (func (export "fill32") (param $p i32) (param $n i32) (param $v i64)
                          (result i32 i32)
    (loop $l
      (i64.store (local.get $p) (local.get $v))
      (i64.store (i32.add (local.get $p) (i32.const 24)) (local.get $v))
      (i64.store (i32.add (local.get $p) (i32.const 16)) (local.get $v))
      (i64.store (i32.add (local.get $p) (i32.const 8)) (local.get $v))
      (local.set $p (i32.add (local.get $p) (i32.const 32)))
      (br_if $l (i32.gt_u (local.tee $n (i32.sub (local.get $n) (i32.const 32)))
                          (i32.const 31))))
    (local.get $p) (local.get $n))
  (func (export "copy64") (param $d i32) (param $s i32) (param $n i32)
                          (result i32 i32 i32)
    (loop $l
      (i64.store (local.get $d) (i64.load (local.get $s)))
      (i64.store offset=8 (local.get $d) (i64.load offset=8 (local.get $s)))
      (i64.store offset=16 (local.get $d) (i64.load offset=16 (local.get $s)))
      (i64.store offset=24 (local.get $d) (i64.load offset=24 (local.get $s)))
      (local.set $d (i32.add (local.get $d) (i32.const 32)))
      (local.set $s (i32.add (local.get $s) (i32.const 32)))
      (br_if $l (i32.gt_u (local.tee $n (i32.sub (local.get $n) (i32.const 32)))
                          (i32.const 31))))
    (local.get $d) (local.get $s) (local.get $n))
  (func (export "copy64r") (param $d i32) (param $s i32) (param $n i32)
                          (result i32 i32 i32)
    (loop $l
      (i64.store (local.get $d) (i64.load (local.get $s)))
      (i64.store offset=8 (local.get $d) (i64.load offset=8 (local.get $s)))
      (i64.store offset=16 (local.get $d) (i64.load offset=16 (local.get $s)))
      (i64.store offset=24 (local.get $d) (i64.load offset=24 (local.get $s)))
      (local.set $s (i32.add (local.get $s) (i32.const 32)))
      (local.set $d (i32.add (local.get $d) (i32.const 32)))
      (br_if $l (i32.gt_u (local.tee $n (i32.sub (local.get $n) (i32.const 32)))
                          (i32.const 31))))
    (local.get $d) (local.get $s) (local.get $n))
  (func (export "byte") (param i32) (result i32)
    (i32.load8_u (local.get 0)))
  (func (export "init") (local $i i32)
    (loop $l
      (i32.store8 (local.get $i) (i32.add (i32.mul (local.get $i) (i32.const 7))
                                          (i32.shr_u (local.get $i) (i32.const 9))))
      (br_if $l (i32.ne (local.tee $i (i32.add (local.get $i) (i32.const 1)))
                        (i32.const 65536)))))
  (func (export "hash") (result i64) (local $i i32) (local $h i64)
    (loop $l
      (local.set $h (i64.mul (i64.xor (local.get $h) (i64.load (local.get $i)))
                             (i64.const 1099511628211)))
      (br_if $l (i32.ne (local.tee $i (i32.add (local.get $i) (i32.const 8)))
                        (i32.const 65536))))
    (local.get $h))))";

struct LoopPair {
  Store fused_store, stepped_store;
  Instance* fused = nullptr;
  Instance* stepped = nullptr;
  LoopPair() {
    auto a = fused_store.instantiate(load(kKernelLoops), {});
    LoadOptions metered;
    metered.fuel_metering = true;
    auto b = stepped_store.instantiate(load(kKernelLoops, metered), {});
    REQUIRE(a.has_value());
    REQUIRE(b.has_value());
    fused = *a;
    stepped = *b;
    call_export(fused_store, fused, "init", {});
    call_export(stepped_store, stepped, "init", {});
  }
  // Both run `name`; their results or traps, and memories, must agree.
  // True if it returned.
  bool same(std::string_view name, std::vector<Value> args) {
    auto x = fused_store.call(export_func(fused_store, fused, name), args);
    auto y =
        stepped_store.call(export_func(stepped_store, stepped, name), args);
    REQUIRE(x.has_value() == y.has_value());
    if (x) {
      REQUIRE(x->size() == y->size());
      for (size_t i = 0; i < x->size(); ++i) {
        CAPTURE(i);
        CHECK((*x)[i].bits == (*y)[i].bits);
      }
    } else {
      CHECK(x.error().kind == y.error().kind);
      CHECK(x.error().offset == y.error().offset);
    }
    CHECK(call_export(fused_store, fused, "hash", {})[0].bits ==
          call_export(stepped_store, stepped, "hash", {})[0].bits);
    return x.has_value();
  }
};

TEST_CASE("the copy and fill loops run and trap as their steps") {
  LoopPair loops;
  auto funnel = [&](uint32_t src, uint32_t dst, uint32_t n) {
    CAPTURE(src);
    CAPTURE(dst);
    CAPTURE(n);
    return loops.same("funnel", {Value::i32(src), Value::i32(dst),
                                 Value::i32(n), Value::i32(0xA5000000)});
  };
  CHECK(funnel(1, 1000, 50));    // three steps
  CHECK(funnel(0, 3000, 16));    // one (the test fails at once)
  CHECK(funnel(100, 103, 300));  // overlapping: stores feed later loads
  CHECK(funnel(4099, 4096, 4000));
  // n below 16 wraps around: the loop runs until an access faults.
  CHECK_FALSE(funnel(0, 8192, 5));
  // The fault in every load and store of a step, after steps that ran.
  for (uint32_t k = 0; k < 20; ++k) {
    CHECK_FALSE(funnel(65536 - 60 - k, 2000, 200));
    CHECK_FALSE(funnel(2000, 65536 - 50 - k, 200));
  }
  for (const char* name : {"copy64", "copy64r"}) {
    auto copy = [&](uint32_t dst, uint32_t src, uint32_t n) {
      CAPTURE(name);
      CAPTURE(dst);
      CAPTURE(src);
      CAPTURE(n);
      return loops.same(name,
                        {Value::i32(dst), Value::i32(src), Value::i32(n)});
    };
    CHECK(copy(5000, 1000, 100));
    CHECK(copy(7000, 7008, 500));  // overlapping
    CHECK(copy(9000, 9000, 40));   // one step
    CHECK_FALSE(copy(0, 100, 7));  // wraps around until an access faults
    for (uint32_t k = 0; k < 36; ++k) {
      CHECK_FALSE(copy(3000, 65536 - 80 - k, 200));
      CHECK_FALSE(copy(65536 - 80 - k, 3000, 200));
    }
  }
  auto fill = [&](uint32_t p, uint32_t n) {
    CAPTURE(p);
    CAPTURE(n);
    return loops.same(
        "fill", {Value::i32(p), Value::i32(n), Value::i64(0x0102030405060708)});
  };
  // From 256 bytes on, a loop whose accesses are all in bounds and whose
  // source and destination are apart runs as one host memcpy or fill
  // (engine/bulk_loops.h); the stepped run must still agree with it. The
  // funnel copy qualifies only when its carried word holds the byte before
  // the first load, as musl's prologue leaves it.
  auto pattern = [&](uint32_t at) {
    return static_cast<uint32_t>(
        call_export(loops.fused_store, loops.fused, "byte", {Value::i32(at)})[0]
            .bits);
  };
  for (uint32_t src : {1u, 6u, 30001u}) {
    CAPTURE(src);
    const uint32_t carried = pattern(src + 3) << 24;
    for (uint32_t n : {256u, 300u, 4000u}) {
      CHECK(loops.same("funnel", {Value::i32(src), Value::i32(40000),
                                  Value::i32(n), Value::i32(carried)}));
      CHECK(loops.same("funnel",
                       {Value::i32(src), Value::i32(40000), Value::i32(n),
                        Value::i32(carried ^ 1u << 24)}));
    }
  }
  CHECK(funnel(20000, 20040, 3000));  // overlapping, carried word or not
  CHECK(loops.same("funnel",
                   {Value::i32(20000), Value::i32(20040), Value::i32(3000),
                    Value::i32(pattern(20003) << 24)}));
  CHECK_FALSE(funnel(65536 - 3000, 1000, 4000));  // runs off the end
  CHECK_FALSE(loops.same(
      "funnel", {Value::i32(1000), Value::i32(65536 - 3000), Value::i32(4000),
                 Value::i32(pattern(1003) << 24)}));
  for (const char* name : {"copy64", "copy64r"}) {
    CAPTURE(name);
    for (uint32_t n : {256u, 1000u, 10000u}) {
      CHECK(
          loops.same(name, {Value::i32(30000), Value::i32(8), Value::i32(n)}));
      CHECK(
          loops.same(name, {Value::i32(3), Value::i32(30001), Value::i32(n)}));
    }
    // Overlapping either way: a store feeds a later load, or overwrites
    // bytes not yet read.
    CHECK(loops.same(name,
                     {Value::i32(1000), Value::i32(1016), Value::i32(2000)}));
    CHECK(loops.same(name,
                     {Value::i32(1016), Value::i32(1000), Value::i32(2000)}));
    CHECK_FALSE(loops.same(
        name, {Value::i32(1000), Value::i32(65536 - 1000), Value::i32(4000)}));
  }
  for (const char* name : {"fill", "fill32"}) {
    CAPTURE(name);
    for (uint32_t p : {0u, 3u, 32768u}) {
      CHECK(loops.same(name, {Value::i32(p), Value::i32(2000),
                              Value::i64(0x0102030405060708)}));
      CHECK(loops.same(name, {Value::i32(p), Value::i32(300), Value::i64(-1)}));
    }
    CHECK_FALSE(loops.same(
        name, {Value::i32(65536 - 1000), Value::i32(4000), Value::i64(7)}));
  }
  CHECK(fill(8, 100));
  CHECK(fill(5, 32));
  CHECK(fill(20001, 5000));
  CHECK_FALSE(fill(0, 20));  // wraps around until a store faults
  for (uint32_t k = 0; k < 40; ++k)
    CHECK_FALSE(fill(65536 - 100 - k, 300));
}

// nbody's velocity updates: `p->v += d * (m * mag)` and `p->v += d * mm`
// on an address just stepped with a local.tee (F64AddrMul2AddStore,
// F64AddrMulAddStore), and dt / (d2 * dist) with the constant numerator
// as an immediate (F64ConstDiv). Every product is rounded on its own, every
// local written, and a fault is the load's, with nothing stored.
TEST_CASE("f64 updates at a stepped address and constant divisions") {
  Store store;
  const std::string wat = R"((module
    (memory 1)
    (func (export "upd") (param $p i32) (param $d f64) (param $m f64)
                         (param $k f64) (result i32 f64 f64)
      (local $a i32) (local $q f64) (local $r f64)
      (f64.store (local.tee $a (i32.add (local.get $p) (i32.const -24)))
        (f64.add (f64.mul (local.get $d)
                          (local.tee $q (f64.mul (local.get $m) (local.get $k))))
                 (f64.load (local.get $a))))
      (f64.store (local.tee $a (i32.add (local.get $p) (i32.const -16)))
        (local.tee $r (f64.add (f64.mul (local.get $d) (local.get $k))
                               (f64.load (local.get $a)))))
      (local.get $a) (local.get $q) (local.get $r))
    (func (export "div") (param f64) (result f64)
      (f64.div (f64.const 0.01) (local.get 0)))
    (func (export "get") (param i32) (result f64)
      (f64.load (local.get 0)))
    (func (export "set") (param i32) (param f64)
      (f64.store (local.get 0) (local.get 1)))))";
  Instance* inst = instantiate(store, wat);
  const double m = 1.0 / 3, k = 0.1, d = 1e16 + 1;
  call_export(store, inst, "set", {Value::i32(1000 - 24), f64(0.5)});
  call_export(store, inst, "set", {Value::i32(1000 - 16), f64(-0.25)});
  auto r = call_export(store, inst, "upd",
                       {Value::i32(1000), f64(d), f64(m), f64(k)});
  volatile double mk = m * k, dk = d * k;  // each product rounded alone
  volatile double dmk = d * mk;
  CHECK(r[0].bits == 1000 - 16);
  CHECK(as_f64(r[1]) == mk);
  CHECK(as_f64(r[2]) == dk + -0.25);
  CHECK(as_f64(call_export(store, inst, "get", {Value::i32(1000 - 24)})[0]) ==
        dmk + 0.5);
  CHECK(as_f64(call_export(store, inst, "get", {Value::i32(1000 - 16)})[0]) ==
        dk + -0.25);
  // The i32 address wraps around: 8 - 24 is far out of bounds, and the
  // fault is the first f64.load's (0x2b, align 3, offset 0).
  const std::vector<uint8_t> bytes = wat_to_wasm(wat);
  const uint8_t load[] = {0x2b, 0x03, 0x00};
  const auto at = std::search(bytes.begin(), bytes.end(), load, load + 3);
  REQUIRE(at != bytes.end());
  Trap t = call_export_trap(store, inst, "upd",
                            {Value::i32(8), f64(1), f64(1), f64(1)});
  CHECK(t.kind == TrapKind::MemoryOutOfBounds);
  CHECK(t.offset == static_cast<uint32_t>(at - bytes.begin()));
  // The second update faults (its 8 bytes at 65550 - 16 pass the end)
  // after the first was stored.
  call_export(store, inst, "set", {Value::i32(65550 - 24), f64(2)});
  Trap second = call_export_trap(store, inst, "upd",
                                 {Value::i32(65550), f64(3), f64(1), f64(1)});
  CHECK(second.kind == TrapKind::MemoryOutOfBounds);
  CHECK(second.offset > t.offset);
  CHECK(as_f64(call_export(store, inst, "get", {Value::i32(65550 - 24)})[0]) ==
        5.0);
  for (double x : {3.0, -7.5, 0.0, -0.0, 1e-310}) {
    CAPTURE(x);
    volatile double q = 0.01 / x;
    CHECK(call_export(store, inst, "div", {f64(x)})[0].bits ==
          std::bit_cast<uint64_t>(double(q)));
  }
  CHECK(std::isnan(as_f64(call_export(store, inst, "div", {f64(NAN)})[0])));
}

// x * sqrt(y) with the root just taken (F64MulSqrt), a constant divided
// by that (F64ConstDivMulSqrt), and a multiply-add
// stored as soon as it is computed (F64MulAddStore, F64MulSubStore): each
// product and root rounded alone, the operands in wasm's order, and an
// out-of-bounds store the store's trap, with nothing written.
TEST_CASE("f64 products with a root, and multiply-adds stored at once") {
  Store store;
  const std::string wat = R"((module
    (memory 1)
    (func (export "msqrt") (param f64 f64) (result f64)
      (f64.mul (local.get 0) (f64.sqrt (local.get 1))))
    (func (export "cube") (param f64) (result f64)
      (f64.div (f64.const 0.01)
               (f64.mul (local.get 0) (f64.sqrt (local.get 0)))))
    (func (export "madd") (param i32 f64 f64 f64)
      (f64.store offset=8 (local.get 0)
        (f64.add (local.get 1) (f64.mul (local.get 2) (local.get 3)))))
    (func (export "msub") (param i32 f64 f64 f64)
      (f64.store (i32.add (local.get 0) (i32.const 16))
        (f64.sub (local.get 1) (f64.mul (local.get 2) (local.get 3)))))
    (func (export "get") (param i32) (result f64)
      (f64.load (local.get 0)))))";
  Instance* inst = instantiate(store, wat);
  for (double y : {2.0, 3.0, 1e-300, 0.5}) {
    CAPTURE(y);
    volatile double root = std::sqrt(y);
    volatile double product = 3.0000000000000004 * root;
    CHECK(
        call_export(store, inst, "msqrt", {f64(3.0000000000000004), f64(y)})[0]
            .bits == std::bit_cast<uint64_t>(double(product)));
  }
  CHECK(std::isnan(
      as_f64(call_export(store, inst, "msqrt", {f64(1), f64(-1)})[0])));
  // dt / (d2 * sqrt(d2)) (F64ConstDivMulSqrt): root, product and quotient
  // each rounded alone.
  for (double d2 : {2.0, 3.0000000000000004, 1e-300, 7.25, 0.0}) {
    CAPTURE(d2);
    volatile double root = std::sqrt(d2);
    volatile double product = d2 * root;
    volatile double q = 0.01 / product;
    CHECK(call_export(store, inst, "cube", {f64(d2)})[0].bits ==
          std::bit_cast<uint64_t>(double(q)));
  }
  CHECK(std::isnan(as_f64(call_export(store, inst, "cube", {f64(-4)})[0])));
  const double c = 0.1, x = 1.0 / 3, y = 3.0000000000000004;
  volatile double xy = x * y;
  call_export(store, inst, "madd", {Value::i32(100), f64(c), f64(x), f64(y)});
  call_export(store, inst, "msub", {Value::i32(200), f64(c), f64(x), f64(y)});
  CHECK(as_f64(call_export(store, inst, "get", {Value::i32(108)})[0]) ==
        c + xy);
  CHECK(as_f64(call_export(store, inst, "get", {Value::i32(216)})[0]) ==
        c - xy);
  const std::vector<uint8_t> bytes = wat_to_wasm(wat);
  for (const char* name : {"madd", "msub"}) {
    CAPTURE(name);
    Trap t = call_export_trap(store, inst, name,
                              {Value::i32(65536 - 12), f64(1), f64(2), f64(3)});
    CHECK(t.kind == TrapKind::MemoryOutOfBounds);
    REQUIRE(t.offset < bytes.size());
    CHECK(bytes[t.offset] == 0x39);  // f64.store
    CHECK(as_f64(call_export(store, inst, "get", {Value::i32(65536 - 8)})[0]) ==
          0.0);
  }
}

// i32.eqz of an integer compare negates the compare (I32LtS becomes
// I32GeS): as a value and as an if's condition, for every compare, with
// register and immediate operands, around the sign and wrap boundaries.
TEST_CASE("eqz of an integer compare is its negation") {
  struct Cmp {
    const char* name;
    bool (*i32)(int32_t, int32_t);
    bool (*i64)(int64_t, int64_t);
  };
  static const Cmp kCmps[] = {
      {"eq", [](int32_t a, int32_t b) { return a == b; },
       [](int64_t a, int64_t b) { return a == b; }},
      {"ne", [](int32_t a, int32_t b) { return a != b; },
       [](int64_t a, int64_t b) { return a != b; }},
      {"lt_s", [](int32_t a, int32_t b) { return a < b; },
       [](int64_t a, int64_t b) { return a < b; }},
      {"lt_u", [](int32_t a, int32_t b) { return uint32_t(a) < uint32_t(b); },
       [](int64_t a, int64_t b) { return uint64_t(a) < uint64_t(b); }},
      {"gt_s", [](int32_t a, int32_t b) { return a > b; },
       [](int64_t a, int64_t b) { return a > b; }},
      {"gt_u", [](int32_t a, int32_t b) { return uint32_t(a) > uint32_t(b); },
       [](int64_t a, int64_t b) { return uint64_t(a) > uint64_t(b); }},
      {"le_s", [](int32_t a, int32_t b) { return a <= b; },
       [](int64_t a, int64_t b) { return a <= b; }},
      {"le_u", [](int32_t a, int32_t b) { return uint32_t(a) <= uint32_t(b); },
       [](int64_t a, int64_t b) { return uint64_t(a) <= uint64_t(b); }},
      {"ge_s", [](int32_t a, int32_t b) { return a >= b; },
       [](int64_t a, int64_t b) { return a >= b; }},
      {"ge_u", [](int32_t a, int32_t b) { return uint32_t(a) >= uint32_t(b); },
       [](int64_t a, int64_t b) { return uint64_t(a) >= uint64_t(b); }},
  };
  std::string funcs;
  for (const Cmp& c : kCmps) {
    const std::string n = c.name;
    for (const char* t : {"i32", "i64"}) {
      const std::string ty = t;
      const std::string cmp =
          "(i32.eqz (" + ty + "." + n + " (local.get 0) (local.get 1)))";
      funcs += "(func (export \"v_" + ty + n + "\") (param " + ty + " " + ty +
               ") (result i32) " + cmp + ")\n";
      funcs += "(func (export \"b_" + ty + n + "\") (param " + ty + " " + ty +
               ") (result i32) (if (result i32) " + cmp +
               " (then (i32.const 7)) (else (i32.const 9))))\n";
    }
    funcs += "(func (export \"k_" + n + "\") (param i32) (result i32) " +
             "(i32.eqz (i32." + n + " (local.get 0) (i32.const -5))))\n";
  }
  Store store;
  Instance* inst = instantiate(store, "(module " + funcs + ")");
  const int64_t values[] = {
      -5,        -6,        -1,        0,         5,
      INT32_MAX, INT32_MIN, INT64_MIN, INT64_MAX, int64_t{1} << 32};
  for (const Cmp& c : kCmps) {
    const std::string n = c.name;
    CAPTURE(n);
    for (int64_t a : values) {
      CAPTURE(a);
      const auto a32 = static_cast<int32_t>(a);
      CHECK(call_export(store, inst, "k_" + n,
                        {Value::i32(static_cast<uint32_t>(a32))})[0]
                .bits == (c.i32(a32, -5) ? 0u : 1u));
      for (int64_t b : values) {
        CAPTURE(b);
        const auto b32 = static_cast<int32_t>(b);
        const bool r32 = !c.i32(a32, b32), r64 = !c.i64(a, b);
        const std::vector<Value> args32 = {
            Value::i32(static_cast<uint32_t>(a32)),
            Value::i32(static_cast<uint32_t>(b32))};
        const std::vector<Value> args64 = {
            Value::i64(static_cast<uint64_t>(a)),
            Value::i64(static_cast<uint64_t>(b))};
        CHECK(call_export(store, inst, "v_i32" + n, args32)[0].bits == r32);
        CHECK(call_export(store, inst, "b_i32" + n, args32)[0].bits ==
              (r32 ? 7u : 9u));
        CHECK(call_export(store, inst, "v_i64" + n, args64)[0].bits == r64);
        CHECK(call_export(store, inst, "b_i64" + n, args64)[0].bits ==
              (r64 ? 7u : 9u));
      }
    }
  }
}

}  // namespace
}  // namespace capbox::engine::api_test
