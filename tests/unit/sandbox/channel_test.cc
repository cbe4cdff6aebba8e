// SPDX-License-Identifier: Apache-2.0
// broker/channel.h over a real socketpair: a message and its descriptor
// arrive close-on-exec; too many descriptors, oversized datagrams and a
// closed peer are errors, and nothing received is leaked.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "broker/channel.h"

namespace capbox::broker {
namespace {

struct Pair {
  UniqueFd a, b;
  Pair() { REQUIRE(make_socket_pair(a, b) == 0); }
};

// Sends `count` copies of `fd` with one byte, by hand.
void send_fds(int sock, int fd, int count) {
  std::vector<int> fds(count, fd);
  char byte = 'x';
  struct iovec iov = {&byte, 1};
  std::vector<char> control(CMSG_SPACE(sizeof(int) * count));
  struct msghdr msg {};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control.data();
  msg.msg_controllen = control.size();
  struct cmsghdr* c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int) * count);
  std::memcpy(CMSG_DATA(c), fds.data(), sizeof(int) * count);
  REQUIRE(::sendmsg(sock, &msg, 0) == 1);
}

int open_fd_count() {
  int n = 0;
  for (int fd = 0; fd < 1024; ++fd)
    n += ::fcntl(fd, F_GETFD) >= 0 ? 1 : 0;
  return n;
}

TEST_CASE("a message and its descriptor arrive, the descriptor cloexec") {
  Pair p;
  UniqueFd file(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  const uint8_t data[] = {1, 2, 3};
  REQUIRE(send_message(p.a.get(), data, file.get()).has_value());
  uint8_t buffer[16];
  auto got = receive_message(p.b.get(), buffer);
  REQUIRE(got.has_value());
  CHECK(got->size == 3);
  CHECK(buffer[2] == 3);
  REQUIRE(got->fd.valid());
  CHECK(got->fd.get() != file.get());
  CHECK((::fcntl(got->fd.get(), F_GETFD) & FD_CLOEXEC) != 0);
  struct stat x {
  }, y{};
  ::fstat(file.get(), &x);
  ::fstat(got->fd.get(), &y);
  CHECK(x.st_ino == y.st_ino);

  REQUIRE(send_message(p.a.get(), data).has_value());
  got = receive_message(p.b.get(), buffer);
  REQUIRE(got.has_value());
  CHECK(!got->fd.valid());
}

TEST_CASE("more than one descriptor is an error and all are closed") {
  Pair p;
  UniqueFd file(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  int before = open_fd_count();
  for (int count : {2, 8, 20}) {
    send_fds(p.a.get(), file.get(), count);
    uint8_t buffer[16];
    auto got = receive_message(p.b.get(), buffer);
    REQUIRE(!got.has_value());
    CHECK(got.error() == EPROTO);
    CHECK(open_fd_count() == before);
  }
}

TEST_CASE("an oversized datagram is EMSGSIZE, its descriptor closed") {
  Pair p;
  UniqueFd file(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  int before = open_fd_count();
  std::vector<uint8_t> big(64, 7);
  REQUIRE(send_message(p.a.get(), big, file.get()).has_value());
  uint8_t buffer[16];
  auto got = receive_message(p.b.get(), buffer);
  REQUIRE(!got.has_value());
  CHECK(got.error() == EMSGSIZE);
  CHECK(open_fd_count() == before);
}

TEST_CASE("a closed peer is ECONNRESET to the receiver, EPIPE to a sender") {
  Pair p;
  p.a.reset();
  uint8_t buffer[16];
  auto got = receive_message(p.b.get(), buffer);
  REQUIRE(!got.has_value());
  CHECK(got.error() == ECONNRESET);
  const uint8_t data[] = {1};
  auto sent = send_message(p.b.get(), data);
  REQUIRE(!sent.has_value());
  CHECK(sent.error() == EPIPE);
}

}  // namespace
}  // namespace capbox::broker
