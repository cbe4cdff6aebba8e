// SPDX-License-Identifier: Apache-2.0
// The interpreter child's seccomp filter, built with libseccomp from the
// table in syscalls.def (at build time by seccomp_gen, loaded in the child
// by load_prebuilt_filter), and the SIGSYS handler that reports a blocked
// call (or performs the one emulated form). Exception-free, results are
// -errno. Depends on base/ and libseccomp only; knows nothing of WASI, the
// broker or the engine.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <span>
#include <string>

namespace capbox::sandbox {

// How a row of syscalls.def constrains the arguments (see its header).
enum class Rule : uint8_t {
  Always,
  NoExec,
  SelfOnly,
  IoctlListed,
  FcntlListed,
  NotSigsys,
  NullPath,
  Emulated,
  Sanitizer,
};

struct SyscallRow {
  const char* name;
  Rule rule;
  const char* reason;
};

// Every row of syscalls.def, in order.
std::span<const SyscallRow> syscall_table();

// The requests IoctlListed and the commands FcntlListed allow.
std::span<const unsigned long> allowed_ioctl_requests();
std::span<const int> allowed_fcntl_commands();

enum class Addendum : uint8_t { None, Sanitizer };

// Addendum::Sanitizer in a build with -fsanitize (meson b_sanitize, which
// defines CAPBOX_SANITIZER_BUILD for this library), else None.
Addendum default_addendum();

struct SeccompOptions {
  Addendum addendum = default_addendum();
  // The process SelfOnly rows let kill/tgkill target: the child itself.
  pid_t self = 0;
};

// What a blocked call (or a failed setup step) leaves for the supervisor,
// in memory shared with it (MAP_SHARED, created before fork). The child
// writes it just before _exit; the supervisor reads it after reaping and
// validates every field (a compromised child can write anything).
struct ChildReport {
  enum Kind : uint32_t { kNone = 0, kBlockedSyscall = 1, kSetupFailed = 2 };
  uint32_t kind;
  int32_t syscall_nr;    // kBlockedSyscall: the number (si_syscall)
  uint32_t arch;         // kBlockedSyscall: the AUDIT_ARCH_* (si_arch)
  uint32_t stage;        // kSetupFailed: a lockdown Stage
  int32_t error;         // kSetupFailed: the errno
  int32_t landlock_abi;  // 0 when the kernel has no Landlock
};

// Status a child ends with after a blocked call (128 + SIGSYS, as a shell
// reports a process killed by it).
inline constexpr int kBlockedSyscallStatus = 128 + 31;

// An owned libseccomp context (scmp_filter_ctx), not yet loaded.
class Filter {
 public:
  Filter() = default;
  Filter(Filter&& other) noexcept;
  Filter& operator=(Filter&& other) noexcept;
  Filter(const Filter&) = delete;
  Filter& operator=(const Filter&) = delete;
  ~Filter();

  // Builds the filter for `options`: default action SECCOMP_RET_TRAP, a
  // foreign architecture kills the process. Returns 0 or -errno. Allocates
  // (libseccomp); no exceptions.
  int build(const SeccompOptions& options);
  // Installs it on the calling thread; no_new_privs must already be set.
  // One-way. Returns 0 or -errno.
  int load() const;
  // Writes libseccomp's pseudo-filter-code text to `fd`, for tests and
  // debugging. Returns 0 or -errno.
  int export_pfc(int fd) const;
  // Writes the BPF program (struct sock_filter, native endianness) to
  // `fd`: what load() would install. Returns 0 or -errno.
  int export_bpf(int fd) const;

 private:
  void* ctx_ = nullptr;
};

// SelfOnly's pid in the filter that seccomp_gen builds into the binary
// (seccomp_bpf.h): above any pid_max, so never a real pid.
inline constexpr uint32_t kSelfPlaceholder = 0x3ade1f0f;

// Installs the filter for `options` on the calling thread as Filter::build
// and load would, but from the BPF generated at build time (seccomp_gen.cc)
// with options.self put in for kSelfPlaceholder: one seccomp(2), no
// libseccomp and no allocation. no_new_privs must already be set. Returns
// 0 or -errno.
int load_prebuilt_filter(const SeccompOptions& options);

// Makes the SIGSYS handler ours: a trapped call is either the emulated
// form of a Rule::Emulated row (performed, its result returned) or blocked:
// then the handler records it in `report` (if not null; otherwise it writes
// "capbox: blocked system call N" to stderr) and _exits with
// kBlockedSyscallStatus. Returns 0 or -errno. The handler is
// async-signal-safe.
int install_sigsys_handler(ChildReport* report);

// The name of syscall `nr` on architecture `arch` (an AUDIT_ARCH_*, 0 for
// the native one); "syscall N" when libseccomp does not know it. For the
// supervisor: allocates.
std::string syscall_name(int32_t nr, uint32_t arch);

}  // namespace capbox::sandbox
