// SPDX-License-Identifier: Apache-2.0
// path_* functions other than path_open over a real directory (DirectFs):
// what each does on the host, the right each needs, trailing slashes with
// Linux's meaning, symlinks (contents verbatim, absolute ones refused),
// readlink truncation, filestat in both ABIs, times, and paths that are
// absolute, escape, hold a NUL or lie outside guest memory.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <climits>
#include <string>

#include "tests/unit/wasi/fd_test_util.h"
#include "wasi/fd_access.h"

namespace capbox::wasi {
namespace {

using namespace testing;
using namespace preview1;

constexpr uint32_t kDir = WasiFixture::kPreopenFd;
// Everything a directory can use (asking to write one is Isdir).
constexpr uint64_t kDirRights = right::kAll & ~right::kFileOnly;

// Calls the path functions with their paths placed in guest memory.
class Paths {
 public:
  explicit Paths(WasiFixture& fx) : fx_(fx), c_(fx.call()) {}

  Errno mkdir(const std::string& p, uint32_t dir = kDir) {
    return errno_of(path_create_directory(c_, dir, kPath, put(kPath, p)));
  }
  Errno rmdir(const std::string& p, uint32_t dir = kDir) {
    return errno_of(path_remove_directory(c_, dir, kPath, put(kPath, p)));
  }
  Errno unlink(const std::string& p, uint32_t dir = kDir) {
    return errno_of(path_unlink_file(c_, dir, kPath, put(kPath, p)));
  }
  Errno rename(const std::string& from,
               const std::string& to,
               uint32_t from_dir = kDir,
               uint32_t to_dir = kDir) {
    return errno_of(path_rename(c_, from_dir, kPath, put(kPath, from), to_dir,
                                kPath2, put(kPath2, to)));
  }
  Errno link(const std::string& from,
             const std::string& to,
             uint32_t flags = 0,
             uint32_t from_dir = kDir,
             uint32_t to_dir = kDir) {
    return errno_of(path_link(c_, from_dir, flags, kPath, put(kPath, from),
                              to_dir, kPath2, put(kPath2, to)));
  }
  Errno symlink(const std::string& contents,
                const std::string& p,
                uint32_t dir = kDir) {
    return errno_of(path_symlink(c_, kPath, put(kPath, contents), dir, kPath2,
                                 put(kPath2, p)));
  }
  Errno readlink(const std::string& p, uint32_t buf_len, uint32_t dir = kDir) {
    return errno_of(
        path_readlink(c_, dir, kPath, put(kPath, p), kBuf, buf_len, kOut));
  }
  Errno stat(const std::string& p,
             uint32_t flags = kLookupSymlinkFollow,
             uint32_t dir = kDir,
             uint32_t out = kOut) {
    return errno_of(
        path_filestat_get(c_, dir, flags, kPath, put(kPath, p), out));
  }
  Errno set_times(const std::string& p,
                  uint64_t atim,
                  uint64_t mtim,
                  uint32_t fst,
                  uint32_t flags = kLookupSymlinkFollow,
                  uint32_t dir = kDir) {
    return errno_of(path_filestat_set_times(c_, dir, flags, kPath,
                                            put(kPath, p), atim, mtim, fst));
  }
  Call& call() { return c_; }

 private:
  uint32_t put(uint32_t at, const std::string& s) {
    fx_.put_string(at, s);
    return static_cast<uint32_t>(s.size());
  }

  WasiFixture& fx_;
  Call c_;
};

// The preopen with `right` removed from its base rights.
void drop_right(WasiFixture& fx, uint64_t right) {
  fx.ctx().fds().get(kDir, 0).value()->base.bits &= ~right;
}

TEST_CASE("path_create_directory") {
  WasiFixture fx;
  Paths p(fx);
  CHECK(p.mkdir("a") == Errno::Success);
  CHECK(S_ISDIR(lstat_host(fx.dir() / "a").st_mode));
  CHECK(p.mkdir("a/b/") == Errno::Success);  // a trailing slash is fine
  CHECK(S_ISDIR(lstat_host(fx.dir() / "a/b").st_mode));
  CHECK(p.mkdir("a") == Errno::Exist);
  CHECK(p.mkdir("missing/x") == Errno::Noent);
  CHECK(p.mkdir("/abs") == Errno::Perm);
  CHECK(p.mkdir("../escape") == Errno::Perm);
  CHECK(p.mkdir("a/../../escape") == Errno::Perm);
  CHECK(p.mkdir(std::string("n\0ul", 4)) == Errno::Inval);
  CHECK(p.mkdir("x", 99) == Errno::Badf);
  Call& c = p.call();
  CHECK(errno_of(path_create_directory(c, kDir, kOutside, 1)) == Errno::Fault);
  CHECK(errno_of(path_create_directory(c, kDir, kWrapping, 0x20)) ==
        Errno::Fault);
  const uint32_t file = add_file(fx, "f", O_RDWR | O_CREAT, right::kAll);
  CHECK(p.mkdir("x", file) == Errno::Notdir);
  drop_right(fx, right::kPathCreateDirectory);
  CHECK(p.mkdir("c") == Errno::Notcapable);
  CHECK(!exists_host(fx.dir() / "c"));
}

TEST_CASE("path_remove_directory") {
  WasiFixture fx;
  Paths p(fx);
  REQUIRE(p.mkdir("d") == Errno::Success);
  REQUIRE(p.mkdir("full") == Errno::Success);
  write_host(fx.dir() / "full/x", "");
  write_host(fx.dir() / "f", "");
  CHECK(p.rmdir("d/") == Errno::Success);
  CHECK(!exists_host(fx.dir() / "d"));
  CHECK(p.rmdir("d") == Errno::Noent);
  CHECK(p.rmdir("full") == Errno::Notempty);
  CHECK(p.rmdir("f") == Errno::Notdir);
  CHECK(p.rmdir("f/") == Errno::Notdir);
  CHECK(p.rmdir("/full") == Errno::Perm);
  drop_right(fx, right::kPathRemoveDirectory);
  REQUIRE(p.mkdir("e") == Errno::Success);
  CHECK(p.rmdir("e") == Errno::Notcapable);
  CHECK(exists_host(fx.dir() / "e"));
}

TEST_CASE("path_unlink_file, with trailing slashes as unlink(2) has them") {
  WasiFixture fx;
  Paths p(fx);
  write_host(fx.dir() / "f", "");
  REQUIRE(p.mkdir("d") == Errno::Success);
  REQUIRE(::symlink("d", (fx.dir() / "link-d").c_str()) == 0);
  CHECK(p.unlink("f/") == Errno::Notdir);
  CHECK(exists_host(fx.dir() / "f"));
  CHECK(p.unlink("d") == Errno::Isdir);
  CHECK(p.unlink("d/") == Errno::Isdir);
  CHECK(p.unlink("link-d/") == Errno::Notdir);
  CHECK(p.unlink("missing/") == Errno::Noent);
  CHECK(p.unlink("missing") == Errno::Noent);
  CHECK(p.unlink("f") == Errno::Success);
  CHECK(!exists_host(fx.dir() / "f"));
  // A symlink is removed itself, not what it points to.
  CHECK(p.unlink("link-d") == Errno::Success);
  CHECK(exists_host(fx.dir() / "d"));
  CHECK(p.unlink("/d") == Errno::Perm);
  write_host(fx.dir() / "g", "");
  drop_right(fx, right::kPathUnlinkFile);
  CHECK(p.unlink("g") == Errno::Notcapable);
  CHECK(exists_host(fx.dir() / "g"));
}

TEST_CASE("path_rename: files, directories, trailing slashes") {
  WasiFixture fx;
  Paths p(fx);
  write_host(fx.dir() / "f", "file");
  CHECK(p.rename("f", "g") == Errno::Success);
  CHECK(!exists_host(fx.dir() / "f"));
  CHECK(read_host(fx.dir() / "g") == "file");
  write_host(fx.dir() / "h", "other");
  CHECK(p.rename("h", "g") == Errno::Success);  // replaces a file
  CHECK(read_host(fx.dir() / "g") == "other");
  REQUIRE(p.mkdir("d") == Errno::Success);
  CHECK(p.rename("d/", "e") == Errno::Success);
  CHECK(p.rename("e", "d/") == Errno::Success);
  CHECK(p.rename("d/", "e/") == Errno::Success);
  CHECK(S_ISDIR(lstat_host(fx.dir() / "e").st_mode));
  CHECK(p.rename("g/", "x") == Errno::Notdir);
  CHECK(p.rename("g", "x/") == Errno::Notdir);
  CHECK(exists_host(fx.dir() / "g"));
  CHECK(p.rename("g", "e") == Errno::Isdir);
  REQUIRE(p.mkdir("full") == Errno::Success);
  write_host(fx.dir() / "full/x", "");
  CHECK(p.rename("e", "full") == Errno::Notempty);
  CHECK(p.rename("missing", "y") == Errno::Noent);
  CHECK(p.rename("g", "../out") == Errno::Perm);
  CHECK(p.rename("/g", "y") == Errno::Perm);
}

TEST_CASE("path_rename: RENAME_SOURCE on one fd, RENAME_TARGET on the other") {
  WasiFixture fx;
  Paths p(fx);
  REQUIRE(p.mkdir("sub") == Errno::Success);
  write_host(fx.dir() / "f", "");
  Call& c = p.call();
  fx.put_string(kPath, "sub");
  REQUIRE(errno_of(path_open(c, kDir, 0, kPath, 3, oflag::kDirectory,
                             kDirRights & ~right::kPathRenameTarget, 0, 0,
                             kOut)) == Errno::Success);
  const uint32_t no_target = fx.get<uint32_t>(kOut);
  REQUIRE(errno_of(path_open(c, kDir, 0, kPath, 3, oflag::kDirectory,
                             kDirRights & ~right::kPathRenameSource, 0, 0,
                             kOut)) == Errno::Success);
  const uint32_t no_source = fx.get<uint32_t>(kOut);
  CHECK(p.rename("f", "g", kDir, no_target) == Errno::Notcapable);
  CHECK(p.rename("f", "g", kDir, no_source) == Errno::Success);
  CHECK(exists_host(fx.dir() / "sub/g"));
  CHECK(p.rename("g", "f", no_source, kDir) == Errno::Notcapable);
  CHECK(p.rename("g", "f", no_target, kDir) == Errno::Success);
  CHECK(exists_host(fx.dir() / "f"));
  CHECK(p.rename("f", "g", kDir, 99) == Errno::Badf);
  CHECK(p.rename("f", "g", 99, kDir) == Errno::Badf);
}

TEST_CASE("path_link: hard links, rights, directories, trailing slashes") {
  WasiFixture fx;
  Paths p(fx);
  write_host(fx.dir() / "f", "data");
  CHECK(p.link("f", "l") == Errno::Success);
  CHECK(lstat_host(fx.dir() / "l").st_ino == lstat_host(fx.dir() / "f").st_ino);
  CHECK(lstat_host(fx.dir() / "f").st_nlink == 2);
  CHECK(p.link("f", "l") == Errno::Exist);
  CHECK(p.link("f", "f") == Errno::Exist);
  REQUIRE(p.mkdir("d") == Errno::Success);
  CHECK(p.link("f", "d") == Errno::Exist);
  CHECK(p.link("d", "dl") == Errno::Perm);
  CHECK(p.link("d/", "dl") == Errno::Perm);
  CHECK(p.link("f/", "x") == Errno::Notdir);
  CHECK(p.link("f", "new/") == Errno::Noent);
  CHECK(p.link("f", "d/") == Errno::Exist);
  CHECK(p.link("f", "l/") == Errno::Notdir);
  CHECK(!exists_host(fx.dir() / "new"));
  CHECK(p.link("f", "x", 1 << 3) == Errno::Inval);
  CHECK(p.link("f", "../x") == Errno::Perm);
  // Without SYMLINK_FOLLOW the symlink itself is linked; with it, its
  // target.
  REQUIRE(::symlink("f", (fx.dir() / "s").c_str()) == 0);
  CHECK(p.link("s", "ls") == Errno::Success);
  CHECK(S_ISLNK(lstat_host(fx.dir() / "ls").st_mode));
  CHECK(p.link("s", "lf", kLookupSymlinkFollow) == Errno::Success);
  CHECK(lstat_host(fx.dir() / "lf").st_ino ==
        lstat_host(fx.dir() / "f").st_ino);
  REQUIRE(::symlink("nowhere", (fx.dir() / "dangling").c_str()) == 0);
  CHECK(p.link("dangling", "ld", kLookupSymlinkFollow) == Errno::Noent);
  drop_right(fx, right::kPathLinkSource);
  CHECK(p.link("f", "m") == Errno::Notcapable);
  fx.ctx().fds().get(kDir, 0).value()->base.bits |= right::kPathLinkSource;
  drop_right(fx, right::kPathLinkTarget);
  CHECK(p.link("f", "m") == Errno::Notcapable);
  CHECK(!exists_host(fx.dir() / "m"));
}

TEST_CASE("path_symlink: contents verbatim, absolute refused") {
  WasiFixture fx;
  Paths p(fx);
  CHECK(p.symlink("../../somewhere/else", "s") == Errno::Success);
  char buf[64] = {};
  CHECK(::readlink((fx.dir() / "s").c_str(), buf, sizeof buf) == 20);
  CHECK(std::string(buf) == "../../somewhere/else");
  CHECK(p.symlink("x", "s") == Errno::Exist);
  CHECK(p.symlink("/etc/passwd", "abs") == Errno::Perm);
  CHECK(!exists_host(fx.dir() / "abs"));
  CHECK(p.symlink("x", "/abs") == Errno::Perm);
  CHECK(p.symlink("x", "../out") == Errno::Perm);
  CHECK(p.symlink(std::string("a\0b", 3), "n") == Errno::Inval);
  // Trailing slash on the new name: Noent, Exist (a directory), Notdir.
  CHECK(p.symlink("x", "new/") == Errno::Noent);
  CHECK(!exists_host(fx.dir() / "new"));
  REQUIRE(p.mkdir("d") == Errno::Success);
  CHECK(p.symlink("x", "d/") == Errno::Exist);
  write_host(fx.dir() / "f", "");
  CHECK(p.symlink("x", "f/") == Errno::Notdir);
  Call& c = p.call();
  CHECK(errno_of(path_symlink(c, kOutside, 1, kDir, kPath, 1)) == Errno::Fault);
  drop_right(fx, right::kPathSymlink);
  CHECK(p.symlink("x", "t") == Errno::Notcapable);
  CHECK(!exists_host(fx.dir() / "t"));
}

TEST_CASE("path_readlink: whole, truncated, errors") {
  WasiFixture fx;
  Paths p(fx);
  write_host(fx.dir() / "target", "");
  REQUIRE(::symlink("target", (fx.dir() / "s").c_str()) == 0);
  std::memset(fx.mem() + kBuf, 0, 16);
  REQUIRE(p.readlink("s", 10) == Errno::Success);
  CHECK(fx.get<uint32_t>(kOut) == 6);
  CHECK(std::string(reinterpret_cast<char*>(fx.mem() + kBuf), 10) ==
        std::string("target\0\0\0\0", 10));
  std::memset(fx.mem() + kBuf, 0, 16);
  REQUIRE(p.readlink("s", 4) == Errno::Success);
  CHECK(fx.get<uint32_t>(kOut) == 4);
  CHECK(std::string(reinterpret_cast<char*>(fx.mem() + kBuf), 6) ==
        std::string("targ\0\0", 6));
  REQUIRE(p.readlink("s", 0) == Errno::Success);
  CHECK(fx.get<uint32_t>(kOut) == 0);
  CHECK(p.readlink("target", 10) == Errno::Inval);  // not a symlink
  CHECK(p.readlink("missing", 10) == Errno::Noent);
  CHECK(p.readlink("/s", 10) == Errno::Perm);
  Call& c = p.call();
  fx.put_string(kPath, "s");
  CHECK(errno_of(path_readlink(c, kDir, kPath, 1, kOutside, 10, kOut)) ==
        Errno::Fault);
  CHECK(errno_of(path_readlink(c, kDir, kPath, 1, kWrapping, 0x20, kOut)) ==
        Errno::Fault);
  CHECK(errno_of(path_readlink(c, kDir, kPath, 1, kBuf, 10, kOutside)) ==
        Errno::Fault);
  drop_right(fx, right::kPathReadlink);
  CHECK(p.readlink("s", 10) == Errno::Notcapable);
}

void check_path_filestat(WasiFixture& fx, Abi abi) {
  Paths p(fx);
  write_host(fx.dir() / "f", "12345");
  REQUIRE(::symlink("f", (fx.dir() / "s").c_str()) == 0);
  const struct stat st = lstat_host(fx.dir() / "f");
  const uint32_t size_at = abi == Abi::Preview1 ? 32 : 24;
  REQUIRE(p.stat("s") == Errno::Success);  // followed
  CHECK(fx.get<uint64_t>(kOut + 8) == st.st_ino);
  CHECK(fx.get<uint8_t>(kOut + 16) ==
        static_cast<uint8_t>(Filetype::RegularFile));
  CHECK(fx.get<uint64_t>(kOut + size_at) == 5);
  if (abi == Abi::Unstable)
    CHECK(fx.get<uint32_t>(kOut + 20) == 1);
  else
    CHECK(fx.get<uint64_t>(kOut + 24) == 1);
  REQUIRE(p.stat("s", 0) == Errno::Success);  // the link itself
  CHECK(fx.get<uint8_t>(kOut + 16) ==
        static_cast<uint8_t>(Filetype::SymbolicLink));
  CHECK(fx.get<uint64_t>(kOut + size_at) == 1);  // strlen("f")
  REQUIRE(p.stat(".") == Errno::Success);
  CHECK(fx.get<uint8_t>(kOut + 16) ==
        static_cast<uint8_t>(Filetype::Directory));
  CHECK(p.stat("f/") == Errno::Notdir);
  CHECK(p.stat("missing") == Errno::Noent);
  CHECK(p.stat("/f") == Errno::Perm);
  CHECK(p.stat("..") == Errno::Perm);
  CHECK(p.stat("f", 2) == Errno::Inval);
  const uint32_t tail = fx.mem_size() - layout::kUnstableFilestatSize;
  CHECK(p.stat("f", kLookupSymlinkFollow, kDir, tail) ==
        (abi == Abi::Unstable ? Errno::Success : Errno::Fault));
  CHECK(p.stat("f", kLookupSymlinkFollow, kDir, kWrapping) == Errno::Fault);
  CHECK(p.stat("f", kLookupSymlinkFollow, 99) == Errno::Badf);
  drop_right(fx, right::kPathFilestatGet);
  CHECK(p.stat("f") == Errno::Notcapable);
}

TEST_CASE("path_filestat_get: preview1") {
  WasiFixture fx;
  check_path_filestat(fx, Abi::Preview1);
}

TEST_CASE("path_filestat_get: wasi_unstable") {
  WasiFixture fx({right::kAll}, {right::kAll}, Abi::Unstable);
  check_path_filestat(fx, Abi::Unstable);
}

TEST_CASE("path_filestat_set_times: values, NOW, symlinks, flag pairs") {
  WasiFixture fx;
  Paths p(fx);
  write_host(fx.dir() / "f", "");
  REQUIRE(::symlink("f", (fx.dir() / "s").c_str()) == 0);
  const uint64_t t1 = 1'000'000'000'111ull, t2 = 2'000'000'000'222ull;
  REQUIRE(p.set_times("f", t1, t2, fstflag::kAtim | fstflag::kMtim) ==
          Errno::Success);
  struct stat st = lstat_host(fx.dir() / "f");
  CHECK(st.st_atim.tv_sec == 1000);
  CHECK(st.st_atim.tv_nsec == 111);
  CHECK(st.st_mtim.tv_sec == 2000);
  CHECK(st.st_mtim.tv_nsec == 222);
  // Through the symlink, followed: the file changes.
  REQUIRE(p.set_times("s", 0, t1, fstflag::kMtim) == Errno::Success);
  CHECK(lstat_host(fx.dir() / "f").st_mtim.tv_sec == 1000);
  // Not followed: the link changes, the file does not.
  REQUIRE(p.set_times("s", 0, t2, fstflag::kMtim, 0) == Errno::Success);
  CHECK(lstat_host(fx.dir() / "s").st_mtim.tv_sec == 2000);
  CHECK(lstat_host(fx.dir() / "f").st_mtim.tv_sec == 1000);
  REQUIRE(p.set_times("f", 0, 0, fstflag::kAtimNow) == Errno::Success);
  CHECK(lstat_host(fx.dir() / "f").st_atim.tv_sec > 1000);
  CHECK(lstat_host(fx.dir() / "f").st_mtim.tv_sec == 1000);
  CHECK(p.set_times("f", 1, 1, fstflag::kAtim | fstflag::kAtimNow) ==
        Errno::Inval);
  CHECK(p.set_times("f", 1, 1, fstflag::kMtim | fstflag::kMtimNow) ==
        Errno::Inval);
  CHECK(p.set_times("f", 1, 1, 1 << 4) == Errno::Inval);
  CHECK(p.set_times("f", 1, 1, fstflag::kMtim, 4) == Errno::Inval);
  CHECK(lstat_host(fx.dir() / "f").st_mtim.tv_sec == 1000);
  CHECK(p.set_times("missing", 1, 1, fstflag::kMtim) == Errno::Noent);
  CHECK(p.set_times("/f", 1, 1, fstflag::kMtim) == Errno::Perm);
  drop_right(fx, right::kPathFilestatSetTimes);
  CHECK(p.set_times("f", 1, 1, fstflag::kMtim) == Errno::Notcapable);
}

TEST_CASE("fd_filestat_set_times on a directory fd goes through its handle") {
  WasiFixture fx;
  Call c = fx.call();
  REQUIRE(errno_of(fd_filestat_set_times(c, kDir, 0, 3'000'000'000'000ull,
                                         fstflag::kMtim)) == Errno::Success);
  CHECK(lstat_host(fx.dir().path()).st_mtim.tv_sec == 3000);
}

TEST_CASE("path functions on a non-directory fd are Notdir") {
  WasiFixture fx;
  Paths p(fx);
  const uint32_t file = add_file(fx, "f", O_RDWR | O_CREAT, right::kAll);
  CHECK(p.unlink("x", file) == Errno::Notdir);
  CHECK(p.rmdir("x", file) == Errno::Notdir);
  CHECK(p.readlink("x", 4, file) == Errno::Notdir);
  CHECK(p.stat("x", 0, file) == Errno::Notdir);
  CHECK(p.symlink("x", "y", file) == Errno::Notdir);
  CHECK(p.rename("f", "g", kDir, file) == Errno::Notdir);
  CHECK(p.link("f", "g", 0, file) == Errno::Notdir);
  CHECK(p.set_times("x", 0, 0, 0, 0, file) == Errno::Notdir);
}

}  // namespace
}  // namespace capbox::wasi
