// SPDX-License-Identifier: Apache-2.0
// The child really cannot do what the filter forbids: each forbidden call,
// and each forbidden form of an allowed one, is made raw (syscall(2), so
// glibc substitutes nothing) in its own locked-down child, which must be
// stopped with the call's name. Arguments are harmless where the call
// would go through by mistake.
#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <termios.h>
#include <unistd.h>

#include <cstring>
#include <string>

#include "tests/sandbox/sandboxed.h"

namespace capbox::sandbox::testing {
namespace {

struct Forbidden {
  const char* name;  // as the supervisor must report it
  long (*attempt)();
};

long invalid_clone3() {
  clone_args args{};
  args.flags = CLONE_THREAD;  // without CLONE_SIGHAND: EINVAL if allowed
  return ::syscall(SYS_clone3, &args, sizeof args);
}

const Forbidden kForbidden[] = {
    {"open", [] { return ::syscall(SYS_open, "/etc/hostname", O_RDONLY); }},
    {"openat",
     [] { return ::syscall(SYS_openat, AT_FDCWD, "/etc/hostname", O_RDONLY); }},
    {"openat2",
     [] { return ::syscall(SYS_openat2, AT_FDCWD, "/", nullptr, 0); }},
    {"creat", [] { return ::syscall(SYS_creat, "/nonexistent/x", 0600); }},
    {"stat", [] { return ::syscall(SYS_stat, "/", nullptr); }},
    {"lstat", [] { return ::syscall(SYS_lstat, "/", nullptr); }},
    {"statx",
     [] { return ::syscall(SYS_statx, AT_FDCWD, "/", 0, 0, nullptr); }},
    {"access", [] { return ::syscall(SYS_access, "/", F_OK); }},
    {"readlink",
     [] { return ::syscall(SYS_readlink, "/proc/self/exe", nullptr, 0); }},
    {"mkdirat",
     [] { return ::syscall(SYS_mkdirat, AT_FDCWD, "/nonexistent/x", 0); }},
    {"unlinkat",
     [] { return ::syscall(SYS_unlinkat, AT_FDCWD, "/nonexistent", 0); }},
    {"socket", [] { return ::syscall(SYS_socket, AF_INET, SOCK_STREAM, 0); }},
    {"socketpair",
     [] { return ::syscall(SYS_socketpair, AF_UNIX, 0, 0, nullptr); }},
    {"connect", [] { return ::syscall(SYS_connect, -1, nullptr, 0); }},
    {"bind", [] { return ::syscall(SYS_bind, -1, nullptr, 0); }},
    {"listen", [] { return ::syscall(SYS_listen, -1, 0); }},
    {"execve", [] { return ::syscall(SYS_execve, nullptr, nullptr, nullptr); }},
    {"execveat",
     [] { return ::syscall(SYS_execveat, -1, nullptr, nullptr, nullptr, 0); }},
    {"fork", [] { return ::syscall(SYS_fork); }},
    {"vfork", [] { return ::syscall(SYS_vfork); }},
    {"clone", [] { return ::syscall(SYS_clone, CLONE_THREAD, 0, 0, 0, 0); }},
    {"clone3", invalid_clone3},
    {"ptrace",
     [] { return ::syscall(SYS_ptrace, 0x4206 /* SEIZE */, 1, 0, 0); }},
    {"process_vm_readv",
     [] {
       return ::syscall(SYS_process_vm_readv, 1, nullptr, 0, nullptr, 0, 0);
     }},
    {"mount",
     [] {
       return ::syscall(SYS_mount, nullptr, nullptr, nullptr, 0, nullptr);
     }},
    {"umount2", [] { return ::syscall(SYS_umount2, "/nonexistent", 0); }},
    {"pivot_root", [] { return ::syscall(SYS_pivot_root, nullptr, nullptr); }},
    {"chroot", [] { return ::syscall(SYS_chroot, "/nonexistent"); }},
    {"unshare", [] { return ::syscall(SYS_unshare, -1); }},
    {"setns", [] { return ::syscall(SYS_setns, -1, 0); }},
    {"setuid", [] { return ::syscall(SYS_setuid, 0); }},
    {"setresuid", [] { return ::syscall(SYS_setresuid, -1, -1, -1); }},
    {"capset", [] { return ::syscall(SYS_capset, nullptr, nullptr); }},
    {"prctl", [] { return ::syscall(SYS_prctl, PR_GET_DUMPABLE, 0, 0, 0, 0); }},
    {"seccomp", [] { return ::syscall(SYS_seccomp, 0xffff, 0, nullptr); }},
    {"personality", [] { return ::syscall(SYS_personality, 0xffffffff); }},
    {"io_uring_setup",
     [] { return ::syscall(SYS_io_uring_setup, 0, nullptr); }},
    {"bpf", [] { return ::syscall(SYS_bpf, -1, nullptr, 0); }},
    {"perf_event_open",
     [] { return ::syscall(SYS_perf_event_open, nullptr, 0, -1, -1, 0); }},
    {"userfaultfd", [] { return ::syscall(SYS_userfaultfd, 0); }},
    {"keyctl", [] { return ::syscall(SYS_keyctl, -1, 0, 0, 0, 0); }},
    {"pidfd_open", [] { return ::syscall(SYS_pidfd_open, 1, 0); }},
    {"memfd_create", [] { return ::syscall(SYS_memfd_create, "x", 0); }},
    {"pipe2", [] { return ::syscall(SYS_pipe2, nullptr, 0); }},
    {"dup3", [] { return ::syscall(SYS_dup3, 0, 0, 0); }},
    {"mremap", [] { return ::syscall(SYS_mremap, nullptr, 0, 0, 0, nullptr); }},
    {"landlock_create_ruleset",
     [] { return ::syscall(SYS_landlock_create_ruleset, nullptr, 0, 1); }},
    // Signals to anyone but itself.
    {"kill", [] { return ::syscall(SYS_kill, 1, 0); }},
    {"tgkill", [] { return ::syscall(SYS_tgkill, 1, 1, 0); }},
    {"tkill", [] { return ::syscall(SYS_tkill, 1, 0); }},
};

// A sanitizer build's filter adds the rows its runtimes need (pipe2 for
// sanitizer_common's memory probe); those are allowed there.
bool allowed_by_addendum(std::string_view name) {
  if (default_addendum() != Addendum::Sanitizer)
    return false;
  for (const SyscallRow& row : syscall_table()) {
    if (row.rule == Rule::Sanitizer && name == row.name)
      return true;
  }
  return false;
}

TEST_CASE("every forbidden system call stops the child, named") {
  for (const Forbidden& forbidden : kForbidden) {
    const std::string name = forbidden.name;
    CAPTURE(name);
    if (allowed_by_addendum(name))
      continue;
    const auto attempt = forbidden.attempt;
    check_blocked(run_in_sandbox([attempt] {
                    attempt();
                    return 0;
                  }),
                  forbidden.name);
  }
}

// Forbidden forms of allowed calls: each fails the test if its argument
// check in seccomp.cc is deleted.
TEST_CASE("argument checks: only the allowed forms pass") {
  SUBCASE("mmap with PROT_EXEC") {
    check_blocked(run_in_sandbox([] {
                    ::mmap(nullptr, 4096, PROT_READ | PROT_EXEC,
                           MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
                    return 0;
                  }),
                  "mmap");
  }
  SUBCASE("mprotect to PROT_EXEC") {
    check_blocked(run_in_sandbox([] {
                    void* p = ::mmap(nullptr, 4096, PROT_READ,
                                     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
                    ::mprotect(p, 4096, PROT_READ | PROT_EXEC);
                    return 0;
                  }),
                  "mprotect");
  }
  SUBCASE("ioctl TIOCSTI (not listed)") {
    check_blocked(run_in_sandbox([] {
                    char c = 'x';
                    ::ioctl(0, TIOCSTI, &c);
                    return 0;
                  }),
                  "ioctl");
  }
  SUBCASE("fcntl F_SETLK and F_SETOWN (not listed)") {
    check_blocked(run_in_sandbox([] {
                    struct flock lock {};
                    ::fcntl(1, F_SETLK, &lock);
                    return 0;
                  }),
                  "fcntl");
    check_blocked(run_in_sandbox([] {
                    ::fcntl(1, F_SETOWN, ::getpid());
                    return 0;
                  }),
                  "fcntl");
  }
  SUBCASE("rt_sigaction replacing the SIGSYS handler") {
    check_blocked(run_in_sandbox([] {
                    struct sigaction action {};
                    action.sa_handler = SIG_IGN;
                    ::sigaction(SIGSYS, &action, nullptr);
                    return 0;
                  }),
                  "rt_sigaction");
  }
  SUBCASE("utimensat with a path") {
    check_blocked(run_in_sandbox([] {
                    ::utimensat(AT_FDCWD, "/etc/hostname", nullptr, 0);
                    return 0;
                  }),
                  "utimensat");
  }
  SUBCASE("newfstatat with a path, or a flag beyond AT_EMPTY_PATH") {
    check_blocked(run_in_sandbox([] {
                    struct stat st {};
                    ::fstatat(AT_FDCWD, "/etc/hostname", &st, 0);
                    return 0;
                  }),
                  "newfstatat");
    check_blocked(run_in_sandbox([] {
                    struct stat st {};
                    ::fstatat(0, "", &st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW);
                    return 0;
                  }),
                  "newfstatat");
  }
  SUBCASE("the emulated form still refuses AT_FDCWD") {
    check_ok(run_in_sandbox([] {
      struct stat st {};
      const int rc = ::fstatat(AT_FDCWD, "", &st, AT_EMPTY_PATH);
      return rc == -1 && errno == EBADF ? 0 : 1;
    }));
  }
}

}  // namespace
}  // namespace capbox::sandbox::testing
