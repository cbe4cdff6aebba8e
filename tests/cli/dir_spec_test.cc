// SPDX-License-Identifier: Apache-2.0
// --dir HOST[::GUEST[::RIGHTS]]: the parts, the defaults, and the mistake
// of writing rights where the guest name goes.
#include <doctest/doctest.h>

#include "cli/dir_spec.h"

namespace capbox::cli {

TEST_CASE("parse_dir_spec splits host, guest and rights") {
  auto spec = parse_dir_spec("./in::/in::ro");
  REQUIRE(spec.has_value());
  CHECK(spec->host == "./in");
  CHECK(spec->guest == "/in");
  auto only_host = parse_dir_spec("data");
  REQUIRE(only_host.has_value());
  CHECK(only_host->guest == "data");
  auto relative_guest = parse_dir_spec("data::work");
  REQUIRE(relative_guest.has_value());
  CHECK(relative_guest->guest == "work");
}

TEST_CASE("parse_dir_spec refuses rights written as the guest name") {
  auto ro = parse_dir_spec("./data::ro");
  REQUIRE_FALSE(ro.has_value());
  CHECK(ro.error() ==
        "--dir ./data::ro: 'ro' would be the guest name, not rights; write "
        "--dir ./data::GUEST::ro (GUEST may be ./data), or --dir "
        "./data::/ro for a guest directory of that name");
  CHECK_FALSE(parse_dir_spec("d::read,write").has_value());
  // An absolute guest name is never taken for rights.
  auto absolute = parse_dir_spec("d::/ro");
  REQUIRE(absolute.has_value());
  CHECK(absolute->guest == "/ro");
}

TEST_CASE("parse_dir_spec names what is wrong") {
  CHECK(parse_dir_spec("::/in").error().find("no host directory") !=
        std::string::npos);
  CHECK(parse_dir_spec("d::/in::bogus")
            .error()
            .starts_with("--dir "
                         "d::/in::bogus: "));
}

}  // namespace capbox::cli
