// SPDX-License-Identifier: Apache-2.0
// The compiler's speed fusions, through the API: a counter's add joined to
// its branch, consecutive copies, shifted i32 operands, f64 ops on a load
// or a product. Each case is shaped so that a wrong fusion (a skipped add,
// a lost rounding, a trap blamed on the wrong instruction) changes the
// result.
#include <doctest/doctest.h>

#include <bit>
#include <cmath>
#include <string>

#include "api_helpers.h"

namespace capbox::engine::api_test {
namespace {

Value f64(double d) {
  return Value::f64_bits(std::bit_cast<uint64_t>(d));
}

double as_f64(const Value& v) {
  return std::bit_cast<double>(v.bits);
}

TEST_CASE("a counter's add joins its branch, never across a label") {
  Store store;
  Instance* inst = instantiate(store, R"((module
    (func (export "down") (param i32) (result i32) (local i32)
      (loop $l
        (local.set 1 (i32.add (local.get 1) (i32.const 3)))
        (br_if $l (local.tee 0 (i32.sub (local.get 0) (i32.const 1)))))
      (local.get 1))
    (func (export "upto") (param i32) (result i32) (local i32)
      (loop $l
        (br_if $l (i32.ne (local.tee 1 (i32.add (local.get 1) (i32.const 1)))
                          (local.get 0))))
      (local.get 1))
    (func (export "gt") (param i32) (result i32) (local i32)
      (loop $l
        (local.set 1 (i32.add (local.get 1) (i32.const 1)))
        (br_if $l (i32.gt_u (local.tee 0 (i32.sub (local.get 0) (i32.const 16)))
                            (i32.const 15))))
      (i32.add (i32.mul (local.get 1) (i32.const 100)) (local.get 0)))
    ;; The block's end binds a label between the add and the br_if: a
    ;; branch to it must not run the add.
    (func (export "label") (param i32) (result i32) (local i32)
      (local.set 1 (i32.const 5))
      (block $out
        (block $b
          (br_if $b (local.get 0))
          (local.set 1 (i32.add (local.get 1) (i32.const 10))))
        (br_if $out (i32.eq (local.get 1) (i32.const 15)))
        (local.set 1 (i32.add (local.get 1) (i32.const 1000))))
      (local.get 1))))");
  CHECK(call_export(store, inst, "down", {Value::i32(7)})[0].bits == 21);
  CHECK(call_export(store, inst, "upto", {Value::i32(9)})[0].bits == 9);
  // 100 - 16k > 15 while k < 6: six steps, then 100 - 96 = 4.
  CHECK(call_export(store, inst, "gt", {Value::i32(100)})[0].bits == 604);
  CHECK(call_export(store, inst, "label", {Value::i32(0)})[0].bits == 15);
  CHECK(call_export(store, inst, "label", {Value::i32(1)})[0].bits == 1005);
}

TEST_CASE("consecutive copies run in order") {
  Store store;
  Instance* inst = instantiate(store, R"((module
    (func (export "rotate") (param i32 i32 i32 i32) (result i32)
      (local i32)
      (local.set 4 (i32.const 3))
      (loop $l
        (local.set 0 (local.get 1))
        (local.set 1 (local.get 2))
        (local.set 2 (local.get 3))
        (local.set 3 (i32.add (local.get 0) (local.get 3)))
        (br_if $l (local.tee 4 (i32.sub (local.get 4) (i32.const 1)))))
      (i32.add (i32.mul (local.get 0) (i32.const 1000))
               (i32.add (i32.mul (local.get 1) (i32.const 100))
                        (i32.add (i32.mul (local.get 2) (i32.const 10))
                                 (local.get 3)))))))");
  // (1,2,3,4) -> (2,3,4,6) -> (3,4,6,9) -> (4,6,9,13)
  CHECK(call_export(
            store, inst, "rotate",
            {Value::i32(1), Value::i32(2), Value::i32(3), Value::i32(4)})[0]
            .bits == 4000 + 600 + 90 + 13);
}

TEST_CASE("an i32 op takes a constant shift of either operand") {
  Store store;
  Instance* inst = instantiate(store, R"((module
    (func (export "sigma") (param i32) (result i32)
      (i32.xor (i32.xor (i32.rotl (local.get 0) (i32.const 26))
                        (i32.rotl (local.get 0) (i32.const 21)))
               (i32.rotl (local.get 0) (i32.const 7))))
    (func (export "mix") (param i32 i32) (result i32)
      (i32.add
        (i32.and (i32.shl (local.get 0) (i32.const 3)) (local.get 1))
        (i32.or (local.get 1) (i32.shr_u (local.get 0) (i32.const 5)))))))");
  uint32_t x = 0x9E3779B9u, y = 0x0F0F1234u;
  uint32_t sigma = std::rotl(x, 26) ^ std::rotl(x, 21) ^ std::rotl(x, 7);
  CHECK(call_export(store, inst, "sigma", {Value::i32(x)})[0].bits == sigma);
  CHECK(
      call_export(store, inst, "mix", {Value::i32(x), Value::i32(y)})[0].bits ==
      static_cast<uint32_t>(((x << 3) & y) + (y | (x >> 5))));
}

TEST_CASE("f64 ops on a load keep its trap; products are rounded alone") {
  Store store;
  Instance* inst = instantiate(store, R"((module
    (memory 1)
    (func (export "sub") (param i32 f64 i32) (result f64)
      (f64.sub (local.get 1) (f64.load offset=8 (local.get 0)))
      (drop (f64.load offset=8 (local.get 2))))
    (func (export "madd") (param f64 f64 f64) (result f64)
      (f64.add (local.get 2) (f64.mul (local.get 0) (local.get 1))))
    (func (export "msubr") (param f64 f64 f64) (result f64)
      (f64.sub (f64.mul (local.get 0) (local.get 1)) (local.get 2)))
    (func (export "store") (param i32 f64)
      (f64.store offset=8 (local.get 0) (local.get 1)))))");
  call_export(store, inst, "store", {Value::i32(16), f64(2.5)});
  CHECK(as_f64(call_export(store, inst, "sub",
                           {Value::i32(16), f64(10.0), Value::i32(0)})[0]) ==
        7.5);
  Trap fused = call_export_trap(store, inst, "sub",
                                {Value::i32(65530), f64(1.0), Value::i32(0)});
  Trap plain = call_export_trap(store, inst, "sub",
                                {Value::i32(0), f64(1.0), Value::i32(65530)});
  CHECK(fused.kind == TrapKind::MemoryOutOfBounds);
  CHECK(plain.kind == TrapKind::MemoryOutOfBounds);
  // The fused load's trap is the load's, not the sub's: between the two
  // loads come the first (3 bytes), f64.sub and local.get 2.
  CHECK(plain.offset == fused.offset + 3 + 1 + 2);
  // (1 + 2^-30)(1 - 2^-30) = 1 - 2^-60 rounds to 1; an FMA would keep it.
  double a = 1.0 + std::ldexp(1.0, -30), b = 1.0 - std::ldexp(1.0, -30);
  CHECK(as_f64(call_export(store, inst, "madd",
                           {f64(a), f64(b), f64(-1.0)})[0]) == 0.0);
  CHECK(as_f64(call_export(store, inst, "msubr",
                           {f64(a), f64(b), f64(1.0)})[0]) == 0.0);
}

// musl's unaligned copy loop, unrolled four times: the four load+funnel+
// store steps run as one instruction. Each step must load, write its tee'd
// local and store exactly as alone, and a trap in any of the eight halves
// must name that half, with the stores before it done.
TEST_CASE("four funnel copies in a row run and trap as the four") {
  std::string step[4];
  for (int k = 0; k < 4; ++k) {
    const char* next = k % 2 == 0 ? "$a" : "$b";
    const char* prev = k % 2 == 0 ? "$b" : "$a";
    step[k] = "(i32.store offset=" + std::to_string(4 * k) +
              " (local.get $dst) (i32.or (i32.shl (local.tee " + next +
              " (i32.load offset=" + std::to_string(4 * k + 4) +
              " (local.get $src))) (i32.const 8)) (i32.shr_u (local.get " +
              prev + ") (i32.const 24))))\n";
  }
  Store store;
  Instance* inst = instantiate(store, R"((module
    (memory 1)
    (data (i32.const 0) "\01\02\03\04\05\06\07\08\09\0a\0b\0c\0d\0e\0f\10\11\12\13\14")
    (func (export "copy") (param $src i32) (param $dst i32) (param $b i32)
                          (result i32)
      (local $a i32)
      )" + step[0] + step[1] + step[2] + step[3] +
                                          R"(
      (i32.add (i32.mul (local.get $a) (i32.const 3)) (local.get $b)))
    (func (export "word") (param i32) (result i32)
      (i32.load (local.get 0)))))");
  uint32_t w[5];
  for (uint32_t k = 0; k < 5; ++k)
    w[k] = static_cast<uint32_t>(
        call_export(store, inst, "word", {Value::i32(4 * k)})[0].bits);
  auto r =
      call_export(store, inst, "copy",
                  {Value::i32(0), Value::i32(100), Value::i32(0xAA000000)});
  CHECK(static_cast<uint32_t>(r[0].bits) == w[3] * 3 + w[4]);
  uint32_t prev = 0xAA000000;
  for (uint32_t k = 0; k < 4; ++k) {
    CHECK(call_export(store, inst, "word", {Value::i32(100 + 4 * k)})[0].bits ==
          ((w[k + 1] << 8) | (prev >> 24)));
    prev = w[k + 1];
  }
  // Each step is 21 bytes; its load 4 bytes in, its store 18.
  Trap first = call_export_trap(
      store, inst, "copy", {Value::i32(65530), Value::i32(0), Value::i32(0)});
  CHECK(first.kind == TrapKind::MemoryOutOfBounds);
  for (uint32_t k = 0; k < 4; ++k) {
    CAPTURE(k);
    Trap load = call_export_trap(
        store, inst, "copy",
        {Value::i32(65534 - 4 * (k + 1)), Value::i32(200), Value::i32(0)});
    CHECK(load.kind == TrapKind::MemoryOutOfBounds);
    CHECK(load.offset == first.offset + 21 * k);
    Trap stored = call_export_trap(
        store, inst, "copy",
        {Value::i32(0), Value::i32(65534 - 4 * k), Value::i32(0x55000000)});
    CHECK(stored.kind == TrapKind::MemoryOutOfBounds);
    CHECK(stored.offset == first.offset + 21 * k + 14);
    if (k > 0) {
      // The store before the faulting one was done.
      uint32_t before = k == 1 ? 0x55000000 >> 24 : w[k - 1] >> 24;
      CHECK(call_export(store, inst, "word",
                        {Value::i32(65534 - 4 * k + 4 * (k - 1))})[0]
                .bits == ((w[k] << 8) | before));
    }
  }
}

}  // namespace
}  // namespace capbox::engine::api_test
