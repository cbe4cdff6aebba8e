// SPDX-License-Identifier: Apache-2.0
// The spec runner's value parsing and matching, v128 lanes and NaN
// patterns above all: a wrong lane order or mask here would pass or fail
// whole SIMD files for the wrong reason. Test-only; uses spec_value.h.
#include <doctest/doctest.h>

#include "spec_value.h"

namespace capbox::spec {
namespace {

using nlohmann::json;

Value value_of(const char* text) {
  std::string error;
  std::optional<Value> v = parse_value(json::parse(text), &error);
  REQUIRE_MESSAGE(v.has_value(), error);
  return *v;
}

Expected expected_of(const char* text) {
  std::string error;
  std::optional<Expected> e = parse_expected(json::parse(text), &error);
  REQUIRE_MESSAGE(e.has_value(), error);
  return *e;
}

TEST_CASE("v128 lanes are packed little-endian, low half first") {
  Value v = value_of(
      R"({"type":"v128","lane_type":"i32","value":["1","2","3","4294967295"]})");
  CHECK(v.type == ValType::V128);
  CHECK(v.bits == 0x0000000200000001);
  CHECK(v.hi == 0xffffffff00000003);
  v = value_of(R"({"type":"v128","lane_type":"i8","value":
      ["1","0","0","0","0","0","0","0","0","0","0","0","0","0","0","255"]})");
  CHECK(v.bits == 1);
  CHECK(v.hi == 0xff00000000000000);
  v = value_of(R"({"type":"v128","lane_type":"i16","value":
      ["65535","0","0","0","0","0","0","2"]})");
  CHECK(v.bits == 0xffff);
  CHECK(v.hi == 0x0002000000000000);
  v = value_of(R"({"type":"v128","lane_type":"f64","value":
      ["4607182418800017408","9218868437227405312"]})");
  CHECK(v.bits == 0x3ff0000000000000);
  CHECK(v.hi == 0x7ff0000000000000);
}

TEST_CASE("malformed v128 values are errors, not guesses") {
  std::string error;
  // A lane too wide for i8, too few lanes, an unknown lane type, and a NaN
  // pattern where an argument needs bits.
  for (const char* text :
       {R"({"type":"v128","lane_type":"i8","value":["256","0","0","0","0",
           "0","0","0","0","0","0","0","0","0","0","0"]})",
        R"({"type":"v128","lane_type":"i32","value":["1","2","3"]})",
        R"({"type":"v128","lane_type":"i128","value":["1"]})",
        R"({"type":"v128","lane_type":"f32","value":
           ["nan:canonical","0","0","0"]})"}) {
    CHECK_FALSE(parse_value(json::parse(text), &error).has_value());
  }
}

TEST_CASE("v128 expectations match lane by lane, NaN patterns per lane") {
  Expected e = expected_of(R"({"type":"v128","lane_type":"f32","value":
      ["nan:canonical","nan:arithmetic","1065353216","0"]})");
  // Lane 0 the canonical NaN (negative), lane 1 a quiet NaN with payload,
  // lane 2 1.0f, lane 3 +0.
  CHECK(matches(e, Value::v128(0x7fc00001'ffc00000, 0x00000000'3f800000)));
  // Lane 0 not canonical (payload bit set).
  CHECK_FALSE(
      matches(e, Value::v128(0x7fc00001'ffc00001, 0x00000000'3f800000)));
  // Lane 1 a signalling NaN, not arithmetic.
  CHECK_FALSE(
      matches(e, Value::v128(0x7f800001'7fc00000, 0x00000000'3f800000)));
  // Lane 3 -0 instead of +0.
  CHECK_FALSE(
      matches(e, Value::v128(0x7fc00001'7fc00000, 0x80000000'3f800000)));
  CHECK_FALSE(matches(e, Value::i64(0)));

  Expected exact = expected_of(R"({"type":"v128","lane_type":"i64","value":
      ["18446744073709551615","7"]})");
  CHECK(matches(exact, Value::v128(~uint64_t{0}, 7)));
  CHECK_FALSE(matches(exact, Value::v128(~uint64_t{0}, 8)));
  CHECK(to_string(exact) == "v128:i64x2[0xffffffffffffffff, 0x7]");
  CHECK(to_string(Value::v128(1, 2)) ==
        "v128:0x00000000000000020000000000000001");
}

TEST_CASE("a scalar with a high half does not match") {
  Expected e = expected_of(R"({"type":"i64","value":"5"})");
  CHECK(matches(e, Value::i64(5)));
  Value odd = Value::i64(5);
  odd.hi = 1;
  CHECK_FALSE(matches(e, odd));
}

}  // namespace
}  // namespace capbox::spec
