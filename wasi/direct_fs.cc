// SPDX-License-Identifier: Apache-2.0
// DirectFs: each FsAuthority operation as broker/resolve.h resolution plus
// one *at system call on what it returns. Depends on broker/resolve.h and
// libc; never on the rest of the WASI layer.
//
// Choices where Linux's own call would resolve a path unchecked:
//  - open_at asked to write a directory (wasi-libc's rights include write
//    bits for directories) opens it read-only instead, unless it was asked
//    to create or truncate: Linux says EISDIR to O_WRONLY/O_RDWR there.
//  - link_at, set_times_at with Follow::Yes follow the last symlink beneath
//    (open_target_parent_beneath) and act on the name found, never
//    AT_SYMLINK_FOLLOW, AT_EMPTY_PATH or /proc/self/fd.
//  - truncate_at opens the file O_WRONLY | O_NONBLOCK | O_NOCTTY and calls
//    ftruncate: a FIFO gives ENXIO instead of blocking.
#include "wasi/direct_fs.h"
#include "base/host_fstat.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdint>

namespace capbox::wasi {
namespace {

using broker::open_beneath;

Result<void, int> check(int rc) {
  if (rc == 0)
    return {};
  return Unexpected(errno);
}

int open_flags(const OpenRequest& r) {
  int flags = r.write ? (r.read ? O_RDWR : O_WRONLY) : O_RDONLY;
  flags |= O_NOCTTY;
  flags |= r.create ? O_CREAT : 0;
  flags |= r.exclusive ? O_EXCL : 0;
  flags |= r.truncate ? O_TRUNC : 0;
  flags |= r.directory ? O_DIRECTORY : 0;
  flags |= r.append ? O_APPEND : 0;
  flags |= r.nonblock ? O_NONBLOCK : 0;
  flags |= r.sync_flags & (O_DSYNC | O_RSYNC | O_SYNC);
  flags |= r.follow == Follow::No ? O_NOFOLLOW : 0;
  return flags;
}

struct timespec host_time(const TimeSpec& t) {
  switch (t.kind) {
    case TimeSpec::Kind::Omit:
      return {0, UTIME_OMIT};
    case TimeSpec::Kind::Now:
      return {0, UTIME_NOW};
    case TimeSpec::Kind::Set:
      return t.value;
  }
  return {0, UTIME_OMIT};
}

bool ends_in_slash(std::string_view path) {
  return !path.empty() && path.back() == '/';
}

}  // namespace

int DirectFs::dir_fd(DirHandle dir) const {
  auto it = dirs_.find(dir.id);
  return it == dirs_.end() ? -1 : it->second.get();
}

Result<DirHandle, int> DirectFs::add_dir(int fd) {
  UniqueFd handle_fd(::openat(fd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!handle_fd.valid())
    return Unexpected(errno);
  uint32_t id = next_id_;
  while (id == 0 || dirs_.count(id) != 0)
    ++id;
  next_id_ = id + 1;
  dirs_.emplace(id, std::move(handle_fd));
  return DirHandle{id};
}

Result<broker::Parent, int> DirectFs::parent_of(DirHandle dir,
                                                std::string_view path,
                                                Follow follow) const {
  int fd = dir_fd(dir);
  if (fd < 0)
    return Unexpected(EBADF);
  if (follow == Follow::Yes)
    return broker::open_target_parent_beneath(fd, path, resolver_);
  return broker::open_parent_beneath(fd, path, resolver_);
}

Result<Opened, int> DirectFs::open_root(const std::string& host_path) {
  UniqueFd fd(::open(host_path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid())
    return Unexpected(errno);
  auto handle = add_dir(fd.get());
  if (!handle)
    return Unexpected(handle.error());
  Opened opened;
  opened.fd = std::move(fd);
  opened.is_directory = true;
  opened.dir = *handle;
  return opened;
}

Result<Opened, int> DirectFs::open_at(DirHandle dir,
                                      std::string_view path,
                                      const OpenRequest& request) {
  int root = dir_fd(dir);
  if (root < 0)
    return Unexpected(EBADF);
  int flags = open_flags(request);
  auto fd = open_beneath(root, path, flags, 0666, resolver_);
  if (!fd && fd.error() == EISDIR && (flags & O_ACCMODE) != O_RDONLY &&
      !request.create && !request.truncate) {
    flags = (flags & ~(O_ACCMODE | O_APPEND)) | O_RDONLY | O_DIRECTORY;
    fd = open_beneath(root, path, flags, 0, resolver_);
  }
  if (!fd)
    return Unexpected(fd.error());
  struct stat st {};
  if (host_fstat(fd->get(), &st) != 0)
    return Unexpected(errno);
  Opened opened;
  opened.is_directory = S_ISDIR(st.st_mode);
  if (opened.is_directory) {
    auto handle = add_dir(fd->get());
    if (!handle)
      return Unexpected(handle.error());
    opened.dir = *handle;
  }
  opened.fd = std::move(*fd);
  return opened;
}

Result<struct stat, int> DirectFs::stat_at(DirHandle dir,
                                           std::string_view path,
                                           Follow follow) {
  int root = dir_fd(dir);
  if (root < 0)
    return Unexpected(EBADF);
  // O_PATH | O_NOFOLLOW opens a last symlink itself: fstat is then lstat.
  int flags = O_PATH | (follow == Follow::No ? O_NOFOLLOW : 0);
  auto fd = open_beneath(root, path, flags, 0, resolver_);
  if (!fd)
    return Unexpected(fd.error());
  struct stat st {};
  if (host_fstat(fd->get(), &st) != 0)
    return Unexpected(errno);
  return st;
}

Result<void, int> DirectFs::mkdir_at(DirHandle dir, std::string_view path) {
  auto parent = parent_of(dir, path, Follow::No);
  if (!parent)
    return Unexpected(parent.error());
  return check(::mkdirat(parent->dir.get(), parent->entry().c_str(), 0777));
}

Result<void, int> DirectFs::unlink_at(DirHandle dir, std::string_view path) {
  auto parent = parent_of(dir, path, Follow::No);
  if (!parent)
    return Unexpected(parent.error());
  return check(::unlinkat(parent->dir.get(), parent->entry().c_str(), 0));
}

Result<void, int> DirectFs::rmdir_at(DirHandle dir, std::string_view path) {
  auto parent = parent_of(dir, path, Follow::No);
  if (!parent)
    return Unexpected(parent.error());
  return check(
      ::unlinkat(parent->dir.get(), parent->entry().c_str(), AT_REMOVEDIR));
}

Result<void, int> DirectFs::rename_at(DirHandle from_dir,
                                      std::string_view from,
                                      DirHandle to_dir,
                                      std::string_view to) {
  auto old_parent = parent_of(from_dir, from, Follow::No);
  if (!old_parent)
    return Unexpected(old_parent.error());
  auto new_parent = parent_of(to_dir, to, Follow::No);
  if (!new_parent)
    return Unexpected(new_parent.error());
  return check(::renameat(old_parent->dir.get(), old_parent->entry().c_str(),
                          new_parent->dir.get(), new_parent->entry().c_str()));
}

Result<void, int> DirectFs::link_at(DirHandle from_dir,
                                    std::string_view from,
                                    Follow follow,
                                    DirHandle to_dir,
                                    std::string_view to) {
  // Linux looks "old/" up following a last symlink, and only a directory
  // can be named so; directories cannot be linked.
  if (ends_in_slash(from)) {
    auto st = stat_at(from_dir, from, Follow::Yes);
    return Unexpected(st ? EPERM : st.error());
  }
  auto old_parent = parent_of(from_dir, from, follow);
  if (!old_parent)
    return Unexpected(old_parent.error());
  auto new_parent = parent_of(to_dir, to, Follow::No);
  if (!new_parent)
    return Unexpected(new_parent.error());
  return check(::linkat(old_parent->dir.get(), old_parent->name.c_str(),
                        new_parent->dir.get(), new_parent->entry().c_str(), 0));
}

Result<void, int> DirectFs::symlink_at(std::string_view target,
                                       DirHandle dir,
                                       std::string_view path) {
  if (target.find('\0') != std::string_view::npos)
    return Unexpected(EINVAL);
  auto parent = parent_of(dir, path, Follow::No);
  if (!parent)
    return Unexpected(parent.error());
  return check(::symlinkat(std::string(target).c_str(), parent->dir.get(),
                           parent->entry().c_str()));
}

Result<std::string, int> DirectFs::readlink_at(DirHandle dir,
                                               std::string_view path) {
  int root = dir_fd(dir);
  if (root < 0)
    return Unexpected(EBADF);
  auto fd = open_beneath(root, path, O_PATH | O_NOFOLLOW, 0, resolver_);
  if (!fd)
    return Unexpected(fd.error());
  struct stat st {};
  if (host_fstat(fd->get(), &st) != 0)
    return Unexpected(errno);
  if (!S_ISLNK(st.st_mode))
    return Unexpected(EINVAL);
  std::string target(PATH_MAX, '\0');
  // An empty path reads the O_PATH symlink descriptor itself.
  ssize_t n = ::readlinkat(fd->get(), "", target.data(), target.size());
  if (n < 0)
    return Unexpected(errno);
  if (static_cast<size_t>(n) >= target.size())
    return Unexpected(ENAMETOOLONG);
  target.resize(static_cast<size_t>(n));
  return target;
}

Result<void, int> DirectFs::set_times_at(DirHandle dir,
                                         std::string_view path,
                                         Follow follow,
                                         TimeSpec atime,
                                         TimeSpec mtime) {
  // A trailing slash follows a last symlink in Linux, whatever the flags.
  if (ends_in_slash(path))
    follow = Follow::Yes;
  auto parent = parent_of(dir, path, follow);
  if (!parent)
    return Unexpected(parent.error());
  const struct timespec times[2] = {host_time(atime), host_time(mtime)};
  return check(::utimensat(parent->dir.get(), parent->name.c_str(), times,
                           AT_SYMLINK_NOFOLLOW));
}

Result<void, int> DirectFs::truncate_at(DirHandle dir,
                                        std::string_view path,
                                        uint64_t size) {
  int root = dir_fd(dir);
  if (root < 0)
    return Unexpected(EBADF);
  if (size > static_cast<uint64_t>(INT64_MAX))
    return Unexpected(EFBIG);
  auto fd =
      open_beneath(root, path, O_WRONLY | O_NONBLOCK | O_NOCTTY, 0, resolver_);
  if (!fd)
    return Unexpected(fd.error());
  return check(::ftruncate(fd->get(), static_cast<off_t>(size)));
}

void DirectFs::close_dir(DirHandle dir) {
  dirs_.erase(dir.id);
}

}  // namespace capbox::wasi
