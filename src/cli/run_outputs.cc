// SPDX-License-Identifier: Apache-2.0
// RunOutputs: the --audit file is opened (and the --report directory
// tried) before the policy is even read, so that every later outcome,
// 125 included, can be reported; the run's own facts come in as it goes.
#include "cli/run_outputs.h"

#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>

#include "cli/diagnostics.h"
#include "cli/exit_codes.h"
#include "cli/guest_notes.h"
#include "cli/run_verbose.h"

namespace capbox::cli {
namespace {

// This process's peak resident set (VmHWM) in bytes. Not getrusage's
// ru_maxrss: after an exec that counts the parent's pages too, when the
// parent spawned capbox with vfork (Python's subprocess does).
std::optional<uint64_t> own_peak_rss() {
  std::FILE* status = std::fopen("/proc/self/status", "re");
  if (status == nullptr)
    return std::nullopt;
  std::optional<uint64_t> peak;
  char line[128];
  constexpr char kKey[] = "VmHWM:";  // then spaces, the number and "kB"
  while (std::fgets(line, sizeof line, status) != nullptr) {
    if (std::strncmp(line, kKey, sizeof kKey - 1) == 0) {
      peak = std::strtoull(line + sizeof kKey - 1, nullptr, 10) * 1024;
      break;
    }
  }
  std::fclose(status);
  return peak;
}

// User and system CPU time of every reaped child, in milliseconds.
uint64_t children_cpu_ms() {
  rusage usage{};
  if (::getrusage(RUSAGE_CHILDREN, &usage) != 0)
    return 0;
  auto ms = [](const timeval& t) {
    return static_cast<uint64_t>(t.tv_sec) * 1000 +
           static_cast<uint64_t>(t.tv_usec) / 1000;
  };
  return ms(usage.ru_utime) + ms(usage.ru_stime);
}

std::optional<uint64_t> max_of(const PlannedLimit& limit) {
  return limit.value != 0 ? std::optional<uint64_t>(limit.value) : std::nullopt;
}

std::string sysexits_name(int status) {
  switch (status) {
    case kExitUsage:
      return "EX_USAGE";
    case kExitCannotStart:
      return "EX_DATAERR";
    case kExitNotFound:
      return "EX_NOINPUT";
    default:
      return "exit";
  }
}

// "~" and "~/..." are $HOME's; every other path is taken as written (a
// relative one against the working directory, as open(2) does).
Result<std::string, std::string> expand_home(
    const policy::Located<std::string>& log) {
  const std::string& path = log.value;
  if (path != "~" && !path.starts_with("~/"))
    return path;
  const char* home = std::getenv("HOME");
  if (home == nullptr || *home == '\0')
    return Unexpected("cannot place the audit log " + path + " (" +
                      policy::to_string(log.where) + "): HOME is not set");
  return std::string(home) + path.substr(1);
}

}  // namespace

Result<void, std::string> RunOutputs::use_policy(const policy::Policy& policy,
                                                 const RunOptions& options) {
  const policy::Audit& audit = policy.audit;
  if (audit.denials)
    denials_ = audit.denials->value;
  if (audit.log && options.audit && policy.is_locked())
    return Unexpected("the policy is locked (locked = true at " +
                      policy::to_string(policy.locked->where) +
                      "): --audit may not replace its audit log, " +
                      audit.log->value + " (" +
                      policy::to_string(audit.log->where) + ")");
  if (audit_)
    return {};  // --audit's file wins
  if (audit.log) {
    auto path = expand_home(*audit.log);
    if (!path)
      return Unexpected(path.error());
    audit_ = true;
    audit_path_ = *path;
    return recorder_.open_audit(audit_path_);
  }
  if (denials_ != policy::DenialReport::kFile)
    return {};
  auto path = default_audit_path(options.module_path);
  if (!path)
    return Unexpected(path.error());
  audit_ = true;
  audit_path_ = *path;
  default_audit_ = true;
  return recorder_.open_audit(audit_path_);
}

Result<void, std::string> RunOutputs::prepare(const RunOptions& options) {
  report_.program = options.module_path;
  report_.command = options.kind == CommandKind::kExec ? "exec" : "run";
  verbosity_ = options.verbosity;
  kind_ = options.kind;
  set_stderr_quiet(verbosity_ < 0);
  if (options.report) {
    if (auto usable = check_report_path(*options.report); !usable)
      return Unexpected(usable.error());
    report_path_ = *options.report;
  }
  if (!options.audit)
    return {};
  audit_ = true;
  audit_path_ = *options.audit;
  if (audit_path_.empty()) {
    auto path = default_audit_path(options.module_path);
    if (!path)
      return Unexpected(path.error());
    audit_path_ = *path;
    default_audit_ = true;
  }
  return recorder_.open_audit(audit_path_);
}

void RunOutputs::set_child_usage(const sandbox::RunResult& result) {
  report_.cpu_time_ms.used = children_cpu_ms();
  if (kind_ == CommandKind::kRun)
    report_.child_peak_rss = result.child_peak_rss;
  else
    report_.processes.used = result.processes_peak;
}

void RunOutputs::set_plan(const policy::Policy& policy, const RunPlan& plan) {
  if (!policy.file.empty())
    report_.policy = policy.file;
  if (verbosity_ >= 1)
    print_plan(std::cerr, policy, plan, kind_);
  recorder_.set_grants(plan.grants, plan.grant_origins);
  report_.memory.max = max_of(plan.memory);
  report_.fuel.max = max_of(plan.fuel);
  report_.wall_time_ms.max = max_of(plan.wall_time);
  report_.cpu_time_ms.max = max_of(plan.cpu_time);
  report_.output.max = max_of(plan.output);
  report_.file_output.max = max_of(plan.file_output);
  report_.open_files.max = max_of(plan.open_files);
  report_.processes.max = max_of(plan.processes);
}

void RunOutputs::attach(sandbox::BrokerHost& host) {
  if (!audit_ && !report_path_ && verbosity_ < 2)
    return;
  host.set_decision_hook([this](const sandbox::Decision& d) {
    if (verbosity_ >= 2 && d.allowed)
      std::cerr << allowed_line(d, recorder_.grants(), recorder_.origins())
                << "\n";
    recorder_.decision(d);
  });
  if (report_.command == "run")
    host.set_note_hook(
        [this](const sandbox::NoteClaim& n) { recorder_.note(n); });
}

std::string RunOutputs::end_reason(const sandbox::RunResult& result) {
  using sandbox::EndKind;
  switch (result.kind) {
    case EndKind::Exited:
      return "";
    case EndKind::WallTime:
      return "limit:wall_time";
    case EndKind::CpuTime:
      return "limit:cpu_time";
    case EndKind::FileSize:
      return "limit:file_output";
    case EndKind::SetupFailed:
      return "EX_OSERR";
    case EndKind::BlockedSyscall:
      return "blocked_syscall:" +
             (result.syscall.empty() ? "unknown" : result.syscall);
    case EndKind::Crashed:
      return signal_reason(result.signal);
  }
  return "";
}

int RunOutputs::finish(int status,
                       std::string reason,
                       std::optional<int64_t> exit_code,
                       std::optional<int> signal) {
  const double wall_ms = std::chrono::duration<double, std::milli>(
                             std::chrono::steady_clock::now() - start_)
                             .count();
  report_.status = status;
  report_.wall_ms = wall_ms;
  report_.wall_time_ms.used = static_cast<uint64_t>(wall_ms);
  if (reason.empty() && end_) {
    reason = end_->reason;
    exit_code = end_->exit_code;
    signal = end_->signal;
  }
  if (const auto& usage = recorder_.usage()) {
    if (reason.empty()) {
      reason = recorder_.end_reason();
      if (usage->exited)
        exit_code = usage->exit_code;
      if (reason.starts_with("signal:") && status > 128)
        signal = status - 128;
    }
    report_.memory.used = usage->memory_peak;
    if (report_.fuel.max)
      report_.fuel.used = usage->fuel_used;
    report_.output.used = usage->output_used;
    report_.file_output.used = usage->file_output_used;
    report_.open_files.used = usage->open_files_peak;
  }
  if (reason.empty())
    reason = sysexits_name(status);
  report_.reason = reason;
  report_.exit_code = exit_code;
  report_.signal = signal;
  report_.denials = recorder_.denials();
  report_.denied = recorder_.denied();
  if (report_path_)
    report_.supervisor_peak_rss = own_peak_rss();
  if (default_audit_)
    std::cerr << "capbox: audit log: " << audit_path_ << "\n";
  if (!report_path_)
    return status;
  if (auto written = write_report(*report_path_, report_); !written) {
    std::cerr << "capbox: error: " << written.error() << "\n";
    return kExitUsage;
  }
  return status;
}

}  // namespace capbox::cli
