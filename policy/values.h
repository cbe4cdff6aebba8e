// SPDX-License-Identifier: Apache-2.0
// The value syntaxes a policy uses beyond plain TOML: sizes ("256MiB"),
// durations ("500ms"), and "did you mean" for mistyped keys and words.
// Pure functions over strings; they also print values back for
// `policy show`. Depends only on the standard library and base/result.h.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "base/result.h"

namespace capbox::policy {

// "256MiB", "64KiB", "1GiB", "100B" or "4096" (bytes). Units are binary
// and case-sensitive; the error says what was wrong, for a message.
Result<uint64_t, std::string> parse_size(std::string_view text);
// "500ms", "10s", "2m", "1h" to milliseconds.
Result<uint64_t, std::string> parse_duration_ms(std::string_view text);

// The largest exact unit: 268435456 -> "256MiB", 1500 -> "1500B".
std::string format_size(uint64_t bytes);
// The largest exact unit: 120000 -> "2m", 1500 -> "1500ms".
std::string format_duration_ms(uint64_t ms);

// For a syntax error on line `line` of `text`: when that line reads like
// `key = 256MiB` (a number run into letters), the quoted form to write
// instead; otherwise empty.
std::string unquoted_value_hint(std::string_view text, uint32_t line);

// A TOML basic string, quoted and escaped.
std::string toml_quote(std::string_view text);

// The candidate within a plausible typo's distance of `word`, if any.
std::optional<std::string> nearest_word(
    std::string_view word,
    std::span<const std::string_view> candidates);

}  // namespace capbox::policy
