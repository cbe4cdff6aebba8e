// SPDX-License-Identifier: Apache-2.0
// Beneath-resolution with openat2 (RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS),
// the checks both resolvers share, and the parent split for operations on a
// last component (cap-std's via_parent). The walk used where openat2 is
// missing is resolve_walk.cc. Depends on libc and Linux uapi headers only.
#include "broker/resolve.h"

#include <fcntl.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <climits>
#include <optional>

#include "broker/resolve_internal.h"

namespace capbox::broker {
namespace internal {

int check_path(std::string_view path) {
  if (path.empty())
    return ENOENT;
  if (path.find('\0') != std::string_view::npos)
    return EINVAL;  // c_str() would silently cut the path short
  if (path.front() == '/')
    return EPERM;
  if (path.size() >= PATH_MAX)
    return ENAMETOOLONG;
  return 0;
}

Result<std::string, int> read_link_beneath(int dir, const std::string& name) {
  // Magic links live only on procfs, and their text ("pipe:[12]", a path
  // the kernel would not re-resolve the same way) means nothing beneath:
  // refuse every procfs symlink, as RESOLVE_NO_MAGICLINKS does the magic
  // ones. If the filesystem cannot be told, refuse too.
  struct statfs fs {};
  if (::fstatfs(dir, &fs) != 0 || fs.f_type == PROC_SUPER_MAGIC)
    return Unexpected(ELOOP);
  std::string target(PATH_MAX, '\0');
  ssize_t n = ::readlinkat(dir, name.c_str(), target.data(), target.size());
  if (n < 0)
    return Unexpected(errno);
  if (static_cast<size_t>(n) >= target.size())
    return Unexpected(ENAMETOOLONG);
  target.resize(static_cast<size_t>(n));
  if (target.empty())
    return Unexpected(ENOENT);
  if (target.front() == '/')
    return Unexpected(EPERM);
  return target;
}

}  // namespace internal

namespace {

using internal::check_path;

// openat(2) ignores unknown flags; openat2 refuses them. Refuse them for
// both resolvers so that they agree.
constexpr int kValidFlags = O_ACCMODE | O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC |
                            O_APPEND | O_NONBLOCK | O_DSYNC | FASYNC |
                            O_DIRECT | O_LARGEFILE | O_DIRECTORY | O_NOFOLLOW |
                            O_NOATIME | O_CLOEXEC | O_SYNC | O_PATH | O_TMPFILE;

// openat2 fails with EAGAIN when a rename or mount during the lookup makes
// a `..` unverifiable. Retry a few times, then report it: falling back to
// the walk would hand an attacker who can race renames the weaker resolver.
constexpr int kEagainRetries = 8;

// Set once the kernel says it has no openat2 (older than 5.6, or a seccomp
// filter that answers ENOSYS), so later calls go straight to the walk.
std::atomic<bool> g_openat2_missing{false};

// The result of openat2, or nothing if the kernel lacks it.
std::optional<Result<UniqueFd, int>> open_kernel(int dirfd,
                                                 const std::string& path,
                                                 int flags,
                                                 mode_t mode) {
  struct open_how how {};
  how.flags = static_cast<uint64_t>(flags);
  // openat2 refuses a mode without O_CREAT or O_TMPFILE (which includes
  // the O_DIRECTORY bit, so test all of it).
  bool creates = (flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE;
  how.mode = creates ? mode : 0;
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
  for (int attempt = 0;; ++attempt) {
    long fd = ::syscall(SYS_openat2, dirfd, path.c_str(), &how, sizeof how);
    if (fd >= 0)
      return Result<UniqueFd, int>(UniqueFd(static_cast<int>(fd)));
    int err = errno;
    if (err == EAGAIN && attempt < kEagainRetries)
      continue;
    if (err == ENOSYS || err == E2BIG)
      return std::nullopt;
    return Result<UniqueFd, int>(Unexpected(err == EXDEV ? EPERM : err));
  }
}

// A path split before its last component: "a/b/" is {"a/", "b", true},
// "b" is {"", "b", false}. `path` has passed check_path.
struct Split {
  std::string_view prefix;
  std::string_view name;
  bool trailing_slash = false;
};

Split split_last(std::string_view path) {
  size_t end = path.find_last_not_of('/');  // found: path is not absolute
  std::string_view stem = path.substr(0, end + 1);
  size_t slash = stem.rfind('/');
  Split s;
  s.trailing_slash = stem.size() < path.size();
  s.prefix = slash == std::string_view::npos ? "" : stem.substr(0, slash + 1);
  s.name = stem.substr(s.prefix.size());
  return s;
}

}  // namespace

Result<UniqueFd, int> open_beneath(int dirfd,
                                   std::string_view path,
                                   int flags,
                                   mode_t mode,
                                   Resolver resolver) {
  if (int err = check_path(path))
    return Unexpected(err);
  if ((flags & ~kValidFlags) != 0 || (mode & ~mode_t{07777}) != 0)
    return Unexpected(EINVAL);
  flags |= O_CLOEXEC;
  if (resolver == Resolver::Kernel && !g_openat2_missing.load()) {
    auto opened = open_kernel(dirfd, std::string(path), flags, mode);
    if (opened)
      return std::move(*opened);
    g_openat2_missing.store(true);
  }
  return internal::open_beneath_walk(dirfd, path, flags, mode);
}

Result<Parent, int> open_parent_beneath(int dirfd,
                                        std::string_view path,
                                        Resolver resolver) {
  if (int err = check_path(path))
    return Unexpected(err);
  Split split = split_last(path);
  // Callers may look ".." up in `dir` (fstatat, utimensat): make sure the
  // whole path stays beneath, which is where an escape shows.
  if (split.name == "..") {
    auto whole = open_beneath(dirfd, path, O_PATH | O_DIRECTORY, 0, resolver);
    if (!whole)
      return Unexpected(whole.error());
  }
  std::string_view prefix = split.prefix.empty() ? "." : split.prefix;
  auto dir = open_beneath(dirfd, prefix, O_PATH | O_DIRECTORY, 0, resolver);
  if (!dir)
    return Unexpected(dir.error());
  Parent parent;
  parent.dir = std::move(*dir);
  parent.name = std::string(split.name);
  parent.trailing_slash = split.trailing_slash;
  return parent;
}

Result<Parent, int> open_target_parent_beneath(int dirfd,
                                               std::string_view path,
                                               Resolver resolver) {
  // Each round resolves the current spelling from `dirfd` again, with the
  // link's text put in place of its name: the kernel (or the walk) judges
  // every `..` in it, so no string check decides containment.
  std::string current(path);
  for (int links = 0;; ++links) {
    auto parent = open_parent_beneath(dirfd, current, resolver);
    if (!parent || parent->name == "." || parent->name == "..")
      return parent;
    struct stat st {};
    if (::fstatat(parent->dir.get(), parent->name.c_str(), &st,
                  AT_SYMLINK_NOFOLLOW) != 0) {
      if (errno == ENOENT)
        return parent;  // the caller's own call reports it
      return Unexpected(errno);
    }
    if (!S_ISLNK(st.st_mode)) {
      if (parent->trailing_slash && !S_ISDIR(st.st_mode))
        return Unexpected(ENOTDIR);
      return parent;
    }
    if (links >= internal::kMaxSymlinks)
      return Unexpected(ELOOP);
    auto target = internal::read_link_beneath(parent->dir.get(), parent->name);
    if (!target)
      return Unexpected(target.error());
    Split split = split_last(current);
    current =
        std::string(split.prefix) + *target + (split.trailing_slash ? "/" : "");
  }
}

}  // namespace capbox::broker
