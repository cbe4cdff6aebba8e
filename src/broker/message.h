// SPDX-License-Identifier: Apache-2.0
// Encoding and validating protocol.h messages. Decoders trust no byte: a
// message is accepted only if its header, lengths, op, flags, unused
// fields and paths are all exactly as protocol.h says; otherwise the error
// is a static string naming what was wrong (the supervisor's reason for
// ending the child). Exception-free, no allocation. Depends on protocol.h.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "base/result.h"
#include "broker/protocol.h"

namespace capbox::broker {

// A request, its paths viewing the buffer it was decoded from.
struct Request {
  Op op = Op::Hello;
  uint32_t seq = 0;
  RequestFields fields{};
  std::string_view path;
  std::string_view path2;
};

// A reply, its data viewing the buffer it was decoded from.
struct Reply {
  Op op = Op::Hello;
  uint32_t seq = 0;
  ReplyFields fields{};
  std::string_view data;
};

// The op's name for messages ("open", "rename"), or "unknown".
const char* op_name(Op op);

// Writes `request` (its path lengths taken from the views) into `out` and
// returns the message's size. EINVAL if the request would not decode
// (a field the op does not take, a NUL in a path), ENAMETOOLONG if a path
// is longer than kMaxPath, ENOBUFS if `out` is too small.
Result<size_t, int> encode_request(const Request& request,
                                   std::span<uint8_t> out);
Result<Request, const char*> decode_request(std::span<const uint8_t> in);

// As encode_request, for replies: the data length comes from the view.
Result<size_t, int> encode_reply(const Reply& reply, std::span<uint8_t> out);
Result<Reply, const char*> decode_reply(std::span<const uint8_t> in);

}  // namespace capbox::broker
