// SPDX-License-Identifier: Apache-2.0
// run_sandboxed(): the supervisor side of `capbox run`. Forks the child,
// which locks itself down (lockdown.h) and runs the caller's child_main;
// meanwhile serves the broker socket, enforces the wall-time limit, always
// reaps, and says how the child ended. Depends on base/ and lockdown.h;
// the broker and the interpreter come in as callbacks.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "base/result.h"
#include "sandbox/lockdown.h"

namespace capbox::sandbox {

// What the supervisor does after serving the broker once.
enum class BrokerVerdict : uint8_t {
  Serve,  // keep serving
  Stop,   // close the supervisor's end (the child hung up)
  // Close it and kill the child: it broke the protocol, or the socket
  // failed, and a child that lost its broker cannot go on correctly.
  Kill,
};

struct SandboxConfig {
  Rlimits limits;                          // applied in the child
  std::chrono::milliseconds wall_time{0};  // 0: none; then SIGKILL
  // Descriptors the child keeps beside stdio and its broker end: granted
  // sockets. Everything else is closed before child_main runs.
  std::vector<int> keep_fds;
  LandlockMode landlock = LandlockMode::BestEffort;
  SeccompOptions seccomp_options;
  // Runs in the supervisor whenever its end of the broker socket (a
  // SOCK_SEQPACKET socketpair) is readable or hung up, and says what next.
  // Must not block for long: the wall-time limit is only checked between
  // calls. Empty: no broker; the child gets -1.
  std::function<BrokerVerdict(int supervisor_fd)> serve_broker;
};

enum class EndKind : uint8_t {
  Exited,          // child_main returned (or the child called _exit)
  BlockedSyscall,  // the filter stopped a call
  Crashed,         // killed by a signal nobody asked for
  WallTime,        // the supervisor killed it at the wall-time limit
  CpuTime,         // RLIMIT_CPU: SIGXCPU, or SIGKILL at the hard limit
  FileSize,        // SIGXFSZ (only if the child undid SIG_IGN)
  SetupFailed,     // a lockdown step failed; child_main never ran
};

struct RunResult {
  EndKind kind = EndKind::Exited;
  int exit_status = 0;   // Exited: the status, 0..255
  int signal = 0;        // the killing signal, when there was one
  std::string syscall;   // BlockedSyscall: its name; empty if unknown
  uint32_t stage = 0;    // SetupFailed: a Stage
  int error = 0;         // SetupFailed: the errno
  int landlock_abi = 0;  // what the child found; 0: none (say so in -v)
  // The child's peak resident set in bytes (wait4's ru_maxrss): its own
  // pages and those it shares copy-on-write with the supervisor.
  uint64_t child_peak_rss = 0;
  // exec: the most processes alive at once in the sandbox (an upper
  // bound; see ProcessCounter::peak); 0 for run.
  uint64_t processes_peak = 0;
  // One line for "capbox: error: MODULE was stopped: <message>", e.g.
  // "blocked system call openat", "crashed with signal SIGSEGV",
  // "wall-time limit of 2 s exceeded"; "exited with status N" for Exited.
  std::string message;
};

// Failing to start the child at all (before or right after fork).
struct SpawnError {
  const char* what;
  int error;  // errno
};

// Forks a child that locks itself down per `config` and then returns
// child_main(broker_fd) as its exit status (stdio is flushed, then
// _exit: no atexit handlers or static destructors run in the child).
// child_main runs under the seccomp filter: no opening paths, no new
// sockets, no exceptions expected to escape. The parent must be single
// threaded (fork copies one thread; the child allocates); otherwise
// SpawnError with EBUSY. Never leaves a zombie or a descriptor behind,
// also on errors. Not async-signal-safe; not reentrant.
Result<RunResult, SpawnError> run_sandboxed(
    const SandboxConfig& config,
    const std::function<int(int broker_fd)>& child_main);

// Status of a child whose lockdown failed (it also leaves a ChildReport).
inline constexpr int kSetupFailedStatus = 125;

}  // namespace capbox::sandbox
