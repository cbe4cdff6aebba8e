// SPDX-License-Identifier: Apache-2.0
// proc_exit and proc_raise; listen_tcp (the CLI's -S tcplisten helper);
// sock_accept, sock_recv, sock_send and sock_shutdown over loopback TCP,
// with the listener handed to a Context the way the CLI does.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <string>
#include <thread>

#include "cli/listen.h"
#include "tests/unit/wasi/wasi_fixture.h"

namespace capbox::wasi {
namespace {

using testing::errno_of;
using testing::WasiFixture;
namespace p1 = preview1;

TEST_CASE("proc_exit: an Exit trap carrying the status") {
  WasiFixture f;
  Call call = f.call();
  engine::Trap trap = p1::proc_exit(call, 7);
  CHECK(trap.kind == engine::TrapKind::Exit);
  CHECK(trap.exit_code == 7);
  CHECK(trap.message.empty());
  CHECK(p1::proc_exit(call, 0).exit_code == 0);
  CHECK(p1::proc_exit(call, 200).exit_code == 200);
  CHECK(p1::proc_exit(call, 0xFFFFFFFF).exit_code == -1);
}

TEST_CASE("proc_raise: none, unknown, ignored and stop signals") {
  WasiFixture f;
  Call call = f.call();
  CHECK(errno_of(p1::proc_raise(call, 0)) == Errno::Success);
  CHECK(errno_of(p1::proc_raise(call, 31)) == Errno::Inval);
  CHECK(errno_of(p1::proc_raise(call, 255)) == Errno::Inval);
  CHECK(errno_of(p1::proc_raise(call, 0xFFFFFFFF)) == Errno::Inval);
  // CHLD, CONT, STOP, TSTP, TTIN, TTOU, URG, WINCH.
  for (uint32_t sig : {16u, 17u, 18u, 19u, 20u, 21u, 22u, 27u}) {
    CAPTURE(sig);
    CHECK(errno_of(p1::proc_raise(call, sig)) == Errno::Success);
  }
}

TEST_CASE("proc_raise: terminating signals end the guest as 128 + N") {
  WasiFixture f;
  Call call = f.call();
  struct Case {
    uint32_t wasi;
    int host;
    const char* name;
  };
  const Case cases[] = {
      {1, SIGHUP, "SIGHUP"},    {2, SIGINT, "SIGINT"},
      {3, SIGQUIT, "SIGQUIT"},  {4, SIGILL, "SIGILL"},
      {5, SIGTRAP, "SIGTRAP"},  {6, SIGABRT, "SIGABRT"},
      {7, SIGBUS, "SIGBUS"},    {8, SIGFPE, "SIGFPE"},
      {9, SIGKILL, "SIGKILL"},  {10, SIGUSR1, "SIGUSR1"},
      {11, SIGSEGV, "SIGSEGV"}, {12, SIGUSR2, "SIGUSR2"},
      {13, SIGPIPE, "SIGPIPE"}, {14, SIGALRM, "SIGALRM"},
      {15, SIGTERM, "SIGTERM"}, {23, SIGXCPU, "SIGXCPU"},
      {24, SIGXFSZ, "SIGXFSZ"}, {25, SIGVTALRM, "SIGVTALRM"},
      {26, SIGPROF, "SIGPROF"}, {28, SIGPOLL, "SIGPOLL"},
      {29, SIGPWR, "SIGPWR"},   {30, SIGSYS, "SIGSYS"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.wasi);
    const Ret r = p1::proc_raise(call, c.wasi);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().kind == engine::TrapKind::Exit);
    CHECK(r.error().exit_code == 128 + c.host);
    CHECK(r.error().message == std::string("guest raised ") + c.name);
  }
  CHECK(p1::proc_raise(call, 15).error().exit_code == 143);
  CHECK(p1::proc_raise(call, 9).error().exit_code == 137);
}

uint16_t port_of(int fd) {
  sockaddr_storage addr{};
  socklen_t len = sizeof addr;
  REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
  if (addr.ss_family == AF_INET6)
    return ntohs(reinterpret_cast<sockaddr_in6*>(&addr)->sin6_port);
  return ntohs(reinterpret_cast<sockaddr_in*>(&addr)->sin_port);
}

TEST_CASE("listen_tcp: numeric addresses, a listening cloexec socket") {
  auto fd = cli::listen_tcp("127.0.0.1:0");
  REQUIRE(fd.has_value());
  CHECK(port_of(fd->get()) != 0);
  CHECK((::fcntl(fd->get(), F_GETFD) & FD_CLOEXEC) != 0);
  int listening = 0;
  socklen_t len = sizeof listening;
  REQUIRE(::getsockopt(fd->get(), SOL_SOCKET, SO_ACCEPTCONN, &listening,
                       &len) == 0);
  CHECK(listening == 1);
  int reuse = 0;
  REQUIRE(::getsockopt(fd->get(), SOL_SOCKET, SO_REUSEADDR, &reuse, &len) == 0);
  CHECK(reuse != 0);

  auto local = cli::listen_tcp("localhost:0");
  REQUIRE(local.has_value());
  sockaddr_in addr{};
  socklen_t alen = sizeof addr;
  REQUIRE(::getsockname(local->get(), reinterpret_cast<sockaddr*>(&addr),
                        &alen) == 0);
  CHECK(addr.sin_family == AF_INET);
  CHECK(ntohl(addr.sin_addr.s_addr) == INADDR_LOOPBACK);

  // IPv6 may be off on the host; when it works it is IPv6 only.
  auto v6 = cli::listen_tcp("[::1]:0");
  if (v6) {
    int only = 0;
    REQUIRE(::getsockopt(v6->get(), IPPROTO_IPV6, IPV6_V6ONLY, &only, &len) ==
            0);
    CHECK(only == 1);
  } else {
    MESSAGE("no IPv6 loopback: " << v6.error());
  }
}

TEST_CASE("listen_tcp: one-line errors naming the spec") {
  auto expect = [](const char* spec, const std::string& reason) {
    auto fd = cli::listen_tcp(spec);
    REQUIRE_FALSE(fd.has_value());
    CHECK(fd.error() ==
          "cannot listen on " + std::string(spec) + ": " + reason);
  };
  expect("8080", "expected ADDR:PORT, such as 127.0.0.1:8080");
  expect("", "expected ADDR:PORT, such as 127.0.0.1:8080");
  expect("[::1]8080", "expected [IPv6]:PORT, such as [::1]:8080");
  expect("::1:8080", "an IPv6 address needs brackets, such as [::1]:8080");
  expect(":8080",
         "no address before the port (0.0.0.0 means every IPv4 address)");
  expect("example.com:80", "'example.com' is not a numeric IPv4 address");
  expect("127.1:80", "'127.1' is not a numeric IPv4 address");
  expect("[example.com]:80", "'example.com' is not a numeric IPv6 address");
  expect("127.0.0.1:", "bad port '' (expected 0 to 65535)");
  expect("127.0.0.1:65536", "bad port '65536' (expected 0 to 65535)");
  expect("127.0.0.1:http", "bad port 'http' (expected 0 to 65535)");
  expect("127.0.0.1:-1", "bad port '-1' (expected 0 to 65535)");

  auto taken = cli::listen_tcp("127.0.0.1:0");
  REQUIRE(taken.has_value());
  const std::string spec = "127.0.0.1:" + std::to_string(port_of(taken->get()));
  expect(spec.c_str(), "Address already in use");
}

// A Context whose fd 3 is a listener made by listen_tcp, as the CLI builds
// it, and a byte buffer for guest memory.
class SockFixture {
 public:
  static constexpr uint32_t kListener = 3;

  SockFixture() : memory_(65536) {
    auto fd = cli::listen_tcp("127.0.0.1:0");
    REQUIRE(fd.has_value());
    port_ = port_of(fd->get());
    std::vector<Listener> listeners;
    listeners.push_back(Listener{std::move(*fd)});
    ctx_ = std::make_unique<Context>(
        ContextOptions{}, fs_, std::vector<Preopen>{}, std::move(listeners));
  }

  Call call() {
    return Call{*ctx_,
                Guest(engine::GuestMemory(memory_.data(), memory_.size())),
                Abi::Preview1};
  }
  Context& ctx() { return *ctx_; }
  uint8_t* mem() { return memory_.data(); }
  uint32_t mem_size() const { return static_cast<uint32_t>(memory_.size()); }
  template <typename T>
  T get(uint32_t ptr) const {
    T value;
    std::memcpy(&value, memory_.data() + ptr, sizeof(T));
    return value;
  }
  template <typename T>
  void set(uint32_t ptr, T value) {
    std::memcpy(memory_.data() + ptr, &value, sizeof(T));
  }
  std::string str(uint32_t ptr, size_t len) const {
    return std::string(reinterpret_cast<const char*>(memory_.data() + ptr),
                       len);
  }
  // One iovec at `at` pointing at `buf`, `len` bytes.
  void iovec_at(uint32_t at, uint32_t buf, uint32_t len) {
    set<uint32_t>(at, buf);
    set<uint32_t>(at + 4, len);
  }

  // A host-side client connected to the listener.
  UniqueFd connect() {
    UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    REQUIRE(fd.valid());
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port_);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr),
                      sizeof addr) == 0);
    return fd;
  }
  // connect() and sock_accept: the client and the guest's fd.
  std::pair<UniqueFd, uint32_t> accepted(uint32_t flags = 0) {
    UniqueFd client = connect();
    Call c = call();
    REQUIRE(errno_of(p1::sock_accept(c, kListener, flags, 16)) ==
            Errno::Success);
    return {std::move(client), get<uint32_t>(16)};
  }
  int host_fd(uint32_t fd) { return (*ctx_->fds().get(fd, 0))->fd.get(); }

 private:
  DirectFs fs_;
  std::vector<uint8_t> memory_;
  std::unique_ptr<Context> ctx_;
  uint16_t port_ = 0;
};

bool host_readable(int fd) {
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, 0) == 1 && (p.revents & POLLIN);
}

TEST_CASE("sock_accept: the connection gets the listener's inheriting rights") {
  SockFixture f;
  auto [client, conn] = f.accepted();
  CHECK(conn != SockFixture::kListener);
  FdEntry* listener = *f.ctx().fds().get(SockFixture::kListener, 0);
  FdEntry* entry = *f.ctx().fds().get(conn, 0);
  CHECK(entry->type == Filetype::SocketStream);
  CHECK(entry->base == listener->inheriting);
  CHECK(entry->inheriting == listener->inheriting);
  CHECK((::fcntl(entry->fd.get(), F_GETFD) & FD_CLOEXEC) != 0);
  CHECK((::fcntl(entry->fd.get(), F_GETFL) & O_NONBLOCK) == 0);

  Call call = f.call();
  // A connection cannot accept; a listener cannot be read or written.
  CHECK(errno_of(p1::sock_accept(call, conn, 0, 16)) == Errno::Notcapable);
  f.iovec_at(200, 300, 8);
  CHECK(errno_of(p1::sock_recv(call, SockFixture::kListener, 200, 1, 0, 500,
                               504)) == Errno::Notcapable);
  CHECK(errno_of(p1::sock_send(call, SockFixture::kListener, 200, 1, 0, 500)) ==
        Errno::Notcapable);
  CHECK(errno_of(p1::sock_shutdown(call, SockFixture::kListener, kSdflagRd)) ==
        Errno::Notcapable);
  CHECK(errno_of(p1::sock_accept(call, 99, 0, 16)) == Errno::Badf);
  CHECK(errno_of(p1::sock_recv(call, 99, 200, 1, 0, 500, 504)) == Errno::Badf);
  CHECK(errno_of(p1::sock_send(call, 99, 200, 1, 0, 500)) == Errno::Badf);
  CHECK(errno_of(p1::sock_shutdown(call, 99, kSdflagRd)) == Errno::Badf);
}

TEST_CASE(
    "sock_accept: flags, nonblocking, and a bad pointer accepts nothing") {
  SockFixture f;
  Call call = f.call();
  UniqueFd client = f.connect();
  CHECK(errno_of(p1::sock_accept(call, SockFixture::kListener, fdflag::kAppend,
                                 16)) == Errno::Inval);
  CHECK(errno_of(p1::sock_accept(call, SockFixture::kListener,
                                 fdflag::kNonblock | fdflag::kSync, 16)) ==
        Errno::Inval);
  const size_t before = f.ctx().fds().size();
  CHECK(errno_of(p1::sock_accept(call, SockFixture::kListener, 0,
                                 f.mem_size() - 2)) == Errno::Fault);
  CHECK(f.ctx().fds().size() == before);
  // Still pending on the listener.
  CHECK(host_readable(f.host_fd(SockFixture::kListener)));

  REQUIRE(errno_of(p1::sock_accept(call, SockFixture::kListener,
                                   fdflag::kNonblock, 16)) == Errno::Success);
  const uint32_t conn = f.get<uint32_t>(16);
  CHECK(f.ctx().fds().size() == before + 1);
  CHECK((::fcntl(f.host_fd(conn), F_GETFL) & O_NONBLOCK) != 0);
  f.iovec_at(200, 300, 8);
  CHECK(errno_of(p1::sock_recv(call, conn, 200, 1, 0, 500, 504)) ==
        Errno::Again);
}

TEST_CASE("sock_recv: scatter, peek, waitall") {
  SockFixture f;
  auto [client, conn] = f.accepted();
  Call call = f.call();
  REQUIRE(::send(client.get(), "hello world", 11, 0) == 11);
  f.iovec_at(200, 300, 5);
  f.iovec_at(208, 400, 100);
  f.set<uint16_t>(504, 0xFFFF);
  REQUIRE(errno_of(p1::sock_recv(call, conn, 200, 2, 0, 500, 504)) ==
          Errno::Success);
  CHECK(f.get<uint32_t>(500) == 11);
  CHECK(f.get<uint16_t>(504) == 0);
  CHECK(f.str(300, 5) == "hello");
  CHECK(f.str(400, 6) == " world");

  REQUIRE(::send(client.get(), "peek", 4, 0) == 4);
  REQUIRE(errno_of(p1::sock_recv(call, conn, 208, 1, kRiflagRecvPeek, 500,
                                 504)) == Errno::Success);
  CHECK(f.get<uint32_t>(500) == 4);
  CHECK(host_readable(f.host_fd(conn)));
  std::memset(f.mem() + 400, 0, 8);
  REQUIRE(errno_of(p1::sock_recv(call, conn, 208, 1, 0, 500, 504)) ==
          Errno::Success);
  CHECK(f.get<uint32_t>(500) == 4);
  CHECK(f.str(400, 4) == "peek");
  CHECK_FALSE(host_readable(f.host_fd(conn)));

  // WAITALL: the second half arrives later and is still collected.
  REQUIRE(::send(client.get(), "abc", 3, 0) == 3);
  std::thread late([fd = client.get()] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    REQUIRE(::send(fd, "def", 3, 0) == 3);
  });
  f.iovec_at(200, 300, 6);
  const Ret r = p1::sock_recv(call, conn, 200, 1, kRiflagRecvWaitall, 500, 504);
  late.join();
  REQUIRE(errno_of(r) == Errno::Success);
  CHECK(f.get<uint32_t>(500) == 6);
  CHECK(f.str(300, 6) == "abcdef");

  CHECK(errno_of(p1::sock_recv(call, conn, 200, 1, 4, 500, 504)) ==
        Errno::Inval);
}

TEST_CASE("sock_recv: bad pointers fail before any data is taken") {
  SockFixture f;
  auto [client, conn] = f.accepted();
  Call call = f.call();
  REQUIRE(::send(client.get(), "data", 4, 0) == 4);
  f.iovec_at(200, f.mem_size() - 2, 4);  // buffer runs off the end
  CHECK(errno_of(p1::sock_recv(call, conn, 200, 1, 0, 500, 504)) ==
        Errno::Fault);
  CHECK(errno_of(p1::sock_recv(call, conn, f.mem_size() - 4, 1, 0, 500, 504)) ==
        Errno::Fault);
  f.iovec_at(200, 300, 4);
  CHECK(errno_of(p1::sock_recv(call, conn, 200, 1, 0, f.mem_size() - 3, 504)) ==
        Errno::Fault);
  CHECK(errno_of(p1::sock_recv(call, conn, 200, 1, 0, 500, f.mem_size() - 1)) ==
        Errno::Fault);
  CHECK(host_readable(f.host_fd(conn)));
  REQUIRE(errno_of(p1::sock_recv(call, conn, 200, 1, 0, 500, 504)) ==
          Errno::Success);
  CHECK(f.str(300, 4) == "data");
}

TEST_CASE("sock_send: gathers, MSG_NOSIGNAL, flags and pointers") {
  SockFixture f;
  auto [client, conn] = f.accepted();
  Call call = f.call();
  std::memcpy(f.mem() + 300, "foo", 3);
  std::memcpy(f.mem() + 400, "bar!", 4);
  f.iovec_at(200, 300, 3);
  f.iovec_at(208, 400, 4);
  CHECK(errno_of(p1::sock_send(call, conn, 200, 2, 1, 500)) == Errno::Inval);
  CHECK(errno_of(p1::sock_send(call, conn, 200, 2, 0, f.mem_size() - 1)) ==
        Errno::Fault);
  CHECK_FALSE(host_readable(client.get()));  // nothing went out
  REQUIRE(errno_of(p1::sock_send(call, conn, 200, 2, 0, 500)) ==
          Errno::Success);
  CHECK(f.get<uint32_t>(500) == 7);
  char buf[16] = {};
  REQUIRE(::recv(client.get(), buf, sizeof buf, 0) == 7);
  CHECK(std::string(buf, 7) == "foobar!");

  // The peer goes away: sending fails with an errno, and this process is
  // not killed by SIGPIPE.
  client.reset();
  Errno last = Errno::Success;
  for (int i = 0; i < 50 && last == Errno::Success; ++i) {
    last = errno_of(p1::sock_send(call, conn, 200, 2, 0, 500));
    if (last == Errno::Success)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  CHECK((last == Errno::Pipe || last == Errno::Connreset));
}

TEST_CASE("sock_shutdown: directions, bad values") {
  SockFixture f;
  auto [client, conn] = f.accepted();
  Call call = f.call();
  for (uint32_t how : {0u, 4u, 7u, 0xFFFFFFFFu}) {
    CAPTURE(how);
    CHECK(errno_of(p1::sock_shutdown(call, conn, how)) == Errno::Inval);
  }
  REQUIRE(errno_of(p1::sock_shutdown(call, conn, kSdflagWr)) == Errno::Success);
  char buf[4];
  CHECK(::recv(client.get(), buf, sizeof buf, 0) == 0);  // EOF
  REQUIRE(errno_of(p1::sock_shutdown(call, conn, kSdflagRd)) == Errno::Success);
  f.iovec_at(200, 300, 4);
  REQUIRE(errno_of(p1::sock_recv(call, conn, 200, 1, 0, 500, 504)) ==
          Errno::Success);
  CHECK(f.get<uint32_t>(500) == 0);

  auto [client2, conn2] = f.accepted();
  REQUIRE(errno_of(p1::sock_shutdown(call, conn2, kSdflagRd | kSdflagWr)) ==
          Errno::Success);
  CHECK(::recv(client2.get(), buf, sizeof buf, 0) == 0);
}

TEST_CASE("sock_*: descriptors that are not sockets are Notsock") {
  WasiFixture f;  // fd 3: a directory with every right
  Call call = f.call();
  f.set<uint32_t>(200, 300);
  f.set<uint32_t>(204, 4);
  CHECK(errno_of(p1::sock_accept(call, 3, 0, 16)) == Errno::Notsock);
  CHECK(errno_of(p1::sock_recv(call, 3, 200, 1, 0, 500, 504)) ==
        Errno::Notsock);
  CHECK(errno_of(p1::sock_send(call, 3, 200, 1, 0, 500)) == Errno::Notsock);
  CHECK(errno_of(p1::sock_shutdown(call, 3, kSdflagWr)) == Errno::Notsock);
  int fds[2];
  REQUIRE(::pipe2(fds, O_CLOEXEC) == 0);
  ::close(fds[1]);
  FdEntry entry;
  entry.fd = UniqueFd(fds[0]);
  entry.base = {right::kAll};
  const uint32_t pipe = *f.ctx().fds().insert(std::move(entry));
  CHECK(errno_of(p1::sock_recv(call, pipe, 200, 1, 0, 500, 504)) ==
        Errno::Notsock);
}

TEST_CASE("poll_oneoff on sockets: a pending connection, queued bytes") {
  SockFixture f;
  Call call = f.call();
  auto put_sub = [&](uint32_t at, uint64_t userdata, uint32_t fd) {
    std::memset(f.mem() + at, 0, layout::kSubscriptionSize);
    f.set<uint64_t>(at, userdata);
    f.set<uint8_t>(at + 8, static_cast<uint8_t>(EventType::FdRead));
    f.set<uint32_t>(at + 16, fd);
  };
  // A 5 s clock keeps a broken poll from hanging the test.
  std::memset(f.mem() + 1048, 0, layout::kSubscriptionSize);
  f.set<uint64_t>(1048, 99);
  f.set<uint32_t>(1048 + 16, static_cast<uint32_t>(ClockId::Monotonic));
  f.set<uint64_t>(1048 + 24, 5'000'000'000);
  UniqueFd client = f.connect();
  put_sub(1000, 1, SockFixture::kListener);
  REQUIRE(errno_of(p1::poll_oneoff(call, 1000, 2000, 2, 3000)) ==
          Errno::Success);
  CHECK(f.get<uint32_t>(3000) == 1);
  CHECK(f.get<uint64_t>(2000) == 1);
  CHECK(f.get<uint16_t>(2008) == 0);

  REQUIRE(errno_of(p1::sock_accept(call, SockFixture::kListener, 0, 16)) ==
          Errno::Success);
  const uint32_t conn = f.get<uint32_t>(16);
  REQUIRE(::send(client.get(), "12345", 5, 0) == 5);
  put_sub(1000, 2, conn);
  REQUIRE(errno_of(p1::poll_oneoff(call, 1000, 2000, 2, 3000)) ==
          Errno::Success);
  CHECK(f.get<uint32_t>(3000) == 1);
  CHECK(f.get<uint64_t>(2000) == 2);
  CHECK(f.get<uint64_t>(2016) == 5);
}

}  // namespace
}  // namespace capbox::wasi
