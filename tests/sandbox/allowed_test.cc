// SPDX-License-Identifier: Apache-2.0
// Every row of syscalls.def is needed and works: each has an exerciser
// here that makes the call in a locked-down child on descriptors opened
// before the lockdown (a pipe, a socketpair, a memfd, a directory), and a
// row without one fails the first test. Sanitizer rows are exempt: they
// are exercised by running this suite in a sanitizer build.
#include <dirent.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <poll.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <cstring>
#include <map>
#include <string>

#include "base/unique_fd.h"
#include "sandbox/seccomp.h"
#include "tests/sandbox/sandboxed.h"

namespace capbox::sandbox::testing {
namespace {

// Descriptors the child keeps.
struct Fds {
  int pipe_r, pipe_w, sock_a, sock_b, file, dir;
};

using Exerciser = int (*)(const Fds&);

int ok_if(bool condition) {
  return condition ? 0 : 1;
}

volatile sig_atomic_t g_caught = 0;

int raise_and_return() {
  struct sigaction action {};
  action.sa_handler = [](int) { g_caught = 1; };
  if (::sigaction(SIGUSR1, &action, nullptr) != 0)
    return 2;
  // raise(): rt_sigprocmask, getpid, gettid, tgkill; the handler's return is
  // rt_sigreturn.
  return ok_if(::raise(SIGUSR1) == 0 && g_caught == 1);
}

int map_grow_unmap() {
  constexpr size_t kReserve = size_t{8} << 30;
  void* p = ::mmap(nullptr, kReserve, PROT_NONE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED)
    return 2;
  const bool grown = ::mprotect(p, 65536, PROT_READ | PROT_WRITE) == 0;
  static_cast<char*>(p)[100] = 1;
  return ok_if(grown && ::munmap(p, kReserve) == 0);
}

const std::map<std::string, Exerciser> kExercisers = {
    {"read",
     [](const Fds& f) {
       char c = 0;
       return ok_if(::write(f.pipe_w, "x", 1) == 1 &&
                    ::read(f.pipe_r, &c, 1) == 1 && c == 'x');
     }},
    {"write",
     [](const Fds& f) { return ok_if(::write(f.file, "ab", 2) == 2); }},
    {"readv",
     [](const Fds& f) {
       char c = 0;
       iovec iov{&c, 1};
       return ok_if(::write(f.pipe_w, "y", 1) == 1 &&
                    ::readv(f.pipe_r, &iov, 1) == 1);
     }},
    {"writev",
     [](const Fds& f) {
       iovec iov{const_cast<char*>("z"), 1};
       return ok_if(::writev(f.file, &iov, 1) == 1);
     }},
    {"preadv",
     [](const Fds& f) {
       char c = 0;
       iovec iov{&c, 1};
       iovec out{const_cast<char*>("q"), 1};
       return ok_if(::pwritev(f.file, &out, 1, 0) == 1 &&
                    ::preadv(f.file, &iov, 1, 0) == 1 && c == 'q');
     }},
    {"pwritev",
     [](const Fds& f) {
       iovec iov{const_cast<char*>("p"), 1};
       return ok_if(::pwritev(f.file, &iov, 1, 5) == 1);
     }},
    {"lseek",
     [](const Fds& f) { return ok_if(::lseek(f.file, 0, SEEK_SET) == 0); }},
    {"close",
     [](const Fds& f) {
       const int dup = ::fcntl(f.file, F_DUPFD_CLOEXEC, 0);
       return ok_if(dup >= 0 && ::close(dup) == 0);
     }},
    {"fstat",
     [](const Fds& f) {
       struct stat st {};
       return ok_if(::syscall(SYS_fstat, f.file, &st) == 0);
     }},
    {"newfstatat",
     [](const Fds& f) {
       struct stat st {};
       const bool via_glibc = ::fstat(f.file, &st) == 0 && S_ISREG(st.st_mode);
       struct stat raw {};
       const bool raw_form =
           ::syscall(SYS_newfstatat, f.dir, "", &raw, AT_EMPTY_PATH) == 0 &&
           S_ISDIR(raw.st_mode);
       return ok_if(via_glibc && raw_form);
     }},
    {"fcntl",
     [](const Fds& f) {
       const int flags = ::fcntl(f.pipe_r, F_GETFL);
       return ok_if(flags >= 0 &&
                    ::fcntl(f.pipe_r, F_SETFL, flags | O_NONBLOCK) == 0 &&
                    ::fcntl(f.pipe_r, F_GETPIPE_SZ) > 0);
     }},
    {"ioctl",
     [](const Fds& f) {
       int n = -1;
       termios tio{};
       return ok_if(::ioctl(f.pipe_r, FIONREAD, &n) == 0 && n == 0 &&
                    ::ioctl(f.sock_a, TIOCOUTQ, &n) == 0 &&
                    ::tcgetattr(f.file, &tio) == -1 && errno == ENOTTY);
     }},
    {"getdents64",
     [](const Fds& f) {
       char buf[1024];
       return ok_if(::syscall(SYS_getdents64, f.dir, buf, sizeof buf) > 0);
     }},
    {"ftruncate",
     [](const Fds& f) { return ok_if(::ftruncate(f.file, 10) == 0); }},
    {"fallocate",
     [](const Fds& f) {
       return ok_if(::posix_fallocate(f.file, 0, 100) == 0);
     }},
    {"fsync", [](const Fds& f) { return ok_if(::fsync(f.file) == 0); }},
    {"fdatasync", [](const Fds& f) { return ok_if(::fdatasync(f.file) == 0); }},
    {"fadvise64",
     [](const Fds& f) {
       return ok_if(::posix_fadvise(f.file, 0, 0, POSIX_FADV_NORMAL) == 0);
     }},
    {"utimensat",
     [](const Fds& f) { return ok_if(::futimens(f.file, nullptr) == 0); }},
    {"accept4",
     [](const Fds& f) {
       // A connected socket is not listening: refused by the kernel, not
       // by the filter.
       return ok_if(::accept4(f.sock_a, nullptr, nullptr, 0) == -1 &&
                    errno == EINVAL);
     }},
    {"sendmsg",
     [](const Fds& f) {
       iovec iov{const_cast<char*>("m"), 1};
       msghdr msg{};
       msg.msg_iov = &iov;
       msg.msg_iovlen = 1;
       return ok_if(::sendmsg(f.sock_a, &msg, 0) == 1);
     }},
    {"recvmsg",
     [](const Fds& f) {
       char c = 0;
       iovec iov{&c, 1};
       msghdr msg{};
       msg.msg_iov = &iov;
       msg.msg_iovlen = 1;
       return ok_if(::write(f.sock_b, "r", 1) == 1 &&
                    ::recvmsg(f.sock_a, &msg, 0) == 1 && c == 'r');
     }},
    {"shutdown",
     [](const Fds& f) { return ok_if(::shutdown(f.sock_a, SHUT_WR) == 0); }},
    {"getsockopt",
     [](const Fds& f) {
       int size = 0;
       socklen_t len = sizeof size;
       return ok_if(
           ::getsockopt(f.sock_a, SOL_SOCKET, SO_SNDBUF, &size, &len) == 0);
     }},
    {"ppoll",
     [](const Fds& f) {
       pollfd p{f.pipe_w, POLLOUT, 0};
       const timespec zero{0, 0};
       return ok_if(::ppoll(&p, 1, &zero, nullptr) == 1);
     }},
    {"clock_gettime",
     [](const Fds&) {
       timespec ts{};
       return ok_if(
           ::syscall(SYS_clock_gettime, CLOCK_PROCESS_CPUTIME_ID, &ts) == 0);
     }},
    {"clock_getres",
     [](const Fds&) {
       timespec ts{};
       return ok_if(::syscall(SYS_clock_getres, CLOCK_MONOTONIC, &ts) == 0);
     }},
    {"getrandom",
     [](const Fds&) {
       char buf[16];
       return ok_if(::getrandom(buf, sizeof buf, 0) == sizeof buf);
     }},
    {"sched_yield", [](const Fds&) { return ok_if(::sched_yield() == 0); }},
    {"brk", [](const Fds&) { return ok_if(::syscall(SYS_brk, 0) > 0); }},
    {"mmap", [](const Fds&) { return map_grow_unmap(); }},
    {"munmap", [](const Fds&) { return map_grow_unmap(); }},
    {"mprotect", [](const Fds&) { return map_grow_unmap(); }},
    {"rt_sigaction", [](const Fds&) { return raise_and_return(); }},
    {"rt_sigprocmask", [](const Fds&) { return raise_and_return(); }},
    {"rt_sigreturn", [](const Fds&) { return raise_and_return(); }},
    {"getpid", [](const Fds&) { return raise_and_return(); }},
    {"gettid", [](const Fds&) { return raise_and_return(); }},
    {"tgkill", [](const Fds&) { return raise_and_return(); }},
    {"restart_syscall",
     [](const Fds&) {
       // Nothing to restart: the kernel answers EINTR.
       return ok_if(::syscall(SYS_restart_syscall) == -1 && errno == EINTR);
     }},
    {"futex",
     [](const Fds&) {
       int word = 0;
       return ok_if(::syscall(SYS_futex, &word, FUTEX_WAKE_PRIVATE, 1, nullptr,
                              nullptr, 0) == 0);
     }},
    // Every child ends with it; reaching check_ok proves it passed.
    {"exit_group", [](const Fds&) { return 0; }},
};

TEST_CASE("every allowlisted row has an exerciser") {
  for (const SyscallRow& row : syscall_table()) {
    if (row.rule == Rule::Sanitizer)
      continue;
    const std::string name = row.name;
    CAPTURE(name);
    CHECK(kExercisers.count(row.name) == 1);
  }
}

TEST_CASE("every allowlisted call works after the lockdown") {
  int pipe_fds[2], sock_fds[2];
  REQUIRE(::pipe2(pipe_fds, O_CLOEXEC) == 0);
  REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sock_fds) == 0);
  const UniqueFd pipe_r(pipe_fds[0]), pipe_w(pipe_fds[1]);
  const UniqueFd sock_a(sock_fds[0]), sock_b(sock_fds[1]);
  const UniqueFd file(::memfd_create("allowed_test", MFD_CLOEXEC));
  const UniqueFd dir(::open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  REQUIRE(file.valid());
  REQUIRE(dir.valid());
  const Fds fds{pipe_r.get(), pipe_w.get(), sock_a.get(),
                sock_b.get(), file.get(),   dir.get()};
  SandboxConfig config;
  config.keep_fds = {fds.pipe_r, fds.pipe_w, fds.sock_a,
                     fds.sock_b, fds.file,   fds.dir};
  // Not a structured binding: clang 14 cannot capture one in a lambda,
  // and CAPTURE makes one.
  for (const auto& entry : kExercisers) {
    const std::string& name = entry.first;
    CAPTURE(name);
    check_ok(
        run_in_sandbox(config, [&, fn = entry.second] { return fn(fds); }));
  }
}

TEST_CASE("every row names a system call of this architecture") {
  for (const SyscallRow& row : syscall_table()) {
    const std::string name = row.name;
    CAPTURE(name);
    CHECK(std::strlen(row.reason) > 0);
    CHECK(seccomp_syscall_resolve_name(row.name) >= 0);
  }
}

}  // namespace
}  // namespace capbox::sandbox::testing
