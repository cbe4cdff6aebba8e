// SPDX-License-Identifier: Apache-2.0
// Turns `run`'s WASI options (--dir, --env, -S, --argv0) into what a
// wasi::Context is built from: opened preopens, the environment, argv.
// Failures are one-line messages for `capbox: error:` with exit status 125
// (capbox failed before the guest started).
#pragma once

#include <string>
#include <vector>

#include "base/result.h"
#include "cli/run_options.h"
#include "wasi/context.h"
#include "wasi/direct_fs.h"

namespace capbox::cli {

// One --dir, parsed: HOST[::GUEST[::RIGHTS]].
struct DirSpec {
  std::string host;
  std::string guest;
  wasi::Rights rights = {wasi::right::kAll};
};
Result<DirSpec, std::string> parse_dir_spec(const std::string& text);

struct WasiSetup {
  wasi::ContextOptions options;
  std::vector<wasi::Preopen> preopens;
  std::vector<wasi::Listener> listeners;
};

// Opens every --dir through `fs`, builds argv and the environment
// (`caller_env` is this process's environment, "NAME=VALUE" entries).
Result<WasiSetup, std::string> prepare_wasi(
    const RunOptions& options, wasi::DirectFs& fs,
    const std::vector<std::string>& caller_env);

}  // namespace capbox::cli
