// SPDX-License-Identifier: Apache-2.0
// The compiler's speed fusions, through the API: a counter's add joined to
// its branch, consecutive copies, shifted i32 operands, f64 ops on a load
// or a product. Each case is shaped so that a wrong fusion (a skipped add,
// a lost rounding, a trap blamed on the wrong instruction) changes the
// result.
#include <doctest/doctest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <string>
#include <string_view>
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

// wasi-libc's copy and fill loops, shaped as clang emits them (musl's
// unaligned memcpy loop and its aligned one, memset's four i64 stores a
// step), run whole in one instruction (I32FunnelLoop, I64CopyLoop,
// I64FillLoop); copy64r steps its pointers the other way round. The same module loaded with
// fuel metering keeps a Fuel instruction at the loop head, so there the
// loops run step by step: both must return the same locals, leave the same
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
  CHECK(funnel(1, 1000, 50));   // three steps
  CHECK(funnel(0, 3000, 16));   // one (the test fails at once)
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
    CHECK(copy(9000, 9000, 40));  // one step
    CHECK_FALSE(copy(0, 100, 7));  // wraps around until an access faults
    for (uint32_t k = 0; k < 36; ++k) {
      CHECK_FALSE(copy(3000, 65536 - 80 - k, 200));
      CHECK_FALSE(copy(65536 - 80 - k, 3000, 200));
    }
  }
  auto fill = [&](uint32_t p, uint32_t n) {
    CAPTURE(p);
    CAPTURE(n);
    return loops.same("fill", {Value::i32(p), Value::i32(n),
                               Value::i64(0x0102030405060708)});
  };
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
      const std::string cmp = "(i32.eqz (" + ty + "." + n +
                              " (local.get 0) (local.get 1)))";
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
  const int64_t values[] = {-5, -6, -1, 0, 5, INT32_MAX, INT32_MIN,
                            INT64_MIN, INT64_MAX, int64_t{1} << 32};
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
