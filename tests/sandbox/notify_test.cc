// SPDX-License-Identifier: Apache-2.0
// The notify filter and NotifyServer: a forked child under the filter opens
// paths with raw syscalls (no libc wrapper to trust) and this process serves
// them: refused with the decision's errno, or given a descriptor the test
// opened, bad pointers, a target killed mid-call, close-on-exec.
#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <poll.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "base/unique_fd.h"
#include "broker/channel.h"
#include "sandbox/notify.h"

namespace capbox::sandbox {
namespace {

constexpr char kContent[] = "served by the supervisor\n";

long raw_openat(const char* path, int flags) {
  return ::syscall(SYS_openat, AT_FDCWD, path, flags, 0);
}

// Reads the served descriptor whole: 0 if it holds kContent.
int holds_content(long fd) {
  if (fd < 0)
    return 10 + errno;
  char buffer[64] = {};
  const ssize_t n = ::read(static_cast<int>(fd), buffer, sizeof buffer - 1);
  ::close(static_cast<int>(fd));
  return n == static_cast<ssize_t>(sizeof kContent - 1) &&
                 std::strcmp(buffer, kContent) == 0
             ? 0
             : 2;
}

int open_fd_count() {
  int count = 0;
  DIR* dir = ::opendir("/proc/self/fd");
  REQUIRE(dir != nullptr);
  while (const dirent* entry = ::readdir(dir))
    count += entry->d_name[0] != '.';
  ::closedir(dir);
  return count;
}

// A temporary file holding kContent, removed at the end of the test.
struct TempFile {
  TempFile() {
    char name[] = "/tmp/capbox-notify-XXXXXX";
    const int fd = ::mkstemp(name);
    REQUIRE(fd >= 0);
    REQUIRE(::write(fd, kContent, sizeof kContent - 1) ==
            static_cast<ssize_t>(sizeof kContent - 1));
    ::close(fd);
    path = name;
  }
  ~TempFile() { ::unlink(path.c_str()); }
  Decision open() const {
    return Decision::inject(UniqueFd(::open(path.c_str(), O_RDONLY)));
  }
  std::string path;
};

struct Outcome {
  int status = -1;  // the child's exit status, -1 if it did not exit
  std::vector<Served> served;
};

// Forks a child that installs the default notify filter, then runs `body`
// and exits with its result; serves it with `decide` until no process is
// left under the filter.
Outcome run(const std::function<int()>& body,
            const DecideOpen& decide,
            NotifyOptions options = {}) {
  auto filter = NotifyFilter::build(default_notified_syscalls());
  REQUIRE(filter);
  UniqueFd ours, theirs;
  REQUIRE(broker::make_socket_pair(ours, theirs) == 0);
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ours.reset();
    if (filter->install_and_send(theirs.get()) != 0)
      ::_exit(99);
    ::_exit(body());
  }
  theirs.reset();
  auto listener = receive_listener(ours.get());
  REQUIRE(listener);
  NotifyServer server(std::move(*listener), decide, options);
  Outcome outcome;
  bool reaped = false;
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(4);
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd p{server.fd(), POLLIN, 0};
    REQUIRE(::poll(&p, 1, 20) >= 0);
    if ((p.revents & POLLIN) != 0) {
      auto served = server.serve_one();
      REQUIRE(served);
      outcome.served.push_back(*served);
      continue;
    }
    // POLLHUP: no process is left under the filter (the child may still
    // be a zombie).
    const bool gone = (p.revents & POLLHUP) != 0;
    int status = 0;
    const pid_t waited =
        reaped ? 0 : ::waitpid(pid, &status, gone ? 0 : WNOHANG);
    if (waited == pid) {
      reaped = true;
      outcome.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    } else if (waited < 0 && errno == ECHILD) {
      reaped = true;  // a decision reaped it
    }
    if (gone)
      break;
  }
  if (!reaped) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
    FAIL("the child under the notify filter did not finish");
  }
  return outcome;
}

TEST_CASE("notify: a denied raw openat fails with the decision's errno") {
  std::vector<NotifiedOpen> seen;
  const auto outcome = run(
      [] {
        const long fd = raw_openat("/etc/hostname", O_RDONLY);
        if (fd >= 0 || errno != EACCES)
          return 1;
        // The errno is the decision's, not a fixed one.
        return raw_openat("/etc/passwd", O_WRONLY) == -1 && errno == EROFS ? 0
                                                                           : 2;
      },
      [&](const NotifiedOpen& req) {
        seen.push_back(req);
        return Decision::deny(seen.size() == 1 ? EACCES : EROFS);
      });
  CHECK(outcome.status == 0);
  REQUIRE(seen.size() == 2);
  CHECK(seen[0].syscall_nr == SYS_openat);
  CHECK(seen[0].dirfd == AT_FDCWD);
  CHECK(seen[0].path == "/etc/hostname");
  CHECK(seen[0].flags == O_RDONLY);
  CHECK(seen[1].path == "/etc/passwd");
  CHECK(seen[1].flags == O_WRONLY);
  CHECK(outcome.served ==
        std::vector<Served>{Served::Refused, Served::Refused});
}

TEST_CASE("notify: the child reads the descriptor the supervisor opened") {
  const TempFile file;
  for (const bool atomic : {true, false}) {
    CAPTURE(atomic);
    const auto outcome =
        run([] { return holds_content(raw_openat("/etc/hostname", O_RDONLY)); },
            [&](const NotifiedOpen&) { return file.open(); }, {atomic});
    CHECK(outcome.status == 0);
    CHECK(outcome.served == std::vector<Served>{Served::Answered});
  }
}

TEST_CASE("notify: open, creat and openat2 are decoded") {
  std::vector<NotifiedOpen> seen;
  const auto outcome = run(
      [] {
        ::syscall(SYS_open, "/a", O_RDWR | O_APPEND, 0);
        ::syscall(SYS_creat, "/b", 0640);
        open_how how{};
        how.flags = O_RDONLY | O_DIRECTORY;
        how.resolve = RESOLVE_BENEATH;
        ::syscall(SYS_openat2, 7, "c/d", &how, sizeof how);
        // A size the server does not know is refused, not guessed at.
        char big[sizeof how + 8] = {};
        return ::syscall(SYS_openat2, 7, "e", big, sizeof big) == -1 &&
                       errno == E2BIG
                   ? 0
                   : 1;
      },
      [&](const NotifiedOpen& req) {
        seen.push_back(req);
        return Decision::deny(ENOENT);
      });
  CHECK(outcome.status == 0);
  REQUIRE(seen.size() == 3);
  CHECK(seen[0].syscall_nr == SYS_open);
  CHECK(seen[0].path == "/a");
  CHECK(seen[0].flags == (O_RDWR | O_APPEND));
  CHECK(seen[1].syscall_nr == SYS_creat);
  CHECK(seen[1].flags == (O_CREAT | O_WRONLY | O_TRUNC));
  CHECK(seen[1].mode == 0640);
  CHECK(seen[2].syscall_nr == SYS_openat2);
  CHECK(seen[2].dirfd == 7);
  CHECK(seen[2].path == "c/d");
  CHECK(seen[2].flags == (O_RDONLY | O_DIRECTORY));
  CHECK(seen[2].resolve == RESOLVE_BENEATH);
}

TEST_CASE("notify: bad path pointers are refused and the server goes on") {
  const TempFile file;
  int decided = 0;
  const auto outcome = run(
      [] {
        if (raw_openat(reinterpret_cast<const char*>(8), O_RDONLY) != -1 ||
            errno != EFAULT)
          return 1;
        // A path that runs into an unmapped page without a terminator.
        const long page = ::sysconf(_SC_PAGESIZE);
        auto* map =
            static_cast<char*>(::mmap(nullptr, 2 * page, PROT_READ | PROT_WRITE,
                                      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
        if (map == MAP_FAILED || ::munmap(map + page, page) != 0)
          return 2;
        std::memset(map, 'a', page);
        if (raw_openat(map + 16, O_RDONLY) != -1 || errno != EFAULT)
          return 3;
        // PATH_MAX bytes without a terminator: too long, as the kernel says.
        if (raw_openat(map, O_RDONLY) != -1 || errno != ENAMETOOLONG)
          return 6;
        // One that ends right at the boundary is read whole.
        map[page - 1] = '\0';
        if (raw_openat(map + page - 3, O_RDONLY) != -1 || errno != EPERM)
          return 4;
        if (raw_openat("", O_RDONLY) != -1 || errno != ENOENT)
          return 5;
        return holds_content(raw_openat("/etc/hostname", O_RDONLY));
      },
      [&](const NotifiedOpen& req) {
        ++decided;
        if (req.path == "aa")
          return Decision::deny(EPERM);
        return file.open();
      });
  CHECK(outcome.status == 0);
  CHECK(decided == 2);
  CHECK(outcome.served.size() == 6);
}

TEST_CASE("notify: a target killed mid-call leaks nothing") {
  const TempFile file;
  const int before = open_fd_count();
  // The grandchild's verdict, in memory it shares with this process.
  auto* verdict =
      static_cast<int*>(::mmap(nullptr, sizeof(int), PROT_READ | PROT_WRITE,
                               MAP_SHARED | MAP_ANONYMOUS, -1, 0));
  REQUIRE(verdict != MAP_FAILED);
  *verdict = -1;
  pid_t target = 0;
  const auto outcome = run(
      [verdict] {
        int pipe_fds[2];
        if (::pipe(pipe_fds) != 0)
          return 1;
        const pid_t grandchild = ::fork();
        if (grandchild == 0) {
          // Under the same filter; opens once its parent is dead.
          ::close(pipe_fds[1]);
          char byte;
          (void)!::read(pipe_fds[0], &byte, 1);
          *verdict = holds_content(raw_openat("/etc/hostname", O_RDONLY));
          ::_exit(0);
        }
        ::close(pipe_fds[0]);
        raw_openat("/etc/hostname", O_RDONLY);
        return 3;  // not reached: killed while the call waits
      },
      [&](const NotifiedOpen& req) {
        if (target == 0) {
          target = req.pid;
          ::kill(req.pid, SIGKILL);
          ::waitpid(req.pid, nullptr, 0);
        }
        return file.open();
      });
  CHECK(outcome.served ==
        std::vector<Served>{Served::Vanished, Served::Answered});
  CHECK(*verdict == 0);
  ::munmap(verdict, sizeof(int));
  CHECK(open_fd_count() == before);
}

TEST_CASE("notify: close-on-exec follows the target's flags") {
  const TempFile file;
  for (const bool atomic : {true, false}) {
    CAPTURE(atomic);
    const auto outcome = run(
        [] {
          const long with = raw_openat("/x", O_RDONLY | O_CLOEXEC);
          const long without = raw_openat("/y", O_RDONLY);
          if (with < 0 || without < 0)
            return 1;
          const int a = ::fcntl(static_cast<int>(with), F_GETFD);
          const int b = ::fcntl(static_cast<int>(without), F_GETFD);
          return a == FD_CLOEXEC && b == 0 ? 0 : 2;
        },
        [&](const NotifiedOpen&) {
          // Opened close-on-exec here: the target's flags must win.
          return Decision::inject(
              UniqueFd(::open(file.path.c_str(), O_RDONLY | O_CLOEXEC)));
        },
        {atomic});
    CHECK(outcome.status == 0);
  }
}

TEST_CASE("notify: with the supervisor's listener gone, opens fail closed") {
  auto filter = NotifyFilter::build(default_notified_syscalls());
  REQUIRE(filter);
  CHECK(filter->instruction_count() > 0);
  UniqueFd ours, theirs;
  REQUIRE(broker::make_socket_pair(ours, theirs) == 0);
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ours.reset();
    if (filter->install_and_send(theirs.get()) != 0)
      ::_exit(99);
    char byte;
    // Wait for the supervisor to drop the listener.
    if (::read(theirs.get(), &byte, 1) != 0)
      ::_exit(98);
    // A readable file: only the filter can make these fail.
    const long fd = raw_openat("/proc/self/status", O_RDONLY);
    const int err = errno;
    ::_exit(fd == -1 && err == ENOSYS ? 0 : 1);
  }
  theirs.reset();
  auto listener = receive_listener(ours.get());
  REQUIRE(listener);
  listener->reset();
  ours.reset();
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
}

}  // namespace
}  // namespace capbox::sandbox
