// SPDX-License-Identifier: Apache-2.0
// RunPlan: what one `capbox run` gives its guest, worked out from the
// effective policy (flags already applied) before anything starts: the
// grants the broker serves, argv and the environment, each limit with the
// words that name it when it is hit, and the WASI groups left out. Pure
// apart from `missing = "create"` grants, whose directories it makes.
// Depends on policy/, sandbox/grants.h and sandbox/lockdown.h (Rlimits).
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "cli/run_options.h"
#include "policy/policy.h"
#include "sandbox/grants.h"
#include "sandbox/lockdown.h"

namespace capbox::cli {

// A limit's value and how to name it: "fuel limit of 1000 instructions
// (from -W fuel=1000)", "output limit of 1MiB (from app.toml:9:10)".
struct PlannedLimit {
  uint64_t value = 0;  // 0: none
  std::string described;
  std::string help;  // how to raise it: "raise limits.fuel in app.toml"
};

// Where a grant was written, as audit records name it.
struct GrantOrigin {
  std::string rule;       // "fs.dir[1]" (the effective policy's) or "--dir[0]"
  std::string source;     // "app.toml:12:1", or the flag: "--dir ./o::/o"
  std::string rights_at;  // "app.toml:14:10", the line to edit; "" for a flag
};

struct RunPlan {
  std::vector<sandbox::Grant> grants;
  std::vector<GrantOrigin> grant_origins;  // one per grant, in order
  std::vector<std::string> args;           // argv[0] first
  std::vector<std::string> env;            // NAME=VALUE
  std::vector<policy::Located<std::string>> listen;
  // wasi/api.def groups left out, each with the policy value that says so.
  std::map<std::string, std::string> disabled_groups;

  PlannedLimit memory;  // bytes of linear memory
  PlannedLimit fuel;    // wasm instructions
  PlannedLimit cpu_time;
  PlannedLimit wall_time;
  PlannedLimit open_files;
  PlannedLimit output;
  PlannedLimit file_output;
  PlannedLimit processes;  // exec: live processes at once

  // The engine's page limit, 0 for none (memory rounded down to pages).
  uint64_t memory_pages() const;
  sandbox::Rlimits rlimits() const;
  std::chrono::milliseconds wall_time_ms() const {
    return std::chrono::milliseconds(wall_time.value);
  }
};

struct PlanError {
  int status;  // an exit status of cli/exit_codes.h
  std::string message;
};

// `caller_env` is this process's environment ("NAME=VALUE" entries).
Result<RunPlan, PlanError> make_run_plan(
    const policy::Policy& policy,
    const RunOptions& options,
    const std::vector<std::string>& caller_env);

// Where a policy value came from, as a message says it: "app.toml:9:10",
// or "-W fuel=1000" for a flag.
std::string origin(const policy::Location& where);

}  // namespace capbox::cli
