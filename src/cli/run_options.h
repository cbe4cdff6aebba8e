// SPDX-License-Identifier: Apache-2.0
// Option parsing for `capbox run` with Boost.Program_options. Options come
// before the module; every word after it belongs to the guest, which
// Boost.PO cannot express, so the words are split first. Prefix guessing is
// off: a mistyped option is an error with a "did you mean" hint.
#pragma once

#include <optional>
#include <ostream>
#include <span>
#include <string>
#include <vector>

#include "base/result.h"

namespace capbox::cli {

struct RunOptions {
  bool help = false;
  std::optional<std::string> invoke;  // --invoke FUNC
  std::optional<std::string> argv0;   // --argv0 NAME
  std::vector<std::string> dirs;      // --dir HOST[::GUEST[::RIGHTS]], raw
  std::vector<std::string> envs;      // --env NAME[=VALUE], raw
  // -S/--wasi KEY[=VALUE][,...], split at commas.
  bool inherit_env = false;
  std::vector<std::string> tcplisten;  // ADDR:PORT
  std::string module_path;
  std::vector<std::string> module_args;
};

// On failure, the message for `capbox: error: ...` (a usage error: 125).
Result<RunOptions, std::string> parse_run_options(
    std::span<const std::string> args);

void print_run_options(std::ostream& out);

}  // namespace capbox::cli
