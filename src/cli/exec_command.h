// SPDX-License-Identifier: Apache-2.0
// `capbox exec [OPTIONS] [--] PROGRAM [ARGS...]`: a native program run
// confined, its path calls brokered against the policy's grants. Returns
// the exit status (cli/exit_codes.h, or the program's own).
#pragma once

#include <ostream>
#include <span>
#include <string>

namespace capbox::cli {

int exec_command(std::span<const std::string> args);
void print_exec_help(std::ostream& out);

}  // namespace capbox::cli
