// SPDX-License-Identifier: Apache-2.0
// One message plus at most one descriptor over a SOCK_SEQPACKET Unix
// socket: sendmsg/recvmsg with SCM_RIGHTS, descriptors received
// close-on-exec, EINTR retried. Received descriptors beyond one, and any
// that come with an error, are closed here, so a hostile peer cannot make
// us leak them. Exception-free, no allocation, async-signal-safe.
// Depends on libc only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "base/result.h"
#include "base/unique_fd.h"

namespace capbox::broker {

// Creates the connected pair, both ends O_CLOEXEC. Returns -errno on
// failure.
int make_socket_pair(UniqueFd& a, UniqueFd& b);

// Sends `data` as one datagram and, if `fd` >= 0, a duplicate of it (the
// caller keeps `fd`). `flags` are added to sendmsg's (MSG_DONTWAIT for a
// sender that must not block). Errors: the errno of sendmsg (EPIPE when
// the peer is gone; MSG_NOSIGNAL keeps SIGPIPE away).
Result<void, int> send_message(int sock,
                               std::span<const uint8_t> data,
                               int fd = -1,
                               int flags = 0);

struct Received {
  size_t size = 0;  // bytes written to the buffer
  UniqueFd fd;      // the one descriptor that came with it, if any
};

// Receives one datagram into `buffer`. Errors:
//   ECONNRESET  the peer closed its end (end of stream)
//   EMSGSIZE    the datagram was larger than `buffer` (MSG_TRUNC)
//   EPROTO      more than one descriptor, a truncated control message
//               (MSG_CTRUNC), or control data other than SCM_RIGHTS
//   EAGAIN      a receive timeout (SO_RCVTIMEO) passed
//   other       recvmsg's errno
// On every error all descriptors that arrived are closed.
Result<Received, int> receive_message(int sock, std::span<uint8_t> buffer);

}  // namespace capbox::broker
