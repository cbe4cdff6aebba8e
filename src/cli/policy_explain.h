// SPDX-License-Identifier: Apache-2.0
// `capbox policy explain NAME|FILE --log AUDIT.jsonl` and `... --path
// GUEST_PATH --rights LIST`: which grant to add or widen so that what was
// denied is allowed, as a unified diff of the policy file (policy_patch.h).
// Reads files; never runs anything.
#pragma once

#include <ostream>
#include <span>
#include <string>

namespace capbox::cli {

// `args` are the words after "explain". Exit status: 0 nothing to change
// or allowed, 1 a change proposed or denied, 64 usage, 65 a malformed log,
// 66 a missing log or policy, 78 an invalid policy.
int policy_explain_command(std::span<const std::string> args);

void print_explain_help(std::ostream& out);

}  // namespace capbox::cli
