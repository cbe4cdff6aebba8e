// SPDX-License-Identifier: Apache-2.0
// `capbox exec`'s two seccomp filters, compiled in the supervisor before
// fork and loaded raw by the child: the deny filter (exec_syscalls.def,
// errno answers, everything else allowed) and the notify filter that
// sends fork, vfork and clone-without-CLONE_THREAD to the supervisor's
// process count. Depends on libseccomp and notify.h; knows nothing of
// Landlock, the broker or the CLI.
#pragma once

#include <linux/filter.h>

#include <cstdint>
#include <span>
#include <vector>

#include "base/result.h"
#include "sandbox/notify.h"

namespace capbox::sandbox {

// Which calls of a row's syscall are refused (see exec_syscalls.def).
enum class ExecRule : uint8_t {
  Always,
  NewNamespace,
  SetidModeArg1,
  SetidModeArg2,
  PersonalityChange,
  AllProcesses,
};

struct ExecSyscallRow {
  const char* name;
  ExecRule rule;
  int error;  // the errno the call returns instead
  const char* reason;
};

// Every row of exec_syscalls.def, in order.
std::span<const ExecSyscallRow> exec_syscall_table();

// The CLONE_NEW* flags clone() can carry (CLONE_NEWTIME is clone3's and
// unshare's only: in clone's flags its bit is the exit signal's).
inline constexpr uint64_t kCloneNewFlags = 0x7e020000;

struct ExecFilters {
  std::vector<sock_filter> deny;  // default allow; the table's errnos
  NotifyFilter processes;         // fork, vfork, clone w/o CLONE_THREAD
};

// Compiles both (allocates; in the supervisor). Errors are errno values.
Result<ExecFilters, int> build_exec_filters();

// In the child, no_new_privs already set: installs `program` on the
// calling thread. Async-signal-safe, no allocation. 0 or -errno.
int load_bpf(std::span<const sock_filter> program);

}  // namespace capbox::sandbox
