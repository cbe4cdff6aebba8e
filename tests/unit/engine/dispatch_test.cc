// SPDX-License-Identifier: Apache-2.0
// Table branches and the interpreters compiled to wasm that use them: the
// landing pads every index below 256 goes through (interp_loop.inc), the
// plain path above them, and the private copies of a switch's shared
// tail that each case's jump gets (compiler_tails.cc). The guest here is
// a small bytecode machine shaped like Lua's: a case map in memory, cases
// that jump to a shared fetch, and a loop back to the switch.
#include <doctest/doctest.h>

#include <cstdint>
#include <cstring>
#include <string>

#include "compiled_helpers.h"

namespace capbox::engine::api_test {
namespace {

// Instructions are words at 64 and up: opcode in the low 7 bits, operand
// above bit 8. The case map at 16 sends opcode k to br_table index
// map[k] - 2: 0 push, 1 add, 2 mul, 3 sub, 4 halt, and opcode 5 to an
// index past the table (the default, a trap). Every case but sub jumps to
// the shared fetch; sub, the last, falls into it.
constexpr std::string_view kMachine = R"((module
  (memory 1)
  (data (i32.const 16) "\02\00\00\00\03\00\00\00\04\00\00\00\05\00\00\00")
  (data (i32.const 32) "\06\00\00\00\50\00\00\00")
  (func (export "poke") (param i32 i32)
    (i32.store (local.get 0) (local.get 1)))
  (func $run (export "run") (param $pc i32) (result i32)
    (local $i i32) (local $acc i32)
    (local.set $i (i32.load (local.get $pc)))
    (loop $dispatch
      (block $next
        (block $sub (block $mul (block $add (block $push (block $halt
        (block $default
          (br_table $push $add $mul $sub $halt $default
            (i32.add (i32.load
                       (i32.add (i32.shl (i32.and (local.get $i)
                                                  (i32.const 127))
                                         (i32.const 2))
                                (i32.const 16)))
                     (i32.const -2))))
          (unreachable))
          (return (local.get $acc)))
          (local.set $acc (i32.shr_u (local.get $i) (i32.const 8)))
          (br $next))
          (local.set $acc (i32.add (local.get $acc)
                                   (i32.shr_u (local.get $i) (i32.const 8))))
          (br $next))
          (local.set $acc (i32.mul (local.get $acc)
                                   (i32.shr_u (local.get $i) (i32.const 8))))
          (br $next))
        (local.set $acc (i32.sub (local.get $acc)
                                 (i32.shr_u (local.get $i) (i32.const 8)))))
      ;; the shared fetch: the next word, back to the switch
      (local.set $pc (i32.add (local.get $pc) (i32.const 4)))
      (local.set $i (i32.load (local.get $pc)))
      (br $dispatch))
    (unreachable)))
)";

struct Machine : Loaded {
  Machine() : Loaded(kMachine) {}
  // Writes `program` at `at`.
  void write(std::initializer_list<uint32_t> program, uint32_t at = 64) {
    for (uint32_t word : program) {
      call_export(store, inst, "poke", {Value::i32(at), Value::i32(word)});
      at += 4;
    }
  }
};

uint32_t op(uint32_t opcode, uint32_t operand) {
  return opcode | operand << 8;
}

TEST_CASE("each case of a switch jumps to its own copy of the shared tail") {
  Machine m;
  // push, add, mul and sub's fall-through each reach a copy (sub's jump
  // is the block end's own br).
  CHECK(count_ops(*m.module, Op::BrTableLoadAt0, Op::BrTableLoadAt15) >= 4);
  // ((5 + 3) * 4 - 1) * 2 + 100
  m.write(
      {op(0, 5), op(1, 3), op(2, 4), op(3, 1), op(2, 2), op(1, 100), op(4, 0)});
  CHECK(call_export(m.store, m.inst, "run", {Value::i32(64)})[0].bits == 162);
  // The same case twice in a row, and every pair of cases.
  m.write({op(0, 1), op(1, 1), op(1, 1), op(2, 3), op(2, 3), op(3, 2), op(3, 2),
           op(0, 7), op(3, 7), op(1, 9), op(4, 0)});
  CHECK(call_export(m.store, m.inst, "run", {Value::i32(64)})[0].bits == 9);
  // Opcode 5 maps past the table: the default.
  m.write({op(0, 1), op(5, 0)});
  CHECK(call_export_trap(m.store, m.inst, "run", {Value::i32(64)}).kind ==
        TrapKind::Unreachable);
}

TEST_CASE("a fetch that traps in a tail's copy is blamed on the same load") {
  Machine m;
  const uint32_t last = 65536 - 4;
  // From a copy: push at the last word, the fetch after it out of bounds.
  m.write({op(0, 1)}, last);
  Trap from_copy = call_export_trap(m.store, m.inst, "run", {Value::i32(last)});
  // From the shared tail itself: sub falls into it.
  m.write({op(3, 1)}, last);
  Trap from_tail = call_export_trap(m.store, m.inst, "run", {Value::i32(last)});
  CHECK(from_copy.kind == TrapKind::MemoryOutOfBounds);
  CHECK(from_tail.kind == TrapKind::MemoryOutOfBounds);
  CHECK(from_copy.offset == from_tail.offset);
  // The first fetch, before the loop, is another load.
  Trap first = call_export_trap(m.store, m.inst, "run", {Value::i32(65535)});
  CHECK(first.kind == TrapKind::MemoryOutOfBounds);
  CHECK(first.offset != from_copy.offset);
}

// Lua's shape: the fetch also computes ra = base + ((i >> 16) & 0xff), the
// loop copies y to x before the switch, and the switch masks the opcode with
// 0x3fff, so a large one reads its case map past the end of memory. push: acc =
// ra and y += 10, add: acc += ra and y += 1, halt: acc + 1000 * x. Push jumps
// to the fetch, add falls into it. Each case's copy of the fetch, the copy and
// the switch runs as one instruction (FetchBrTableLoadAt).
constexpr std::string_view kLuaShaped = R"((module
  (memory 1)
  (data (i32.const 16) "\02\00\00\00\03\00\00\00\04\00\00\00")
  (func (export "poke") (param i32 i32)
    (i32.store (local.get 0) (local.get 1)))
  (func (export "run") (param $pc i32) (param $base i32) (result i32)
    (local $i i32) (local $ra i32) (local $acc i32) (local $x i32)
    (local $y i32)
    (local.set $i (i32.load (local.get $pc)))
    (local.set $ra (i32.add (local.get $base)
                            (i32.and (i32.shr_u (local.get $i) (i32.const 16))
                                     (i32.const 0xff))))
    (loop $dispatch
      (local.set $x (local.get $y))
      (block $next
        (block $add (block $push (block $halt (block $default
          (br_table $push $add $halt $default
            (i32.add (i32.load
                       (i32.add (i32.shl (i32.and (local.get $i)
                                                  (i32.const 0x3fff))
                                         (i32.const 2))
                                (i32.const 16)))
                     (i32.const -2))))
          (unreachable))
          (return (i32.add (local.get $acc)
                           (i32.mul (local.get $x) (i32.const 1000)))))
          (local.set $acc (local.get $ra))
          (local.set $y (i32.add (local.get $y) (i32.const 10)))
          (br $next))
        (local.set $acc (i32.add (local.get $acc) (local.get $ra)))
        (local.set $y (i32.add (local.get $y) (i32.const 1))))
      (local.set $pc (i32.add (local.get $pc) (i32.const 4)))
      (local.set $i (i32.load (local.get $pc)))
      (local.set $ra (i32.add (local.get $base)
                              (i32.and (i32.shr_u (local.get $i)
                                                  (i32.const 16))
                                       (i32.const 0xff))))
      (br $dispatch))
    (unreachable)))
)";

// An instruction of the Lua-shaped machine: opcode in the low 14 bits.
uint32_t wide(uint32_t opcode, uint32_t operand) {
  return opcode | operand << 16;
}

TEST_CASE("a Lua-shaped fetch, copy and switch run as one instruction") {
  Loaded m(kLuaShaped);
  Store& store = m.store;
  Instance* inst = m.inst;
  const int folded =
      count_ops(*m.module, Op::FetchBrTableLoadAt0, Op::FetchBrTableLoadAt15);
  CHECK(folded == 1);
  auto write = [&](std::initializer_list<uint32_t> program, uint32_t at) {
    for (uint32_t w : program) {
      call_export(store, inst, "poke", {Value::i32(at), Value::i32(w)});
      at += 4;
    }
  };
  auto run = [&](uint32_t pc, uint32_t base) {
    return call_export(store, inst, "run", {Value::i32(pc), Value::i32(base)});
  };
  // push 5, add 7, add 1, halt: ra = base + operand; y = 12, copied to x
  // before the halt.
  write({wide(0, 5), wide(1, 7), wide(1, 1), wide(2, 0)}, 64);
  CHECK(run(64, 100)[0].bits == 105 + 107 + 101 + 12000);
  // Through push's folded fetch: its operand field 8 bits wide, and y
  // copied to x there.
  write({wide(0, 0x1ff), wide(2, 0)}, 64);
  CHECK(run(64, 0)[0].bits == 0xff + 10000);
  // Traps: the fetch past memory (from a copy: push at the last word),
  // and the case map of opcode 0x3fff past memory.
  const uint32_t last = 65536 - 4;
  write({wide(0, 1)}, last);
  Trap fetch =
      call_export_trap(store, inst, "run", {Value::i32(last), Value::i32(0)});
  write({wide(0, 1), 0x3fff}, 64);
  Trap map =
      call_export_trap(store, inst, "run", {Value::i32(64), Value::i32(0)});
  write({0x3fff}, 64);
  Trap first_map =
      call_export_trap(store, inst, "run", {Value::i32(64), Value::i32(0)});
  CHECK(fetch.kind == TrapKind::MemoryOutOfBounds);
  CHECK(map.kind == TrapKind::MemoryOutOfBounds);
  // The case map's load in the folded instruction is the switch's own.
  CHECK(map.offset == first_map.offset);
  CHECK(fetch.offset != map.offset);
}

// The fetch writes its field's sum over the word it loaded, and the
// switch reads that slot: the sum is the index, so the fetch must not be
// folded (the folded switch takes the loaded word). Case map at 16:
// opcode 0 -> count, 1 -> stop; every fetch after the first switches on
// base + ((word >> 16) & 0xff).
constexpr std::string_view kSumOverWord = R"((module
  (memory 1)
  (data (i32.const 16) "\02\00\00\00\03\00\00\00")
  (data (i32.const 68) "\00\00\01\00")
  (func (export "run") (param $pc i32) (param $base i32) (result i32)
    (local $i i32) (local $n i32)
    (local.set $i (i32.load (local.get $pc)))
    (loop $dispatch
      (block $next
        (block $stop (block $count (block $default
          (br_table $count $stop $default
            (i32.add (i32.load
                       (i32.add (i32.shl (i32.and (local.get $i)
                                                  (i32.const 0x3fff))
                                         (i32.const 2))
                                (i32.const 16)))
                     (i32.const -2))))
          (unreachable))
          (local.set $n (i32.add (local.get $n) (i32.const 1)))
          (br $next))
        (return (local.get $n)))
      (local.set $pc (i32.add (local.get $pc) (i32.const 4)))
      (local.set $i (i32.load (local.get $pc)))
      (local.set $i (i32.add (local.get $base)
                             (i32.and (i32.shr_u (local.get $i)
                                                 (i32.const 16))
                                      (i32.const 0xff))))
      (br $dispatch))
    (unreachable)))
)";

TEST_CASE("a fetch whose sum overwrites its word is not folded") {
  Loaded m(kSumOverWord);
  CHECK(count_ops(*m.module, Op::FetchBrTableLoadAt0,
                  Op::FetchBrTableLoadAt15) == 0);
  CHECK(count_ops(*m.module, Op::BrTableLoadAt0, Op::BrTableLoadAt15) >= 1);
  // Word 0 at 64 counts; the word 0x10000 at 68 has field 1: stop.
  CHECK(m.call("run", {Value::i32(64), Value::i32(0)}).bits == 1);
  // With base 1, the next word (0) also gives 1: stop, after one count.
  CHECK(m.call("run", {Value::i32(60), Value::i32(1)}).bits == 1);
}

// Export `name`: a br_table on `index` (its wat) of `n` targets, entry k
// returning k, the default n.
std::string wide_table(std::string_view name, int n, std::string_view index) {
  std::string f = "(func (export \"" + std::string(name) +
                  "\") (param i32) (result i32) (block $d ";
  for (int k = n - 1; k >= 0; --k)
    f += "(block $b" + std::to_string(k) + " ";
  f += "(br_table";
  for (int k = 0; k < n; ++k)
    f += " $b" + std::to_string(k);
  f += " $d " + std::string(index) + ")";
  for (int k = 0; k < n; ++k)
    f += ") (return (i32.const " + std::to_string(k) + "))";
  return f + ") (i32.const " + std::to_string(n) + "))";
}

TEST_CASE("table branches above and below the landing pads") {
  Store store;
  Instance* inst = instantiate(
      store,
      "(module " + wide_table("f", 300, "(local.get 0)") +
          wide_table("fadd", 300, "(i32.add (local.get 0) (i32.const 7))") +
          ")");
  auto plain = [&](uint32_t i) {
    return call_export(store, inst, "f", {Value::i32(i)})[0].bits;
  };
  auto added = [&](uint32_t i) {
    return call_export(store, inst, "fadd", {Value::i32(i - 7)})[0].bits;
  };
  for (uint32_t i = 0; i < 300; ++i) {
    CAPTURE(i);
    CHECK(plain(i) == i);
    CHECK(added(i) == i);
  }
  for (uint32_t i : {300u, 301u, 5000u, 0xFFFFFFFFu}) {
    CAPTURE(i);
    CHECK(plain(i) == 300);
    CHECK(added(i) == 300);
  }
}

}  // namespace
}  // namespace capbox::engine::api_test
