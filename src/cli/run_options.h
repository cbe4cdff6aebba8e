// SPDX-License-Identifier: Apache-2.0
// Option parsing for `capbox run` with Boost.Program_options. Options come
// before the module; every word after it belongs to the guest, which
// Boost.PO cannot express, so the words are split first. Prefix guessing is
// off: a mistyped option is an error with a "did you mean" hint.
#pragma once

#include <cstdint>
#include <optional>
#include <ostream>
#include <span>
#include <string>
#include <vector>

#include "base/result.h"

namespace capbox::cli {

// A limit given with -W or --limit, as the policy key it overrides
// ("fuel", "memory", "wall_time", ...), with its flag's text for messages.
struct LimitFlag {
  std::string key;
  uint64_t value = 0;  // bytes, milliseconds or a count, as the key says
  std::string text;    // "-W fuel=1000"
};

// The WebAssembly proposals -W turns on and off (simd=n, tail-call=n,
// extended-const=n), all on by default as in wasmtime; run_command.cc
// hands them to the engine as engine::Features.
struct WasmFeatures {
  bool simd = true;
  bool tail_call = true;
  bool extended_const = true;
};

// Which subcommand's words are parsed: `exec` runs a native program, so
// it has no -W, --invoke or -S tcplisten, and its limits differ.
enum class CommandKind : uint8_t { kRun, kExec };

struct RunOptions {
  CommandKind kind = CommandKind::kRun;
  bool help = false;
  std::optional<std::string> policy;  // -p/--policy NAME|FILE
  bool no_policy = false;             // --no-policy: flags alone
  std::vector<LimitFlag> limits;      // -W and --limit, in order
  WasmFeatures features;              // -W's proposal switches
  std::optional<std::string> invoke;  // --invoke FUNC
  std::optional<std::string> argv0;   // --argv0 NAME
  std::vector<std::string> dirs;      // --dir HOST[::GUEST[::RIGHTS]], raw
  std::vector<std::string> envs;      // --env NAME[=VALUE], raw
  // -S/--wasi KEY[=VALUE][,...], split at commas.
  bool inherit_env = false;
  std::vector<std::string> tcplisten;  // ADDR:PORT
  // --trace[=GROUPS] as written ("" for every group), and the groups it
  // names as wasi/trace_groups.h bits; 0: no tracing.
  std::optional<std::string> trace;
  uint32_t trace_groups = 0;
  std::optional<std::string> trace_file;  // --trace-file FILE
  // --audit[=FILE] ("": the default file), --report=FILE.
  std::optional<std::string> audit;
  std::optional<std::string> report;
  // -q: -1 (errors only); -v: 1 (policy files, grants, limits); -vv: 2
  // (also every broker decision).
  int verbosity = 0;
  std::string module_path;  // exec: the PROGRAM as written
  std::vector<std::string> module_args;
};

// On failure, the message for `capbox: error: ...` (a usage error: 125).
Result<RunOptions, std::string> parse_run_options(
    std::span<const std::string> args,
    CommandKind kind = CommandKind::kRun);

void print_run_options(std::ostream& out, CommandKind kind = CommandKind::kRun);

// One -W/--wasm or --limit value ("fuel=10,timeout=2s"), appended to
// `options.limits`; an empty string, or the message for `capbox: error:`.
// `flag` is "-W" or "--limit".
std::string parse_limit_flag(const std::string& flag,
                             const std::string& value,
                             RunOptions& options);

}  // namespace capbox::cli
