// SPDX-License-Identifier: Apache-2.0
// policy check --score's checks on policies built in memory: what makes a
// grant broad (the root, $HOME, system directories, however written), the
// levels' edges, and accepted findings left out of the exposure. The text
// and JSON output are in the message catalogue.
#include <doctest/doctest.h>

#include <algorithm>
#include <string>

#include "cli/policy_score.h"
#include "wasi/grant_rights.h"

namespace capbox::cli {
namespace {

policy::Policy with_grant(const std::string& host, uint64_t rights) {
  policy::Policy policy;
  policy::DirGrant dir;
  dir.host = host;
  dir.guest = "/g";
  dir.rights.bits = rights;
  policy.dirs.push_back(dir);
  return policy;
}

const Finding& finding(const Score& score, const std::string& id) {
  auto it = std::find_if(score.findings.begin(), score.findings.end(),
                         [&](const Finding& f) { return f.id == id; });
  REQUIRE(it != score.findings.end());
  return *it;
}

bool broad(const std::string& host, const char* home = "/home/u") {
  const std::optional<std::string> home_dir =
      home ? std::optional<std::string>(home) : std::nullopt;
  return finding(score_policy(with_grant(host, wasi::kGrantRead), {}, home_dir),
                 "broad-grant")
      .exposed;
}

TEST_CASE("a grant of the root, $HOME or a system directory is broad") {
  CHECK(broad("/"));
  CHECK(broad("/etc/"));
  CHECK(broad("/usr/../etc"));
  CHECK(broad("/home/u"));
  CHECK(broad("/home/u/"));
  CHECK(broad("~"));
  CHECK_FALSE(broad("/home/u/project"));
  CHECK_FALSE(broad("./data"));
  CHECK_FALSE(broad("/home/u", nullptr));
  CHECK(broad("/home", nullptr));
}

TEST_CASE("the weights sum to 10: an empty policy fails every limit") {
  const Score open = score_policy(policy::Policy{}, {}, std::nullopt);
  double total = 0;
  for (const Finding& f : open.findings)
    total += f.weight;
  CHECK(total == doctest::Approx(10.0));
  // Nothing granted: the grant, environment and network checks pass, and
  // so does file-output-limit (nothing to write to).
  CHECK(open.exposure == doctest::Approx(4.0));
  CHECK(open.level == "MEDIUM");
}

TEST_CASE("a writable grant fails writable-grant and file-output-limit") {
  const Score score = score_policy(
      with_grant("./out", wasi::kGrantRead | wasi::kGrantWrite), {}, {});
  CHECK(finding(score, "writable-grant").exposed);
  CHECK(finding(score, "file-output-limit").exposed);
  CHECK(score.exposure == doctest::Approx(6.5));
  const Score read_only =
      score_policy(with_grant("./in", wasi::kGrantRead), {}, {});
  CHECK_FALSE(finding(read_only, "writable-grant").exposed);
}

TEST_CASE("accepted findings are shown but not counted") {
  const Score score =
      score_policy(with_grant("./out", wasi::kGrantRead | wasi::kGrantCreate),
                   {"writable-grant", "unlocked"}, {});
  CHECK(finding(score, "writable-grant").accepted);
  CHECK(finding(score, "unlocked").accepted);
  CHECK(score.exposure == doctest::Approx(4.0));
}

TEST_CASE("levels: SAFE below 1, OK below 4, MEDIUM below 7") {
  policy::Policy tight;
  tight.locked = policy::Located<bool>{true, {}};
  tight.program.sha256 = policy::Located<std::string>{"00", {}};
  for (auto* limit : {&tight.limits.memory, &tight.limits.cpu_time_ms,
                      &tight.limits.wall_time_ms, &tight.limits.output,
                      &tight.limits.open_files})
    *limit = policy::Located<uint64_t>{1, {}};
  const Score safe = score_policy(tight, {}, {});
  CHECK(safe.exposure == doctest::Approx(0.0));
  CHECK(safe.level == "SAFE");
  tight.locked.reset();
  tight.program.sha256.reset();
  const Score ok = score_policy(tight, {}, {});
  CHECK(ok.exposure == doctest::Approx(1.5));
  CHECK(ok.level == "OK");
}

}  // namespace
}  // namespace capbox::cli
