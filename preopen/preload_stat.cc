// SPDX-License-Identifier: Apache-2.0
// The stat family of libcapbox-preload: stat/lstat/fstatat (and the old
// __xstat names), statx, access/faccessat/euidaccess, readlink, realpath,
// pathconf and the path xattr calls. Under a preopen they ask the broker;
// access() also checks the grant's rights, since the kernel's permission
// bits do not know them. Depends on preload_internal.h and libc.
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "preopen/preload_internal.h"
#include "preopen/preload_trace.h"
#include "wasi/types.h"

namespace capbox::preload {
namespace {

namespace right = wasi::right;

int stat_at(int dirfd, const char* path, struct stat* st, int flags) {
  Target t;
  switch (resolve(dirfd, path, t)) {
    case Route::Real:
      return CAPBOX_REAL(fstatat)(t.real_dirfd, t.real_path, st, flags);
    case Route::Fail:
      return fail(t.error);
    case Route::Broker:
      break;
  }
  broker::StatFields s;
  if (int error = broker_stat(t, (flags & AT_SYMLINK_NOFOLLOW) == 0, s))
    return fail(error);
  to_stat(s, st);
  return 0;
}

// The permission bits' answer for the calling ids (root passes read and
// write, and execute when some x bit is set or it is a directory).
bool bits_allow(const struct stat& st, int mode, bool effective) {
  uid_t uid = effective ? geteuid() : getuid();
  gid_t gid = effective ? getegid() : getgid();
  if (uid == 0)
    return (mode & X_OK) == 0 || S_ISDIR(st.st_mode) ||
           (st.st_mode & 0111) != 0;
  int shift = st.st_uid == uid ? 6 : (st.st_gid == gid ? 3 : 0);
  int have = (st.st_mode >> shift) & 7;
  return (mode & have) == mode;
}

int access_at(int dirfd, const char* path, int mode, int flags) {
  if ((mode & ~(R_OK | W_OK | X_OK)) != 0)
    return fail(EINVAL);
  Target t;
  switch (resolve(dirfd, path, t)) {
    case Route::Real:
      return CAPBOX_REAL(faccessat)(t.real_dirfd, t.real_path, mode, flags);
    case Route::Fail:
      return fail(t.error);
    case Route::Broker:
      break;
  }
  broker::StatFields s;
  if (int error = broker_stat(t, (flags & AT_SYMLINK_NOFOLLOW) == 0, s))
    return fail(error);
  if (mode == F_OK)
    return 0;
  struct stat st;
  to_stat(s, &st);
  bool dir = S_ISDIR(st.st_mode);
  uint64_t needs = 0;
  if ((mode & R_OK) != 0)
    needs |= dir ? right::kFdReaddir : right::kFdRead;
  if ((mode & W_OK) != 0)
    needs |= dir ? right::kPathCreateFile : right::kFdWrite;
  // Nothing brokered can be executed: execve is refused.
  if ((mode & X_OK) != 0 && !dir)
    return fail(EACCES);
  if ((t.rights & needs) != needs ||
      !bits_allow(st, mode, (flags & AT_EACCESS) != 0))
    return fail(EACCES);
  return 0;
}

ssize_t readlink_at(int dirfd, const char* path, char* buf, size_t size) {
  Target t;
  switch (resolve(dirfd, path, t)) {
    case Route::Real:
      return CAPBOX_REAL(readlinkat)(t.real_dirfd, t.real_path, buf, size);
    case Route::Fail:
      return fail(t.error);
    case Route::Broker:
      break;
  }
  if (size == 0)
    return fail(EINVAL);
  char target[kPathMax];
  Call c{broker::Op::Readlink};
  c.dir = t.handle;
  c.path = t.rel.relative_path;
  Answer a;
  if (int error = call(c, a, target, sizeof(target)))
    return fail(error);
  size_t n = a.fields.data_len < size ? a.fields.data_len : size;
  memcpy(buf, target, n);
  return static_cast<ssize_t>(n);
}

// Drops the last component of the absolute path `p` ("/" stays "/").
void pop(char* p) {
  char* slash = strrchr(p, '/');
  if (slash == p)
    p[1] = '\0';
  else if (slash)
    *slash = '\0';
}

// realpath over the guest's view: each component is lstat'ed and each
// symlink read through the same routing as every other call, so a path
// under a preopen is resolved by the broker (never beyond it).
char* realpath_impl(const char* path, char* resolved) {
  if (!path)
    return errno = EINVAL, nullptr;
  if (!*path)
    return errno = ENOENT, nullptr;
  if (!ready())
    return errno = EACCES, nullptr;
  char rest[kPathMax], out[kPathMax], link[kPathMax];
  if (path[0] == '/') {
    if (strlen(path) >= kPathMax)
      return errno = ENAMETOOLONG, nullptr;
    strcpy(rest, path);
  } else {
    virtual_cwd(rest);
    if (strlen(rest) + 1 + strlen(path) >= kPathMax)
      return errno = ENAMETOOLONG, nullptr;
    strcat(rest, "/");
    strcat(rest, path);
  }
  strcpy(out, "/");
  int links = 0;
  char* p = rest;
  while (*p) {
    while (*p == '/')
      ++p;
    char* end = strchrnul(p, '/');
    size_t n = static_cast<size_t>(end - p);
    if (n == 0 || (n == 1 && p[0] == '.')) {
      p = end;
      continue;
    }
    if (n == 2 && p[0] == '.' && p[1] == '.') {
      pop(out);
      p = end;
      continue;
    }
    size_t len = strlen(out);
    if (len + 1 + n >= kPathMax)
      return errno = ENAMETOOLONG, nullptr;
    if (len > 1)
      out[len++] = '/';
    memcpy(out + len, p, n);
    out[len + n] = '\0';
    struct stat st;
    if (stat_at(AT_FDCWD, out, &st, AT_SYMLINK_NOFOLLOW) != 0)
      return nullptr;
    if (S_ISLNK(st.st_mode)) {
      if (++links > 40)
        return errno = ELOOP, nullptr;
      ssize_t k = readlink_at(AT_FDCWD, out, link, sizeof(link) - 1);
      if (k < 0)
        return nullptr;
      link[k] = '\0';
      if (static_cast<size_t>(k) + 1 + strlen(end) >= kPathMax)
        return errno = ENAMETOOLONG, nullptr;
      strcat(link, end);
      strcpy(rest, link);
      p = rest;
      if (rest[0] == '/')
        strcpy(out, "/");
      else
        pop(out);
      continue;
    }
    if (!S_ISDIR(st.st_mode) && *end != '\0')
      return errno = ENOTDIR, nullptr;
    p = end;
  }
  if (!resolved)
    return strdup(out);
  strcpy(resolved, out);
  return resolved;
}

// Path xattr calls: the broker has no xattr operation, so a path under a
// preopen behaves like a file system without xattrs (ENOTSUP), which
// cp, tar and libattr treat as "nothing to copy".
template <typename Real, typename... Args>
auto xattr_route(const char* path, Real real, Args... args)
    -> decltype(real(path, args...)) {
  Target t;
  switch (resolve(AT_FDCWD, path, t)) {
    case Route::Real:
      return real(t.real_path, args...);
    case Route::Fail:
      return fail(t.error);
    case Route::Broker:
      break;
  }
  return fail(ENOTSUP);
}

}  // namespace
}  // namespace capbox::preload

using namespace capbox::preload;
namespace broker = capbox::broker;

namespace {

int statx_impl(int dirfd,
               const char* path,
               int flags,
               unsigned int mask,
               struct statx* stx) {
  Target t;
  switch (resolve(dirfd, path, t)) {
    case Route::Real:
      return CAPBOX_REAL(statx)(t.real_dirfd, t.real_path, flags, mask, stx);
    case Route::Fail:
      return fail(t.error);
    case Route::Broker:
      break;
  }
  broker::StatFields s;
  if (int error = broker_stat(t, (flags & AT_SYMLINK_NOFOLLOW) == 0, s))
    return fail(error);
  memset(stx, 0, sizeof(*stx));
  stx->stx_mask = STATX_BASIC_STATS;
  stx->stx_blksize = s.blksize;
  stx->stx_nlink = static_cast<uint32_t>(s.nlink);
  stx->stx_uid = s.uid;
  stx->stx_gid = s.gid;
  stx->stx_mode = static_cast<uint16_t>(s.mode);
  stx->stx_ino = s.ino;
  stx->stx_size = s.size;
  stx->stx_blocks = s.blocks;
  stx->stx_atime = {s.atime_sec, s.atime_nsec, 0};
  stx->stx_mtime = {s.mtime_sec, s.mtime_nsec, 0};
  stx->stx_ctime = {s.ctime_sec, s.ctime_nsec, 0};
  stx->stx_rdev_major = major(s.rdev);
  stx->stx_rdev_minor = minor(s.rdev);
  stx->stx_dev_major = major(s.dev);
  stx->stx_dev_minor = minor(s.dev);
  return 0;
}

long pathconf_impl(const char* path, int name) {
  Target t;
  switch (resolve(AT_FDCWD, path, t)) {
    case Route::Real:
      return CAPBOX_REAL(pathconf)(t.real_path, name);
    case Route::Fail:
      return fail(t.error);
    case Route::Broker:
      break;
  }
  broker::StatFields s;
  if (int error = broker_stat(t, true, s))
    return fail(error);
  // The preopen's directory is on the same file system as what lies
  // beneath it (or the broker would have refused the path).
  return fpathconf(t.rel.dirfd, name);
}

// getxattr("/p", "user.x") = 5; list calls show no name.
template <typename R>
R traced_xattr(const char* fn, const char* path, const char* name, R r) {
  if (tracing_paths()) {
    TraceLine line(fn);
    line.path(path);
    if (name)
      line.path(name);
    line.returns(static_cast<long>(r));
  }
  return r;
}

// Shared by the stat family: NAME(["dirfd", ]"path"[, flags]) = r.
int traced_stat(const char* name,
                int dirfd,
                const char* path,
                int flags,
                int r) {
  if (tracing_paths()) {
    TraceLine line(name);
    if (dirfd != kNoDirfd)
      line.dirfd(dirfd);
    line.path(path);
    if (dirfd != kNoDirfd)
      line.at_flags(flags);
    line.returns(r);
  }
  return r;
}

// access(path, R_OK|W_OK); the *at form adds the directory and flags.
int traced_access(const char* name,
                  int dirfd,
                  const char* path,
                  int mode,
                  int flags,
                  int r) {
  if (tracing_paths()) {
    TraceLine line(name);
    if (dirfd != kNoDirfd)
      line.dirfd(dirfd);
    line.path(path).access_mode(mode);
    if (dirfd != kNoDirfd)
      line.at_flags(flags);
    line.returns(r);
  }
  return r;
}

}  // namespace

extern "C" {

CAPBOX_PRELOAD_EXPORT int stat(const char* path, struct stat* st) {
  return traced_stat("stat", kNoDirfd, path, 0, stat_at(AT_FDCWD, path, st, 0));
}
CAPBOX_PRELOAD_EXPORT int stat64(const char* path, struct stat64* st) {
  return traced_stat(
      "stat64", kNoDirfd, path, 0,
      stat_at(AT_FDCWD, path, reinterpret_cast<struct stat*>(st), 0));
}
CAPBOX_PRELOAD_EXPORT int lstat(const char* path, struct stat* st) {
  return traced_stat("lstat", kNoDirfd, path, 0,
                     stat_at(AT_FDCWD, path, st, AT_SYMLINK_NOFOLLOW));
}
CAPBOX_PRELOAD_EXPORT int lstat64(const char* path, struct stat64* st) {
  return traced_stat("lstat64", kNoDirfd, path, 0,
                     stat_at(AT_FDCWD, path, reinterpret_cast<struct stat*>(st),
                             AT_SYMLINK_NOFOLLOW));
}
CAPBOX_PRELOAD_EXPORT int fstatat(int dirfd,
                                  const char* path,
                                  struct stat* st,
                                  int flags) {
  return traced_stat("fstatat", dirfd, path, flags,
                     stat_at(dirfd, path, st, flags));
}
CAPBOX_PRELOAD_EXPORT int fstatat64(int dirfd,
                                    const char* path,
                                    struct stat64* st,
                                    int flags) {
  return traced_stat(
      "fstatat64", dirfd, path, flags,
      stat_at(dirfd, path, reinterpret_cast<struct stat*>(st), flags));
}

// The pre-2.33 glibc names; version 1 is the kernel's struct stat, the
// only one x86-64 and aarch64 have. Traced under the name they stand for.
CAPBOX_PRELOAD_EXPORT int __xstat(int ver, const char* path, struct stat* st) {
  return traced_stat(
      "stat", kNoDirfd, path, 0,
      ver != 1 && ver != 0 ? fail(EINVAL) : stat_at(AT_FDCWD, path, st, 0));
}
CAPBOX_PRELOAD_EXPORT int __xstat64(int ver,
                                    const char* path,
                                    struct stat64* st) {
  return __xstat(ver, path, reinterpret_cast<struct stat*>(st));
}
CAPBOX_PRELOAD_EXPORT int __lxstat(int ver, const char* path, struct stat* st) {
  return traced_stat("lstat", kNoDirfd, path, 0,
                     ver != 1 && ver != 0
                         ? fail(EINVAL)
                         : stat_at(AT_FDCWD, path, st, AT_SYMLINK_NOFOLLOW));
}
CAPBOX_PRELOAD_EXPORT int __lxstat64(int ver,
                                     const char* path,
                                     struct stat64* st) {
  return __lxstat(ver, path, reinterpret_cast<struct stat*>(st));
}
CAPBOX_PRELOAD_EXPORT int __fxstatat(int ver,
                                     int dirfd,
                                     const char* path,
                                     struct stat* st,
                                     int flags) {
  return traced_stat(
      "fstatat", dirfd, path, flags,
      ver != 1 && ver != 0 ? fail(EINVAL) : stat_at(dirfd, path, st, flags));
}
CAPBOX_PRELOAD_EXPORT int __fxstatat64(int ver,
                                       int dirfd,
                                       const char* path,
                                       struct stat64* st,
                                       int flags) {
  return __fxstatat(ver, dirfd, path, reinterpret_cast<struct stat*>(st),
                    flags);
}

CAPBOX_PRELOAD_EXPORT int statx(int dirfd,
                                const char* path,
                                int flags,
                                unsigned int mask,
                                struct statx* stx) {
  return traced_stat("statx", dirfd, path, flags,
                     statx_impl(dirfd, path, flags, mask, stx));
}

CAPBOX_PRELOAD_EXPORT int access(const char* path, int mode) {
  return traced_access("access", kNoDirfd, path, mode, 0,
                       access_at(AT_FDCWD, path, mode, 0));
}
CAPBOX_PRELOAD_EXPORT int faccessat(int dirfd,
                                    const char* path,
                                    int mode,
                                    int flags) {
  return traced_access("faccessat", dirfd, path, mode, flags,
                       access_at(dirfd, path, mode, flags));
}
CAPBOX_PRELOAD_EXPORT int euidaccess(const char* path, int mode) {
  return traced_access("euidaccess", kNoDirfd, path, mode, 0,
                       access_at(AT_FDCWD, path, mode, AT_EACCESS));
}
CAPBOX_PRELOAD_EXPORT int eaccess(const char* path, int mode) {
  return traced_access("eaccess", kNoDirfd, path, mode, 0,
                       access_at(AT_FDCWD, path, mode, AT_EACCESS));
}

CAPBOX_PRELOAD_EXPORT ssize_t readlink(const char* path,
                                       char* buf,
                                       size_t size) {
  return traced_path("readlink", kNoDirfd, path,
                     readlink_at(AT_FDCWD, path, buf, size));
}
CAPBOX_PRELOAD_EXPORT ssize_t readlinkat(int dirfd,
                                         const char* path,
                                         char* buf,
                                         size_t size) {
  return traced_path("readlinkat", dirfd, path,
                     readlink_at(dirfd, path, buf, size));
}

CAPBOX_PRELOAD_EXPORT char* realpath(const char* path, char* resolved) {
  char* r = realpath_impl(path, resolved);
  if (tracing_paths())
    TraceLine("realpath").path(path).returns_path(r);
  return r;
}
CAPBOX_PRELOAD_EXPORT char* canonicalize_file_name(const char* path) {
  char* r = realpath_impl(path, nullptr);
  if (tracing_paths())
    TraceLine("canonicalize_file_name").path(path).returns_path(r);
  return r;
}

CAPBOX_PRELOAD_EXPORT long pathconf(const char* path, int name) {
  const long r = pathconf_impl(path, name);
  if (tracing_paths())
    TraceLine("pathconf").path(path).number(name).returns(r);
  return r;
}

CAPBOX_PRELOAD_EXPORT ssize_t getxattr(const char* path,
                                       const char* name,
                                       void* value,
                                       size_t size) {
  return traced_xattr(
      "getxattr", path, name,
      xattr_route(path, CAPBOX_REAL(getxattr), name, value, size));
}
CAPBOX_PRELOAD_EXPORT ssize_t lgetxattr(const char* path,
                                        const char* name,
                                        void* value,
                                        size_t size) {
  return traced_xattr(
      "lgetxattr", path, name,
      xattr_route(path, CAPBOX_REAL(lgetxattr), name, value, size));
}
CAPBOX_PRELOAD_EXPORT int setxattr(const char* path,
                                   const char* name,
                                   const void* value,
                                   size_t size,
                                   int flags) {
  return traced_xattr(
      "setxattr", path, name,
      xattr_route(path, CAPBOX_REAL(setxattr), name, value, size, flags));
}
CAPBOX_PRELOAD_EXPORT int lsetxattr(const char* path,
                                    const char* name,
                                    const void* value,
                                    size_t size,
                                    int flags) {
  return traced_xattr(
      "lsetxattr", path, name,
      xattr_route(path, CAPBOX_REAL(lsetxattr), name, value, size, flags));
}
CAPBOX_PRELOAD_EXPORT ssize_t listxattr(const char* path,
                                        char* list,
                                        size_t size) {
  return traced_xattr("listxattr", path, nullptr,
                      xattr_route(path, CAPBOX_REAL(listxattr), list, size));
}
CAPBOX_PRELOAD_EXPORT ssize_t llistxattr(const char* path,
                                         char* list,
                                         size_t size) {
  return traced_xattr("llistxattr", path, nullptr,
                      xattr_route(path, CAPBOX_REAL(llistxattr), list, size));
}
CAPBOX_PRELOAD_EXPORT int removexattr(const char* path, const char* name) {
  return traced_xattr("removexattr", path, name,
                      xattr_route(path, CAPBOX_REAL(removexattr), name));
}
CAPBOX_PRELOAD_EXPORT int lremovexattr(const char* path, const char* name) {
  return traced_xattr("lremovexattr", path, name,
                      xattr_route(path, CAPBOX_REAL(lremovexattr), name));
}

}  // extern "C"
