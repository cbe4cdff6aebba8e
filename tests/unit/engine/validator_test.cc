// SPDX-License-Identifier: Apache-2.0
// Validator unit tests: one or more cases per validation rule, from text
// modules compiled with wat2wasm --no-check at test time, or hand-built
// bytes where the offset or the binary form matters. Goes through
// decode_module, so decoder defects show up here too.
#include <doctest/doctest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "engine/decoder.h"
#include "engine/validator.h"

namespace capbox::engine {
namespace {

using Kind = LoadError::Kind;

// Compiles `text` with wat2wasm, without its own validation.
std::vector<uint8_t> wat(const std::string& text, const char* flags = "") {
  char dir[] = "/tmp/capbox-validator-test-XXXXXX";
  REQUIRE(mkdtemp(dir) != nullptr);
  std::string in = std::string(dir) + "/m.wat";
  std::string out = std::string(dir) + "/m.wasm";
  std::ofstream(in) << text;
  std::string cmd = "wat2wasm --no-check " + std::string(flags) + " " + in +
                    " -o " + out + " 2>/dev/null";
  int status = std::system(cmd.c_str());
  std::ifstream file(out, std::ios::binary);
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(file)), {});
  std::remove(in.c_str());
  std::remove(out.c_str());
  rmdir(dir);
  REQUIRE_MESSAGE(status == 0, "wat2wasm failed on: " << text);
  return bytes;
}

Result<void, LoadError> validate_bytes(const std::vector<uint8_t>& bytes) {
  auto module = decode_module(bytes);
  REQUIRE_MESSAGE(module.has_value(),
                  "decode failed: " << module.error().message);
  return validate_module(*module);
}

// For binary-format errors, which the decoder may find before the
// validator does: either way the module must be rejected as malformed.
Result<void, LoadError> decode_and_validate(const std::vector<uint8_t>& bytes) {
  auto module = decode_module(bytes);
  if (!module)
    return Unexpected(module.error());
  return validate_module(*module);
}

Result<void, LoadError> validate_wat(const std::string& text,
                                     const char* flags = "") {
  return validate_bytes(wat(text, flags));
}

// Checks that the module is rejected with `kind` and a message starting
// with `message` (the spec's tests match by prefix).
void expect_error(const Result<void, LoadError>& result,
                  const std::string& message,
                  Kind kind = Kind::Invalid) {
  REQUIRE_FALSE(result.has_value());
  CHECK_MESSAGE(result.error().message.rfind(message, 0) == 0,
                "got: " << result.error().message);
  CHECK(result.error().kind == kind);
}

void expect_invalid(const std::string& text,
                    const std::string& message,
                    const char* flags = "") {
  INFO(text);
  expect_error(validate_wat(text, flags), message);
}

void expect_valid_flags(const std::string& text, const char* flags) {
  INFO(text);
  auto result = validate_wat(text, flags);
  CHECK_MESSAGE(result.has_value(),
                "rejected: " << (result ? "" : result.error().message));
}

void expect_valid(const std::string& text) {
  INFO(text);
  auto result = validate_wat(text);
  CHECK_MESSAGE(result.has_value(),
                "rejected: " << (result ? "" : result.error().message));
}

// A module with one function of type [] -> [] whose body (after the
// locals) is `code`; the body's first byte is at offset kBodyStart.
std::vector<uint8_t> one_function(const std::vector<uint8_t>& code,
                                  bool data_count = false,
                                  bool data = false) {
  std::vector<uint8_t> m = {0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00,
                            0x00, 0x01, 0x04, 0x01, 0x60, 0x00, 0x00,  // types
                            0x03, 0x02, 0x01, 0x00,                    // funcs
                            0x05, 0x03, 0x01, 0x00, 0x01};             // memory
  if (data_count)
    m.insert(m.end(), {0x0C, 0x01, 0x01});
  uint8_t body_size = static_cast<uint8_t>(code.size() + 1);
  m.insert(m.end(),
           {0x0A, static_cast<uint8_t>(body_size + 2), 0x01, body_size, 0x00});
  m.insert(m.end(), code.begin(), code.end());
  if (data)
    m.insert(m.end(), {0x0B, 0x04, 0x01, 0x01, 0x01, 0x37});  // passive
  return m;
}

constexpr uint32_t kBodyStart = 28;

}  // namespace

TEST_CASE("validator: the hand-built module helper is valid") {
  auto result = validate_bytes(one_function({0x0B}));
  CHECK(result.has_value());
  CHECK(one_function({0x0B})[kBodyStart] == 0x0B);
}

TEST_CASE("validator: accepts a module using every supported proposal") {
  expect_valid(R"(
    (module
      (type $pair (func (param i32) (result i32 i64)))
      (import "env" "g" (global $ig i32))
      (import "env" "f" (func $if (param i32)))
      (memory 1 2)
      (table $t 2 funcref)
      (table $e 1 externref)
      (global $m (mut i32) (global.get $ig))
      (global $r funcref (ref.func $f))
      (elem (i32.const 0) $f)
      (elem declare func $g)
      (data (i32.const 0) "hi")
      (data "passive")
      (func $f (param i32) (result i32 i64)
        (local f32 f64 externref)
        local.get 0
        block (param i32) (result i32 i64)
          i64.const 1
        end)
      (func $g (export "g") (result i32)
        (local i32)
        i32.const 1
        i32.extend8_s
        f32.const 1.5
        i32.trunc_sat_f32_s
        i32.add
        (drop (ref.func $g))
        (drop (ref.is_null (ref.null extern)))
        (table.set $e (i32.const 0) (ref.null extern))
        (drop (table.grow $t (ref.null func) (i32.const 1)))
        (table.init $t 0 (i32.const 0) (i32.const 0) (i32.const 0))
        (elem.drop 1)
        (memory.init 1 (i32.const 0) (i32.const 0) (i32.const 0))
        (data.drop 1)
        (memory.copy (i32.const 0) (i32.const 0) (i32.const 0))
        (memory.fill (i32.const 0) (i32.const 0) (i32.const 0))
        (i32.store16 offset=4 align=2 (i32.const 0) (i32.load8_u (i32.const 1)))
        (select (result externref) (ref.null extern) (ref.null extern)
                (i32.const 1))
        drop
        (global.set $m (global.get $m))
        (call_indirect $t (type $pair) (i32.const 7) (i32.const 0))
        drop drop)
      (start $s)
      (func $s))
  )");
}

TEST_CASE("validator: unknown indices") {
  expect_invalid("(module (func (call 3)))", "unknown function 3");
  expect_invalid("(module (func (drop (global.get 0))))", "unknown global 0");
  expect_invalid("(module (func (local.set 2 (i32.const 0))))",
                 "unknown local 2");
  expect_invalid("(module (func (param i32) (local i64) (drop (local.get 2))))",
                 "unknown local 2");
  expect_invalid("(module (func (br 1)))", "unknown label");
  expect_invalid("(module (func (drop (i32.load (i32.const 0)))))",
                 "unknown memory 0");
  expect_invalid("(module (func (drop (table.size 0))))", "unknown table 0");
  expect_invalid("(module (table 1 funcref) (func (elem.drop 4)))",
                 "unknown elem segment 4");
  expect_error(validate_bytes(one_function({0x02, 0x05, 0x0B, 0x0B})),
               "unknown type 5");
  expect_invalid(
      "(module (table 1 funcref) (func (call_indirect (type 9) "
      "(i32.const 0))))",
      "unknown type");
  expect_invalid("(module (memory 1) (data \"a\") (func (data.drop 1)))",
                 "unknown data segment 1");
  // No data segments and no data count section: every index is unknown.
  expect_invalid("(module (func (data.drop 0)))", "unknown data segment 0");
  expect_invalid("(module (func) (start 1))", "unknown function 1");
  expect_invalid("(module (export \"x\" (global 0)))", "unknown global 0");
  expect_invalid("(module (elem (i32.const 0) 0) (func))", "unknown table 0");
  expect_invalid("(module (data (i32.const 0) \"a\"))", "unknown memory 0");
}

TEST_CASE("validator: limits and memories") {
  expect_invalid("(module (memory 2 1))",
                 "size minimum must not be greater than maximum");
  expect_invalid("(module (table 2 1 funcref))",
                 "size minimum must not be greater than maximum");
  expect_invalid("(module (memory 65537))",
                 "memory size must be at most 65536 pages (4GiB)");
  expect_invalid("(module (memory 0 65537))",
                 "memory size must be at most 65536 pages (4GiB)");
  expect_valid("(module (memory 0 65536) (table 0 0xffffffff funcref))");
  expect_invalid("(module (memory 1) (memory 1))", "multiple memories",
                 "--enable-multi-memory");
  expect_invalid("(module (import \"a\" \"b\" (memory 1)) (memory 1))",
                 "multiple memories", "--enable-multi-memory");
}

TEST_CASE("validator: exports and start") {
  expect_invalid(
      "(module (func) (export \"a\" (func 0)) "
      "(export \"a\" (func 0)))",
      "duplicate export name");
  expect_valid(
      "(module (func) (export \"a\" (func 0)) (export \"b\" (func 0)))");
  expect_invalid("(module (func (param i32)) (start 0))", "start function");
  expect_invalid("(module (func (result i32) i32.const 0) (start 0))",
                 "start function");
}

TEST_CASE("validator: constant expressions") {
  expect_invalid("(module (global i32 (i32.ctz (i32.const 0))))",
                 "constant expression required");
  expect_invalid("(module (global i32 (nop)))", "constant expression required");
  // Extended-const arithmetic, typed like any binary operator.
  expect_valid_flags(
      "(module (global i64 (i64.mul (i64.const 2) (i64.sub (i64.const 5) "
      "(i64.const 1)))))",
      "--enable-extended-const");
  expect_invalid("(module (global i32 (i32.add (i32.const 1) (i64.const 2))))",
                 "type mismatch", "--enable-extended-const");
  expect_invalid("(module (global i32 (i32.add (i32.const 1))))",
                 "type mismatch", "--enable-extended-const");
  expect_invalid(
      "(module (global i32 (i32.div_s (i32.const 1) "
      "(i32.const 1))))",
      "constant expression required");
  expect_invalid("(module (global i32 (i64.const 0)))", "type mismatch");
  expect_invalid("(module (global i32))", "type mismatch");
  expect_invalid("(module (global i32 (i32.const 0) (i32.const 0)))",
                 "type mismatch");
  // Only immutable imported globals are visible.
  expect_invalid(
      "(module (global i32 (i32.const 0)) (global i32 "
      "(global.get 0)))",
      "unknown global 0");
  expect_invalid(
      "(module (import \"a\" \"b\" (global (mut i32))) "
      "(global i32 (global.get 0)))",
      "constant expression required");
  expect_valid(
      "(module (import \"a\" \"b\" (global i32)) "
      "(global i32 (global.get 0)))");
  expect_invalid("(module (memory 1) (data (i64.const 0) \"a\"))",
                 "type mismatch");
  expect_invalid("(module (global funcref (ref.func 3)))",
                 "unknown function 3");
  expect_invalid(
      "(module (table 1 funcref) (func $f (result funcref) "
      "ref.null func) (elem (i32.const 0) funcref (item "
      "(call $f))))",
      "constant expression required");
}

TEST_CASE("validator: element segments and C.refs") {
  expect_invalid(
      "(module (table 1 externref) (func $f) "
      "(elem (table 0) (i32.const 0) func $f))",
      "type mismatch");
  expect_invalid("(module (table 1 funcref) (elem (i32.const 0) 7))",
                 "unknown function 7");
  expect_invalid("(module (func (drop (ref.func 0))))",
                 "undeclared function reference");
  expect_valid(
      "(module (func $f (drop (ref.func $f))) (elem declare func $f))");
  expect_valid(
      "(module (func $f (drop (ref.func $f))) (export \"f\" "
      "(func $f)))");
  expect_valid(
      "(module (func $f (drop (ref.func $f))) (global funcref "
      "(ref.func $f)))");
  expect_valid(
      "(module (table 1 funcref) (func $f (drop (ref.func $f))) "
      "(elem (i32.const 0) funcref (ref.func $f)))");
  // The start function does not declare a reference.
  expect_invalid("(module (func $f (drop (ref.func $f))) (start $f))",
                 "undeclared function reference");
}

TEST_CASE("validator: operand typing") {
  expect_invalid(
      "(module (func (result i32) (i32.add (i32.const 0) "
      "(i64.const 0))))",
      "type mismatch");
  expect_invalid("(module (func (result i32) (i32.const 0) (i32.const 0)))",
                 "type mismatch");
  expect_invalid("(module (func (i32.const 0)))", "type mismatch");
  expect_invalid(
      "(module (func (result f64) (f32.convert_i32_s "
      "(i32.const 0))))",
      "type mismatch");
  expect_invalid(
      "(module (func (i64.store (i32.const 0) (i32.const 0))) "
      "(memory 1))",
      "type mismatch");
  expect_invalid("(module (func (drop (ref.is_null (i32.const 0)))))",
                 "type mismatch");
  // Block parameters cannot see the enclosing frame's operands.
  expect_invalid(
      "(module (func (result i32) i32.const 1 (block (result i32) "
      "i32.eqz)))",
      "type mismatch");
}

TEST_CASE("validator: unreachable code is polymorphic") {
  expect_valid("(module (func (result i32) unreachable i32.add))");
  expect_valid("(module (func (result i64) (block (br 0)) unreachable))");
  expect_valid("(module (func (result f32) (f32.const 1) return f32.neg))");
  expect_valid("(module (func unreachable select drop))");
  expect_valid(
      "(module (func (result i32) (block (result i32) (unreachable) "
      "(br_table 0 0))))");
  // Still typed above the polymorphic bottom.
  expect_invalid(
      "(module (func (result i32) unreachable (i64.const 0) "
      "i32.add))",
      "type mismatch");
  expect_invalid(
      "(module (func unreachable (i32.const 0) (i64.const 0) "
      "select drop))",
      "type mismatch");
}

TEST_CASE("validator: blocks, branches and if") {
  expect_valid(
      "(module (type $t (func (param i32 i64) (result i64))) "
      "(func (result i64) (i32.const 1) (i64.const 2) "
      "(block (type $t) (param i32 i64) (result i64) "
      "(br_if 0 (i32.const 0)) (drop (drop)) (i64.const 3))))");
  expect_valid(
      "(module (func (param i32) (result i32) (local.get 0) "
      "(loop (param i32) (result i32) (br_if 0 (local.get 0)))))");
  expect_invalid(
      "(module (func (result i32) (i32.const 1) (if (result i32) "
      "(then (i32.const 1)))))",
      "type mismatch");
  expect_valid(
      "(module (func (param i32) (result i32) (local.get 0) "
      "(local.get 0) (if (param i32) (result i32) (then))))");
  expect_invalid(
      "(module (func (result i32) (if (result i32) (i32.const 0) "
      "(then (i32.const 1)) (else (i64.const 1)))))",
      "type mismatch");
  expect_invalid(
      "(module (func (block (result i32) (br_table 0 1 "
      "(i32.const 0) (i32.const 0)))))",
      "type mismatch");
  expect_invalid(
      "(module (func (block (result f32) (block (result i32) "
      "(br_table 0 1 (i32.const 0) (i32.const 0))) drop) drop))",
      "type mismatch");
  expect_invalid("(module (func (result i32) (br_if 0 (i32.const 0))))",
                 "type mismatch");
}

TEST_CASE("validator: calls") {
  expect_invalid(
      "(module (func $f (param i64)) (func (call $f "
      "(i32.const 0))))",
      "type mismatch");
  expect_invalid(
      "(module (type (func)) (table 1 externref) (func "
      "(call_indirect (type 0) (i32.const 0))))",
      "type mismatch");
  expect_invalid(
      "(module (type (func)) (func (call_indirect (type 0) "
      "(i32.const 0))))",
      "unknown table 0");
}

TEST_CASE("validator: select") {
  expect_invalid(
      "(module (func (drop (select (ref.null func) "
      "(ref.null func) (i32.const 0)))))",
      "type mismatch");
  expect_valid(
      "(module (func (drop (select (result funcref) (ref.null func) "
      "(ref.null func) (i32.const 0)))))");
  expect_invalid(
      "(module (func (select (result i32 i32) (i32.const 0) "
      "(i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0)) "
      "drop drop))",
      "invalid result arity");
  expect_invalid(
      "(module (func (drop (select (i32.const 0) (i64.const 0) "
      "(i32.const 0)))))",
      "type mismatch");
}

TEST_CASE("validator: globals, memory and tables") {
  expect_invalid(
      "(module (global i32 (i32.const 0)) (func (global.set 0 "
      "(i32.const 1))))",
      "global is immutable");
  expect_invalid(
      "(module (memory 1) (func (drop (i32.load align=8 "
      "(i32.const 0)))))",
      "alignment must not be larger than natural");
  expect_invalid(
      "(module (memory 1) (func (i64.store32 align=8 "
      "(i32.const 0) (i64.const 0))))",
      "alignment must not be larger than natural");
  expect_valid(
      "(module (memory 1) (func (drop (i64.load align=8 "
      "(i32.const 0)))))");
  expect_invalid("(module (func (drop (memory.size))))", "unknown memory 0");
  expect_invalid(
      "(module (table $a 1 funcref) (table $b 1 externref) (func "
      "(table.copy $a $b (i32.const 0) (i32.const 0) "
      "(i32.const 0))))",
      "type mismatch");
  expect_invalid(
      "(module (table 1 externref) (func $f) (elem func $f) (func "
      "(table.init 0 0 (i32.const 0) (i32.const 0) "
      "(i32.const 0))))",
      "type mismatch");
  expect_invalid(
      "(module (table 1 externref) (func (table.set 0 "
      "(i32.const 0) (ref.null func))))",
      "type mismatch");
  expect_invalid(
      "(module (table 1 funcref) (func (table.fill 0 "
      "(i32.const 0) (ref.null func) (i64.const 1))))",
      "type mismatch");
}

TEST_CASE("validator: errors carry the offending instruction's offset") {
  // i32.const 0; i64.const 0; i32.add <- offset kBodyStart + 4
  auto result =
      validate_bytes(one_function({0x41, 0x00, 0x42, 0x00, 0x6A, 0x1A, 0x0B}));
  expect_error(result, "type mismatch");
  CHECK(result.error().offset == kBodyStart + 4);
  // local.get 3 in a function without locals.
  result = validate_bytes(one_function({0x01, 0x20, 0x03, 0x1A, 0x0B}));
  expect_error(result, "unknown local 3");
  CHECK(result.error().offset == kBodyStart + 1);
}

TEST_CASE("validator: binary-format errors in code are Malformed") {
  // call_ref (typed function references) is not supported.
  expect_error(decode_and_validate(one_function({0x14, 0x00, 0x0B})),
               "illegal opcode", Kind::Malformed);
  // 0xFD 0x100 is relaxed SIMD, which is not supported.
  expect_error(decode_and_validate(one_function({0xFD, 0x80, 0x02, 0x0B})),
               "illegal opcode", Kind::Malformed);
  // memory.size with a non-zero reserved byte.
  expect_error(decode_and_validate(one_function({0x3F, 0x01, 0x1A, 0x0B})),
               "zero byte expected", Kind::Malformed);
  // The body ends before its final `end`.
  expect_error(decode_and_validate(one_function({0x01})),
               "unexpected end of section or function", Kind::Malformed);
  expect_error(decode_and_validate(one_function({0x02, 0x40, 0x0B})),
               "unexpected end", Kind::Malformed);
  // Bytes after the final `end` (here a second `end`).
  expect_error(decode_and_validate(one_function({0x0B, 0x0B})),
               "section size mismatch", Kind::Malformed);
  // `else` outside `if`.
  expect_error(decode_and_validate(one_function({0x05, 0x0B})),
               "END opcode expected", Kind::Malformed);
}

TEST_CASE("validator: data count section") {
  // data.drop 0 with a data segment but no data count section.
  std::vector<uint8_t> drop = {0xFC, 0x09, 0x00, 0x0B};
  expect_error(validate_bytes(one_function(drop, false, true)),
               "data count section required", Kind::Malformed);
  CHECK(validate_bytes(one_function(drop, true, true)).has_value());
}

TEST_CASE("validator: a malformed body wins over an earlier invalid one") {
  // Function 0 is ill-typed, function 1 has an illegal opcode: a decoder
  // reading all code first would report the latter.
  std::vector<uint8_t> m = {
      0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00, 0x01,
      0x04, 0x01, 0x60, 0x00, 0x00, 0x03, 0x03, 0x02, 0x00,
      0x00, 0x0A, 0x09, 0x02, 0x03, 0x00, 0x6A, 0x0B,  // i32.add, no operands
      0x03, 0x00, 0x14, 0x0B};
  expect_error(validate_bytes(m), "illegal opcode", Kind::Malformed);
}

}  // namespace capbox::engine
