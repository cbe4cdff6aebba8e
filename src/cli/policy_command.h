// SPDX-License-Identifier: Apache-2.0
// `capbox policy check NAME|FILE...` and `capbox policy show [FLAGS]
// NAME|FILE`. Non-running subcommands, so they exit with sysexits codes
// (design/CLI.md 3d): 64 usage, 65 an invalid policy, 66 a missing one.
#pragma once

#include <ostream>
#include <span>
#include <string>

namespace capbox::cli {

// `args` are the words after "policy".
int policy_command(std::span<const std::string> args);

void print_policy_help(std::ostream& out);

}  // namespace capbox::cli
