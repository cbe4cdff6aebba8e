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

using Lane = Expected::Lane;

uint32_t lane_bytes(Lane lane) {
  switch (lane) {
    case Lane::I8:
      return 1;
    case Lane::I16:
      return 2;
    case Lane::I32:
    case Lane::F32:
      return 4;
    case Lane::I64:
    case Lane::F64:
      return 8;
  }
  return 4;
}

const char* lane_name(Lane lane) {
  constexpr const char* kNames[] = {"i8", "i16", "i32", "i64", "f32", "f64"};
  return kNames[static_cast<int>(lane)];
}

std::optional<Lane> parse_lane(const json& value) {
  auto it = value.find("lane_type");
  if (it == value.end() || !it->is_string())
    return std::nullopt;
  const std::string name = it->get<std::string>();
  for (Lane lane :
       {Lane::I8, Lane::I16, Lane::I32, Lane::I64, Lane::F32, Lane::F64}) {
    if (name == lane_name(lane))
      return lane;
  }
  return std::nullopt;
}

// Lane `index` of the v128 (lo, hi): lanes are little-endian from byte 0,
// and never straddle the two halves.
uint64_t lane_bits(uint64_t lo, uint64_t hi, uint32_t width, uint32_t index) {
  uint32_t offset = index * width;
  uint64_t half = offset < 8 ? lo : hi;
  uint64_t bits = half >> (8 * (offset % 8));
  return width == 8 ? bits : bits & ((uint64_t{1} << (8 * width)) - 1);
}

// NaN patterns of a float of `type`'s width.
bool nan_matches(Expected::Kind kind, ValType type, uint64_t bits) {
  bool f32 = type == ValType::F32;
  if (kind == Expected::Kind::CanonicalNan) {
    uint64_t magnitude = f32 ? bits & 0x7fffffff : bits & ~(1ull << 63);
    return magnitude ==
           (f32 ? kF32Exponent | kF32Quiet : kF64Exponent | kF64Quiet);
  }
  return is_nan(type, bits, f32 ? kF32Quiet : kF64Quiet);
}

// A v128 value object: its lanes, each a number that fits the lane or
// (when `patterns`, for float lanes) a NaN pattern. Fills the 128 bits of
// the numeric lanes and `kinds` with each lane's kind.
bool parse_v128(const json& value,
                bool patterns,
                Expected& out,
                std::string* error) {
  std::optional<Lane> lane = parse_lane(value);
  auto lanes = value.find("value");
  const uint32_t width = lane ? lane_bytes(*lane) : 0;
  if (!lane || lanes == value.end() || !lanes->is_array() ||
      lanes->size() != 16 / width) {
    *error = "bad v128 value: " + value.dump();
    return false;
  }
  const bool is_float = *lane == Lane::F32 || *lane == Lane::F64;
  out.type = ValType::V128;
  out.lane = *lane;
  out.lanes.clear();
  out.bits = out.hi = 0;
  for (uint32_t i = 0; i < 16 / width; ++i) {
    const json& item = (*lanes)[i];
    std::string text = item.is_string() ? item.get<std::string>() : "";
    Expected::Kind kind = Expected::Kind::Exact;
    if (patterns && is_float && text == "nan:canonical")
      kind = Expected::Kind::CanonicalNan;
    else if (patterns && is_float && text == "nan:arithmetic")
      kind = Expected::Kind::ArithmeticNan;
    out.lanes.push_back(kind);
    if (kind != Expected::Kind::Exact)
      continue;
    std::optional<uint64_t> n = parse_u64(text);
    if (!n || (width < 8 && *n >> (8 * width) != 0)) {
      *error = "bad " + std::string(lane_name(*lane)) + " lane \"" + text +
               "\" in " + value.dump();
      return false;
    }
    uint32_t offset = i * width;
    (offset < 8 ? out.bits : out.hi) |= *n << (8 * (offset % 8));
  }
  return true;
}

std::string v128_text(uint64_t lo, uint64_t hi) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "0x%016" PRIx64 "%016" PRIx64, hi, lo);
  return buf;
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
  if (type == ValType::V128) {
    Expected lanes;
    if (!parse_v128(value, false, lanes, error))
      return std::nullopt;
    return Value::v128(lanes.bits, lanes.hi);
  }
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
  if (expected.type == ValType::V128) {
    if (!parse_v128(value, true, expected, error))
      return std::nullopt;
    return expected;
  }
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
  if (actual.type == ValType::V128) {
    const uint32_t width = lane_bytes(expected.lane);
    const ValType float_type =
        expected.lane == Lane::F32 ? ValType::F32 : ValType::F64;
    for (uint32_t i = 0; i < expected.lanes.size(); ++i) {
      uint64_t got = lane_bits(actual.bits, actual.hi, width, i);
      if (expected.lanes[i] == Expected::Kind::Exact
              ? got != lane_bits(expected.bits, expected.hi, width, i)
              : !nan_matches(expected.lanes[i], float_type, got))
        return false;
    }
    return true;
  }
  // Only a v128 has a high half.
  if (actual.hi != 0)
    return false;
  uint64_t mask = is_32bit(actual.type) ? uint64_t{UINT32_MAX} : ~uint64_t{0};
  uint64_t bits = actual.bits & mask;
  // An i32/f32 whose upper half is not zero is a bug in the engine.
  if (bits != actual.bits)
    return false;
  switch (expected.kind) {
    case Expected::Kind::Exact:
      return bits == expected.bits;
    case Expected::Kind::CanonicalNan:
    case Expected::Kind::ArithmeticNan:
      return nan_matches(expected.kind, actual.type, bits);
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
    case ValType::V128:
      return out + v128_text(value.bits, value.hi);
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
  if (expected.type == ValType::V128) {
    // "v128:f32x4[0x3f800000, nan:canonical, ...]"
    const uint32_t width = lane_bytes(expected.lane);
    std::string out = type + ":" + lane_name(expected.lane) + "x" +
                      std::to_string(16 / width) + "[";
    for (uint32_t i = 0; i < expected.lanes.size(); ++i) {
      char buf[32];
      std::snprintf(buf, sizeof buf, "0x%" PRIx64,
                    lane_bits(expected.bits, expected.hi, width, i));
      out += i ? ", " : "";
      switch (expected.lanes[i]) {
        case Expected::Kind::CanonicalNan:
          out += "nan:canonical";
          break;
        case Expected::Kind::ArithmeticNan:
          out += "nan:arithmetic";
          break;
        default:
          out += buf;
      }
    }
    return out + "]";
  }
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
