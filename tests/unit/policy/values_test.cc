// SPDX-License-Identifier: Apache-2.0
// Sizes, durations and the did-you-mean distance.
#include <doctest/doctest.h>

#include <array>

#include "policy/values.h"

namespace capbox::policy {
namespace {

TEST_CASE("sizes") {
  CHECK(*parse_size("256MiB") == 256u << 20);
  CHECK(*parse_size("64KiB") == 65536);
  CHECK(*parse_size("2GiB") == uint64_t{2} << 30);
  CHECK(*parse_size("100B") == 100);
  CHECK(*parse_size("4096") == 4096);
  CHECK(parse_size("256MB").error() ==
        "unknown unit 'MB' in a size \"256MB\"; use one of GiB, MiB, KiB, B");
  CHECK_FALSE(parse_size("1.5GiB").has_value());
  CHECK_FALSE(parse_size("MiB").has_value());
  CHECK_FALSE(parse_size("-1").has_value());
  CHECK_FALSE(parse_size(" 1").has_value());
  CHECK_FALSE(parse_size("256 MiB").has_value());
  CHECK(parse_size("17179869184GiB").error() == "a size is too large");
  CHECK(parse_size("99999999999999999999").error() == "a size is too large");
}

TEST_CASE("durations") {
  CHECK(*parse_duration_ms("500ms") == 500);
  CHECK(*parse_duration_ms("10s") == 10'000);
  CHECK(*parse_duration_ms("2m") == 120'000);
  CHECK(*parse_duration_ms("1h") == 3'600'000);
  CHECK(parse_duration_ms("10").error() ==
        "a duration needs a unit: one of h, m, s, ms");
  CHECK_FALSE(parse_duration_ms("10sec").has_value());
  CHECK_FALSE(parse_duration_ms("1d").has_value());
}

TEST_CASE("printing picks the largest exact unit") {
  CHECK(format_size(256u << 20) == "256MiB");
  CHECK(format_size(1536) == "1536B");
  CHECK(format_size(3072) == "3KiB");
  CHECK(format_size(0) == "0B");
  CHECK(format_duration_ms(120'000) == "2m");
  CHECK(format_duration_ms(1'500) == "1500ms");
  CHECK(format_duration_ms(7'200'000) == "2h");
  for (uint64_t n : {1u, 1023u, 1024u, 5u << 20, 7u << 30}) {
    CAPTURE(n);
    CHECK(*parse_size(format_size(n)) == n);
    CHECK(*parse_duration_ms(format_duration_ms(n)) == n);
  }
}

TEST_CASE("did you mean") {
  constexpr std::array<std::string_view, 3> kWords = {"memory", "fuel",
                                                      "output"};
  CHECK(nearest_word("memroy", kWords) == "memory");
  CHECK(nearest_word("fule", kWords) == "fuel");
  CHECK(nearest_word("outptu", kWords) == "output");
  CHECK_FALSE(nearest_word("threads", kWords).has_value());
  CHECK_FALSE(nearest_word("x", kWords).has_value());
}

TEST_CASE("the hint for an unquoted size or duration") {
  const std::string text = "version = 1\n memory = 256MiB # big\nfuel = 5\n";
  CHECK(unquoted_value_hint(text, 2) ==
        "sizes and durations are strings: memory = \"256MiB\"");
  CHECK(unquoted_value_hint(text, 3).empty());
  CHECK(unquoted_value_hint(text, 1).empty());
  CHECK(unquoted_value_hint(text, 99).empty());
  CHECK(unquoted_value_hint("[limits\n", 1).empty());
}

TEST_CASE("toml strings") {
  CHECK(toml_quote("a\"b\\c") == "\"a\\\"b\\\\c\"");
  CHECK(toml_quote(std::string_view("\n\x01", 2)) == "\"\\u000A\\u0001\"");
  CHECK(toml_quote("é") == "\"é\"");
}

}  // namespace
}  // namespace capbox::policy
