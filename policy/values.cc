// SPDX-License-Identifier: Apache-2.0
// Sizes, durations and "did you mean". A number and a unit, no spaces, no
// fractions: "1.5GiB" is refused rather than rounded, so the limit in force
// is the one written. Depends only on the standard library.
#include "policy/values.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <limits>
#include <utility>
#include <vector>

#include "policy/policy.h"

namespace capbox::policy {
namespace {

using Unit = std::pair<std::string_view, uint64_t>;

// Largest first: format_* picks the first unit that divides exactly.
constexpr std::array<Unit, 4> kSizeUnits = {{
    {"GiB", uint64_t{1} << 30},
    {"MiB", uint64_t{1} << 20},
    {"KiB", uint64_t{1} << 10},
    {"B", 1},
}};
constexpr std::array<Unit, 4> kDurationUnits = {{
    {"h", 3'600'000},
    {"m", 60'000},
    {"s", 1'000},
    {"ms", 1},
}};

template <size_t N>
Result<uint64_t, std::string> parse_with_units(std::string_view text,
                                               const std::array<Unit, N>& units,
                                               std::string_view what,
                                               std::string_view example,
                                               bool bare_number_ok) {
  uint64_t number = 0;
  const auto [end, ec] =
      std::from_chars(text.data(), text.data() + text.size(), number);
  if (end == text.data() || ec == std::errc::invalid_argument)
    return Unexpected(std::string(what) +
                      " must start with a number, as in \"" +
                      std::string(example) + "\"");
  if (ec == std::errc::result_out_of_range)
    return Unexpected(std::string(what) + " is too large");
  const std::string_view unit = text.substr(end - text.data());
  if (unit.empty() && bare_number_ok)
    return number;
  std::string known;
  for (const auto& [name, scale] : units)
    known += (known.empty() ? "" : ", ") + std::string(name);
  if (unit.empty())
    return Unexpected(std::string(what) + " needs a unit: one of " + known);
  for (const auto& [name, scale] : units) {
    if (unit == name) {
      if (number > std::numeric_limits<uint64_t>::max() / scale)
        return Unexpected(std::string(what) + " is too large");
      return number * scale;
    }
  }
  return Unexpected("unknown unit '" + std::string(unit) + "' in " +
                    std::string(what) + " \"" + std::string(text) +
                    "\"; use one of " + known);
}

template <size_t N>
std::string format_with_units(uint64_t value,
                              const std::array<Unit, N>& units) {
  for (const auto& [name, scale] : units) {
    if (value != 0 && value % scale == 0)
      return std::to_string(value / scale) + std::string(name);
  }
  return std::to_string(value) + std::string(units.back().first);
}

size_t edit_distance(std::string_view a, std::string_view b) {
  // Levenshtein with adjacent transpositions, one row pair at a time.
  std::vector<size_t> prev2(b.size() + 1), prev(b.size() + 1),
      row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j)
    prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      row[j] = std::min({prev[j] + 1, row[j - 1] + 1, prev[j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        row[j] = std::min(row[j], prev2[j - 2] + 1);
    }
    std::swap(prev2, prev);
    std::swap(prev, row);
  }
  return prev[b.size()];
}

}  // namespace

Result<uint64_t, std::string> parse_size(std::string_view text) {
  return parse_with_units(text, kSizeUnits, "a size", "256MiB", true);
}

Result<uint64_t, std::string> parse_duration_ms(std::string_view text) {
  return parse_with_units(text, kDurationUnits, "a duration", "10s", false);
}

std::string format_size(uint64_t bytes) {
  return format_with_units(bytes, kSizeUnits);
}

std::string format_duration_ms(uint64_t ms) {
  return format_with_units(ms, kDurationUnits);
}

std::string unquoted_value_hint(std::string_view text, uint32_t line) {
  size_t start = 0;
  for (uint32_t n = 1; n < line && start < text.size(); ++n)
    start = std::min(text.find('\n', start), text.size()) + 1;
  const std::string_view rest = text.substr(std::min(start, text.size()));
  const std::string_view current = rest.substr(0, rest.find('\n'));
  const size_t eq = current.find('=');
  if (eq == std::string_view::npos)
    return {};
  auto trim = [](std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front())))
      s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())))
      s.remove_suffix(1);
    return s;
  };
  const std::string_view key = trim(current.substr(0, eq));
  std::string_view value = current.substr(eq + 1);
  value = trim(value.substr(0, value.find('#')));
  if (value.empty() || !std::isdigit(static_cast<unsigned char>(value[0])) ||
      !std::isalpha(static_cast<unsigned char>(value.back())))
    return {};
  return "sizes and durations are strings: " + std::string(key) + " = \"" +
         std::string(value) + "\"";
}

std::string toml_quote(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out = "\"";
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (byte < 0x20 || byte == 0x7f) {
      out += "\\u00";
      out += kHex[byte >> 4];
      out += kHex[byte & 0xf];
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::optional<std::string> nearest_word(
    std::string_view word,
    std::span<const std::string_view> candidates) {
  const size_t limit = std::clamp<size_t>(word.size() / 3, 1, 3);
  std::optional<std::string> best;
  size_t best_distance = limit + 1;
  for (const std::string_view candidate : candidates) {
    const size_t distance = edit_distance(word, candidate);
    if (distance < best_distance) {
      best = std::string(candidate);
      best_distance = distance;
    }
  }
  return best;
}

std::string to_string(const Location& where) {
  if (where.line == 0)
    return where.file;
  return where.file + ":" + std::to_string(where.line) + ":" +
         std::to_string(where.column);
}

std::string format_error(const Error& error) {
  std::string out =
      "capbox: error: policy " + error.where.file + ": " + error.message + "\n";
  if (error.where.line != 0)
    out += "  --> " + to_string(error.where) + "\n";
  if (!error.hint.empty())
    out += "   = help: " + error.hint + "\n";
  return out;
}

}  // namespace capbox::policy
