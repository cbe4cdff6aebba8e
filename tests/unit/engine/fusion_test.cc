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
#include <vector>

#include "api_helpers.h"

namespace capbox::engine::api_test {
namespace {

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

TEST_CASE("an add, copy or constant that writes the result returns with it") {
  Store store;
  Instance* inst = instantiate(store, R"((module
    ;; Ends in an add: fib(n) by fib(n-1) + fib(n-2).
    (func $fib (export "fib") (param i32) (result i32)
      (if (result i32) (i32.lt_u (local.get 0) (i32.const 2))
        (then (local.get 0))
        (else (i32.add (call $fib (i32.sub (local.get 0) (i32.const 1)))
                       (call $fib (i32.sub (local.get 0) (i32.const 2)))))))
    ;; The same as clang compiles it: a loop over the second calls.
    (func $fib2 (export "fib2") (param i32) (result i32) (local i32)
      (if (i32.ge_u (local.get 0) (i32.const 2))
        (then
          (loop $l
            (local.set 1 (i32.add (call $fib2 (i32.sub (local.get 0)
                                                       (i32.const 1)))
                                  (local.get 1)))
            (br_if $l (i32.gt_u (local.tee 0 (i32.sub (local.get 0)
                                                      (i32.const 2)))
                                (i32.const 1))))))
      (i32.add (local.get 0) (local.get 1)))
    ;; An early return of a sum, then a sum at the end.
    (func (export "early") (param i32 i32) (result i32)
      (if (i32.gt_u (local.get 0) (i32.const 10))
        (then (return (i32.add (local.get 0) (local.get 1)))))
      (i32.add (local.get 1) (i32.const 1000)))
    ;; A copy or a constant returns with the result too; a multi-value
    ;; return copies into its own slot (1 here: slot 0 is in place).
    (func (export "pick") (param i32 i32) (result i32)
      (if (local.get 0) (then (return (local.get 1))))
      (i32.const 77))
    (func (export "pair") (param i32 i32 i32) (result i32 i32)
      (local.get 0) (local.get 2))
    ;; A branch lands on the add's result, not on the add: no fusion may
    ;; skip the block's other way in.
    (func (export "joined") (param i32) (result i32)
      (block $b (result i32)
        (drop (br_if $b (i32.const 7) (local.get 0)))
        (i32.add (local.get 0) (i32.const 40))))))");
  CHECK(call_export(store, inst, "fib", {Value::i32(20)})[0].bits == 6765);
  CHECK(call_export(store, inst, "fib2", {Value::i32(20)})[0].bits == 6765);
  CHECK(call_export(store, inst, "early", {Value::i32(11), Value::i32(5)})[0]
            .bits == 16);
  CHECK(call_export(store, inst, "early", {Value::i32(3), Value::i32(5)})[0]
            .bits == 1005);
  CHECK(call_export(store, inst, "pick", {Value::i32(1), Value::i32(9)})[0]
            .bits == 9);
  CHECK(call_export(store, inst, "pick", {Value::i32(0), Value::i32(9)})[0]
            .bits == 77);
  auto pair = call_export(store, inst, "pair",
                          {Value::i32(5), Value::i32(9), Value::i32(11)});
  REQUIRE(pair.size() == 2);
  CHECK(pair[0].bits == 5);
  CHECK(pair[1].bits == 11);
  CHECK(call_export(store, inst, "joined", {Value::i32(1)})[0].bits == 7);
  CHECK(call_export(store, inst, "joined", {Value::i32(0)})[0].bits == 40);
}

TEST_CASE("a call that computes its argument adds first, traps at the call") {
  Store store;
  Instance* inst = instantiate(store, R"((module
    ;; sum(n) = n + sum(n - 1): the argument is local 0 - 1, added by the
    ;; call (I32AddImmCall).
    (func $sum (export "sum") (param i32) (result i32)
      (if (result i32) (i32.eqz (local.get 0))
        (then (i32.const 0))
        (else (i32.add (local.get 0)
                       (call $sum (i32.sub (local.get 0) (i32.const 1)))))))
    (func $down (export "down") (param i32) (result i32)
      (call $down (i32.add (local.get 0) (i32.const 1))))))");
  CHECK(call_export(store, inst, "sum", {Value::i32(100)})[0].bits == 5050);
  // The innermost call traps where every other frame called it from.
  Trap trap = call_export_trap(store, inst, "down", {Value::i32(0)});
  CHECK(trap.kind == TrapKind::CallStackExhausted);
  REQUIRE(trap.backtrace.size() >= 2);
  CHECK(trap.backtrace[0].offset == trap.backtrace[1].offset);
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

// A loop's carried values rotated at its end, then the jump back: the
// copies join in runs of up to four (Copy2..Copy4) and the last run takes
// the jump (CopyBr..Copy4Br). Every count from 1 to 9 covers each form and
// runs of runs; a copy out of order, skipped or done twice, or a jump
// taken from the wrong word, changes the hash.
std::string rotation_module(int k) {
  std::string w = "(module (func (export \"rot\") (param $n i32) (result i64)";
  for (int i = 0; i < k; ++i)
    w += " (local $a" + std::to_string(i) + " i64)";
  w += " (local $h i64)";
  for (int i = 0; i < k; ++i)
    w += " (local.set $a" + std::to_string(i) + " (i64.const " +
         std::to_string(i + 1) + "))";
  w += " (block $out (loop $l (br_if $out (i32.eqz (local.get $n)))";
  w += " (local.set $n (i32.sub (local.get $n) (i32.const 1)))";
  w += " (i64.add (local.get $a0) (i64.mul (local.get $a" +
       std::to_string(k - 1) + ") (i64.const 3)))";
  for (int i = 0; i + 1 < k; ++i)
    w += " (local.set $a" + std::to_string(i) + " (local.get $a" +
         std::to_string(i + 1) + "))";
  w += " (local.set $a" + std::to_string(k - 1) + ") (br $l)))";
  for (int i = 0; i < k; ++i)
    w += " (local.set $h (i64.add (i64.mul (local.get $h) (i64.const 31))"
         " (local.get $a" +
         std::to_string(i) + ")))";
  return w + " (local.get $h)))";
}

uint64_t rotation_reference(int k, uint32_t n) {
  std::vector<uint64_t> a(k);
  for (int i = 0; i < k; ++i)
    a[i] = i + 1;
  for (uint32_t step = 0; step < n; ++step) {
    const uint64_t t = a[0] + a[k - 1] * 3;
    for (int i = 0; i + 1 < k; ++i)
      a[i] = a[i + 1];
    a[k - 1] = t;
  }
  uint64_t h = 0;
  for (int i = 0; i < k; ++i)
    h = h * 31 + a[i];
  return h;
}

TEST_CASE("a loop's rotated locals copy in runs and take the jump back") {
  for (int k = 1; k <= 9; ++k) {
    CAPTURE(k);
    Store store;
    Instance* inst = instantiate(store, rotation_module(k));
    for (uint32_t n : {0u, 1u, 2u, 7u, 50u}) {
      CAPTURE(n);
      CHECK(call_export(store, inst, "rot", {Value::i32(n)})[0].bits ==
            rotation_reference(k, n));
    }
  }
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

// y & ~x with the complement just computed (I32AndNot), on either side;
// an xor with any other constant stays an xor.
TEST_CASE("an and with a complement just taken is one and-not") {
  Store store;
  Instance* inst = instantiate(store, R"((module
    (func (export "choose") (param i32 i32 i32) (result i32)
      (i32.xor (i32.and (local.get 0) (local.get 1))
               (i32.and (i32.xor (local.get 0) (i32.const -1)) (local.get 2))))
    (func (export "clear") (param i32 i32) (result i32)
      (i32.and (local.get 0) (i32.xor (local.get 1) (i32.const -1))))
    (func (export "flip") (param i32 i32) (result i32)
      (i32.and (local.get 0) (i32.xor (local.get 1) (i32.const 0x7fffffff))))))");
  const uint32_t e = 0x510E527Fu, f = 0x9B05688Cu, g = 0x1F83D9ABu;
  CHECK(call_export(store, inst, "choose",
                    {Value::i32(e), Value::i32(f), Value::i32(g)})[0]
            .bits == ((e & f) ^ (~e & g)));
  CHECK(call_export(store, inst, "clear", {Value::i32(f), Value::i32(e)})[0]
            .bits == (f & ~e));
  CHECK(call_export(store, inst, "flip", {Value::i32(f), Value::i32(e)})[0]
            .bits == (f & (e ^ 0x7fffffffu)));
}

// a[i] as (a + (i << c)) then a load (I32LoadIndexed_, I64LoadIndexed_):
// the shift and the sum wrap at 32 bits before the offset is added, and an
// access past the end is the load's trap.
TEST_CASE("an indexed load shifts, wraps and traps as the three") {
  Store store;
  const std::string wat = R"((module
    (memory 1)
    (data (i32.const 0) "\01\02\03\04\05\06\07\08\09\0a\0b\0c\0d\0e\0f\10")
    (func (export "at32") (param i32 i32) (result i32)
      (i32.load offset=4 (i32.add (local.get 0)
                                  (i32.shl (local.get 1) (i32.const 2)))))
    (func (export "at64") (param i32 i32) (result i64)
      (i64.load (i32.add (local.get 0) (i32.shl (local.get 1) (i32.const 35)))))))";
  Instance* inst = instantiate(store, wat);
  auto at32 = [&](uint32_t a, uint32_t i) {
    return call_export(store, inst, "at32", {Value::i32(a), Value::i32(i)})[0]
        .bits;
  };
  CHECK(at32(0, 0) == 0x08070605u);
  CHECK(at32(1, 1) == 0x0d0c0b0au);
  // 0x40000002 << 2 wraps to 8, and 0xFFFFFFFC + 8 to 4.
  CHECK(at32(0xFFFFFFFCu, 0x40000002u) == 0x0c0b0a09u);
  CHECK(at32(8, 0) == 0x100f0e0du);
  // The count is taken mod 32: i << 35 is i << 3.
  CHECK(call_export(store, inst, "at64", {Value::i32(0), Value::i32(1)})[0]
            .bits == 0x100f0e0d0c0b0a09u);
  const std::vector<uint8_t> bytes = wat_to_wasm(wat);
  Trap t = call_export_trap(store, inst, "at32",
                            {Value::i32(65536 - 8), Value::i32(1)});
  CHECK(t.kind == TrapKind::MemoryOutOfBounds);
  REQUIRE(t.offset < bytes.size());
  CHECK(bytes[t.offset] == 0x28);  // i32.load
}

// a OP (x OP2 y) for and, or and xor (I32AndAnd .. I32XorXor), the inner
// op on either side of the outer, and sha256's majority built from them.
TEST_CASE("two bitwise ops in a row are one instruction") {
  const char* ops[] = {"and", "or", "xor"};
  std::string wat = "(module";
  for (const char* outer : ops)
    for (const char* inner : ops)
      for (int side = 0; side < 2; ++side) {
        const std::string in =
            std::string("(i32.") + inner + " (local.get 1) (local.get 2))";
        wat += std::string(" (func (export \"") + outer + "_" + inner +
               (side ? "_r" : "") +
               "\") (param i32 i32 i32) (result i32) (i32." + outer + " " +
               (side ? in + " (local.get 0)" : "(local.get 0) " + in) + "))";
      }
  wat += R"( (func (export "maj") (param i32 i32 i32) (result i32)
      (i32.xor (i32.and (local.get 0) (i32.xor (local.get 1) (local.get 2)))
               (i32.and (local.get 1) (local.get 2))))))";
  Store store;
  Instance* inst = instantiate(store, wat);
  auto apply = [](const std::string& op, uint32_t p, uint32_t q) {
    return op == "and" ? p & q : op == "or" ? p | q : p ^ q;
  };
  const uint32_t a = 0x6A09E667u, b = 0xBB67AE85u, c = 0x3C6EF372u;
  for (const char* outer : ops)
    for (const char* inner : ops)
      for (const char* side : {"", "_r"}) {
        const std::string name = std::string(outer) + "_" + inner + side;
        CAPTURE(name);
        CHECK(call_export(store, inst, name,
                          {Value::i32(a), Value::i32(b), Value::i32(c)})[0]
                  .bits == apply(outer, a, apply(inner, b, c)));
      }
  CHECK(call_export(store, inst, "maj",
                    {Value::i32(a), Value::i32(b), Value::i32(c)})[0]
            .bits == ((a & b) ^ (a & c) ^ (b & c)));
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
// store steps run as one instruction, in its compact form when addressed
// as musl does (local + constant) and as four in one otherwise (offsets).
// Each step must load, write its tee'd local and store exactly as alone,
// and a trap in any of the eight halves must name that half, with the
// stores before it done.
std::string funnel_step(int k, bool adds) {
  const char* next = k % 2 == 0 ? "$a" : "$b";
  const char* prev = k % 2 == 0 ? "$b" : "$a";
  std::string src = adds ? "(i32.load (i32.add (local.get $src) (i32.const " +
                               std::to_string(4 * k + 4) + ")))"
                         : "(i32.load offset=" + std::to_string(4 * k + 4) +
                               " (local.get $src))";
  std::string dst =
      adds ? "(i32.store (i32.add (local.get $dst) (i32.const " +
                 std::to_string(4 * k) + "))"
           : "(i32.store offset=" + std::to_string(4 * k) + " (local.get $dst)";
  return dst + " (i32.or (i32.shl (local.tee " + next + " " + src +
         ") (i32.const 8)) (i32.shr_u (local.get " + prev +
         ") (i32.const 24))))\n";
}

void check_funnel_run(bool adds) {
  CAPTURE(adds);
  Store store;
  Instance* inst = instantiate(store, R"((module
    (memory 1)
    (data (i32.const 0) "\01\02\03\04\05\06\07\08\09\0a\0b\0c\0d\0e\0f\10\11\12\13\14")
    (func (export "copy") (param $src i32) (param $dst i32) (param $b i32)
                          (result i32)
      (local $a i32)
      )" + funnel_step(0, adds) + funnel_step(1, adds) +
                                          funnel_step(2, adds) +
                                          funnel_step(3, adds) + R"(
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
  // A step is 21 bytes (27 with the adds); its store 14 after its load.
  const uint32_t step = adds ? 27 : 21;
  Trap first = call_export_trap(
      store, inst, "copy", {Value::i32(65530), Value::i32(0), Value::i32(0)});
  CHECK(first.kind == TrapKind::MemoryOutOfBounds);
  for (uint32_t k = 0; k < 4; ++k) {
    CAPTURE(k);
    Trap load = call_export_trap(
        store, inst, "copy",
        {Value::i32(65534 - 4 * (k + 1)), Value::i32(200), Value::i32(0)});
    CHECK(load.kind == TrapKind::MemoryOutOfBounds);
    CHECK(load.offset == first.offset + step * k);
    Trap stored = call_export_trap(
        store, inst, "copy",
        {Value::i32(0), Value::i32(65534 - 4 * k), Value::i32(0x55000000)});
    CHECK(stored.kind == TrapKind::MemoryOutOfBounds);
    CHECK(stored.offset == first.offset + step * k + 14);
    if (k > 0) {
      // The store before the faulting one was done.
      uint32_t before = k == 1 ? 0x55000000 >> 24 : w[k - 1] >> 24;
      CHECK(call_export(store, inst, "word",
                        {Value::i32(65534 - 4 * k + 4 * (k - 1))})[0]
                .bits == ((w[k] << 8) | before));
    }
  }
}

TEST_CASE("four funnel copies in a row run and trap as the four") {
  check_funnel_run(false);
  check_funnel_run(true);
}

// The unaligned copy loop's head sums two addresses (an I32Add2) and its
// tail steps two counters before the test (an Add2BrIf*). Each add must
// see the one before it, and a label between two adds must keep them
// apart: a branch to it runs only the second.
TEST_CASE("two adds in a row, and two counters before a branch") {
  Store store;
  Instance* inst = instantiate(store, R"((module
    (func (export "sums") (param i32 i32) (result i32) (local i32 i32)
      (local.set 2 (i32.add (local.get 0) (local.get 1)))
      (local.set 3 (i32.add (local.get 2) (local.get 0)))
      (i32.add (i32.mul (local.get 2) (i32.const 1000)) (local.get 3)))
    (func (export "sums_label") (param i32 i32) (result i32) (local i32)
      (local.set 2 (i32.const 7))
      (block $b
        (br_if $b (local.get 0))
        (local.set 2 (i32.add (local.get 2) (local.get 1))))
      (local.set 2 (i32.add (local.get 2) (local.get 1)))
      (local.get 2))
    (func (export "counters") (param i32) (result i32) (local i32 i32)
      (loop $l
        (local.set 2 (i32.add (local.get 2) (i32.const 1)))
        (local.set 1 (i32.add (local.get 1) (i32.const 16)))
        (br_if $l (i32.gt_u (local.tee 0 (i32.sub (local.get 0) (i32.const 16)))
                            (i32.const 15))))
      (i32.add (i32.mul (local.get 2) (i32.const 100000))
               (i32.add (i32.mul (local.get 1) (i32.const 100)) (local.get 0))))
    (func (export "counters_nez") (param i32) (result i32) (local i32)
      (loop $l
        (local.set 1 (i32.add (local.get 1) (i32.const 3)))
        (br_if $l (local.tee 0 (i32.sub (local.get 0) (i32.const 1)))))
      (local.get 1))
    ;; A label between the two counters: the branch into it must step
    ;; only the second.
    (func (export "counters_label") (param i32) (result i32) (local i32 i32)
      (local.set 2 (i32.const 50))
      (block $b
        (br_if $b (local.get 0))
        (local.set 2 (i32.add (local.get 2) (i32.const 1))))
      (block $out
        (br_if $out (i32.ne (local.tee 1 (i32.add (local.get 1) (i32.const 2)))
                            (i32.const 2)))
        (local.set 2 (i32.add (local.get 2) (i32.const 1000))))
      (i32.add (local.get 2) (i32.mul (local.get 1) (i32.const 10000))))))");
  // 3 + 4 = 7, then 7 + 3 = 10.
  CHECK(call_export(store, inst, "sums", {Value::i32(3), Value::i32(4)})[0]
            .bits == 7010);
  CHECK(
      call_export(store, inst, "sums_label", {Value::i32(0), Value::i32(5)})[0]
          .bits == 17);
  CHECK(
      call_export(store, inst, "sums_label", {Value::i32(1), Value::i32(5)})[0]
          .bits == 12);
  // 100 - 16k > 15 while k < 6: six steps, then 100 - 96 = 4.
  CHECK(call_export(store, inst, "counters", {Value::i32(100)})[0].bits ==
        6 * 100000 + 96 * 100 + 4);
  CHECK(call_export(store, inst, "counters_nez", {Value::i32(5)})[0].bits ==
        15);
  CHECK(call_export(store, inst, "counters_label", {Value::i32(0)})[0].bits ==
        20000 + 51 + 1000);
  CHECK(call_export(store, inst, "counters_label", {Value::i32(1)})[0].bits ==
        20000 + 50 + 1000);
}

// nbody's in-place updates: an f64 loaded, added to or multiplied and
// subtracted from, and stored back to the same address run as one
// instruction. Its result, the rounding of the product, the trap (the
// load's) and an update of a different address (not joined) must all be
// those of the separate instructions.
TEST_CASE("an f64 updated in place runs and traps as load, op and store") {
  Store store;
  Instance* inst = instantiate(store, R"((module
    (memory 1)
    (func (export "acc") (param $p i32) (param $x f64) (param $probe i32)
      (drop (i32.load8_u (local.get $probe)))
      (f64.store offset=8 (local.get $p)
        (f64.add (local.get $x) (f64.load offset=8 (local.get $p)))))
    (func (export "msub") (param $p i32) (param $a f64) (param $b f64)
                          (param $probe i32)
      (drop (i32.load8_u (local.get $probe)))
      (f64.store (local.get $p)
        (f64.sub (f64.load (local.get $p))
                 (f64.mul (local.get $a) (local.get $b)))))
    (func (export "moved") (param $p i32) (param $x f64)
      (f64.store offset=16 (local.get $p)
        (f64.add (local.get $x) (f64.load offset=8 (local.get $p)))))
    (func (export "set") (param i32 f64) (f64.store (local.get 0) (local.get 1)))
    (func (export "get") (param i32) (result f64) (f64.load (local.get 0)))))");
  call_export(store, inst, "set", {Value::i32(48), f64(1.5)});
  call_export(store, inst, "acc", {Value::i32(40), f64(2.25), Value::i32(0)});
  CHECK(as_f64(call_export(store, inst, "get", {Value::i32(48)})[0]) == 3.75);
  call_export(store, inst, "moved", {Value::i32(40), f64(1.0)});
  CHECK(as_f64(call_export(store, inst, "get", {Value::i32(56)})[0]) == 4.75);
  CHECK(as_f64(call_export(store, inst, "get", {Value::i32(48)})[0]) == 3.75);
  // 1 - (1 + 2^-30)(1 - 2^-30): the product rounds to 1, so 0; an FMA
  // would leave 2^-60.
  double a = 1.0 + std::ldexp(1.0, -30), b = 1.0 - std::ldexp(1.0, -30);
  call_export(store, inst, "set", {Value::i32(64), f64(1.0)});
  call_export(store, inst, "msub",
              {Value::i32(64), f64(a), f64(b), Value::i32(0)});
  CHECK(as_f64(call_export(store, inst, "get", {Value::i32(64)})[0]) == 0.0);
  call_export(store, inst, "set", {Value::i32(64), f64(10.0)});
  call_export(store, inst, "msub",
              {Value::i32(64), f64(2.0), f64(3.0), Value::i32(0)});
  CHECK(as_f64(call_export(store, inst, "get", {Value::i32(64)})[0]) == 4.0);
  // The probe's trap marks the function's start; the update's load is
  // after it: i32.load8_u (3), drop, the store's local.get, the add's
  // local.get $x (acc only), the load's local.get.
  for (const char* name : {"acc", "msub"}) {
    CAPTURE(name);
    const bool is_acc = std::string(name) == "acc";
    std::vector<Value> probe = {Value::i32(0), f64(1.0)};
    if (!is_acc)
      probe.push_back(f64(1.0));
    std::vector<Value> fault = probe;
    probe.push_back(Value::i32(65536));
    fault[0] = Value::i32(65530);
    fault.push_back(Value::i32(0));
    Trap at_probe = call_export_trap(store, inst, name, probe);
    Trap at_load = call_export_trap(store, inst, name, fault);
    CHECK(at_load.kind == TrapKind::MemoryOutOfBounds);
    CHECK(at_load.offset == at_probe.offset + 3 + 1 + 2 + (is_acc ? 2 : 0) + 2);
  }
}

// sha256's sigma functions: rotates of one value xored together (and a
// final shift) become one instruction; a term of another value must stay
// apart.
TEST_CASE("xors of rotates of one value compute each term") {
  Store store;
  Instance* inst = instantiate(store, R"((module
    (func (export "big") (param i32) (result i32)
      (i32.xor (i32.xor (i32.rotl (local.get 0) (i32.const 26))
                        (i32.rotl (local.get 0) (i32.const 21)))
               (i32.rotl (local.get 0) (i32.const 7))))
    (func (export "small") (param i32) (result i32)
      (i32.xor (i32.xor (i32.rotl (local.get 0) (i32.const 25))
                        (i32.rotl (local.get 0) (i32.const 14)))
               (i32.shr_u (local.get 0) (i32.const 3))))
    (func (export "two") (param i32) (result i32)
      (i32.xor (i32.rotl (local.get 0) (i32.const 30))
               (i32.rotl (local.get 0) (i32.const 19))))
    (func (export "mixed") (param i32 i32) (result i32)
      (i32.xor (i32.xor (i32.rotl (local.get 0) (i32.const 26))
                        (i32.rotl (local.get 1) (i32.const 21)))
               (i32.rotl (local.get 0) (i32.const 7))))))");
  const uint32_t x = 0x6A09E667u, y = 0xBB67AE85u;
  auto call1 = [&](const char* name) {
    return static_cast<uint32_t>(
        call_export(store, inst, name, {Value::i32(x)})[0].bits);
  };
  CHECK(call1("big") ==
        (std::rotl(x, 26) ^ std::rotl(x, 21) ^ std::rotl(x, 7)));
  CHECK(call1("small") == (std::rotl(x, 25) ^ std::rotl(x, 14) ^ (x >> 3)));
  CHECK(call1("two") == (std::rotl(x, 30) ^ std::rotl(x, 19)));
  CHECK(static_cast<uint32_t>(
            call_export(store, inst, "mixed", {Value::i32(x), Value::i32(y)})[0]
                .bits) ==
        (std::rotl(x, 26) ^ std::rotl(y, 21) ^ std::rotl(x, 7)));
}

// The aligned copy loop: four i64 load+store copies in a row run in one
// dispatch; each copies, and traps (its load or its store) with the
// copies before it done, exactly as alone.
TEST_CASE("four i64 copies in a row run and trap as the four") {
  std::string body;
  for (int k = 0; k < 4; ++k)
    body += "(i64.store offset=" + std::to_string(8 * k) +
            " (local.get $dst) (i64.load offset=" + std::to_string(8 * k) +
            " (local.get $src)))\n";
  Store store;
  Instance* inst = instantiate(store, R"((module
    (memory 1)
    (data (i32.const 0) "\01\02\03\04\05\06\07\08\09\0a\0b\0c\0d\0e\0f\10\11\12\13\14\15\16\17\18\19\1a\1b\1c\1d\1e\1f\20")
    (func (export "copy") (param $src i32) (param $dst i32)
      )" + body + R"()
    (func (export "word") (param i32) (result i64)
      (i64.load (local.get 0)))))");
  call_export(store, inst, "copy", {Value::i32(0), Value::i32(100)});
  for (uint32_t k = 0; k < 4; ++k)
    CHECK(call_export(store, inst, "word", {Value::i32(100 + 8 * k)})[0].bits ==
          call_export(store, inst, "word", {Value::i32(8 * k)})[0].bits);
  // A copy is 10 bytes: local.get, local.get, i64.load (3), i64.store (3).
  Trap first =
      call_export_trap(store, inst, "copy", {Value::i32(65532), Value::i32(0)});
  CHECK(first.kind == TrapKind::MemoryOutOfBounds);
  for (uint32_t k = 0; k < 4; ++k) {
    CAPTURE(k);
    Trap load = call_export_trap(store, inst, "copy",
                                 {Value::i32(65532 - 8 * k), Value::i32(200)});
    CHECK(load.offset == first.offset + 10 * k);
    Trap stored = call_export_trap(store, inst, "copy",
                                   {Value::i32(0), Value::i32(65532 - 8 * k)});
    CHECK(stored.kind == TrapKind::MemoryOutOfBounds);
    CHECK(stored.offset == first.offset + 10 * k + 3);
    if (k > 0) {
      CHECK(
          call_export(store, inst, "word",
                      {Value::i32(65532 - 8 * k + 8 * (k - 1))})[0]
              .bits ==
          call_export(store, inst, "word", {Value::i32(8 * (k - 1))})[0].bits);
    }
  }
}

// Lua's interpreter loop (luaV_execute). Each function below is shaped as
// clang compiles it, so that its code takes the fused instruction; the
// answers are those of the separate instructions.
TEST_CASE("a field of a word, alone or added to a base") {
  Store store;
  Instance* inst = instantiate(store, R"((module
    (func (export "field") (param i32) (result i32)
      (i32.and (i32.shr_u (local.get 0) (i32.const 3)) (i32.const 4080)))
    (func (export "reg") (param i32 i32) (result i32)
      (i32.add (local.get 1)
               (i32.and (i32.shr_u (local.get 0) (i32.const 3))
                        (i32.const 4080))))
    ;; the base above the field, and a shift count taken mod 32
    (func (export "reg_above") (param i32 i32) (result i32)
      (i32.add (i32.and (i32.shr_u (local.get 0) (i32.const 35))
                        (i32.const 4095))
               (local.get 1)))))");
  const uint32_t i = 0xDEADBEEFu, base = 0xFFFFF000u;
  CHECK(call_export(store, inst, "field", {Value::i32(i)})[0].bits ==
        ((i >> 3) & 4080));
  CHECK(call_export(store, inst, "reg", {Value::i32(i), Value::i32(base)})[0]
            .bits == static_cast<uint32_t>(base + ((i >> 3) & 4080)));
  CHECK(call_export(store, inst, "reg_above",
                    {Value::i32(i), Value::i32(base)})[0]
            .bits == static_cast<uint32_t>(base + ((i >> 3) & 4095)));
}

TEST_CASE("two i32 loads in a row run and trap as the two") {
  Store store;
  Instance* inst = instantiate(store, R"((module
    (memory 1)
    (data (i32.const 16) "\20\00\00\00")
    (data (i32.const 36) "\44\33\22\11")
    ;; p->next->value: the second load's address is the first's result
    (func (export "chain") (param i32) (result i32)
      (i32.load offset=4 (i32.load offset=16 (local.get 0))))
    ;; two independent loads, the first kept in a local
    (func (export "pair") (param i32 i32) (result i32) (local i32)
      (local.set 2 (i32.load (local.get 0)))
      (i32.sub (i32.load offset=20 (local.get 1)) (local.get 2)))))");
  CHECK(call_export(store, inst, "chain", {Value::i32(0)})[0].bits ==
        0x11223344u);
  CHECK(call_export(store, inst, "pair", {Value::i32(16), Value::i32(16)})[0]
            .bits == 0x11223344u - 0x20u);
  Trap first =
      call_export_trap(store, inst, "pair", {Value::i32(65534), Value::i32(0)});
  Trap second =
      call_export_trap(store, inst, "pair", {Value::i32(0), Value::i32(65534)});
  CHECK(first.kind == TrapKind::MemoryOutOfBounds);
  CHECK(second.kind == TrapKind::MemoryOutOfBounds);
  // Between the loads: i32.load (3 bytes), local.set (2), local.get (2).
  CHECK(second.offset == first.offset + 3 + 2 + 2);
}

TEST_CASE("a mask test branches as and + eqz + br_if") {
  Store store;
  Instance* inst = instantiate(store, R"((module
    (func (export "if_set") (param i32) (result i32)
      (if (result i32) (i32.and (local.get 0) (i32.const 8))
        (then (i32.const 1)) (else (i32.const 2))))
    (func (export "br_clear") (param i32) (result i32)
      (block $b
        (br_if $b (i32.eqz (i32.and (local.get 0) (i32.const 0x40))))
        (return (i32.const 10)))
      (i32.const 20))
    (func (export "if_clear") (param i32) (result i32)
      (if (result i32) (i32.eqz (i32.and (local.get 0) (i32.const 0x40)))
        (then (i32.const 30)) (else (i32.const 40))))
    ;; the eqz's value used, not branched on
    (func (export "value") (param i32) (result i32)
      (i32.add (i32.eqz (i32.and (local.get 0) (i32.const 3)))
               (i32.const 100)))))");
  CHECK(call_export(store, inst, "if_set", {Value::i32(0x18)})[0].bits == 1);
  CHECK(call_export(store, inst, "if_set", {Value::i32(0x17)})[0].bits == 2);
  CHECK(call_export(store, inst, "br_clear", {Value::i32(0x40)})[0].bits == 10);
  CHECK(call_export(store, inst, "br_clear", {Value::i32(0xBF)})[0].bits == 20);
  CHECK(call_export(store, inst, "if_clear", {Value::i32(0x40)})[0].bits == 40);
  CHECK(call_export(store, inst, "if_clear", {Value::i32(0xBF)})[0].bits == 30);
  CHECK(call_export(store, inst, "value", {Value::i32(4)})[0].bits == 101);
  CHECK(call_export(store, inst, "value", {Value::i32(6)})[0].bits == 100);
}

TEST_CASE("a switch on x - k, its case map loaded by a field") {
  Store store;
  Instance* inst = instantiate(store, R"((module
    (memory 1)
    ;; case map at 16: opcode k (k = 0..3) maps to case 2 + (3 - k)
    (data (i32.const 16) "\05\00\00\00\04\00\00\00\03\00\00\00\02\00\00\00")
    (func $switch (param i32) (result i32)
      (block $d (block $c2 (block $c1 (block $c0
        (br_table $c0 $c1 $c2 $d (local.get 0)))
        (return (i32.const 100)))
        (return (i32.const 101)))
        (return (i32.const 102)))
      (i32.const 103))
    ;; the index a temp: the case map's entry minus 2 (the opcode's low
    ;; two bits, times 4, plus the map's address)
    (func (export "op") (param i32) (result i32)
      (block $d (block $c3 (block $c2 (block $c1 (block $c0
        (br_table $c0 $c1 $c2 $c3 $d
          (i32.add (i32.load (i32.add (i32.shl (i32.and (local.get 0)
                                                        (i32.const 3))
                                               (i32.const 2))
                                      (i32.const 16)))
                   (i32.const -2))))
        (return (i32.const 200)))
        (return (i32.const 201)))
        (return (i32.const 202)))
        (return (i32.const 203)))
      (i32.const 204))
    ;; the index a local + constant; 0 - 1 wraps to the default
    (func (export "local") (param i32) (result i32)
      (call $switch (i32.const 0))
      (drop)
      (block $d (block $c1 (block $c0
        (br_table $c0 $c1 $d (i32.add (local.get 0) (i32.const -1))))
        (return (i32.const 300)))
        (return (i32.const 301)))
      (i32.const 302))
    ;; the map's address wraps: ((x & 3) << 2) + 0xfffffffc is 4, plus
    ;; offset 16 (not 2^32 + 20, out of bounds)
    (func (export "wrap") (param i32) (result i32)
      (i32.load offset=16 (i32.add (i32.shl (i32.and (local.get 0)
                                                     (i32.const 3))
                                            (i32.const 2))
                                   (i32.const 0xfffffffc))))
    ;; the map far up: entry 0 (0 - 2: the default), entry 1 out of bounds
    (func (export "op_far") (param i32) (result i32)
      (block $d (block $c0
        (br_table $c0 $d
          (i32.add (i32.load (i32.add (i32.shl (i32.and (local.get 0)
                                                        (i32.const 255))
                                               (i32.const 2))
                                      (i32.const 65532)))
                   (i32.const -2))))
        (return (i32.const 400)))
      (i32.const 401))
    (func (export "trap") (param i32) (result i32)
      (i32.load (i32.add (i32.shl (i32.and (local.get 0) (i32.const 255))
                                  (i32.const 2))
                         (i32.const 65532))))))");
  // opcode k -> case 3 - k; 7 & 3 = 3 -> case 0.
  for (uint32_t k = 0; k < 4; ++k)
    CHECK(call_export(store, inst, "op", {Value::i32(k + 4)})[0].bits ==
          200 + 3 - k);
  CHECK(call_export(store, inst, "local", {Value::i32(1)})[0].bits == 300);
  CHECK(call_export(store, inst, "local", {Value::i32(2)})[0].bits == 301);
  CHECK(call_export(store, inst, "local", {Value::i32(0)})[0].bits == 302);
  CHECK(call_export(store, inst, "local", {Value::i32(9)})[0].bits == 302);
  CHECK(call_export(store, inst, "wrap", {Value::i32(2)})[0].bits == 4);
  CHECK(call_export(store, inst, "op_far", {Value::i32(0x100)})[0].bits == 401);
  CHECK(call_export_trap(store, inst, "op_far", {Value::i32(1)}).kind ==
        TrapKind::MemoryOutOfBounds);
  CHECK(call_export(store, inst, "trap", {Value::i32(0x100)})[0].bits == 0);
  CHECK(call_export_trap(store, inst, "trap", {Value::i32(1)}).kind ==
        TrapKind::MemoryOutOfBounds);
}

TEST_CASE("a constant stored just before a branch is stored either way") {
  Store store;
  Instance* inst = instantiate(store, R"((module
    (func (export "br") (param i32) (result i32) (local i32)
      (block $b
        (local.set 1 (i32.const 7))
        (br_if $b (local.get 0))
        (local.set 1 (i32.add (local.get 1) (i32.const 100))))
      (local.get 1))
    ;; before the block, the test inverted (i32.eqz taken into the branch)
    (func (export "before_block") (param i32) (result i32) (local i32)
      (local.set 1 (i32.const 7))
      (block $b
        (br_if $b (i32.eqz (local.get 0)))
        (local.set 1 (i32.add (local.get 1) (i32.const 100))))
      (local.get 1))
    ;; the constant is the tested value itself
    (func (export "self") (param i32) (result i32)
      (block $b
        (local.set 0 (i32.const 0))
        (br_if $b (i32.eqz (local.get 0)))
        (return (i32.const 1)))
      (i32.const 2))
    (func (export "if") (param i32) (result i32) (local i32)
      (local.set 1 (i32.const 9))
      (if (local.get 0) (then (local.set 1 (i32.add (local.get 1)
                                                     (i32.const 1)))))
      (local.get 1))
    ;; a constant before a loop stays before it: the back edge must not
    ;; store it again
    (global $g (mut i32) (i32.const 0))
    (func $inner (param i32) (local i32)
      (local.set 1 (i32.const 1000))
      (loop $l
        (br_if 1 (i32.eqz (local.get 0)))
        (local.set 1 (i32.add (local.get 1) (i32.const 1)))
        (global.set $g (local.get 1))
        (local.set 0 (i32.sub (local.get 0) (i32.const 1)))
        (br $l)))
    (func (export "loop") (param i32) (result i32)
      (call $inner (local.get 0))
      (global.get $g))))");
  CHECK(call_export(store, inst, "br", {Value::i32(1)})[0].bits == 7);
  CHECK(call_export(store, inst, "br", {Value::i32(0)})[0].bits == 107);
  CHECK(call_export(store, inst, "before_block", {Value::i32(0)})[0].bits == 7);
  CHECK(call_export(store, inst, "before_block", {Value::i32(1)})[0].bits ==
        107);
  CHECK(call_export(store, inst, "self", {Value::i32(5)})[0].bits == 2);
  CHECK(call_export(store, inst, "if", {Value::i32(1)})[0].bits == 10);
  CHECK(call_export(store, inst, "if", {Value::i32(0)})[0].bits == 9);
  CHECK(call_export(store, inst, "loop", {Value::i32(3)})[0].bits == 1003);
}

TEST_CASE("a tag loaded and tested runs and traps as load and branch") {
  Store store;
  Instance* inst = instantiate(store, R"((module
    (memory 1)
    (data (i32.const 8) "\03")
    (data (i32.const 24) "\05")
    ;; the tag kept in a local and tested; either way it is returned
    (func (export "tag") (param i32 i32) (result i32) (local i32)
      (block $b
        (br_if $b (i32.ne (local.tee 2 (i32.load8_u offset=8 (local.get 0)))
                          (i32.const 3)))
        (return (i32.add (local.get 2) (i32.const 1))))
      (drop (i32.load8_u (local.get 1)))
      (local.get 2))
    (func (export "is5") (param i32) (result i32)
      (if (result i32) (i32.eq (i32.load8_u offset=8 (local.get 0))
                               (i32.const 5))
        (then (i32.const 1)) (else (i32.const 0))))))");
  CHECK(
      call_export(store, inst, "tag", {Value::i32(0), Value::i32(0)})[0].bits ==
      4);
  CHECK(call_export(store, inst, "tag", {Value::i32(16), Value::i32(0)})[0]
            .bits == 5);
  CHECK(
      call_export(store, inst, "tag", {Value::i32(1), Value::i32(0)})[0].bits ==
      0);
  CHECK(call_export(store, inst, "is5", {Value::i32(16)})[0].bits == 1);
  CHECK(call_export(store, inst, "is5", {Value::i32(0)})[0].bits == 0);
  Trap fused =
      call_export_trap(store, inst, "tag", {Value::i32(65530), Value::i32(0)});
  Trap plain =
      call_export_trap(store, inst, "tag", {Value::i32(16), Value::i32(65536)});
  CHECK(fused.kind == TrapKind::MemoryOutOfBounds);
  CHECK(plain.kind == TrapKind::MemoryOutOfBounds);
  // From the fused load to the plain one: load (3 bytes), local.tee (2),
  // i32.const (2), i32.ne, br_if (2), local.get (2), i32.const (2),
  // i32.add, return, end, local.get (2).
  CHECK(plain.offset ==
        fused.offset + 3 + 2 + 2 + 1 + 2 + 2 + 2 + 1 + 1 + 1 + 2);
}

TEST_CASE("a word loaded, then a field of it added to a base") {
  Store store;
  Instance* inst = instantiate(store, R"((module
    (memory 1)
    (data (i32.const 4) "\ef\be\ad\de")
    (func (export "fetch") (param i32 i32) (result i32) (local i32)
      (local.set 2 (i32.load (local.get 0)))
      (i32.xor (i32.add (local.get 1)
                        (i32.and (i32.shr_u (local.get 2) (i32.const 3))
                                 (i32.const 4080)))
               (local.get 2)))
    ;; the field of another word than the one just loaded
    (func (export "other") (param i32 i32 i32) (result i32) (local i32)
      (local.set 3 (i32.load (local.get 0)))
      (i32.xor (i32.add (local.get 1)
                        (i32.and (i32.shr_u (local.get 2) (i32.const 3))
                                 (i32.const 4080)))
               (local.get 3)))))");
  const uint32_t i = 0xDEADBEEFu, base = 0x10000u, w = 0x12345678u;
  CHECK(call_export(store, inst, "fetch", {Value::i32(4), Value::i32(base)})[0]
            .bits == ((base + ((i >> 3) & 4080)) ^ i));
  CHECK(call_export(store, inst, "other",
                    {Value::i32(4), Value::i32(base), Value::i32(w)})[0]
            .bits == ((base + ((w >> 3) & 4080)) ^ i));
  CHECK(call_export_trap(store, inst, "fetch",
                         {Value::i32(65534), Value::i32(base)})
            .kind == TrapKind::MemoryOutOfBounds);
}

// Lua's setobj: a TValue's 8-byte value, then its tag byte, copied. The
// two copies run as one instruction; a trap in any of the four halves
// names that half, with the copies before it done.
TEST_CASE("a value and its tag copied run and trap as the two copies") {
  Store store;
  Instance* inst = instantiate(store, R"((module
    (memory 1)
    (data (i32.const 0) "\01\02\03\04\05\06\07\08\09\0a")
    (data (i32.const 109) "\aa")
    (func (export "setobj") (param $dst i32) (param $src i32)
      (i64.store (local.get $dst) (i64.load (local.get $src)))
      (i32.store8 offset=8 (local.get $dst)
                  (i32.load8_u offset=8 (local.get $src))))
    (func (export "word") (param i32) (result i64)
      (i64.load (local.get 0)))
    (func (export "byte") (param i32) (result i32)
      (i32.load8_u (local.get 0)))))");
  call_export(store, inst, "setobj", {Value::i32(100), Value::i32(0)});
  CHECK(call_export(store, inst, "word", {Value::i32(100)})[0].bits ==
        0x0807060504030201u);
  CHECK(call_export(store, inst, "byte", {Value::i32(108)})[0].bits == 9);
  CHECK(call_export(store, inst, "byte", {Value::i32(109)})[0].bits == 0xaa);
  // A copy is 10 bytes: local.get, local.get, the load (3), the store (3).
  Trap load0 = call_export_trap(store, inst, "setobj",
                                {Value::i32(200), Value::i32(65532)});
  Trap store0 = call_export_trap(store, inst, "setobj",
                                 {Value::i32(65532), Value::i32(0)});
  // The value's store ran before the tag's store trapped: 65528 holds it
  // for the next copy's value, whose tag's load traps.
  Trap store1 = call_export_trap(store, inst, "setobj",
                                 {Value::i32(65528), Value::i32(0)});
  Trap load1 = call_export_trap(store, inst, "setobj",
                                {Value::i32(300), Value::i32(65528)});
  for (const Trap& t : {load0, store0, load1, store1})
    CHECK(t.kind == TrapKind::MemoryOutOfBounds);
  CHECK(store0.offset == load0.offset + 3);
  CHECK(load1.offset == load0.offset + 10);
  CHECK(store1.offset == load0.offset + 13);
  // The value's copy ran before the tag's load trapped.
  CHECK(call_export(store, inst, "word", {Value::i32(300)})[0].bits ==
        0x0807060504030201u);
}

}  // namespace
}  // namespace capbox::engine::api_test
