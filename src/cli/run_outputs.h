// SPDX-License-Identifier: Apache-2.0
// RunOutputs: what --audit and --report need from one `capbox run` or
// `capbox exec`, from the first step to the last. Prepared before
// anything else (an unwritable file is 125 before the guest starts),
// told the plan and the broker host, and finished exactly once with the
// run's status, however it ended, so that a report is written for a
// usage error as for a trap. Supervisor only. Depends on cli/audit_log.h,
// cli/run_report.h, cli/run_plan.h and sandbox/broker_host.h.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "base/result.h"
#include "cli/audit_log.h"
#include "cli/run_options.h"
#include "cli/run_plan.h"
#include "cli/run_report.h"
#include "policy/policy.h"
#include "sandbox/broker_host.h"
#include "sandbox/supervisor.h"

namespace capbox::cli {

class RunOutputs {
 public:
  // Checks that --report's file can be made and creates --audit's; the
  // error is the message for `capbox: error:` (status 125).
  Result<void, std::string> prepare(const RunOptions& options);

  // The effective policy's [audit]: its log is opened here unless --audit
  // named one (a locked policy refuses that flag), and denials = "file"
  // without any log opens the default one. The error is for `capbox:
  // error:` (status 125). "~/" in the log is $HOME's; a relative log is
  // the invocation directory's.
  Result<void, std::string> use_policy(const policy::Policy& policy,
                                       const RunOptions& options);
  // Whether denials are printed on stderr (once per rule): not under -q.
  bool print_denials() const {
    return denials_ == policy::DenialReport::kStderr && verbosity_ >= 0;
  }

  // Whether the sandboxed child should send notes (run mode).
  bool wants_notes() const { return audit_ || report_path_; }
  // The effective policy (its file, "" for none) and the plan: grants for
  // the records, limits for the report; -v prints them here.
  void set_plan(const policy::Policy& policy, const RunPlan& plan);
  // Gives `host` the hooks that feed the records and -vv's lines (nothing
  // when none of --audit, --report and -vv was given).
  void attach(sandbox::BrokerHost& host);

  // How a sandboxed run ended, as the supervisor saw it, before finish:
  // "limit:wall_time", "signal:SIGSEGV" ... ("" when it exited).
  static std::string end_reason(const sandbox::RunResult& result);

  // Writes the report (when asked for) and says where the default audit
  // log went. `reason` "" means: the child's own (its usage note), else
  // the sysexits name of a 125/126/127 `status`. Returns `status`, or 125
  // if the report could not be written.
  int finish(int status,
             std::string reason = "",
             std::optional<int64_t> exit_code = std::nullopt,
             std::optional<int> signal = std::nullopt);

  // How the run ended when the supervisor alone knows it (exec): finish
  // takes it when given no reason of its own.
  void set_end(std::string reason,
               std::optional<int64_t> exit_code,
               std::optional<int> signal) {
    end_ = End{std::move(reason), exit_code, signal};
  }

  RunReport& report() { return report_; }
  // What the sandbox's processes used, once they are reaped: CPU time (all
  // of capbox's children: the sandbox is all it starts), the child's peak
  // RSS (run) and the processes peak (exec).
  void set_child_usage(const sandbox::RunResult& result);

 private:
  std::chrono::steady_clock::time_point start_ =
      std::chrono::steady_clock::now();
  int verbosity_ = 0;
  CommandKind kind_ = CommandKind::kRun;
  bool audit_ = false;
  bool default_audit_ = false;
  std::string audit_path_;
  policy::DenialReport denials_ = policy::DenialReport::kStderr;
  std::optional<std::string> report_path_;
  struct End {
    std::string reason;
    std::optional<int64_t> exit_code;
    std::optional<int> signal;
  };
  std::optional<End> end_;
  RunRecorder recorder_;
  RunReport report_;
};

}  // namespace capbox::cli
