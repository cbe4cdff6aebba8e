// SPDX-License-Identifier: Apache-2.0
// sendmsg/recvmsg for broker messages. The control buffer has room for
// several descriptors so that a peer sending too many gets them closed
// here rather than dropped by the kernel unseen; the message is then an
// error all the same. Depends on libc only.
#include "broker/channel.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace capbox::broker {
namespace {

constexpr size_t kMaxFdsSeen = 8;

union ControlBuffer {
  char bytes[CMSG_SPACE(sizeof(int) * kMaxFdsSeen)];
  struct cmsghdr align;
};

// Collects every SCM_RIGHTS descriptor in `msg`; returns false if the
// control data held anything else. Descriptors past `fds`' room are closed.
bool collect_fds(struct msghdr& msg, int* fds, size_t& count) {
  bool ok = true;
  for (struct cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr;
       c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) {
      ok = false;
      continue;
    }
    size_t n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    for (size_t i = 0; i < n; ++i) {
      int fd;
      std::memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
      if (count < kMaxFdsSeen)
        fds[count++] = fd;
      else
        ::close(fd);
    }
  }
  return ok;
}

}  // namespace

int make_socket_pair(UniqueFd& a, UniqueFd& b) {
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) != 0)
    return -errno;
  a.reset(fds[0]);
  b.reset(fds[1]);
  return 0;
}

Result<void, int> send_message(int sock,
                               std::span<const uint8_t> data,
                               int fd,
                               int flags) {
  struct iovec iov = {const_cast<uint8_t*>(data.data()), data.size()};
  struct msghdr msg {};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  union {
    char bytes[CMSG_SPACE(sizeof(int))];
    struct cmsghdr align;
  } control;
  if (fd >= 0) {
    std::memset(&control, 0, sizeof(control));
    msg.msg_control = control.bytes;
    msg.msg_controllen = sizeof(control.bytes);
    struct cmsghdr* c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    std::memcpy(CMSG_DATA(c), &fd, sizeof(int));
  }
  for (;;) {
    ssize_t n = ::sendmsg(sock, &msg, MSG_NOSIGNAL | flags);
    if (n >= 0)
      return n == static_cast<ssize_t>(data.size()) ? Result<void, int>()
                                                    : Unexpected(EMSGSIZE);
    if (errno != EINTR)
      return Unexpected(errno);
  }
}

Result<Received, int> receive_message(int sock, std::span<uint8_t> buffer) {
  struct iovec iov = {buffer.data(), buffer.size()};
  struct msghdr msg {};
  ControlBuffer control;
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control.bytes;
  msg.msg_controllen = sizeof(control.bytes);
  ssize_t n;
  do {
    n = ::recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
  } while (n < 0 && errno == EINTR);
  if (n < 0)
    return Unexpected(errno);
  int fds[kMaxFdsSeen];
  size_t count = 0;
  bool only_rights = collect_fds(msg, fds, count);
  int error = 0;
  if (n == 0 && count == 0)
    error = ECONNRESET;
  else if ((msg.msg_flags & MSG_TRUNC) != 0)
    error = EMSGSIZE;
  else if ((msg.msg_flags & MSG_CTRUNC) != 0 || !only_rights || count > 1)
    error = EPROTO;
  if (error != 0) {
    for (size_t i = 0; i < count; ++i)
      ::close(fds[i]);
    return Unexpected(error);
  }
  Received received;
  received.size = static_cast<size_t>(n);
  if (count == 1)
    received.fd.reset(fds[0]);
  return received;
}

}  // namespace capbox::broker
