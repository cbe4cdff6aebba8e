// SPDX-License-Identifier: Apache-2.0
// wast2json value objects to engine Values and expected results; comparison
// by bits (floats too: the tests check exact NaN payloads and zero signs).
// Uses only the engine's public API.
#include "spec_value.h"

#include <charconv>
#include <cinttypes>
#include <cstdio>
#include <cstring>

namespace capbox::spec {

namespace {

using nlohmann::json;

constexpr uint32_t kF32Exponent = 0x7f800000;
constexpr uint32_t kF32Quiet = 0x00400000;
constexpr uint64_t kF64Exponent = 0x7ff0000000000000;
constexpr uint64_t kF64Quiet = 0x0008000000000000;

std::optional<uint64_t> parse_u64(std::string_view text) {
  uint64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty())
    return std::nullopt;
  return v;
}

bool is_32bit(ValType t) {
  return t == ValType::I32 || t == ValType::F32;
}

// The shared part of argument and expectation parsing: type plus the
// "value" string (which may be absent only where `allow_missing`).
bool parse_head(const json& value,
                ValType* type,
                std::string* text,
                std::string* error) {
  if (!value.is_object() || !value.contains("type") ||
      !value["type"].is_string()) {
    *error = "value without a type: " + value.dump();
    return false;
  }
  std::string name = value["type"].get<std::string>();
  std::optional<ValType> parsed = parse_type(name);
  if (!parsed) {
    *error = "unknown value type \"" + name + "\"";
    return false;
  }
  if (*parsed == ValType::V128) {
    *error = "v128 values are not supported by the runner";
    return false;
  }
  *type = *parsed;
  if (value.contains("value") && value["value"].is_string())
    *text = value["value"].get<std::string>();
  return true;
}

// Number or reference bits for `text` of type `type`.
std::optional<uint64_t> parse_bits(ValType type,
                                   const std::string& text,
                                   std::string* error) {
  if (engine::is_ref(type)) {
    if (text == "null")
      return 0;
    std::optional<uint64_t> n = parse_u64(text);
    if (!n || *n == UINT64_MAX) {
      *error = "bad reference value \"" + text + "\"";
      return std::nullopt;
    }
    return *n + 1;  // keeps 0 for null
  }
  std::optional<uint64_t> n = parse_u64(text);
  if (!n || (is_32bit(type) && *n > UINT32_MAX)) {
    *error = "bad " + std::string(engine::to_string(type)) + " value \"" +
             text + "\"";
    return std::nullopt;
  }
  return n;
}

std::string float_text(ValType type, uint64_t bits) {
  char buf[64];
  if (type == ValType::F32) {
    uint32_t b = static_cast<uint32_t>(bits);
    float f;
    std::memcpy(&f, &b, sizeof f);
    std::snprintf(buf, sizeof buf, "0x%08" PRIx32 "=%.9g", b,
                  static_cast<double>(f));
  } else {
    double d;
    std::memcpy(&d, &bits, sizeof d);
    std::snprintf(buf, sizeof buf, "0x%016" PRIx64 "=%.17g", bits, d);
  }
  return buf;
}

bool is_nan(ValType type, uint64_t bits, uint64_t required) {
  if (type == ValType::F32) {
    uint32_t b = static_cast<uint32_t>(bits);
    return (b & kF32Exponent) == kF32Exponent && (b & 0x7fffff) != 0 &&
           (b & required) == required;
  }
  return (bits & kF64Exponent) == kF64Exponent &&
         (bits & 0xfffffffffffff) != 0 && (bits & required) == required;
}

}  // namespace

std::optional<ValType> parse_type(std::string_view name) {
  if (name == "i32")
    return ValType::I32;
  if (name == "i64")
    return ValType::I64;
  if (name == "f32")
    return ValType::F32;
  if (name == "f64")
    return ValType::F64;
  if (name == "v128")
    return ValType::V128;
  if (name == "funcref")
    return ValType::FuncRef;
  if (name == "externref")
    return ValType::ExternRef;
  return std::nullopt;
}

std::optional<Value> parse_value(const json& value, std::string* error) {
  ValType type;
  std::string text;
  if (!parse_head(value, &type, &text, error))
    return std::nullopt;
  if (type == ValType::FuncRef && text != "null") {
    *error = "a script cannot pass a non-null funcref: " + value.dump();
    return std::nullopt;
  }
  std::optional<uint64_t> bits = parse_bits(type, text, error);
  if (!bits)
    return std::nullopt;
  return Value{type, *bits};
}

std::optional<Expected> parse_expected(const json& value, std::string* error) {
  Expected expected;
  std::string text;
  if (!parse_head(value, &expected.type, &text, error))
    return std::nullopt;
  bool is_float =
      expected.type == ValType::F32 || expected.type == ValType::F64;
  if (is_float && text == "nan:canonical") {
    expected.kind = Expected::Kind::CanonicalNan;
  } else if (is_float && text == "nan:arithmetic") {
    expected.kind = Expected::Kind::ArithmeticNan;
  } else if (expected.type == ValType::FuncRef && text != "null") {
    expected.kind = Expected::Kind::NonNullRef;
  } else {
    std::optional<uint64_t> bits = parse_bits(expected.type, text, error);
    if (!bits)
      return std::nullopt;
    expected.bits = *bits;
  }
  return expected;
}

bool matches(const Expected& expected, const Value& actual) {
  if (expected.type != actual.type)
    return false;
  uint64_t mask = is_32bit(actual.type) ? uint64_t{UINT32_MAX} : ~uint64_t{0};
  uint64_t bits = actual.bits & mask;
  // An i32/f32 whose upper half is not zero is a bug in the engine.
  if (bits != actual.bits)
    return false;
  bool f32 = actual.type == ValType::F32;
  switch (expected.kind) {
    case Expected::Kind::Exact:
      return bits == expected.bits;
    case Expected::Kind::CanonicalNan: {
      uint64_t magnitude = f32 ? bits & 0x7fffffff : bits & ~(1ull << 63);
      return magnitude ==
             (f32 ? kF32Exponent | kF32Quiet : kF64Exponent | kF64Quiet);
    }
    case Expected::Kind::ArithmeticNan:
      return is_nan(actual.type, bits, f32 ? kF32Quiet : kF64Quiet);
    case Expected::Kind::NonNullRef:
      return bits != 0;
  }
  return false;
}

std::string to_string(const Value& value) {
  std::string out = std::string(engine::to_string(value.type)) + ":";
  switch (value.type) {
    case ValType::F32:
    case ValType::F64:
      return out + float_text(value.type, value.bits);
    case ValType::FuncRef:
      return out + (value.bits == 0 ? "null" : "non-null");
    case ValType::ExternRef:
      return out + (value.bits == 0 ? "null" : std::to_string(value.bits - 1));
    default: {
      // Small values read best in decimal, bit patterns in hex.
      char buf[32];
      std::snprintf(buf, sizeof buf,
                    value.bits < 65536 ? "%" PRIu64 : "0x%" PRIx64, value.bits);
      return out + buf;
    }
  }
}

std::string to_string(const Expected& expected) {
  std::string type = engine::to_string(expected.type);
  switch (expected.kind) {
    case Expected::Kind::CanonicalNan:
      return type + ":nan:canonical";
    case Expected::Kind::ArithmeticNan:
      return type + ":nan:arithmetic";
    case Expected::Kind::NonNullRef:
      return type + ":non-null";
    case Expected::Kind::Exact:
      break;
  }
  return to_string(Value{expected.type, expected.bits});
}

}  // namespace capbox::spec
