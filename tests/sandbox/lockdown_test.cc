// SPDX-License-Identifier: Apache-2.0
// The walls besides seccomp, each checked alone in a forked child whose
// lockdown skips the filter (so capget, prctl and openat can be asked):
// descriptors closed, no_new_privs, every capability set empty, rlimits,
// and Landlock denying the filesystem even through a directory descriptor
// opened before. Each check has a control that passes without lockdown.
#include <fcntl.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <functional>
#include <string>

#include <doctest/doctest.h>

#include "base/unique_fd.h"
#include "sandbox/lockdown.h"

namespace capbox::sandbox {
namespace {

enum class Lock { Yes, No };

// The exit status of a child that runs lockdown(config) (or not), then
// `body`; 100 + errno if the lockdown fails.
int in_child(Lock lock,
             const LockdownConfig& config,
             const std::function<int()>& body) {
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    if (lock == Lock::Yes) {
      const auto done = lockdown(config);
      if (!done)
        ::_exit(100 + done.error().error);
    }
    ::_exit(body());
  }
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  REQUIRE(WIFEXITED(status));
  return WEXITSTATUS(status);
}

LockdownConfig without_seccomp() {
  LockdownConfig config;
  config.seccomp = SeccompMode::Skip;
  return config;
}

int capability_sets_empty() {
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2]{};
  if (::syscall(SYS_capget, &header, data) != 0)
    return 2;
  for (const auto& set : data) {
    if (set.effective != 0 || set.permitted != 0 || set.inheritable != 0)
      return 1;
  }
  for (int cap = 0; ::prctl(PR_CAPBSET_READ, cap, 0, 0, 0) >= 0; ++cap) {
    if (::prctl(PR_CAPBSET_READ, cap, 0, 0, 0) != 0 ||
        ::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, cap, 0, 0) != 0)
      return 3;
  }
  return 0;
}

TEST_CASE("capabilities: every set is empty, bounding and ambient too") {
  const bool privileged = ::geteuid() == 0;
  if (privileged)  // the control: a root test run starts with some
    CHECK(in_child(Lock::No, {}, capability_sets_empty) != 0);
  CHECK(in_child(Lock::Yes, without_seccomp(), capability_sets_empty) == 0);
}

TEST_CASE("no_new_privs is set and the child is not dumpable") {
  const auto check = [] {
    return ::prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1 &&
                   ::prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) == 0
               ? 0
               : 1;
  };
  CHECK(in_child(Lock::Yes, without_seccomp(), check) == 0);
}

TEST_CASE("descriptors: only stdio and the keep list survive") {
  const UniqueFd kept(::open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  const UniqueFd dropped(::open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  REQUIRE(kept.valid());
  const int keep[] = {kept.get()};
  LockdownConfig config = without_seccomp();
  config.keep_fds = keep;
  const int a = kept.get(), b = dropped.get();
  const auto check = [a, b] {
    const bool ok = ::fcntl(0, F_GETFD) >= 0 && ::fcntl(2, F_GETFD) >= 0 &&
                    ::fcntl(a, F_GETFD) >= 0 && ::fcntl(b, F_GETFD) == -1 &&
                    errno == EBADF;
    return ok ? 0 : 1;
  };
  CHECK(in_child(Lock::No, config, check) == 1);
  CHECK(in_child(Lock::Yes, config, check) == 0);
}

TEST_CASE("rlimits: core 0, and the configured CPU, files and file size") {
  LockdownConfig config = without_seccomp();
  config.limits = Rlimits{7, 40, 4096};
  const auto check = [] {
    rlimit core{}, cpu{}, files{}, fsize{};
    ::getrlimit(RLIMIT_CORE, &core);
    ::getrlimit(RLIMIT_CPU, &cpu);
    ::getrlimit(RLIMIT_NOFILE, &files);
    ::getrlimit(RLIMIT_FSIZE, &fsize);
    const bool ok = core.rlim_max == 0 && cpu.rlim_cur == 7 &&
                    cpu.rlim_max == 8 && files.rlim_max == 40 &&
                    fsize.rlim_cur == 4096;
    return ok ? 0 : 1;
  };
  CHECK(in_child(Lock::Yes, config, check) == 0);
}

TEST_CASE("Landlock alone denies the filesystem, even beneath an open dir") {
  if (landlock_abi_version() == 0) {
    MESSAGE("this kernel has no Landlock: skipped");
    return;
  }
  const UniqueFd root(::open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  REQUIRE(root.valid());
  const int keep[] = {root.get()};
  LockdownConfig config = without_seccomp();
  config.keep_fds = keep;
  config.landlock = LandlockMode::Required;
  const int dir = root.get();
  const auto opens = [dir] {
    const int a = ::openat(dir, "etc/hostname", O_RDONLY | O_CLOEXEC);
    const int a_errno = errno;
    const int b = ::open("/proc/self/status", O_RDONLY | O_CLOEXEC);
    const int b_errno = errno;
    const int c = ::mkdirat(dir, "tmp/capbox-landlock-test", 0700);
    const int c_errno = errno;
    if (c == 0)
      ::unlinkat(dir, "tmp/capbox-landlock-test", AT_REMOVEDIR);
    if (a >= 0 || b >= 0 || c == 0)
      return 1;
    return a_errno == EACCES && b_errno == EACCES && c_errno == EACCES ? 0 : 2;
  };
  CHECK(in_child(Lock::No, config, [dir] {
          const int fd = ::openat(dir, "etc/hostname", O_RDONLY | O_CLOEXEC);
          return fd >= 0 ? 0 : 1;
        }) == 0);
  CHECK(in_child(Lock::Yes, config, opens) == 0);
}

TEST_CASE("without a report page a blocked call is told on stderr (raw_die)") {
  int out[2];
  REQUIRE(::pipe2(out, O_CLOEXEC) == 0);
  const UniqueFd read_end(out[0]);
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::dup2(out[1], STDERR_FILENO);
    if (!lockdown(LockdownConfig{}))
      ::_exit(1);
    ::syscall(SYS_openat, AT_FDCWD, "/", O_RDONLY);
    ::_exit(0);
  }
  ::close(out[1]);
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == kBlockedSyscallStatus);
  char text[128] = {};
  const ssize_t n = ::read(read_end.get(), text, sizeof text - 1);
  CHECK(n > 0);
  CHECK(std::string(text) ==
        "capbox: blocked system call " + std::to_string(SYS_openat) + "\n");
}

}  // namespace
}  // namespace capbox::sandbox
