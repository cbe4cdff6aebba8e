// SPDX-License-Identifier: Apache-2.0
// The supervisor: fork, serve, time out, reap, explain. The child's own
// account (which call was blocked, which step failed) travels through one
// shared anonymous page, so it needs no descriptor and cannot leak one;
// the supervisor believes it only when the exit status agrees. The wait
// polls a pidfd, which makes the wall-time limit a poll timeout.
#include "sandbox/supervisor.h"

#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>

#include "base/unique_fd.h"

namespace capbox::sandbox {
namespace {

using Clock = std::chrono::steady_clock;

// The shared page the child reports through.
class ReportPage {
 public:
  ReportPage() {
    void* page = ::mmap(nullptr, sizeof(ChildReport), PROT_READ | PROT_WRITE,
                        MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (page != MAP_FAILED)
      report_ = static_cast<ChildReport*>(page);
  }
  ReportPage(const ReportPage&) = delete;
  ReportPage& operator=(const ReportPage&) = delete;
  ~ReportPage() {
    if (report_ != nullptr)
      ::munmap(report_, sizeof(ChildReport));
  }
  ChildReport* get() const { return report_; }

 private:
  ChildReport* report_ = nullptr;
};

int count_threads() {
  DIR* dir = ::opendir("/proc/self/task");
  if (dir == nullptr)
    return -1;
  int count = 0;
  while (const dirent* entry = ::readdir(dir)) {
    if (entry->d_name[0] != '.')
      ++count;
  }
  ::closedir(dir);
  return count;
}

// As execve would: handlers inherited from the supervisor (a test
// framework's crash handler, say) go back to the default; ignored signals
// stay ignored (SIGPIPE: a guest writing to a closed pipe gets EPIPE).
void reset_signal_handlers() {
  for (int sig = 1; sig < NSIG; ++sig) {
    struct sigaction old {};
    if (sig == SIGKILL || sig == SIGSTOP ||
        ::sigaction(sig, nullptr, &old) != 0)
      continue;
    if (!(old.sa_flags & SA_SIGINFO) &&
        (old.sa_handler == SIG_DFL || old.sa_handler == SIG_IGN))
      continue;
    ::signal(sig, SIG_DFL);
  }
}

[[noreturn]] void run_child(const SandboxConfig& config,
                            const std::vector<int>& keep,
                            int broker_fd,
                            pid_t parent,
                            ChildReport* report,
                            const std::function<int(int)>& child_main) {
  // Dies with the supervisor, whatever kills it.
  if (::prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) != 0 || ::getppid() != parent)
    ::_exit(kSetupFailedStatus);
  reset_signal_handlers();
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  LockdownConfig lock;
  lock.keep_fds = keep;
  lock.limits = config.limits;
  lock.landlock = config.landlock;
  lock.seccomp_options = config.seccomp_options;
  lock.report = report;
  const auto locked = lockdown(lock);
  if (!locked) {
    report->stage = static_cast<uint32_t>(locked.error().stage);
    report->error = locked.error().error;
    report->kind = ChildReport::kSetupFailed;
    ::_exit(kSetupFailedStatus);
  }
  const int status = child_main(broker_fd);
  std::fflush(nullptr);
  ::_exit(status & 0xff);
}

std::string seconds_text(std::chrono::milliseconds limit) {
  const auto ms = limit.count();
  if (ms % 1000 == 0)
    return std::to_string(ms / 1000) + " s";
  return std::to_string(ms) + " ms";
}

std::string signal_text(int sig) {
  const char* abbrev = ::sigabbrev_np(sig);
  return abbrev != nullptr ? std::string("SIG") + abbrev
                           : "signal " + std::to_string(sig);
}

bool cpu_limit_reached(const rusage& usage, uint64_t limit_seconds) {
  const uint64_t used = static_cast<uint64_t>(usage.ru_utime.tv_sec) +
                        static_cast<uint64_t>(usage.ru_stime.tv_sec);
  return limit_seconds != 0 && used >= limit_seconds;
}

void explain_signal(const SandboxConfig& config,
                    const rusage& usage,
                    RunResult& result) {
  const int sig = result.signal;
  if (sig == SIGSYS) {
    // Forced by the kernel (SIGSYS blocked when the filter trapped): the
    // call's number never reached us.
    result.kind = EndKind::BlockedSyscall;
    result.message = "blocked system call (unknown: SIGSYS was blocked)";
  } else if (sig == SIGXCPU ||
             (sig == SIGKILL &&
              cpu_limit_reached(usage, config.limits.cpu_seconds))) {
    result.kind = EndKind::CpuTime;
    result.message = "CPU time limit of " +
                     std::to_string(config.limits.cpu_seconds) + " s exceeded";
  } else if (sig == SIGXFSZ) {
    result.kind = EndKind::FileSize;
    result.message = "file size limit of " +
                     std::to_string(config.limits.file_bytes) +
                     " bytes exceeded";
  } else {
    result.kind = EndKind::Crashed;
    result.message = "crashed with signal " + signal_text(sig);
  }
}

RunResult explain(const SandboxConfig& config,
                  int status,
                  const rusage& usage,
                  const ChildReport& report,
                  bool timed_out) {
  RunResult result;
  result.landlock_abi = report.landlock_abi;
  result.child_peak_rss = static_cast<uint64_t>(usage.ru_maxrss) * 1024;
  if (WIFSIGNALED(status))
    result.signal = WTERMSIG(status);
  if (timed_out) {
    result.kind = EndKind::WallTime;
    result.message =
        "wall-time limit of " + seconds_text(config.wall_time) + " exceeded";
  } else if (WIFSIGNALED(status)) {
    explain_signal(config, usage, result);
  } else if (WEXITSTATUS(status) == kBlockedSyscallStatus &&
             report.kind == ChildReport::kBlockedSyscall) {
    result.kind = EndKind::BlockedSyscall;
    result.syscall = syscall_name(report.syscall_nr, report.arch);
    result.message = "blocked system call " + result.syscall;
  } else if (WEXITSTATUS(status) == kSetupFailedStatus &&
             report.kind == ChildReport::kSetupFailed) {
    result.kind = EndKind::SetupFailed;
    result.stage = report.stage;
    result.error = report.error;
    result.message = std::string("sandbox setup failed while ") +
                     stage_name(report.stage) + ": " + ::strerror(report.error);
  } else {
    result.exit_status = WEXITSTATUS(status);
    result.message = "exited with status " + std::to_string(result.exit_status);
  }
  return result;
}

// Waits for the child's end, serving the broker and enforcing the wall
// time. Returns whether the supervisor killed it for the wall time.
bool supervise(const SandboxConfig& config, int pidfd, UniqueFd& broker) {
  const bool limited = config.wall_time.count() > 0;
  const auto deadline = Clock::now() + config.wall_time;
  bool timed_out = false;
  for (;;) {
    pollfd fds[2] = {{pidfd, POLLIN, 0}, {broker.get(), POLLIN, 0}};
    const nfds_t count = broker.valid() ? 2 : 1;
    int timeout = -1;
    if (limited && !timed_out) {
      const auto left =
          std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
      timeout = static_cast<int>(std::max<int64_t>(0, left.count()));
    }
    const int n = ::poll(fds, count, timeout);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      // Cannot watch it any more (ENOMEM): end it rather than wait blind.
      ::syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, nullptr, 0);
      return timed_out;
    }
    if (fds[0].revents != 0)
      return timed_out;
    // A hang-up with nothing left to read ends serving without asking, so
    // a serve_broker that keeps saying Serve cannot make this spin.
    const short broker_events = count == 2 ? fds[1].revents : 0;
    if ((broker_events & POLLIN) == 0 && broker_events != 0)
      broker.reset();
    else if (broker_events != 0) {
      const BrokerVerdict verdict = config.serve_broker(broker.get());
      if (verdict != BrokerVerdict::Serve)
        broker.reset();
      if (verdict == BrokerVerdict::Kill)
        ::syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, nullptr, 0);
    }
    if (n == 0 && limited && !timed_out) {
      ::syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, nullptr, 0);
      timed_out = true;
    }
  }
}

}  // namespace

Result<RunResult, SpawnError> run_sandboxed(
    const SandboxConfig& config,
    const std::function<int(int broker_fd)>& child_main) {
  if (count_threads() != 1)
    return Unexpected(
        SpawnError{"the supervisor is not single-threaded", EBUSY});
  ReportPage page;
  if (page.get() == nullptr)
    return Unexpected(SpawnError{"mapping the report page", errno});
  UniqueFd ours, theirs;
  if (config.serve_broker) {
    int pair[2];
    if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) != 0)
      return Unexpected(SpawnError{"creating the broker socket", errno});
    ours.reset(pair[0]);
    theirs.reset(pair[1]);
  }
  // Everything the child needs, allocated before fork.
  std::vector<int> keep = config.keep_fds;
  keep.push_back(theirs.get());
  const pid_t parent = ::getpid();
  // Unwritten stdio buffers would be written twice, once by the child.
  std::fflush(nullptr);
  const pid_t pid = ::fork();
  if (pid < 0)
    return Unexpected(SpawnError{"fork", errno});
  if (pid == 0)
    run_child(config, keep, theirs.get(), parent, page.get(), child_main);
  theirs.reset();
  const UniqueFd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
  const int pidfd_error = errno;
  bool timed_out = false;
  if (pidfd.valid())
    timed_out = supervise(config, pidfd.get(), ours);
  else
    ::kill(pid, SIGKILL);  // cannot supervise: end it, still reap it
  ours.reset();
  int status = 0;
  rusage usage{};
  while (::wait4(pid, &status, 0, &usage) < 0 && errno == EINTR) {
  }
  if (!pidfd.valid())
    return Unexpected(SpawnError{"pidfd_open", pidfd_error});
  return explain(config, status, usage, *page.get(), timed_out);
}

}  // namespace capbox::sandbox
