// SPDX-License-Identifier: Apache-2.0
// The guest's side of `capbox run`: given a loaded module, a filesystem
// authority and the preopens it granted, build the WASI context with the
// plan's argv, environment and limits, instantiate, run `_initialize` and
// then `_start` (or the --invoke function, printing its results), and say
// how it ended. Runs in the sandboxed child, under the seccomp filter: it
// opens nothing by path and forks nothing. Every failure is one
// `capbox: error:` line on stderr. Uses engine/engine.h and wasi/ only.
#pragma once

#include <memory>
#include <vector>

#include "cli/guest_notes.h"
#include "cli/run_options.h"
#include "cli/run_plan.h"
#include "engine/engine.h"
#include "wasi/context.h"
#include "wasi/fs_authority.h"

namespace capbox::cli {

struct GuestJob {
  const RunOptions& options;
  const RunPlan& plan;
  std::shared_ptr<const engine::CompiledModule> module;
  std::vector<wasi::Preopen> preopens;
  std::vector<wasi::Listener> listeners;
  int trace_fd = 2;   // where --trace lines go (the child's stderr or file)
  int trace_pid = 0;  // the PID they show: capbox's (the supervisor's)
  // --audit/--report: rights checks and the usage note go here; null for
  // a plain run, which then sends no notes.
  NoteSender* notes = nullptr;
  // The policy's [audit] denials: false for "off" and "file".
  bool print_denials = true;
};

// Returns capbox's exit status for the run (cli/exit_codes.h).
int run_guest(GuestJob job, wasi::FsAuthority& fs);

}  // namespace capbox::cli
