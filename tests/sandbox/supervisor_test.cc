// SPDX-License-Identifier: Apache-2.0
// run_sandboxed(): how each end of the child is reported (status, crash,
// each limit hit on purpose, failed setup), the broker socket between the
// two, and that a thousand runs leave no descriptor or process behind.
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <thread>

#include "base/unique_fd.h"
#include "tests/sandbox/sandboxed.h"

namespace capbox::sandbox::testing {
namespace {

int count_fds() {
  DIR* dir = ::opendir("/proc/self/fd");
  REQUIRE(dir != nullptr);
  int count = 0;
  while (const dirent* entry = ::readdir(dir))
    count += entry->d_name[0] != '.';
  ::closedir(dir);
  return count;
}

bool no_children_left() {
  return ::waitpid(-1, nullptr, WNOHANG) == -1 && errno == ECHILD;
}

TEST_CASE("the child's exit status passes through") {
  const RunResult result = run_in_sandbox([] { return 42; });
  CHECK(result.kind == EndKind::Exited);
  CHECK(result.exit_status == 42);
  CHECK(result.message == "exited with status 42");
}

TEST_CASE("a crash is reported with its signal") {
  const RunResult segv = run_in_sandbox([] {
    *static_cast<volatile int*>(nullptr) = 1;
    return 0;
  });
  if (default_addendum() == Addendum::Sanitizer) {
    // ASan's handler takes SIGSEGV first. Depending on ASAN_OPTIONS its
    // report reads /proc/self/exe and /proc/self/maps (then it is stopped
    // there, and named) or it aborts at once: either way the end is
    // reported, never taken for a normal exit.
    INFO(segv.message);
    if (segv.kind == EndKind::BlockedSyscall) {
      CHECK(!segv.syscall.empty());
    } else {
      CHECK(segv.kind == EndKind::Crashed);
      CHECK(segv.message.rfind("crashed with signal SIG", 0) == 0);
    }
  } else {
    CHECK(segv.kind == EndKind::Crashed);
    CHECK(segv.message == "crashed with signal SIGSEGV");
  }
  const RunResult abrt = run_in_sandbox([]() -> int { ::abort(); });
  CHECK(abrt.kind == EndKind::Crashed);
  CHECK(abrt.message == "crashed with signal SIGABRT");
}

TEST_CASE("wall-time limit: the supervisor kills and reports") {
  SandboxConfig config;
  config.wall_time = std::chrono::milliseconds(200);
  const RunResult result = run_in_sandbox(config, [] {
    for (;;)
      ::sched_yield();
    return 0;
  });
  CHECK(result.kind == EndKind::WallTime);
  CHECK(result.signal == SIGKILL);
  CHECK(result.message == "wall-time limit of 200 ms exceeded");
}

TEST_CASE("CPU time limit: SIGXCPU is reported") {
  SandboxConfig config;
  config.limits.cpu_seconds = 1;
  config.wall_time = std::chrono::milliseconds(20000);  // a safety net
  const RunResult result = run_in_sandbox(config, [] {
    volatile uint64_t spins = 0;
    for (;;)
      spins = spins + 1;
    return 0;
  });
  CHECK(result.kind == EndKind::CpuTime);
  CHECK(result.message == "CPU time limit of 1 s exceeded");
}

TEST_CASE("file size limit: writes past it fail with EFBIG, or SIGXFSZ") {
  const UniqueFd file(::memfd_create("fsize", MFD_CLOEXEC));
  REQUIRE(file.valid());
  SandboxConfig config;
  config.limits.file_bytes = 10;
  config.keep_fds = {file.get()};
  const int fd = file.get();
  check_ok(run_in_sandbox(config, [fd] {
    const ssize_t first = ::write(fd, "0123456789abcdef", 16);
    const ssize_t second = ::write(fd, "x", 1);
    return first == 10 && second == -1 && errno == EFBIG ? 0 : 1;
  }));
  const RunResult killed = run_in_sandbox(config, [fd] {
    ::signal(SIGXFSZ, SIG_DFL);  // a child that undoes the SIG_IGN
    ::lseek(fd, 0, SEEK_END);
    ::write(fd, "x", 1);
    return 0;
  });
  CHECK(killed.kind == EndKind::FileSize);
  CHECK(killed.message == "file size limit of 10 bytes exceeded");
}

TEST_CASE("descriptor limit: a new descriptor past it fails with EMFILE") {
  SandboxConfig config;
  config.limits.open_files = 3;
  check_ok(run_in_sandbox(config, [] {
    return ::fcntl(2, F_DUPFD_CLOEXEC, 0) == -1 && errno == EMFILE ? 0 : 1;
  }));
}

TEST_CASE("a failed lockdown step is reported and child_main never runs") {
  rlimit files{};
  REQUIRE(::getrlimit(RLIMIT_NOFILE, &files) == 0);
  if (files.rlim_max == RLIM_INFINITY) {
    MESSAGE("no finite descriptor hard limit to exceed: skipped");
    return;
  }
  SandboxConfig config;
  // Raising a hard limit needs CAP_SYS_RESOURCE, gone by then.
  config.limits.open_files = files.rlim_max + 1;
  const RunResult result = run_in_sandbox(config, [] { return 0; });
  CHECK(result.kind == EndKind::SetupFailed);
  CHECK(result.stage == static_cast<uint32_t>(Stage::Rlimits));
  CHECK(result.error == EPERM);
  CHECK(result.message ==
        "sandbox setup failed while setting resource limits: " +
            std::string(std::strerror(EPERM)));
}

TEST_CASE("the broker socket joins child and supervisor") {
  SandboxConfig config;
  int served = 0;
  config.serve_broker = [&served](int fd) {
    char buf[16];
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0)
      return BrokerVerdict::Stop;
    ++served;
    return ::send(fd, "pong", 4, MSG_NOSIGNAL) == 4 ? BrokerVerdict::Serve
                                                      : BrokerVerdict::Stop;
  };
  // sendmsg and recvmsg, as broker/channel.cc: send() and recv() would be
  // sendto and recvfrom, which the child does not need.
  auto result = run_sandboxed(config, [](int broker) {
    char buf[8] = {};
    iovec out{const_cast<char*>("ping"), 4}, in{buf, sizeof buf};
    msghdr request{}, reply{};
    request.msg_iov = &out;
    request.msg_iovlen = 1;
    reply.msg_iov = &in;
    reply.msg_iovlen = 1;
    if (broker < 0 || ::sendmsg(broker, &request, 0) != 4)
      return 1;
    return ::recvmsg(broker, &reply, 0) == 4 && std::memcmp(buf, "pong", 4) == 0
               ? 0
               : 2;
  });
  REQUIRE(result.has_value());
  check_ok(*result);
  CHECK(served == 1);
}

TEST_CASE("a thousand sandboxes leave no descriptor and no process") {
  const int before = count_fds();
  SandboxConfig config;
  config.serve_broker = [](int) { return BrokerVerdict::Stop; };
  int failures = 0;
  for (int i = 0; i < 1000; ++i) {
    auto result = run_sandboxed(config, [](int) { return 0; });
    failures += !result || result->kind != EndKind::Exited;
  }
  CHECK(failures == 0);
  CHECK(count_fds() == before);
  CHECK(no_children_left());
}

TEST_CASE("a multi-threaded supervisor is refused") {
  bool stop = false;
  std::thread other([&stop] {
    while (!__atomic_load_n(&stop, __ATOMIC_SEQ_CST))
      std::this_thread::yield();
  });
  auto result = run_sandboxed(SandboxConfig{}, [](int) { return 0; });
  __atomic_store_n(&stop, true, __ATOMIC_SEQ_CST);
  other.join();
  REQUIRE(!result.has_value());
  CHECK(result.error().error == EBUSY);
}

TEST_CASE("Landlock is reported to the supervisor") {
  const RunResult result = run_in_sandbox([] { return 0; });
  CHECK(result.landlock_abi == landlock_abi_version());
}

}  // namespace
}  // namespace capbox::sandbox::testing
