// SPDX-License-Identifier: Apache-2.0
// Every file in fixtures/invalid/ is loaded through the real lookup (so
// extends and cycles count) and must fail with the error its first lines
// announce: "# expect: FILE:LINE:COL: MESSAGE" (the message is a prefix)
// and optionally "# hint: TEXT" (a substring of the hint). Every file in
// fixtures/valid/ must load.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "cli/policy_lookup.h"

namespace capbox::policy {
namespace {

namespace fs = std::filesystem;

const fs::path kFixtures = POLICY_FIXTURES;

struct Expectation {
  std::string where;  // "file.toml:LINE:COL"
  std::string message;
  std::string hint;
};

Expectation read_expectation(const fs::path& path) {
  Expectation expect;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line) && line.starts_with("#")) {
    if (line.starts_with("# expect: ")) {
      const std::string rest = line.substr(10);
      // FILE:LINE:COL: MESSAGE; the location ends at the third ':'.
      size_t colon = rest.find(':');
      colon = rest.find(':', colon + 1);
      colon = rest.find(':', colon + 1);
      expect.where = rest.substr(0, colon);
      expect.message = rest.substr(std::min(colon + 2, rest.size()));
    } else if (line.starts_with("# hint: ")) {
      expect.hint = line.substr(8);
    }
  }
  return expect;
}

std::string short_where(const Location& where) {
  return fs::path(where.file).filename().string() + ":" +
         std::to_string(where.line) + ":" + std::to_string(where.column);
}

TEST_CASE("every invalid fixture fails where and how it says") {
  size_t count = 0;
  for (const auto& entry : fs::directory_iterator(kFixtures / "invalid")) {
    const Expectation expect = read_expectation(entry.path());
    CAPTURE(entry.path().string());
    REQUIRE_FALSE(expect.where.empty());
    auto loaded = cli::load_policy(entry.path().string(), {});
    REQUIRE_FALSE(loaded.has_value());
    const Error& error = loaded.error().front();
    CHECK(short_where(error.where) == expect.where);
    CHECK(error.message.starts_with(expect.message));
    CAPTURE(error.message);
    CHECK(error.hint.find(expect.hint) != std::string::npos);
    CAPTURE(error.hint);
    CHECK_FALSE(error.not_found);
    // Every error but a plain TOML syntax error says what to do.
    if (entry.path().filename() != "syntax_error.toml")
      CHECK_FALSE(error.hint.empty());
    ++count;
  }
  CHECK(count >= 20);
}

TEST_CASE("every valid fixture loads") {
  size_t count = 0;
  for (const auto& entry : fs::directory_iterator(kFixtures / "valid")) {
    CAPTURE(entry.path().string());
    auto loaded = cli::load_policy(entry.path().string(), {});
    CHECK(loaded.has_value());
    if (!loaded)
      MESSAGE(format_error(loaded.error().front()));
    ++count;
  }
  CHECK(count >= 5);
}

}  // namespace
}  // namespace capbox::policy
