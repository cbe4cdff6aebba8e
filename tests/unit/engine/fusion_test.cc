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

}  // namespace
}  // namespace capbox::engine::api_test
