// SPDX-License-Identifier: Apache-2.0
// run_program_confined(): the supervisor side of `capbox exec`. Forks a
// child that confines itself and executes a native program, then serves
// the broker, counts the sandbox's processes, enforces the wall time, and
// at the end kills and reaps every process the program left. Depends on
// base/, lockdown.h, notify.h and the exec_* pieces; the broker comes in
// as a callback; knows nothing of policies or the CLI.
//
// Why it is built this way. A native program cannot be trusted to call
// libc: it may make raw system calls or be linked statically, so every
// wall is the kernel's, in force before the program's first instruction.
// Landlock (ABI 6 or later, else the sandbox refuses to start) allows
// reading the system's shared libraries, executing the program and its
// ELF interpreter only, and the character devices /dev/null, /dev/zero,
// /dev/full, /dev/random and /dev/urandom; every other path is EACCES, no
// TCP socket can bind or connect, and no signal leaves the sandbox. The
// rule paths are opened by the supervisor before fork, so the program
// cannot change what they name. Files the program is granted come from the
// broker, which opens them in the supervisor and passes the descriptor:
// Landlock checks at open time only, so brokered files work in full. A
// seccomp deny filter (exec_syscalls.def) closes what Landlock does not
// cover: new sockets, tracing, mounts and namespaces, identity changes,
// set-id modes, io_uring, opens by handle. Capabilities are dropped from
// every set and no_new_privs is set, so even a program run by root gains
// nothing at execve. The processes limit is the supervisor's, not only
// RLIMIT_NPROC's: root is exempt from RLIMIT_NPROC, and CI runs as root,
// so fork, vfork and clone (threads aside) stop in a seccomp notification
// and the supervisor, a child subreaper that every orphan returns to,
// counts the live descendants before it lets the call run (CONTINUE,
// safe for these calls: they read nothing the program could swap) or
// answers EAGAIN. When the program ends, everything it started is killed:
// no stray daemon, no zombie, no descriptor left behind.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "base/result.h"
#include "sandbox/lockdown.h"
#include "sandbox/supervisor.h"

namespace capbox::sandbox {

// The descriptor number of the program's end of the broker socket, also
// given in its environment as CAPBOX_BROKER_FD.
inline constexpr int kExecBrokerFd = 3;
// Where the program finds ExecConfig::trace_fd, also given in its
// environment as CAPBOX_TRACE_FD (with CAPBOX_TRACE_GROUPS).
inline constexpr int kExecTraceFd = 4;

// The processes limit when neither the policy nor --limit sets one: a
// program that forks without end must not take the machine.
inline constexpr uint64_t kDefaultExecProcesses = 256;

struct ExecConfig {
  std::string program;            // absolute path, resolved by the caller
  std::vector<std::string> argv;  // argv[0] included; empty: {program}
  // "K=V", complete except what the sandbox adds: LD_PRELOAD (when
  // preload_library is set) and CAPBOX_BROKER_FD (when serve_broker is);
  // entries of those names given here are dropped.
  std::vector<std::string> env;
  std::string preload_library;  // absolute path, or empty: no LD_PRELOAD
  Rlimits limits;               // cpu, open files, file size, memory
  // Live processes in the sandbox, the first included, counted by the
  // supervisor. Not RLIMIT_NPROC: for users other than root it counts all
  // their processes and threads, in the sandbox or not, so a desktop user
  // with 300 processes could not fork at all.
  uint64_t processes = kDefaultExecProcesses;
  std::chrono::milliseconds wall_time{0};  // 0: none; then SIGKILL to all
  // --trace: a descriptor of the supervisor's the program gets at
  // kExecTraceFd for libcapbox-preload's trace lines, and the
  // wasi/trace_groups.h bits to trace; -1: none.
  int trace_fd = -1;
  uint32_t trace_groups = 0;
  // As SandboxConfig::serve_broker; empty: no broker socket.
  std::function<BrokerVerdict(int supervisor_fd)> serve_broker;
};

// Runs `config.program` confined and says how it ended: Exited (its
// status), Crashed (a signal), WallTime, CpuTime, FileSize, or
// SetupFailed. SetupFailed's stage is Stage::Landlock with ENOSYS when the
// kernel's Landlock is older than ABI 6, and Stage::Execute with execve's
// errno when the program could not be executed (ENOENT: say 127; others,
// EACCES or ENOEXEC: say 126). SpawnError when nothing could start:
// `what` names the step, e.g. "opening the program" (ENOENT: 127),
// "the program is not executable" (EACCES: 126), "the program is not an
// ELF file" (ENOEXEC: 126), else a failure of capbox's own (125); EBUSY
// when the caller is not single-threaded (the child uses libcap before it
// executes). Makes the calling process a child subreaper for good, and
// reaps every child it has: call it with no other children running. Never
// leaves a process, zombie or descriptor behind.
Result<RunResult, SpawnError> run_program_confined(const ExecConfig& config);

}  // namespace capbox::sandbox
