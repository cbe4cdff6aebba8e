// SPDX-License-Identifier: Apache-2.0
// The ordered bring-up that turns a freshly forked child into the sandbox,
// before the first guest instruction: descriptors -> no_new_privs ->
// capabilities -> rlimits -> Landlock -> seccomp (last, so the steps
// before it may use what it forbids). Exception-free and one-way; each
// step's failure comes back as {stage, errno}. Depends on base/, libcap
// and seccomp.h; knows nothing of WASI, the engine or the broker.
#pragma once

#include <cstdint>
#include <span>

#include "base/result.h"
#include "sandbox/seccomp.h"

namespace capbox::sandbox {

enum class Stage : uint32_t {
  CloseFds = 1,
  NoNewPrivs,
  Capabilities,
  Rlimits,
  Landlock,
  SigsysHandler,
  Seccomp,
  Execute,  // exec's child: execve of the program itself failed
};

// "closing descriptors", ...; "unknown stage" for anything else (the
// value may come from a compromised child's report).
const char* stage_name(uint32_t stage);

// Process-side limits; 0 means none. The in-guest limits (memory pages,
// fuel, descriptor count, output bytes) are the engine's and WASI's.
struct Rlimits {
  uint64_t cpu_seconds = 0;  // RLIMIT_CPU: SIGXCPU, SIGKILL a second later
  uint64_t open_files = 0;   // RLIMIT_NOFILE: a new descriptor's bound
  uint64_t file_bytes = 0;   // RLIMIT_FSIZE: writes past it get EFBIG
  // RLIMIT_AS, for exec's native programs (a wasm guest's memory is the
  // engine's limit; the interpreter's own address space is left alone
  // because guard pages reserve 8 GiB per memory).
  uint64_t address_space = 0;
};

enum class LandlockMode : uint8_t {
  BestEffort,  // no Landlock in the kernel: go on (LockdownInfo says so)
  Required,    // no Landlock: fail at Stage::Landlock with ENOSYS
};

// Only tests skip the filter (to see Landlock alone).
enum class SeccompMode : uint8_t { Enforce, Skip };

struct LockdownConfig {
  // Stays open beside stdio: the broker socket, granted sockets.
  std::span<const int> keep_fds;
  Rlimits limits;
  LandlockMode landlock = LandlockMode::BestEffort;
  SeccompMode seccomp = SeccompMode::Enforce;
  SeccompOptions seccomp_options;  // self: filled in by lockdown()
  // Where a blocked call is recorded (see ChildReport); may be null.
  ChildReport* report = nullptr;
};

struct LockdownError {
  Stage stage;
  int error;  // errno
};

struct LockdownInfo {
  int landlock_abi = 0;  // 0: the kernel has no Landlock
};

// Runs every step in order on the calling process, which must be single
// threaded (a forked child). Before the first step the process has all it
// will get; after the last one it can only use what it holds and what
// syscalls.def allows. On failure the process is partly locked down and
// should _exit. Exception-free.
Result<LockdownInfo, LockdownError> lockdown(const LockdownConfig& config);

// The Landlock ABI version of the running kernel, 0 if it has none.
int landlock_abi_version();

// lockdown()'s steps one at a time, for exec's child (exec_sandbox.cc),
// which runs them in the same order around its own Landlock ruleset and
// filters. Each returns 0 or -errno and only touches the calling process.
namespace steps {
// Closes every descriptor above stdio but `keep` (any order).
int close_fds(std::span<const int> keep);
// no_new_privs, and not dumpable.
int no_new_privs();
// Every capability in every set, the bounding set too when allowed.
int drop_capabilities();
// RLIMIT_CORE 0, then cpu, address space and file size when set (file
// size ignores SIGXFSZ: a write past it fails with EFBIG).
int apply_rlimits(const Rlimits& limits);
int set_limit(int resource, uint64_t soft, uint64_t hard);
}  // namespace steps

}  // namespace capbox::sandbox
