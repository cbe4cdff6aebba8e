// SPDX-License-Identifier: Apache-2.0
// `capbox policy check --score`: how much a policy exposes, modelled on
// `systemd-analyze security`. A fixed list of checks, each with a weight
// (the weights sum to 10): writable or broad grants, the whole environment
// passed, a listening socket, an unpinned module, an unlocked policy, and
// each limit left unset. The exposure is the sum of the weights of the
// checks that fail and are not accepted (--accept ID: a finding the admin
// has judged fine, systemd#16634), from 0 (locked down) to 10. Pure: reads
// the effective policy (and $HOME's value, given) only.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "policy/policy.h"

namespace capbox::cli {

struct Finding {
  std::string id;        // "writable-grant"
  double weight = 0;     // its share of the 10
  bool exposed = false;  // the check fails
  bool accepted = false;
  std::string detail;  // what was found, or what passes, in words
};

struct Score {
  std::vector<Finding> findings;
  double exposure = 0;  // 0..10, accepted findings left out
  std::string level;    // SAFE, OK, MEDIUM, EXPOSED, UNSAFE
};

// The ids of the checks, in the order they are printed.
std::vector<std::string> score_check_ids();

// `home`: $HOME, to call a grant of it broad (nullopt: unset).
Score score_policy(const policy::Policy& policy,
                   const std::vector<std::string>& accepted,
                   const std::optional<std::string>& home);

}  // namespace capbox::cli
