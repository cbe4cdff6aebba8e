// SPDX-License-Identifier: Apache-2.0
// What the files of libcapbox-preload share: start-up state, the broker
// round trip (serialised across threads and forked processes), the table
// of directory descriptors the broker gave, and resolve(), which decides
// whether a path call goes to the broker, to the real libc function, or
// fails. Exception-free, no RTTI, no libstdc++ at run time; depends on
// broker/message.h, broker/channel.h, the prefix map and libc.
#ifndef CAPBOX_PREOPEN_PRELOAD_INTERNAL_H_
#define CAPBOX_PREOPEN_PRELOAD_INTERNAL_H_

#include <dlfcn.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include "broker/protocol.h"
#include "preopen/include/capbox_preopen.h"
#include "preopen/prefix_map.h"

#define CAPBOX_PRELOAD_EXPORT __attribute__((visibility("default")))

namespace capbox::preload {

inline constexpr size_t kPathMax = preopen::kPathMax;

// Loads the preopens on first use (the constructor normally did already).
// False when there is no broker: path calls must then fail with EACCES.
bool ready();

// The next definition of `name` after this library (dlsym RTLD_NEXT),
// cached in `*slot`; null if libc has none.
void* real_symbol(const char* name, void** slot);
#define CAPBOX_REAL(name)                              \
  ([]() {                                              \
    static void* slot;                                 \
    return reinterpret_cast<decltype(&::name)>(        \
        ::capbox::preload::real_symbol(#name, &slot)); \
  }())

// Where a path call goes.
enum class Route { Broker, Real, Fail };

struct Target {
  Route route = Route::Fail;
  int error = 0;  // Route::Fail
  // Route::Broker: the preopen's handle and rights, the path beneath it,
  // and the folded guest path (for the descriptor table and messages).
  uint32_t handle = 0;
  uint64_t rights = 0;
  capbox_preopen_relpath rel;
  // Route::Real: what to pass to the real function.
  int real_dirfd = 0;
  const char* real_path = nullptr;
  // The folded absolute guest path (both routes, when known).
  char guest[kPathMax];
};

// Decides the route of (dirfd, path). A NULL path goes to the real
// function (the kernel says EFAULT). Without a broker: Fail EACCES.
Route resolve(int dirfd, const char* path, Target& t);

// One broker round trip. `request.seq` is assigned here. Returns 0 and
// fills `fields`, copies reply data into `data` (NUL-terminated, at most
// `cap` - 1 bytes; data may be null when none is expected) and sets `*fd`
// to the received descriptor or -1; or returns an errno (the host's, or
// EIO once the channel is broken, or EACCES without a broker).
struct Call {
  broker::Op op;
  uint32_t dir = 0;
  uint32_t dir2 = 0;
  uint32_t flags = 0;
  uint32_t mode = 0;
  uint64_t size = 0;
  broker::TimeField atime{};
  broker::TimeField mtime{};
  const char* path = nullptr;
  const char* path2 = nullptr;
};
struct Answer {
  broker::ReplyFields fields{};
  int fd = -1;
};
int call(const Call& c, Answer& out, char* data = nullptr, size_t cap = 0);

// A one-path op that answers only a status: sets errno, returns 0 or -1.
int simple(broker::Op op, const Target& t, uint32_t flags = 0);

// Opens `t` through the broker with open(2) flags and mode; returns the
// descriptor or -1 with errno. Directories are recorded in the table; the
// host keeps no handle for them (kOpenNoHandle).
int broker_open(const Target& t, int flags, mode_t mode);

// The descriptor table: directories opened through the broker, by guest
// path; `st` is the directory's fstat. lookup_dir copies the path into
// `out` if `fd` is still the same directory (dev, ino), else forgets it
// and returns false.
void remember_dir(int fd, const char* guest, const struct stat& st);
bool lookup_dir(int fd, char* out);

// Converts the broker's stat into struct stat.
void to_stat(const broker::StatFields& s, struct stat* st);

// Stat through the broker (Route::Broker only): 0 or an errno.
int broker_stat(const Target& t, bool follow, broker::StatFields& out);

// The virtual cwd: copy into buf (size >= kPathMax), and change it.
void virtual_cwd(char* buf);
int set_virtual_cwd(const char* guest);

// The process's umask (read by setting and restoring it).
mode_t current_umask();

inline int fail(int error) {
  errno = error;
  return -1;
}

}  // namespace capbox::preload

// Interposed names glibc's headers do not declare (fortify and pre-2.33
// stat entry points).
extern "C" {
int __open_2(const char* path, int flags);
int __open64_2(const char* path, int flags);
int __openat_2(int dirfd, const char* path, int flags);
int __openat64_2(int dirfd, const char* path, int flags);
int __xstat(int ver, const char* path, struct stat* st);
int __xstat64(int ver, const char* path, struct stat64* st);
int __lxstat(int ver, const char* path, struct stat* st);
int __lxstat64(int ver, const char* path, struct stat64* st);
int __fxstatat(int ver, int dirfd, const char* path, struct stat* st, int fl);
int __fxstatat64(int ver,
                 int dirfd,
                 const char* path,
                 struct stat64* st,
                 int fl);
}

#endif  // CAPBOX_PREOPEN_PRELOAD_INTERNAL_H_
