// SPDX-License-Identifier: Apache-2.0
// path_* functions other than path_open (path_open.cc): each checks the
// directory fd and its right, reads the guest path, and asks FsAuthority,
// which resolves the path beneath the directory's handle. Nothing here
// touches a host path itself. Trailing slashes get Linux's meaning
// ("must be a directory") here, before the authority is asked, so the
// answer does not depend on how the authority splits off the last
// component. The same in wasi_unstable apart from the filestat layout.
// Depends on wasi/ only.
#include <sys/stat.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <string_view>

#include "wasi/errno_map.h"
#include "wasi/fd_access.h"
#include "wasi/filestat.h"
#include "wasi/preview1.h"

namespace capbox::wasi::preview1 {
namespace {

bool has_trailing_slash(std::string_view path) {
  return !path.empty() && path.back() == '/';
}

// "a/b//" -> "a/b". Paths are never all slashes here (absolute ones were
// refused), so something always remains.
std::string strip_trailing_slashes(std::string path) {
  while (path.size() > 1 && path.back() == '/')
    path.pop_back();
  return path;
}

Errno done(const Result<void, int>& r) {
  return r ? Errno::Success : from_host_errno(r.error());
}

// Creating a link or symlink at "name/": Linux says ENOENT when nothing is
// there, EEXIST when a directory is (the slash follows a symlink to it),
// ENOTDIR when something else is.
Errno create_with_slash_error(Call& call,
                              DirHandle dir,
                              const std::string& path) {
  auto st =
      call.ctx.fs().stat_at(dir, strip_trailing_slashes(path), Follow::Yes);
  if (!st)
    return from_host_errno(st.error());
  return S_ISDIR(st->st_mode) ? Errno::Exist : Errno::Notdir;
}

// Whether the last component of `path` (not followed) is a directory, as an
// errno: Success if it is, Notdir if it is something else.
Errno must_be_directory(Call& call, DirHandle dir, const std::string& path) {
  auto st = call.ctx.fs().stat_at(dir, path, Follow::No);
  if (!st)
    return from_host_errno(st.error());
  return S_ISDIR(st->st_mode) ? Errno::Success : Errno::Notdir;
}

}  // namespace

// "dir/" creates "dir", as mkdir(2) does.
Ret path_create_directory(Call& call, u32 fd, u32 path, u32 path_len) {
  auto at = path_beneath(call, fd, right::kPathCreateDirectory, path, path_len);
  if (!at)
    return at.error();
  return done(call.ctx.fs().mkdir_at(
      at->dir, strip_trailing_slashes(std::move(at->path))));
}

Ret path_remove_directory(Call& call, u32 fd, u32 path, u32 path_len) {
  auto at = path_beneath(call, fd, right::kPathRemoveDirectory, path, path_len);
  if (!at)
    return at.error();
  return done(call.ctx.fs().rmdir_at(
      at->dir, strip_trailing_slashes(std::move(at->path))));
}

// "name/" never unlinks: Isdir if name is a directory, Notdir otherwise
// (a symlink to a directory included), as unlink(2) answers.
Ret path_unlink_file(Call& call, u32 fd, u32 path, u32 path_len) {
  auto at = path_beneath(call, fd, right::kPathUnlinkFile, path, path_len);
  if (!at)
    return at.error();
  if (has_trailing_slash(at->path)) {
    Errno e =
        must_be_directory(call, at->dir, strip_trailing_slashes(at->path));
    return e == Errno::Success ? Errno::Isdir : e;
  }
  return done(call.ctx.fs().unlink_at(at->dir, at->path));
}

// Trailing slashes are allowed on either name when the source is a
// directory, and Notdir otherwise (rename(2)).
Ret path_rename(Call& call,
                u32 fd,
                u32 old_path,
                u32 old_path_len,
                u32 new_fd,
                u32 new_path,
                u32 new_path_len) {
  auto from = dir_fd_for_path(call, fd, right::kPathRenameSource, old_path,
                              old_path_len);
  if (!from)
    return from.error();
  auto to = dir_fd_for_path(call, new_fd, right::kPathRenameTarget, new_path,
                            new_path_len);
  if (!to)
    return to.error();
  auto old_p = guest_path(call, old_path, old_path_len);
  if (!old_p)
    return old_p.error();
  auto new_p = guest_path(call, new_path, new_path_len);
  if (!new_p)
    return new_p.error();
  const DirHandle from_dir = *(*from)->dir, to_dir = *(*to)->dir;
  if (has_trailing_slash(*old_p) || has_trailing_slash(*new_p)) {
    *old_p = strip_trailing_slashes(std::move(*old_p));
    *new_p = strip_trailing_slashes(std::move(*new_p));
    if (Errno e = must_be_directory(call, from_dir, *old_p);
        e != Errno::Success)
      return e;
  }
  return done(call.ctx.fs().rename_at(from_dir, *old_p, to_dir, *new_p));
}

// SYMLINK_FOLLOW is honoured (linkat's AT_SYMLINK_FOLLOW); old wasmtime
// refused it with Inval, the test suite accepts either.
Ret path_link(Call& call,
              u32 old_fd,
              u32 old_flags,
              u32 old_path,
              u32 old_path_len,
              u32 new_fd,
              u32 new_path,
              u32 new_path_len) {
  auto follow = follow_from_lookup(old_flags);
  if (!follow)
    return follow.error();
  auto from = dir_fd_for_path(call, old_fd, right::kPathLinkSource, old_path,
                              old_path_len);
  if (!from)
    return from.error();
  auto to = dir_fd_for_path(call, new_fd, right::kPathLinkTarget, new_path,
                            new_path_len);
  if (!to)
    return to.error();
  auto old_p = guest_path(call, old_path, old_path_len);
  if (!old_p)
    return old_p.error();
  auto new_p = guest_path(call, new_path, new_path_len);
  if (!new_p)
    return new_p.error();
  const DirHandle from_dir = *(*from)->dir, to_dir = *(*to)->dir;
  // "name/" as the source names a directory (no hard links to those:
  // Perm) or fails to (Notdir).
  if (has_trailing_slash(*old_p)) {
    auto st = call.ctx.fs().stat_at(from_dir, strip_trailing_slashes(*old_p),
                                    Follow::Yes);
    if (!st)
      return from_host_errno(st.error());
    return S_ISDIR(st->st_mode) ? Errno::Perm : Errno::Notdir;
  }
  if (has_trailing_slash(*new_p))
    return create_with_slash_error(call, to_dir, *new_p);
  return done(call.ctx.fs().link_at(from_dir, *old_p, *follow, to_dir, *new_p));
}

// The link's contents are stored verbatim, but absolute contents are
// refused with Perm as wasmtime does: inside the sandbox they could only
// ever resolve beneath a preopen, so they would mean something other than
// what they say.
Ret path_symlink(Call& call,
                 u32 old_path,
                 u32 old_path_len,
                 u32 fd,
                 u32 new_path,
                 u32 new_path_len) {
  auto dir =
      dir_fd_for_path(call, fd, right::kPathSymlink, new_path, new_path_len);
  if (!dir)
    return dir.error();
  auto target = call.mem.path(old_path, old_path_len);
  if (!target)
    return target.error();
  auto p = guest_path(call, new_path, new_path_len);
  if (!p)
    return p.error();
  if (!target->empty() && target->front() == '/')
    return Errno::Perm;
  const DirHandle handle = *(*dir)->dir;
  if (has_trailing_slash(*p))
    return create_with_slash_error(call, handle, *p);
  return done(call.ctx.fs().symlink_at(*target, handle, *p));
}

// A buffer shorter than the contents gets them truncated, and the count
// says how much was written (wasmtime; readlink(2) truncates the same way).
Ret path_readlink(Call& call,
                  u32 fd,
                  u32 path,
                  u32 path_len,
                  u32 buf,
                  u32 buf_len,
                  u32 out) {
  auto at = path_beneath(call, fd, right::kPathReadlink, path, path_len);
  if (!at)
    return at.error();
  auto span = call.mem.bytes(buf, buf_len);
  if (!span || !call.mem.memory().contains(out, sizeof(uint32_t)))
    return Errno::Fault;
  auto contents = call.ctx.fs().readlink_at(at->dir, at->path);
  if (!contents)
    return from_host_errno(contents.error());
  const size_t n = std::min<size_t>(contents->size(), buf_len);
  std::memcpy(span->data(), contents->data(), n);
  (void)call.mem.store<uint32_t>(out, static_cast<uint32_t>(n));
  return Errno::Success;
}

Ret path_filestat_get(Call& call,
                      u32 fd,
                      u32 flags,
                      u32 path,
                      u32 path_len,
                      u32 out) {
  auto follow = follow_from_lookup(flags);
  if (!follow)
    return follow.error();
  auto at = path_beneath(call, fd, right::kPathFilestatGet, path, path_len);
  if (!at)
    return at.error();
  if (!call.mem.memory().contains(out, filestat_size(call.abi)))
    return Errno::Fault;
  auto st = call.ctx.fs().stat_at(at->dir, at->path, *follow);
  if (!st)
    return from_host_errno(st.error());
  return store_filestat(call.mem, call.abi, out, *st,
                        filetype_from_mode(st->st_mode));
}

Ret path_filestat_set_times(Call& call,
                            u32 fd,
                            u32 flags,
                            u32 path,
                            u32 path_len,
                            u64 atim,
                            u64 mtim,
                            u32 fst_flags) {
  auto times = times_from_fst(atim, mtim, fst_flags);
  if (!times)
    return times.error();
  auto follow = follow_from_lookup(flags);
  if (!follow)
    return follow.error();
  auto at =
      path_beneath(call, fd, right::kPathFilestatSetTimes, path, path_len);
  if (!at)
    return at.error();
  return done(call.ctx.fs().set_times_at(at->dir, at->path, *follow,
                                         times->atime, times->mtime));
}

}  // namespace capbox::wasi::preview1
