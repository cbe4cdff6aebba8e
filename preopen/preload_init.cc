// SPDX-License-Identifier: Apache-2.0
// libcapbox-preload's start-up: the constructor connects to the broker
// socket named by CAPBOX_BROKER_FD, says hello, loads every preopen into
// the prefix map, sets the virtual cwd from CAPBOX_CWD, and installs a
// seccomp filter that makes execve/execveat fail with EACCES. Without a
// working broker it fails closed: every path call is refused with EACCES.
// Depends on the broker protocol, the prefix map and libc.
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <initializer_list>
#include <iterator>

#include "preopen/preload_internal.h"
#include "preopen/preload_state.h"

namespace capbox::preload {
namespace {

State g_state;
pthread_once_t g_once = PTHREAD_ONCE_INIT;
bool g_ready = false;

void say(const char* a, const char* b = "", const char* c = "") {
  char line[512];
  size_t n = 0;
  for (const char* part : {"capbox-preload: ", a, b, c, "\n"}) {
    size_t len = strlen(part);
    if (n + len >= sizeof(line))
      len = sizeof(line) - 1 - n;
    memcpy(line + n, part, len);
    n += len;
  }
  (void)!write(STDERR_FILENO, line, n);
}

// The descriptor in CAPBOX_BROKER_FD, if it is a SOCK_SEQPACKET socket.
int broker_fd(const char** why) {
  const char* env = getenv("CAPBOX_BROKER_FD");
  if (!env || !*env) {
    *why = "CAPBOX_BROKER_FD is not set";
    return -1;
  }
  char* end = nullptr;
  errno = 0;
  long fd = strtol(env, &end, 10);
  if (errno != 0 || *end != '\0' || fd < 0 || fd > 1 << 20 ||
      !(env[0] >= '0' && env[0] <= '9')) {
    *why = "CAPBOX_BROKER_FD is not a descriptor number";
    return -1;
  }
  int type = 0;
  socklen_t len = sizeof(type);
  if (getsockopt(static_cast<int>(fd), SOL_SOCKET, SO_TYPE, &type, &len) != 0 ||
      type != SOCK_SEQPACKET) {
    *why = "CAPBOX_BROKER_FD is not a broker socket";
    return -1;
  }
  return static_cast<int>(fd);
}

bool make_shared() {
  void* page = mmap(nullptr, sizeof(Shared), PROT_READ | PROT_WRITE,
                    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (page == MAP_FAILED)
    return false;
  auto* s = static_cast<Shared*>(page);
  pthread_mutexattr_t attr;
  pthread_mutexattr_init(&attr);
  pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED);
  pthread_mutexattr_setrobust(&attr, PTHREAD_MUTEX_ROBUST);
  pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_ERRORCHECK);
  int r = pthread_mutex_init(&s->mutex, &attr);
  pthread_mutexattr_destroy(&attr);
  if (r != 0)
    return false;
  g_state.shared = s;
  return true;
}

// Asks for preopen 0, 1, ... until the host says ENOENT.
int load_preopens() {
  g_state.map = capbox_preopen_map_new();
  if (!g_state.map)
    return ENOMEM;
  for (uint32_t i = 0;; ++i) {
    Call c{broker::Op::Preopen};
    c.dir = i;
    Answer a;
    char name[kPathMax];
    int error = call_raw(c, a, name, sizeof(name));
    if (error == ENOENT)
      return 0;
    if (error != 0)
      return error;
    void* grown = realloc(g_state.handles, (i + 1) * sizeof(uint32_t));
    if (!grown)
      return ENOMEM;
    g_state.handles = static_cast<uint32_t*>(grown);
    g_state.handles[i] = a.fields.handle;
    if (capbox_preopen_map_add(g_state.map, name, a.fd, a.fields.rights) != 0)
      return errno;
    struct stat st;
    if (fstat(a.fd, &st) == 0)
      remember_dir(a.fd, name, st);
  }
}

// execve and execveat fail with EACCES, on the native and (on x86-64) the
// i386 and x32 entry points.
void deny_exec() {
  constexpr uint32_t kDeny = SECCOMP_RET_ERRNO | EACCES;
  constexpr uint32_t kNr = offsetof(struct seccomp_data, nr);
  constexpr uint32_t kArch = offsetof(struct seccomp_data, arch);
#if defined(__x86_64__)
  constexpr uint32_t kNative = AUDIT_ARCH_X86_64;
  constexpr uint32_t kX32 = 0x40000000u;
  struct sock_filter filter[] = {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, kArch),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_I386, 7, 0),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, kNative, 0, 9),
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, kNr),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_execve, 8, 0),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_execveat, 7, 0),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, kX32 | 520, 6, 0),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, kX32 | 545, 5, 0),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, kNr),  // i386
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 11, 2, 0),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 358, 1, 0),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
      BPF_STMT(BPF_RET | BPF_K, kDeny),
  };
#elif defined(__aarch64__)
  struct sock_filter filter[] = {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, kArch),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_AARCH64, 0, 3),
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, kNr),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_execve, 2, 0),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_execveat, 1, 0),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
      BPF_STMT(BPF_RET | BPF_K, kDeny),
  };
#else
#error "libcapbox-preload: no exec filter for this architecture"
#endif
  struct sock_fprog prog = {static_cast<unsigned short>(std::size(filter)),
                            filter};
  if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1 &&
      prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
    say("cannot set no_new_privs: ", strerror(errno));
    return;
  }
  if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC,
              &prog) != 0 &&
      prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) != 0)
    say("cannot install the exec filter: ", strerror(errno));
}

void start() {
  install_fork_handlers();
  const char* why = nullptr;
  int fd = broker_fd(&why);
  if (fd >= 0) {
    struct stat st;
    fstat(fd, &st);  // a socket getsockopt accepted: it is open
    g_state.sock = fd;
    g_state.sock_dev = st.st_dev;
    g_state.sock_ino = st.st_ino;
    fcntl(fd, F_SETFD, FD_CLOEXEC);
    if (!make_shared()) {
      why = "cannot map the shared lock page";
    } else {
      Call hello{broker::Op::Hello};
      Answer a;
      int error = call_raw(hello, a, nullptr, 0);
      if (error == 0)
        error = load_preopens();
      if (error != 0)
        why = strerror(error);
    }
  }
  if (why) {
    say("no broker (", why, "): path access refused");
    g_state.shared = nullptr;
  } else {
    const char* cwd = getenv("CAPBOX_CWD");
    char folded[kPathMax];
    if (cwd && *cwd && capbox_preopen_chdir(g_state.map, cwd) == 0 &&
        capbox_preopen_getcwd(g_state.map, folded, sizeof(folded)) > 0)
      set_virtual_cwd(folded);
    else if (cwd && *cwd)
      say("CAPBOX_CWD ", cwd, " lies under no preopen; the cwd is /");
    g_ready = true;
  }
  deny_exec();
}

__attribute__((constructor)) void preload_constructor() {
  ready();
}

}  // namespace

State& state() {
  return g_state;
}

bool ready() {
  pthread_once(&g_once, start);
  return g_ready;
}

void* real_symbol(const char* name, void** slot) {
  void* fn = __atomic_load_n(slot, __ATOMIC_ACQUIRE);
  if (!fn) {
    fn = dlsym(RTLD_NEXT, name);
    __atomic_store_n(slot, fn, __ATOMIC_RELEASE);
  }
  return fn;
}

void to_stat(const broker::StatFields& s, struct stat* st) {
  memset(st, 0, sizeof(*st));
  st->st_dev = s.dev;
  st->st_ino = s.ino;
  st->st_nlink = s.nlink;
  st->st_size = static_cast<off_t>(s.size);
  st->st_blocks = static_cast<blkcnt_t>(s.blocks);
  st->st_mode = s.mode;
  st->st_uid = s.uid;
  st->st_gid = s.gid;
  st->st_blksize = s.blksize;
  st->st_rdev = s.rdev;
  st->st_atim = {s.atime_sec, s.atime_nsec};
  st->st_mtim = {s.mtime_sec, s.mtime_nsec};
  st->st_ctim = {s.ctime_sec, s.ctime_nsec};
}

}  // namespace capbox::preload
