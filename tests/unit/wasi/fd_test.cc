// SPDX-License-Identifier: Apache-2.0
// fd_* functions about the descriptor itself: close, renumber, fdstat
// (flags and rights shrinking), prestat, sync, advise, allocate, filestat
// in both ABIs' layouts, sizes and times. Descriptors are entered in the
// table by the test, so no FsAuthority is involved.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>

#include "tests/unit/wasi/fd_test_util.h"
#include "wasi/fd_access.h"

namespace capbox::wasi {
namespace {

using namespace testing;
using namespace preview1;

constexpr uint64_t kFileRights =
    right::kFdRead | right::kFdWrite | right::kFdSeek | right::kFdTell |
    right::kFdFdstatSetFlags | right::kFdFilestatGet |
    right::kFdFilestatSetSize | right::kFdFilestatSetTimes |
    right::kFdAllocate | right::kFdAdvise | right::kFdSync | right::kFdDatasync;

TEST_CASE("fd_close and fd_renumber") {
  WasiFixture fx;
  const uint32_t a = add_file(fx, "a", O_RDWR | O_CREAT, right::kFdRead);
  const uint32_t b = add_file(fx, "b", O_RDWR | O_CREAT, right::kFdWrite);
  Call c = fx.call();
  CHECK(errno_of(fd_renumber(c, a, 77)) == Errno::Badf);  // 77 not open
  CHECK(errno_of(fd_renumber(c, 77, a)) == Errno::Badf);
  REQUIRE(errno_of(fd_renumber(c, a, b)) == Errno::Success);
  CHECK(fx.ctx().fds().get(a, 0).error() == Errno::Badf);
  CHECK(fx.ctx().fds().get(b, right::kFdRead).has_value());
  CHECK(errno_of(fd_renumber(c, b, b)) == Errno::Success);
  REQUIRE(errno_of(fd_close(c, b)) == Errno::Success);
  CHECK(errno_of(fd_close(c, b)) == Errno::Badf);
  CHECK(errno_of(fd_close(c, 12345)) == Errno::Badf);
}

TEST_CASE("fd_fdstat_get: type, flags from the host, rights") {
  WasiFixture fx;
  const uint32_t fd =
      add_file(fx, "f", O_RDWR | O_CREAT | O_APPEND, right::kFdRead);
  fx.ctx().fds().get(fd, 0).value()->inheriting = {right::kFdWrite};
  Call c = fx.call();
  std::memset(fx.mem() + kOut, 0xAA, layout::kFdstatSize);
  REQUIRE(errno_of(fd_fdstat_get(c, fd, kOut)) == Errno::Success);
  CHECK(fx.get<uint8_t>(kOut) == static_cast<uint8_t>(Filetype::RegularFile));
  CHECK(fx.get<uint8_t>(kOut + 1) == 0);  // padding is zeroed
  CHECK(fx.get<uint16_t>(kOut + 2) == fdflag::kAppend);
  CHECK(fx.get<uint64_t>(kOut + 8) == right::kFdRead);
  CHECK(fx.get<uint64_t>(kOut + 16) == right::kFdWrite);
  CHECK(errno_of(fd_fdstat_get(c, 99, kOut)) == Errno::Badf);
  CHECK(errno_of(fd_fdstat_get(c, fd, kOutside)) == Errno::Fault);
  CHECK(errno_of(fd_fdstat_get(c, fd, kWrapping)) == Errno::Fault);

  const uint32_t sync = add_file(fx, "f", O_RDWR | O_SYNC, 0);
  const uint32_t dsync = add_file(fx, "f", O_RDWR | O_DSYNC | O_NONBLOCK, 0);
  REQUIRE(errno_of(fd_fdstat_get(c, sync, kOut)) == Errno::Success);
  CHECK(fx.get<uint16_t>(kOut + 2) == fdflag::kSync);
  REQUIRE(errno_of(fd_fdstat_get(c, dsync, kOut)) == Errno::Success);
  CHECK(fx.get<uint16_t>(kOut + 2) == (fdflag::kDsync | fdflag::kNonblock));
}

TEST_CASE("fd_fdstat_get: a directory's file-only rights are not shown") {
  WasiFixture fx;
  const uint32_t dir = add_dir(fx, fx.dir().path(), right::kAll);
  Call c = fx.call();
  REQUIRE(errno_of(fd_fdstat_get(c, dir, kOut)) == Errno::Success);
  CHECK(fx.get<uint8_t>(kOut) == static_cast<uint8_t>(Filetype::Directory));
  CHECK(fx.get<uint64_t>(kOut + 8) == (right::kAll & ~right::kFileOnly));
  // Setting what was shown is a narrowing, so it is allowed.
  CHECK(errno_of(fd_fdstat_set_rights(c, dir, right::kAll & ~right::kFileOnly,
                                      0)) == Errno::Success);
}

TEST_CASE("fd_fdstat_get: a terminal on stdio is a tty to wasi-libc") {
  // wasi-libc's isatty(): a character device without FD_SEEK and FD_TELL.
  const int master = ::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
  REQUIRE(master >= 0);
  UniqueFd master_fd(master);
  REQUIRE(::grantpt(master) == 0);
  REQUIRE(::unlockpt(master) == 0);
  UniqueFd tty(::open(::ptsname(master), O_RDWR | O_NOCTTY | O_CLOEXEC));
  REQUIRE(tty.valid());
  UniqueFd saved(::fcntl(0, F_DUPFD_CLOEXEC, 0));
  REQUIRE(::dup2(tty.get(), 0) == 0);
  WasiFixture fx;  // dups host 0, now the terminal
  REQUIRE(::dup2(saved.get(), 0) == 0);
  Call c = fx.call();
  REQUIRE(errno_of(fd_fdstat_get(c, 0, kOut)) == Errno::Success);
  CHECK(fx.get<uint8_t>(kOut) ==
        static_cast<uint8_t>(Filetype::CharacterDevice));
  CHECK((fx.get<uint64_t>(kOut + 8) & (right::kFdSeek | right::kFdTell)) == 0);
  CHECK((fx.get<uint64_t>(kOut + 8) & right::kFdRead) != 0);
}

TEST_CASE("fd_fdstat_set_flags: APPEND and NONBLOCK only") {
  WasiFixture fx;
  const uint32_t fd = add_file(fx, "f", O_RDWR | O_CREAT, kFileRights);
  const uint32_t without =
      add_file(fx, "f", O_RDWR, kFileRights & ~right::kFdFdstatSetFlags);
  const uint32_t sync = add_file(fx, "f", O_RDWR | O_SYNC, kFileRights);
  Call c = fx.call();
  auto flags_of = [&](uint32_t f) {
    REQUIRE(errno_of(fd_fdstat_get(c, f, kOut)) == Errno::Success);
    return fx.get<uint16_t>(kOut + 2);
  };
  REQUIRE(errno_of(fd_fdstat_set_flags(
              c, fd, fdflag::kAppend | fdflag::kNonblock)) == Errno::Success);
  CHECK(flags_of(fd) == (fdflag::kAppend | fdflag::kNonblock));
  REQUIRE(errno_of(fd_fdstat_set_flags(c, fd, 0)) == Errno::Success);
  CHECK(flags_of(fd) == 0);
  CHECK(errno_of(fd_fdstat_set_flags(c, fd, fdflag::kSync)) == Errno::Inval);
  CHECK(errno_of(fd_fdstat_set_flags(c, fd, fdflag::kDsync)) == Errno::Inval);
  CHECK(errno_of(fd_fdstat_set_flags(c, fd, fdflag::kRsync)) == Errno::Inval);
  CHECK(errno_of(fd_fdstat_set_flags(c, fd, 1 << 5)) == Errno::Inval);
  CHECK(flags_of(fd) == 0);
  // An O_SYNC file may restate SYNC while changing the others, not drop it.
  CHECK(errno_of(fd_fdstat_set_flags(
            c, sync, fdflag::kSync | fdflag::kNonblock)) == Errno::Success);
  CHECK(flags_of(sync) == (fdflag::kSync | fdflag::kNonblock));
  CHECK(errno_of(fd_fdstat_set_flags(c, sync, 0)) == Errno::Inval);
  CHECK(errno_of(fd_fdstat_set_flags(c, without, fdflag::kAppend)) ==
        Errno::Notcapable);
  CHECK(errno_of(fd_fdstat_set_flags(c, 99, 0)) == Errno::Badf);
}

TEST_CASE("fd_fdstat_set_rights: rights only shrink") {
  WasiFixture fx;
  write_host(fx.dir() / "f", "data");
  const uint32_t fd = add_file(fx, "f", O_RDWR, kFileRights);
  fx.ctx().fds().get(fd, 0).value()->inheriting = {right::kFdRead};
  Call c = fx.call();
  const uint64_t less = kFileRights & ~(right::kFdRead | right::kFdWrite);
  REQUIRE(errno_of(fd_fdstat_set_rights(c, fd, less, 0)) == Errno::Success);
  REQUIRE(errno_of(fd_fdstat_get(c, fd, kOut)) == Errno::Success);
  CHECK(fx.get<uint64_t>(kOut + 8) == less);
  CHECK(fx.get<uint64_t>(kOut + 16) == 0);
  put_iovec(fx, 0, kBuf, 4);
  CHECK(errno_of(fd_read(c, fd, kIovs, 1, kOut)) == Errno::Notcapable);
  CHECK(errno_of(fd_write(c, fd, kIovs, 1, kOut)) == Errno::Notcapable);
  // Growing back, in either set, fails and changes nothing.
  CHECK(errno_of(fd_fdstat_set_rights(c, fd, kFileRights, 0)) ==
        Errno::Notcapable);
  CHECK(errno_of(fd_fdstat_set_rights(c, fd, less, right::kFdRead)) ==
        Errno::Notcapable);
  CHECK(errno_of(fd_fdstat_set_rights(c, fd, less | (1ull << 40), 0)) ==
        Errno::Notcapable);
  REQUIRE(errno_of(fd_fdstat_get(c, fd, kOut)) == Errno::Success);
  CHECK(fx.get<uint64_t>(kOut + 8) == less);
  // Restating the same rights is fine.
  CHECK(errno_of(fd_fdstat_set_rights(c, fd, less, 0)) == Errno::Success);
  CHECK(errno_of(fd_fdstat_set_rights(c, 99, 0, 0)) == Errno::Badf);
}

TEST_CASE("fd_prestat_get and fd_prestat_dir_name: preopens only") {
  WasiFixture fx;
  FdEntry pre;
  pre.fd = UniqueFd(
      ::open(fx.dir().path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  pre.type = Filetype::Directory;
  pre.preopen_name = "/data/x";
  fx.ctx().fds().insert_at(40, std::move(pre));
  const uint32_t file = add_file(fx, "f", O_RDWR | O_CREAT, kFileRights);
  Call c = fx.call();
  std::memset(fx.mem() + kOut, 0xAA, layout::kPrestatSize);
  REQUIRE(errno_of(fd_prestat_get(c, 40, kOut)) == Errno::Success);
  CHECK(fx.get<uint8_t>(kOut) == kPreopentypeDir);
  CHECK(fx.get<uint8_t>(kOut + 1) == 0);
  CHECK(fx.get<uint32_t>(kOut + 4) == 7);
  CHECK(errno_of(fd_prestat_get(c, file, kOut)) == Errno::Badf);
  CHECK(errno_of(fd_prestat_get(c, 41, kOut)) == Errno::Badf);
  CHECK(errno_of(fd_prestat_get(c, 40, kOutside)) == Errno::Fault);

  std::memset(fx.mem() + kBuf, '#', 16);
  REQUIRE(errno_of(fd_prestat_dir_name(c, 40, kBuf, 7)) == Errno::Success);
  CHECK(std::string(reinterpret_cast<char*>(fx.mem() + kBuf), 8) ==
        "/data/x#");  // no NUL written
  REQUIRE(errno_of(fd_prestat_dir_name(c, 40, kBuf, 100)) == Errno::Success);
  CHECK(errno_of(fd_prestat_dir_name(c, 40, kBuf, 6)) == Errno::Nametoolong);
  CHECK(errno_of(fd_prestat_dir_name(c, 40, kBuf, 0)) == Errno::Nametoolong);
  CHECK(errno_of(fd_prestat_dir_name(c, 40, kWrapping, 7)) == Errno::Fault);
  CHECK(errno_of(fd_prestat_dir_name(c, file, kBuf, 7)) == Errno::Badf);
  CHECK(errno_of(fd_prestat_dir_name(c, 41, kBuf, 7)) == Errno::Badf);
  // A preopen can be closed like any fd.
  CHECK(errno_of(fd_close(c, 40)) == Errno::Success);
  CHECK(errno_of(fd_prestat_get(c, 40, kOut)) == Errno::Badf);
}

TEST_CASE("fd_sync, fd_datasync, fd_advise: rights and arguments") {
  WasiFixture fx;
  const uint32_t fd = add_file(fx, "f", O_RDWR | O_CREAT, kFileRights);
  const uint32_t none = add_file(fx, "f", O_RDWR, right::kFdRead);
  Call c = fx.call();
  CHECK(errno_of(fd_sync(c, fd)) == Errno::Success);
  CHECK(errno_of(fd_datasync(c, fd)) == Errno::Success);
  CHECK(errno_of(fd_sync(c, none)) == Errno::Notcapable);
  CHECK(errno_of(fd_datasync(c, none)) == Errno::Notcapable);
  CHECK(errno_of(fd_sync(c, 99)) == Errno::Badf);
  for (u32 advice = 0; advice <= 5; ++advice)
    CHECK(errno_of(fd_advise(c, fd, 0, 100, advice)) == Errno::Success);
  CHECK(errno_of(fd_advise(c, fd, 0, 100, 6)) == Errno::Inval);
  CHECK(errno_of(fd_advise(c, none, 0, 100, 0)) == Errno::Notcapable);
  CHECK(errno_of(fd_advise(c, 99, 0, 100, 0)) == Errno::Badf);
  int pipe_fds[2];
  REQUIRE(::pipe2(pipe_fds, O_CLOEXEC) == 0);
  const uint32_t pipe =
      add_host_fd(fx, pipe_fds[0], Filetype::Unknown, kFileRights);
  add_host_fd(fx, pipe_fds[1], Filetype::Unknown, 0);
  CHECK(errno_of(fd_advise(c, pipe, 0, 0, 0)) == Errno::Spipe);
  // Directories: fsync is meaningful, data advice is not.
  const uint32_t dir = add_dir(fx, fx.dir().path(), right::kAll);
  CHECK(errno_of(fd_sync(c, dir)) == Errno::Success);
  CHECK(errno_of(fd_advise(c, dir, 0, 0, 0)) == Errno::Badf);
}

TEST_CASE("fd_allocate extends to offset + len, never shrinks") {
  WasiFixture fx;
  const uint32_t fd = add_file(fx, "f", O_RDWR | O_CREAT, kFileRights);
  const uint32_t none = add_file(fx, "f", O_RDWR, right::kFdWrite);
  Call c = fx.call();
  auto size = [&] { return lstat_host(fx.dir() / "f").st_size; };
  REQUIRE(errno_of(fd_allocate(c, fd, 0, 100)) == Errno::Success);
  CHECK(size() == 100);
  REQUIRE(errno_of(fd_allocate(c, fd, 10, 10)) == Errno::Success);
  CHECK(size() == 100);
  REQUIRE(errno_of(fd_allocate(c, fd, 90, 20)) == Errno::Success);
  CHECK(size() == 110);
  CHECK(errno_of(fd_allocate(c, fd, 0, 0)) == Errno::Inval);
  CHECK(errno_of(fd_allocate(c, none, 0, 200)) == Errno::Notcapable);
  CHECK(errno_of(fd_allocate(c, 99, 0, 200)) == Errno::Badf);
  const uint32_t dir = add_dir(fx, fx.dir().path(), right::kAll);
  CHECK(errno_of(fd_allocate(c, dir, 0, 1)) == Errno::Badf);
  CHECK(size() == 110);
}

TEST_CASE("fd_filestat_set_size truncates and extends") {
  WasiFixture fx;
  write_host(fx.dir() / "f", "0123456789");
  const uint32_t fd = add_file(fx, "f", O_RDWR, kFileRights);
  const uint32_t none = add_file(fx, "f", O_RDWR, right::kFdWrite);
  Call c = fx.call();
  REQUIRE(errno_of(fd_filestat_set_size(c, fd, 4)) == Errno::Success);
  CHECK(read_host(fx.dir() / "f") == "0123");
  REQUIRE(errno_of(fd_filestat_set_size(c, fd, 6)) == Errno::Success);
  CHECK(read_host(fx.dir() / "f") == std::string("0123\0\0", 6));
  CHECK(errno_of(fd_filestat_set_size(c, none, 0)) == Errno::Notcapable);
  CHECK(errno_of(fd_filestat_set_size(c, fd, 1ull << 63)) == Errno::Inval);
  const uint32_t dir = add_dir(fx, fx.dir().path(), right::kAll);
  CHECK(errno_of(fd_filestat_set_size(c, dir, 0)) == Errno::Badf);
}

void check_filestat(WasiFixture& fx, Abi abi) {
  write_host(fx.dir() / "f", "12345");
  REQUIRE(::link((fx.dir() / "f").c_str(), (fx.dir() / "g").c_str()) == 0);
  const uint32_t fd = add_file(fx, "f", O_RDONLY, kFileRights);
  Call c = fx.call();
  const struct stat st = lstat_host(fx.dir() / "f");
  std::memset(fx.mem() + kOut, 0xAA, 80);
  REQUIRE(errno_of(fd_filestat_get(c, fd, kOut)) == Errno::Success);
  CHECK(fx.get<uint64_t>(kOut) == st.st_dev);
  CHECK(fx.get<uint64_t>(kOut + 8) == st.st_ino);
  CHECK(fx.get<uint8_t>(kOut + 16) ==
        static_cast<uint8_t>(Filetype::RegularFile));
  CHECK(fx.get<uint8_t>(kOut + 17) == 0);
  const uint64_t mtim = uint64_t(st.st_mtim.tv_sec) * 1'000'000'000u +
                        uint64_t(st.st_mtim.tv_nsec);
  if (abi == Abi::Preview1) {
    CHECK(fx.get<uint64_t>(kOut + 24) == 2);  // nlink
    CHECK(fx.get<uint64_t>(kOut + 32) == 5);  // size
    CHECK(fx.get<uint64_t>(kOut + 48) == mtim);
    CHECK(fx.get<uint8_t>(kOut + 64) == 0xAA);  // nothing past 64 bytes
  } else {
    CHECK(fx.get<uint32_t>(kOut + 20) == 2);  // nlink
    CHECK(fx.get<uint64_t>(kOut + 24) == 5);  // size
    CHECK(fx.get<uint64_t>(kOut + 40) == mtim);
    CHECK(fx.get<uint8_t>(kOut + 56) == 0xAA);  // nothing past 56 bytes
  }
  // The out region must fit whole: 56 bytes fit for unstable only.
  const uint32_t tail = fx.mem_size() - layout::kUnstableFilestatSize;
  CHECK(errno_of(fd_filestat_get(c, fd, tail)) ==
        (abi == Abi::Unstable ? Errno::Success : Errno::Fault));
  CHECK(errno_of(fd_filestat_get(c, fd, kWrapping)) == Errno::Fault);
  const uint32_t none = add_file(fx, "f", O_RDONLY, right::kFdRead);
  CHECK(errno_of(fd_filestat_get(c, none, kOut)) == Errno::Notcapable);
  CHECK(errno_of(fd_filestat_get(c, 99, kOut)) == Errno::Badf);
}

TEST_CASE("fd_filestat_get: preview1 layout") {
  WasiFixture fx;
  check_filestat(fx, Abi::Preview1);
}

TEST_CASE("fd_filestat_get: wasi_unstable layout (nlink u32 at 20)") {
  WasiFixture fx({right::kAll}, {right::kAll}, Abi::Unstable);
  check_filestat(fx, Abi::Unstable);
}

TEST_CASE("fd_filestat_get: directories and pipes") {
  WasiFixture fx;
  const uint32_t dir = add_dir(fx, fx.dir().path(), right::kAll);
  int pipe_fds[2];
  REQUIRE(::pipe2(pipe_fds, O_CLOEXEC) == 0);
  const uint32_t pipe =
      add_host_fd(fx, pipe_fds[0], Filetype::Unknown, kFileRights);
  add_host_fd(fx, pipe_fds[1], Filetype::Unknown, 0);
  Call c = fx.call();
  REQUIRE(errno_of(fd_filestat_get(c, dir, kOut)) == Errno::Success);
  CHECK(fx.get<uint8_t>(kOut + 16) ==
        static_cast<uint8_t>(Filetype::Directory));
  REQUIRE(errno_of(fd_filestat_get(c, pipe, kOut)) == Errno::Success);
  CHECK(fx.get<uint8_t>(kOut + 16) == static_cast<uint8_t>(Filetype::Unknown));
}

TEST_CASE("fd_filestat_set_times: values, NOW, and invalid flag pairs") {
  WasiFixture fx;
  write_host(fx.dir() / "f", "x");
  const uint32_t fd = add_file(fx, "f", O_RDWR, kFileRights);
  const uint32_t none = add_file(fx, "f", O_RDWR, right::kFdWrite);
  Call c = fx.call();
  const uint64_t atim = 1'000'000'000'123ull, mtim = 2'000'000'000'456ull;
  REQUIRE(errno_of(fd_filestat_set_times(c, fd, atim, mtim,
                                         fstflag::kAtim | fstflag::kMtim)) ==
          Errno::Success);
  struct stat st = lstat_host(fx.dir() / "f");
  CHECK(st.st_atim.tv_sec == 1000);
  CHECK(st.st_atim.tv_nsec == 123);
  CHECK(st.st_mtim.tv_sec == 2000);
  CHECK(st.st_mtim.tv_nsec == 456);
  // Only mtime to now; atime is left alone.
  REQUIRE(errno_of(fd_filestat_set_times(c, fd, 0, 0, fstflag::kMtimNow)) ==
          Errno::Success);
  st = lstat_host(fx.dir() / "f");
  CHECK(st.st_atim.tv_sec == 1000);
  CHECK(st.st_mtim.tv_sec > 2000);
  // No flags: nothing changes.
  REQUIRE(errno_of(fd_filestat_set_times(c, fd, 5, 5, 0)) == Errno::Success);
  CHECK(lstat_host(fx.dir() / "f").st_atim.tv_sec == 1000);
  CHECK(errno_of(fd_filestat_set_times(
            c, fd, 1, 2, fstflag::kAtim | fstflag::kAtimNow)) == Errno::Inval);
  CHECK(errno_of(fd_filestat_set_times(
            c, fd, 1, 2, fstflag::kMtim | fstflag::kMtimNow)) == Errno::Inval);
  CHECK(errno_of(fd_filestat_set_times(c, fd, 1, 2, 1 << 4)) == Errno::Inval);
  CHECK(lstat_host(fx.dir() / "f").st_atim.tv_sec == 1000);
  CHECK(errno_of(fd_filestat_set_times(c, none, 1, 2, fstflag::kAtim)) ==
        Errno::Notcapable);
  CHECK(errno_of(fd_filestat_set_times(c, 99, 1, 2, fstflag::kAtim)) ==
        Errno::Badf);
}

}  // namespace
}  // namespace capbox::wasi
