// SPDX-License-Identifier: Apache-2.0
// Seccomp user notification for path-opening syscalls: the child installs a
// filter that hands open/openat/creat/openat2 to the supervisor, and the
// supervisor's NotifyServer answers each one with an errno or a descriptor it
// opened itself and injects. Depends on base/, broker/channel.h and the
// kernel's seccomp ABI; knows nothing of grants, WASI or the engine.
//
// Why the supervisor opens the file itself: the path lives in the target's
// memory, which another of its threads can rewrite at any moment. Whatever
// the supervisor checked must be exactly what is opened, so it copies the
// path once, decides on the copy and opens the copy with its own (narrow,
// beneath-a-grant) authority. For the same reason the answer is never
// SECCOMP_USER_NOTIF_FLAG_CONTINUE: that re-runs the syscall in the target
// with the target's own authority, reading the path again from memory the
// target controls (a check-then-use race the kernel documents), so a
// checked "/grant/a" could become "/etc/shadow".
//
// The one exception is exec's processes limit (DecideProcess): fork, vfork
// and clone may be answered CONTINUE, because they read nothing the target
// could swap: their arguments are registers of the blocked thread, fixed
// at the call (clone's flags were already checked by BPF), and their
// pointers are only written to. Never for a path syscall.
//
// Why ID_VALID after reading memory: the notification carries a pid, and a
// pid can be reused once the target dies. Only if the notification is still
// pending after the read was the target alive (blocked in the syscall) for
// the whole read, so the bytes were its own.
//
// What the rest of exec's policy must add: deny userfaultfd (and keep FUSE
// mounts out of reach): a path pointer into a range the target serves
// itself would stall the supervisor's process_vm_readv for as long as the
// target likes.
#pragma once

#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/types.h>

#include <cerrno>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "base/result.h"
#include "base/unique_fd.h"

namespace capbox::sandbox {

// The syscalls a NotifyFilter sends to the supervisor unless told others:
// every syscall that opens a path (native architecture numbers).
std::span<const int> default_notified_syscalls();

// A notified syscall with a condition: notified only when its first
// argument has none of `arg0_clear`'s bits (clone without CLONE_THREAD:
// a new thread is not a new process). 0: always notified.
struct NotifyRule {
  int nr;
  uint64_t arg0_clear = 0;
};

// The classic BPF program of a libseccomp context (a scmp_filter_ctx,
// typed void* so this header needs no <seccomp.h>), for loading in a
// forked child that must not allocate. Errors are errno values (EPROTO: a
// program the kernel could not take).
Result<std::vector<sock_filter>, int> compile_seccomp(void* ctx);

// A compiled filter: the listed syscalls return SECCOMP_RET_USER_NOTIF,
// everything else is allowed (the rest of a program's policy is another
// filter's job; filters stack and the strictest answer wins). A foreign
// architecture kills the process, so a 32-bit call cannot dodge the list.
class NotifyFilter {
 public:
  // Compiles in the supervisor, before fork: libseccomp allocates, the
  // child must not. Errors are errno values (libseccomp's, or EPROTO for a
  // program the kernel could not take).
  static Result<NotifyFilter, int> build(std::span<const int> syscalls);
  static Result<NotifyFilter, int> build(std::span<const NotifyRule> rules);

  // In the forked child: sets no_new_privs, loads the filter with a new
  // listener, sends the listener over `sock` (SCM_RIGHTS, one byte) and
  // closes the child's copy, so the supervisor holds the only one. No
  // allocation, async-signal-safe. Returns 0 or -errno; on failure the
  // filter may already be loaded (the caller must _exit, never continue).
  int install_and_send(int sock) const;

  size_t instruction_count() const { return program_.size(); }

 private:
  std::vector<sock_filter> program_;
};

// In the supervisor: the listener the child sent (EPROTO if the message
// came without a descriptor).
Result<UniqueFd, int> receive_listener(int sock);

// One notified open, as the supervisor copied it out of the target.
struct NotifiedOpen {
  pid_t pid = 0;        // the target thread, in the supervisor's namespace
  int syscall_nr = -1;  // SYS_openat, SYS_open, SYS_creat or SYS_openat2
  // The target's own descriptor number (or AT_FDCWD): it means nothing in
  // the supervisor, whose decision must resolve relative paths itself.
  int dirfd = -100;
  std::string path;      // copied once; the only copy anyone looks at
  uint64_t flags = 0;    // open flags (creat: O_CREAT|O_WRONLY|O_TRUNC)
  uint64_t mode = 0;     // creation mode
  uint64_t resolve = 0;  // openat2's RESOLVE_* flags, else 0
};

// The answer: an errno for the target, or a descriptor to install in it.
struct Decision {
  // Used when `fd` is invalid (also an inject() of a failed open, which
  // then answers EACCES); must be > 0.
  int error = EACCES;
  UniqueFd fd;

  static Decision deny(int error) { return Decision{error, UniqueFd()}; }
  static Decision inject(UniqueFd fd) { return Decision{0, std::move(fd)}; }
};

using DecideOpen = std::function<Decision(const NotifiedOpen&)>;

// A notified fork, vfork or clone (exec's processes limit): `pid` is the
// calling thread. The answer is 0 to let the call run as the target made
// it (SECCOMP_USER_NOTIF_FLAG_CONTINUE), else an errno (EAGAIN).
using DecideProcess = std::function<int(pid_t pid, int syscall_nr)>;

// What serve_one did with a notification.
enum class Served : uint8_t {
  Answered,  // the target got the decision
  Refused,   // answered with an error before deciding (bad path, arch, ...)
  Vanished,  // the target died or gave up; nothing was injected or leaked
};

struct NotifyOptions {
  // SECCOMP_ADDFD_FLAG_SEND (Linux 5.14) installs and answers in one step.
  // Off forces the two-step fallback, for tests.
  bool atomic_send = true;
};

class NotifyServer {
 public:
  NotifyServer(UniqueFd listener, DecideOpen decide, NotifyOptions = {});
  // Also answers fork, vfork and clone with `process` (see DecideProcess);
  // without it they are answered ENOSYS like any other syscall.
  NotifyServer(UniqueFd listener,
               DecideOpen decide,
               DecideProcess process,
               NotifyOptions = {});

  // Poll it for POLLIN (a notification waits) and POLLHUP (no process is
  // left under the filter).
  int fd() const { return listener_.get(); }

  // Receives one notification (blocks if none is pending), decides and
  // answers it. Syscalls other than the four opens (and the process
  // syscalls, given a DecideProcess) are answered ENOSYS. Errors
  // are the listener's own (positive errno); a dying target is
  // Served::Vanished, not an error.
  Result<Served, int> serve_one();

 private:
  Result<Served, int> answer_process(const seccomp_notif& req);
  Result<Served, int> answer_error(uint64_t id, int error);
  Result<Served, int> answer_fd(uint64_t id, UniqueFd fd, uint64_t flags);

  UniqueFd listener_;
  DecideOpen decide_;
  DecideProcess process_;
  NotifyOptions options_;
  bool send_supported_ = true;
};

}  // namespace capbox::sandbox
