// SPDX-License-Identifier: Apache-2.0
// path_open over a real directory (DirectFs): oflags and fdflags, the
// rights it needs and the rights the new fd gets (narrowed, never grown),
// least host access, symlink following, and checks that come before any
// side effect (no fd or file left behind by a Fault).
#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "tests/unit/wasi/fd_test_util.h"
#include "wasi/fd_access.h"

namespace capbox::wasi {
namespace {

using namespace testing;
using namespace preview1;

constexpr uint32_t kDir = WasiFixture::kPreopenFd;

uint32_t put(WasiFixture& fx, uint32_t at, const std::string& s) {
  fx.put_string(at, s);
  return static_cast<uint32_t>(s.size());
}

struct OpenArgs {
  uint32_t dir = kDir;
  uint32_t lookup = kLookupSymlinkFollow;
  uint32_t oflags = 0;
  uint64_t base = right::kFdRead;
  uint64_t inheriting = 0;
  uint32_t fdflags = 0;
};

Result<uint32_t, Errno> open_path(WasiFixture& fx,
                                  const std::string& path,
                                  const OpenArgs& a) {
  Call c = fx.call();
  fx.set<uint32_t>(kOut, 0xFFFFFFFF);
  Errno e =
      errno_of(path_open(c, a.dir, a.lookup, kPath, put(fx, kPath, path),
                         a.oflags, a.base, a.inheriting, a.fdflags, kOut));
  if (e != Errno::Success)
    return Unexpected(e);
  return fx.get<uint32_t>(kOut);
}

Errno open_errno(WasiFixture& fx, const std::string& path, const OpenArgs& a) {
  auto r = open_path(fx, path, a);
  return r ? Errno::Success : r.error();
}

struct Fdstat {
  uint8_t type;
  uint16_t flags;
  uint64_t base;
  uint64_t inheriting;
};

Fdstat fdstat(WasiFixture& fx, uint32_t fd) {
  Call c = fx.call();
  REQUIRE(errno_of(fd_fdstat_get(c, fd, kOut)) == Errno::Success);
  return {fx.get<uint8_t>(kOut), fx.get<uint16_t>(kOut + 2),
          fx.get<uint64_t>(kOut + 8), fx.get<uint64_t>(kOut + 16)};
}

int host_access(WasiFixture& fx, uint32_t fd) {
  return ::fcntl(fx.ctx().fds().get(fd, 0).value()->fd.get(), F_GETFL) &
         O_ACCMODE;
}

TEST_CASE("path_open: create, write, read back") {
  WasiFixture fx;
  REQUIRE(fx.ctx().fds().get(kDir, 0).has_value());
  OpenArgs a;
  a.oflags = oflag::kCreat;
  a.base = right::kFdRead | right::kFdWrite | right::kFdSeek;
  auto fd = open_path(fx, "new", a);
  REQUIRE(fd.has_value());
  CHECK(*fd > kDir);
  CHECK(exists_host(fx.dir() / "new"));
  Call c = fx.call();
  fx.put_string(kBuf, "abc");
  put_iovec(fx, 0, kBuf, 3);
  REQUIRE(errno_of(fd_write(c, *fd, kIovs, 1, kOut)) == Errno::Success);
  CHECK(read_host(fx.dir() / "new") == "abc");
  Fdstat st = fdstat(fx, *fd);
  CHECK(st.type == static_cast<uint8_t>(Filetype::RegularFile));
  CHECK(st.base == a.base);
  CHECK(host_access(fx, *fd) == O_RDWR);
}

TEST_CASE("path_open: EXCL, TRUNC, missing files, DIRECTORY") {
  WasiFixture fx;
  write_host(fx.dir() / "f", "contents");
  REQUIRE(::mkdir((fx.dir() / "d").c_str(), 0755) == 0);
  OpenArgs a;
  a.oflags = oflag::kCreat | oflag::kExcl;
  CHECK(open_errno(fx, "f", a) == Errno::Exist);
  a.oflags = 0;
  CHECK(open_errno(fx, "missing", a) == Errno::Noent);
  CHECK(!exists_host(fx.dir() / "missing"));
  a.oflags = oflag::kTrunc;
  a.base = right::kFdWrite;
  CHECK(open_errno(fx, "f", a) == Errno::Success);
  CHECK(read_host(fx.dir() / "f").empty());
  a.oflags = oflag::kDirectory;
  a.base = right::kFdReaddir;
  CHECK(open_errno(fx, "f", a) == Errno::Notdir);
  CHECK(open_errno(fx, "d", a) == Errno::Success);
  CHECK(open_errno(fx, "f/", {}) == Errno::Notdir);
  CHECK(open_errno(fx, "d/", {}) == Errno::Success);
  // DIRECTORY never creates or truncates (wasmtime: Inval).
  a.oflags = oflag::kDirectory | oflag::kCreat;
  CHECK(open_errno(fx, "d2", a) == Errno::Inval);
  a.oflags = oflag::kDirectory | oflag::kTrunc;
  CHECK(open_errno(fx, "d", a) == Errno::Inval);
  CHECK(!exists_host(fx.dir() / "d2"));
}

TEST_CASE("path_open: unknown flag bits are Inval") {
  WasiFixture fx;
  write_host(fx.dir() / "f", "");
  OpenArgs a;
  a.oflags = 1 << 4;
  CHECK(open_errno(fx, "f", a) == Errno::Inval);
  a.oflags = 0;
  a.fdflags = 1 << 5;
  CHECK(open_errno(fx, "f", a) == Errno::Inval);
  a.fdflags = 0;
  a.lookup = 2;
  CHECK(open_errno(fx, "f", a) == Errno::Inval);
}

TEST_CASE("path_open: fdflags APPEND and NONBLOCK reach the host") {
  WasiFixture fx;
  write_host(fx.dir() / "f", "abc");
  OpenArgs a;
  a.base = right::kFdWrite;
  a.fdflags = fdflag::kAppend | fdflag::kNonblock;
  auto fd = open_path(fx, "f", a);
  REQUIRE(fd.has_value());
  CHECK(fdstat(fx, *fd).flags == (fdflag::kAppend | fdflag::kNonblock));
  Call c = fx.call();
  fx.put_string(kBuf, "d");
  put_iovec(fx, 0, kBuf, 1);
  REQUIRE(errno_of(fd_write(c, *fd, kIovs, 1, kOut)) == Errno::Success);
  CHECK(read_host(fx.dir() / "f") == "abcd");
  a.fdflags = fdflag::kDsync;
  a.base = right::kFdWrite | right::kFdDatasync;
  fd = open_path(fx, "f", a);
  REQUIRE(fd.has_value());
  CHECK(fdstat(fx, *fd).flags == fdflag::kDsync);
}

TEST_CASE("path_open: least host access from the requested rights") {
  WasiFixture fx;
  write_host(fx.dir() / "f", "");
  OpenArgs a;
  a.base = right::kFdRead | right::kFdSeek;
  CHECK(host_access(fx, open_path(fx, "f", a).value()) == O_RDONLY);
  a.base = right::kFdWrite;
  CHECK(host_access(fx, open_path(fx, "f", a).value()) == O_WRONLY);
  a.base = right::kFdFilestatSetSize;  // ftruncate needs a writable fd
  CHECK(host_access(fx, open_path(fx, "f", a).value()) == O_WRONLY);
  a.base = right::kFdRead | right::kFdAllocate;
  CHECK(host_access(fx, open_path(fx, "f", a).value()) == O_RDWR);
  a.base = right::kFdFilestatGet;  // neither: read-only, no data rights
  CHECK(host_access(fx, open_path(fx, "f", a).value()) == O_RDONLY);
  a.base = right::kFdDatasync | right::kFdSync;  // fsync needs no write
  CHECK(host_access(fx, open_path(fx, "f", a).value()) == O_RDONLY);
}

TEST_CASE("path_open: writing a directory is Isdir; \".\" reopens as is") {
  WasiFixture fx;
  REQUIRE(::mkdir((fx.dir() / "d").c_str(), 0755) == 0);
  OpenArgs a;
  a.oflags = oflag::kDirectory;
  a.base = right::kFdRead | right::kFdWrite;
  CHECK(open_errno(fx, ".", a) == Errno::Isdir);
  a.oflags = 0;
  CHECK(open_errno(fx, "d", a) == Errno::Isdir);
  a.base = right::kFdRead;
  CHECK(open_errno(fx, "d", a) == Errno::Success);
  // What the test suite's root_directory() does: reopen the preopen's "."
  // with the rights fd_fdstat_get reports for it.
  const Fdstat pre = fdstat(fx, kDir);
  CHECK((pre.base & right::kFdWrite) == 0);
  a.oflags = oflag::kDirectory;
  a.base = pre.base;
  a.inheriting = pre.inheriting;
  auto root = open_path(fx, ".", a);
  REQUIRE(root.has_value());
  CHECK(fdstat(fx, *root).base == pre.base);
  CHECK(host_access(fx, *root) == O_RDONLY);
}

TEST_CASE("path_open: the rights the directory itself needs") {
  const uint64_t all = right::kAll;
  auto check_missing = [&](uint64_t missing, uint32_t oflags) {
    WasiFixture fx({all & ~missing}, {all});
    write_host(fx.dir() / "f", "x");
    OpenArgs a;
    a.oflags = oflags;
    CHECK(open_errno(fx, "f", a) == Errno::Notcapable);
    CHECK(read_host(fx.dir() / "f") == "x");  // not truncated
  };
  check_missing(right::kPathOpen, 0);
  check_missing(right::kPathCreateFile, oflag::kCreat);
  check_missing(right::kPathFilestatSetSize, oflag::kTrunc);
  WasiFixture fx({all & ~right::kPathCreateFile}, {all});
  OpenArgs a;
  a.oflags = oflag::kCreat;
  CHECK(open_errno(fx, "new", a) == Errno::Notcapable);
  CHECK(!exists_host(fx.dir() / "new"));
}

TEST_CASE("path_open: rights are narrowed to the directory's inheriting") {
  const uint64_t inheriting = right::kFdRead | right::kFdSeek |
                              right::kFdFilestatGet | right::kPathOpen |
                              right::kFdReaddir;
  WasiFixture fx({right::kAll}, {inheriting});
  write_host(fx.dir() / "f", "x");
  REQUIRE(::mkdir((fx.dir() / "d").c_str(), 0755) == 0);
  OpenArgs a;
  // Rust's std asks for many rights at once and relies on getting fewer.
  a.base = right::kFdRead | right::kFdSeek | right::kFdTell | right::kFdAdvise |
           right::kPathOpen;
  a.inheriting = right::kFdRead | right::kFdWrite;
  auto fd = open_path(fx, "f", a);
  REQUIRE(fd.has_value());
  Fdstat st = fdstat(fx, *fd);
  CHECK(st.base == (right::kFdRead | right::kFdSeek));  // PATH_OPEN: a file
  CHECK(st.inheriting == right::kFdRead);
  // Access-deciding rights and sync rights must be grantable.
  a.base = right::kFdRead | right::kFdWrite;
  CHECK(open_errno(fx, "f", a) == Errno::Notcapable);
  a.base = right::kFdFilestatSetSize;
  CHECK(open_errno(fx, "f", a) == Errno::Notcapable);
  a.base = right::kFdRead;
  a.fdflags = fdflag::kDsync;
  CHECK(open_errno(fx, "f", a) == Errno::Notcapable);
  a.fdflags = fdflag::kSync;
  CHECK(open_errno(fx, "f", a) == Errno::Notcapable);
  a.fdflags = fdflag::kRsync;
  CHECK(open_errno(fx, "f", a) == Errno::Notcapable);

  // A directory opened beneath passes on no more than it received.
  a = OpenArgs{};
  a.oflags = oflag::kDirectory;
  a.base = right::kAll & ~(right::kFdWrite | right::kFdAllocate |
                           right::kFdFilestatSetSize | right::kFdDatasync);
  a.inheriting = right::kAll;
  auto dir = open_path(fx, "d", a);
  REQUIRE(dir.has_value());
  st = fdstat(fx, *dir);
  CHECK(st.type == static_cast<uint8_t>(Filetype::Directory));
  CHECK(st.base == (inheriting & ~right::kFileOnly));
  CHECK(st.inheriting == inheriting);
  write_host(fx.dir() / "d/g", "");
  OpenArgs sub;
  sub.dir = *dir;
  sub.base = right::kFdWrite;
  CHECK(open_errno(fx, "g", sub) == Errno::Notcapable);
  sub.base = right::kFdRead;
  CHECK(open_errno(fx, "g", sub) == Errno::Success);
}

TEST_CASE("path_open: files drop directory rights, directories file ones") {
  WasiFixture fx;
  write_host(fx.dir() / "f", "");
  REQUIRE(::mkdir((fx.dir() / "d").c_str(), 0755) == 0);
  OpenArgs a;
  a.base = right::kAll;
  a.inheriting = right::kAll;
  const Fdstat file = fdstat(fx, open_path(fx, "f", a).value());
  CHECK(file.base == (right::kAll & ~right::kDirOnly));
  CHECK((file.base & right::kFdSeek) != 0);
  a.base = right::kAll & ~right::kFdWrite;  // writing a directory: Isdir
  const uint32_t d = open_path(fx, "d", a).value();
  const Fdstat dir = fdstat(fx, d);
  CHECK(dir.type == static_cast<uint8_t>(Filetype::Directory));
  CHECK(dir.base == (right::kAll & ~right::kFileOnly));
  CHECK(dir.flags == 0);
  // Dropped from the entry itself, not only from what fdstat shows.
  const Rights held = fx.ctx().fds().get(d, 0).value()->base;
  CHECK(held.bits == (right::kAll & ~right::kFileOnly));
  CHECK((held.bits & right::kFdSeek) == 0);
  CHECK((held.bits & right::kFdFilestatSetSize) == 0);
  CHECK((held.bits & right::kPathOpen) != 0);
}

TEST_CASE("path_open: a directory fd can list and open beneath it") {
  WasiFixture fx;
  REQUIRE(::mkdir((fx.dir() / "d").c_str(), 0755) == 0);
  write_host(fx.dir() / "d/inner", "inside");
  OpenArgs a;
  a.oflags = oflag::kDirectory;
  a.base = right::kFdReaddir | right::kPathOpen;
  a.inheriting = right::kFdRead;
  auto dir = open_path(fx, "d", a);
  REQUIRE(dir.has_value());
  Call c = fx.call();
  REQUIRE(errno_of(fd_readdir(c, *dir, kBuf, 4096, 0, kOut)) == Errno::Success);
  CHECK(fx.get<uint32_t>(kOut) ==
        3 * layout::kDirentSize + 1 + 2 + 5);  // ".", "..", "inner"
  OpenArgs sub;
  sub.dir = *dir;
  auto inner = open_path(fx, "inner", sub);
  REQUIRE(inner.has_value());
  put_iovec(fx, 0, kBuf, 16);
  REQUIRE(errno_of(fd_read(c, *inner, kIovs, 1, kOut)) == Errno::Success);
  CHECK(fx.get<uint32_t>(kOut) == 6);
  // Closing the directory fd leaves what was opened through it usable.
  REQUIRE(errno_of(fd_close(c, *dir)) == Errno::Success);
  REQUIRE(errno_of(fd_read(c, *inner, kIovs, 1, kOut)) == Errno::Success);
  CHECK(fx.get<uint32_t>(kOut) == 0);
}

TEST_CASE("path_open: symlinks followed only with SYMLINK_FOLLOW") {
  WasiFixture fx;
  write_host(fx.dir() / "target", "t");
  REQUIRE(::symlink("target", (fx.dir() / "link").c_str()) == 0);
  OpenArgs a;
  CHECK(open_errno(fx, "link", a) == Errno::Success);
  a.lookup = 0;
  CHECK(open_errno(fx, "link", a) == Errno::Loop);
  CHECK(open_errno(fx, "target", a) == Errno::Success);
}

TEST_CASE("path_open: bad fds, paths and pointers; nothing left behind") {
  WasiFixture fx;
  write_host(fx.dir() / "f", "");
  const size_t open_fds = fx.ctx().fds().size();
  OpenArgs a;
  a.oflags = oflag::kCreat;
  a.dir = 99;
  CHECK(open_errno(fx, "x", a) == Errno::Badf);
  a.dir = open_path(fx, "f", {}).value();
  CHECK(open_errno(fx, "x", a) == Errno::Notdir);  // a file as the dir
  a.dir = kDir;
  CHECK(open_errno(fx, "/f", a) == Errno::Perm);
  CHECK(open_errno(fx, "../f", a) == Errno::Perm);
  CHECK(open_errno(fx, std::string("f\0", 2), a) == Errno::Inval);
  Call c = fx.call();
  CHECK(errno_of(path_open(c, kDir, 0, kOutside, 1, 0, 0, 0, 0, kOut)) ==
        Errno::Fault);
  CHECK(errno_of(path_open(c, kDir, 0, kWrapping, 0x20, 0, 0, 0, 0, kOut)) ==
        Errno::Fault);
  // The out pointer is checked before the file is created or opened.
  const uint32_t len = put(fx, kPath, "created");
  CHECK(errno_of(path_open(c, kDir, 0, kPath, len, oflag::kCreat,
                           right::kFdRead, 0, 0, kOutside)) == Errno::Fault);
  CHECK(errno_of(path_open(c, kDir, 0, kPath, len, oflag::kCreat,
                           right::kFdRead, 0, 0, kWrapping)) == Errno::Fault);
  CHECK(!exists_host(fx.dir() / "created"));
  CHECK(fx.ctx().fds().size() == open_fds + 1);  // just the "f" above
}

// Counts close_dir calls around a DirectFs, to see handles returned.
class CountingFs final : public FsAuthority {
 public:
  DirectFs& inner() { return fs_; }
  int closed = 0;

  Result<Opened, int> open_at(DirHandle d,
                              std::string_view p,
                              const OpenRequest& r) override {
    return fs_.open_at(d, p, r);
  }
  Result<struct stat, int> stat_at(DirHandle d,
                                   std::string_view p,
                                   Follow f) override {
    return fs_.stat_at(d, p, f);
  }
  Result<void, int> mkdir_at(DirHandle d, std::string_view p) override {
    return fs_.mkdir_at(d, p);
  }
  Result<void, int> unlink_at(DirHandle d, std::string_view p) override {
    return fs_.unlink_at(d, p);
  }
  Result<void, int> rmdir_at(DirHandle d, std::string_view p) override {
    return fs_.rmdir_at(d, p);
  }
  Result<void, int> rename_at(DirHandle a,
                              std::string_view p,
                              DirHandle b,
                              std::string_view q) override {
    return fs_.rename_at(a, p, b, q);
  }
  Result<void, int> link_at(DirHandle a,
                            std::string_view p,
                            Follow f,
                            DirHandle b,
                            std::string_view q) override {
    return fs_.link_at(a, p, f, b, q);
  }
  Result<void, int> symlink_at(std::string_view t,
                               DirHandle d,
                               std::string_view p) override {
    return fs_.symlink_at(t, d, p);
  }
  Result<std::string, int> readlink_at(DirHandle d,
                                       std::string_view p) override {
    return fs_.readlink_at(d, p);
  }
  Result<void, int> set_times_at(DirHandle d,
                                 std::string_view p,
                                 Follow f,
                                 TimeSpec a,
                                 TimeSpec m) override {
    return fs_.set_times_at(d, p, f, a, m);
  }
  Result<void, int> truncate_at(DirHandle d,
                                std::string_view p,
                                uint64_t size) override {
    return fs_.truncate_at(d, p, size);
  }
  void close_dir(DirHandle d) override {
    ++closed;
    fs_.close_dir(d);
  }

 private:
  DirectFs fs_;
};

TEST_CASE("path_open: a full table is Mfile before anything is opened") {
  TempDir tmp;
  REQUIRE(::mkdir((tmp / "d").c_str(), 0755) == 0);
  CountingFs fs;
  std::vector<Preopen> preopens(1);
  preopens[0].guest_name = "/";
  preopens[0].dir = fs.inner().open_root(tmp.path()).value();
  ContextOptions options;
  options.max_fds = 5;  // stdio, the preopen, one more
  Context ctx(std::move(options), fs, std::move(preopens), {});
  std::vector<uint8_t> memory(4096);
  Call c{ctx, Guest(engine::GuestMemory(memory.data(), memory.size())),
         Abi::Preview1};
  memory[kPath] = 'd';
  auto open_d = [&] {
    return errno_of(path_open(c, kDir, 0, kPath, 1, oflag::kDirectory,
                              right::kFdReaddir, 0, 0, kOut));
  };
  REQUIRE(ctx.fds().size() == 4);
  CHECK(open_d() == Errno::Success);
  CHECK(fs.closed == 0);
  // Refused before the authority opens it: no handle to give back.
  CHECK(open_d() == Errno::Mfile);
  CHECK(fs.closed == 0);
  CHECK(ctx.fds().size() == 5);
  // Refusing to write a directory gives its handle back.
  REQUIRE(errno_of(fd_close(c, 4)) == Errno::Success);
  CHECK(fs.closed == 1);
  CHECK(errno_of(path_open(c, kDir, 0, kPath, 1, 0, right::kFdWrite, 0, 0,
                           kOut)) == Errno::Isdir);
  CHECK(fs.closed == 2);
}

}  // namespace
}  // namespace capbox::wasi
