// SPDX-License-Identifier: Apache-2.0
// `capbox run [OPTIONS] [--] MODULE.wasm [ARGS...]`: load a module,
// instantiate it without imports, call one export and print its results.
// Uses only the engine's embedding API (engine/engine.h).
#pragma once

#include <ostream>
#include <span>
#include <string>

namespace capbox::cli {

// `args` are the words after "run". Returns the process exit status
// (cli/exit_codes.h). Diagnostics go to stderr, results to stdout.
int run_command(std::span<const std::string> args);

void print_run_help(std::ostream& out);

}  // namespace capbox::cli
