// SPDX-License-Identifier: Apache-2.0
// proc_exit, proc_raise and sched_yield. Nothing here touches the host
// process's signals: the guest can only end itself.
//
// proc_raise follows POSIX's default action for each signal of the witx
// `signal` enum (the same numbering in wasi_unstable and preview1), since a
// guest cannot install handlers:
//   - 0 (NONE) is accepted and does nothing; numbers past SYS are Inval;
//   - signals ignored by default (CHLD, CONT, URG, WINCH) do nothing;
//   - stop signals (STOP, TSTP, TTIN, TTOU) do nothing: a sandboxed guest is
//     never stopped, since nothing could continue it;
//   - every other signal terminates the guest. That is a TrapKind::Exit
//     trap (the engine's "guest asked to end" kind, not HostError, which
//     means capbox failed) whose exit_code is 128 + the host's number for
//     the signal, as a shell reports a process killed by it, and whose
//     message is "guest raised SIGNAME" for the CLI to print. A proc_exit
//     trap always has an empty message, so the CLI can tell them apart.
// Depends on wasi/ and engine/trap.h only.
#include <sched.h>
#include <signal.h>

#include <array>
#include <string>

#include "wasi/preview1.h"

namespace capbox::wasi::preview1 {
namespace {

enum class Action : uint8_t { None, Terminate };

struct Signal {
  const char* name;
  int host;
  Action action;
};

constexpr Action kEnd = Action::Terminate;
constexpr Action kNop = Action::None;

// Indexed by the witx signal number; entry 0 is NONE.
constexpr std::array<Signal, 31> kSignals = {{
    {"", 0, kNop},
    {"SIGHUP", SIGHUP, kEnd},
    {"SIGINT", SIGINT, kEnd},
    {"SIGQUIT", SIGQUIT, kEnd},
    {"SIGILL", SIGILL, kEnd},
    {"SIGTRAP", SIGTRAP, kEnd},
    {"SIGABRT", SIGABRT, kEnd},
    {"SIGBUS", SIGBUS, kEnd},
    {"SIGFPE", SIGFPE, kEnd},
    {"SIGKILL", SIGKILL, kEnd},
    {"SIGUSR1", SIGUSR1, kEnd},
    {"SIGSEGV", SIGSEGV, kEnd},
    {"SIGUSR2", SIGUSR2, kEnd},
    {"SIGPIPE", SIGPIPE, kEnd},
    {"SIGALRM", SIGALRM, kEnd},
    {"SIGTERM", SIGTERM, kEnd},
    {"SIGCHLD", SIGCHLD, kNop},
    {"SIGCONT", SIGCONT, kNop},
    {"SIGSTOP", SIGSTOP, kNop},
    {"SIGTSTP", SIGTSTP, kNop},
    {"SIGTTIN", SIGTTIN, kNop},
    {"SIGTTOU", SIGTTOU, kNop},
    {"SIGURG", SIGURG, kNop},
    {"SIGXCPU", SIGXCPU, kEnd},
    {"SIGXFSZ", SIGXFSZ, kEnd},
    {"SIGVTALRM", SIGVTALRM, kEnd},
    {"SIGPROF", SIGPROF, kEnd},
    {"SIGWINCH", SIGWINCH, kNop},
    {"SIGPOLL", SIGPOLL, kEnd},
    {"SIGPWR", SIGPWR, kEnd},
    {"SIGSYS", SIGSYS, kEnd},
}};

}  // namespace

engine::Trap proc_exit(Call&, u32 code) {
  engine::Trap trap = engine::Trap::of(engine::TrapKind::Exit);
  // The wasm argument is an i32; the CLI maps statuses outside [0, 126).
  trap.exit_code = static_cast<int32_t>(code);
  return trap;
}

Ret proc_raise(Call&, u32 sig) {
  if (sig >= kSignals.size())
    return Errno::Inval;
  const Signal& signal = kSignals[sig];
  if (signal.action == Action::None)
    return Errno::Success;
  engine::Trap trap = engine::Trap::of(engine::TrapKind::Exit);
  trap.exit_code = 128 + signal.host;
  trap.message = std::string("guest raised ") + signal.name;
  return Unexpected(std::move(trap));
}

Ret sched_yield(Call&) {
  // Cannot fail on Linux.
  ::sched_yield();
  return Errno::Success;
}

}  // namespace capbox::wasi::preview1
