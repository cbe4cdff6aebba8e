// SPDX-License-Identifier: Apache-2.0
// `capbox exec`'s filesystem wall: the program's ELF interpreter, read
// from a descriptor, and the Landlock ruleset (built by the supervisor
// before fork from paths it opens O_PATH; the child only restricts itself
// to it). Depends on base/ and landlock_abi.h; knows nothing of seccomp,
// the broker or the CLI.
#pragma once

#include <string>

#include "base/result.h"
#include "base/unique_fd.h"

namespace capbox::sandbox {

// The lowest Landlock ABI exec runs on: 6 brings the signal and abstract
// socket scopes, without which a confined root program could signal any
// process of the machine.
inline constexpr int kExecLandlockAbi = 6;

struct ExecPathError {
  const char* what;  // "opening the program", "reading the ELF header", ...
  int error;         // errno
};

// The PT_INTERP of the 64-bit ELF program open at `fd` (read with pread,
// the offset is left alone); "" for a static program. ENOEXEC: not a
// 64-bit ELF program, or a malformed one.
Result<std::string, ExecPathError> read_interpreter(int fd);

struct ExecPaths {
  std::string program;      // absolute
  std::string interpreter;  // absolute or empty
  std::string preload;      // absolute or empty
};

// A Landlock ruleset for `abi` (>= kExecLandlockAbi) handling every
// filesystem right, TCP bind and connect, and both scopes, with these
// beneath-path rules: the system's library directories (read), the
// loader's cache and the preload library (read), the program and its
// interpreter (read, execute), /dev/null, /dev/zero, /dev/full,
// /dev/random and /dev/urandom (read, write). A library directory that
// does not exist is left out; any other path that cannot be opened is an
// error.
Result<UniqueFd, ExecPathError> build_exec_ruleset(const ExecPaths& paths,
                                                   int abi);

// In the child (no_new_privs set): restricts the calling thread to
// `ruleset`. Async-signal-safe. 0 or -errno.
int landlock_restrict_to(int ruleset);

}  // namespace capbox::sandbox
