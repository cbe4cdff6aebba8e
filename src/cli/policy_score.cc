// SPDX-License-Identifier: Apache-2.0
#include "cli/policy_score.h"

#include <algorithm>
#include <array>
#include <filesystem>
#include <functional>

#include "cli/policy_audit_log.h"

namespace capbox::cli {
namespace {

namespace fs = std::filesystem;

// What one check looks at: the policy, and it fills `detail` and says
// whether the policy is exposed.
using Check = std::function<bool(const policy::Policy&,
                                 const std::optional<std::string>&,
                                 std::string& detail)>;

struct CheckDef {
  const char* id;
  double weight;
  Check check;
};

std::string grant_name(const policy::Policy& policy, size_t i) {
  const policy::DirGrant& dir = policy.dirs[i];
  return "fs.dir[" + std::to_string(i) + "] " + dir.guest + " (" +
         policy::to_string(dir.where) + ")";
}

bool writable(const policy::DirGrant& dir) {
  for (const std::string& word : rights_words(dir.rights)) {
    if (word != "read" && word != "metadata")
      return true;
  }
  return false;
}

// `path` lexically normal, without a trailing '/' (but "/" itself).
std::string normal_dir(const std::string& path) {
  std::string out = fs::path(path).lexically_normal().string();
  while (out.size() > 1 && out.back() == '/')
    out.pop_back();
  return out;
}

// The root, a home or a system directory: a grant of one of these hands
// over far more than a program needs.
bool broad(const std::string& host, const std::optional<std::string>& home) {
  static constexpr std::array<const char*, 12> kBroad = {
      "/",     "/home", "/root", "/etc",  "/usr", "/var",
      "/proc", "/sys",  "/dev",  "/boot", "/run", "~"};
  const std::string path = normal_dir(host);
  if (std::find(kBroad.begin(), kBroad.end(), path) != kBroad.end())
    return true;
  return home && !home->empty() && path == normal_dir(*home);
}

bool limit_check(const std::optional<policy::Located<uint64_t>>& limit,
                 const char* key,
                 std::string& detail) {
  detail = limit ? std::string("limits.") + key + " is set (" +
                       policy::to_string(limit->where) + ")"
                 : std::string("no limits.") + key;
  return !limit;
}

const std::vector<CheckDef>& checks() {
  static const std::vector<CheckDef> kChecks = {
      {"writable-grant", 2.0,
       [](const policy::Policy& p, const auto&, std::string& detail) {
         for (size_t i = 0; i < p.dirs.size(); ++i) {
           if (writable(p.dirs[i])) {
             detail = grant_name(p, i) + " can be changed: " +
                      join_words(rights_words(p.dirs[i].rights));
             return true;
           }
         }
         detail = "no grant can change files";
         return false;
       }},
      {"broad-grant", 1.5,
       [](const policy::Policy& p, const auto& home, std::string& detail) {
         for (size_t i = 0; i < p.dirs.size(); ++i) {
           if (broad(p.dirs[i].host, home)) {
             detail = grant_name(p, i) + " is " + p.dirs[i].host +
                      ", the root, a home or a system directory";
             return true;
           }
         }
         detail = "no grant of the root, a home or a system directory";
         return false;
       }},
      {"whole-environment", 1.0,
       [](const policy::Policy& p, const auto&, std::string& detail) {
         const auto& all = p.env.inherit_all;
         const bool exposed = all && all->value;
         detail = exposed ? "env.inherit_all = true (" +
                                policy::to_string(all->where) + ")"
                          : "only the variables named in [env]";
         return exposed;
       }},
      {"network", 1.0,
       [](const policy::Policy& p, const auto&, std::string& detail) {
         detail = p.listen.empty()
                      ? "no listening socket"
                      : "listens on " + p.listen[0].value + " (" +
                            policy::to_string(p.listen[0].where) + ")";
         return !p.listen.empty();
       }},
      {"unpinned-module", 1.0,
       [](const policy::Policy& p, const auto&, std::string& detail) {
         detail = p.program.sha256 ? "program.sha256 pins the module"
                                   : "no program.sha256: any module may use "
                                     "this policy";
         return !p.program.sha256;
       }},
      {"unlocked", 0.5,
       [](const policy::Policy& p, const auto&, std::string& detail) {
         detail = p.is_locked() ? "locked = true: flags cannot add to it"
                                : "not locked: --dir, --env and --limit may "
                                  "widen it";
         return !p.is_locked();
       }},
      {"memory-limit", 0.75,
       [](const policy::Policy& p, const auto&, std::string& detail) {
         return limit_check(p.limits.memory, "memory", detail);
       }},
      {"cpu-limit", 0.75,
       [](const policy::Policy& p, const auto&, std::string& detail) {
         if (p.limits.fuel)
           return limit_check(p.limits.fuel, "fuel", detail);
         if (p.limits.cpu_time_ms)
           return limit_check(p.limits.cpu_time_ms, "cpu_time", detail);
         detail = "no limits.fuel or limits.cpu_time";
         return true;
       }},
      {"wall-time-limit", 0.5,
       [](const policy::Policy& p, const auto&, std::string& detail) {
         return limit_check(p.limits.wall_time_ms, "wall_time", detail);
       }},
      {"output-limit", 0.25,
       [](const policy::Policy& p, const auto&, std::string& detail) {
         return limit_check(p.limits.output, "output", detail);
       }},
      {"file-output-limit", 0.5,
       [](const policy::Policy& p, const auto&, std::string& detail) {
         const bool any_writable =
             std::any_of(p.dirs.begin(), p.dirs.end(), writable);
         if (!any_writable) {
           detail = "nothing to write to";
           return false;
         }
         return limit_check(p.limits.file_output, "file_output", detail);
       }},
      {"open-files-limit", 0.25,
       [](const policy::Policy& p, const auto&, std::string& detail) {
         return limit_check(p.limits.open_files, "open_files", detail);
       }},
  };
  return kChecks;
}

std::string level_of(double exposure) {
  if (exposure < 1.0)
    return "SAFE";
  if (exposure < 4.0)
    return "OK";
  if (exposure < 7.0)
    return "MEDIUM";
  if (exposure < 9.0)
    return "EXPOSED";
  return "UNSAFE";
}

}  // namespace

std::vector<std::string> score_check_ids() {
  std::vector<std::string> ids;
  for (const CheckDef& def : checks())
    ids.emplace_back(def.id);
  return ids;
}

Score score_policy(const policy::Policy& policy,
                   const std::vector<std::string>& accepted,
                   const std::optional<std::string>& home) {
  Score score;
  for (const CheckDef& def : checks()) {
    Finding finding;
    finding.id = def.id;
    finding.weight = def.weight;
    finding.exposed = def.check(policy, home, finding.detail);
    finding.accepted =
        finding.exposed &&
        std::find(accepted.begin(), accepted.end(), def.id) != accepted.end();
    if (finding.exposed && !finding.accepted)
      score.exposure += def.weight;
    score.findings.push_back(std::move(finding));
  }
  score.level = level_of(score.exposure);
  return score;
}

}  // namespace capbox::cli
