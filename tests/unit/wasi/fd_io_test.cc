// SPDX-License-Identifier: Apache-2.0
// fd_read, fd_write, fd_pread, fd_pwrite, fd_seek, fd_tell over files and
// pipes the test enters in the table itself: transfers, rights, guest
// pointer faults (checked before any byte moves), append mode, whence in
// both ABIs.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <unistd.h>

#include <cstring>
#include <string>

#include "tests/unit/wasi/fd_test_util.h"

namespace capbox::wasi {
namespace {

using namespace testing;
using namespace preview1;

constexpr uint64_t kRw =
    right::kFdRead | right::kFdWrite | right::kFdSeek | right::kFdTell;

std::string guest_string(WasiFixture& fx, uint32_t at, size_t len) {
  return std::string(reinterpret_cast<const char*>(fx.mem() + at), len);
}

TEST_CASE("fd_write then fd_read: gathered and scattered over iovecs") {
  WasiFixture fx;
  const uint32_t fd = add_file(fx, "f", O_RDWR | O_CREAT, kRw);
  Call c = fx.call();
  fx.put_string(kBuf, "hello ");
  fx.put_string(kBuf + 100, "world");
  put_iovec(fx, 0, kBuf, 6);
  put_iovec(fx, 1, kBuf + 100, 5);
  put_iovec(fx, 2, kBuf + 200, 0);  // empty buffers are fine
  REQUIRE(errno_of(fd_write(c, fd, kIovs, 3, kOut)) == Errno::Success);
  CHECK(fx.get<uint32_t>(kOut) == 11);
  CHECK(read_host(fx.dir() / "f") == "hello world");

  fx.set<uint64_t>(kOut, 0);
  REQUIRE(errno_of(fd_seek(c, fd, 0, kWhenceSet, kOut)) == Errno::Success);
  put_iovec(fx, 0, kBuf + 300, 4);
  put_iovec(fx, 1, kBuf + 400, 100);
  REQUIRE(errno_of(fd_read(c, fd, kIovs, 2, kOut)) == Errno::Success);
  CHECK(fx.get<uint32_t>(kOut) == 11);
  CHECK(guest_string(fx, kBuf + 300, 4) == "hell");
  CHECK(guest_string(fx, kBuf + 400, 7) == "o world");
  // At end of file: 0 bytes.
  REQUIRE(errno_of(fd_read(c, fd, kIovs, 2, kOut)) == Errno::Success);
  CHECK(fx.get<uint32_t>(kOut) == 0);
  // No iovecs at all.
  REQUIRE(errno_of(fd_write(c, fd, kIovs, 0, kOut)) == Errno::Success);
  CHECK(fx.get<uint32_t>(kOut) == 0);
}

TEST_CASE("fd_read/fd_write: Badf, Notcapable, directories are Badf") {
  WasiFixture fx;
  const uint32_t ro = add_file(fx, "f", O_RDWR | O_CREAT, right::kFdRead);
  const uint32_t wo = add_file(fx, "f", O_RDWR, right::kFdWrite);
  const uint32_t dir = add_dir(fx, fx.dir().path(), right::kAll);
  Call c = fx.call();
  put_iovec(fx, 0, kBuf, 4);
  CHECK(errno_of(fd_read(c, 99, kIovs, 1, kOut)) == Errno::Badf);
  CHECK(errno_of(fd_write(c, 99, kIovs, 1, kOut)) == Errno::Badf);
  CHECK(errno_of(fd_write(c, ro, kIovs, 1, kOut)) == Errno::Notcapable);
  CHECK(errno_of(fd_read(c, wo, kIovs, 1, kOut)) == Errno::Notcapable);
  CHECK(errno_of(fd_pread(c, ro, kIovs, 1, 0, kOut)) == Errno::Notcapable);
  CHECK(errno_of(fd_pwrite(c, wo, kIovs, 1, 0, kOut)) == Errno::Notcapable);
  // Even with every right, data operations on a directory are Badf.
  CHECK(errno_of(fd_read(c, dir, kIovs, 1, kOut)) == Errno::Badf);
  CHECK(errno_of(fd_write(c, dir, kIovs, 1, kOut)) == Errno::Badf);
  CHECK(errno_of(fd_pread(c, dir, kIovs, 1, 0, kOut)) == Errno::Badf);
  CHECK(errno_of(fd_pwrite(c, dir, kIovs, 1, 0, kOut)) == Errno::Badf);
}

TEST_CASE("fd_read/fd_write: a bad pointer is Fault and moves no data") {
  WasiFixture fx;
  write_host(fx.dir() / "f", "abcdef");
  const uint32_t fd = add_file(fx, "f", O_RDWR, kRw);
  Call c = fx.call();
  auto offset = [&] {
    REQUIRE(errno_of(fd_tell(c, fd, kOut)) == Errno::Success);
    return fx.get<uint64_t>(kOut);
  };
  put_iovec(fx, 0, kBuf, 2);
  SUBCASE("iovec array outside memory") {
    CHECK(errno_of(fd_read(c, fd, kOutside, 1, kOut)) == Errno::Fault);
    CHECK(errno_of(fd_write(c, fd, kWrapping, 4, kOut)) == Errno::Fault);
    // count * 8 past the end of memory
    CHECK(errno_of(fd_read(c, fd, kIovs, 0x10000000, kOut)) == Errno::Fault);
  }
  SUBCASE("the second buffer outside memory, or wrapping") {
    put_iovec(fx, 1, kOutside, 1);
    CHECK(errno_of(fd_read(c, fd, kIovs, 2, kOut)) == Errno::Fault);
    put_iovec(fx, 1, kWrapping, 0x20);
    CHECK(errno_of(fd_write(c, fd, kIovs, 2, kOut)) == Errno::Fault);
    CHECK(errno_of(fd_pread(c, fd, kIovs, 2, 0, kOut)) == Errno::Fault);
    CHECK(errno_of(fd_pwrite(c, fd, kIovs, 2, 0, kOut)) == Errno::Fault);
  }
  SUBCASE("the out pointer outside memory") {
    CHECK(errno_of(fd_read(c, fd, kIovs, 1, kOutside)) == Errno::Fault);
    CHECK(errno_of(fd_read(c, fd, kIovs, 1, kWrapping)) == Errno::Fault);
    CHECK(errno_of(fd_write(c, fd, kIovs, 1, fx.mem_size() - 3)) ==
          Errno::Fault);
  }
  CHECK(offset() == 0);
  CHECK(read_host(fx.dir() / "f") == "abcdef");
}

TEST_CASE("fd_write to stdout reaches the host descriptor in slot 1") {
  WasiFixture fx;
  int pipe_fds[2];
  REQUIRE(::pipe2(pipe_fds, O_CLOEXEC) == 0);
  UniqueFd read_end(pipe_fds[0]);
  FdEntry out;
  out.fd = UniqueFd(pipe_fds[1]);
  out.base = {right::kFdWrite};
  fx.ctx().fds().insert_at(1, std::move(out));
  Call c = fx.call();
  fx.put_string(kBuf, "to stdout");
  put_iovec(fx, 0, kBuf, 9);
  REQUIRE(errno_of(fd_write(c, 1, kIovs, 1, kOut)) == Errno::Success);
  CHECK(fx.get<uint32_t>(kOut) == 9);
  char got[16] = {};
  CHECK(::read(read_end.get(), got, sizeof got) == 9);
  CHECK(std::string(got) == "to stdout");
}

TEST_CASE("fd_pread/fd_pwrite leave the offset alone; pipes are Spipe") {
  WasiFixture fx;
  write_host(fx.dir() / "f", "0123456789");
  const uint32_t fd = add_file(fx, "f", O_RDWR, kRw);
  Call c = fx.call();
  fx.put_string(kBuf, "AB");
  put_iovec(fx, 0, kBuf, 2);
  REQUIRE(errno_of(fd_pwrite(c, fd, kIovs, 1, 4, kOut)) == Errno::Success);
  CHECK(fx.get<uint32_t>(kOut) == 2);
  CHECK(read_host(fx.dir() / "f") == "0123AB6789");
  put_iovec(fx, 0, kBuf + 10, 3);
  REQUIRE(errno_of(fd_pread(c, fd, kIovs, 1, 3, kOut)) == Errno::Success);
  CHECK(fx.get<uint32_t>(kOut) == 3);
  CHECK(guest_string(fx, kBuf + 10, 3) == "3AB");
  REQUIRE(errno_of(fd_tell(c, fd, kOut)) == Errno::Success);
  CHECK(fx.get<uint64_t>(kOut) == 0);
  // Past the end: nothing read.
  REQUIRE(errno_of(fd_pread(c, fd, kIovs, 1, 100, kOut)) == Errno::Success);
  CHECK(fx.get<uint32_t>(kOut) == 0);
  // Offsets beyond INT64_MAX cannot be host offsets.
  CHECK(errno_of(fd_pread(c, fd, kIovs, 1, 1ull << 63, kOut)) == Errno::Inval);
  CHECK(errno_of(fd_pwrite(c, fd, kIovs, 1, ~0ull, kOut)) == Errno::Inval);

  int pipe_fds[2];
  REQUIRE(::pipe2(pipe_fds, O_CLOEXEC) == 0);
  const uint32_t r = add_host_fd(fx, pipe_fds[0], Filetype::Unknown, kRw);
  const uint32_t w = add_host_fd(fx, pipe_fds[1], Filetype::Unknown, kRw);
  CHECK(errno_of(fd_pwrite(c, w, kIovs, 1, 0, kOut)) == Errno::Spipe);
  CHECK(errno_of(fd_pread(c, r, kIovs, 1, 0, kOut)) == Errno::Spipe);
  CHECK(errno_of(fd_seek(c, r, 0, kWhenceCur, kOut)) == Errno::Spipe);
}

TEST_CASE("append mode: writes go to the end whatever the offset") {
  WasiFixture fx;
  write_host(fx.dir() / "f", "abc");
  const uint32_t fd = add_file(fx, "f", O_RDWR | O_APPEND, kRw);
  Call c = fx.call();
  fx.put_string(kBuf, "XY");
  put_iovec(fx, 0, kBuf, 2);
  REQUIRE(errno_of(fd_seek(c, fd, 0, kWhenceSet, kOut)) == Errno::Success);
  REQUIRE(errno_of(fd_write(c, fd, kIovs, 1, kOut)) == Errno::Success);
  CHECK(read_host(fx.dir() / "f") == "abcXY");
  // Linux's pwrite on an O_APPEND file appends too (passed on as is).
  REQUIRE(errno_of(fd_pwrite(c, fd, kIovs, 1, 0, kOut)) == Errno::Success);
  CHECK(read_host(fx.dir() / "f") == "abcXYXY");
}

TEST_CASE("fd_seek: SET, CUR, END, negative results, whence range") {
  WasiFixture fx;
  write_host(fx.dir() / "f", "0123456789");
  const uint32_t fd = add_file(fx, "f", O_RDWR, kRw);
  Call c = fx.call();
  REQUIRE(errno_of(fd_seek(c, fd, 4, kWhenceSet, kOut)) == Errno::Success);
  CHECK(fx.get<uint64_t>(kOut) == 4);
  REQUIRE(errno_of(fd_seek(c, fd, 3, kWhenceCur, kOut)) == Errno::Success);
  CHECK(fx.get<uint64_t>(kOut) == 7);
  REQUIRE(errno_of(fd_seek(c, fd, -2, kWhenceEnd, kOut)) == Errno::Success);
  CHECK(fx.get<uint64_t>(kOut) == 8);
  REQUIRE(errno_of(fd_seek(c, fd, 100, kWhenceEnd, kOut)) == Errno::Success);
  CHECK(fx.get<uint64_t>(kOut) == 110);  // past the end is allowed
  CHECK(errno_of(fd_seek(c, fd, -1, kWhenceSet, kOut)) == Errno::Inval);
  CHECK(errno_of(fd_seek(c, fd, -200, kWhenceCur, kOut)) == Errno::Inval);
  CHECK(errno_of(fd_seek(c, fd, 0, 3, kOut)) == Errno::Inval);
  CHECK(errno_of(fd_seek(c, fd, 0, 0x100, kOut)) == Errno::Inval);
  // A bad out pointer: Fault, and the offset has not moved.
  CHECK(errno_of(fd_seek(c, fd, 1, kWhenceSet, kOutside)) == Errno::Fault);
  CHECK(errno_of(fd_seek(c, fd, 1, kWhenceSet, kWrapping)) == Errno::Fault);
  REQUIRE(errno_of(fd_tell(c, fd, kOut)) == Errno::Success);
  CHECK(fx.get<uint64_t>(kOut) == 110);
  CHECK(errno_of(fd_seek(c, 99, 0, kWhenceSet, kOut)) == Errno::Badf);
  const uint32_t dir = add_dir(fx, fx.dir().path(), right::kAll);
  CHECK(errno_of(fd_seek(c, dir, 0, kWhenceCur, kOut)) == Errno::Badf);
  CHECK(errno_of(fd_tell(c, dir, kOut)) == Errno::Badf);
}

TEST_CASE("fd_seek in wasi_unstable: CUR=0, END=1, SET=2") {
  WasiFixture fx({right::kAll}, {right::kAll}, Abi::Unstable);
  write_host(fx.dir() / "f", "0123456789");
  const uint32_t fd = add_file(fx, "f", O_RDWR, kRw);
  Call c = fx.call();
  REQUIRE(errno_of(fd_seek(c, fd, 3, kUnstableWhenceSet, kOut)) ==
          Errno::Success);
  CHECK(fx.get<uint64_t>(kOut) == 3);
  REQUIRE(errno_of(fd_seek(c, fd, 2, kUnstableWhenceCur, kOut)) ==
          Errno::Success);
  CHECK(fx.get<uint64_t>(kOut) == 5);
  REQUIRE(errno_of(fd_seek(c, fd, -1, kUnstableWhenceEnd, kOut)) ==
          Errno::Success);
  CHECK(fx.get<uint64_t>(kOut) == 9);
  // Preview1's SET (0) is unstable's CUR: from 9, +0 stays 9.
  REQUIRE(errno_of(fd_seek(c, fd, 0, 0, kOut)) == Errno::Success);
  CHECK(fx.get<uint64_t>(kOut) == 9);
  CHECK(errno_of(fd_seek(c, fd, 0, 3, kOut)) == Errno::Inval);
}

TEST_CASE("fd_seek/fd_tell rights: SEEK moves, TELL only asks") {
  WasiFixture fx;
  write_host(fx.dir() / "f", "0123456789");
  const uint32_t tell = add_file(fx, "f", O_RDONLY, right::kFdTell);
  const uint32_t seek = add_file(fx, "f", O_RDONLY, right::kFdSeek);
  const uint32_t none = add_file(fx, "f", O_RDONLY, right::kFdRead);
  Call c = fx.call();
  CHECK(errno_of(fd_seek(c, tell, 0, kWhenceCur, kOut)) == Errno::Success);
  CHECK(errno_of(fd_seek(c, tell, 1, kWhenceCur, kOut)) == Errno::Notcapable);
  CHECK(errno_of(fd_seek(c, tell, 0, kWhenceSet, kOut)) == Errno::Notcapable);
  CHECK(errno_of(fd_tell(c, tell, kOut)) == Errno::Success);
  // FD_SEEK implies FD_TELL (api.h).
  CHECK(errno_of(fd_seek(c, seek, 5, kWhenceSet, kOut)) == Errno::Success);
  CHECK(errno_of(fd_tell(c, seek, kOut)) == Errno::Success);
  CHECK(fx.get<uint64_t>(kOut) == 5);
  CHECK(errno_of(fd_seek(c, none, 0, kWhenceCur, kOut)) == Errno::Notcapable);
  CHECK(errno_of(fd_tell(c, none, kOut)) == Errno::Notcapable);
  CHECK(errno_of(fd_tell(c, 99, kOut)) == Errno::Badf);
  CHECK(errno_of(fd_tell(c, seek, kOutside)) == Errno::Fault);
}

}  // namespace
}  // namespace capbox::wasi
