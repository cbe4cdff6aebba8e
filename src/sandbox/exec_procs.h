// SPDX-License-Identifier: Apache-2.0
// The sandbox's processes as the supervisor sees them in /proc: every
// descendant of the supervisor (a child subreaper, so orphans come back
// to it instead of leaving the tree). Counts them for exec's processes
// limit, kills and reaps them at the end. Assumes the supervisor has no
// children but the sandbox's. Depends on libc only.
#pragma once

#include <sys/resource.h>
#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <vector>

namespace capbox::sandbox {

struct ProcEntry {
  pid_t pid = 0;
  pid_t ppid = 0;
  uint64_t start_time = 0;  // clock ticks after boot: with pid, unique
};

// Every live or zombie descendant of `root`, from one pass over /proc
// (allocates; racy by nature: a process may appear or end meanwhile).
std::vector<ProcEntry> scan_descendants(pid_t root);

// SIGKILLs `entry` if it is still the process scanned (same start time),
// through a pidfd, so a recycled pid never reaches a stranger.
void kill_if_same(const ProcEntry& entry);

// Reaps every child of the calling process that has ended (no wait).
// When `main` is among them, stores its wait status and usage.
struct MainEnd {
  bool reaped = false;
  int status = 0;
  rusage usage{};
};
void reap_ended_children(pid_t main, MainEnd& main_end);

// Kills every descendant of `root` and reaps them, until none is left or
// `give_up` has passed (a process stuck in the kernel); records the main
// child's end as reap_ended_children does. Returns whether none is left.
bool kill_all_descendants(pid_t root,
                          pid_t main,
                          MainEnd& main_end,
                          std::chrono::milliseconds give_up);

// Answers the notified forks of a sandbox held at `limit` processes.
// Why the supervisor counts and RLIMIT_NPROC alone is not enough: root is
// exempt from RLIMIT_NPROC (and CI runs as root), and for other users it
// counts every process of theirs, in the sandbox or not. Why letting the
// fork run (CONTINUE) is safe: see notify.h; the arguments are registers.
// The count is the descendants in /proc plus forks let through a moment
// ago whose child is not visible yet: per calling process, the forks let
// through since its first pending one, less the children it has gained
// since (pending until then, until it ends, or for 100 ms after its last
// fork: a fork that failed in the kernel). So a burst of forks from many
// processes or threads cannot overshoot between two scans; a child that
// ends before it is seen makes the count high for a moment, never low.
class ProcessCounter {
 public:
  ProcessCounter(pid_t root, uint64_t limit) : root_(root), limit_(limit) {}

  // For a fork, vfork or clone by thread `tid`: 0 (let it run) or EAGAIN.
  int decide(pid_t tid);

  // How many forks decide() let through. None: the first process never
  // had a descendant (every way to make a process is notified), so once
  // it is reaped there is nothing to look for.
  uint64_t allowed() const { return allowed_; }
  // The most processes alive at once, the first included, as counted when
  // a fork was let through (a fork the kernel then failed counts too, so
  // this is an upper bound).
  uint64_t peak() const { return peak_; }

 private:
  struct Pending {
    pid_t tgid;                   // the process that forks
    std::vector<pid_t> children;  // its children at its first pending fork
    uint64_t forks;               // let through since then
    std::chrono::steady_clock::time_point deadline;
  };

  // How many of `pending`'s forks have no visible child yet.
  static uint64_t unseen(const Pending& pending,
                         const std::vector<ProcEntry>& procs);

  pid_t root_;
  uint64_t limit_;
  std::vector<Pending> pending_;
  uint64_t allowed_ = 0;
  uint64_t peak_ = 1;
};

}  // namespace capbox::sandbox
