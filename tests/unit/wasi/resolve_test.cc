// SPDX-License-Identifier: Apache-2.0
// broker/resolve.h over a real temporary tree: cap-std's spelling matrix
// (tests/symlinks.rs), run through openat2 and through the forced walk,
// which must agree with each other and, inside the tree, with plain openat;
// then every short path over a token alphabet (cap-std's fuzz idea), which
// must never open anything outside the tree.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "broker/resolve.h"
#include "tests/unit/wasi/wasi_fixture.h"

namespace capbox::broker {
namespace {

using wasi::testing::TempDir;
using Inode = std::pair<dev_t, ino_t>;

constexpr Resolver kResolvers[] = {Resolver::Kernel, Resolver::Walk};

std::string name_of(Resolver r) {
  return r == Resolver::Kernel ? "openat2" : "walk";
}

// outer/                  (TempDir)
//   secret                a file outside the root
//   root/                 the directory everything resolves beneath
//     a  dir/a  dir/inner/  dir/up -> ../a
//     link-to-inside -> dir       link-file -> a      dirlink -> dir/inner
//     link-to-outside -> ../secret    link-up-up -> ../..
//     abs-link -> /etc    magic -> /proc/self/root    self -> .
//     loop1 -> loop2 -> loop1    dangling -> newfile
//     out-dangling -> ../created-outside
class Tree {
 public:
  Tree() {
    root_ = outer_ / "root";
    write(outer_ / "secret", "secret");
    ::mkdir(root_.c_str(), 0755);
    ::mkdir((root_ + "/dir").c_str(), 0755);
    ::mkdir((root_ + "/dir/inner").c_str(), 0755);
    write(root_ + "/a", "a");
    write(root_ + "/dir/a", "dir/a");
    link("../a", "dir/up");
    link("dir", "link-to-inside");
    link("a", "link-file");
    link("dir/inner", "dirlink");
    link("../secret", "link-to-outside");
    link("../..", "link-up-up");
    link("/etc", "abs-link");
    link("/proc/self/root", "magic");
    link(".", "self");
    link("loop2", "loop1");
    link("loop1", "loop2");
    link("newfile", "dangling");
    link("../created-outside", "out-dangling");
    fd_ = UniqueFd(::open(root_.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  }

  int fd() const { return fd_.get(); }
  const std::string& root() const { return root_; }
  std::string outer(const std::string& rel) const { return outer_ / rel; }

  // The identity of root/rel itself (not following a last symlink).
  Inode inode(const std::string& rel) const {
    struct stat st {};
    std::string p = rel == "." ? root_ : root_ + "/" + rel;
    REQUIRE(::lstat(p.c_str(), &st) == 0);
    return {st.st_dev, st.st_ino};
  }

  // Everything in the tree, symlinks themselves included.
  std::set<Inode> all_inodes() const {
    std::set<Inode> out{inode(".")};
    for (const auto& e : std::filesystem::recursive_directory_iterator(root_)) {
      struct stat st {};
      REQUIRE(::lstat(e.path().c_str(), &st) == 0);
      out.insert({st.st_dev, st.st_ino});
    }
    return out;
  }

 private:
  static void write(const std::string& path, const std::string& text) {
    UniqueFd f(::open(path.c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0644));
    REQUIRE(f.valid());
    REQUIRE(::write(f.get(), text.data(), text.size()) ==
            static_cast<ssize_t>(text.size()));
  }
  void link(const char* target, const char* name) {
    REQUIRE(::symlink(target, (root_ + "/" + name).c_str()) == 0);
  }

  TempDir outer_;
  std::string root_;
  UniqueFd fd_;
};

Inode inode_of(int fd) {
  struct stat st {};
  REQUIRE(::fstat(fd, &st) == 0);
  return {st.st_dev, st.st_ino};
}

mode_t current_umask() {
  mode_t old = ::umask(0);
  ::umask(old);
  return old;
}

// An outcome both resolvers can be compared on: the inode opened, or the
// errno.
struct Outcome {
  int err = 0;
  Inode inode{};
  bool operator==(const Outcome&) const = default;
};

Outcome outcome(const Result<UniqueFd, int>& r) {
  if (!r)
    return {r.error(), {}};
  return {0, inode_of(r->get())};
}

struct Case {
  std::string path;
  int flags;
  const char* target;  // root-relative name of what must open, or null
  int err;             // the errno when target is null
};

std::vector<Case> spelling_matrix() {
  const int kRd = O_RDONLY;
  const int kPath = O_PATH;
  return {
      {"a", kRd, "a", 0},
      {"./a", kRd, "a", 0},
      {"a/../a", kRd, nullptr, ENOTDIR},  // a is a file
      {"dir/../a", kRd, "a", 0},
      {"dir//a", kRd, "dir/a", 0},
      {"dir/", kRd, "dir", 0},
      {"dir/./inner/..", kRd, "dir", 0},
      {".", kRd, ".", 0},
      {"./", kRd, ".", 0},
      {"dir/..", kRd, ".", 0},
      {"dir/inner/../../a", kRd, "a", 0},
      {"self/self/a", kRd, "a", 0},
      {"link-to-inside", kRd, "dir", 0},
      {"link-to-inside/a", kRd, "dir/a", 0},
      {"link-to-inside/../a", kRd, "a", 0},
      {"dir/up", kRd, "a", 0},
      // The link's target is dir/inner, so `..` is dir, not the root: the
      // kernel's rule, which a lexical cleanup of the string would break.
      {"dirlink/../a", kRd, "dir/a", 0},
      {"link-file", kRd, "a", 0},
      {"link-file", kPath, "a", 0},
      {"link-file", kPath | O_NOFOLLOW, "link-file", 0},
      {"link-file", kRd | O_NOFOLLOW, nullptr, ELOOP},
      {"link-to-inside", kRd | O_NOFOLLOW | O_DIRECTORY, nullptr, ENOTDIR},
      {"link-to-inside/", kRd | O_NOFOLLOW, "dir", 0},  // slash follows
      {"link-to-inside/.", kRd | O_NOFOLLOW, "dir", 0},
      {"link-file/", kRd, nullptr, ENOTDIR},
      {"a/", kRd, nullptr, ENOTDIR},
      {"a/.", kRd, nullptr, ENOTDIR},
      {"a", kRd | O_DIRECTORY, nullptr, ENOTDIR},
      {"missing", kRd, nullptr, ENOENT},
      {"missing/..", kRd, nullptr, ENOENT},
      {"dangling", kRd, nullptr, ENOENT},
      {"", kRd, nullptr, ENOENT},
      {"..", kRd, nullptr, EPERM},
      {"../x", kRd, nullptr, EPERM},
      {"../root/a", kRd, nullptr, EPERM},  // leaves and comes back
      {"dir/../../x", kRd, nullptr, EPERM},
      {"dir/inner/../../../a", kRd, nullptr, EPERM},
      {"/etc/passwd", kRd, nullptr, EPERM},
      {"/", kRd, nullptr, EPERM},
      {"link-to-outside", kRd, nullptr, EPERM},
      {"link-to-outside", kPath, nullptr, EPERM},
      {"link-up-up", kRd, nullptr, EPERM},
      {"link-up-up/root/a", kRd, nullptr, EPERM},
      {"abs-link", kRd, nullptr, EPERM},
      {"abs-link/passwd", kRd, nullptr, EPERM},
      {"magic", kRd, nullptr, EPERM},
      {"magic/etc/passwd", kPath, nullptr, EPERM},
      {"out-dangling", kRd | O_CREAT, nullptr, EPERM},
      {"loop1", kRd, nullptr, ELOOP},
      {"loop1/a", kRd, nullptr, ELOOP},
      {"loop1", kPath | O_NOFOLLOW, "loop1", 0},
      {std::string("a\0b", 3), kRd, nullptr, EINVAL},
      {"a", kRd | 0x40000000, nullptr, EINVAL},  // an unknown flag
      {std::string(300, 'n'), kRd, nullptr, ENAMETOOLONG},
      {std::string(5000, 'n'), kRd, nullptr, ENAMETOOLONG},
      {"new/", kRd | O_CREAT, nullptr, EISDIR},
      {"a", kRd | O_CREAT | O_EXCL, nullptr, EEXIST},
      {"link-file", kRd | O_CREAT | O_EXCL, nullptr, EEXIST},
      {".", O_WRONLY, nullptr, EISDIR},
  };
}

TEST_CASE("open_beneath: the spelling matrix, both resolvers, plain openat") {
  Tree tree;
  for (const Case& c : spelling_matrix()) {
    for (Resolver r : kResolvers) {
      CAPTURE(c.path);
      CAPTURE(c.flags);
      CAPTURE(name_of(r));
      auto got = open_beneath(tree.fd(), c.path, c.flags, 0644, r);
      if (c.target == nullptr) {
        CHECK(got.error() == c.err);
        continue;
      }
      REQUIRE(got.has_value());
      CHECK(inode_of(got->get()) == tree.inode(c.target));
      CHECK((::fcntl(got->get(), F_GETFD) & FD_CLOEXEC) != 0);
      // Inside the tree the kernel's own answer is the reference.
      UniqueFd plain(::openat(tree.fd(), c.path.c_str(), c.flags));
      REQUIRE(plain.valid());
      CHECK(inode_of(plain.get()) == inode_of(got->get()));
    }
  }
}

TEST_CASE("open_beneath: escapes create and change nothing outside") {
  Tree tree;
  for (Resolver r : kResolvers) {
    CAPTURE(name_of(r));
    CHECK(open_beneath(tree.fd(), "out-dangling", O_WRONLY | O_CREAT, 0644, r)
              .error() == EPERM);
    CHECK(open_beneath(tree.fd(), "../created-outside", O_WRONLY | O_CREAT,
                       0644, r)
              .error() == EPERM);
    CHECK(open_beneath(tree.fd(), "link-to-outside", O_WRONLY | O_TRUNC, 0, r)
              .error() == EPERM);
    CHECK(::access(tree.outer("created-outside").c_str(), F_OK) != 0);
    struct stat st {};
    REQUIRE(::stat(tree.outer("secret").c_str(), &st) == 0);
    CHECK(st.st_size == 6);
  }
}

TEST_CASE("open_beneath: O_CREAT through links inside, mode and umask") {
  Tree tree;
  for (Resolver r : kResolvers) {
    CAPTURE(name_of(r));
    // A dangling link inside is followed and its target created, beneath.
    auto made =
        open_beneath(tree.fd(), "dangling", O_WRONLY | O_CREAT, 0600, r);
    REQUIRE(made.has_value());
    CHECK(inode_of(made->get()) == tree.inode("newfile"));
    struct stat st {};
    REQUIRE(::fstat(made->get(), &st) == 0);
    CHECK((st.st_mode & 0777) == (0600 & ~current_umask()));
    auto deep = open_beneath(tree.fd(), "link-to-inside/inner/../made",
                             O_RDWR | O_CREAT | O_EXCL, 0644, r);
    REQUIRE(deep.has_value());
    CHECK(inode_of(deep->get()) == tree.inode("dir/made"));
    REQUIRE(::unlink((tree.root() + "/newfile").c_str()) == 0);
    REQUIRE(::unlink((tree.root() + "/dir/made").c_str()) == 0);
  }
}

TEST_CASE("open_beneath: procfs magic links are refused") {
  UniqueFd proc(::open("/proc/self", O_PATH | O_DIRECTORY | O_CLOEXEC));
  REQUIRE(proc.valid());
  UniqueFd probe(::open("/", O_PATH | O_DIRECTORY | O_CLOEXEC));
  std::string fd_link = "fd/" + std::to_string(probe.get());
  for (Resolver r : kResolvers) {
    CAPTURE(name_of(r));
    CHECK(open_beneath(proc.get(), "root", O_PATH, 0, r).error() == ELOOP);
    CHECK(open_beneath(proc.get(), "root/etc", O_PATH, 0, r).error() == ELOOP);
    CHECK(open_beneath(proc.get(), "cwd/", O_RDONLY, 0, r).error() == ELOOP);
    CHECK(open_beneath(proc.get(), fd_link, O_PATH, 0, r).error() == ELOOP);
    CHECK(open_beneath(proc.get(), fd_link + "/etc", O_RDONLY, 0, r).error() ==
          ELOOP);
    // Not following it is fine: that opens the link, not what it names.
    CHECK(open_beneath(proc.get(), "root", O_PATH | O_NOFOLLOW, 0, r)
              .has_value());
  }
}

TEST_CASE("open_beneath: forty links resolve, forty-one are ELOOP") {
  Tree tree;
  // chain0 -> a, chainN -> chain(N-1): opening chainN follows N+1 links.
  std::string prev = "a";
  for (int i = 0; i <= 40; ++i) {
    std::string name = "chain" + std::to_string(i);
    REQUIRE(::symlinkat(prev.c_str(), tree.fd(), name.c_str()) == 0);
    prev = name;
  }
  for (Resolver r : kResolvers) {
    CAPTURE(name_of(r));
    CHECK(open_beneath(tree.fd(), "chain39", O_RDONLY, 0, r).has_value());
    CHECK(open_beneath(tree.fd(), "chain40", O_RDONLY, 0, r).error() == ELOOP);
  }
}

// Every path of up to four tokens, each resolver and several flags: both
// resolvers agree, and whatever opens is in the tree (cap-std's fuzz
// target, exhaustively over a small alphabet; "" doubles a slash or makes
// the path absolute or end in one).
TEST_CASE("open_beneath: all short token paths stay inside and agree") {
  Tree tree;
  const std::set<Inode> inside = tree.all_inodes();
  const std::vector<std::string> tokens = {
      ".",          "..",      "a",    "dir",   "link-to-inside",
      "link-up-up", "dirlink", "self", "magic", ""};
  const int flag_sets[] = {O_PATH, O_RDONLY, O_PATH | O_NOFOLLOW,
                           O_RDONLY | O_DIRECTORY};
  std::vector<std::string> paths = {""};
  size_t begin = 0;
  for (int len = 1; len <= 4; ++len) {
    size_t end = paths.size();
    for (size_t i = begin; i < end; ++i) {
      for (const auto& t : tokens)
        paths.push_back(len == 1 ? t : paths[i] + "/" + t);
    }
    begin = end;
  }
  int opened = 0;
  for (const auto& path : paths) {
    for (int flags : flag_sets) {
      Outcome kernel =
          outcome(open_beneath(tree.fd(), path, flags, 0, Resolver::Kernel));
      Outcome walk =
          outcome(open_beneath(tree.fd(), path, flags, 0, Resolver::Walk));
      if (kernel != walk || (kernel.err == 0 && !inside.count(kernel.inode))) {
        CAPTURE(path);
        CAPTURE(flags);
        CHECK(kernel.err == walk.err);
        CHECK(kernel.inode == walk.inode);
        CHECK(inside.count(kernel.inode) == 1);
      }
      opened += kernel.err == 0;
    }
  }
  CHECK(opened > 1000);  // the alphabet does reach inside, often
}

TEST_CASE("open_parent_beneath: directory and last name") {
  Tree tree;
  struct ParentCase {
    const char* path;
    const char* dir;  // root-relative, or null for an error
    const char* name;
    bool trailing;
    int err;
  };
  const ParentCase cases[] = {
      {"a", ".", "a", false, 0},
      {"dir/a", "dir", "a", false, 0},
      {"dir/", ".", "dir", true, 0},
      {"a//", ".", "a", true, 0},
      {"dir//a", "dir", "a", false, 0},
      {"link-to-inside", ".", "link-to-inside", false, 0},
      {"link-to-inside/new", "dir", "new", false, 0},
      {"dirlink/../x", "dir", "x", false, 0},
      {".", ".", ".", false, 0},
      {"dir/.", "dir", ".", false, 0},
      {"dir/..", "dir", "..", false, 0},
      {"dir/inner/../..", "dir/inner/..", "..", false, 0},
      {"..", nullptr, nullptr, false, EPERM},
      {"dir/../..", nullptr, nullptr, false, EPERM},
      {"../x", nullptr, nullptr, false, EPERM},
      {"/x", nullptr, nullptr, false, EPERM},
      {"link-up-up/x", nullptr, nullptr, false, EPERM},
      {"abs-link/x", nullptr, nullptr, false, EPERM},
      {"loop1/x", nullptr, nullptr, false, ELOOP},
      {"missing/x", nullptr, nullptr, false, ENOENT},
      {"missing/..", nullptr, nullptr, false, ENOENT},
      {"a/x", nullptr, nullptr, false, ENOTDIR},
      {"a/..", nullptr, nullptr, false, ENOTDIR},
      {"", nullptr, nullptr, false, ENOENT},
  };
  for (const auto& c : cases) {
    for (Resolver r : kResolvers) {
      CAPTURE(c.path);
      CAPTURE(name_of(r));
      auto p = open_parent_beneath(tree.fd(), c.path, r);
      if (c.dir == nullptr) {
        CHECK(p.error() == c.err);
        continue;
      }
      REQUIRE(p.has_value());
      CHECK(inode_of(p->dir.get()) == tree.inode(c.dir));
      CHECK(p->name == c.name);
      CHECK(p->trailing_slash == c.trailing);
      CHECK((::fcntl(p->dir.get(), F_GETFL) & O_PATH) != 0);
    }
  }
}

TEST_CASE("open_parent_beneath: dot names never act, as Linux says") {
  Tree tree;
  for (Resolver r : kResolvers) {
    CAPTURE(name_of(r));
    auto up = open_parent_beneath(tree.fd(), "dir/..", r);
    REQUIRE(up.has_value());
    CHECK(::unlinkat(up->dir.get(), up->entry().c_str(), AT_REMOVEDIR) != 0);
    CHECK(errno == ENOTEMPTY);
    auto dot = open_parent_beneath(tree.fd(), ".", r);
    REQUIRE(dot.has_value());
    CHECK(::unlinkat(dot->dir.get(), dot->entry().c_str(), AT_REMOVEDIR) != 0);
    CHECK(errno == EINVAL);
    CHECK(::mkdirat(dot->dir.get(), dot->entry().c_str(), 0777) != 0);
    CHECK(errno == EEXIST);
    auto link_slash = open_parent_beneath(tree.fd(), "link-to-inside/", r);
    REQUIRE(link_slash.has_value());
    CHECK(::unlinkat(link_slash->dir.get(), link_slash->entry().c_str(),
                     AT_REMOVEDIR) != 0);
    CHECK(errno == ENOTDIR);
    CHECK(::access((tree.root() + "/dir/a").c_str(), F_OK) == 0);
  }
}

TEST_CASE("open_target_parent_beneath: last symlinks followed beneath") {
  Tree tree;
  struct TargetCase {
    const char* path;
    const char* dir;
    const char* name;
    int err;
  };
  const TargetCase cases[] = {
      {"a", ".", "a", 0},
      {"link-file", ".", "a", 0},
      {"dir/../link-file", ".", "a", 0},
      {"dir/up", ".", "a", 0},
      {"dirlink", "dir", "inner", 0},
      {"link-to-inside/", ".", "dir", 0},
      {"dangling", ".", "newfile", 0},
      {"self", ".", ".", 0},
      {"link-file/", nullptr, nullptr, ENOTDIR},
      {"link-to-outside", nullptr, nullptr, EPERM},
      {"link-up-up", nullptr, nullptr, EPERM},
      {"abs-link", nullptr, nullptr, EPERM},
      {"magic", nullptr, nullptr, EPERM},
      {"out-dangling", nullptr, nullptr, EPERM},
      {"loop1", nullptr, nullptr, ELOOP},
  };
  for (const auto& c : cases) {
    for (Resolver r : kResolvers) {
      CAPTURE(c.path);
      CAPTURE(name_of(r));
      auto p = open_target_parent_beneath(tree.fd(), c.path, r);
      if (c.dir == nullptr) {
        CHECK(p.error() == c.err);
        continue;
      }
      REQUIRE(p.has_value());
      CHECK(inode_of(p->dir.get()) == tree.inode(c.dir));
      CHECK(p->name == c.name);
    }
  }
}

}  // namespace
}  // namespace capbox::broker
