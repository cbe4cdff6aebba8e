// SPDX-License-Identifier: Apache-2.0
// DirectFs over a real temporary tree, each operation with both resolvers
// (openat2 and the forced walk): what it does inside, and that every
// escape is refused with the outside left exactly as it was.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "tests/unit/wasi/wasi_fixture.h"
#include "wasi/direct_fs.h"

namespace capbox::wasi {
namespace {

using broker::Resolver;
using testing::TempDir;

constexpr Resolver kResolvers[] = {Resolver::Kernel, Resolver::Walk};

// outer/secret, outer/sub (a directory outside), and root/ holding
//   a ("alpha")  dir/  dir/b ("bravo")  empty/
//   link-a -> a   link-dir -> dir   link-out -> ../secret
//   link-up -> ..   dangling -> new-target   abs -> /etc/passwd
class Tree {
 public:
  explicit Tree(Resolver resolver) : fs_(resolver) {
    root_ = outer_ / "root";
    put(outer_ / "secret", "secret");
    REQUIRE(::mkdir((outer_ / "sub").c_str(), 0755) == 0);
    REQUIRE(::mkdir(root_.c_str(), 0755) == 0);
    REQUIRE(::mkdir(path("dir").c_str(), 0755) == 0);
    REQUIRE(::mkdir(path("empty").c_str(), 0755) == 0);
    put(path("a"), "alpha");
    put(path("dir/b"), "bravo");
    symlink("a", "link-a");
    symlink("dir", "link-dir");
    symlink("../secret", "link-out");
    symlink("..", "link-up");
    symlink("new-target", "dangling");
    symlink("/etc/passwd", "abs");
    auto opened = fs_.open_root(root_);
    REQUIRE(opened.has_value());
    root_fd_ = std::move(opened->fd);
    dir_ = opened->dir;
    secret_before_ = stat_of(outer_ / "secret");
  }

  DirectFs& fs() { return fs_; }
  DirHandle dir() const { return dir_; }
  std::string path(const std::string& rel) const { return root_ + "/" + rel; }
  std::string outer(const std::string& rel) const { return outer_ / rel; }
  bool exists(const std::string& host_path) const {
    struct stat st {};
    return ::lstat(host_path.c_str(), &st) == 0;
  }
  static struct stat stat_of(const std::string& host_path) {
    struct stat st {};
    REQUIRE(::lstat(host_path.c_str(), &st) == 0);
    return st;
  }
  static std::string contents(const std::string& host_path) {
    UniqueFd f(::open(host_path.c_str(), O_RDONLY | O_CLOEXEC));
    REQUIRE(f.valid());
    char buf[256];
    ssize_t n = ::read(f.get(), buf, sizeof buf);
    REQUIRE(n >= 0);
    return std::string(buf, static_cast<size_t>(n));
  }
  // Nothing outside the root changed: the secret is intact, no strays.
  void check_outside_untouched() const {
    struct stat now = stat_of(outer_ / "secret");
    CHECK(contents(outer_ / "secret") == "secret");
    CHECK(now.st_ino == secret_before_.st_ino);
    CHECK(now.st_nlink == 1);
    CHECK(now.st_mtim.tv_sec == secret_before_.st_mtim.tv_sec);
    CHECK(now.st_mtim.tv_nsec == secret_before_.st_mtim.tv_nsec);
    CHECK(now.st_atim.tv_sec == secret_before_.st_atim.tv_sec);
    CHECK(!exists(outer_ / "evil"));
    CHECK(!exists(outer_ / "sub/evil"));
  }

 private:
  static void put(const std::string& host_path, const std::string& text) {
    UniqueFd f(::open(host_path.c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0644));
    REQUIRE(f.valid());
    REQUIRE(::write(f.get(), text.data(), text.size()) ==
            static_cast<ssize_t>(text.size()));
  }
  void symlink(const char* target, const char* name) {
    REQUIRE(::symlink(target, path(name).c_str()) == 0);
  }

  TempDir outer_;
  std::string root_;
  DirectFs fs_;
  UniqueFd root_fd_;
  DirHandle dir_;
  struct stat secret_before_ {};
};

OpenRequest reading() {
  OpenRequest r;
  r.read = true;
  return r;
}

OpenRequest writing_new() {
  OpenRequest r;
  r.write = true;
  r.create = true;
  return r;
}

std::string read_all(int fd) {
  char buf[256];
  ssize_t n = ::pread(fd, buf, sizeof buf, 0);
  REQUIRE(n >= 0);
  return std::string(buf, static_cast<size_t>(n));
}

TEST_CASE("DirectFs: open_root") {
  TempDir tmp;
  DirectFs fs;
  auto root = fs.open_root(tmp.path());
  REQUIRE(root.has_value());
  CHECK(root->is_directory);
  CHECK(root->dir.id != 0);
  CHECK((::fcntl(root->fd.get(), F_GETFD) & FD_CLOEXEC) != 0);
  CHECK((::fcntl(root->fd.get(), F_GETFL) & O_ACCMODE) == O_RDONLY);
  CHECK(fs.open_root(tmp / "missing").error() == ENOENT);
  UniqueFd f(
      ::open((tmp / "file").c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0644));
  CHECK(fs.open_root(tmp / "file").error() == ENOTDIR);
  auto second = fs.open_root(tmp.path());
  REQUIRE(second.has_value());
  CHECK(second->dir.id != root->dir.id);
}

TEST_CASE("DirectFs: open_at reads, creates, and refuses escapes") {
  for (Resolver r : kResolvers) {
    CAPTURE(static_cast<int>(r));
    Tree t(r);
    auto a = t.fs().open_at(t.dir(), "a", reading());
    REQUIRE(a.has_value());
    CHECK(!a->is_directory);
    CHECK(read_all(a->fd.get()) == "alpha");
    CHECK(read_all(t.fs().open_at(t.dir(), "link-a", reading())->fd.get()) ==
          "alpha");

    auto made = t.fs().open_at(t.dir(), "made", writing_new());
    REQUIRE(made.has_value());
    CHECK(::write(made->fd.get(), "xy", 2) == 2);
    CHECK(Tree::contents(t.path("made")) == "xy");
    OpenRequest excl = writing_new();
    excl.exclusive = true;
    CHECK(t.fs().open_at(t.dir(), "made", excl).error() == EEXIST);
    OpenRequest trunc;
    trunc.write = true;
    trunc.truncate = true;
    REQUIRE(t.fs().open_at(t.dir(), "made", trunc).has_value());
    CHECK(Tree::contents(t.path("made")).empty());
    OpenRequest append;
    append.write = true;
    append.append = true;
    auto app = t.fs().open_at(t.dir(), "a", append);
    REQUIRE(app.has_value());
    CHECK(::write(app->fd.get(), "!", 1) == 1);
    CHECK(Tree::contents(t.path("a")) == "alpha!");

    // Through a dangling link inside, the target is created beneath.
    REQUIRE(t.fs().open_at(t.dir(), "dangling", writing_new()).has_value());
    CHECK(t.exists(t.path("new-target")));

    OpenRequest nofollow = reading();
    nofollow.follow = Follow::No;
    CHECK(t.fs().open_at(t.dir(), "link-a", nofollow).error() == ELOOP);
    OpenRequest want_dir = reading();
    want_dir.directory = true;
    CHECK(t.fs().open_at(t.dir(), "a", want_dir).error() == ENOTDIR);
    CHECK(t.fs().open_at(t.dir(), "missing", reading()).error() == ENOENT);

    OpenRequest clobber = writing_new();
    clobber.truncate = true;
    CHECK(t.fs().open_at(t.dir(), "../secret", reading()).error() == EPERM);
    CHECK(t.fs().open_at(t.dir(), "link-out", clobber).error() == EPERM);
    CHECK(t.fs().open_at(t.dir(), "link-up/evil", clobber).error() == EPERM);
    CHECK(t.fs().open_at(t.dir(), "../evil", clobber).error() == EPERM);
    CHECK(t.fs().open_at(t.dir(), "/etc/passwd", reading()).error() == EPERM);
    CHECK(t.fs().open_at(t.dir(), "abs", reading()).error() == EPERM);
    CHECK(t.fs().open_at(DirHandle{999}, "a", reading()).error() == EBADF);
    t.check_outside_untouched();
  }
}

TEST_CASE("DirectFs: open_at on directories gives handles beneath them") {
  for (Resolver r : kResolvers) {
    CAPTURE(static_cast<int>(r));
    Tree t(r);
    auto dir = t.fs().open_at(t.dir(), "link-dir", reading());
    REQUIRE(dir.has_value());
    CHECK(dir->is_directory);
    CHECK(dir->dir.id != 0);
    CHECK(dir->dir.id != t.dir().id);
    auto b = t.fs().open_at(dir->dir, "b", reading());
    REQUIRE(b.has_value());
    CHECK(read_all(b->fd.get()) == "bravo");
    // Beneath the new handle, not the root: `..` leaves it.
    CHECK(t.fs().open_at(dir->dir, "../a", reading()).error() == EPERM);

    // Write rights on a directory: opened read-only instead of EISDIR...
    OpenRequest rw;
    rw.read = true;
    rw.write = true;
    auto as_rw = t.fs().open_at(t.dir(), "dir", rw);
    REQUIRE(as_rw.has_value());
    CHECK(as_rw->is_directory);
    CHECK((::fcntl(as_rw->fd.get(), F_GETFL) & O_ACCMODE) == O_RDONLY);
    // ...but not when asked to create or truncate it.
    OpenRequest create_rw = rw;
    create_rw.create = true;
    CHECK(t.fs().open_at(t.dir(), "dir", create_rw).error() == EISDIR);
    rw.truncate = true;
    CHECK(t.fs().open_at(t.dir(), "dir", rw).error() == EISDIR);

    t.fs().close_dir(dir->dir);
    CHECK(t.fs().open_at(dir->dir, "b", reading()).error() == EBADF);
    CHECK(t.fs().stat_at(dir->dir, "b", Follow::Yes).error() == EBADF);
  }
}

TEST_CASE("DirectFs: stat_at follows or not") {
  for (Resolver r : kResolvers) {
    CAPTURE(static_cast<int>(r));
    Tree t(r);
    auto followed = t.fs().stat_at(t.dir(), "link-a", Follow::Yes);
    REQUIRE(followed.has_value());
    CHECK(S_ISREG(followed->st_mode));
    CHECK(followed->st_ino == Tree::stat_of(t.path("a")).st_ino);
    auto link = t.fs().stat_at(t.dir(), "link-a", Follow::No);
    REQUIRE(link.has_value());
    CHECK(S_ISLNK(link->st_mode));
    // The link itself is inside; what it names is not.
    CHECK(t.fs().stat_at(t.dir(), "link-out", Follow::No).has_value());
    CHECK(t.fs().stat_at(t.dir(), "link-out", Follow::Yes).error() == EPERM);
    CHECK(t.fs().stat_at(t.dir(), "..", Follow::No).error() == EPERM);
    CHECK(t.fs().stat_at(t.dir(), "link-dir/", Follow::No)->st_ino ==
          Tree::stat_of(t.path("dir")).st_ino);
    CHECK(t.fs().stat_at(t.dir(), "a/", Follow::No).error() == ENOTDIR);
    CHECK(t.fs().stat_at(t.dir(), "dangling", Follow::Yes).error() == ENOENT);
    CHECK(S_ISDIR(t.fs().stat_at(t.dir(), ".", Follow::No)->st_mode));
  }
}

TEST_CASE("DirectFs: mkdir_at, unlink_at, rmdir_at") {
  for (Resolver r : kResolvers) {
    CAPTURE(static_cast<int>(r));
    Tree t(r);
    REQUIRE(t.fs().mkdir_at(t.dir(), "made").has_value());
    CHECK(S_ISDIR(Tree::stat_of(t.path("made")).st_mode));
    REQUIRE(t.fs().mkdir_at(t.dir(), "link-dir/made2/").has_value());
    CHECK(t.exists(t.path("dir/made2")));
    CHECK(t.fs().mkdir_at(t.dir(), "made").error() == EEXIST);
    CHECK(t.fs().mkdir_at(t.dir(), ".").error() == EEXIST);
    CHECK(t.fs().mkdir_at(t.dir(), "dir/..").error() == EEXIST);
    CHECK(t.fs().mkdir_at(t.dir(), "../evil").error() == EPERM);
    CHECK(t.fs().mkdir_at(t.dir(), "link-up/evil").error() == EPERM);
    CHECK(t.fs().mkdir_at(t.dir(), "link-up/sub/evil").error() == EPERM);

    CHECK(t.fs().unlink_at(t.dir(), "dir").error() == EISDIR);
    CHECK(t.fs().unlink_at(t.dir(), "a/").error() == ENOTDIR);
    CHECK(t.fs().unlink_at(t.dir(), "../secret").error() == EPERM);
    CHECK(t.fs().unlink_at(t.dir(), "link-up/secret").error() == EPERM);
    // Unlinking a link removes the link, never what it names.
    REQUIRE(t.fs().unlink_at(t.dir(), "link-out").has_value());
    CHECK(!t.exists(t.path("link-out")));
    REQUIRE(t.fs().unlink_at(t.dir(), "dir/b").has_value());
    CHECK(!t.exists(t.path("dir/b")));

    CHECK(t.fs().rmdir_at(t.dir(), "..").error() == EPERM);
    CHECK(t.fs().rmdir_at(t.dir(), "link-up/sub").error() == EPERM);
    CHECK(t.fs().rmdir_at(t.dir(), "dir/..").error() == ENOTEMPTY);
    CHECK(t.fs().rmdir_at(t.dir(), ".").error() == EINVAL);
    CHECK(t.fs().rmdir_at(t.dir(), "link-dir/").error() == ENOTDIR);
    CHECK(t.fs().rmdir_at(t.dir(), "a").error() == ENOTDIR);
    REQUIRE(t.fs().rmdir_at(t.dir(), "empty/").has_value());
    CHECK(!t.exists(t.path("empty")));
    CHECK(t.exists(t.outer("sub")));
    t.check_outside_untouched();
  }
}

TEST_CASE("DirectFs: rename_at within and across handles, not out") {
  for (Resolver r : kResolvers) {
    CAPTURE(static_cast<int>(r));
    Tree t(r);
    auto dir = t.fs().open_at(t.dir(), "dir", reading());
    REQUIRE(dir.has_value());
    REQUIRE(t.fs().rename_at(t.dir(), "a", dir->dir, "moved").has_value());
    CHECK(Tree::contents(t.path("dir/moved")) == "alpha");
    REQUIRE(t.fs().rename_at(dir->dir, "moved", t.dir(), "a").has_value());
    CHECK(t.fs().rename_at(t.dir(), "a", t.dir(), "../evil").error() == EPERM);
    CHECK(t.fs().rename_at(t.dir(), "a", dir->dir, "../../evil").error() ==
          EPERM);
    CHECK(t.fs().rename_at(t.dir(), "../secret", t.dir(), "stolen").error() ==
          EPERM);
    CHECK(t.fs().rename_at(t.dir(), "link-up/sub", t.dir(), "stolen").error() ==
          EPERM);
    CHECK(t.fs().rename_at(t.dir(), "dir/..", t.dir(), "x").error() == EBUSY);
    CHECK(t.fs().rename_at(t.dir(), "a/", t.dir(), "x").error() == ENOTDIR);
    CHECK(t.exists(t.path("a")));
    CHECK(!t.exists(t.path("stolen")));
    t.check_outside_untouched();
  }
}

TEST_CASE("DirectFs: link_at, following beneath or not at all") {
  for (Resolver r : kResolvers) {
    CAPTURE(static_cast<int>(r));
    Tree t(r);
    REQUIRE(
        t.fs().link_at(t.dir(), "a", Follow::No, t.dir(), "hard").has_value());
    CHECK(Tree::stat_of(t.path("hard")).st_ino ==
          Tree::stat_of(t.path("a")).st_ino);
    // Not following links the symlink itself; following links its target.
    REQUIRE(t.fs()
                .link_at(t.dir(), "link-a", Follow::No, t.dir(), "hl")
                .has_value());
    CHECK(S_ISLNK(Tree::stat_of(t.path("hl")).st_mode));
    REQUIRE(t.fs()
                .link_at(t.dir(), "link-a", Follow::Yes, t.dir(), "hf")
                .has_value());
    CHECK(Tree::stat_of(t.path("hf")).st_ino ==
          Tree::stat_of(t.path("a")).st_ino);
    CHECK(t.fs()
              .link_at(t.dir(), "link-out", Follow::Yes, t.dir(), "x")
              .error() == EPERM);
    CHECK(t.fs()
              .link_at(t.dir(), "../secret", Follow::No, t.dir(), "x")
              .error() == EPERM);
    CHECK(
        t.fs().link_at(t.dir(), "a", Follow::No, t.dir(), "../evil").error() ==
        EPERM);
    CHECK(t.fs().link_at(t.dir(), "dir/", Follow::No, t.dir(), "x").error() ==
          EPERM);
    CHECK(t.fs().link_at(t.dir(), "a/", Follow::No, t.dir(), "x").error() ==
          ENOTDIR);
    CHECK(t.fs().link_at(t.dir(), "a", Follow::No, t.dir(), "dir").error() ==
          EEXIST);
    CHECK(t.fs()
              .link_at(t.dir(), "dangling", Follow::Yes, t.dir(), "x")
              .error() == ENOENT);
    CHECK(!t.exists(t.path("x")));
    t.check_outside_untouched();
  }
}

TEST_CASE("DirectFs: symlink_at stores, readlink_at reads, verbatim") {
  for (Resolver r : kResolvers) {
    CAPTURE(static_cast<int>(r));
    Tree t(r);
    // Any text may be stored; it is judged only when followed.
    REQUIRE(t.fs().symlink_at("/etc/passwd", t.dir(), "to-etc").has_value());
    REQUIRE(t.fs().symlink_at("../../x", t.dir(), "dir/up2").has_value());
    CHECK(*t.fs().readlink_at(t.dir(), "to-etc") == "/etc/passwd");
    CHECK(*t.fs().readlink_at(t.dir(), "dir/up2") == "../../x");
    CHECK(t.fs().open_at(t.dir(), "to-etc", reading()).error() == EPERM);
    CHECK(t.fs().open_at(t.dir(), "dir/up2", writing_new()).error() == EPERM);
    CHECK(t.fs().symlink_at("a", t.dir(), "../evil").error() == EPERM);
    CHECK(t.fs().symlink_at("a", t.dir(), "link-up/evil").error() == EPERM);
    CHECK(t.fs().symlink_at("a", t.dir(), "a").error() == EEXIST);
    CHECK(t.fs().symlink_at("", t.dir(), "empty-link").error() == ENOENT);
    CHECK(t.fs().symlink_at(std::string("a\0b", 3), t.dir(), "nul").error() ==
          EINVAL);

    CHECK(*t.fs().readlink_at(t.dir(), "link-out") == "../secret");
    CHECK(*t.fs().readlink_at(t.dir(), "link-dir/../link-a") == "a");
    CHECK(t.fs().readlink_at(t.dir(), "a").error() == EINVAL);
    CHECK(t.fs().readlink_at(t.dir(), "link-dir/").error() == EINVAL);
    CHECK(t.fs().readlink_at(t.dir(), "missing").error() == ENOENT);
    CHECK(t.fs().readlink_at(t.dir(), "link-up/root/link-a").error() == EPERM);
    t.check_outside_untouched();
  }
}

TEST_CASE("DirectFs: set_times_at on links and targets") {
  for (Resolver r : kResolvers) {
    CAPTURE(static_cast<int>(r));
    Tree t(r);
    TimeSpec when;
    when.kind = TimeSpec::Kind::Set;
    when.value = {1000000, 5};
    TimeSpec omit;
    REQUIRE(t.fs()
                .set_times_at(t.dir(), "link-a", Follow::No, when, omit)
                .has_value());
    CHECK(Tree::stat_of(t.path("link-a")).st_atim.tv_sec == 1000000);
    CHECK(Tree::stat_of(t.path("a")).st_atim.tv_sec != 1000000);
    REQUIRE(t.fs()
                .set_times_at(t.dir(), "link-a", Follow::Yes, omit, when)
                .has_value());
    struct stat a = Tree::stat_of(t.path("a"));
    CHECK(a.st_mtim.tv_sec == 1000000);
    CHECK(a.st_mtim.tv_nsec == 5);
    CHECK(a.st_atim.tv_sec != 1000000);  // omitted
    REQUIRE(t.fs()
                .set_times_at(t.dir(), "link-dir/", Follow::No, when, when)
                .has_value());
    CHECK(Tree::stat_of(t.path("dir")).st_mtim.tv_sec == 1000000);
    TimeSpec now;
    now.kind = TimeSpec::Kind::Now;
    REQUIRE(
        t.fs().set_times_at(t.dir(), "dir/", Follow::No, now, now).has_value());
    CHECK(Tree::stat_of(t.path("dir")).st_mtim.tv_sec > 1000000);
    CHECK(t.fs()
              .set_times_at(t.dir(), "link-out", Follow::Yes, when, when)
              .error() == EPERM);
    CHECK(t.fs()
              .set_times_at(t.dir(), "../secret", Follow::No, when, when)
              .error() == EPERM);
    CHECK(t.fs().set_times_at(t.dir(), "..", Follow::No, when, when).error() ==
          EPERM);
    CHECK(t.fs().set_times_at(t.dir(), "a/", Follow::No, when, when).error() ==
          ENOTDIR);
    t.check_outside_untouched();
  }
}

TEST_CASE("DirectFs: truncate_at") {
  for (Resolver r : kResolvers) {
    CAPTURE(static_cast<int>(r));
    Tree t(r);
    REQUIRE(t.fs().truncate_at(t.dir(), "link-a", 2).has_value());
    CHECK(Tree::contents(t.path("a")) == "al");
    REQUIRE(t.fs().truncate_at(t.dir(), "a", 10).has_value());
    CHECK(Tree::stat_of(t.path("a")).st_size == 10);
    CHECK(t.fs().truncate_at(t.dir(), "dir", 0).error() == EISDIR);
    CHECK(t.fs().truncate_at(t.dir(), "missing", 0).error() == ENOENT);
    CHECK(t.fs().truncate_at(t.dir(), "a", uint64_t{1} << 63).error() == EFBIG);
    CHECK(t.fs().truncate_at(t.dir(), "link-out", 0).error() == EPERM);
    CHECK(t.fs().truncate_at(t.dir(), "../secret", 0).error() == EPERM);
    t.check_outside_untouched();
  }
}

}  // namespace
}  // namespace capbox::wasi
