// SPDX-License-Identifier: Apache-2.0
// Rights refusals are reported to ContextOptions::on_denied with the
// function, the guest path (the preopen's name joined with the path, also
// through descriptors opened beneath it) and exactly the rights missing;
// calls that succeed, and descriptors from no preopen, report nothing.
#include <doctest/doctest.h>
#include <sys/stat.h>

#include <string>
#include <vector>

#include "tests/unit/wasi/fd_test_util.h"
#include "wasi/grant_rights.h"

namespace capbox::wasi {
namespace {

using namespace testing;
using namespace preview1;

struct Recorded {
  std::string function;
  std::string guest_path;
  uint64_t missing;
};

std::unique_ptr<WasiFixture> fixture(Rights rights,
                                     std::vector<Recorded>& seen) {
  ContextOptions options;
  options.on_denied = [&seen](const RightsDenial& d) {
    seen.push_back({std::string(d.function), d.guest_path, d.missing});
  };
  return std::make_unique<WasiFixture>(rights, rights, Abi::Preview1,
                                       std::move(options));
}

Call named(WasiFixture& fx, std::string_view function) {
  Call c = fx.call();
  c.function = function;
  return c;
}

TEST_CASE("a path operation the grant lacks names the path and the right") {
  std::vector<Recorded> seen;
  auto fx = fixture({kGrantRead}, seen);
  fx->put_string(kPath, "newdir");
  Call c = named(*fx, "path_create_directory");
  CHECK(errno_of(path_create_directory(c, WasiFixture::kPreopenFd, kPath, 6)) ==
        Errno::Notcapable);
  REQUIRE(seen.size() == 1);
  CHECK(seen[0].function == "path_create_directory");
  CHECK(seen[0].guest_path == "/sandbox/newdir");
  CHECK(seen[0].missing == right::kPathCreateDirectory);
}

TEST_CASE("opening for write under read: path_open reports write") {
  std::vector<Recorded> seen;
  auto fx = fixture({kGrantRead}, seen);
  write_host(fx->dir() / "a.txt", "x");
  fx->put_string(kPath, "a.txt");
  Call c = named(*fx, "path_open");
  CHECK(errno_of(path_open(c, WasiFixture::kPreopenFd, 0, kPath, 5, 0,
                           right::kFdRead | right::kFdWrite, 0, 0, kOut)) ==
        Errno::Notcapable);
  REQUIRE(seen.size() == 1);
  CHECK(seen[0].guest_path == "/sandbox/a.txt");
  CHECK(seen[0].missing == right::kFdWrite);
}

TEST_CASE("a descriptor opened beneath keeps its guest path") {
  std::vector<Recorded> seen;
  auto fx = fixture({kGrantRead}, seen);
  REQUIRE(::mkdir((fx->dir() / "sub").c_str(), 0755) == 0);
  write_host(fx->dir() / "sub/b.txt", "x");
  fx->put_string(kPath, "sub/b.txt");
  Call open = named(*fx, "path_open");
  REQUIRE(errno_of(path_open(open, WasiFixture::kPreopenFd, 0, kPath, 9, 0,
                             right::kFdRead, 0, 0, kOut)) == Errno::Success);
  const uint32_t fd = fx->get<uint32_t>(kOut);
  CHECK(seen.empty());
  Call write = named(*fx, "fd_write");
  CHECK(errno_of(fd_write(write, fd, 0, 0, kOut)) == Errno::Notcapable);
  REQUIRE(seen.size() == 1);
  CHECK(seen[0].function == "fd_write");
  CHECK(seen[0].guest_path == "/sandbox/sub/b.txt");
  CHECK(seen[0].missing == right::kFdWrite);
}

TEST_CASE("allowed calls and stdio report nothing") {
  std::vector<Recorded> seen;
  auto fx = fixture({right::kAll}, seen);
  fx->put_string(kPath, "newdir");
  Call c = named(*fx, "path_create_directory");
  CHECK(errno_of(path_create_directory(c, WasiFixture::kPreopenFd, kPath, 6)) ==
        Errno::Success);
  // stdin has no write right, but it descends from no grant.
  Call w = named(*fx, "fd_write");
  CHECK(errno_of(fd_write(w, 0, 0, 0, kOut)) != Errno::Success);
  CHECK(seen.empty());
}

TEST_CASE("join_guest_path") {
  CHECK(join_guest_path("/data", "a/b") == "/data/a/b");
  CHECK(join_guest_path("/data/", "a") == "/data/a");
  CHECK(join_guest_path("/data", ".") == "/data");
  CHECK(join_guest_path("/data", "") == "/data");
}

}  // namespace
}  // namespace capbox::wasi
