// SPDX-License-Identifier: Apache-2.0
// libFuzzer target for libcapbox-preopen's lookup. Each input byte picks a
// path token; the tokens make a cwd and a path, looked up in a fixed map
// with and without "/" granted. The result must agree with a plain
// std::string reference: no ".." component, never absolute, and guest name
// joined with it is the folded input under its longest preopen.
// Built only with -Dfuzzing=true and clang (see run.sh).
#include <errno.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "preopen/include/capbox_preopen.h"

namespace {

const char* const kTokens[] = {"a", "b",  "ab",   "c",     "d",  ".",   "..",
                               "/", "//", "data", "data2", "x/", "../", "./"};
const char* const kNames[] = {"/a", "/a/b", "/ab", "/c/d", "/data"};

void fail(const char* what, const std::string& path) {
  fprintf(stderr, "preopen_find_fuzz: %s for \"%s\"\n", what, path.c_str());
  abort();
}

// The folded absolute path, by splitting into components.
std::string fold(const std::string& cwd, const std::string& path) {
  std::string joined = path[0] == '/' ? path : cwd + "/" + path;
  std::vector<std::string> parts;
  size_t i = 0;
  while (i <= joined.size()) {
    size_t end = joined.find('/', i);
    if (end == std::string::npos)
      end = joined.size();
    std::string c = joined.substr(i, end - i);
    if (c == "..") {
      if (!parts.empty())
        parts.pop_back();
    } else if (!c.empty() && c != ".") {
      parts.push_back(c);
    }
    i = end + 1;
  }
  std::string out;
  for (const std::string& p : parts)
    out += "/" + p;
  return out.empty() ? "/" : out;
}

bool covers(const std::string& name, const std::string& path) {
  if (name == "/")
    return true;
  return path.compare(0, name.size(), name) == 0 &&
         (path.size() == name.size() || path[name.size()] == '/');
}

void check(capbox_preopen_map* map,
           bool has_root,
           const std::string& cwd,
           const std::string& path) {
  capbox_preopen_relpath rel;
  errno = 0;
  int rc = capbox_preopen_find(map, path.c_str(), &rel);
  if (path.empty()) {
    if (rc != -1 || errno != ENOENT)
      fail("empty path not ENOENT", path);
    return;
  }
  std::string folded = fold(cwd, path);
  std::string best;
  for (const char* n : kNames)
    if (covers(n, folded) && std::string(n).size() > best.size())
      best = n;
  if (best.empty() && has_root)
    best = "/";
  bool too_long = path.size() >= CAPBOX_PREOPEN_PATH_MAX ||
                  folded.size() >= CAPBOX_PREOPEN_PATH_MAX;
  if (rc != 0) {
    if (too_long ? errno != ENAMETOOLONG : (errno != ENOENT || !best.empty()))
      fail("unexpected failure", path);
    return;
  }
  if (too_long || best.empty() || best != rel.guest_name)
    fail("wrong preopen", path);
  std::string r = rel.relative_path;
  if (r.empty() || r[0] == '/')
    fail("empty or absolute relative path", path);
  if (("/" + r + "/").find("/../") != std::string::npos)
    fail("\"..\" in the relative path", path);
  if (r.size() > 1 && r.back() == '/')
    r.pop_back();
  std::string joined = r == "." ? best : (best == "/" ? "" : best) + "/" + r;
  if (joined != folded)
    fail("guest name + relative path is not the folded path", path);
}

capbox_preopen_map* make_map(bool with_root) {
  capbox_preopen_map* map = capbox_preopen_map_new();
  if (!map)
    abort();
  int fd = 10;
  for (const char* n : kNames)
    if (capbox_preopen_map_add(map, n, fd++, 0) != 0)
      abort();
  if (with_root && capbox_preopen_map_add(map, "/", fd, 0) != 0)
    abort();
  return map;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // Bytes before the first 0xff make the cwd, the rest the path; a byte
  // >= 0xf0 repeats the previous token many times to reach the length limit.
  std::string cwd_path, path, last;
  std::string* cur = &cwd_path;
  for (size_t i = 0; i < size; ++i) {
    if (data[i] == 0xff && cur == &cwd_path) {
      cur = &path;
      continue;
    }
    if (data[i] >= 0xf0) {
      for (int k = 0; k < 300; ++k)
        *cur += last;
      continue;
    }
    last = kTokens[data[i] % (sizeof kTokens / sizeof kTokens[0])];
    *cur += last;
  }
  static capbox_preopen_map* plain = make_map(false);
  static capbox_preopen_map* rooted = make_map(true);
  for (capbox_preopen_map* map : {plain, rooted}) {
    std::string cwd = "/";
    capbox_preopen_chdir(map, "/");
    capbox_preopen_chdir(map, "/data");
    char buf[CAPBOX_PREOPEN_PATH_MAX];
    if (capbox_preopen_getcwd(map, buf, sizeof buf) < 0)
      abort();
    cwd = buf;
    if (!cwd_path.empty() && capbox_preopen_chdir(map, cwd_path.c_str()) == 0) {
      if (capbox_preopen_getcwd(map, buf, sizeof buf) < 0)
        abort();
      if (fold(cwd, cwd_path) != buf)
        fail("chdir folded differently", cwd_path);
      cwd = buf;
    }
    check(map, map == rooted, cwd, path);
  }
  return 0;
}
