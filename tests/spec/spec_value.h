// SPDX-License-Identifier: Apache-2.0
// Values of the spec test runner: parsing wast2json's value objects into
// engine Values, expected results (with NaN patterns and reference classes),
// and the comparison and printing of both. Uses only the engine's public API.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "engine/engine.h"

namespace capbox::spec {

using engine::ValType;
using engine::Value;

// "i32" -> ValType::I32, ...; nullopt for unknown names.
std::optional<ValType> parse_type(std::string_view name);

// An argument of an invoke, e.g. {"type": "i32", "value": "7"}. Spec
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
  ValType type = ValType::I32;
  Kind kind = Kind::Exact;
  uint64_t bits = 0;
};

std::optional<Expected> parse_expected(const nlohmann::json& value,
                                       std::string* error);

bool matches(const Expected& expected, const Value& actual);

// "i32:7", "f32:0x3f800000 (1)", "externref:null", ...
std::string to_string(const Value& value);
std::string to_string(const Expected& expected);

}  // namespace capbox::spec
