// SPDX-License-Identifier: Apache-2.0
// libFuzzer target for broker/resolve.h, after cap-std's cap-primitives
// fuzzer: each input byte picks a path token, the tokens make a path, and
// the path goes through open_beneath, open_parent_beneath and
// open_target_parent_beneath with both resolvers over a fixed temporary
// tree. Nothing may ever open an inode outside the tree, and openat2 and
// the walk must agree. Read-only flags only, so the tree never changes.
// Built only with -Dfuzzing=true and clang (see run.sh).
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <set>
#include <string>
#include <utility>

#include "broker/resolve.h"

namespace {

using capbox::UniqueFd;
using capbox::broker::Resolver;
using Inode = std::pair<dev_t, ino_t>;

void fail(const char* what, const std::string& path) {
  std::fprintf(stderr, "resolve_fuzz: %s for path \"%s\"\n", what,
               path.c_str());
  std::abort();
}

// outer/root/{a, b/, b/a, b/link-up -> ../a, link-in -> b,
// link-out -> ../.., loop -> loop}, plus outer/secret.
struct Tree {
  std::string outer;
  UniqueFd root;
  std::set<Inode> inside;

  Tree() {
    std::string tmpl =
        (std::filesystem::temp_directory_path() / "capbox-fuzz-XXXXXX")
            .string();
    outer = ::mkdtemp(tmpl.data());
    std::string r = outer + "/root";
    ::close(::open((outer + "/secret").c_str(), O_CREAT | O_WRONLY, 0644));
    ::mkdir(r.c_str(), 0755);
    ::mkdir((r + "/b").c_str(), 0755);
    ::close(::open((r + "/a").c_str(), O_CREAT | O_WRONLY, 0644));
    ::close(::open((r + "/b/a").c_str(), O_CREAT | O_WRONLY, 0644));
    (void)::symlink("../a", (r + "/b/link-up").c_str());
    (void)::symlink("b", (r + "/link-in").c_str());
    (void)::symlink("../..", (r + "/link-out").c_str());
    (void)::symlink("loop", (r + "/loop").c_str());
    root = UniqueFd(::open(r.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    struct stat st {};
    ::lstat(r.c_str(), &st);
    inside.insert({st.st_dev, st.st_ino});
    for (const auto& e : std::filesystem::recursive_directory_iterator(r)) {
      ::lstat(e.path().c_str(), &st);
      inside.insert({st.st_dev, st.st_ino});
    }
    if (!root.valid() || inside.size() != 8)
      fail("could not build the tree", r);
  }
  ~Tree() {
    std::error_code ignored;
    std::filesystem::remove_all(outer, ignored);
  }
};

// The inode opened, or {errno, 0} on failure; aborts if it is outside.
Inode check(const Tree& tree, int fd, int err, const std::string& path) {
  if (fd < 0)
    return {static_cast<dev_t>(err), 0};
  struct stat st {};
  if (::fstat(fd, &st) != 0)
    fail("fstat failed", path);
  Inode inode{st.st_dev, st.st_ino};
  if (tree.inside.count(inode) == 0)
    fail("opened an inode outside the tree", path);
  return inode;
}

void fuzz_path(const Tree& tree, const std::string& path, int flags) {
  using namespace capbox::broker;
  Inode seen[2][3];
  for (Resolver r : {Resolver::Kernel, Resolver::Walk}) {
    Inode* out = seen[r == Resolver::Walk];
    auto opened = open_beneath(tree.root.get(), path, flags, 0, r);
    out[0] = check(tree, opened ? opened->get() : -1,
                   opened ? 0 : opened.error(), path);
    auto parent = open_parent_beneath(tree.root.get(), path, r);
    out[1] = check(tree, parent ? parent->dir.get() : -1,
                   parent ? 0 : parent.error(), path);
    auto target = open_target_parent_beneath(tree.root.get(), path, r);
    out[2] = check(tree, target ? target->dir.get() : -1,
                   target ? 0 : target.error(), path);
  }
  for (int i = 0; i < 3; ++i) {
    if (seen[0][i] != seen[1][i])
      fail("openat2 and the walk disagree", path);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const Tree tree;
  static const char* const kTokens[] = {".",       "..",       "a",    "b",
                                        "link-in", "link-out", "loop", "/"};
  static const int kFlags[] = {O_PATH, O_RDONLY, O_PATH | O_NOFOLLOW,
                               O_RDONLY | O_DIRECTORY};
  if (size == 0 || size > 64)
    return 0;
  std::string path;
  for (size_t i = 1; i < size; ++i) {
    std::string token = kTokens[data[i] % 8];
    if (token != "/" && !path.empty() && path.back() != '/')
      path += '/';
    path += token;
  }
  fuzz_path(tree, path, kFlags[data[0] % 4]);
  return 0;
}
