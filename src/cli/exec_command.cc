// SPDX-License-Identifier: Apache-2.0
// `capbox exec`, the supervisor for a native program: find the program
// (PATH, as execvp would) and its policy, plan the grants, environment and
// limits as `run` does, then start the program confined (sandbox/
// exec_sandbox.h: Landlock, seccomp, no capabilities, a processes limit)
// with libcapbox-preload.so translating its path calls into requests to
// the broker served here, and pass its exit status on. Every failure is
// one `capbox: error:` line and an exit status from cli/exit_codes.h.
#include "cli/exec_command.h"

#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <vector>

#include "base/unique_fd.h"
#include "cli/exit_codes.h"
#include "cli/policy_lookup.h"
#include "cli/run_options.h"
#include "cli/run_outputs.h"
#include "cli/run_plan.h"
#include "cli/sha256.h"
#include "policy/merge.h"
#include "sandbox/broker_host.h"
#include "sandbox/exec_sandbox.h"

extern char** environ;

namespace capbox::cli {
namespace fs = std::filesystem;
namespace {

struct Failure {
  int status = kExitUsage;
  std::string message;
  std::string help;
};

Failure failure(int status, std::string message, std::string help = "") {
  return Failure{status, std::move(message), std::move(help)};
}

std::vector<std::string> caller_environment() {
  std::vector<std::string> env;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry)
    env.emplace_back(*entry);
  return env;
}

// Why `path` cannot be run, or "" if it can: a missing file is 127,
// anything else that exists but cannot be executed is 126 (as shells).
Failure check_executable(const std::string& shown, const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT || errno == ENOTDIR)
      return failure(kExitNotFound,
                     "program not found: " + shown + " (no such file)");
    return failure(kExitCannotStart,
                   "cannot run " + shown + ": " + std::strerror(errno));
  }
  if (S_ISDIR(st.st_mode))
    return failure(kExitCannotStart,
                   "cannot run " + shown + ": is a directory");
  if (!S_ISREG(st.st_mode) || ::access(path.c_str(), X_OK) != 0)
    return failure(kExitCannotStart,
                   "cannot run " + shown + ": not an executable file",
                   "make it executable (chmod +x) or name another program");
  return Failure{kExitOk, "", ""};
}

// A script's interpreter would have to start it, and then start what the
// script runs: exec lets the named program alone run, so say it plainly.
Result<void, Failure> refuse_script(const std::string& shown,
                                    const std::string& path) {
  char head[256] = {};
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return {};  // find_program checked it; the sandbox says the rest
  const ssize_t n = ::read(fd, head, sizeof head - 1);
  ::close(fd);
  if (n < 2 || head[0] != '#' || head[1] != '!')
    return {};
  std::string interpreter(head + 2, static_cast<size_t>(n) - 2);
  interpreter = interpreter.substr(0, interpreter.find('\n'));
  while (!interpreter.empty() && interpreter.front() == ' ')
    interpreter.erase(0, 1);
  return Unexpected(
      failure(kExitCannotStart,
              "cannot run " + shown + ": it is a script (#!" + interpreter +
                  "), and capbox exec lets only the named program run",
              "run the command it stands for, or its interpreter on it: capbox "
              "exec [OPTIONS] -- " +
                  interpreter + " " + path));
}

// The sandbox's own account of a program that could not be started:
// ENOENT is 127, a program that is there but cannot be run 126, the rest
// (capbox's own failures) 125.
Failure spawn_failure(const std::string& shown,
                      const sandbox::SpawnError& error) {
  const std::string reason =
      std::string(error.what) + ": " + std::strerror(error.error);
  if (error.error == ENOENT)
    return failure(kExitNotFound,
                   "program not found: " + shown + " (" + reason + ")");
  if (error.error == EACCES || error.error == ENOEXEC)
    return failure(kExitCannotStart, "cannot run " + shown + ": " + reason);
  return failure(kExitUsage,
                 "cannot start the sandbox for " + shown + ": " + reason);
}

// PROGRAM with a '/' is used as is; a bare name is looked up in the
// caller's PATH, as execvp(3) does. The result is canonical (symlinks
// resolved) because Landlock's rules are made for that file.
Result<std::string, Failure> find_program(const std::string& name) {
  std::string chosen;
  if (name.find('/') != std::string::npos) {
    Failure why = check_executable(name, name);
    if (why.status != kExitOk)
      return Unexpected(why);
    chosen = name;
  } else {
    const char* path_env = ::getenv("PATH");
    const std::string search =
        path_env != nullptr ? path_env : "/usr/local/bin:/usr/bin:/bin";
    Failure first = failure(
        kExitNotFound, "program not found: " + name + " (not in PATH)",
        "give its path, e.g. ./" + name + ", or add its directory to PATH");
    size_t start = 0;
    while (start <= search.size() && chosen.empty()) {
      const size_t colon = std::min(search.find(':', start), search.size());
      std::string dir = search.substr(start, colon - start);
      start = colon + 1;
      const std::string candidate = (dir.empty() ? "." : dir) + "/" + name;
      Failure why = check_executable(name, candidate);
      if (why.status == kExitOk)
        chosen = candidate;
      else if (why.status == kExitCannotStart && first.status == kExitNotFound)
        first = why;  // found, but not runnable: say so if nothing better
    }
    if (chosen.empty())
      return Unexpected(first);
  }
  std::error_code error;
  fs::path canonical = fs::canonical(chosen, error);
  if (error)
    return Unexpected(failure(kExitCannotStart,
                              "cannot run " + name + ": " + error.message()));
  return canonical.string();
}

Result<policy::Policy, Failure> effective_policy(const RunOptions& options) {
  auto flags = policy_flags(options);
  if (!flags)
    return Unexpected(failure(kExitUsage, flags.error()));
  auto loaded =
      options.no_policy ? policy::apply_flags(policy::Policy{}, *flags)
      : options.policy  ? load_effective_policy(*options.policy, *flags)
                        : load_policy_for_module(options.module_path, *flags);
  if (loaded)
    return std::move(*loaded);
  std::string text;
  for (const policy::Error& error : loaded.error())
    text += (text.empty() ? "" : "\n") + policy::format_error(error);
  constexpr std::string_view kPrefix = "capbox: error: ";
  if (text.starts_with(kPrefix))
    text.erase(0, kPrefix.size());
  while (text.ends_with('\n'))
    text.pop_back();
  return Unexpected(failure(kExitUsage, text));
}

// A policy written for a wasm module may say what exec cannot enforce;
// refusing it beats dropping the rule silently.
Result<void, Failure> check_exec_policy(const policy::Policy& policy) {
  auto wasm_only = [](const char* key, const policy::Location& where,
                      const char* instead) {
    return failure(kExitUsage,
                   std::string("limits.") + key + " (" + origin(where) +
                       ") applies to wasm modules; capbox exec cannot "
                       "enforce it on a native program",
                   instead);
  };
  if (policy.limits.fuel)
    return Unexpected(wasm_only("fuel", policy.limits.fuel->where,
                                "use limits.cpu_time for a native program"));
  if (policy.limits.output)
    return Unexpected(wasm_only("output", policy.limits.output->where,
                                "use limits.file_output, which bounds the "
                                "size of each file it writes"));
  if (!policy.listen.empty())
    return Unexpected(failure(
        kExitUsage, "net.listen (" + origin(policy.listen[0].where) +
                        ") gives a wasm module a socket; capbox exec gives "
                        "a native program none"));
  return {};
}

Result<void, Failure> check_pin(const policy::Policy& policy,
                                const std::string& shown,
                                const std::string& path) {
  if (!policy.program.sha256)
    return {};
  auto digest = sha256_file(path);
  if (!digest)
    return Unexpected(failure(kExitCannotStart,
                              "cannot read " + shown + ": " + digest.error()));
  if (*digest == policy.program.sha256->value)
    return {};
  return Unexpected(failure(
      kExitCannotStart,
      shown + " is not the program the policy pins: its sha256 is " + *digest +
          ", the policy says " + policy.program.sha256->value + "\n  --> " +
          origin(policy.program.sha256->where),
      "if this build is trusted, set sha256 = \"" + *digest +
          "\" in [program]"));
}

// The program sees the paths it would see outside: a relative guest name
// (`--dir data`) becomes absolute against capbox's working directory.
void absolute_guest_names(std::vector<sandbox::Grant>& grants) {
  for (sandbox::Grant& grant : grants) {
    fs::path guest = fs::absolute(grant.guest_name).lexically_normal();
    std::string name = guest.string();
    while (name.size() > 1 && name.ends_with('/'))
      name.pop_back();
    grant.guest_name = name;
  }
}

// The guest path of capbox's working directory when a grant holds it, so
// that relative paths on the command line mean what they mean outside.
std::string guest_working_directory(const std::vector<sandbox::Grant>& grants) {
  std::error_code error;
  const fs::path cwd = fs::current_path(error);
  if (error)
    return "";
  std::string best;
  size_t best_length = 0;
  for (const sandbox::Grant& grant : grants) {
    const fs::path host = fs::canonical(grant.host_path, error);
    if (error)
      continue;
    const fs::path rest = cwd.lexically_relative(host);
    if (rest.empty() || rest.string().starts_with(".."))
      continue;
    const size_t length = host.string().size();
    if (!best.empty() && length <= best_length)
      continue;
    best_length = length;
    best = (fs::path(grant.guest_name) / rest).lexically_normal().string();
    while (best.size() > 1 && best.ends_with('/'))
      best.pop_back();
  }
  return best;
}

// libcapbox-preload.so: CAPBOX_PRELOAD when set (tests), the build tree's
// when this capbox runs from the build tree, else the installed one.
std::string preload_library() {
  if (const char* given = ::getenv("CAPBOX_PRELOAD"); given && *given)
    return given;
  std::error_code error;
  const fs::path self = fs::read_symlink("/proc/self/exe", error);
  const std::string build_root = CAPBOX_BUILD_ROOT;
  if (!error && self.string().starts_with(build_root + "/"))
    return build_root + "/preopen/libcapbox-preload.so";
  return CAPBOX_PRELOAD_INSTALLED;
}

// How a confined program ended, as an exit status (and a message when
// capbox, not the program, has something to say).
Result<int, Failure> ended(const std::string& shown,
                           const RunPlan& plan,
                           const sandbox::RunResult& result,
                           const std::string& broker_error) {
  using sandbox::EndKind;
  const int by_signal = 128 + (result.signal > 0 ? result.signal : SIGKILL);
  const std::string stopped = shown + " was stopped: ";
  switch (result.kind) {
    case EndKind::Exited:
      if (broker_error.empty())
        return result.exit_status;
      return Unexpected(
          failure(by_signal, stopped + "it broke the broker protocol (" +
                                 broker_error + ") and was killed"));
    case EndKind::WallTime:
      return Unexpected(
          failure(by_signal, stopped + plan.wall_time.described + " exceeded",
                  plan.wall_time.help));
    case EndKind::CpuTime:
      return Unexpected(failure(by_signal,
                                stopped + plan.cpu_time.described + " exceeded",
                                plan.cpu_time.help));
    case EndKind::SetupFailed:
      if (result.stage == static_cast<uint32_t>(sandbox::Stage::Execute))
        return Unexpected(failure(
            result.error == ENOENT ? kExitNotFound : kExitCannotStart,
            "cannot run " + shown + ": " + std::strerror(result.error)));
      return Unexpected(failure(kExitUsage, "cannot start the sandbox for " +
                                                shown + ": " + result.message));
    case EndKind::FileSize:
      return Unexpected(
          failure(by_signal, stopped + plan.file_output.described + " exceeded",
                  plan.file_output.help));
    case EndKind::BlockedSyscall:
    case EndKind::Crashed:
      break;
  }
  // A program killed by SIGPIPE (`capbox exec cat big | head`) ended the
  // ordinary way; say nothing, as a shell would not.
  if (result.kind == EndKind::Crashed && result.signal == SIGPIPE)
    return by_signal;
  return Unexpected(failure(by_signal, stopped + result.message));
}

// Descriptors the program holds beside its own: the broker socket and one
// directory per grant, which libcapbox-preload.so keeps open.
uint64_t preload_descriptors(const RunPlan& plan) {
  return 1 + plan.grants.size();
}

Result<sandbox::ExecConfig, Failure> make_exec_config(
    const RunOptions& options,
    const RunPlan& plan,
    const std::string& program) {
  sandbox::ExecConfig config;
  config.program = program;
  config.argv = plan.args;
  config.env = plan.env;
  if (const std::string cwd = guest_working_directory(plan.grants);
      !cwd.empty())
    config.env.push_back("CAPBOX_CWD=" + cwd);
  config.preload_library = preload_library();
  if (::access(config.preload_library.c_str(), R_OK) != 0)
    return Unexpected(failure(
        kExitUsage,
        "cannot find capbox's preload library " + config.preload_library +
            ": " + std::strerror(errno),
        "reinstall capbox, or set CAPBOX_PRELOAD to the library's path"));
  config.limits = plan.rlimits();
  config.limits.open_files = plan.open_files.value == 0
                                 ? 0
                                 : plan.open_files.value +
                                       preload_descriptors(plan) +
                                       (options.trace_groups != 0 ? 1 : 0);
  config.limits.file_bytes = plan.file_output.value;
  config.limits.address_space = plan.memory.value;
  config.processes = plan.processes.value;  // the plan has exec's default
  config.wall_time = plan.wall_time_ms();
  return config;
}

// What --report says of a program that ran: how it ended, by whose hand.
void note_end(RunOutputs& outputs,
              const sandbox::RunResult& result,
              const std::string& broker_error) {
  std::string reason =
      broker_error.empty() ? RunOutputs::end_reason(result) : "broker_protocol";
  std::optional<int64_t> exit_code;
  if (reason.empty()) {
    reason = "exit";
    exit_code = result.exit_status;
  }
  std::optional<int> signal;
  if (result.kind == sandbox::EndKind::Crashed)
    signal = result.signal;
  outputs.set_end(reason, exit_code, signal);
}

Result<int, Failure> exec_program(const RunOptions& options,
                                  RunOutputs& outputs) {
  const std::string& shown = options.module_path;
  auto program = find_program(shown);
  if (!program)
    return Unexpected(program.error());
  if (auto compiled = refuse_script(shown, *program); !compiled)
    return Unexpected(compiled.error());
  auto policy = effective_policy(options);
  if (!policy)
    return Unexpected(policy.error());
  if (auto usable = check_exec_policy(*policy); !usable)
    return Unexpected(usable.error());
  if (auto audit = outputs.use_policy(*policy, options); !audit)
    return Unexpected(failure(kExitUsage, audit.error()));
  if (auto pinned = check_pin(*policy, shown, *program); !pinned)
    return Unexpected(pinned.error());
  auto plan = make_run_plan(*policy, options, caller_environment());
  if (!plan)
    return Unexpected(failure(plan.error().status, plan.error().message));
  absolute_guest_names(plan->grants);
  outputs.set_plan(*policy, *plan);
  auto config = make_exec_config(options, *plan, *program);
  if (!config)
    return Unexpected(config.error());
  // --trace: the preload writes to the trace file, opened here (the
  // program could not), or to capbox's stderr, whatever the program does
  // with its own.
  UniqueFd trace_file;
  if (options.trace_file) {
    trace_file.reset(::open(options.trace_file->c_str(),
                            O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    if (!trace_file)
      return Unexpected(failure(kExitUsage, "cannot write the trace file " +
                                                *options.trace_file + ": " +
                                                std::strerror(errno)));
  }
  if (options.trace_groups != 0) {
    config->trace_fd = trace_file ? trace_file.get() : STDERR_FILENO;
    config->trace_groups = options.trace_groups;
  }
  auto host = sandbox::BrokerHost::create(
      plan->grants, outputs.print_denials()
                        ? sandbox::print_denials_once(STDERR_FILENO)
                        : sandbox::DenialHook());
  if (!host)
    return Unexpected(failure(kExitUsage, host.error()));
  outputs.attach(**host);
  std::string broker_error;
  config->serve_broker = [&](int fd) {
    const sandbox::ServeResult served = (*host)->serve_one(fd);
    switch (served.status) {
      case sandbox::ServeStatus::Served:
        return sandbox::BrokerVerdict::Serve;
      case sandbox::ServeStatus::ChildClosed:
        return sandbox::BrokerVerdict::Stop;
      case sandbox::ServeStatus::Misbehaved:
      case sandbox::ServeStatus::ChannelError:
        break;
    }
    broker_error = served.why;
    return sandbox::BrokerVerdict::Kill;
  };
  auto result = sandbox::run_program_confined(*config);
  if (!result)
    return Unexpected(spawn_failure(shown, result.error()));
  outputs.set_child_usage(*result);
  if (result->kind != sandbox::EndKind::SetupFailed)
    note_end(outputs, *result, broker_error);
  return ended(shown, *plan, *result, broker_error);
}

}  // namespace

int exec_command(std::span<const std::string> args) {
  auto options = parse_run_options(args, CommandKind::kExec);
  if (!options) {
    std::cerr << "capbox: error: " << options.error() << "\n";
    return kExitUsage;
  }
  if (options->help) {
    print_exec_help(std::cout);
    return kExitOk;
  }
  RunOutputs outputs;
  if (auto ready = outputs.prepare(*options); !ready) {
    std::cerr << "capbox: error: " << ready.error() << "\n";
    return outputs.finish(kExitUsage, "EX_CANTCREAT");
  }
  auto status = exec_program(*options, outputs);
  if (!status) {
    const Failure& failed = status.error();
    if (!failed.message.empty())
      std::cerr << "capbox: error: " << failed.message << "\n";
    if (!failed.help.empty())
      std::cerr << "   = help: " << failed.help << "\n";
    return outputs.finish(failed.status);
  }
  return outputs.finish(*status);
}

void print_exec_help(std::ostream& out) {
  out << "Usage: capbox exec [OPTIONS] [--] PROGRAM [ARGS...]\n"
         "\n"
         "Run the native PROGRAM with ARGS confined: it can reach only the\n"
         "directories the policy and the flags grant, seen at their own\n"
         "paths (or at GUEST), and cannot open other files, make sockets,\n"
         "start other programs, trace or signal processes outside, or gain\n"
         "privileges. The kernel enforces this (Landlock, seccomp, no\n"
         "capabilities), so raw system calls and static binaries are held\n"
         "too; libcapbox-preload.so turns the program's open(), fopen(),\n"
         "stat(), opendir() ... on granted paths into requests that capbox\n"
         "checks against the grants and answers with a descriptor. The\n"
         "program may read the system's shared libraries, and /dev/null,\n"
         "/dev/zero and /dev/urandom. The policy is --policy's, else the one\n"
         "named after PROGRAM, else none: stdin, stdout and stderr only.\n"
         "\n";
  print_run_options(out, CommandKind::kExec);
  out << "\n"
         "Exit status: the program's own, 128+N if it died from signal N\n"
         "(a limit kills with SIGKILL: 137), 125 bad usage, a bad policy or\n"
         "a sandbox that cannot be set up (capbox exec needs Landlock, Linux\n"
         "6.12 or later), 126 the program cannot be run (not executable,\n"
         "not the program the policy pins), 127 program not found.\n";
}

}  // namespace capbox::cli
