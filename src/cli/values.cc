// SPDX-License-Identifier: Apache-2.0
// Parsing and printing of values for `capbox run --invoke`. Uses
// std::from_chars/to_chars so nothing depends on the C locale. Depends on
// engine.h for the Value type only.
#include "cli/values.h"

#include <bit>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>

namespace capbox::cli {
namespace {

using engine::ValType;
using engine::Value;

// Parses an integer of `bits` width; accepts [-2^(bits-1), 2^bits - 1].
bool parse_integer(std::string_view text, int bits, uint64_t& out) {
  bool negative = false;
  if (!text.empty() && (text[0] == '-' || text[0] == '+')) {
    negative = text[0] == '-';
    text.remove_prefix(1);
  }
  int base = 10;
  if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
    base = 16;
    text.remove_prefix(2);
  }
  if (text.empty())
    return false;
  uint64_t magnitude = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, magnitude, base);
  if (ec != std::errc() || ptr != end)
    return false;
  const uint64_t max_unsigned =
      bits == 64 ? UINT64_MAX : (uint64_t{1} << bits) - 1;
  const uint64_t max_negative = uint64_t{1} << (bits - 1);
  if (negative ? magnitude > max_negative : magnitude > max_unsigned)
    return false;
  out = (negative ? 0 - magnitude : magnitude) & max_unsigned;
  return true;
}

// A v128 as one unsigned 128-bit number, decimal or 0x hex, as wasmtime
// reads it.
bool parse_v128(std::string_view text, uint64_t& lo, uint64_t& hi) {
  unsigned base = 10;
  if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
    base = 16;
    text.remove_prefix(2);
  }
  if (text.empty())
    return false;
  unsigned __int128 value = 0;
  for (char ch : text) {
    unsigned digit;
    if (ch >= '0' && ch <= '9')
      digit = static_cast<unsigned>(ch - '0');
    else if (base == 16 && ch >= 'a' && ch <= 'f')
      digit = static_cast<unsigned>(ch - 'a' + 10);
    else if (base == 16 && ch >= 'A' && ch <= 'F')
      digit = static_cast<unsigned>(ch - 'A' + 10);
    else
      return false;
    if (digit >= base)
      return false;
    constexpr auto kMax = ~static_cast<unsigned __int128>(0);
    if (value > (kMax - digit) / base)
      return false;  // more than 128 bits
    value = value * base + digit;
  }
  lo = static_cast<uint64_t>(value);
  hi = static_cast<uint64_t>(value >> 64);
  return true;
}

std::string format_u128(uint64_t lo, uint64_t hi) {
  unsigned __int128 value = (static_cast<unsigned __int128>(hi) << 64) | lo;
  std::string digits;
  do {
    digits.insert(digits.begin(), static_cast<char>('0' + value % 10));
    value /= 10;
  } while (value != 0);
  return digits;
}

template <typename F>
bool parse_float(std::string_view text, F& out) {
  if (!text.empty() && text[0] == '+')
    text.remove_prefix(1);
  if (text.empty())
    return false;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, out);
  return ec == std::errc() && ptr == end;
}

template <typename F>
std::string format_float(F value) {
  // Rust's Display, which wasmtime uses: "NaN" without a sign, "inf",
  // otherwise the shortest round-trip digits, never in exponent form.
  if (std::isnan(value))
    return "NaN";
  char buffer[512];  // fixed notation of f64's extremes fits in ~330 chars
  auto [ptr, ec] = std::to_chars(buffer, buffer + sizeof buffer, value,
                                 std::chars_format::fixed);
  if (ec != std::errc())
    return "?";
  return std::string(buffer, ptr);
}

std::string invalid(std::string_view text, ValType type) {
  return "'" + std::string(text) + "' is not a valid " + to_string(type);
}

}  // namespace

Result<Value, std::string> parse_value(ValType type, std::string_view text) {
  uint64_t bits = 0;
  switch (type) {
    case ValType::I32:
      if (!parse_integer(text, 32, bits))
        return Unexpected(invalid(text, type));
      return Value::i32(static_cast<uint32_t>(bits));
    case ValType::I64:
      if (!parse_integer(text, 64, bits))
        return Unexpected(invalid(text, type));
      return Value::i64(bits);
    case ValType::F32: {
      float f = 0;
      if (!parse_float(text, f))
        return Unexpected(invalid(text, type));
      return Value::f32_bits(std::bit_cast<uint32_t>(f));
    }
    case ValType::F64: {
      double d = 0;
      if (!parse_float(text, d))
        return Unexpected(invalid(text, type));
      return Value::f64_bits(std::bit_cast<uint64_t>(d));
    }
    case ValType::V128: {
      uint64_t hi = 0;
      if (!parse_v128(text, bits, hi))
        return Unexpected(invalid(text, type));
      return Value::v128(bits, hi);
    }
    default:
      // funcref and externref: a reference has no spelling on a command line.
      return Unexpected(std::string(type == ValType::ExternRef ? "an " : "a ") +
                        to_string(type) +
                        " argument cannot be given on the command line; "
                        "--invoke passes only numbers (i32, i64, f32, f64, v128)");
  }
}

std::string format_value(const Value& value) {
  switch (value.type) {
    case ValType::I32:
      return std::to_string(static_cast<int32_t>(value.bits));
    case ValType::I64:
      return std::to_string(static_cast<int64_t>(value.bits));
    case ValType::F32:
      return format_float(
          std::bit_cast<float>(static_cast<uint32_t>(value.bits)));
    case ValType::F64:
      return format_float(std::bit_cast<double>(value.bits));
    case ValType::V128:  // one unsigned 128-bit number, as wasmtime prints it
      return format_u128(value.bits, value.hi);
    case ValType::FuncRef:
      return value.bits == 0 ? "<null funcref>" : "<funcref>";
    case ValType::ExternRef:
      return value.bits == 0 ? "<null externref>" : "<externref>";
    default:
      return std::string("<") + to_string(value.type) + ">";
  }
}

std::string describe_type(const engine::FuncType& type) {
  auto list = [](const std::vector<ValType>& types) {
    std::string out = "(";
    for (size_t i = 0; i < types.size(); ++i) {
      if (i != 0)
        out += ", ";
      out += to_string(types[i]);
    }
    return out + ")";
  };
  return list(type.params) + " -> " + list(type.results);
}

}  // namespace capbox::cli
