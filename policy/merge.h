// SPDX-License-Identifier: Apache-2.0
// Combining policies: `extends` (the base first, then the child over it)
// and then the command-line flags of one run (they add grants and override
// limits, unless the policy is locked). Pure: files are read by the
// caller's Loader. Depends on policy/policy.h only.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "base/result.h"
#include "policy/policy.h"

namespace capbox::policy {

// Reads and parses the policy that `ref` (an `extends` entry of `from`)
// names. The returned Policy's `file` identifies it (a canonical path):
// cycles are found by comparing it.
using Loader =
    std::function<Result<Policy, Errors>(const Located<std::string>& ref,
                                         const Policy& from)>;

// `child` over `base`: scalars and limits override, lists append (a dir
// for a guest path the base grants replaces the base's), env.set entries
// override one by one.
Policy merge(const Policy& base, const Policy& child);

// Follows `root`'s extends, depth first, in the order written. A cycle is
// an error located at the `extends` entry that closes it.
Result<Policy, Errors> resolve_extends(Policy root, const Loader& load);

// What a run's command line adds. Each entry's location names its flag
// (file = "--dir ./in::/in::ro", line 0).
struct Flags {
  std::vector<DirGrant> dirs;
  std::vector<Located<std::string>> env;  // NAME or NAME=VALUE
  std::optional<Location> inherit_env;    // -S inherit-env
  std::vector<Located<std::string>> listen;
  Limits limits;

  bool empty() const;
};

// `policy` with the flags applied: dirs and env added (a --dir for a guest
// path the policy grants replaces that grant), limits overridden. A locked
// policy refuses every flag: one error per flag, located at the
// `locked = true` line.
Result<Policy, Errors> apply_flags(Policy policy, const Flags& flags);

}  // namespace capbox::policy
