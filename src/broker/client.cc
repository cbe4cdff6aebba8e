// SPDX-License-Identifier: Apache-2.0
// The broker client's one round trip. The reply must echo the request's op
// and seq, and carry a descriptor exactly when it says so; anything else
// means the stream can no longer be trusted. Depends on channel.h and
// message.h.
#include "broker/client.h"

#include <cerrno>

#include "broker/channel.h"

namespace capbox::broker {

Result<Answer, int> Client::fail() {
  broken_ = true;
  sock_.reset();
  return Unexpected(EIO);
}

Result<Answer, int> Client::call(Request request) {
  if (broken_)
    return Unexpected(EIO);
  request.seq = seq_ + 1;
  auto size = encode_request(request, buffer_);
  if (!size)
    return Unexpected(size.error());
  seq_ = request.seq;
  if (!send_message(sock_.get(), std::span(buffer_, *size)))
    return fail();
  auto received = receive_message(sock_.get(), buffer_);
  if (!received)
    return fail();
  auto reply = decode_reply(std::span(buffer_, received->size));
  if (!reply || reply->op != request.op || reply->seq != request.seq)
    return fail();
  bool fd_expected = (reply->fields.flags & kReplyFd) != 0;
  if (fd_expected != received->fd.valid())
    return fail();
  if (reply->fields.status < 0)
    return Unexpected(-reply->fields.status);
  Answer answer;
  answer.fields = reply->fields;
  answer.data = reply->data;
  answer.fd = std::move(received->fd);
  return answer;
}

}  // namespace capbox::broker
