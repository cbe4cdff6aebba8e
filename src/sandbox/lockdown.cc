// SPDX-License-Identifier: Apache-2.0
// The child's bring-up, step by step (order and reasons in lockdown.h).
// Landlock's ABI is declared here: Debian 12's headers stop at ABI 2 and
// the kernels we run on speak ABI 7. No exceptions, no allocation of our
// own (libcap and libseccomp allocate; the child is single threaded).
#include "sandbox/lockdown.h"

#include <errno.h>
#include <signal.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <climits>

#include "sandbox/landlock_abi.h"

namespace capbox::sandbox {
namespace {

// --- Landlock (ABI in landlock_abi.h) ---

int landlock_restrict(int abi) {
  landlock::RulesetAttr attr{};
  attr.handled_access_fs = landlock::fs_rights(abi);
  size_t size = sizeof attr.handled_access_fs;
  if (abi >= 4) {
    // Granted sockets are already bound; the child never binds or
    // connects one itself.
    attr.handled_access_net = landlock::kNetBindTcp | landlock::kNetConnectTcp;
    size += sizeof attr.handled_access_net;
  }
  if (abi >= 6) {
    attr.scoped = landlock::kScopeAbstractUnixSocket | landlock::kScopeSignal;
    size += sizeof attr.scoped;
  }
  const long fd = ::syscall(SYS_landlock_create_ruleset, &attr, size, 0);
  if (fd < 0)
    return -errno;
  const long rc = ::syscall(SYS_landlock_restrict_self, fd, 0);
  const int error = rc != 0 ? errno : 0;
  ::close(static_cast<int>(fd));
  return -error;
}

bool has_setpcap() {
  cap_t caps = cap_get_proc();
  if (caps == nullptr)
    return false;
  cap_flag_value_t value = CAP_CLEAR;
  cap_get_flag(caps, CAP_SETPCAP, CAP_EFFECTIVE, &value);
  cap_free(caps);
  return value == CAP_SET;
}

}  // namespace

// --- The steps (declared in lockdown.h for exec) ---
namespace steps {

// Closes everything but stdio and `keep` (any order, duplicates fine).
int close_fds(std::span<const int> keep) {
  unsigned next = 3;
  for (;;) {
    // The smallest kept fd at or above `next`: quadratic in the keep list,
    // which holds a handful of sockets, and needs no sorted copy.
    unsigned lowest = UINT_MAX;
    for (const int fd : keep) {
      if (fd >= 0 && static_cast<unsigned>(fd) >= next &&
          static_cast<unsigned>(fd) < lowest)
        lowest = static_cast<unsigned>(fd);
    }
    if (lowest > next && ::close_range(next, lowest - 1, 0) != 0)
      return -errno;
    if (lowest == UINT_MAX)
      return 0;
    next = lowest + 1;
  }
}

int no_new_privs() {
  if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
    return -errno;
  // Not dumpable: no ptrace and no /proc/PID access by other processes of
  // the same user.
  return ::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == 0 ? 0 : -errno;
}

// Bounding set first (dropping from it needs CAP_SETPCAP, which the last
// step removes), then ambient, then permitted/effective/inheritable.
// Without CAP_SETPCAP the bounding set cannot shrink; it only limits
// what an execve could gain, and execve is blocked under no_new_privs.
int drop_capabilities() {
  if (has_setpcap()) {
    // Up to the running kernel's last capability, which may be newer
    // than libcap's CAP_LAST_CAP: libcap probed it once at start-up, in
    // the supervisor (CAP_IS_SUPPORTED would ask the kernel per bit).
    const cap_value_t bits = cap_max_bits();
    for (cap_value_t cap = 0; cap < bits; ++cap) {
      if (cap_drop_bound(cap) != 0)
        return -errno;
    }
  }
  if (cap_reset_ambient() != 0)
    return -errno;
  cap_t none = cap_init();
  if (none == nullptr)
    return -errno;
  const int rc = cap_set_proc(none);
  const int error = rc != 0 ? errno : 0;
  cap_free(none);
  return -error;
}

int set_limit(int resource, uint64_t soft, uint64_t hard) {
  const rlimit limit{soft, hard};
  return ::setrlimit(resource, &limit) == 0 ? 0 : -errno;
}

int apply_rlimits(const Rlimits& limits) {
  if (const int rc = set_limit(RLIMIT_CORE, 0, 0); rc != 0)
    return rc;
  if (limits.cpu_seconds != 0) {
    // SIGXCPU at the soft limit; the hard one a second later is SIGKILL,
    // for a child that ignores SIGXCPU.
    if (const int rc =
            set_limit(RLIMIT_CPU, limits.cpu_seconds, limits.cpu_seconds + 1);
        rc != 0)
      return rc;
  }
  if (limits.address_space != 0) {
    if (const int rc = set_limit(RLIMIT_AS, limits.address_space,
                                 limits.address_space);
        rc != 0)
      return rc;
  }
  if (limits.file_bytes != 0) {
    // A write past the limit fails with EFBIG, which the guest sees as
    // Errno::Fbig, instead of killing the process with SIGXFSZ.
    if (::signal(SIGXFSZ, SIG_IGN) == SIG_ERR)
      return -errno;
    return set_limit(RLIMIT_FSIZE, limits.file_bytes, limits.file_bytes);
  }
  return 0;
}

}  // namespace steps

namespace {

Result<LockdownInfo, LockdownError> fail(Stage stage, int negative_errno) {
  return Unexpected(LockdownError{stage, -negative_errno});
}

}  // namespace

const char* stage_name(uint32_t stage) {
  switch (static_cast<Stage>(stage)) {
    case Stage::CloseFds:
      return "closing descriptors";
    case Stage::NoNewPrivs:
      return "setting no_new_privs";
    case Stage::Capabilities:
      return "dropping capabilities";
    case Stage::Rlimits:
      return "setting resource limits";
    case Stage::Landlock:
      return "restricting with Landlock";
    case Stage::SigsysHandler:
      return "installing the SIGSYS handler";
    case Stage::Seccomp:
      return "loading the seccomp filter";
    case Stage::Execute:
      return "executing the program";
  }
  return "unknown stage";
}

int landlock_abi_version() {
  const long abi = ::syscall(SYS_landlock_create_ruleset, nullptr, 0,
                             landlock::kCreateRulesetVersion);
  return abi > 0 ? static_cast<int>(abi) : 0;
}

Result<LockdownInfo, LockdownError> lockdown(const LockdownConfig& config) {
  LockdownInfo info;
  if (const int rc = steps::close_fds(config.keep_fds); rc != 0)
    return fail(Stage::CloseFds, rc);
  if (const int rc = steps::no_new_privs(); rc != 0)
    return fail(Stage::NoNewPrivs, rc);
  if (const int rc = steps::drop_capabilities(); rc != 0)
    return fail(Stage::Capabilities, rc);
  if (const int rc = steps::apply_rlimits(config.limits); rc != 0)
    return fail(Stage::Rlimits, rc);
  info.landlock_abi = landlock_abi_version();
  if (info.landlock_abi == 0 && config.landlock == LandlockMode::Required)
    return fail(Stage::Landlock, -ENOSYS);
  if (info.landlock_abi > 0) {
    if (const int rc = landlock_restrict(info.landlock_abi); rc != 0)
      return fail(Stage::Landlock, rc);
  }
  // Last of the limits: Landlock's ruleset needs a descriptor, and the
  // limit may be below the number the child holds.
  if (const uint64_t files = config.limits.open_files; files != 0) {
    if (const int rc = steps::set_limit(RLIMIT_NOFILE, files, files); rc != 0)
      return fail(Stage::Rlimits, rc);
  }
  if (config.report != nullptr)
    config.report->landlock_abi = info.landlock_abi;
  if (config.seccomp == SeccompMode::Skip)
    return info;
  // Built into the binary (seccomp_gen.cc); SelfOnly gets the child's pid.
  SeccompOptions options = config.seccomp_options;
  options.self = ::getpid();
  if (const int rc = install_sigsys_handler(config.report); rc != 0)
    return fail(Stage::SigsysHandler, rc);
  if (const int rc = load_prebuilt_filter(options); rc != 0)
    return fail(Stage::Seccomp, rc);
  return info;
}

}  // namespace capbox::sandbox
