// SPDX-License-Identifier: Apache-2.0
// sock_accept, sock_recv, sock_send and sock_shutdown on sockets the guest
// was given (listeners from -S tcplisten, and what they accept). This file
// never creates, binds or connects a socket: the embedder decides which
// exist. Non-socket fds are Notsock; every pointer is checked before the
// socket is touched, because an accepted connection or received data
// cannot be given back. Sends use MSG_NOSIGNAL: a closed peer is
// Errno::Pipe for the guest, never a SIGPIPE that would end the host
// process. Sends through a stdio socket count as the run's output.
// Identical in wasi_unstable. Depends on wasi/ only.
#include <limits.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <algorithm>
#include <cerrno>
#include <span>
#include <string>
#include <vector>

#include "wasi/errno_map.h"
#include "wasi/preview1.h"

namespace capbox::wasi::preview1 {
namespace {

Result<FdEntry*, Errno> socket_entry(Call& call, u32 fd, uint64_t rights) {
  auto entry = call.ctx.fds().get(fd, rights);
  if (!entry)
    return entry;
  const Filetype type = (*entry)->type;
  if (type != Filetype::SocketStream && type != Filetype::SocketDgram)
    return Unexpected(Errno::Notsock);
  return entry;
}

// The host iovecs for checked guest buffers: at most IOV_MAX of them and
// UINT32_MAX bytes in all (the ABI's size type), so one call is never
// refused for its size but may transfer less, as a short read or write.
std::vector<iovec> host_iovecs(const std::vector<std::span<uint8_t>>& bufs) {
  std::vector<iovec> out;
  uint64_t total = 0;
  for (const std::span<uint8_t>& buf : bufs) {
    if (out.size() == IOV_MAX || total == UINT32_MAX)
      break;
    const uint64_t len = std::min<uint64_t>(buf.size(), UINT32_MAX - total);
    out.push_back({buf.data(), static_cast<size_t>(len)});
    total += len;
  }
  return out;
}

}  // namespace

Ret sock_accept(Call& call, u32 fd, u32 flags, u32 out) {
  auto listener = socket_entry(call, fd, right::kSockAccept);
  if (!listener)
    return listener.error();
  if ((flags & ~uint32_t{fdflag::kNonblock}) != 0)
    return Errno::Inval;
  if (!call.mem.memory().contains(out, sizeof(uint32_t)))
    return Errno::Fault;
  // Before accepting: a connection taken off the queue and then dropped
  // would look to the peer like a refusal.
  if (call.ctx.fds().full())
    return call.ctx.refuse_fd("sock_accept on fd " + std::to_string(fd));
  const int host_flags =
      SOCK_CLOEXEC | ((flags & fdflag::kNonblock) ? SOCK_NONBLOCK : 0);
  int conn;
  do {
    conn = ::accept4((*listener)->fd.get(), nullptr, nullptr, host_flags);
  } while (conn < 0 && errno == EINTR);
  if (conn < 0)
    return from_host_errno(errno);
  FdEntry entry;
  entry.fd = UniqueFd(conn);
  entry.type = Filetype::SocketStream;
  // What a listener hands on is what its connections may do; rights only
  // narrow, so the connection inherits no more than that either.
  entry.base = (*listener)->inheriting;
  entry.inheriting = (*listener)->inheriting;
  auto guest_fd = call.ctx.fds().insert(std::move(entry));
  if (!guest_fd)
    return guest_fd.error();
  if (!call.mem.store<uint32_t>(out, *guest_fd))
    return Errno::Fault;
  return Errno::Success;
}

Ret sock_recv(Call& call,
              u32 fd,
              u32 ri_data,
              u32 ri_data_len,
              u32 ri_flags,
              u32 ro_datalen_out,
              u32 ro_flags_out) {
  auto sock = socket_entry(call, fd, right::kFdRead);
  if (!sock)
    return sock.error();
  if ((ri_flags & ~uint32_t{kRiflagRecvPeek | kRiflagRecvWaitall}) != 0)
    return Errno::Inval;
  auto bufs = call.mem.iovecs(ri_data, ri_data_len);
  if (!bufs)
    return bufs.error();
  const engine::GuestMemory& memory = call.mem.memory();
  if (!memory.contains(ro_datalen_out, sizeof(uint32_t)) ||
      !memory.contains(ro_flags_out, sizeof(uint16_t)))
    return Errno::Fault;
  std::vector<iovec> iov = host_iovecs(*bufs);
  msghdr msg{};
  msg.msg_iov = iov.data();
  msg.msg_iovlen = iov.size();
  const int host_flags = ((ri_flags & kRiflagRecvPeek) ? MSG_PEEK : 0) |
                         ((ri_flags & kRiflagRecvWaitall) ? MSG_WAITALL : 0);
  ssize_t n;
  do {
    n = ::recvmsg((*sock)->fd.get(), &msg, host_flags);
  } while (n < 0 && errno == EINTR);
  if (n < 0)
    return from_host_errno(errno);
  const uint16_t ro_flags =
      (msg.msg_flags & MSG_TRUNC) ? kRoflagRecvDataTruncated : 0;
  if (!call.mem.store<uint32_t>(ro_datalen_out, static_cast<uint32_t>(n)) ||
      !call.mem.store<uint16_t>(ro_flags_out, ro_flags))
    return Errno::Fault;
  return Errno::Success;
}

Ret sock_send(Call& call,
              u32 fd,
              u32 si_data,
              u32 si_data_len,
              u32 si_flags,
              u32 out) {
  auto sock = socket_entry(call, fd, right::kFdWrite);
  if (!sock)
    return sock.error();
  if (si_flags != 0)  // siflags has no flags defined
    return Errno::Inval;
  auto bufs = call.mem.iovecs(si_data, si_data_len);
  if (!bufs)
    return bufs.error();
  if (!call.mem.memory().contains(out, sizeof(uint32_t)))
    return Errno::Fault;
  std::vector<iovec> iov = host_iovecs(*bufs);
  // A stdio stream that is a socket counts as output, as fd_write to it
  // would (fd_io.cc).
  ByteBudget* budget = call.ctx.write_budget(**sock);
  const bool clipped = budget && budget->clip(iov);
  if (clipped && budget->remaining() == 0)
    return Unexpected(engine::Trap::host_error(budget->reached()));
  msghdr msg{};
  msg.msg_iov = iov.data();
  msg.msg_iovlen = iov.size();
  ssize_t n;
  do {
    n = ::sendmsg((*sock)->fd.get(), &msg, MSG_NOSIGNAL);
  } while (n < 0 && errno == EINTR);
  if (n < 0)
    return from_host_errno(errno);
  if (budget)
    budget->spend(static_cast<uint64_t>(n));
  if (clipped && budget->remaining() == 0)
    return Unexpected(engine::Trap::host_error(budget->reached()));
  if (!call.mem.store<uint32_t>(out, static_cast<uint32_t>(n)))
    return Errno::Fault;
  return Errno::Success;
}

Ret sock_shutdown(Call& call, u32 fd, u32 how) {
  auto sock = socket_entry(call, fd, right::kSockShutdown);
  if (!sock)
    return sock.error();
  int host_how;
  switch (how) {
    case kSdflagRd:
      host_how = SHUT_RD;
      break;
    case kSdflagWr:
      host_how = SHUT_WR;
      break;
    case kSdflagRd | kSdflagWr:
      host_how = SHUT_RDWR;
      break;
    default:
      return Errno::Inval;
  }
  if (::shutdown((*sock)->fd.get(), host_how) != 0)
    return from_host_errno(errno);
  return Errno::Success;
}

}  // namespace capbox::wasi::preview1
