// SPDX-License-Identifier: Apache-2.0
// Client: the sandbox side of the broker (the wasm child, later
// libcapbox-preopen). One synchronous request -> reply (+ fd) at a time,
// over a socket the supervisor handed down. Once the channel fails or the
// host says something malformed, the client is broken for good and every
// call fails with EIO without touching the socket: a half-read stream is
// never trusted again. Not thread-safe; no allocation, exception-free,
// async-signal-safe. Depends on protocol.h, message.h, channel.h.
#pragma once

#include <cstdint>

#include "base/result.h"
#include "base/unique_fd.h"
#include "broker/message.h"
#include "broker/protocol.h"

namespace capbox::broker {

// A successful reply. `data` views the client's buffer: valid until the
// next call.
struct Answer {
  ReplyFields fields{};
  std::string_view data;
  UniqueFd fd;
};

class Client {
 public:
  explicit Client(UniqueFd sock) : sock_(std::move(sock)) {}
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Sends `request` (its seq is assigned here) and waits for the reply.
  // A reply with status -E gives error E; a broken channel or a malformed,
  // out-of-order or mismatched reply gives EIO and breaks the client.
  // Requests that would not encode give their encoder errno (ENAMETOOLONG,
  // EINVAL) and leave the client working.
  Result<Answer, int> call(Request request);

  bool broken() const { return broken_; }

 private:
  Result<Answer, int> fail();

  UniqueFd sock_;
  uint32_t seq_ = 0;
  bool broken_ = false;
  uint8_t buffer_[kMaxMessage];
};

}  // namespace capbox::broker
