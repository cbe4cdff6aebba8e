// SPDX-License-Identifier: Apache-2.0
// `capbox policy learn [-o FILE] [--dir ...] [--env ...] -- MODULE|PROGRAM
// [ARGS...]`: runs the program once through this same capbox binary with
// the given directories granted, --audit and --report on, and writes the
// smallest policy that allows that run (policy_learn_text.h). Also
// `--from-log AUDIT.jsonl` to learn from a log recorded earlier.
#pragma once

#include <ostream>
#include <span>
#include <string>

namespace capbox::cli {

// `args` are the words after "learn". Exit status: 0, the program's own
// status when its run failed, 64 usage, 65 a malformed log, 66 a missing
// log, 70 a learned policy the parser refuses (a bug), 73 -o unwritable.
int policy_learn_command(std::span<const std::string> args);

void print_learn_help(std::ostream& out);

}  // namespace capbox::cli
