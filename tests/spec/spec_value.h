// SPDX-License-Identifier: Apache-2.0
// Values of the spec test runner: parsing wast2json's value objects into
// engine Values, expected results (with NaN patterns and reference classes),
// and the comparison and printing of both. Uses only the engine's public API.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/engine.h"

namespace capbox::spec {

using engine::ValType;
using engine::Value;

// "i32" -> ValType::I32, ...; nullopt for unknown names.
std::optional<ValType> parse_type(std::string_view name);

// An argument of an invoke, e.g. {"type": "i32", "value": "7"}, or a
// v128 as {"type": "v128", "lane_type": "i16", "value": [8 lanes]}. Spec
// externref n becomes Ref bits n + 1, so that 0 stays null. On failure
// returns nullopt and sets *error.
std::optional<Value> parse_value(const nlohmann::json& value,
                                 std::string* error);

// One expected result of an assert_return.
struct Expected {
  enum class Kind : uint8_t {
    Exact,          // bits must match exactly
    CanonicalNan,   // f32/f64 canonical NaN, either sign
    ArithmeticNan,  // f32/f64 NaN with the quiet bit set, either sign
    NonNullRef,     // a funcref whose identity the script cannot name
  };
  // The lane shapes of a v128 in the scripts.
  enum class Lane : uint8_t { I8, I16, I32, I64, F32, F64 };

  ValType type = ValType::I32;
  Kind kind = Kind::Exact;
  uint64_t bits = 0;
  // v128 only: the high 64 bits, the lane shape, and for each lane Exact
  // (its bits are in bits/hi) or a NaN pattern (float lanes).
  uint64_t hi = 0;
  Lane lane = Lane::I32;
  std::vector<Kind> lanes;
};

std::optional<Expected> parse_expected(const nlohmann::json& value,
                                       std::string* error);

bool matches(const Expected& expected, const Value& actual);

// "i32:7", "f32:0x3f800000 (1)", "externref:null", ...
std::string to_string(const Value& value);
std::string to_string(const Expected& expected);

}  // namespace capbox::spec
