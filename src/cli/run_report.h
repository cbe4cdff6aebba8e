// SPDX-License-Identifier: Apache-2.0
// --report=FILE: one JSON object that says how a run of `capbox run` or
// `capbox exec` ended (status, reason, the guest's exit code or signal),
// each limit with what the run used of it, and its denials counted. The
// file is written atomically (a temporary file beside it, then rename),
// however the run ended, so a reader sees all of it or none. Field names
// are a contract (capbox(1) REPORT, `policy learn`). Depends on
// cli/audit_log.h and nlohmann_json.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "cli/audit_log.h"

namespace capbox::cli {

// A limit's maximum (none: unset) and what the run used of it (none:
// not known in this mode, e.g. fuel in exec).
struct LimitUse {
  std::optional<uint64_t> max;
  std::optional<uint64_t> used;
};

struct RunReport {
  std::string program;                // as the user wrote it
  std::string command;                // "run" or "exec"
  std::optional<std::string> policy;  // the policy file, if one was read
  int status = 0;                     // capbox's exit status
  // "exit", "trap:out_of_fuel", "limit:wall_time", "signal:SIGSEGV",
  // "blocked_syscall:socket", or a sysexits name for 125/126/127.
  std::string reason;
  std::optional<int64_t> exit_code;  // the guest's own, when it exited
  std::optional<int> signal;
  double wall_ms = 0;
  LimitUse memory;  // "peak"
  LimitUse fuel;
  LimitUse wall_time_ms;
  LimitUse cpu_time_ms;
  LimitUse output;
  LimitUse file_output;
  LimitUse open_files;  // "peak"
  LimitUse processes;
  uint64_t denials = 0;
  std::vector<DeniedCount> denied;
  // Peak resident sets in bytes: capbox's own process (VmHWM) and the
  // sandboxed child's (none: no child ran, e.g. exec or a usage error).
  std::optional<uint64_t> supervisor_peak_rss;
  std::optional<uint64_t> child_peak_rss;
};

std::string report_json(const RunReport& report);

// Checks before the run that `path`'s directory takes a new file there
// (made and removed again); the error names the file and the errno.
Result<void, std::string> check_report_path(const std::string& path);

// Writes `report` to `path` through a temporary file and rename(2),
// mode 0600; the error names the file and the errno.
Result<void, std::string> write_report(const std::string& path,
                                       const RunReport& report);

}  // namespace capbox::cli
