// SPDX-License-Identifier: Apache-2.0
// A fake compromised child writing raw bytes to the broker socket:
// malformed, truncated, oversized and out-of-order messages, descriptors
// sent to the host, and handles the host never issued or already closed.
// Each must stop the host with "child misbehaved: WHY", leak nothing and
// leave this process (standing in for the supervisor) running; receive
// timeouts turn a hang into a failure.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <string>
#include <vector>

#include "broker/message.h"
#include "tests/unit/sandbox/broker_fixture.h"

namespace capbox::sandbox {
namespace {

using broker::Op;
using Bytes = std::vector<uint8_t>;

Bytes request(Op op,
              uint32_t seq,
              uint32_t dir = 0,
              const char* path = "",
              uint32_t dir2 = 0,
              const char* path2 = "") {
  broker::Request r;
  r.op = op;
  r.seq = seq;
  r.fields.dir = dir;
  r.fields.dir2 = dir2;
  r.path = path;
  r.path2 = path2;
  Bytes out(broker::kMaxMessage);
  auto size = broker::encode_request(r, out);
  REQUIRE(size.has_value());
  out.resize(*size);
  return out;
}

Bytes hello() {
  return request(Op::Hello, 1);
}

// Sends `bytes` and reads the reply, which must be well formed.
broker::ReplyFields exchange(int sock, const Bytes& bytes) {
  REQUIRE(broker::send_message(sock, bytes).has_value());
  uint8_t buffer[broker::kMaxMessage];
  auto got = broker::receive_message(sock, buffer);
  REQUIRE(got.has_value());
  auto reply = broker::decode_reply(std::span(buffer, got->size));
  REQUIRE(reply.has_value());
  return reply->fields;
}

int open_fd_count() {
  int n = 0;
  for (int fd = 0; fd < 1024; ++fd)
    n += ::fcntl(fd, F_GETFD) >= 0 ? 1 : 0;
  return n;
}

struct Case {
  const char* name;
  std::vector<Bytes> accepted;  // answered normally first
  Bytes bad;
  const char* why;
};

std::vector<Case> cases() {
  Bytes good_stat = request(Op::Stat, 3, 1, "x");
  Bytes bad_version = good_stat;
  bad_version[4] = 9;
  Bytes nul = request(Op::Stat, 3, 1, "ab");
  nul.back() = 0;
  Bytes lying = good_stat;
  lying.pop_back();
  Bytes h = hello();
  std::vector<Bytes> started = {hello(), request(Op::Preopen, 2, 0)};
  return {
      {"garbage", {}, Bytes(100, 0xab), "bad magic"},
      {"truncated header",
       {},
       Bytes(h.begin(), h.begin() + 5),
       "truncated header"},
      {"truncated fields",
       {},
       Bytes(h.begin(), h.begin() + 40),
       "payload length does not match"},
      {"oversized",
       {},
       Bytes(broker::kMaxMessage + 1, 0),
       "an oversized message"},
      {"bad version", started, bad_version, "unsupported protocol version"},
      {"NUL in a path", started, nul, "NUL byte in a path"},
      {"length that lies", started, lying, "payload length does not match"},
      {"request before hello",
       {},
       request(Op::Stat, 1, 1, "x"),
       "a request before hello"},
      {"sequence skipped",
       {hello()},
       request(Op::Preopen, 5, 0),
       "sequence number out of order"},
      {"sequence replayed",
       {hello()},
       request(Op::Preopen, 1, 0),
       "sequence number out of order"},
      {"second hello", {hello()}, request(Op::Hello, 2), "a second hello"},
      {"preopen out of order",
       {hello()},
       request(Op::Preopen, 2, 1),
       "preopens asked out of order"},
      {"preopen after start-up",
       {hello(), request(Op::Preopen, 2, 0), request(Op::Stat, 3, 1, "x")},
       request(Op::Preopen, 4, 1),
       "a preopen request after start-up"},
      {"foreign handle", started, request(Op::Stat, 3, 77, "x"),
       "a directory handle the host did not issue"},
      {"handle zero", started, request(Op::Mkdir, 3, 0, "x"),
       "a directory handle the host did not issue"},
      {"foreign second handle", started,
       request(Op::Rename, 3, 1, "a", 0xffffffff, "b"),
       "a directory handle the host did not issue"},
      {"closed handle",
       {hello(), request(Op::Preopen, 2, 0), request(Op::CloseDir, 3, 1)},
       request(Op::Stat, 4, 1, "x"),
       "a directory handle the host did not issue"},
  };
}

TEST_CASE("malformed and out-of-order messages stop the host by name") {
  for (const Case& c : cases()) {
    CAPTURE(c.name);
    int before = open_fd_count();
    {
      testing::ServedHost host;
      for (const Bytes& bytes : c.accepted)
        exchange(host.child(), bytes);
      REQUIRE(broker::send_message(host.child(), c.bad).has_value());
      const ServeResult& result = host.finish();
      CHECK(result.status == ServeStatus::Misbehaved);
      CHECK(result.why.find("child misbehaved: ") == 0);
      CHECK(result.why.find(c.why) != std::string::npos);
    }
    CHECK(open_fd_count() == before);
  }
}

TEST_CASE("descriptors sent to the host are refused and closed") {
  UniqueFd file(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  int before = open_fd_count();
  {
    testing::ServedHost host;
    REQUIRE(broker::send_message(host.child(), hello(), file.get()));
    const ServeResult& result = host.finish();
    CHECK(result.status == ServeStatus::Misbehaved);
    CHECK(result.why == "child misbehaved: a descriptor sent to the host");
  }
  CHECK(open_fd_count() == before);
}

TEST_CASE("a misbehaving child's requests after the first are not read") {
  testing::ServedHost host;
  REQUIRE(broker::send_message(host.child(), Bytes(3, 0)).has_value());
  REQUIRE(broker::send_message(host.child(), hello()).has_value());
  CHECK(host.finish().why == "child misbehaved: truncated header");
}

TEST_CASE("a child that never reads its replies cannot block the host") {
  testing::ServedHost host;
  exchange(host.child(), hello());
  exchange(host.child(), request(Op::Preopen, 2, 0));
  // Listing past the last preopen is an honest ENOENT, again and again.
  int refused = 0;
  for (uint32_t seq = 3; seq < 20000 && refused < 50; ++seq) {
    Bytes bytes = request(Op::Preopen, seq, 1);
    while (!broker::send_message(host.child(), bytes, -1, MSG_DONTWAIT)) {
      if (++refused >= 50)
        break;
      ::usleep(2000);
    }
  }
  CHECK(refused >= 50);  // the host stopped reading
  const ServeResult& result = host.finish();
  CHECK(result.status == ServeStatus::Misbehaved);
  CHECK(result.why == "child misbehaved: replies left unread");
}

TEST_CASE("a child that goes away ends the service quietly") {
  testing::ServedHost host;
  exchange(host.child(), hello());
  CHECK(host.finish().status == ServeStatus::ChildClosed);
}

TEST_CASE("a well-behaved start-up lists the grant, then ENOENT") {
  testing::ServedHost host;
  CHECK(exchange(host.child(), hello()).status == 0);
  auto first = exchange(host.child(), request(Op::Preopen, 2, 0));
  CHECK(first.status == 0);
  CHECK(first.handle != 0);
  CHECK(exchange(host.child(), request(Op::Preopen, 3, 1)).status == -ENOENT);
  CHECK(host.finish().status == ServeStatus::ChildClosed);
}

}  // namespace
}  // namespace capbox::sandbox
