// SPDX-License-Identifier: Apache-2.0
// /proc scans for the sandbox's process tree. Why /proc and not the pids
// waitid returns: a grandchild is invisible to the supervisor's waits
// until its parent dies, and the limit must count it from its birth.
#include "sandbox/exec_procs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <unordered_map>

#include "base/unique_fd.h"

namespace capbox::sandbox {
namespace {

using Clock = std::chrono::steady_clock;

constexpr auto kPendingFor = std::chrono::milliseconds(100);

// Reads a small /proc file whole into `buffer`; its length, or -1.
ssize_t read_small(const char* path, char* buffer, size_t size) {
  const UniqueFd fd(::open(path, O_RDONLY | O_CLOEXEC));
  if (!fd)
    return -1;
  const ssize_t n = ::read(fd.get(), buffer, size - 1);
  if (n >= 0)
    buffer[n] = '\0';
  return n;
}

// /proc/PID/stat: "pid (comm) state ppid ... starttime(22) ...". The
// command may hold spaces and parentheses: fields start after the last ')'.
bool read_stat(pid_t pid, ProcEntry& entry) {
  char path[32];
  std::snprintf(path, sizeof path, "/proc/%d/stat", pid);
  char text[1024];
  if (read_small(path, text, sizeof text) <= 0)
    return false;
  const char* after = std::strrchr(text, ')');
  if (after == nullptr)
    return false;
  // After ") ": state, then ppid is field 1 and starttime field 19.
  const char* at = after + 1;
  long long fields[20] = {};
  for (int i = 0; i < 20 && *at != '\0'; ++i) {
    while (*at == ' ')
      ++at;
    char* end = nullptr;
    fields[i] = i == 0 ? 0 : std::strtoll(at, &end, 10);
    while (*at != ' ' && *at != '\0')
      ++at;
  }
  entry.pid = pid;
  entry.ppid = static_cast<pid_t>(fields[1]);
  entry.start_time = static_cast<uint64_t>(fields[19]);
  return true;
}

std::vector<ProcEntry> scan_all() {
  std::vector<ProcEntry> all;
  DIR* dir = ::opendir("/proc");
  if (dir == nullptr)
    return all;
  while (const dirent* d = ::readdir(dir)) {
    char* end = nullptr;
    const long pid = std::strtol(d->d_name, &end, 10);
    ProcEntry entry;
    if (pid > 0 && *end == '\0' && read_stat(static_cast<pid_t>(pid), entry))
      all.push_back(entry);
  }
  ::closedir(dir);
  return all;
}

pid_t thread_group(pid_t tid) {
  char path[32];
  std::snprintf(path, sizeof path, "/proc/%d/status", tid);
  char text[2048];
  if (read_small(path, text, sizeof text) <= 0)
    return -1;
  const char* line = std::strstr(text, "\nTgid:");
  return line != nullptr ? static_cast<pid_t>(std::atoi(line + 6)) : -1;
}

std::vector<pid_t> children_of(pid_t pid, const std::vector<ProcEntry>& procs) {
  std::vector<pid_t> children;
  for (const ProcEntry& p : procs) {
    if (p.ppid == pid)
      children.push_back(p.pid);
  }
  return children;
}

}  // namespace

std::vector<ProcEntry> scan_descendants(pid_t root) {
  const std::vector<ProcEntry> all = scan_all();
  std::unordered_map<pid_t, pid_t> parent;
  for (const ProcEntry& p : all)
    parent[p.pid] = p.ppid;
  std::vector<ProcEntry> found;
  for (const ProcEntry& p : all) {
    // Up the chain to root (a descendant) or to a pid outside the map. A
    // chain longer than the table is a cycle of stale reads: not ours.
    pid_t at = p.ppid;
    for (size_t steps = 0; at > 0 && at != root && steps < all.size();
         ++steps) {
      const auto it = parent.find(at);
      at = it != parent.end() ? it->second : 0;
    }
    if (at == root && p.pid != root)
      found.push_back(p);
  }
  return found;
}

void kill_if_same(const ProcEntry& entry) {
  const UniqueFd pidfd(
      static_cast<int>(::syscall(SYS_pidfd_open, entry.pid, 0)));
  if (!pidfd)
    return;  // gone already
  // The pidfd pins the process now; the pid it was opened by could have
  // been recycled just before. Same start time: same process.
  ProcEntry now;
  if (!read_stat(entry.pid, now) || now.start_time != entry.start_time)
    return;
  ::syscall(SYS_pidfd_send_signal, pidfd.get(), SIGKILL, nullptr, 0);
}

void reap_ended_children(pid_t main, MainEnd& main_end) {
  for (;;) {
    int status = 0;
    rusage usage{};
    const pid_t pid = ::wait4(-1, &status, WNOHANG, &usage);
    if (pid < 0 && errno == EINTR)
      continue;
    if (pid <= 0)
      return;
    if (pid == main) {
      main_end.reaped = true;
      main_end.status = status;
      main_end.usage = usage;
    }
  }
}

bool kill_all_descendants(pid_t root,
                          pid_t main,
                          MainEnd& main_end,
                          std::chrono::milliseconds give_up) {
  const auto deadline = Clock::now() + give_up;
  for (;;) {
    reap_ended_children(main, main_end);
    const std::vector<ProcEntry> left = scan_descendants(root);
    if (left.empty())
      return true;
    if (Clock::now() >= deadline)
      return false;
    for (const ProcEntry& entry : left)
      kill_if_same(entry);
    // SIGKILL is asynchronous: give the dying a moment before looking
    // again (a zombie waits for its parent, which is dying too).
    const timespec pause{0, 1000 * 1000};
    ::nanosleep(&pause, nullptr);
  }
}

uint64_t ProcessCounter::unseen(const Pending& pending,
                                const std::vector<ProcEntry>& procs) {
  uint64_t born = 0;
  bool alive = false;
  for (const ProcEntry& p : procs) {
    alive = alive || p.pid == pending.tgid;
    if (p.ppid == pending.tgid &&
        std::find(pending.children.begin(), pending.children.end(), p.pid) ==
            pending.children.end())
      ++born;
  }
  if (!alive || Clock::now() >= pending.deadline)
    return 0;
  return pending.forks - std::min(pending.forks, born);
}

int ProcessCounter::decide(pid_t tid) {
  const std::vector<ProcEntry> procs = scan_descendants(root_);
  uint64_t count = procs.size();
  std::erase_if(pending_, [&](const Pending& p) {
    const uint64_t left = unseen(p, procs);
    count += left;
    return left == 0;
  });
  if (count >= limit_)
    return EAGAIN;
  const pid_t tgid = thread_group(tid);
  if (tgid <= 0)
    return EAGAIN;  // it died meanwhile: the answer reaches no one
  const auto deadline = Clock::now() + kPendingFor;
  const auto it =
      std::find_if(pending_.begin(), pending_.end(),
                   [&](const Pending& p) { return p.tgid == tgid; });
  if (it != pending_.end()) {
    ++it->forks;
    it->deadline = deadline;
  } else {
    pending_.push_back(Pending{tgid, children_of(tgid, procs), 1, deadline});
  }
  ++allowed_;
  peak_ = std::max(peak_, count + 1);
  return 0;
}

}  // namespace capbox::sandbox
