// SPDX-License-Identifier: Apache-2.0
// The open family of libcapbox-preload: open/openat and their 64-bit and
// fortified names, creat, fopen/freopen, opendir/scandir, mkstemp and
// friends, tmpfile. A path under a preopen is opened by the broker and the
// program gets the real descriptor it sent; any other path goes to libc
// (the kernel's Landlock decides). Depends on preload_internal.h and libc.
#include <dirent.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "preopen/preload_internal.h"
#include "preopen/preload_state.h"
#include "preopen/preload_trace.h"
#include "wasi/types.h"

namespace capbox::preload {
namespace {

uint32_t open_bits(int flags) {
  uint32_t f = (flags & O_NOFOLLOW) != 0 ? 0 : broker::kFollow;
  if ((flags & O_PATH) != 0)
    return f | ((flags & O_DIRECTORY) != 0 ? broker::kOpenDirectory
                                           : broker::kOpenRead);
  int acc = flags & O_ACCMODE;
  if (acc != O_WRONLY)
    f |= broker::kOpenRead;
  if (acc != O_RDONLY)
    f |= broker::kOpenWrite;
  if ((flags & O_CREAT) != 0) {
    f |= broker::kOpenCreate;
    if ((flags & O_EXCL) != 0)
      f |= broker::kOpenExclusive;
  }
  if ((flags & O_TRUNC) != 0)
    f |= broker::kOpenTruncate;
  if ((flags & O_DIRECTORY) != 0)
    f |= broker::kOpenDirectory;
  if ((flags & O_APPEND) != 0)
    f |= broker::kOpenAppend;
  if ((flags & O_NONBLOCK) != 0)
    f |= broker::kOpenNonblock;
  if ((flags & O_SYNC) == O_SYNC)
    f |= broker::kOpenSync;
  else if ((flags & O_DSYNC) != 0)
    f |= broker::kOpenDsync;
  return f;
}

}  // namespace

// The process's umask, read without leaving it changed.
mode_t current_umask() {
  mode_t mask = umask(022);
  umask(mask);
  return mask;
}

namespace {

int open_once(const Target& t, int flags, mode_t mode) {
  Call c{broker::Op::Open};
  c.dir = t.handle;
  // Directories are named by guest path afterwards, never by handle.
  c.flags = open_bits(flags) | broker::kOpenNoHandle;
  if ((c.flags & broker::kOpenCreate) != 0) {
    c.flags |= broker::kMode;
    c.mode = mode & 0777 & ~current_umask();
  }
  c.path = t.rel.relative_path;
  Answer a;
  if (int error = call(c, a); error != 0)
    return fail(error);
  struct stat st;
  if (fstat(a.fd, &st) == 0 && S_ISDIR(st.st_mode)) {
    // The host opens a directory asked for writing read-only (WASI's
    // rule); open(2) says EISDIR.
    if ((flags & O_PATH) == 0 && (flags & O_ACCMODE) != O_RDONLY) {
      close(a.fd);
      return fail(EISDIR);
    }
    remember_dir(a.fd, t.guest, st);
  }
  if ((flags & O_CLOEXEC) == 0)
    fcntl(a.fd, F_SETFD, 0);
  return a.fd;
}

}  // namespace

// The host asks for the create right whenever O_CREAT is set, but open(2)
// with O_CREAT on an existing file creates nothing: under a grant without
// "create" an existing file is opened as it is. Only a missing one is
// asked for with O_CREAT, so that the host refuses it (EACCES) and
// reports the denial naming the right to add.
int broker_open(const Target& t, int flags, mode_t mode) {
  if ((flags & O_TMPFILE) == O_TMPFILE)
    return fail(EOPNOTSUPP);
  if ((flags & O_ACCMODE) == O_ACCMODE && (flags & O_PATH) == 0)
    return fail(EINVAL);
  if ((flags & (O_CREAT | O_EXCL | O_PATH)) == O_CREAT &&
      (t.rights & wasi::right::kPathCreateFile) == 0) {
    int fd = open_once(t, flags & ~O_CREAT, mode);
    if (fd >= 0 || errno != ENOENT)
      return fd;
  }
  return open_once(t, flags, mode);
}

namespace {

int open_at(int dirfd, const char* path, int flags, mode_t mode) {
  Target t;
  switch (resolve(dirfd, path, t)) {
    case Route::Real:
      return CAPBOX_REAL(openat)(t.real_dirfd, t.real_path, flags, mode);
    case Route::Fail:
      return fail(t.error);
    case Route::Broker:
      break;
  }
  return broker_open(t, flags, mode);
}

mode_t mode_arg(int flags, va_list ap) {
  return (flags & O_CREAT) != 0 || (flags & O_TMPFILE) == O_TMPFILE
             ? static_cast<mode_t>(va_arg(ap, int))
             : 0;
}

// fopen's mode string as open(2) flags; -1 with EINVAL if it is not one.
int fopen_flags(const char* mode) {
  int flags;
  switch (mode ? mode[0] : 0) {
    case 'r':
      flags = O_RDONLY;
      break;
    case 'w':
      flags = O_WRONLY | O_CREAT | O_TRUNC;
      break;
    case 'a':
      flags = O_WRONLY | O_CREAT | O_APPEND;
      break;
    default:
      return fail(EINVAL);
  }
  for (const char* p = mode + 1; *p && *p != ','; ++p) {
    if (*p == '+')
      flags = (flags & ~O_ACCMODE) | O_RDWR;
    else if (*p == 'x')
      flags |= O_EXCL;
    else if (*p == 'e')
      flags |= O_CLOEXEC;
  }
  return flags;
}

FILE* fopen_impl(const char* path, const char* mode) {
  Target t;
  switch (resolve(AT_FDCWD, path, t)) {
    case Route::Real:
      return CAPBOX_REAL(fopen)(t.real_path, mode);
    case Route::Fail:
      errno = t.error;
      return nullptr;
    case Route::Broker:
      break;
  }
  int flags = fopen_flags(mode);
  if (flags < 0)
    return nullptr;
  int fd = broker_open(t, flags, 0666);
  if (fd < 0)
    return nullptr;
  FILE* f = fdopen(fd, mode);
  if (!f) {
    int error = errno;
    close(fd);
    errno = error;
  }
  return f;
}

// Reopens `stream` on a brokered descriptor by putting it in place of the
// stream's own (dup3), so the FILE keeps its buffer and orientation; the
// stream's read/write mode stays what it was.
FILE* freopen_impl(const char* path, const char* mode, FILE* stream) {
  Target t;
  if (!path)
    return CAPBOX_REAL(freopen)(path, mode, stream);
  switch (resolve(AT_FDCWD, path, t)) {
    case Route::Real:
      return CAPBOX_REAL(freopen)(t.real_path, mode, stream);
    case Route::Fail:
      errno = t.error;
      return nullptr;
    case Route::Broker:
      break;
  }
  int flags = fopen_flags(mode);
  if (flags < 0)
    return nullptr;
  int fd = broker_open(t, flags, 0666);
  if (fd < 0)
    return nullptr;
  fflush(stream);
  int target = fileno(stream);
  int dup_flags = (flags & O_CLOEXEC) != 0 ? O_CLOEXEC : 0;
  if (target < 0 || dup3(fd, target, dup_flags) < 0) {
    int error = target < 0 ? EBADF : errno;
    close(fd);
    errno = error;
    return nullptr;
  }
  close(fd);
  clearerr(stream);
  return stream;
}

// mkstemp and friends under a preopen: random names, O_EXCL, 100 tries.
int make_temp(char* tmpl, int suffix, int flags, bool dir) {
  size_t len = tmpl ? strlen(tmpl) : 0;
  if (suffix < 0 || len < 6 + static_cast<size_t>(suffix) ||
      memcmp(tmpl + len - suffix - 6, "XXXXXX", 6) != 0)
    return fail(EINVAL);
  char* x = tmpl + len - suffix - 6;
  static const char kChars[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  for (int attempt = 0; attempt < 100; ++attempt) {
    unsigned char r[6];
    if (getrandom(r, sizeof(r), 0) != sizeof(r))
      return -1;
    for (int i = 0; i < 6; ++i)
      x[i] = kChars[r[i] % (sizeof(kChars) - 1)];
    Target t;
    if (resolve(AT_FDCWD, tmpl, t) != Route::Broker)
      return fail(t.route == Route::Fail ? t.error : EACCES);
    if (dir) {
      Call c{broker::Op::Mkdir};
      c.dir = t.handle;
      c.path = t.rel.relative_path;
      c.flags = broker::kMode;
      c.mode = 0700 & ~current_umask();
      Answer a;
      int error = call(c, a);
      if (error == 0)
        return 0;
      if (error != EEXIST)
        return fail(error);
      continue;
    }
    int fd = broker_open(t, O_RDWR | O_CREAT | O_EXCL | flags, 0600);
    if (fd >= 0 || errno != EEXIST)
      return fd;
  }
  return fail(EEXIST);
}

// The route a template takes (its directory decides).
Route temp_route(const char* tmpl) {
  Target t;
  Route r = resolve(AT_FDCWD, tmpl, t);
  if (r == Route::Fail)
    errno = t.error;
  return r;
}

DIR* opendir_impl(const char* path) {
  Target t;
  switch (resolve(AT_FDCWD, path, t)) {
    case Route::Real:
      return CAPBOX_REAL(opendir)(t.real_path);
    case Route::Fail:
      errno = t.error;
      return nullptr;
    case Route::Broker:
      break;
  }
  int fd = broker_open(t, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
  if (fd < 0)
    return nullptr;
  DIR* d = fdopendir(fd);
  if (!d) {
    int error = errno;
    close(fd);
    errno = error;
  }
  return d;
}

}  // namespace

}  // namespace capbox::preload

using namespace capbox::preload;
namespace broker = capbox::broker;

namespace {

// The real mkostemps is the most general of the family: mkstemp(t) is
// mkostemps(t, 0, 0).
int mkostemps_impl(char* tmpl, int suffix, int flags, bool with_flags) {
  Route r = temp_route(tmpl);
  if (r == Route::Real) {
    return with_flags ? CAPBOX_REAL(mkostemps)(tmpl, suffix, flags)
                      : CAPBOX_REAL(mkstemps)(tmpl, suffix);
  }
  return r == Route::Fail ? -1 : make_temp(tmpl, suffix, flags, false);
}

int traced_temp(const char* name, const char* tmpl, int flags, int r) {
  if (tracing_paths()) {
    TraceLine line(name);
    line.path(tmpl);
    if (flags != 0)
      line.open_flags(flags);
    line.returns(r);
  }
  return r;
}

// glibc's tmpfile ignores TMPDIR; here a TMPDIR under a preopen is used
// first, then /tmp if it lies under one, else libc's own.
FILE* tmpfile_impl() {
  const char* dirs[] = {getenv("TMPDIR"), "/tmp"};
  for (const char* dir : dirs) {
    if (!dir || !*dir || strlen(dir) > kPathMax - 16)
      continue;
    char tmpl[kPathMax];
    strcpy(tmpl, dir);
    strcat(tmpl, "/tmpfXXXXXX");
    if (temp_route(tmpl) != Route::Broker)
      continue;
    int fd = make_temp(tmpl, 0, 0, false);
    if (fd < 0)
      return nullptr;
    unlink(tmpl);
    FILE* f = fdopen(fd, "w+");
    if (!f)
      close(fd);
    return f;
  }
  if (!ready())
    return errno = EACCES, nullptr;
  return CAPBOX_REAL(tmpfile)();
}

}  // namespace

extern "C" {

CAPBOX_PRELOAD_EXPORT int open(const char* path, int flags, ...) {
  va_list ap;
  va_start(ap, flags);
  mode_t mode = mode_arg(flags, ap);
  va_end(ap);
  return traced_open("open", kNoDirfd, path, flags, mode,
                     open_at(AT_FDCWD, path, flags, mode));
}

CAPBOX_PRELOAD_EXPORT int open64(const char* path, int flags, ...) {
  va_list ap;
  va_start(ap, flags);
  mode_t mode = mode_arg(flags, ap);
  va_end(ap);
  return traced_open("open64", kNoDirfd, path, flags, mode,
                     open_at(AT_FDCWD, path, flags, mode));
}

CAPBOX_PRELOAD_EXPORT int openat(int dirfd, const char* path, int flags, ...) {
  va_list ap;
  va_start(ap, flags);
  mode_t mode = mode_arg(flags, ap);
  va_end(ap);
  return traced_open("openat", dirfd, path, flags, mode,
                     open_at(dirfd, path, flags, mode));
}

CAPBOX_PRELOAD_EXPORT int openat64(int dirfd,
                                   const char* path,
                                   int flags,
                                   ...) {
  va_list ap;
  va_start(ap, flags);
  mode_t mode = mode_arg(flags, ap);
  va_end(ap);
  return traced_open("openat64", dirfd, path, flags, mode,
                     open_at(dirfd, path, flags, mode));
}

// The _FORTIFY_SOURCE entry points: called when no mode was passed.
CAPBOX_PRELOAD_EXPORT int __open_2(const char* path, int flags) {
  return traced_open("open", kNoDirfd, path, flags, 0,
                     open_at(AT_FDCWD, path, flags, 0));
}
CAPBOX_PRELOAD_EXPORT int __open64_2(const char* path, int flags) {
  return traced_open("open64", kNoDirfd, path, flags, 0,
                     open_at(AT_FDCWD, path, flags, 0));
}
CAPBOX_PRELOAD_EXPORT int __openat_2(int dirfd, const char* path, int flags) {
  return traced_open("openat", dirfd, path, flags, 0,
                     open_at(dirfd, path, flags, 0));
}
CAPBOX_PRELOAD_EXPORT int __openat64_2(int dirfd, const char* path, int flags) {
  return traced_open("openat64", dirfd, path, flags, 0,
                     open_at(dirfd, path, flags, 0));
}

CAPBOX_PRELOAD_EXPORT int creat(const char* path, mode_t mode) {
  return traced_open(
      "creat", kNoDirfd, path, O_WRONLY | O_CREAT | O_TRUNC, mode,
      open_at(AT_FDCWD, path, O_WRONLY | O_CREAT | O_TRUNC, mode));
}
CAPBOX_PRELOAD_EXPORT int creat64(const char* path, mode_t mode) {
  return traced_open(
      "creat64", kNoDirfd, path, O_WRONLY | O_CREAT | O_TRUNC, mode,
      open_at(AT_FDCWD, path, O_WRONLY | O_CREAT | O_TRUNC, mode));
}

CAPBOX_PRELOAD_EXPORT FILE* fopen(const char* path, const char* mode) {
  return traced_fopen("fopen", path, mode, fopen_impl(path, mode));
}
CAPBOX_PRELOAD_EXPORT FILE* fopen64(const char* path, const char* mode) {
  return traced_fopen("fopen64", path, mode, fopen_impl(path, mode));
}
CAPBOX_PRELOAD_EXPORT FILE* freopen(const char* path,
                                    const char* mode,
                                    FILE* stream) {
  return traced_fopen("freopen", path, mode, freopen_impl(path, mode, stream));
}
CAPBOX_PRELOAD_EXPORT FILE* freopen64(const char* path,
                                      const char* mode,
                                      FILE* stream) {
  return traced_fopen("freopen64", path, mode,
                      freopen_impl(path, mode, stream));
}

CAPBOX_PRELOAD_EXPORT DIR* opendir(const char* path) {
  return traced_opendir("opendir", path, opendir_impl(path));
}

// The mkstemp family shows the template as the call filled it in.
CAPBOX_PRELOAD_EXPORT int mkstemp(char* tmpl) {
  return traced_temp("mkstemp", tmpl, 0, mkostemps_impl(tmpl, 0, 0, false));
}
CAPBOX_PRELOAD_EXPORT int mkstemp64(char* tmpl) {
  return traced_temp("mkstemp64", tmpl, 0, mkostemps_impl(tmpl, 0, 0, false));
}
CAPBOX_PRELOAD_EXPORT int mkostemp(char* tmpl, int flags) {
  return traced_temp("mkostemp", tmpl, flags,
                     mkostemps_impl(tmpl, 0, flags, true));
}
CAPBOX_PRELOAD_EXPORT int mkostemp64(char* tmpl, int flags) {
  return traced_temp("mkostemp64", tmpl, flags,
                     mkostemps_impl(tmpl, 0, flags, true));
}
CAPBOX_PRELOAD_EXPORT int mkstemps(char* tmpl, int suffix) {
  return traced_temp("mkstemps", tmpl, 0,
                     mkostemps_impl(tmpl, suffix, 0, false));
}
CAPBOX_PRELOAD_EXPORT int mkstemps64(char* tmpl, int suffix) {
  return traced_temp("mkstemps64", tmpl, 0,
                     mkostemps_impl(tmpl, suffix, 0, false));
}
CAPBOX_PRELOAD_EXPORT int mkostemps(char* tmpl, int suffix, int flags) {
  return traced_temp("mkostemps", tmpl, flags,
                     mkostemps_impl(tmpl, suffix, flags, true));
}
CAPBOX_PRELOAD_EXPORT int mkostemps64(char* tmpl, int suffix, int flags) {
  return traced_temp("mkostemps64", tmpl, flags,
                     mkostemps_impl(tmpl, suffix, flags, true));
}
CAPBOX_PRELOAD_EXPORT char* mkdtemp(char* tmpl) {
  Route r = temp_route(tmpl);
  char* result = r == Route::Real ? CAPBOX_REAL(mkdtemp)(tmpl)
                 : r == Route::Fail || make_temp(tmpl, 0, 0, true) != 0
                     ? nullptr
                     : tmpl;
  if (tracing_paths())
    TraceLine("mkdtemp").path(tmpl).returns_path(result);
  return result;
}

CAPBOX_PRELOAD_EXPORT FILE* tmpfile(void) {
  FILE* f = tmpfile_impl();
  if (tracing_paths())
    TraceLine("tmpfile").returns_stream("FILE", f ? fileno(f) : -1, f);
  return f;
}
CAPBOX_PRELOAD_EXPORT FILE* tmpfile64(void) {
  return tmpfile();
}

}  // extern "C"
