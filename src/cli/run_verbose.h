// SPDX-License-Identifier: Apache-2.0
// -v and -vv for run and exec: what a run is given, said before it starts
// (the policy files read, in order, the grants, the environment's names,
// the limits, the WASI groups turned off), and -vv's line for each allowed
// decision on the grants (a denial has its own line already). Every line
// starts "capbox: ", so -q's filter and the colour apply to them as to any
// message. Depends on cli/run_plan.h and sandbox/broker_host.h.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "cli/run_options.h"
#include "cli/run_plan.h"
#include "policy/policy.h"
#include "sandbox/broker_host.h"

namespace capbox::cli {

void print_plan(std::ostream& out,
                const policy::Policy& policy,
                const RunPlan& plan,
                CommandKind kind);

// `capbox: allowed open of "/data/in.txt" (read) under /data (fs.dir[0])`.
// `grants` and `origins` as the run plan has them.
std::string allowed_line(const sandbox::Decision& decision,
                         const std::vector<sandbox::Grant>& grants,
                         const std::vector<GrantOrigin>& origins);

}  // namespace capbox::cli
