// SPDX-License-Identifier: Apache-2.0
// The rest of libcapbox-preload's names: the _FORTIFY_SOURCE entry points
// that Debian's programs call instead of realpath/readlink/getcwd, getwd,
// mktemp, statfs/statvfs by path, and glob, which glibc runs on its own
// internal opendir/stat unless GLOB_ALTDIRFUNC hands it ours. Depends on
// preload_internal.h and libc.
#include <dirent.h>
#include <fcntl.h>
#include <glob.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "preopen/preload_internal.h"
#include "preopen/preload_trace.h"

extern "C" {
char* __realpath_chk(const char* path, char* resolved, size_t resolvedlen);
ssize_t __readlink_chk(const char* path, char* buf, size_t len, size_t n);
ssize_t __readlinkat_chk(int dirfd,
                         const char* path,
                         char* buf,
                         size_t len,
                         size_t n);
char* __getcwd_chk(char* buf, size_t size, size_t buflen);
}

namespace capbox::preload {
namespace {

// mktemp only names: a name is free when lstat says ENOENT.
char* mktemp_impl(char* tmpl) {
  Target t;
  Route r = resolve(AT_FDCWD, tmpl, t);
  if (r == Route::Real)
    return CAPBOX_REAL(mktemp)(tmpl);
  size_t len = strlen(tmpl);
  if (r == Route::Fail || len < 6 || strcmp(tmpl + len - 6, "XXXXXX") != 0) {
    errno = r == Route::Fail ? t.error : EINVAL;
    tmpl[0] = '\0';
    return tmpl;
  }
  static const char kChars[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  for (int attempt = 0; attempt < 100; ++attempt) {
    unsigned char bytes[6];
    if (getrandom(bytes, sizeof(bytes), 0) != sizeof(bytes))
      break;
    for (int i = 0; i < 6; ++i)
      tmpl[len - 6 + i] = kChars[bytes[i] % (sizeof(kChars) - 1)];
    struct stat st;
    if (lstat(tmpl, &st) != 0 && errno == ENOENT)
      return tmpl;
  }
  errno = EEXIST;
  tmpl[0] = '\0';
  return tmpl;
}

int traced_fs(const char* name, const char* path, int r) {
  if (tracing_paths())
    TraceLine(name).path(path).returns(r);
  return r;
}

// glob("/d/*", 0) = 0: the result is glob's own code (GLOB_NOMATCH 3).
int traced_glob(const char* name, const char* pattern, int flags, int r) {
  if (tracing_paths())
    TraceLine(name).path(pattern).number(flags).returns(r);
  return r;
}

// statfs and statvfs of a path under a preopen: the path must exist (the
// broker says), and the numbers are those of the preopen's file system.
template <typename Buf>
int fs_stat(const char* path,
            Buf* buf,
            int (*real)(const char*, Buf*),
            int (*by_fd)(int, Buf*)) {
  Target t;
  switch (resolve(AT_FDCWD, path, t)) {
    case Route::Real:
      return real(t.real_path, buf);
    case Route::Fail:
      return fail(t.error);
    case Route::Broker:
      break;
  }
  broker::StatFields s;
  if (int error = broker_stat(t, true, s))
    return fail(error);
  return by_fd(t.rel.dirfd, buf);
}

void* glob_opendir(const char* path) {
  return opendir(path);
}
void* glob_readdir(void* dir) {
  return readdir(static_cast<DIR*>(dir));
}
void glob_closedir(void* dir) {
  closedir(static_cast<DIR*>(dir));
}

template <typename GlobT, typename StatFn>
void use_our_dir_functions(GlobT* g, StatFn stat_fn, StatFn lstat_fn) {
  g->gl_opendir = glob_opendir;
  g->gl_readdir = reinterpret_cast<decltype(g->gl_readdir)>(glob_readdir);
  g->gl_closedir = glob_closedir;
  g->gl_stat = stat_fn;
  g->gl_lstat = lstat_fn;
}

}  // namespace
}  // namespace capbox::preload

using namespace capbox::preload;

extern "C" {

// The checked forms: the result is built in a full-size buffer and copied
// only if it fits the caller's (ENAMETOOLONG, ERANGE otherwise) rather
// than aborting the program as glibc's check would.
CAPBOX_PRELOAD_EXPORT char* __realpath_chk(const char* path,
                                           char* resolved,
                                           size_t resolvedlen) {
  if (!resolved || resolvedlen >= PATH_MAX)
    return realpath(path, resolved);
  char full[PATH_MAX];
  if (!realpath(path, full))
    return nullptr;
  if (strlen(full) >= resolvedlen)
    return errno = ENAMETOOLONG, nullptr;
  return strcpy(resolved, full);
}
CAPBOX_PRELOAD_EXPORT ssize_t __readlink_chk(const char* path,
                                             char* buf,
                                             size_t len,
                                             size_t buflen) {
  return readlink(path, buf, len < buflen ? len : buflen);
}
CAPBOX_PRELOAD_EXPORT ssize_t __readlinkat_chk(int dirfd,
                                               const char* path,
                                               char* buf,
                                               size_t len,
                                               size_t buflen) {
  return readlinkat(dirfd, path, buf, len < buflen ? len : buflen);
}
CAPBOX_PRELOAD_EXPORT char* __getcwd_chk(char* buf,
                                         size_t size,
                                         size_t buflen) {
  return getcwd(buf, size < buflen ? size : buflen);
}
CAPBOX_PRELOAD_EXPORT char* getwd(char* buf) {
  if (getcwd(buf, PATH_MAX))
    return buf;
  strerror_r(errno, buf, 256);
  return nullptr;
}

CAPBOX_PRELOAD_EXPORT char* mktemp(char* tmpl) {
  char* r = mktemp_impl(tmpl);
  if (tracing_paths())
    TraceLine("mktemp").returns_path(r[0] ? r : nullptr);  // "" on failure
  return r;
}

CAPBOX_PRELOAD_EXPORT int statfs(const char* path, struct statfs* buf) {
  return traced_fs(
      "statfs", path,
      fs_stat<struct statfs>(path, buf, CAPBOX_REAL(statfs), fstatfs));
}
CAPBOX_PRELOAD_EXPORT int statfs64(const char* path, struct statfs64* buf) {
  return traced_fs(
      "statfs64", path,
      fs_stat<struct statfs64>(path, buf, CAPBOX_REAL(statfs64), fstatfs64));
}
CAPBOX_PRELOAD_EXPORT int statvfs(const char* path, struct statvfs* buf) {
  return traced_fs(
      "statvfs", path,
      fs_stat<struct statvfs>(path, buf, CAPBOX_REAL(statvfs), fstatvfs));
}
CAPBOX_PRELOAD_EXPORT int statvfs64(const char* path, struct statvfs64* buf) {
  return traced_fs(
      "statvfs64", path,
      fs_stat<struct statvfs64>(path, buf, CAPBOX_REAL(statvfs64), fstatvfs64));
}

CAPBOX_PRELOAD_EXPORT int glob(const char* pattern,
                               int flags,
                               int (*errfunc)(const char*, int),
                               glob_t* g) {
  if ((flags & GLOB_ALTDIRFUNC) == 0 && g) {
    use_our_dir_functions(g, &stat, &lstat);
    flags |= GLOB_ALTDIRFUNC;
  }
  const int r = CAPBOX_REAL(glob)(pattern, flags, errfunc, g);
  return traced_glob("glob", pattern, flags & ~GLOB_ALTDIRFUNC, r);
}
CAPBOX_PRELOAD_EXPORT int glob64(const char* pattern,
                                 int flags,
                                 int (*errfunc)(const char*, int),
                                 glob64_t* g) {
  if ((flags & GLOB_ALTDIRFUNC) == 0 && g) {
    use_our_dir_functions(g, &stat64, &lstat64);
    flags |= GLOB_ALTDIRFUNC;
  }
  const int r = CAPBOX_REAL(glob64)(pattern, flags, errfunc, g);
  return traced_glob("glob64", pattern, flags & ~GLOB_ALTDIRFUNC, r);
}

}  // extern "C"
