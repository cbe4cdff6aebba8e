// SPDX-License-Identifier: Apache-2.0
// `capbox run`, the supervisor: find the policy and apply the flags, read,
// pin-check and load the module, plan the run (grants, argv, environment,
// limits), then fork the sandboxed child that runs it (cli/guest_run.h)
// while serving its broker requests against the grants, and report how it
// ended. The module is compiled before the fork, so the child starts from
// a copy-on-write image and never reads a file. Every failure is one
// `capbox: error:` line (and a help line when a limit explains it) and an
// exit status from cli/exit_codes.h.
#include "cli/run_command.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <iostream>
#include <optional>
#include <vector>

#include "base/unique_fd.h"
#include "broker/client.h"
#include "cli/exit_codes.h"
#include "cli/guest_run.h"
#include "cli/listen.h"
#include "cli/policy_lookup.h"
#include "cli/run_options.h"
#include "cli/run_outputs.h"
#include "cli/run_plan.h"
#include "cli/sha256.h"
#include "engine/engine.h"
#include "policy/merge.h"
#include "sandbox/broker_host.h"
#include "sandbox/brokered_fs.h"
#include "sandbox/supervisor.h"
#ifndef CAPBOX_IN_PROCESS_GUEST
#define CAPBOX_IN_PROCESS_GUEST 0
#endif
#if CAPBOX_IN_PROCESS_GUEST
#ifdef NDEBUG
#error "CAPBOX_IN_PROCESS_GUEST is for measuring builds, never a release"
#endif
#include "wasi/direct_fs.h"
#endif

extern char** environ;

namespace capbox::cli {
namespace {

int fail(int status, const std::string& message) {
  std::cerr << "capbox: error: " << message << "\n";
  return status;
}

// A failure with its exit status, so helpers can return it up the stack.
struct Failure {
  int status = kExitCannotStart;
  std::string message;
  std::string help;    // "   = help: ..." under the message, when not empty
  std::string reason;  // --report's; "": the status's sysexits name
  std::optional<int> signal;
};

Failure failure(int status, std::string message, std::string help = "") {
  return Failure{status, std::move(message), std::move(help), "", {}};
}

// Reads the whole file. Not found (ENOENT, ENOTDIR) is 127; anything else
// that stops the read (EACCES, a directory, an I/O error) is 126, as in
// shells, since the path names something that exists but cannot be used.
Result<std::vector<uint8_t>, Failure> read_module(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT || errno == ENOTDIR)
      return Unexpected(failure(
          kExitNotFound, "module not found: " + path + " (no such file)"));
    return Unexpected(
        failure(kExitCannotStart,
                "cannot read module " + path + ": " + std::strerror(errno)));
  }
  struct stat st {};
  if (::fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
    ::close(fd);
    return Unexpected(failure(
        kExitCannotStart, "cannot read module " + path + ": is a directory"));
  }
  std::vector<uint8_t> bytes;
  // Sized once: growing by doubling would touch (and fault in) about four
  // times the module's size.
  if (S_ISREG(st.st_mode) && st.st_size > 0)
    bytes.reserve(static_cast<size_t>(st.st_size));
  uint8_t chunk[65536];
  for (;;) {
    const ssize_t n = ::read(fd, chunk, sizeof chunk);
    if (n == 0)
      break;
    if (n < 0) {
      if (errno == EINTR)
        continue;
      const std::string reason = std::strerror(errno);
      ::close(fd);
      return Unexpected(failure(kExitCannotStart,
                                "cannot read module " + path + ": " + reason));
    }
    bytes.insert(bytes.end(), chunk, chunk + n);
  }
  ::close(fd);
  return bytes;
}

// The effective policy: --policy's, else the module's own when one is
// installed, else the default (stdio only), with the flags applied.
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
  // format_error gives "capbox: error: ..." lines; Failure adds the prefix.
  std::string text;
  for (const policy::Error& error : loaded.error())
    text += (text.empty() ? "" : "\n") + policy::format_error(error);
  constexpr std::string_view kPrefix = "capbox: error: ";
  if (text.starts_with(kPrefix))
    text.erase(0, kPrefix.size());
  while (text.ends_with('\n'))
    text.pop_back();
  Failure failed = failure(kExitUsage, text);
  failed.reason = "EX_CONFIG";
  return Unexpected(failed);
}

// A module pinned by the policy's sha256 must be exactly that module.
Result<void, Failure> check_pin(const policy::Policy& policy,
                                const std::string& path,
                                std::span<const uint8_t> bytes) {
  if (!policy.program.sha256)
    return {};
  const std::string actual = sha256_hex(bytes);
  if (actual == policy.program.sha256->value)
    return {};
  return Unexpected(
      failure(kExitCannotStart,
              path + " is not the module the policy pins: its sha256 is " +
                  actual + ", the policy says " + policy.program.sha256->value +
                  "\n  --> " + origin(policy.program.sha256->where),
              "if this build is trusted, set sha256 = \"" + actual +
                  "\" in [program]"));
}

Result<std::vector<wasi::Listener>, Failure> open_listeners(
    const RunPlan& plan) {
  std::vector<wasi::Listener> listeners;
  for (const auto& address : plan.listen) {
    auto listener = listen_tcp(address.value);
    if (!listener)
      return Unexpected(failure(kExitUsage, listener.error() + " (from " +
                                                origin(address.where) + ")"));
    listeners.push_back(wasi::Listener{std::move(*listener)});
  }
  return listeners;
}

// "MODULE was stopped: ..." for the ways a sandboxed run ends other than
// its own exit, with the limit's help line when a limit ended it.
Failure stopped(const std::string& path,
                const RunPlan& plan,
                const sandbox::RunResult& result,
                const std::string& broker_error) {
  using sandbox::EndKind;
  std::string message = path + " was stopped: ";
  switch (result.kind) {
    case EndKind::WallTime:
      return failure(kExitTrap,
                     message + plan.wall_time.described + " exceeded",
                     plan.wall_time.help);
    case EndKind::CpuTime:
      return failure(kExitTrap, message + plan.cpu_time.described + " exceeded",
                     plan.cpu_time.help);
    case EndKind::SetupFailed:
      return failure(kExitUsage, "cannot start the sandbox for " + path + ": " +
                                     result.message);
    default:
      break;
  }
  if (!broker_error.empty())
    return failure(kExitTrap, message +
                                  "the sandboxed interpreter broke "
                                  "the broker protocol (" +
                                  broker_error + ") and was killed");
  return failure(kExitTrap, message + result.message);
}

// --trace-file: opened here, as the sandboxed child can open nothing, and
// inherited by it. An invalid descriptor when the trace goes to stderr.
Result<UniqueFd, Failure> open_trace_file(const RunOptions& options) {
  if (!options.trace_file)
    return UniqueFd();
  UniqueFd fd(::open(options.trace_file->c_str(),
                     O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (!fd)
    return Unexpected(failure(kExitUsage, "cannot write the trace file " +
                                              *options.trace_file + ": " +
                                              std::strerror(errno)));
  return fd;
}

// What the supervisor opens for the guest before it starts: the -S
// tcplisten sockets and the trace file.
struct GuestFiles {
  std::vector<wasi::Listener> listeners;
  UniqueFd trace;  // invalid: the trace goes to stderr
  int trace_fd() const { return trace ? trace.get() : STDERR_FILENO; }
};

Result<GuestFiles, Failure> open_guest_files(const RunOptions& options,
                                             const RunPlan& plan) {
  auto listeners = open_listeners(plan);
  if (!listeners)
    return Unexpected(listeners.error());
  auto trace = open_trace_file(options);
  if (!trace)
    return Unexpected(trace.error());
  return GuestFiles{std::move(*listeners), std::move(*trace)};
}

#if CAPBOX_IN_PROCESS_GUEST
// Only in a measuring build (meson setup B
// -Dcpp_args=-DCAPBOX_IN_PROCESS_GUEST=1, bench/README.md): the guest runs in
// this process over DirectFs, with no fork, seccomp or broker, because
// valgrind's tools cannot follow the sandbox (pidfd_open, seccomp) and this
// machine has no counters of its own. Each run says so on stderr. Grants,
// listeners and the trace file are as in a sandboxed run; the audit and
// report notes are not sent.
Result<int, Failure> run_in_process(
    const RunOptions& options,
    const RunPlan& plan,
    std::shared_ptr<const engine::CompiledModule> module) {
  std::cerr << "capbox: warning: a measuring build: the guest runs without "
               "the sandbox\n";
  wasi::DirectFs fs;
  std::vector<wasi::Preopen> preopens;
  for (const sandbox::Grant& grant : plan.grants) {
    auto root = fs.open_root(grant.host_path);
    if (!root)
      return Unexpected(failure(kExitUsage, "cannot open " + grant.host_path +
                                                ": " +
                                                std::strerror(root.error())));
    wasi::Preopen preopen;
    preopen.guest_name = grant.guest_name;
    preopen.dir = std::move(*root);
    preopen.base = preopen.inheriting = grant.rights;
    preopens.push_back(std::move(preopen));
  }
  auto files = open_guest_files(options, plan);
  if (!files)
    return Unexpected(files.error());
  GuestJob job{options, plan, std::move(module), std::move(preopens),
               std::move(files->listeners)};
  job.trace_fd = files->trace_fd();
  job.trace_pid = ::getpid();
  return run_guest(std::move(job), fs);
}
#endif

// The supervisor's part: serve the broker to a locked-down child running
// run_guest until it ends, then say how it ended.
Result<int, Failure> supervise_guest(
    const RunOptions& options,
    const RunPlan& plan,
    std::shared_ptr<const engine::CompiledModule> module,
    RunOutputs& outputs) {
#if CAPBOX_IN_PROCESS_GUEST
  (void)outputs;
  return run_in_process(options, plan, std::move(module));
#endif
  auto host = sandbox::BrokerHost::create(
      plan.grants, outputs.print_denials()
                       ? sandbox::print_denials_once(STDERR_FILENO)
                       : sandbox::DenialHook());
  if (!host) {
    std::string help;
    for (const sandbox::Grant& grant : plan.grants) {
      struct stat st {};
      if (::stat(grant.host_path.c_str(), &st) != 0 &&
          ::stat(grant.guest_name.c_str(), &st) == 0)
        help =
            "capbox reads HOST::GUEST, host first (like wasmtime 14+ "
            "and docker -v); did you swap them?";
    }
    return Unexpected(failure(kExitUsage, host.error(), help));
  }
  outputs.attach(**host);
  auto files = open_guest_files(options, plan);
  if (!files)
    return Unexpected(files.error());
  sandbox::SandboxConfig config;
  if (files->trace)
    config.keep_fds.push_back(files->trace.get());
  config.limits = plan.rlimits();
  config.wall_time = plan.wall_time_ms();
  for (const wasi::Listener& listener : files->listeners)
    config.keep_fds.push_back(listener.fd.get());
  std::string broker_error;
  config.serve_broker = [&](int fd) {
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
  // A write to a closed pipe is the guest's error (Errno::Pipe), not a
  // signal that kills the child before it can report anything.
  ::signal(SIGPIPE, SIG_IGN);
  const pid_t supervisor = ::getpid();
  auto result = sandbox::run_sandboxed(config, [&](int broker_fd) {
    broker::Client client{UniqueFd(broker_fd)};
    sandbox::BrokeredFs fs(client);
    auto preopens = sandbox::fetch_preopens(client);
    if (!preopens) {
      std::cerr << "capbox: error: the sandboxed interpreter could not get "
                   "its preopened directories from the supervisor: "
                << std::strerror(preopens.error()) << "\n";
      return kExitUsage;
    }
    GuestJob job{options, plan, module, std::move(*preopens),
                 std::move(files->listeners)};
    NoteSender notes(client);
    if (outputs.wants_notes())
      job.notes = &notes;
    job.print_denials = outputs.print_denials();
    job.trace_fd = files->trace_fd();
    job.trace_pid = supervisor;
    return run_guest(std::move(job), fs);
  });
  if (!result)
    return Unexpected(
        failure(kExitUsage, std::string("cannot start the sandbox: ") +
                                result.error().what + ": " +
                                std::strerror(result.error().error)));
  outputs.set_child_usage(*result);
  if (result->kind == sandbox::EndKind::Exited && broker_error.empty())
    return result->exit_status;
  Failure failed = stopped(options.module_path, plan, *result, broker_error);
  failed.reason = broker_error.empty() ? RunOutputs::end_reason(*result)
                                       : "broker_protocol";
  if (result->kind == sandbox::EndKind::Crashed)
    failed.signal = result->signal;
  return Unexpected(failed);
}

std::vector<std::string> caller_environment() {
  std::vector<std::string> env;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry)
    env.emplace_back(*entry);
  return env;
}

// Policy, module, plan, then the sandboxed run. Returns the exit status.
Result<int, Failure> run_module(const RunOptions& options,
                                RunOutputs& outputs) {
  const std::string& path = options.module_path;
  auto policy = effective_policy(options);
  if (!policy)
    return Unexpected(policy.error());
  if (auto audit = outputs.use_policy(*policy, options); !audit)
    return Unexpected(failure(kExitUsage, audit.error()));
  auto bytes = read_module(path);
  if (!bytes)
    return Unexpected(bytes.error());
  if (auto pinned = check_pin(*policy, path, *bytes); !pinned)
    return Unexpected(pinned.error());
  auto plan = make_run_plan(*policy, options, caller_environment());
  if (!plan)
    return Unexpected(failure(plan.error().status, plan.error().message));
  outputs.set_plan(*policy, *plan);
  engine::LoadOptions load_options;
  load_options.fuel_metering = plan->fuel.value != 0;
  load_options.features.simd = options.features.simd;
  load_options.features.tail_call = options.features.tail_call;
  load_options.features.extended_const = options.features.extended_const;
  auto compiled = engine::load_module(std::move(*bytes), load_options);
  if (!compiled)
    return Unexpected(
        failure(kExitCannotStart, path + ": " + compiled.error().describe()));
  return supervise_guest(options, *plan, std::move(*compiled), outputs);
}

}  // namespace

int run_command(std::span<const std::string> args) {
  auto options = parse_run_options(args);
  if (!options)
    return fail(kExitUsage, options.error());
  if (options->help) {
    print_run_help(std::cout);
    return kExitOk;
  }
  RunOutputs outputs;
  if (auto ready = outputs.prepare(*options); !ready) {
    std::cerr << "capbox: error: " << ready.error() << "\n";
    return outputs.finish(kExitUsage, "EX_CANTCREAT");
  }
  auto status = run_module(*options, outputs);
  if (!status) {
    const Failure& failed = status.error();
    if (!failed.message.empty())
      std::cerr << "capbox: error: " << failed.message << "\n";
    if (!failed.help.empty())
      std::cerr << "   = help: " << failed.help << "\n";
    return outputs.finish(failed.status, failed.reason, std::nullopt,
                          failed.signal);
  }
  return outputs.finish(*status);
}

void print_run_help(std::ostream& out) {
  out << "Usage: capbox run [OPTIONS] [--] MODULE.wasm [ARGS...]\n"
         "\n"
         "Run the WASI command MODULE.wasm with ARGS in a sandbox: the\n"
         "interpreter runs in a child process that cannot open files, make\n"
         "sockets or start programs (seccomp, Landlock, no capabilities);\n"
         "capbox opens for it only what the policy and the flags grant.\n"
         "The policy is --policy's, else the one named after the module\n"
         "(MODULE without .wasm) in $XDG_CONFIG_HOME/capbox/policies,\n"
         "/etc/capbox/policies or /usr/share/capbox/policies, else none:\n"
         "stdin, stdout and stderr only. A reactor's _initialize runs first;\n"
         "--invoke FUNC calls FUNC instead of _start and prints its results,\n"
         "one per line. Options go before the module; every word after it\n"
         "belongs to the module.\n"
         "\n";
  print_run_options(out);
  out << "\n"
         "Exit status: the guest's own (proc_exit with 0..125; 126 and above\n"
         "are reported and give 1), or 125 bad usage, a bad or locked policy\n"
         "or a grant that cannot be opened, 126 the module cannot be started\n"
         "(unreadable, invalid, not the module the policy pins, an import\n"
         "capbox does not provide or the policy turns off, no such export),\n"
         "127 module not found, 134 the guest trapped, hit a limit or was\n"
         "stopped by the sandbox, 128+N the guest raised signal N.\n";
}

}  // namespace capbox::cli
