// SPDX-License-Identifier: Apache-2.0
// The preload's broker round trip and path routing. After fork, parent and
// child share one socket, so the request/reply lock and the sequence
// counter live in a MAP_SHARED page (a process-shared robust mutex): pairs
// never interleave and the host sees increasing sequence numbers. The map
// and the directory table are per process, under a local mutex that is
// never held together with the shared one. Depends on broker/message.h,
// broker/channel.h, the prefix map and libc.
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "broker/channel.h"
#include "broker/message.h"
#include "preopen/preload_internal.h"
#include "preopen/preload_state.h"

namespace capbox::preload {
namespace {

// The process-local lock over the map, the cwd and the directory table.
pthread_mutex_t g_local = PTHREAD_MUTEX_INITIALIZER;

class LocalLock {
 public:
  LocalLock() { pthread_mutex_lock(&g_local); }
  ~LocalLock() { pthread_mutex_unlock(&g_local); }
  LocalLock(const LocalLock&) = delete;
  LocalLock& operator=(const LocalLock&) = delete;
};

// The shared lock; a process that died mid-call may have left a reply
// unread, so the stream is then broken for everyone.
class SharedLock {
 public:
  explicit SharedLock(Shared* s) : s_(s) {
    int r = pthread_mutex_lock(&s->mutex);
    if (r == EOWNERDEAD) {
      if (s->in_call)
        s->broken = 1;
      pthread_mutex_consistent(&s->mutex);
      r = 0;
    }
    error_ = r;
  }
  ~SharedLock() {
    if (error_ == 0)
      pthread_mutex_unlock(&s_->mutex);
  }
  SharedLock(const SharedLock&) = delete;
  SharedLock& operator=(const SharedLock&) = delete;
  // EDEADLK: a signal handler called in while this thread held it.
  int error() const { return error_; }

 private:
  Shared* s_;
  int error_;
};

// Directories the broker gave, indexed by descriptor number. Only guest
// paths are kept: a later *at call joins them and looks the result up in
// the map again, so no broker handle stays open for them.
struct DirEntry {
  dev_t dev = 0;
  ino_t ino = 0;
  char* guest = nullptr;  // malloc'd; null: no entry
};
constexpr int kMaxDirs = 1024;
DirEntry g_dirs[kMaxDirs];

bool fstat_raw(int fd, struct stat* st) {
  return syscall(SYS_fstat, fd, st) == 0;
}

void atfork_prepare() {
  pthread_mutex_lock(&g_local);
}
void atfork_release() {
  pthread_mutex_unlock(&g_local);
}

int call_locked(Shared* s,
                const broker::Request& request,
                Answer& out,
                char* data,
                size_t cap) {
  static uint8_t buffer[broker::kMaxMessage];
  auto size = broker::encode_request(request, buffer);
  if (!size)
    return size.error();
  s->seq = request.seq;
  s->in_call = 1;
  int sock = state().sock;
  auto broken = [s] {
    s->broken = 1;
    return EIO;
  };
  struct stat st;
  if (!fstat_raw(sock, &st) || st.st_dev != state().sock_dev ||
      st.st_ino != state().sock_ino)
    return broken();
  if (!broker::send_message(sock, std::span(buffer, *size)))
    return broken();
  auto received = broker::receive_message(sock, buffer);
  if (!received)
    return broken();
  auto reply = broker::decode_reply(std::span(buffer, received->size));
  if (!reply || reply->op != request.op || reply->seq != request.seq ||
      ((reply->fields.flags & broker::kReplyFd) != 0) != received->fd.valid())
    return broken();
  s->in_call = 0;
  if (reply->fields.status < 0)
    return -reply->fields.status;
  out.fields = reply->fields;
  out.fd = received->fd.release();
  if (data && cap > 0) {
    size_t n = reply->data.size() < cap ? reply->data.size() : cap - 1;
    memcpy(data, reply->data.data(), n);
    data[n] = '\0';
  }
  return 0;
}

}  // namespace

void install_fork_handlers() {
  pthread_atfork(atfork_prepare, atfork_release, atfork_release);
}

int call_raw(const Call& c, Answer& out, char* data, size_t cap) {
  Shared* s = state().shared;
  if (!s)
    return EACCES;
  broker::Request request;
  request.op = c.op;
  request.fields.dir = c.dir;
  request.fields.dir2 = c.dir2;
  request.fields.flags = c.flags;
  request.fields.mode = c.mode;
  request.fields.size = c.size;
  request.fields.atime = c.atime;
  request.fields.mtime = c.mtime;
  if (c.path)
    request.path = c.path;
  if (c.path2)
    request.path2 = c.path2;
  // recvmsg is a cancellation point: a thread cancelled mid-call would
  // leave a reply unread and the stream broken for every process.
  int cancel_state;
  pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &cancel_state);
  int error;
  {
    SharedLock lock(s);
    error = lock.error();
    if (error == 0 && s->broken)
      error = EIO;
    if (error == 0) {
      request.seq = s->seq + 1;
      error = call_locked(s, request, out, data, cap);
    }
  }
  pthread_setcancelstate(cancel_state, nullptr);
  return error;
}

int call(const Call& c, Answer& out, char* data, size_t cap) {
  if (!ready())
    return EACCES;
  return call_raw(c, out, data, cap);
}

int simple(broker::Op op, const Target& t, uint32_t flags) {
  Call c{op};
  c.dir = t.handle;
  c.flags = flags;
  c.path = t.rel.relative_path;
  Answer a;
  int error = call(c, a);
  return error == 0 ? 0 : fail(error);
}

int broker_stat(const Target& t, bool follow, broker::StatFields& out) {
  Call c{broker::Op::Stat};
  c.dir = t.handle;
  c.flags = follow ? broker::kFollow : 0;
  c.path = t.rel.relative_path;
  Answer a;
  int error = call(c, a);
  if (error == 0)
    out = a.fields.stat;
  return error;
}

void remember_dir(int fd, const char* guest, const struct stat& st) {
  if (fd < 0 || fd >= kMaxDirs)
    return;
  char* copy = strdup(guest);
  if (!copy)
    return;
  LocalLock lock;
  free(g_dirs[fd].guest);
  g_dirs[fd] = {st.st_dev, st.st_ino, copy};
}

// A descriptor with no entry (or a stale one) may be a duplicate (dup,
// F_DUPFD: gnulib's fd_safer does that) of a directory the broker gave:
// the same directory under any entry is the same guest directory.
bool lookup_dir(int fd, char* out) {
  struct stat st;
  if (fd < 0 || !fstat_raw(fd, &st) || !S_ISDIR(st.st_mode))
    return false;
  LocalLock lock;
  if (fd < kMaxDirs && g_dirs[fd].guest) {
    DirEntry& e = g_dirs[fd];
    if (e.dev == st.st_dev && e.ino == st.st_ino) {
      strcpy(out, e.guest);
      return true;
    }
    free(e.guest);
    e = DirEntry{};
  }
  for (const DirEntry& e : g_dirs) {
    if (e.guest && e.dev == st.st_dev && e.ino == st.st_ino) {
      strcpy(out, e.guest);
      if (fd < kMaxDirs) {
        char* copy = strdup(e.guest);
        if (copy)
          g_dirs[fd] = {st.st_dev, st.st_ino, copy};
      }
      return true;
    }
  }
  return false;
}

// The virtual cwd: absolute, folded, no trailing slash. The map's own cwd
// is not used: resolve() always hands it absolute paths, and a cwd under
// no preopen (where the kernel let chdir go) is legal here.
char g_cwd[kPathMax] = "/";

void virtual_cwd(char* buf) {
  LocalLock lock;
  strcpy(buf, g_cwd);
}

int set_virtual_cwd(const char* guest) {
  size_t n = strlen(guest);
  if (guest[0] != '/' || n >= kPathMax)
    return fail(EINVAL);
  LocalLock lock;
  memcpy(g_cwd, guest, n + 1);
  if (n > 1 && g_cwd[n - 1] == '/')
    g_cwd[n - 1] = '\0';
  return 0;
}

namespace {

// The folded guest path of a broker target, without a trailing slash.
void guest_of(Target& t) {
  const char* name = t.rel.guest_name;
  const char* rel = t.rel.relative_path;
  size_t n = strlen(name);
  memcpy(t.guest, name, n + 1);
  if (strcmp(rel, ".") == 0 || strcmp(rel, "./") == 0)
    return;
  if (n > 1)
    t.guest[n++] = '/';
  size_t r = strlen(rel);
  if (r > 0 && rel[r - 1] == '/')
    --r;
  memcpy(t.guest + n, rel, r);
  t.guest[n + r] = '\0';
}

// A path under no preopen: folded and absolute, for the real function.
Route fold_real(const char* base, const char* path, Target& t) {
  preopen::NormPath n{t.guest, 1, false, 0};
  t.guest[0] = '/';
  t.guest[1] = '\0';
  if (path[0] != '/' && !preopen::append_components(n, base)) {
    t.error = ENAMETOOLONG;
    return t.route = Route::Fail;
  }
  if (!preopen::append_components(n, path) || n.len + 2 > kPathMax) {
    t.error = ENAMETOOLONG;
    return t.route = Route::Fail;
  }
  if (n.dir_hint && n.len > 1) {
    t.guest[n.len++] = '/';
    t.guest[n.len] = '\0';
  }
  t.real_dirfd = AT_FDCWD;
  t.real_path = t.guest;
  return t.route = Route::Real;
}

}  // namespace

Route resolve(int dirfd, const char* path, Target& t) {
  if (!path || path[0] == '\0') {
    // The kernel's answer (EFAULT, ENOENT) or an AT_EMPTY_PATH call on
    // the descriptor itself: no path is looked up either way.
    t.real_dirfd = dirfd;
    t.real_path = path;
    return t.route = Route::Real;
  }
  if (!ready()) {
    t.error = EACCES;
    return t.route = Route::Fail;
  }
  char base[kPathMax];
  if (path[0] != '/' && dirfd != AT_FDCWD) {
    if (!lookup_dir(dirfd, base)) {
      t.real_dirfd = dirfd;
      t.real_path = path;
      return t.route = Route::Real;
    }
  } else if (path[0] != '/') {
    virtual_cwd(base);
  }
  const char* lookup = path;
  if (path[0] != '/') {
    size_t b = strlen(base), p = strlen(path);
    if (b + 1 + p >= kPathMax) {
      // Let the fold decide: a ".." may bring it back under the limit.
      return fold_real(base, path, t);
    }
    memcpy(t.guest, base, b);
    t.guest[b] = '/';
    memcpy(t.guest + b + 1, path, p + 1);
    lookup = t.guest;
  }
  int found;
  {
    LocalLock lock;
    found = capbox_preopen_find(state().map, lookup, &t.rel);
    if (found == 0)
      t.handle = state().handles[t.rel.index];
  }
  if (found == 0) {
    t.rights = t.rel.rights;
    guest_of(t);
    return t.route = Route::Broker;
  }
  if (errno != ENOENT) {
    t.error = errno;
    return t.route = Route::Fail;
  }
  return fold_real(base, path, t);
}

}  // namespace capbox::preload
