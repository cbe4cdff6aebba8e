// SPDX-License-Identifier: Apache-2.0
// The notify filter (compiled by libseccomp in the supervisor, loaded raw in
// the child) and the NotifyServer that copies each notified open out of the
// target, asks the decision callback and answers with an errno or an
// injected descriptor. See notify.h for the TOCTOU reasoning.
#include "sandbox/notify.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "broker/channel.h"

namespace capbox::sandbox {
namespace {

constexpr int kOpenSyscalls[] = {
    SYS_openat,
#ifdef SYS_open
    SYS_open,
#endif
#ifdef SYS_creat
    SYS_creat,
#endif
    SYS_openat2,
};

// The kernel's own limit for a path, terminator included.
constexpr size_t kPathMax = PATH_MAX;
constexpr size_t kPage = 4096;

int last_errno_or(int fallback) {
  return errno != 0 ? errno : fallback;
}

// Reads `size` bytes at `addr` in `pid`. Returns the bytes read (short at
// the first unreadable page) or -errno.
ssize_t read_remote(pid_t pid, uint64_t addr, void* out, size_t size) {
  iovec local{out, size};
  iovec remote{reinterpret_cast<void*>(addr), size};
  const ssize_t n = ::process_vm_readv(pid, &local, 1, &remote, 1, 0);
  return n < 0 ? -errno : n;
}

// Copies the NUL-terminated path at `addr`, a page at a time so a path
// that ends just before an unmapped page is still read whole. EFAULT for
// an unreadable byte before the NUL, ENAMETOOLONG past PATH_MAX, ENOENT
// for "" (as the kernel answers).
Result<std::string, int> read_path(pid_t pid, uint64_t addr) {
  char buffer[kPathMax];
  size_t have = 0;
  while (have < kPathMax) {
    const uint64_t at = addr + have;
    size_t chunk = kPage - static_cast<size_t>(at % kPage);
    chunk = std::min(chunk, kPathMax - have);
    const ssize_t n = read_remote(pid, at, buffer + have, chunk);
    if (n <= 0)
      return Unexpected(n == 0 ? EFAULT : static_cast<int>(-n));
    const void* nul = std::memchr(buffer + have, '\0', static_cast<size_t>(n));
    if (nul != nullptr) {
      const size_t length = static_cast<const char*>(nul) - buffer;
      if (length == 0)
        return Unexpected(ENOENT);
      return std::string(buffer, length);
    }
    have += static_cast<size_t>(n);
    if (static_cast<size_t>(n) < chunk)
      return Unexpected(EFAULT);
  }
  return Unexpected(ENAMETOOLONG);
}

// openat2's struct open_how. Only the size this kernel ABI defines is
// accepted: a larger one would need its tail checked for zeros, and no
// caller we serve passes one yet.
Result<open_how, int> read_how(pid_t pid, uint64_t addr, uint64_t size) {
  if (size < sizeof(open_how))
    return Unexpected(EINVAL);
  if (size > sizeof(open_how))
    return Unexpected(E2BIG);
  open_how how{};
  const ssize_t n = read_remote(pid, addr, &how, sizeof how);
  if (n < 0)
    return Unexpected(static_cast<int>(-n));
  if (static_cast<size_t>(n) != sizeof how)
    return Unexpected(EFAULT);
  return how;
}

// The open the notification describes, copied out of the target. ENOSYS
// for a syscall this server does not serve.
Result<NotifiedOpen, int> decode(const seccomp_notif& req) {
  const auto& args = req.data.args;
  NotifiedOpen open;
  open.pid = static_cast<pid_t>(req.pid);
  open.syscall_nr = req.data.nr;
  uint64_t path_addr = 0;
  switch (req.data.nr) {
    case SYS_openat:
      open.dirfd = static_cast<int>(args[0]);
      path_addr = args[1];
      open.flags = static_cast<uint32_t>(args[2]);
      open.mode = static_cast<uint32_t>(args[3]);
      break;
#ifdef SYS_open
    case SYS_open:
      path_addr = args[0];
      open.flags = static_cast<uint32_t>(args[1]);
      open.mode = static_cast<uint32_t>(args[2]);
      break;
#endif
#ifdef SYS_creat
    case SYS_creat:
      path_addr = args[0];
      open.flags = O_CREAT | O_WRONLY | O_TRUNC;
      open.mode = static_cast<uint32_t>(args[1]);
      break;
#endif
    case SYS_openat2: {
      open.dirfd = static_cast<int>(args[0]);
      path_addr = args[1];
      auto how = read_how(open.pid, args[2], args[3]);
      if (!how)
        return Unexpected(how.error());
      open.flags = how->flags;
      open.mode = how->mode;
      open.resolve = how->resolve;
      break;
    }
    default:
      return Unexpected(ENOSYS);
  }
  auto path = read_path(open.pid, path_addr);
  if (!path)
    return Unexpected(path.error());
  open.path = std::move(*path);
  return open;
}

bool is_process_syscall(int nr) {
#ifdef SYS_fork
  if (nr == SYS_fork)
    return true;
#endif
#ifdef SYS_vfork
  if (nr == SYS_vfork)
    return true;
#endif
  return nr == SYS_clone;
}

int ioctl_retry(int fd, unsigned long request, void* arg) {
  int rc;
  do {
    rc = ::ioctl(fd, request, arg);
  } while (rc < 0 && errno == EINTR);
  return rc;
}

}  // namespace

std::span<const int> default_notified_syscalls() {
  return kOpenSyscalls;
}

Result<std::vector<sock_filter>, int> compile_seccomp(void* ctx) {
  // libseccomp 2.5 exports only to a descriptor; a memfd keeps it in memory.
  const UniqueFd memfd(::memfd_create("capbox-bpf", MFD_CLOEXEC));
  if (!memfd)
    return Unexpected(last_errno_or(EIO));
  if (const int rc = ::seccomp_export_bpf(ctx, memfd.get()); rc != 0)
    return Unexpected(-rc);
  struct stat st {};
  if (::fstat(memfd.get(), &st) != 0)
    return Unexpected(last_errno_or(EIO));
  const size_t bytes = static_cast<size_t>(st.st_size);
  if (bytes == 0 || bytes % sizeof(sock_filter) != 0 ||
      bytes / sizeof(sock_filter) > BPF_MAXINSNS)
    return Unexpected(EPROTO);
  std::vector<sock_filter> program(bytes / sizeof(sock_filter));
  if (::pread(memfd.get(), program.data(), bytes, 0) !=
      static_cast<ssize_t>(bytes))
    return Unexpected(EIO);
  return program;
}

Result<NotifyFilter, int> NotifyFilter::build(std::span<const int> syscalls) {
  std::vector<NotifyRule> rules;
  for (const int nr : syscalls)
    rules.push_back(NotifyRule{nr, 0});
  return build(std::span<const NotifyRule>(rules));
}

Result<NotifyFilter, int> NotifyFilter::build(
    std::span<const NotifyRule> rules) {
  scmp_filter_ctx ctx = ::seccomp_init(SCMP_ACT_ALLOW);
  if (ctx == nullptr)
    return Unexpected(ENOMEM);
  int rc =
      ::seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
  for (size_t i = 0; rc == 0 && i < rules.size(); ++i) {
    // (arg0 & mask) == 0; datum_a is the mask, datum_b the value.
    const scmp_arg_cmp clear = {0, SCMP_CMP_MASKED_EQ, rules[i].arg0_clear, 0};
    rc = ::seccomp_rule_add_array(ctx, SCMP_ACT_NOTIFY, rules[i].nr,
                                  rules[i].arg0_clear != 0 ? 1 : 0, &clear);
  }
  auto program = rc == 0
                     ? compile_seccomp(ctx)
                     : Result<std::vector<sock_filter>, int>(Unexpected(-rc));
  ::seccomp_release(ctx);
  if (!program)
    return Unexpected(program.error());
  NotifyFilter filter;
  filter.program_ = std::move(*program);
  return filter;
}

int NotifyFilter::install_and_send(int sock) const {
  if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
    return -errno;
  sock_fprog prog{static_cast<unsigned short>(program_.size()),
                  const_cast<sock_filter*>(program_.data())};
  // Killable waits: once the supervisor has a notification, only a fatal
  // signal ends the wait, so an injected descriptor and its answer are
  // never split by a signal that restarts the call (Linux 5.19; older
  // kernels refuse the flag with EINVAL and get the plain wait).
  long listener = ::syscall(
      SYS_seccomp, SECCOMP_SET_MODE_FILTER,
      SECCOMP_FILTER_FLAG_NEW_LISTENER | SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV,
      &prog);
  if (listener < 0 && errno == EINVAL)
    listener = ::syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
                         SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog);
  if (listener < 0)
    return -errno;
  const UniqueFd owned(static_cast<int>(listener));
  const uint8_t byte = 'L';
  const auto sent = broker::send_message(sock, {&byte, 1}, owned.get());
  return sent ? 0 : -sent.error();
}

Result<UniqueFd, int> receive_listener(int sock) {
  uint8_t byte = 0;
  auto got = broker::receive_message(sock, {&byte, 1});
  if (!got)
    return Unexpected(got.error());
  if (!got->fd)
    return Unexpected(EPROTO);
  return std::move(got->fd);
}

NotifyServer::NotifyServer(UniqueFd listener,
                           DecideOpen decide,
                           NotifyOptions options)
    : NotifyServer(std::move(listener), std::move(decide), {}, options) {}

NotifyServer::NotifyServer(UniqueFd listener,
                           DecideOpen decide,
                           DecideProcess process,
                           NotifyOptions options)
    : listener_(std::move(listener)),
      decide_(std::move(decide)),
      process_(std::move(process)),
      options_(options),
      send_supported_(options.atomic_send) {}

Result<Served, int> NotifyServer::serve_one() {
  seccomp_notif req;
  std::memset(&req, 0, sizeof req);  // RECV insists on a zeroed struct
  if (ioctl_retry(listener_.get(), SECCOMP_IOCTL_NOTIF_RECV, &req) != 0) {
    // ENOENT: the target was killed between poll and receive.
    if (errno == ENOENT)
      return Served::Vanished;
    return Unexpected(last_errno_or(EIO));
  }
  if (req.data.arch != ::seccomp_arch_native())
    return answer_error(req.id, ENOSYS);
  if (process_ && is_process_syscall(req.data.nr))
    return answer_process(req);
  auto open = decode(req);
  // The copy is only the target's if the notification outlived the read:
  // a dead target's pid may already name another process.
  if (ioctl_retry(listener_.get(), SECCOMP_IOCTL_NOTIF_ID_VALID, &req.id) != 0)
    return Served::Vanished;
  if (!open)
    return answer_error(req.id, open.error());
  Decision decision = decide_(*open);
  if (!decision.fd)
    return answer_error(req.id, decision.error > 0 ? decision.error : EACCES);
  return answer_fd(req.id, std::move(decision.fd), open->flags);
}

Result<Served, int> NotifyServer::answer_process(const seccomp_notif& req) {
  const int error = process_(static_cast<pid_t>(req.pid), req.data.nr);
  if (error != 0)
    return answer_error(req.id, error);
  // CONTINUE only here, for a process syscall (see notify.h): nothing it
  // reads can have changed since the filter saw it.
  seccomp_notif_resp resp{};
  resp.id = req.id;
  resp.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
  if (ioctl_retry(listener_.get(), SECCOMP_IOCTL_NOTIF_SEND, &resp) != 0) {
    if (errno == ENOENT)
      return Served::Vanished;
    return Unexpected(last_errno_or(EIO));
  }
  return Served::Answered;
}

Result<Served, int> NotifyServer::answer_error(uint64_t id, int error) {
  // Never SECCOMP_USER_NOTIF_FLAG_CONTINUE (see notify.h): the answer is
  // always this errno, or a descriptor the supervisor opened.
  seccomp_notif_resp resp{};
  resp.id = id;
  resp.error = -error;
  if (ioctl_retry(listener_.get(), SECCOMP_IOCTL_NOTIF_SEND, &resp) != 0) {
    if (errno == ENOENT)
      return Served::Vanished;
    return Unexpected(last_errno_or(EIO));
  }
  return Served::Refused;
}

Result<Served, int> NotifyServer::answer_fd(uint64_t id,
                                            UniqueFd fd,
                                            uint64_t flags) {
  // `fd` is the supervisor's copy; it closes on every return, the
  // target's copy is its own. Close-on-exec follows the target's request,
  // not how the supervisor opened it.
  seccomp_notif_addfd addfd{};
  addfd.id = id;
  addfd.srcfd = static_cast<uint32_t>(fd.get());
  addfd.newfd_flags = (flags & O_CLOEXEC) != 0 ? O_CLOEXEC : 0;
  if (send_supported_) {
    addfd.flags = SECCOMP_ADDFD_FLAG_SEND;
    if (ioctl_retry(listener_.get(), SECCOMP_IOCTL_NOTIF_ADDFD, &addfd) >= 0)
      return Served::Answered;
    if (errno == ENOENT)
      return Served::Vanished;
    if (errno != EINVAL)
      return answer_error(id, errno);  // EMFILE: the target's table is full
    send_supported_ = false;           // before Linux 5.14
    addfd.flags = 0;
  }
  const int remote =
      ioctl_retry(listener_.get(), SECCOMP_IOCTL_NOTIF_ADDFD, &addfd);
  if (remote < 0) {
    if (errno == ENOENT)
      return Served::Vanished;
    return answer_error(id, errno);
  }
  // If the target dies now, the descriptor dies with its table.
  seccomp_notif_resp resp{};
  resp.id = id;
  resp.val = remote;
  if (ioctl_retry(listener_.get(), SECCOMP_IOCTL_NOTIF_SEND, &resp) != 0) {
    if (errno == ENOENT)
      return Served::Vanished;
    return Unexpected(last_errno_or(EIO));
  }
  return Served::Answered;
}

}  // namespace capbox::sandbox
