// SPDX-License-Identifier: Apache-2.0
// The preopen map's lookup through its C ABI: longest prefix on component
// boundaries, lexical "." and "..", the virtual cwd, errnos, and that a
// failed add leaves the map as it was. Descriptors are plain numbers: the
// map never uses them.
#include <errno.h>

#include <string>

#include <doctest/doctest.h>

#include "preopen/include/capbox_preopen.h"

namespace {

struct Map {
  Map() : m(capbox_preopen_map_new()) {}
  ~Map() { capbox_preopen_map_free(m); }
  Map(const Map&) = delete;
  Map& operator=(const Map&) = delete;
  capbox_preopen_map* m;
};

struct Found {
  int rc;
  int err;
  capbox_preopen_relpath rel;
};

Found find(const Map& map, const char* path) {
  Found f{};
  errno = 0;
  f.rc = capbox_preopen_find(map.m, path, &f.rel);
  f.err = errno;
  return f;
}

// "fd:relative" or "errno:N", so each check reads as one string.
std::string lookup(const Map& map, const char* path) {
  Found f = find(map, path);
  if (f.rc != 0)
    return "errno:" + std::to_string(f.err);
  return std::to_string(f.rel.dirfd) + ":" + f.rel.relative_path;
}

std::string cwd(const Map& map) {
  char buf[CAPBOX_PREOPEN_PATH_MAX];
  if (capbox_preopen_getcwd(map.m, buf, sizeof buf) < 0)
    return "errno:" + std::to_string(errno);
  return buf;
}

const std::string kNoEnt = "errno:" + std::to_string(ENOENT);
const std::string kTooLong = "errno:" + std::to_string(ENAMETOOLONG);

}  // namespace

TEST_CASE("longest prefix wins, on component boundaries only") {
  Map map;
  REQUIRE(capbox_preopen_map_add(map.m, "/data", 10, 0x1) == 0);
  REQUIRE(capbox_preopen_map_add(map.m, "/data/logs", 11, 0x2) == 0);
  REQUIRE(capbox_preopen_map_add(map.m, "/data2", 12, 0x4) == 0);
  CHECK(lookup(map, "/data/x") == "10:x");
  CHECK(lookup(map, "/data/logs/today") == "11:today");
  CHECK(lookup(map, "/data/logsx") == "10:logsx");
  CHECK(lookup(map, "/data2/x") == "12:x");
  CHECK(lookup(map, "/data3/x") == kNoEnt);
  CHECK(lookup(map, "/dat") == kNoEnt);
  Found f = find(map, "/data/logs/a/b");
  REQUIRE(f.rc == 0);
  CHECK(f.rel.index == 1);
  CHECK(f.rel.rights == 0x2);
  CHECK(std::string(f.rel.guest_name) == "/data/logs");
}

TEST_CASE("the preopen itself is \".\"") {
  Map map;
  REQUIRE(capbox_preopen_map_add(map.m, "/data", 10, 0) == 0);
  CHECK(lookup(map, "/data") == "10:.");
  CHECK(lookup(map, "/data/") == "10:.");
  CHECK(lookup(map, "/data/.") == "10:.");
}

TEST_CASE("\"/\" as a preopen covers everything not under a longer one") {
  Map map;
  REQUIRE(capbox_preopen_map_add(map.m, "/", 3, 0) == 0);
  REQUIRE(capbox_preopen_map_add(map.m, "/data", 10, 0) == 0);
  CHECK(lookup(map, "/") == "3:.");
  CHECK(lookup(map, "/etc/passwd") == "3:etc/passwd");
  CHECK(lookup(map, "/data/x") == "10:x");
  CHECK(lookup(map, "/datax") == "3:datax");
}

TEST_CASE("\"..\" never climbs above a preopen; the result has no \"..\"") {
  Map map;
  REQUIRE(capbox_preopen_map_add(map.m, "/data", 10, 0) == 0);
  CHECK(lookup(map, "/data/a/../b") == "10:b");
  CHECK(lookup(map, "/data/a/..") == "10:.");
  CHECK(lookup(map, "/data/..") == kNoEnt);
  CHECK(lookup(map, "/data/../etc/passwd") == kNoEnt);
  CHECK(lookup(map, "/../../data/x") == "10:x");
  CHECK(lookup(map, "/data/../data/y") == "10:y");
  SUBCASE("with \"/\" granted too, the escape lands in \"/\", not /data") {
    REQUIRE(capbox_preopen_map_add(map.m, "/", 3, 0) == 0);
    CHECK(lookup(map, "/data/../etc/passwd") == "3:etc/passwd");
    CHECK(lookup(map, "/data/..") == "3:.");
  }
}

TEST_CASE("repeated slashes and \".\" fold away") {
  Map map;
  REQUIRE(capbox_preopen_map_add(map.m, "/data", 10, 0) == 0);
  CHECK(lookup(map, "//data///a//b") == "10:a/b");
  CHECK(lookup(map, "/./data/./a/./b") == "10:a/b");
}

TEST_CASE("a trailing slash (or a last \".\" or \"..\") is kept") {
  Map map;
  REQUIRE(capbox_preopen_map_add(map.m, "/data", 10, 0) == 0);
  CHECK(lookup(map, "/data/dir/") == "10:dir/");
  CHECK(lookup(map, "/data/dir//") == "10:dir/");
  CHECK(lookup(map, "/data/dir/.") == "10:dir/");
  CHECK(lookup(map, "/data/dir/sub/..") == "10:dir/");
  CHECK(lookup(map, "/data/file") == "10:file");
}

TEST_CASE("relative paths use the virtual cwd; chdir into and out of") {
  Map map;
  REQUIRE(capbox_preopen_map_add(map.m, "/data", 10, 0) == 0);
  REQUIRE(capbox_preopen_map_add(map.m, "/logs", 11, 0) == 0);
  CHECK(cwd(map) == "/");
  CHECK(lookup(map, "data/x") == "10:x");
  CHECK(lookup(map, "x") == kNoEnt);

  REQUIRE(capbox_preopen_chdir(map.m, "/data/sub") == 0);
  CHECK(cwd(map) == "/data/sub");
  CHECK(lookup(map, "x") == "10:sub/x");
  CHECK(lookup(map, ".") == "10:sub/");
  CHECK(lookup(map, "..") == "10:.");
  CHECK(lookup(map, "../../logs/a") == "11:a");
  CHECK(lookup(map, "../../etc") == kNoEnt);
  CHECK(lookup(map, "/logs/b") == "11:b");

  REQUIRE(capbox_preopen_chdir(map.m, "../../logs//d/") == 0);
  CHECK(cwd(map) == "/logs/d");
  CHECK(lookup(map, "x") == "11:d/x");

  errno = 0;
  CHECK(capbox_preopen_chdir(map.m, "../../etc") == -1);
  CHECK(errno == ENOENT);
  CHECK(cwd(map) == "/logs/d");
  errno = 0;
  CHECK(capbox_preopen_chdir(map.m, "/") == -1);
  CHECK(errno == ENOENT);
  CHECK(cwd(map) == "/logs/d");
}

TEST_CASE("empty, NULL and too long paths") {
  Map map;
  REQUIRE(capbox_preopen_map_add(map.m, "/", 3, 0) == 0);
  CHECK(lookup(map, "") == kNoEnt);
  CHECK(find(map, nullptr).err == EFAULT);
  capbox_preopen_relpath rel;
  errno = 0;
  CHECK(capbox_preopen_find(nullptr, "/x", &rel) == -1);
  CHECK(errno == EINVAL);

  // The longest path accepted: 4095 bytes and its NUL, like the kernel.
  std::string name(CAPBOX_PREOPEN_PATH_MAX - 2, 'a');
  CHECK(lookup(map, ("/" + name).c_str()) == "3:" + name);
  CHECK(lookup(map, ("/" + name + "/").c_str()) == kTooLong);
  std::string dir_name(CAPBOX_PREOPEN_PATH_MAX - 3, 'a');
  CHECK(lookup(map, ("/" + dir_name + "/").c_str()) == "3:" + dir_name + "/");
  std::string huge(CAPBOX_PREOPEN_PATH_MAX, '/');
  CHECK(lookup(map, huge.c_str()) == kTooLong);
  // Under the limit itself, but too long once joined to the cwd.
  std::string dir(2000, 'd');
  REQUIRE(capbox_preopen_chdir(map.m, ("/" + dir + "/" + dir).c_str()) == 0);
  CHECK(lookup(map, dir.c_str()) == kTooLong);
  CHECK(lookup(map, ("../../" + dir).c_str()) == "3:" + dir);
  // Longer than the limit only before a ".." folds it back: accepted.
  CHECK(lookup(map, (dir + "/../x").c_str()) == "3:" + dir + "/" + dir + "/x");
  CHECK(lookup(map, (dir + "/a/b/../../..").c_str()) ==
        "3:" + dir + "/" + dir + "/");
  CHECK(lookup(map, (dir + "/a/b/../..").c_str()) == kTooLong);
}

TEST_CASE("a failed add leaves the map unchanged") {
  Map map;
  REQUIRE(capbox_preopen_map_add(map.m, "/data", 10, 0x1) == 0);
  struct Bad {
    const char* name;
    int fd;
    int err;
  };
  const Bad bad[] = {
      {"data", 11, EINVAL},    {"", 11, EINVAL},      {nullptr, 11, EINVAL},
      {"/x/../y", 11, EINVAL}, {"/x/.", 11, EINVAL},  {"/data", 11, EEXIST},
      {"//data/", 11, EEXIST}, {"/other", -1, EBADF},
  };
  for (const Bad& b : bad) {
    CAPTURE(b.name ? b.name : "(null)");
    errno = 0;
    CHECK(capbox_preopen_map_add(map.m, b.name, b.fd, 0x2) == -1);
    CHECK(errno == b.err);
  }
  std::string too_long(CAPBOX_PREOPEN_PATH_MAX, 'n');
  too_long[0] = '/';
  errno = 0;
  CHECK(capbox_preopen_map_add(map.m, too_long.c_str(), 11, 0) == -1);
  CHECK(errno == ENAMETOOLONG);

  CHECK(capbox_preopen_map_size(map.m) == 1);
  Found f = find(map, "/data/x");
  REQUIRE(f.rc == 0);
  CHECK(f.rel.dirfd == 10);
  CHECK(f.rel.rights == 0x1);
  CHECK(lookup(map, "/other/x") == kNoEnt);
  CHECK(lookup(map, "/y") == kNoEnt);
  // Normalised names: "/logs/" is "/logs".
  REQUIRE(capbox_preopen_map_add(map.m, "//logs/", 12, 0) == 0);
  CHECK(lookup(map, "/logs/a") == "12:a");
  CHECK(capbox_preopen_map_size(map.m) == 2);
}

TEST_CASE("getcwd reports ERANGE when the buffer is too small") {
  Map map;
  REQUIRE(capbox_preopen_map_add(map.m, "/data", 10, 0) == 0);
  REQUIRE(capbox_preopen_chdir(map.m, "/data") == 0);
  char buf[8] = "zzzzzzz";
  errno = 0;
  CHECK(capbox_preopen_getcwd(map.m, buf, 5) == -1);  // needs 6 with NUL
  CHECK(errno == ERANGE);
  CHECK(std::string(buf) == "zzzzzzz");
  CHECK(capbox_preopen_getcwd(map.m, buf, 6) == 5);
  CHECK(std::string(buf) == "/data");
  errno = 0;
  CHECK(capbox_preopen_getcwd(map.m, buf, 0) == -1);
  CHECK(errno == ERANGE);
}
