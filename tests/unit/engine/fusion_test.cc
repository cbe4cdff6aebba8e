// SPDX-License-Identifier: Apache-2.0
// The compiler's speed fusions, through the API: a counter's add joined to
// its branch, consecutive copies, shifted i32 operands, f64 ops on a load
// or a product. Each case is shaped so that a wrong fusion (a skipped add,
// a lost rounding, a trap blamed on the wrong instruction) changes the
// result.
#include <doctest/doctest.h>

#include <bit>
#include <cmath>

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

}  // namespace
}  // namespace capbox::engine::api_test
