// SPDX-License-Identifier: Apache-2.0
// The run's limits in the WASI layer (ContextOptions::open_files, output,
// file_output): writes stop at exactly the limit and end the run with a
// trap naming it, stdio is followed by its table entry rather than its
// number, file writes add up across files, and opening past the
// open-files limit is EMFILE with one notice. Host stdio is swapped for a
// pipe, file or socket only while the context is built, as the CLI's own
// stdio is what a real context copies.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "tests/unit/wasi/fd_test_util.h"

namespace capbox::wasi {
namespace {

using namespace testing;
using namespace preview1;

constexpr uint64_t kRw =
    right::kFdRead | right::kFdWrite | right::kFdSeek | right::kFdTell;

// A fixture whose stdout (fd 1) is `host_stdout` instead of the test
// binary's: host fd 1 points at it only while the context copies it.
std::unique_ptr<WasiFixture> with_stdout(int host_stdout,
                                         ContextOptions options) {
  std::fflush(stdout);
  UniqueFd saved(::fcntl(1, F_DUPFD_CLOEXEC, 0));
  REQUIRE(saved.valid());
  REQUIRE(::dup2(host_stdout, 1) == 1);
  auto fx =
      std::make_unique<WasiFixture>(Rights{right::kAll}, Rights{right::kAll},
                                    Abi::Preview1, std::move(options));
  REQUIRE(::dup2(saved.get(), 1) == 1);
  return fx;
}

struct Pipe {
  UniqueFd read;
  UniqueFd write;
};

Pipe make_pipe() {
  int fds[2];
  REQUIRE(::pipe2(fds, O_CLOEXEC) == 0);
  return {UniqueFd(fds[0]), UniqueFd(fds[1])};
}

// Everything until every writer has closed.
std::string drain(const UniqueFd& fd) {
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(fd.get(), buf, sizeof buf)) > 0)
    out.append(buf, static_cast<size_t>(n));
  return out;
}

// fd_write (or fd_pwrite at `offset`) of `pieces`, one iovec each.
Ret write_pieces(WasiFixture& fx,
                 uint32_t fd,
                 const std::vector<std::string>& pieces,
                 int64_t offset = -1) {
  uint32_t at = kBuf;
  for (uint32_t i = 0; i < pieces.size(); ++i) {
    fx.put_string(at, pieces[i]);
    put_iovec(fx, i, at, static_cast<uint32_t>(pieces[i].size()));
    at += static_cast<uint32_t>(pieces[i].size());
  }
  Call c = fx.call();
  const auto count = static_cast<uint32_t>(pieces.size());
  if (offset >= 0)
    return fd_pwrite(c, fd, kIovs, count, static_cast<uint64_t>(offset), kOut);
  return fd_write(c, fd, kIovs, count, kOut);
}

Ret write_str(WasiFixture& fx,
              uint32_t fd,
              const std::string& s,
              int64_t offset = -1) {
  return write_pieces(fx, fd, {s}, offset);
}

// The trap a limit ends the run with, and its message.
std::string trap_message(const Ret& r) {
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().kind == engine::TrapKind::HostError);
  CHECK(r.error().describe() == r.error().message);
  return r.error().message;
}

ContextLimit limit(uint64_t max, std::string described) {
  return ContextLimit{max, std::move(described)};
}

TEST_CASE("output: a write past the limit writes what fits, then traps") {
  Pipe pipe = make_pipe();
  ContextOptions options;
  options.output = limit(10, "output limit of 10 bytes (app.toml:3:8)");
  auto fx = with_stdout(pipe.write.get(), std::move(options));
  pipe.write.reset();
  REQUIRE(errno_of(write_str(*fx, 1, "hello ")) == Errno::Success);
  CHECK(fx->get<uint32_t>(kOut) == 6);
  // 4 bytes fit: all of the first iovec and one byte of the second.
  fx->set<uint32_t>(kOut, 0xDEAD);
  Ret r = write_pieces(*fx, 1, {"wor", "ld!!"});
  CHECK(trap_message(r) == "output limit of 10 bytes (app.toml:3:8) reached");
  CHECK(fx->get<uint32_t>(kOut) == 0xDEAD);
  // Nothing more gets through, through any stdio stream.
  CHECK(trap_message(write_str(*fx, 1, "x")) ==
        "output limit of 10 bytes (app.toml:3:8) reached");
  CHECK_FALSE(write_str(*fx, 2, "to stderr").has_value());
  // An empty write moves nothing and is no reason to stop.
  CHECK(errno_of(write_str(*fx, 1, "")) == Errno::Success);
  fx.reset();  // closes the context's copy of the write end
  CHECK(drain(pipe.read) == "hello worl");
}

TEST_CASE("output: a write that ends exactly at the limit succeeds") {
  Pipe pipe = make_pipe();
  ContextOptions options;
  options.output = limit(5, "");
  auto fx = with_stdout(pipe.write.get(), std::move(options));
  pipe.write.reset();
  REQUIRE(errno_of(write_str(*fx, 1, "12345")) == Errno::Success);
  CHECK(fx->get<uint32_t>(kOut) == 5);
  // Undescribed limits still say which and how large.
  CHECK(trap_message(write_str(*fx, 1, "6")) ==
        "output limit of 5 bytes reached");
  fx.reset();
  CHECK(drain(pipe.read) == "12345");
}

TEST_CASE("output: stdout redirected to a file, fd_pwrite counts too") {
  TempDir tmp;
  UniqueFd file(::open((tmp / "out").c_str(),
                       O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  REQUIRE(file.valid());
  ContextOptions options;
  options.output = limit(10, "output limit (p.toml:1:1)");
  // file_output is for files the guest opens, not for redirected stdio.
  options.file_output = limit(1, "file-output limit (p.toml:2:1)");
  auto fx = with_stdout(file.get(), std::move(options));
  REQUIRE(errno_of(write_str(*fx, 1, "abcdef", 0)) == Errno::Success);
  Ret r = write_str(*fx, 1, "ghijkl", 6);
  CHECK(trap_message(r) == "output limit (p.toml:1:1) reached");
  CHECK(read_host(tmp / "out") == "abcdefghij");
}

TEST_CASE("output: no limit means none; other descriptors never count") {
  TempDir tmp;
  UniqueFd file(::open((tmp / "out").c_str(),
                       O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  REQUIRE(file.valid());
  ContextOptions options;
  options.file_output = limit(1, "file-output limit (p.toml:2:1)");
  auto fx = with_stdout(file.get(), std::move(options));
  const std::string chunk(60000, 'x');
  for (int i = 0; i < 20; ++i) {
    REQUIRE(errno_of(write_str(*fx, 1, chunk)) == Errno::Success);
    REQUIRE(fx->get<uint32_t>(kOut) == chunk.size());
  }
  CHECK(lstat_host(tmp / "out").st_size == 20 * 60000);
  // A pipe the guest holds that is not stdio is neither output nor a file.
  Pipe pipe = make_pipe();
  const uint32_t p =
      add_host_fd(*fx, pipe.write.release(), Filetype::Unknown, kRw);
  CHECK(errno_of(write_str(*fx, p, "unlimited")) == Errno::Success);
  CHECK(fx->get<uint32_t>(kOut) == 9);
}

TEST_CASE("output: stdout is followed by its entry, not its number") {
  Pipe pipe = make_pipe();
  ContextOptions options;
  options.output = limit(8, "output limit of 8 bytes");
  auto fx = with_stdout(pipe.write.get(), std::move(options));
  pipe.write.reset();
  Call c = fx->call();
  const uint32_t file = add_file(*fx, "f", O_RDWR | O_CREAT, kRw);
  // dup2(1, file) as wasi-libc does it, then close(1).
  REQUIRE(errno_of(fd_renumber(c, 1, file)) == Errno::Success);
  // Slot 1 is now an ordinary pipe: writes through it do not count.
  Pipe other = make_pipe();
  REQUIRE(add_host_fd(*fx, other.write.release(), Filetype::Unknown, kRw) == 1);
  CHECK(errno_of(write_str(*fx, 1, "not stdout, not counted")) ==
        Errno::Success);
  REQUIRE(errno_of(write_str(*fx, file, "12345")) == Errno::Success);
  CHECK(trap_message(write_str(*fx, file, "67890")) ==
        "output limit of 8 bytes reached");
  CHECK(read_host(fx->dir() / "f").empty());
  fx.reset();
  CHECK(drain(pipe.read) == "12345678");
}

TEST_CASE("output: sock_send through a stdio socket counts") {
  int pair[2];
  REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) == 0);
  UniqueFd ours(pair[0]);
  UniqueFd theirs(pair[1]);
  ContextOptions options;
  options.output = limit(4, "output limit of 4 bytes");
  auto fx = with_stdout(theirs.get(), std::move(options));
  theirs.reset();
  fx->put_string(kBuf, "abcdef");
  put_iovec(*fx, 0, kBuf, 6);
  Call c = fx->call();
  CHECK(trap_message(sock_send(c, 1, kIovs, 1, 0, kOut)) ==
        "output limit of 4 bytes reached");
  fx.reset();
  CHECK(drain(ours) == "abcd");
}

TEST_CASE("file_output: growing a file without writing counts too") {
  ContextOptions options;
  options.file_output = limit(100, "file-output limit of 100 bytes");
  WasiFixture fx({right::kAll}, {right::kAll}, Abi::Preview1,
                 std::move(options));
  Call c = fx.call();
  const uint32_t f = add_file(fx, "f", O_RDWR | O_CREAT,
                              kRw | right::kFdAllocate |
                                  right::kFdFilestatSetSize);
  REQUIRE(errno_of(fd_filestat_set_size(c, f, 60)) == Errno::Success);
  // Shrinking gives nothing back and costs nothing.
  REQUIRE(errno_of(fd_filestat_set_size(c, f, 10)) == Errno::Success);
  // 10 -> 50 is 40 more: 100 spent.
  REQUIRE(errno_of(fd_allocate(c, f, 0, 50)) == Errno::Success);
  CHECK(lstat_host(fx.dir() / "f").st_size == 50);
  CHECK(trap_message(fd_filestat_set_size(c, f, 51)) ==
        "file-output limit of 100 bytes reached");
  CHECK(trap_message(fd_allocate(c, f, 50, 1)) ==
        "file-output limit of 100 bytes reached");
  CHECK(lstat_host(fx.dir() / "f").st_size == 50);
  CHECK(errno_of(fd_filestat_set_size(c, f, 20)) == Errno::Success);
}

TEST_CASE("file_output: writes to every regular file add up") {
  ContextOptions options;
  options.file_output = limit(10, "file-output limit of 10 bytes (p.toml:5:1)");
  WasiFixture fx({right::kAll}, {right::kAll}, Abi::Preview1,
                 std::move(options));
  Call c = fx.call();
  const uint32_t a = add_file(fx, "a", O_RDWR | O_CREAT, kRw);
  // One the guest opens itself, as a real one would.
  fx.put_string(kPath, "b");
  REQUIRE(errno_of(path_open(c, WasiFixture::kPreopenFd, 0, kPath, 1,
                             oflag::kCreat, kRw, 0, 0, kOut)) ==
          Errno::Success);
  const uint32_t b = fx.get<uint32_t>(kOut);
  REQUIRE(errno_of(write_str(fx, a, "1234")) == Errno::Success);
  REQUIRE(errno_of(write_str(fx, b, "abcd", 0)) == Errno::Success);
  // A pipe is not a file: not counted.
  Pipe pipe = make_pipe();
  const uint32_t p =
      add_host_fd(fx, pipe.write.release(), Filetype::Unknown, kRw);
  REQUIRE(errno_of(write_str(fx, p, "pipe bytes")) == Errno::Success);
  CHECK(trap_message(write_str(fx, a, "5678")) ==
        "file-output limit of 10 bytes (p.toml:5:1) reached");
  CHECK(read_host(fx.dir() / "a") == "123456");
  CHECK(read_host(fx.dir() / "b") == "abcd");
  // Spent is spent: overwriting does not give bytes back.
  CHECK_FALSE(write_str(fx, b, "z", 0).has_value());
  CHECK(read_host(fx.dir() / "b") == "abcd");
}

// Four descriptors at the start: stdio and the preopen.
constexpr uint32_t kStartFds = 4;

Errno open_file(WasiFixture& fx, const std::string& name) {
  fx.put_string(kPath, name);
  Call c = fx.call();
  return errno_of(path_open(c, WasiFixture::kPreopenFd, 0, kPath,
                            static_cast<uint32_t>(name.size()), oflag::kCreat,
                            kRw, 0, 0, kOut));
}

TEST_CASE("open_files: EMFILE past the limit, one notice, close frees") {
  std::vector<std::string> notices;
  ContextOptions options;
  options.open_files = limit(kStartFds + 2, "open-files limit of 6 (a:1:2)");
  options.notice = [&](std::string_view text) { notices.emplace_back(text); };
  WasiFixture fx({right::kAll}, {right::kAll}, Abi::Preview1,
                 std::move(options));
  REQUIRE(fx.ctx().fds().size() == kStartFds);
  CHECK(open_file(fx, "one") == Errno::Success);
  CHECK(open_file(fx, "two") == Errno::Success);
  CHECK(open_file(fx, "sub/three") == Errno::Mfile);
  REQUIRE(notices.size() == 1);
  CHECK(notices[0] ==
        "open-files limit of 6 (a:1:2) reached: path_open of 'sub/three' "
        "failed with EMFILE; later refusals are not reported");
  // Refused before opening: O_CREAT made nothing.
  CHECK(open_file(fx, "four") == Errno::Mfile);
  CHECK_FALSE(exists_host(fx.dir() / "four"));
  CHECK(notices.size() == 1);
  Call c = fx.call();
  REQUIRE(errno_of(fd_close(c, kStartFds)) == Errno::Success);
  CHECK(open_file(fx, "four") == Errno::Success);
  CHECK(fx.get<uint32_t>(kOut) == kStartFds);
  CHECK(exists_host(fx.dir() / "four"));
  CHECK(open_file(fx, "five") == Errno::Mfile);
  CHECK(notices.size() == 1);
}

TEST_CASE("open_files: the table's own ceiling is no policy notice") {
  std::vector<std::string> notices;
  ContextOptions options;
  options.max_fds = kStartFds + 1;
  options.open_files = limit(100, "open-files limit of 100");
  options.notice = [&](std::string_view text) { notices.emplace_back(text); };
  WasiFixture fx({right::kAll}, {right::kAll}, Abi::Preview1,
                 std::move(options));
  CHECK(open_file(fx, "one") == Errno::Success);
  CHECK(open_file(fx, "two") == Errno::Mfile);
  CHECK(notices.empty());
}

TEST_CASE("open_files: no limit, and no notice callback, are fine") {
  SUBCASE("unlimited: only max_fds applies") {
    WasiFixture fx;
    for (int i = 0; i < 50; ++i)
      REQUIRE(open_file(fx, "f" + std::to_string(i)) == Errno::Success);
  }
  SUBCASE("a limit without a notice callback") {
    ContextOptions options;
    options.open_files = limit(kStartFds, "");
    WasiFixture fx({right::kAll}, {right::kAll}, Abi::Preview1,
                   std::move(options));
    CHECK(open_file(fx, "one") == Errno::Mfile);
  }
}

// A listening TCP socket on 127.0.0.1 and its port.
UniqueFd listen_loopback(uint16_t& port) {
  UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  REQUIRE(fd.valid());
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) ==
          0);
  REQUIRE(::listen(fd.get(), 4) == 0);
  socklen_t len = sizeof addr;
  REQUIRE(::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&addr), &len) ==
          0);
  port = ntohs(addr.sin_port);
  return fd;
}

TEST_CASE("open_files: sock_accept past the limit leaves the connection") {
  uint16_t port = 0;
  std::vector<Listener> listeners;
  listeners.push_back(Listener{listen_loopback(port)});
  std::vector<std::string> notices;
  ContextOptions options;
  options.open_files = limit(4, "open-files limit of 4");
  options.notice = [&](std::string_view text) { notices.emplace_back(text); };
  DirectFs fs;
  Context ctx(std::move(options), fs, {}, std::move(listeners));
  REQUIRE(ctx.fds().size() == 4);  // stdio and the listener at 3
  std::vector<uint8_t> memory(4096);
  Call c{ctx, Guest(engine::GuestMemory(memory.data(), memory.size())),
         Abi::Preview1};
  UniqueFd client(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  REQUIRE(::connect(client.get(), reinterpret_cast<sockaddr*>(&addr),
                    sizeof addr) == 0);
  CHECK(errno_of(sock_accept(c, 3, 0, kOut)) == Errno::Mfile);
  REQUIRE(notices.size() == 1);
  CHECK(notices[0] ==
        "open-files limit of 4 reached: sock_accept on fd 3 failed with "
        "EMFILE; later refusals are not reported");
  // The connection stayed queued: once a slot is free it is accepted.
  REQUIRE(errno_of(fd_close(c, 0)) == Errno::Success);
  REQUIRE(errno_of(sock_accept(c, 3, 0, kOut)) == Errno::Success);
  uint32_t accepted;
  std::memcpy(&accepted, memory.data() + kOut, sizeof accepted);
  CHECK(accepted == 0);
}

TEST_CASE("quoted: guest text for a one-line message") {
  CHECK(quote_for_message("a/b.txt") == "'a/b.txt'");
  CHECK(quote_for_message("x\ny'z\\") == "'x\\x0ay\\'z\\\\'");
  const std::string shortened = quote_for_message(std::string(1000, 'p'));
  CHECK(shortened == "'" + std::string(200, 'p') + "...'");
  // Shortening never splits a UTF-8 sequence: "é" is 2 bytes.
  std::string accents;
  for (int i = 0; i < 150; ++i)
    accents += "\xc3\xa9";
  CHECK(quote_for_message(accents) == "'" + accents.substr(0, 200) + "...'");
  CHECK(quote_for_message("p" + accents) ==
        "'p" + accents.substr(0, 198) + "...'");
}

}  // namespace
}  // namespace capbox::wasi
