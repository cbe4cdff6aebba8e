// SPDX-License-Identifier: Apache-2.0
// fd_readdir: entry layout, "." and "..", types, buffers too small for one
// header or one name (cut off, bufused == buf_len), and resuming by cookie
// over many entries the way wasi-libc does.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "tests/unit/wasi/fd_test_util.h"
#include "wasi/dir_cookies.h"

namespace capbox::wasi {
namespace {

using namespace testing;
using namespace preview1;

struct Dirent {
  uint64_t next;
  uint64_t ino;
  uint32_t namlen;
  uint8_t type;
  std::string name;
};

// The whole entries in the first `used` bytes at kBuf.
std::vector<Dirent> parse(WasiFixture& fx, uint32_t used) {
  std::vector<Dirent> out;
  uint32_t at = 0;
  while (used - at >= layout::kDirentSize) {
    Dirent d;
    d.next = fx.get<uint64_t>(kBuf + at);
    d.ino = fx.get<uint64_t>(kBuf + at + 8);
    d.namlen = fx.get<uint32_t>(kBuf + at + 16);
    d.type = fx.get<uint8_t>(kBuf + at + 20);
    if (used - at - layout::kDirentSize < d.namlen)
      break;
    d.name.assign(
        reinterpret_cast<char*>(fx.mem() + kBuf + at + layout::kDirentSize),
        d.namlen);
    out.push_back(d);
    at += layout::kDirentSize + d.namlen;
  }
  return out;
}

uint32_t readdir(WasiFixture& fx, uint32_t fd, uint32_t len, uint64_t cookie) {
  Call c = fx.call();
  fx.set<uint32_t>(kOut, 0xFFFFFFFF);
  REQUIRE(errno_of(fd_readdir(c, fd, kBuf, len, cookie, kOut)) ==
          Errno::Success);
  const uint32_t used = fx.get<uint32_t>(kOut);
  REQUIRE(used <= len);
  return used;
}

// What wasi-libc's readdir does: read a buffer, take its whole entries,
// continue from the last one's d_next while the buffer came back full.
std::vector<Dirent> read_all(WasiFixture& fx, uint32_t fd, uint32_t len) {
  std::vector<Dirent> all;
  uint64_t cookie = 0;
  for (int guard = 0; guard < 100000; ++guard) {
    const uint32_t used = readdir(fx, fd, len, cookie);
    auto batch = parse(fx, used);
    // wasi-libc's telldir/seekdir keep a cookie in a 32-bit long.
    for (const Dirent& d : batch)
      CHECK(d.next < (uint64_t{1} << 32));
    all.insert(all.end(), batch.begin(), batch.end());
    if (used < len)
      return all;
    REQUIRE(!batch.empty());  // the buffer must hold at least one entry
    cookie = batch.back().next;
  }
  FAIL("fd_readdir never reached the end");
  return all;
}

TEST_CASE("fd_readdir: an empty directory has . and ..") {
  WasiFixture fx;
  REQUIRE(::mkdir((fx.dir() / "d").c_str(), 0755) == 0);
  const uint32_t fd = add_dir(fx, fx.dir() / "d", right::kFdReaddir);
  const uint32_t used = readdir(fx, fd, 1024, 0);
  auto entries = parse(fx, used);
  REQUIRE(entries.size() == 2);
  std::map<std::string, Dirent> by_name;
  for (const Dirent& d : entries)
    by_name[d.name] = d;
  REQUIRE(by_name.count(".") == 1);
  REQUIRE(by_name.count("..") == 1);
  CHECK(by_name["."].ino == lstat_host(fx.dir() / "d").st_ino);
  CHECK(by_name[".."].ino == lstat_host(fx.dir().path()).st_ino);
  CHECK(by_name["."].type == static_cast<uint8_t>(Filetype::Directory));
  CHECK(by_name[".."].type == static_cast<uint8_t>(Filetype::Directory));
  CHECK(used == 2 * layout::kDirentSize + 3);
  // Reading from the last entry's cookie: nothing more.
  CHECK(readdir(fx, fd, 1024, entries.back().next) == 0);
}

TEST_CASE("fd_readdir: file types and inode numbers") {
  WasiFixture fx;
  write_host(fx.dir() / "file", "x");
  REQUIRE(::mkdir((fx.dir() / "sub").c_str(), 0755) == 0);
  REQUIRE(::symlink("file", (fx.dir() / "link").c_str()) == 0);
  const uint32_t fd = add_dir(fx, fx.dir().path(), right::kFdReaddir);
  std::map<std::string, Dirent> by_name;
  for (const Dirent& d : read_all(fx, fd, 4096))
    by_name[d.name] = d;
  CHECK(by_name.size() == 5);
  CHECK(by_name["file"].type == static_cast<uint8_t>(Filetype::RegularFile));
  CHECK(by_name["sub"].type == static_cast<uint8_t>(Filetype::Directory));
  CHECK(by_name["link"].type == static_cast<uint8_t>(Filetype::SymbolicLink));
  CHECK(by_name["file"].ino == lstat_host(fx.dir() / "file").st_ino);
  CHECK(by_name["link"].namlen == 4);
}

TEST_CASE("fd_readdir: buffers smaller than an entry are filled and cut") {
  WasiFixture fx;
  write_host(fx.dir() / "a-longer-name", "");
  const uint32_t fd = add_dir(fx, fx.dir().path(), right::kFdReaddir);
  auto first = parse(fx, readdir(fx, fd, 4096, 0));
  REQUIRE(first.size() == 3);
  std::vector<uint8_t> whole(fx.mem() + kBuf, fx.mem() + kBuf + 200);

  SUBCASE("1 byte: part of the first header") {
    std::memset(fx.mem() + kBuf, 0xEE, 16);
    CHECK(readdir(fx, fd, 1, 0) == 1);
    CHECK(fx.get<uint8_t>(kBuf) == whole[0]);
    CHECK(fx.get<uint8_t>(kBuf + 1) == 0xEE);  // nothing past buf_len
  }
  SUBCASE("10 bytes: still inside the first header") {
    std::memset(fx.mem() + kBuf, 0xEE, 16);
    CHECK(readdir(fx, fd, 10, 0) == 10);
    CHECK(std::equal(whole.begin(), whole.begin() + 10, fx.mem() + kBuf));
    CHECK(fx.get<uint8_t>(kBuf + 10) == 0xEE);
  }
  SUBCASE("exactly one entry: full buffer, which means maybe more") {
    const uint32_t one = layout::kDirentSize + first[0].namlen;
    CHECK(readdir(fx, fd, one, 0) == one);
    auto got = parse(fx, one);
    REQUIRE(got.size() == 1);
    CHECK(got[0].name == first[0].name);
    CHECK(got[0].next == first[0].next);
  }
  SUBCASE("an entry with its name cut short") {
    const uint32_t one = layout::kDirentSize + first[0].namlen;
    const uint32_t len = one + layout::kDirentSize + first[1].namlen - 1;
    CHECK(readdir(fx, fd, len, 0) == len);
    CHECK(parse(fx, len).size() == 1);
    CHECK(std::equal(whole.begin(), whole.begin() + len, fx.mem() + kBuf));
  }
  SUBCASE("a zero-length buffer") {
    CHECK(readdir(fx, fd, 0, 0) == 0);
  }
}

TEST_CASE("fd_readdir: resuming by cookie over many entries") {
  WasiFixture fx;
  std::set<std::string> expected = {".", ".."};
  for (int i = 0; i < 300; ++i) {
    const std::string name = "entry-with-a-name-" + std::to_string(i);
    write_host(fx.dir() / name, "");
    expected.insert(name);
  }
  const uint32_t fd = add_dir(fx, fx.dir().path(), right::kFdReaddir);
  for (uint32_t len : {64u, 100u, 256u, 4096u, 60000u}) {
    CAPTURE(len);
    auto all = read_all(fx, fd, len);
    std::set<std::string> names;
    for (const Dirent& d : all)
      names.insert(d.name);
    CHECK(all.size() == expected.size());  // no duplicates
    CHECK(names == expected);
  }
}

TEST_CASE("fd_readdir: a cookie stays valid across other calls") {
  WasiFixture fx;
  for (int i = 0; i < 50; ++i)
    write_host(fx.dir() / ("f" + std::to_string(i)), "");
  const uint32_t fd =
      add_dir(fx, fx.dir().path(), right::kFdReaddir | right::kFdFilestatGet);
  auto all = parse(fx, readdir(fx, fd, 60000, 0));
  REQUIRE(all.size() == 52);
  const uint64_t cookie = all[20].next;
  auto from_cookie = parse(fx, readdir(fx, fd, 60000, cookie));
  REQUIRE(from_cookie.size() == 31);
  CHECK(from_cookie[0].name == all[21].name);
  // Other reads move the directory's offset; the cookie still works.
  (void)readdir(fx, fd, 100, 0);
  (void)readdir(fx, fd, 100, all[40].next);
  Call c = fx.call();
  REQUIRE(errno_of(fd_filestat_get(c, fd, kOut)) == Errno::Success);
  auto again = parse(fx, readdir(fx, fd, 60000, cookie));
  REQUIRE(again.size() == from_cookie.size());
  for (size_t i = 0; i < again.size(); ++i)
    CHECK(again[i].name == from_cookie[i].name);
  // A descriptor opened afresh takes the same cookie.
  const uint32_t other = add_dir(fx, fx.dir().path(), right::kFdReaddir);
  auto fresh = parse(fx, readdir(fx, other, 60000, cookie));
  REQUIRE(!fresh.empty());
  CHECK(fresh[0].name == all[21].name);
}

TEST_CASE("fd_readdir: deleting what was read does not skip the rest") {
  WasiFixture fx;
  std::set<std::string> left;
  for (int i = 0; i < 200; ++i) {
    const std::string name = "file-number-" + std::to_string(i);
    write_host(fx.dir() / name, "");
    left.insert(name);
  }
  const uint32_t fd = add_dir(fx, fx.dir().path(), right::kFdReaddir);
  // rm -rf's loop: read a buffer, unlink its entries, go on from the
  // cookie. Index cookies would skip entries here.
  uint64_t cookie = 0;
  for (int guard = 0; guard < 1000; ++guard) {
    const uint32_t used = readdir(fx, fd, 300, cookie);
    auto batch = parse(fx, used);
    for (const Dirent& d : batch) {
      if (d.name == "." || d.name == "..")
        continue;
      REQUIRE(::unlink((fx.dir() / d.name).c_str()) == 0);
      left.erase(d.name);
    }
    if (used < 300)
      break;
    cookie = batch.back().next;
  }
  CHECK(left.empty());
}

TEST_CASE("fd_readdir: errors") {
  WasiFixture fx;
  const uint32_t dir = add_dir(fx, fx.dir().path(), right::kFdReaddir);
  const uint32_t no_right =
      add_dir(fx, fx.dir().path(), right::kAll & ~right::kFdReaddir);
  const uint32_t file = add_file(fx, "f", O_RDWR | O_CREAT, right::kAll);
  Call c = fx.call();
  CHECK(errno_of(fd_readdir(c, 99, kBuf, 100, 0, kOut)) == Errno::Badf);
  CHECK(errno_of(fd_readdir(c, file, kBuf, 100, 0, kOut)) == Errno::Notdir);
  CHECK(errno_of(fd_readdir(c, no_right, kBuf, 100, 0, kOut)) ==
        Errno::Notcapable);
  CHECK(errno_of(fd_readdir(c, dir, kOutside, 100, 0, kOut)) == Errno::Fault);
  CHECK(errno_of(fd_readdir(c, dir, kWrapping, 0x20, 0, kOut)) == Errno::Fault);
  CHECK(errno_of(fd_readdir(c, dir, kBuf, 100, 0, kOutside)) == Errno::Fault);
  CHECK(errno_of(fd_readdir(c, dir, kBuf, 100, 1ull << 63, kOut)) ==
        Errno::Inval);
  // A cookie from the mapped range that was never given out.
  CHECK(errno_of(fd_readdir(c, dir, kBuf, 100, DirCookies::kFirstMapped + 7,
                            kOut)) == Errno::Inval);
}

TEST_CASE("fd_readdir: the same in wasi_unstable") {
  WasiFixture fx({right::kAll}, {right::kAll}, Abi::Unstable);
  write_host(fx.dir() / "x", "");
  const uint32_t fd = add_dir(fx, fx.dir().path(), right::kFdReaddir);
  auto all = read_all(fx, fd, 30);
  CHECK(all.size() == 3);
}

TEST_CASE("dir cookies: small positions pass, large ones get 32-bit cookies") {
  DirCookies cookies;
  const DirCookies::DirId a{1, 10}, b{1, 11};
  CHECK(!DirCookies::mapped(0));
  CHECK(!DirCookies::mapped(0x7FFFFFFF));
  CHECK(DirCookies::mapped(0x80000000));
  const uint64_t big = 0x583a64d73040ba1eull, eof = 0x7fffffffffffffffull;
  CHECK(*cookies.cookie(a, big) == DirCookies::kFirstMapped);
  CHECK(*cookies.cookie(a, eof) == DirCookies::kFirstMapped + 1);
  CHECK(*cookies.cookie(a, big) == DirCookies::kFirstMapped);  // stable
  CHECK(*cookies.cookie(b, eof) == DirCookies::kFirstMapped);  // own table
  CHECK(*cookies.position(a, DirCookies::kFirstMapped) == big);
  CHECK(*cookies.position(a, DirCookies::kFirstMapped + 1) == eof);
  CHECK(*cookies.position(b, DirCookies::kFirstMapped) == eof);
  CHECK(cookies.position(a, DirCookies::kFirstMapped + 2).error() ==
        Errno::Inval);
  CHECK(cookies.position(DirCookies::DirId{2, 10}, DirCookies::kFirstMapped)
            .error() == Errno::Inval);
}

}  // namespace
}  // namespace capbox::wasi
