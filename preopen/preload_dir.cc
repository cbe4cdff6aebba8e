// SPDX-License-Identifier: Apache-2.0
// Directory and name operations of libcapbox-preload: mkdir, rmdir,
// unlink, remove, rename, link, symlink, scandir, mknod/mkfifo, and the
// virtual working directory (chdir, fchdir, getcwd). Two-path calls whose
// paths lie one under a preopen and one outside fail with EXDEV, as
// between two file systems, so mv and friends fall back to copying.
// Depends on preload_internal.h and libc.
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "preopen/preload_internal.h"
#include "preopen/preload_trace.h"

namespace capbox::preload {

namespace {

int mkdir_at(int dirfd, const char* path, mode_t mode) {
  Target t;
  switch (resolve(dirfd, path, t)) {
    case Route::Real:
      return CAPBOX_REAL(mkdirat)(t.real_dirfd, t.real_path, mode);
    case Route::Fail:
      return fail(t.error);
    case Route::Broker:
      break;
  }
  Call c{broker::Op::Mkdir};
  c.dir = t.handle;
  c.flags = broker::kMode;
  c.mode = mode & 0777 & ~current_umask();
  c.path = t.rel.relative_path;
  Answer a;
  int error = call(c, a);
  return error == 0 ? 0 : fail(error);
}

int unlink_at(int dirfd, const char* path, int flags) {
  if ((flags & ~AT_REMOVEDIR) != 0)
    return fail(EINVAL);
  Target t;
  switch (resolve(dirfd, path, t)) {
    case Route::Real:
      return CAPBOX_REAL(unlinkat)(t.real_dirfd, t.real_path, flags);
    case Route::Fail:
      return fail(t.error);
    case Route::Broker:
      break;
  }
  return simple(
      (flags & AT_REMOVEDIR) != 0 ? broker::Op::Rmdir : broker::Op::Unlink, t);
}

// rename and link: both under preopens go to the broker, both outside go
// to libc, one of each is EXDEV.
int two_paths(broker::Op op,
              int dir1,
              const char* path1,
              int dir2,
              const char* path2,
              uint32_t flags,
              int (*real)(int, const char*, int, const char*, int),
              int real_flags) {
  Target a, b;
  Route ra = resolve(dir1, path1, a);
  if (ra == Route::Fail)
    return fail(a.error);
  Route rb = resolve(dir2, path2, b);
  if (rb == Route::Fail)
    return fail(b.error);
  if (ra == Route::Real && rb == Route::Real)
    return real(a.real_dirfd, a.real_path, b.real_dirfd, b.real_path,
                real_flags);
  if (ra != rb)
    return fail(EXDEV);
  Call c{op};
  c.dir = a.handle;
  c.dir2 = b.handle;
  c.flags = flags;
  c.path = a.rel.relative_path;
  c.path2 = b.rel.relative_path;
  Answer answer;
  int error = call(c, answer);
  return error == 0 ? 0 : fail(error);
}

int real_renameat2(int d1, const char* p1, int d2, const char* p2, int fl) {
  return CAPBOX_REAL(renameat2)(d1, p1, d2, p2, static_cast<unsigned>(fl));
}

int real_linkat(int d1, const char* p1, int d2, const char* p2, int fl) {
  return CAPBOX_REAL(linkat)(d1, p1, d2, p2, fl);
}

int symlink_at(const char* target, int dirfd, const char* path) {
  if (!target)
    return fail(EFAULT);
  Target t;
  switch (resolve(dirfd, path, t)) {
    case Route::Real:
      return CAPBOX_REAL(symlinkat)(target, t.real_dirfd, t.real_path);
    case Route::Fail:
      return fail(t.error);
    case Route::Broker:
      break;
  }
  Call c{broker::Op::Symlink};
  c.dir = t.handle;
  c.path = t.rel.relative_path;
  c.path2 = target;
  Answer a;
  int error = call(c, a);
  return error == 0 ? 0 : fail(error);
}

// No broker op makes device nodes or FIFOs.
int mknod_at(int dirfd, const char* path, mode_t mode, dev_t dev) {
  Target t;
  switch (resolve(dirfd, path, t)) {
    case Route::Real:
      return CAPBOX_REAL(mknodat)(t.real_dirfd, t.real_path, mode, dev);
    case Route::Fail:
      return fail(t.error);
    case Route::Broker:
      break;
  }
  return fail(EPERM);
}

int scan(DIR* d,
         struct dirent*** list_out,
         int (*filter)(const struct dirent*),
         int (*compare)(const struct dirent**, const struct dirent**)) {
  struct dirent** list = nullptr;
  size_t n = 0, cap = 0;
  int error = 0;
  for (;;) {
    errno = 0;
    struct dirent* e = readdir(d);
    if (!e) {
      error = errno;
      break;
    }
    if (filter && !filter(e))
      continue;
    if (n == cap) {
      cap = cap ? cap * 2 : 16;
      void* grown = realloc(list, cap * sizeof(*list));
      if (!grown) {
        error = ENOMEM;
        break;
      }
      list = static_cast<struct dirent**>(grown);
    }
    auto* copy = static_cast<struct dirent*>(malloc(e->d_reclen));
    if (!copy) {
      error = ENOMEM;
      break;
    }
    memcpy(copy, e, e->d_reclen);
    list[n++] = copy;
  }
  closedir(d);
  if (error != 0) {
    for (size_t i = 0; i < n; ++i)
      free(list[i]);
    free(list);
    return fail(error);
  }
  if (compare)
    qsort(list, n, sizeof(*list),
          reinterpret_cast<int (*)(const void*, const void*)>(compare));
  *list_out = list;
  return static_cast<int>(n);
}

int chdir_to(const Target& t) {
  broker::StatFields s;
  if (int error = broker_stat(t, true, s))
    return fail(error);
  if (!S_ISDIR(s.mode))
    return fail(ENOTDIR);
  return set_virtual_cwd(t.guest);
}

char* getcwd_impl(char* buf, size_t size) {
  char cwd[kPathMax];
  virtual_cwd(cwd);
  size_t len = strlen(cwd);
  if (!buf) {
    if (size != 0 && size <= len)
      return errno = ERANGE, nullptr;
    buf = static_cast<char*>(malloc(size != 0 ? size : len + 1));
    if (!buf)
      return errno = ENOMEM, nullptr;
  } else if (size == 0) {
    return errno = EINVAL, nullptr;
  } else if (size <= len) {
    return errno = ERANGE, nullptr;
  }
  memcpy(buf, cwd, len + 1);
  return buf;
}

int chdir_impl(const char* path) {
  Target t;
  switch (resolve(AT_FDCWD, path, t)) {
    case Route::Real:
      if (!path)
        return fail(EFAULT);
      if (CAPBOX_REAL(chdir)(t.real_path) != 0)
        return -1;
      return set_virtual_cwd(t.real_path);
    case Route::Fail:
      return fail(t.error);
    case Route::Broker:
      break;
  }
  return chdir_to(t);
}

}  // namespace
}  // namespace capbox::preload

using namespace capbox::preload;
namespace broker = capbox::broker;

extern "C" {

CAPBOX_PRELOAD_EXPORT int mkdir(const char* path, mode_t mode) {
  const int r = mkdir_at(AT_FDCWD, path, mode);
  if (tracing_paths())
    TraceLine("mkdir").path(path).mode(mode).returns(r);
  return r;
}
CAPBOX_PRELOAD_EXPORT int mkdirat(int dirfd, const char* path, mode_t mode) {
  const int r = mkdir_at(dirfd, path, mode);
  if (tracing_paths())
    TraceLine("mkdirat").dirfd(dirfd).path(path).mode(mode).returns(r);
  return r;
}
CAPBOX_PRELOAD_EXPORT int rmdir(const char* path) {
  return static_cast<int>(traced_path("rmdir", kNoDirfd, path,
                                      unlink_at(AT_FDCWD, path, AT_REMOVEDIR)));
}
CAPBOX_PRELOAD_EXPORT int unlink(const char* path) {
  return static_cast<int>(
      traced_path("unlink", kNoDirfd, path, unlink_at(AT_FDCWD, path, 0)));
}
CAPBOX_PRELOAD_EXPORT int unlinkat(int dirfd, const char* path, int flags) {
  const int r = unlink_at(dirfd, path, flags);
  if (tracing_paths())
    TraceLine("unlinkat").dirfd(dirfd).path(path).at_flags(flags).returns(r);
  return r;
}
CAPBOX_PRELOAD_EXPORT int remove(const char* path) {
  int r = unlink_at(AT_FDCWD, path, 0);
  if (r != 0 && errno == EISDIR)
    r = unlink_at(AT_FDCWD, path, AT_REMOVEDIR);
  if (tracing_paths())
    TraceLine("remove").path(path).returns(r);
  return r;
}

CAPBOX_PRELOAD_EXPORT int rename(const char* from, const char* to) {
  return static_cast<int>(
      traced_path2("rename", from, to,
                   two_paths(broker::Op::Rename, AT_FDCWD, from, AT_FDCWD, to,
                             0, real_renameat2, 0)));
}
CAPBOX_PRELOAD_EXPORT int renameat(int d1,
                                   const char* from,
                                   int d2,
                                   const char* to) {
  const int r =
      two_paths(broker::Op::Rename, d1, from, d2, to, 0, real_renameat2, 0);
  if (tracing_paths())
    TraceLine("renameat").dirfd(d1).path(from).dirfd(d2).path(to).returns(r);
  return r;
}
// The broker renames only the plain way: other flags are EINVAL there, as
// on a file system that does not support them.
CAPBOX_PRELOAD_EXPORT int renameat2(int d1,
                                    const char* from,
                                    int d2,
                                    const char* to,
                                    unsigned int flags) {
  Target t;
  const int r = flags != 0 && resolve(d1, from, t) == Route::Broker
                    ? fail(EINVAL)
                    : two_paths(broker::Op::Rename, d1, from, d2, to, 0,
                                real_renameat2, static_cast<int>(flags));
  if (tracing_paths()) {
    TraceLine("renameat2")
        .dirfd(d1)
        .path(from)
        .dirfd(d2)
        .path(to)
        .rename_flags(flags)
        .returns(r);
  }
  return r;
}

CAPBOX_PRELOAD_EXPORT int link(const char* from, const char* to) {
  return static_cast<int>(
      traced_path2("link", from, to,
                   two_paths(broker::Op::Link, AT_FDCWD, from, AT_FDCWD, to, 0,
                             real_linkat, 0)));
}
CAPBOX_PRELOAD_EXPORT int linkat(int d1,
                                 const char* from,
                                 int d2,
                                 const char* to,
                                 int flags) {
  const int r = [&] {
    if ((flags & ~(AT_SYMLINK_FOLLOW | AT_EMPTY_PATH)) != 0)
      return fail(EINVAL);
    if ((flags & AT_EMPTY_PATH) != 0 && from && !*from)
      return CAPBOX_REAL(linkat)(d1, from, d2, to, flags);
    uint32_t follow = (flags & AT_SYMLINK_FOLLOW) != 0 ? broker::kFollow : 0;
    return two_paths(broker::Op::Link, d1, from, d2, to, follow, real_linkat,
                     flags);
  }();
  if (tracing_paths()) {
    TraceLine("linkat")
        .dirfd(d1)
        .path(from)
        .dirfd(d2)
        .path(to)
        .at_flags(flags)
        .returns(r);
  }
  return r;
}

CAPBOX_PRELOAD_EXPORT int symlink(const char* target, const char* path) {
  return static_cast<int>(traced_path2("symlink", target, path,
                                       symlink_at(target, AT_FDCWD, path)));
}
CAPBOX_PRELOAD_EXPORT int symlinkat(const char* target,
                                    int dirfd,
                                    const char* path) {
  const int r = symlink_at(target, dirfd, path);
  if (tracing_paths())
    TraceLine("symlinkat").path(target).dirfd(dirfd).path(path).returns(r);
  return r;
}

CAPBOX_PRELOAD_EXPORT int mknod(const char* path, mode_t mode, dev_t dev) {
  const int r = mknod_at(AT_FDCWD, path, mode, dev);
  if (tracing_paths())
    TraceLine("mknod")
        .path(path)
        .mode(mode)
        .number(static_cast<long>(dev))
        .returns(r);
  return r;
}
CAPBOX_PRELOAD_EXPORT int mknodat(int dirfd,
                                  const char* path,
                                  mode_t mode,
                                  dev_t dev) {
  const int r = mknod_at(dirfd, path, mode, dev);
  if (tracing_paths()) {
    TraceLine("mknodat")
        .dirfd(dirfd)
        .path(path)
        .mode(mode)
        .number(static_cast<long>(dev))
        .returns(r);
  }
  return r;
}
CAPBOX_PRELOAD_EXPORT int mkfifo(const char* path, mode_t mode) {
  const int r = mknod_at(AT_FDCWD, path, (mode & 07777) | S_IFIFO, 0);
  if (tracing_paths())
    TraceLine("mkfifo").path(path).mode(mode).returns(r);
  return r;
}
CAPBOX_PRELOAD_EXPORT int mkfifoat(int dirfd, const char* path, mode_t mode) {
  const int r = mknod_at(dirfd, path, (mode & 07777) | S_IFIFO, 0);
  if (tracing_paths())
    TraceLine("mkfifoat").dirfd(dirfd).path(path).mode(mode).returns(r);
  return r;
}

CAPBOX_PRELOAD_EXPORT int scandir(const char* path,
                                  struct dirent*** list,
                                  int (*filter)(const struct dirent*),
                                  int (*compare)(const struct dirent**,
                                                 const struct dirent**)) {
  const int r = [&] {
    Target t;
    if (resolve(AT_FDCWD, path, t) == Route::Real)
      return CAPBOX_REAL(scandir)(t.real_path, list, filter, compare);
    DIR* d = opendir(path);
    return d ? scan(d, list, filter, compare) : -1;
  }();
  if (tracing_paths())
    TraceLine("scandir").path(path).returns(r);
  return r;
}
CAPBOX_PRELOAD_EXPORT int scandir64(const char* path,
                                    struct dirent64*** list,
                                    int (*filter)(const struct dirent64*),
                                    int (*compare)(const struct dirent64**,
                                                   const struct dirent64**)) {
  static_assert(sizeof(struct dirent) == sizeof(struct dirent64));
  return scandir(
      path, reinterpret_cast<struct dirent***>(list),
      reinterpret_cast<int (*)(const struct dirent*)>(filter),
      reinterpret_cast<int (*)(const struct dirent**, const struct dirent**)>(
          compare));
}
CAPBOX_PRELOAD_EXPORT int scandirat(int dirfd,
                                    const char* path,
                                    struct dirent*** list,
                                    int (*filter)(const struct dirent*),
                                    int (*compare)(const struct dirent**,
                                                   const struct dirent**)) {
  const int r = [&] {
    Target t;
    switch (resolve(dirfd, path, t)) {
      case Route::Real:
        return CAPBOX_REAL(scandirat)(t.real_dirfd, t.real_path, list, filter,
                                      compare);
      case Route::Fail:
        return fail(t.error);
      case Route::Broker:
        break;
    }
    int fd = broker_open(t, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
    if (fd < 0)
      return -1;
    DIR* d = fdopendir(fd);
    if (!d) {
      int error = errno;
      close(fd);
      return fail(error);
    }
    return scan(d, list, filter, compare);
  }();
  if (tracing_paths())
    TraceLine("scandirat").dirfd(dirfd).path(path).returns(r);
  return r;
}

// The virtual cwd. Under a preopen the broker checks the directory and
// only the virtual cwd moves; under no preopen the kernel's chdir decides
// (Landlock does not restrict it) and the virtual cwd follows, so a
// program can always go back where it started (find restores "/").
CAPBOX_PRELOAD_EXPORT int chdir(const char* path) {
  const int r = chdir_impl(path);
  if (tracing_paths())
    TraceLine("chdir").path(path).returns(r);
  return r;
}

// A directory the broker gave becomes the virtual cwd; any other
// descriptor goes to the kernel, whose new cwd (a host path outside the
// preopens, which is also its guest path) the virtual cwd follows.
CAPBOX_PRELOAD_EXPORT int fchdir(int fd) {
  const int r = [fd] {
    if (!ready())
      return fail(EACCES);
    char guest[kPathMax];
    if (lookup_dir(fd, guest))
      return set_virtual_cwd(guest);
    if (CAPBOX_REAL(fchdir)(fd) != 0)
      return -1;
    if (CAPBOX_REAL(getcwd)(guest, sizeof(guest)) && guest[0] == '/')
      set_virtual_cwd(guest);
    return 0;
  }();
  if (tracing(kFdGroup))
    TraceLine("fchdir").number(fd).returns(r);
  return r;
}

CAPBOX_PRELOAD_EXPORT char* getcwd(char* buf, size_t size) {
  char* r = getcwd_impl(buf, size);
  if (tracing_paths())
    TraceLine("getcwd").number(static_cast<long>(size)).returns_path(r);
  return r;
}

CAPBOX_PRELOAD_EXPORT char* get_current_dir_name(void) {
  char* r = getcwd_impl(nullptr, 0);
  if (tracing_paths())
    TraceLine("get_current_dir_name").returns_path(r);
  return r;
}

}  // extern "C"
