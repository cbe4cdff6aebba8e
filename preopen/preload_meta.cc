// SPDX-License-Identifier: Apache-2.0
// Metadata calls of libcapbox-preload: truncate, the utime family, chmod
// and chown by path. chmod goes to the broker's Chmod op (the "metadata"
// right) with permission bits only: setuid and setgid are refused (EPERM)
// as the exec seccomp filter refuses them on descriptors, since brokered
// files belong to the supervisor's user. chown behaves as for a process
// without CAP_CHOWN. Depends on preload_internal.h and libc.
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>
#include <utime.h>

#include "preopen/preload_internal.h"
#include "preopen/preload_trace.h"

namespace capbox::preload {
namespace {

int truncate_path(const char* path, off_t length) {
  Target t;
  switch (resolve(AT_FDCWD, path, t)) {
    case Route::Real:
      return CAPBOX_REAL(truncate)(t.real_path, length);
    case Route::Fail:
      return fail(t.error);
    case Route::Broker:
      break;
  }
  if (length < 0)
    return fail(EINVAL);
  Call c{broker::Op::Truncate};
  c.dir = t.handle;
  c.path = t.rel.relative_path;
  c.size = static_cast<uint64_t>(length);
  Answer a;
  int error = call(c, a);
  return error == 0 ? 0 : fail(error);
}

bool time_field(const struct timespec* ts, broker::TimeField& out) {
  out = {};
  if (!ts) {
    out.kind = broker::kTimeNow;
    return true;
  }
  if (ts->tv_nsec == UTIME_NOW) {
    out.kind = broker::kTimeNow;
  } else if (ts->tv_nsec != UTIME_OMIT) {
    if (ts->tv_nsec < 0 || ts->tv_nsec >= 1000000000)
      return false;
    out.kind = broker::kTimeSet;
    out.sec = ts->tv_sec;
    out.nsec = static_cast<uint32_t>(ts->tv_nsec);
  }
  return true;
}

int times_at(int dirfd,
             const char* path,
             const struct timespec times[2],
             int flags) {
  if ((flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH)) != 0)
    return fail(EINVAL);
  Target t;
  switch (resolve(dirfd, path, t)) {
    case Route::Real:
      return CAPBOX_REAL(utimensat)(t.real_dirfd, t.real_path, times, flags);
    case Route::Fail:
      return fail(t.error);
    case Route::Broker:
      break;
  }
  Call c{broker::Op::SetTimes};
  c.dir = t.handle;
  c.path = t.rel.relative_path;
  c.flags = (flags & AT_SYMLINK_NOFOLLOW) != 0 ? 0 : broker::kFollow;
  if (!time_field(times ? &times[0] : nullptr, c.atime) ||
      !time_field(times ? &times[1] : nullptr, c.mtime))
    return fail(EINVAL);
  Answer a;
  int error = call(c, a);
  return error == 0 ? 0 : fail(error);
}

// timeval pairs as timespec pairs; false (EINVAL) if microseconds are out
// of range.
bool to_timespec(const struct timeval tv[2], struct timespec ts[2]) {
  for (int i = 0; i < 2; ++i) {
    if (tv[i].tv_usec < 0 || tv[i].tv_usec >= 1000000)
      return false;
    ts[i] = {tv[i].tv_sec, tv[i].tv_usec * 1000};
  }
  return true;
}

int utimes_at(int dirfd,
              const char* path,
              const struct timeval tv[2],
              int flags) {
  struct timespec ts[2];
  if (tv && !to_timespec(tv, ts))
    return fail(EINVAL);
  return times_at(dirfd, path, tv ? ts : nullptr, flags);
}

int chmod_at(int dirfd, const char* path, mode_t mode, int flags) {
  if ((flags & ~AT_SYMLINK_NOFOLLOW) != 0)
    return fail(EINVAL);
  Target t;
  switch (resolve(dirfd, path, t)) {
    case Route::Real:
      return CAPBOX_REAL(fchmodat)(t.real_dirfd, t.real_path, mode, flags);
    case Route::Fail:
      return fail(t.error);
    case Route::Broker:
      break;
  }
  if ((mode & (S_ISUID | S_ISGID)) != 0)
    return fail(EPERM);
  Call c{broker::Op::Chmod};
  c.dir = t.handle;
  c.path = t.rel.relative_path;
  c.flags = broker::kMode |
            ((flags & AT_SYMLINK_NOFOLLOW) != 0 ? 0 : broker::kFollow);
  c.mode = mode & 0777;
  Answer a;
  int error = call(c, a);
  return error == 0 ? 0 : fail(error);
}

int chown_at(int dirfd, const char* path, uid_t uid, gid_t gid, int flags) {
  if ((flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH)) != 0)
    return fail(EINVAL);
  Target t;
  switch (resolve(dirfd, path, t)) {
    case Route::Real:
      return CAPBOX_REAL(fchownat)(t.real_dirfd, t.real_path, uid, gid, flags);
    case Route::Fail:
      return fail(t.error);
    case Route::Broker:
      break;
  }
  broker::StatFields s;
  if (int error = broker_stat(t, (flags & AT_SYMLINK_NOFOLLOW) == 0, s))
    return fail(error);
  bool same_uid = uid == static_cast<uid_t>(-1) || uid == s.uid;
  bool same_gid = gid == static_cast<gid_t>(-1) || gid == s.gid;
  return same_uid && same_gid ? 0 : fail(EPERM);
}

}  // namespace
}  // namespace capbox::preload

using namespace capbox::preload;
namespace broker = capbox::broker;

namespace {

int traced_utimes(const char* name,
                  int dirfd,
                  const char* path,
                  const struct timeval tv[2],
                  int r) {
  if (tracing_paths()) {
    TraceLine line(name);
    if (dirfd != kNoDirfd)
      line.dirfd(dirfd);
    struct timespec ts[2] = {{0, 0}, {0, 0}};
    if (tv)
      ts[0].tv_sec = tv[0].tv_sec, ts[1].tv_sec = tv[1].tv_sec;
    line.path(path).times(tv ? ts : nullptr).returns(r);
  }
  return r;
}

int traced_chmod(const char* name,
                 int dirfd,
                 const char* path,
                 mode_t mode,
                 int flags,
                 int r) {
  if (tracing_paths()) {
    TraceLine line(name);
    if (dirfd != kNoDirfd)
      line.dirfd(dirfd);
    line.path(path).mode(mode);
    if (dirfd != kNoDirfd)
      line.at_flags(flags);
    line.returns(r);
  }
  return r;
}

// chown("/p", 1000, -1): -1 (no change) shows as -1.
int traced_chown(const char* name,
                 int dirfd,
                 const char* path,
                 uid_t uid,
                 gid_t gid,
                 int flags,
                 int r) {
  if (tracing_paths()) {
    TraceLine line(name);
    if (dirfd != kNoDirfd)
      line.dirfd(dirfd);
    line.path(path).number(static_cast<int>(uid)).number(static_cast<int>(gid));
    if (dirfd != kNoDirfd)
      line.at_flags(flags);
    line.returns(r);
  }
  return r;
}

}  // namespace

extern "C" {

CAPBOX_PRELOAD_EXPORT int truncate(const char* path, off_t length) {
  const int r = truncate_path(path, length);
  if (tracing_paths())
    TraceLine("truncate").path(path).number(length).returns(r);
  return r;
}
CAPBOX_PRELOAD_EXPORT int truncate64(const char* path, off64_t length) {
  const int r = truncate_path(path, length);
  if (tracing_paths())
    TraceLine("truncate64").path(path).number(length).returns(r);
  return r;
}

// A null path is futimens on dirfd: no path to translate.
CAPBOX_PRELOAD_EXPORT int utimensat(int dirfd,
                                    const char* path,
                                    const struct timespec times[2],
                                    int flags) {
  const int r = !path ? CAPBOX_REAL(utimensat)(dirfd, path, times, flags)
                      : times_at(dirfd, path, times, flags);
  if (tracing_paths()) {
    TraceLine("utimensat")
        .dirfd(dirfd)
        .path(path)
        .times(times)
        .at_flags(flags)
        .returns(r);
  }
  return r;
}
CAPBOX_PRELOAD_EXPORT int utimes(const char* path, const struct timeval tv[2]) {
  return traced_utimes("utimes", kNoDirfd, path, tv,
                       utimes_at(AT_FDCWD, path, tv, 0));
}
CAPBOX_PRELOAD_EXPORT int lutimes(const char* path,
                                  const struct timeval tv[2]) {
  return traced_utimes("lutimes", kNoDirfd, path, tv,
                       utimes_at(AT_FDCWD, path, tv, AT_SYMLINK_NOFOLLOW));
}
CAPBOX_PRELOAD_EXPORT int futimesat(int dirfd,
                                    const char* path,
                                    const struct timeval tv[2]) {
  return traced_utimes("futimesat", dirfd, path, tv,
                       !path ? CAPBOX_REAL(futimesat)(dirfd, path, tv)
                             : utimes_at(dirfd, path, tv, 0));
}
CAPBOX_PRELOAD_EXPORT int utime(const char* path, const struct utimbuf* buf) {
  struct timespec ts[2] = {{0, 0}, {0, 0}};
  if (buf)
    ts[0].tv_sec = buf->actime, ts[1].tv_sec = buf->modtime;
  const int r = times_at(AT_FDCWD, path, buf ? ts : nullptr, 0);
  if (tracing_paths())
    TraceLine("utime").path(path).times(buf ? ts : nullptr).returns(r);
  return r;
}

CAPBOX_PRELOAD_EXPORT int chmod(const char* path, mode_t mode) {
  return traced_chmod("chmod", kNoDirfd, path, mode, 0,
                      chmod_at(AT_FDCWD, path, mode, 0));
}
CAPBOX_PRELOAD_EXPORT int lchmod(const char* path, mode_t mode) {
  return traced_chmod("lchmod", kNoDirfd, path, mode, 0,
                      chmod_at(AT_FDCWD, path, mode, AT_SYMLINK_NOFOLLOW));
}
CAPBOX_PRELOAD_EXPORT int fchmodat(int dirfd,
                                   const char* path,
                                   mode_t mode,
                                   int flags) {
  return traced_chmod("fchmodat", dirfd, path, mode, flags,
                      chmod_at(dirfd, path, mode, flags));
}

CAPBOX_PRELOAD_EXPORT int chown(const char* path, uid_t uid, gid_t gid) {
  return traced_chown("chown", kNoDirfd, path, uid, gid, 0,
                      chown_at(AT_FDCWD, path, uid, gid, 0));
}
CAPBOX_PRELOAD_EXPORT int lchown(const char* path, uid_t uid, gid_t gid) {
  return traced_chown("lchown", kNoDirfd, path, uid, gid, 0,
                      chown_at(AT_FDCWD, path, uid, gid, AT_SYMLINK_NOFOLLOW));
}
CAPBOX_PRELOAD_EXPORT int fchownat(int dirfd,
                                   const char* path,
                                   uid_t uid,
                                   gid_t gid,
                                   int flags) {
  if ((flags & AT_EMPTY_PATH) != 0 && path && !*path)
    return CAPBOX_REAL(fchownat)(dirfd, path, uid, gid, flags);
  return traced_chown("fchownat", dirfd, path, uid, gid, flags,
                      chown_at(dirfd, path, uid, gid, flags));
}

}  // extern "C"
