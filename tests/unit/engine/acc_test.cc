// SPDX-License-Identifier: Apache-2.0
// The result accumulators (src/engine/acc.def): a value read by the very
// next instruction travels in a register. Each case checks that the
// compiler picked the variant (its handler is in the code) and that the
// result is right when the accumulator held something else just before
// the producer, so a producer that failed to fill it, or a variant that
// read the wrong operand, changes the result. Where a branch lands
// between producer and consumer the accumulator holds another value, and
// the slot must be read.
#include <doctest/doctest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "compiled_helpers.h"

namespace capbox::engine::api_test {
namespace {

constexpr std::string_view kIntegers = R"((module
  (memory 1)
  ;; (x + 5) * y - x: each result read at once, as the first operand
  (func (export "first") (param i32 i32) (result i32)
    (i32.sub (i32.mul (i32.add (local.get 0) (i32.const 5)) (local.get 1))
             (local.get 0)))
  ;; x - (y + 3), then (that < x): as the second operand
  (func (export "second") (param i32 i32) (result i32)
    (i32.lt_u (local.get 0) (i32.sub (local.get 0)
                                     (i32.add (local.get 1) (i32.const 3)))))
  ;; i64: (x + y) * x, and y - (x ^ y)
  (func (export "wide") (param i64 i64) (result i64)
    (i64.sub (local.get 1)
             (i64.xor (i64.mul (i64.add (local.get 0) (local.get 1))
                               (local.get 0))
                      (local.get 1))))
  ;; store y * y at x + 8, the product just computed
  (func (export "put") (param i32 i32)
    (i32.store offset=8 (local.get 0) (i32.mul (local.get 1) (local.get 1))))
  ;; load at x + y + 8, through the address just added
  (func (export "get") (param i32 i32) (result i32)
    (i32.load offset=8 (i32.add (local.get 0) (local.get 1))))
  ;; a branch on x & y just computed
  (func (export "branch") (param i32 i32) (result i32)
    (block
      (br_if 0 (i32.and (local.get 0) (local.get 1)))
      (return (i32.const 7)))
    (i32.const 9))
  ;; branches comparing a value just computed, on either side
  (func (export "compare") (param i32 i32) (result i32)
    (block
      (br_if 0 (i32.lt_s (i32.sub (local.get 0) (local.get 1)) (local.get 1)))
      (br_if 0 (i32.gt_u (local.get 1) (i32.xor (local.get 0) (local.get 1))))
      (return (i32.const 3)))
    (i32.const 4))
  ;; a word copied between addresses just computed
  (func (export "move") (param i32 i32) (result i32)
    (i32.store offset=16 (i32.add (local.get 0) (local.get 1))
      (i32.load offset=4 (i32.add (local.get 1) (i32.const 8))))
    (i32.load offset=16 (i32.add (local.get 0) (local.get 1))))))";

TEST_CASE("integer results handed on in the accumulator") {
  Loaded m(kIntegers);
  CHECK(count_op(*m.module, Op::I32Mul_A1) >= 1);
  CHECK(count_op(*m.module, Op::I32Sub_A1) >= 1);
  CHECK(count_op(*m.module, Op::I32Sub_A2) >= 1);
  CHECK(count_op(*m.module, Op::I32LtU_A2) >= 1);
  CHECK(count_op(*m.module, Op::I64Mul_A1) >= 1);
  CHECK(count_op(*m.module, Op::I64Xor_A1) >= 1);
  CHECK(count_op(*m.module, Op::I64Sub_A2) >= 1);
  CHECK(count_op(*m.module, Op::I32Store__A1) >= 1);
  CHECK(count_op(*m.module, Op::BrIfNez_A0) >= 1);
  CHECK(count_op(*m.module, Op::BrIfI32LtS_A0) >= 1);
  CHECK(count_op(*m.module, Op::BrIfI32GtU_A1) >= 1);
  for (uint32_t x : {0u, 3u, 1000u, 0xfffffff0u}) {
    for (uint32_t y : {1u, 7u, 0x80000000u}) {
      CAPTURE(x);
      CAPTURE(y);
      CHECK(m.call("first", {Value::i32(x), Value::i32(y)}).bits ==
            uint32_t((x + 5) * y - x));
      CHECK(m.call("second", {Value::i32(x), Value::i32(y)}).bits ==
            uint32_t(x < x - (y + 3)));
      const uint64_t a = uint64_t{x} << 20 | 3, b = uint64_t{y} * 977;
      CHECK(m.call("wide", {Value::i64(a), Value::i64(b)}).bits ==
            b - (((a + b) * a) ^ b));
      CHECK(m.call("branch", {Value::i32(x), Value::i32(y)}).bits ==
            ((x & y) ? 9u : 7u));
      const bool taken = int32_t(x - y) < int32_t(y) || y > (x ^ y);
      CHECK(m.call("compare", {Value::i32(x), Value::i32(y)}).bits ==
            (taken ? 4u : 3u));
    }
  }
  // A word moved from y + 12 to x + y + 16.
  call_export(m.store, m.inst, "put", {Value::i32(8), Value::i32(77)});
  CHECK(m.call("move", {Value::i32(100), Value::i32(4)}).bits == 77u * 77u);
  // Each square read back at the address it was stored to.
  for (uint32_t y : {12u, 65535u}) {
    CAPTURE(y);
    call_export(m.store, m.inst, "put", {Value::i32(96), Value::i32(y)});
    CHECK(m.call("get", {Value::i32(90), Value::i32(6)}).bits == y * y);
  }
}

constexpr std::string_view kFloats = R"((module
  ;; d2 = x*x + y; then 0.01 / (d2 * sqrt(d2)) (nbody's magnitude)
  (func (export "magnitude") (param f64 f64) (result f64) (local f64)
    (local.set 2 (f64.add (f64.mul (local.get 0) (local.get 0))
                          (local.get 1)))
    (f64.div (f64.const 0.01)
             (f64.mul (local.get 2) (f64.sqrt (local.get 2)))))
  ;; (x - y) squared, then y / that
  (func (export "square") (param f64 f64) (result f64) (local f64)
    (local.set 2 (f64.sub (local.get 0) (local.get 1)))
    (f64.div (local.get 1) (f64.mul (local.get 2) (local.get 2))))
  ;; a branch on x + y < 4
  (func (export "escape") (param f64 f64) (result i32)
    (if (result i32) (f64.lt (f64.add (local.get 0) (local.get 1))
                             (f64.const 4))
      (then (i32.const 1)) (else (i32.const 2))))
  ;; an f64 loaded (its bits and its value both handed on), then added to
  ;; the value just stored beside it
  (memory 1)
  (func (export "loaded") (param f64 f64) (result f64)
    (f64.store offset=8 (i32.const 0) (local.get 1))
    (f64.add (f64.load offset=8 (i32.const 0)) (local.get 0)))
  ;; a sum kept in a local by a copy, then scaled
  (func (export "kept") (param f64 f64) (result f64) (local f64 f64)
    (local.set 2 (f64.add (local.get 0) (local.get 1)))
    (local.set 3 (local.get 2))
    (f64.mul (local.get 3) (f64.const 0.5)))))";

TEST_CASE("f64 results handed on in the accumulator, each rounded alone") {
  Loaded m(kFloats);
  CHECK(count_op(*m.module, Op::F64ConstDivMulSqrt_A12) >= 1);
  CHECK(count_op(*m.module, Op::F64Mul_A12) >= 1);
  CHECK(count_op(*m.module, Op::F64Div_A2) >= 1);
  CHECK(count_op(*m.module, Op::F64Add_A1) >= 1);
  for (double x : {0.5, 3.0000000000000004, -7.25, 1e-160}) {
    for (double y : {2.0, 1.0 / 3, 9.5}) {
      CAPTURE(x);
      CAPTURE(y);
      volatile double sq = x * x;
      volatile double d2 = sq + y;
      volatile double root = std::sqrt(d2);
      volatile double product = d2 * root;
      volatile double mag = 0.01 / product;
      CHECK(m.call("magnitude", {f64(x), f64(y)}).bits ==
            std::bit_cast<uint64_t>(double(mag)));
      volatile double diff = x - y;
      volatile double diff2 = diff * diff;
      volatile double q = y / diff2;
      CHECK(m.call("square", {f64(x), f64(y)}).bits ==
            std::bit_cast<uint64_t>(double(q)));
      CHECK(m.call("escape", {f64(x), f64(y)}).bits == (x + y < 4 ? 1u : 2u));
      volatile double sum = y + x;
      CHECK(m.call("loaded", {f64(x), f64(y)}).bits ==
            std::bit_cast<uint64_t>(double(sum)));
      volatile double half = (x + y) * 0.5;
      CHECK(m.call("kept", {f64(x), f64(y)}).bits ==
            std::bit_cast<uint64_t>(double(half)));
    }
  }
}

constexpr std::string_view kLanding = R"((module
  ;; The block's value is x + 1000 when the branch is taken, x + 1 when
  ;; not; the accumulator holds x + 7 at the branch. The multiply after
  ;; the block must read the slot.
  (func (export "join") (param i32 i32) (result i32) (local i32)
    (i32.mul
      (block (result i32)
        (i32.add (local.get 0) (i32.const 1000))
        (local.set 2 (i32.add (local.get 0) (i32.const 7)))
        (br_if 0 (local.get 1))
        (drop)
        (i32.add (local.get 0) (i32.const 1)))
      (local.get 0)))
  ;; The loop head reads local 1, produced just before the loop on entry
  ;; but by other code on every later turn.
  (func (export "loop") (param i32) (result i32) (local i32 i32)
    (local.set 1 (i32.add (local.get 0) (i32.const 3)))
    (loop $l
      (local.set 2 (i32.add (local.get 2)
                            (i32.mul (local.get 1) (i32.const 5))))
      (local.set 1 (i32.add (local.get 1) (i32.const 1)))
      (local.set 0 (i32.sub (local.get 0) (i32.const 1)))
      (br_if $l (i32.gt_s (local.get 0) (i32.const 0))))
    (local.get 2))))";

TEST_CASE("no accumulator where a branch lands between producer and reader") {
  Loaded m(kLanding);
  for (uint32_t x : {1u, 5u, 100u}) {
    CAPTURE(x);
    CHECK(m.call("join", {Value::i32(x), Value::i32(1)}).bits ==
          (x + 1000) * x);
    CHECK(m.call("join", {Value::i32(x), Value::i32(0)}).bits == (x + 1) * x);
    uint32_t sum = 0;
    for (uint32_t i = 0; i < x; ++i)
      sum += (x + 3 + i) * 5;
    CHECK(m.call("loop", {Value::i32(x)}).bits == sum);
  }
}

}  // namespace
}  // namespace capbox::engine::api_test
