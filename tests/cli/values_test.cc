// SPDX-License-Identifier: Apache-2.0
// Unit tests of the CLI's value parsing/printing, option splitting and
// "did you mean" hints. The end-to-end behaviour is in cli_test.py.
#include <doctest/doctest.h>

#include <bit>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "cli/run_options.h"
#include "cli/suggest.h"
#include "cli/values.h"

namespace capbox::cli {
namespace {

using engine::ValType;
using engine::Value;

uint64_t bits_of(ValType type, const char* text) {
  auto v = parse_value(type, text);
  REQUIRE(v.has_value());
  CHECK(v->type == type);
  return v->bits;
}

bool rejects(ValType type, const char* text) {
  return !parse_value(type, text).has_value();
}

TEST_CASE("integers: signed and unsigned ranges, hex") {
  CHECK(bits_of(ValType::I32, "0") == 0);
  CHECK(bits_of(ValType::I32, "-1") == 0xffffffffu);
  CHECK(bits_of(ValType::I32, "4294967295") == 0xffffffffu);
  CHECK(bits_of(ValType::I32, "-2147483648") == 0x80000000u);
  CHECK(bits_of(ValType::I32, "0x7fffffff") == 0x7fffffffu);
  CHECK(bits_of(ValType::I32, "+12") == 12);
  CHECK(rejects(ValType::I32, "4294967296"));
  CHECK(rejects(ValType::I32, "-2147483649"));
  CHECK(rejects(ValType::I32, ""));
  CHECK(rejects(ValType::I32, "-"));
  CHECK(rejects(ValType::I32, "0x"));
  CHECK(rejects(ValType::I32, "12abc"));
  CHECK(rejects(ValType::I32, "1.5"));
  CHECK(bits_of(ValType::I64, "-9223372036854775808") == 0x8000000000000000u);
  CHECK(bits_of(ValType::I64, "18446744073709551615") == UINT64_MAX);
  CHECK(rejects(ValType::I64, "18446744073709551616"));
}

TEST_CASE("floats: decimal, exponent, nan and inf") {
  CHECK(bits_of(ValType::F32, "1.5") == std::bit_cast<uint32_t>(1.5f));
  CHECK(bits_of(ValType::F64, "0.1") == std::bit_cast<uint64_t>(0.1));
  CHECK(bits_of(ValType::F64, "-2e3") == std::bit_cast<uint64_t>(-2000.0));
  CHECK(bits_of(ValType::F64, "+3") == std::bit_cast<uint64_t>(3.0));
  CHECK(std::isnan(std::bit_cast<double>(bits_of(ValType::F64, "nan"))));
  CHECK(bits_of(ValType::F32, "-inf") ==
        std::bit_cast<uint32_t>(-std::numeric_limits<float>::infinity()));
  CHECK(rejects(ValType::F64, "one"));
  CHECK(rejects(ValType::F64, "1.0x"));
  CHECK(rejects(ValType::F32, "1e40"));
}

TEST_CASE("reference arguments are refused with a reason") {
  auto v = parse_value(ValType::FuncRef, "0");
  REQUIRE(!v.has_value());
  CHECK(v.error().find("funcref") != std::string::npos);
}

TEST_CASE("a v128 is one unsigned 128-bit number, as in wasmtime") {
  auto v = parse_value(ValType::V128, "0x0102030405060708090a0b0c0d0e0f10");
  REQUIRE(v.has_value());
  CHECK(v->bits == 0x090a0b0c0d0e0f10u);
  CHECK(v->hi == 0x0102030405060708u);
  // 2^128 - 1 in decimal is the largest; one more overflows.
  auto max = parse_value(ValType::V128, "340282366920938463463374607431768211455");
  REQUIRE(max.has_value());
  CHECK((max->bits == UINT64_MAX && max->hi == UINT64_MAX));
  CHECK(rejects(ValType::V128, "340282366920938463463374607431768211456"));
  CHECK(rejects(ValType::V128, "-1"));
  CHECK(rejects(ValType::V128, "0x"));
  CHECK(rejects(ValType::V128, "12a"));
  CHECK(format_value(Value::v128(UINT64_MAX, UINT64_MAX)) ==
        "340282366920938463463374607431768211455");
  CHECK(format_value(Value::v128(0, 1)) == "18446744073709551616");
  CHECK(format_value(Value::v128(0, 0)) == "0");
}

TEST_CASE("results print as wasmtime --invoke prints them") {
  CHECK(format_value(Value::i32(0xffffffffu)) == "-1");
  CHECK(format_value(Value::i64(UINT64_MAX)) == "-1");
  CHECK(format_value(Value::i32(7)) == "7");
  CHECK(format_value(Value::f32_bits(std::bit_cast<uint32_t>(0.1f))) == "0.1");
  CHECK(format_value(Value::f64_bits(std::bit_cast<uint64_t>(1.0))) == "1");
  CHECK(format_value(Value::f64_bits(std::bit_cast<uint64_t>(-0.0))) == "-0");
  CHECK(format_value(Value::f64_bits(std::bit_cast<uint64_t>(1e300))).size() ==
        301);
  CHECK(format_value(Value::f64_bits(0x7ff8000000000001u)) == "NaN");
  CHECK(format_value(Value::f64_bits(0xfff8000000000000u)) == "NaN");
  CHECK(format_value(Value::f64_bits(0x7ff0000000000000u)) == "inf");
  CHECK(format_value(Value::null_ref(ValType::ExternRef)) ==
        "<null externref>");
}

TEST_CASE("function types are described for messages") {
  engine::FuncType type{{ValType::I32, ValType::F64}, {ValType::I64}};
  CHECK(describe_type(type) == "(i32, f64) -> (i64)");
  CHECK(describe_type({}) == "() -> ()");
}

TEST_CASE("edit distance and nearest candidate") {
  CHECK(edit_distance("run", "run") == 0);
  CHECK(edit_distance("rnu", "run") == 1);  // transposition
  CHECK(edit_distance("", "abc") == 3);
  const std::vector<std::string> words = {"run", "inspect", "policy"};
  CHECK(nearest("rn", words) == "run");
  CHECK(nearest("inspekt", words) == "inspect");
  CHECK(!nearest("zzzzzz", words).has_value());
}

TEST_CASE("run options: options before the module, the rest is the guest's") {
  std::vector<std::string> args = {"--invoke", "f", "m.wasm", "--invoke", "x"};
  auto options = parse_run_options(args);
  REQUIRE(options.has_value());
  CHECK(options->invoke == "f");
  CHECK(options->module_path == "m.wasm");
  CHECK(options->module_args == std::vector<std::string>{"--invoke", "x"});

  std::vector<std::string> dashdash = {"--", "-odd.wasm", "1"};
  options = parse_run_options(dashdash);
  REQUIRE(options.has_value());
  CHECK(options->module_path == "-odd.wasm");
  CHECK(!options->invoke.has_value());
}

TEST_CASE("run options: no prefix guessing, suggestions for typos") {
  std::vector<std::string> guess = {"--inv", "f", "m.wasm"};
  auto options = parse_run_options(guess);
  REQUIRE(!options.has_value());
  CHECK(options.error().find("unknown option '--inv'") != std::string::npos);

  std::vector<std::string> typo = {"--invoek", "f", "m.wasm"};
  options = parse_run_options(typo);
  REQUIRE(!options.has_value());
  CHECK(options.error().find("did you mean '--invoke'?") != std::string::npos);

  std::vector<std::string> help = {"-h"};
  options = parse_run_options(help);
  REQUIRE(options.has_value());
  CHECK(options->help);
}

}  // namespace
}  // namespace capbox::cli
