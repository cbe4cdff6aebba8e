// SPDX-License-Identifier: Apache-2.0
// The exec supervisor: prepare everything before fork (the rule paths, the
// interpreter, both filters, argv and envp), fork a child that confines
// itself in lockdown's order and executes, then serve, count, time out,
// kill and reap. The child reports a failed step (or execve's errno) as
// one datagram on a close-on-exec socket: a successful execve closes it,
// so the report cannot come from the program.
#include "sandbox/exec_sandbox.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <optional>

#include "base/unique_fd.h"
#include "broker/channel.h"
#include "sandbox/exec_filter.h"
#include "sandbox/exec_landlock.h"
#include "sandbox/exec_procs.h"
#include "sandbox/notify.h"

namespace capbox::sandbox {
namespace {

using Clock = std::chrono::steady_clock;

// The child's descriptors start here, above kExecBrokerFd, so moving the
// broker end to its fixed number cannot land on another of them.
constexpr int kChildFdFloor = 10;
// How long the end may spend killing a tree (a process stuck in the
// kernel): past it the supervisor stops waiting rather than hang.
constexpr auto kKillGiveUp = std::chrono::milliseconds(5000);

// What the child sends on the setup socket when a step fails.
struct SetupReport {
  uint32_t stage;
  int32_t error;
};

struct Prepared {
  int landlock_abi = 0;
  UniqueFd ruleset;
  ExecFilters filters;
  std::vector<std::string> env;
  std::vector<char*> argv;
  std::vector<char*> envp;
};

struct ChildFds {
  int setup;
  int broker;  // -1: none
  int ruleset;
  int trace = -1;  // -1: none
};

bool single_threaded() {
  DIR* dir = ::opendir("/proc/self/task");
  if (dir == nullptr)
    return false;
  int count = 0;
  while (const dirent* entry = ::readdir(dir))
    count += entry->d_name[0] != '.';
  ::closedir(dir);
  return count == 1;
}

SpawnError spawn_error(const ExecPathError& e) {
  return SpawnError{e.what, e.error};
}

// The program itself: open, a regular file with an execute bit, and its
// interpreter.
Result<std::string, SpawnError> inspect_program(const std::string& program) {
  if (program.empty() || program.front() != '/')
    return Unexpected(SpawnError{"the program path is not absolute", EINVAL});
  const UniqueFd fd(::open(program.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd)
    return Unexpected(SpawnError{"opening the program", errno});
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0)
    return Unexpected(SpawnError{"opening the program", errno});
  if (!S_ISREG(st.st_mode))
    return Unexpected(SpawnError{"the program is not a regular file", EACCES});
  if ((st.st_mode & 0111) == 0)
    return Unexpected(SpawnError{"the program is not executable", EACCES});
  auto interpreter = read_interpreter(fd.get());
  if (!interpreter)
    return Unexpected(spawn_error(interpreter.error()));
  return std::move(*interpreter);
}

bool is_ours(const std::string& entry) {
  return entry.starts_with("LD_PRELOAD=") ||
         entry.starts_with("CAPBOX_BROKER_FD=") ||
         entry.starts_with("CAPBOX_TRACE_FD=") ||
         entry.starts_with("CAPBOX_TRACE_GROUPS=");
}

void prepare_vectors(const ExecConfig& config, Prepared& prepared) {
  for (const std::string& entry : config.env) {
    if (!is_ours(entry))
      prepared.env.push_back(entry);
  }
  if (!config.preload_library.empty())
    prepared.env.push_back("LD_PRELOAD=" + config.preload_library);
  if (config.serve_broker)
    prepared.env.push_back("CAPBOX_BROKER_FD=" + std::to_string(kExecBrokerFd));
  if (config.trace_fd >= 0) {
    prepared.env.push_back("CAPBOX_TRACE_FD=" + std::to_string(kExecTraceFd));
    prepared.env.push_back("CAPBOX_TRACE_GROUPS=" +
                           std::to_string(config.trace_groups));
  }
  for (std::string& entry : prepared.env)
    prepared.envp.push_back(entry.data());
  prepared.envp.push_back(nullptr);
  if (config.argv.empty())
    prepared.argv.push_back(const_cast<char*>(config.program.c_str()));
  for (const std::string& arg : config.argv)
    prepared.argv.push_back(const_cast<char*>(arg.c_str()));
  prepared.argv.push_back(nullptr);
}

Result<Prepared, SpawnError> prepare(const ExecConfig& config) {
  auto interpreter = inspect_program(config.program);
  if (!interpreter)
    return Unexpected(interpreter.error());
  Prepared prepared;
  prepared.landlock_abi = landlock_abi_version();
  if (prepared.landlock_abi >= kExecLandlockAbi) {
    auto ruleset = build_exec_ruleset(
        ExecPaths{config.program, *interpreter, config.preload_library},
        prepared.landlock_abi);
    if (!ruleset)
      return Unexpected(spawn_error(ruleset.error()));
    prepared.ruleset = std::move(*ruleset);
  }
  auto filters = build_exec_filters();
  if (!filters)
    return Unexpected(
        SpawnError{"building the seccomp filters", filters.error()});
  prepared.filters = std::move(*filters);
  prepare_vectors(config, prepared);
  return prepared;
}

// --- The child (no allocation from here; libcap's aside) ---

[[noreturn]] void fail_child(int setup, Stage stage, int error, int status) {
  const SetupReport report{static_cast<uint32_t>(stage), error};
  ::send(setup, &report, sizeof report, MSG_NOSIGNAL);
  ::_exit(status);
}

// Dispositions and mask as a fresh process has them: a handler would be
// reset by execve anyway, but an ignored signal would stay ignored.
void reset_signals() {
  for (int sig = 1; sig < NSIG; ++sig) {
    if (sig != SIGKILL && sig != SIGSTOP)
      ::signal(sig, SIG_DFL);
  }
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
}

struct StepFailure {
  Stage stage;
  int error;  // -errno; 0: every step done
};

StepFailure confine(const ExecConfig& config, const ChildFds& fds) {
  if (fds.broker >= 0 && ::dup2(fds.broker, kExecBrokerFd) < 0)
    return {Stage::CloseFds, -errno};
  if (fds.trace >= 0 && ::dup2(fds.trace, kExecTraceFd) < 0)
    return {Stage::CloseFds, -errno};
  // Without a broker (or a trace), its number is closed with the rest.
  int keep[4] = {fds.setup, fds.ruleset};
  size_t kept_count = 2;
  if (fds.broker >= 0)
    keep[kept_count++] = kExecBrokerFd;
  if (fds.trace >= 0)
    keep[kept_count++] = kExecTraceFd;
  const std::span<const int> kept(keep, kept_count);
  if (const int rc = steps::close_fds(kept); rc != 0)
    return {Stage::CloseFds, rc};
  if (const int rc = steps::no_new_privs(); rc != 0)
    return {Stage::NoNewPrivs, rc};
  if (const int rc = steps::drop_capabilities(); rc != 0)
    return {Stage::Capabilities, rc};
  if (const int rc = steps::apply_rlimits(config.limits); rc != 0)
    return {Stage::Rlimits, rc};
  if (const int rc = landlock_restrict_to(fds.ruleset); rc != 0)
    return {Stage::Landlock, rc};
  ::close(fds.ruleset);
  // Last of the limits: the descriptors above were needed until now.
  if (const uint64_t files = config.limits.open_files; files != 0) {
    if (const int rc = steps::set_limit(RLIMIT_NOFILE, files, files); rc != 0)
      return {Stage::Rlimits, rc};
  }
  return {Stage::Seccomp, 0};
}

[[noreturn]] void run_child(const ExecConfig& config,
                            const Prepared& prepared,
                            const ChildFds& fds,
                            pid_t parent) {
  // Dies with the supervisor, whatever kills it.
  if (::prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) != 0 || ::getppid() != parent)
    ::_exit(kSetupFailedStatus);
  reset_signals();
  // Its own session: no job-control signal from the caller's terminal
  // group reaches the program by way of the group, and it has no
  // controlling terminal to steal from.
  if (::setsid() < 0)
    fail_child(fds.setup, Stage::CloseFds, errno, kSetupFailedStatus);
  if (const StepFailure failed = confine(config, fds); failed.error != 0)
    fail_child(fds.setup, failed.stage, -failed.error, kSetupFailedStatus);
  // The listener goes to the supervisor before the deny filter, which
  // lets sendmsg through anyway; fork counting starts here.
  int rc = prepared.filters.processes.install_and_send(fds.setup);
  if (rc == 0)
    rc = load_bpf(prepared.filters.deny);
  if (rc != 0)
    fail_child(fds.setup, Stage::Seccomp, -rc, kSetupFailedStatus);
  ::execve(config.program.c_str(), prepared.argv.data(), prepared.envp.data());
  const int failed = errno;
  fail_child(fds.setup, Stage::Execute, failed, failed == ENOENT ? 127 : 126);
}

// --- The supervisor ---

struct Supervision {
  Supervision(pid_t root, pid_t child, int fd, uint64_t processes)
      : self(root), main(child), pidfd(fd), counter(root, processes) {}

  pid_t self;
  pid_t main;
  int pidfd;
  UniqueFd setup;
  UniqueFd broker;
  std::optional<NotifyServer> notify;
  ProcessCounter counter;
  MainEnd main_end;
  std::optional<SetupReport> report;
  bool timed_out = false;
};

void kill_main(const Supervision& s) {
  ::syscall(SYS_pidfd_send_signal, s.pidfd, SIGKILL, nullptr, 0);
}

void start_notify(Supervision& s, UniqueFd listener) {
  // The filter notifies no open; should one come, it is refused.
  auto no_opens = [](const NotifiedOpen&) { return Decision::deny(EACCES); };
  auto count = [&s](pid_t tid, int) {
    // Orphans that ended are the supervisor's to reap before counting.
    reap_ended_children(s.main, s.main_end);
    return s.counter.decide(tid);
  };
  s.notify.emplace(std::move(listener), no_opens, count);
}

// One datagram from the child's setup socket: the listener, a failure
// report, or the end (execve closed it, or the child died).
void read_setup(Supervision& s) {
  uint8_t buffer[sizeof(SetupReport)] = {};
  auto got = broker::receive_message(s.setup.get(), buffer);
  if (!got) {
    if (got.error() != EAGAIN && got.error() != EINTR)
      s.setup.reset();
    return;
  }
  if (got->fd) {
    if (!s.notify)
      start_notify(s, std::move(got->fd));
  } else if (got->size == sizeof(SetupReport)) {
    SetupReport report;
    std::memcpy(&report, buffer, sizeof report);
    s.report = report;
  }
}

void serve_listener(Supervision& s, short revents) {
  if ((revents & POLLIN) != 0) {
    // Cannot count any more: end the run rather than let forks through.
    if (!s.notify->serve_one())
      kill_main(s);
    return;
  }
  s.notify.reset();  // no process left under the filter
}

void serve_broker(const ExecConfig& config, Supervision& s, short revents) {
  // A hang-up with nothing left to read ends serving without asking, so
  // a serve_broker that keeps saying Serve cannot make this spin.
  if ((revents & POLLIN) == 0) {
    s.broker.reset();
    return;
  }
  const BrokerVerdict verdict = config.serve_broker(s.broker.get());
  if (verdict != BrokerVerdict::Serve)
    s.broker.reset();
  if (verdict == BrokerVerdict::Kill)
    kill_main(s);
}

int poll_timeout(const ExecConfig& config,
                 const Supervision& s,
                 Clock::time_point deadline) {
  if (config.wall_time.count() <= 0 || s.timed_out)
    return -1;
  const auto left =
      std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
  return static_cast<int>(std::max<int64_t>(0, left.count()));
}

// Until the main program ends: serve the setup socket, the listener and
// the broker, and kill at the wall time.
void supervise(const ExecConfig& config, Supervision& s) {
  const auto deadline = Clock::now() + config.wall_time;
  for (;;) {
    pollfd fds[4] = {{s.pidfd, POLLIN, 0},
                     {s.setup.get(), POLLIN, 0},
                     {s.notify ? s.notify->fd() : -1, POLLIN, 0},
                     {s.broker.get(), POLLIN, 0}};
    const int n = ::poll(fds, 4, poll_timeout(config, s, deadline));
    if (n < 0) {
      if (errno == EINTR)
        continue;
      kill_main(s);  // cannot watch it any more (ENOMEM): end it
      return;
    }
    if (fds[0].revents != 0)
      return;
    if (fds[1].revents != 0)
      read_setup(s);
    if (fds[2].revents != 0 && s.notify)
      serve_listener(s, fds[2].revents);
    if (fds[3].revents != 0 && s.broker)
      serve_broker(config, s, fds[3].revents);
    if (n == 0 && poll_timeout(config, s, deadline) == 0) {
      kill_main(s);
      s.timed_out = true;
    }
  }
}

// A report the child sent just before it exited may still be queued.
void drain_setup(Supervision& s) {
  if (!s.setup)
    return;
  ::fcntl(s.setup.get(), F_SETFL, O_NONBLOCK);
  // At most the listener and one report: reading stops at EAGAIN or EOF.
  for (int i = 0; i < 3 && s.setup; ++i)
    read_setup(s);
}

// --- How it ended ---

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

RunResult setup_failed(uint32_t stage, int error, int landlock_abi) {
  RunResult result;
  result.kind = EndKind::SetupFailed;
  result.stage = stage;
  result.error = error;
  result.landlock_abi = landlock_abi;
  result.message = std::string("sandbox setup failed while ") +
                   stage_name(stage) + ": " + ::strerror(error);
  return result;
}

void explain_signal(const ExecConfig& config,
                    const rusage& usage,
                    RunResult& result) {
  const int sig = result.signal;
  const uint64_t cpu_limit = config.limits.cpu_seconds;
  const uint64_t used = static_cast<uint64_t>(usage.ru_utime.tv_sec) +
                        static_cast<uint64_t>(usage.ru_stime.tv_sec);
  if (sig == SIGXCPU ||
      (sig == SIGKILL && cpu_limit != 0 && used >= cpu_limit)) {
    result.kind = EndKind::CpuTime;
    result.message =
        "CPU time limit of " + std::to_string(cpu_limit) + " s exceeded";
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

RunResult explain(const ExecConfig& config,
                  const Supervision& s,
                  int landlock_abi) {
  const int status = s.main_end.status;
  // Only the child's own code writes the setup socket (execve closes it),
  // and it exits right after with one of these statuses.
  const bool reported = s.report.has_value() && WIFEXITED(status) &&
                        WEXITSTATUS(status) >= kSetupFailedStatus &&
                        WEXITSTATUS(status) <= 127;
  if (reported && !s.timed_out)
    return setup_failed(s.report->stage, s.report->error, landlock_abi);
  RunResult result;
  result.landlock_abi = landlock_abi;
  result.processes_peak = s.counter.peak();
  if (WIFSIGNALED(status))
    result.signal = WTERMSIG(status);
  if (s.timed_out) {
    result.kind = EndKind::WallTime;
    result.message =
        "wall-time limit of " + seconds_text(config.wall_time) + " exceeded";
  } else if (WIFSIGNALED(status)) {
    explain_signal(config, s.main_end.usage, result);
  } else {
    result.exit_status = WEXITSTATUS(status);
    result.message = "exited with status " + std::to_string(result.exit_status);
  }
  return result;
}

// --- Putting it together ---

// Moves `fd` to kChildFdFloor or above (close-on-exec), so the child can
// put the broker end at kExecBrokerFd without landing on it.
bool above_floor(UniqueFd& fd) {
  if (!fd || fd.get() >= kChildFdFloor)
    return true;
  const int moved = ::fcntl(fd.get(), F_DUPFD_CLOEXEC, kChildFdFloor);
  if (moved < 0)
    return false;
  fd.reset(moved);
  return true;
}

struct SocketPair {
  UniqueFd ours;
  UniqueFd theirs;
};

Result<SocketPair, SpawnError> socket_pair(const char* what) {
  int pair[2];
  if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) != 0)
    return Unexpected(SpawnError{what, errno});
  SocketPair result{UniqueFd(pair[0]), UniqueFd(pair[1])};
  if (!above_floor(result.theirs))
    return Unexpected(SpawnError{what, errno});
  return result;
}

// After fork: supervise, then kill and reap everything, then explain.
Result<RunResult, SpawnError> watch(const ExecConfig& config,
                                    pid_t pid,
                                    SocketPair& setup,
                                    SocketPair& broker,
                                    int landlock_abi) {
  const UniqueFd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
  const int pidfd_error = errno;
  if (!pidfd)
    ::kill(pid, SIGKILL);  // cannot supervise: end it, still reap it
  Supervision s(::getpid(), pid, pidfd.get(), config.processes);
  s.setup = std::move(setup.ours);
  s.broker = std::move(broker.ours);
  if (pidfd)
    supervise(config, s);
  drain_setup(s);
  s.notify.reset();
  s.broker.reset();
  // A /proc scan costs about a millisecond: only when there may be more
  // than the main program to end.
  if (s.counter.allowed() != 0)
    kill_all_descendants(s.self, pid, s.main_end, kKillGiveUp);
  while (!s.main_end.reaped) {
    // Given up on a stuck descendant, but the main program is killed and
    // must be reaped: a zombie would hold its pid for good.
    if (::wait4(pid, &s.main_end.status, 0, &s.main_end.usage) == pid ||
        errno != EINTR)
      s.main_end.reaped = true;
  }
  if (!pidfd)
    return Unexpected(SpawnError{"pidfd_open", pidfd_error});
  return explain(config, s, landlock_abi);
}

}  // namespace

Result<RunResult, SpawnError> run_program_confined(const ExecConfig& config) {
  if (!single_threaded())
    return Unexpected(
        SpawnError{"the supervisor is not single-threaded", EBUSY});
  auto prepared = prepare(config);
  if (!prepared)
    return Unexpected(prepared.error());
  if (prepared->landlock_abi < kExecLandlockAbi)
    return setup_failed(static_cast<uint32_t>(Stage::Landlock), ENOSYS,
                        prepared->landlock_abi);
  auto setup = socket_pair("creating the setup socket");
  if (!setup)
    return Unexpected(setup.error());
  SocketPair broker;
  if (config.serve_broker) {
    auto made = socket_pair("creating the broker socket");
    if (!made)
      return Unexpected(made.error());
    broker = std::move(*made);
  }
  if (!above_floor(prepared->ruleset))
    return Unexpected(SpawnError{"moving the Landlock ruleset", errno});
  // Orphans come back to the supervisor, not to init: none can leave the
  // count or outlive the run.
  if (::prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0)
    return Unexpected(SpawnError{"becoming a child subreaper", errno});
  // The trace descriptor, above the floor like the others, so that
  // putting the broker end in place cannot land on it.
  UniqueFd trace;
  if (config.trace_fd >= 0) {
    trace.reset(::fcntl(config.trace_fd, F_DUPFD_CLOEXEC, kChildFdFloor));
    if (!trace)
      return Unexpected(SpawnError{"passing the trace descriptor", errno});
  }
  const ChildFds fds{setup->theirs.get(), broker.theirs.get(),
                     prepared->ruleset.get(), trace.get()};
  const pid_t parent = ::getpid();
  std::fflush(nullptr);  // else the child's exit would write them again
  const pid_t pid = ::fork();
  if (pid < 0)
    return Unexpected(SpawnError{"fork", errno});
  if (pid == 0)
    run_child(config, *prepared, fds, parent);
  setup->theirs.reset();
  broker.theirs.reset();
  prepared->ruleset.reset();
  trace.reset();
  return watch(config, pid, *setup, broker, prepared->landlock_abi);
}

}  // namespace capbox::sandbox
