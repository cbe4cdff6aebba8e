// SPDX-License-Identifier: Apache-2.0
// `capbox inspect [--format=text|json] MODULE.wasm`: what a module imports
// and exports, which WASI groups it uses and which policy sections matter
// to it. Never runs the module. Uses engine/engine.h only (no internals);
// exits with sysexits codes: 64 usage, 65 malformed module, 66 no file.
#pragma once

#include <ostream>
#include <span>
#include <string>

namespace capbox::cli {

// `args` are the words after "inspect".
int inspect_command(std::span<const std::string> args);

void print_inspect_help(std::ostream& out);

}  // namespace capbox::cli
