// SPDX-License-Identifier: Apache-2.0
// A native program for the exec sandbox tests (exec_test.cc): each mode
// tries one thing with raw system calls where libc could hide the truth,
// and exits 0 when it went as the sandbox promises (refused with the
// expected errno, or worked), 1 with a line on stderr when not. Test code
// only; depends on libc.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/io_uring.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

// rc is a syscall's result: refused means -1 with `error`.
static int expect_refused(const char* what, long rc, int error) {
  if (rc == -1 && errno == error)
    return 0;
  fprintf(stderr, "probe: %s: rc=%ld errno=%d (%s), wanted errno %d\n", what,
          rc, errno, strerror(errno), error);
  return 1;
}

static int expect_ok(const char* what, long rc) {
  if (rc >= 0)
    return 0;
  fprintf(stderr, "probe: %s: failed: %s\n", what, strerror(errno));
  return 1;
}

static long raw_open(const char* path, int flags) {
  return syscall(SYS_openat, AT_FDCWD, path, flags, 0);
}

// A file of the system's libraries: readable, never writable.
static int usr_lib(const char* path) {
  const long fd = raw_open(path, O_RDONLY);
  char byte;
  if (expect_ok("open read-only", fd) ||
      expect_ok("read", read((int)fd, &byte, 1)))
    return 1;
  close((int)fd);
  return expect_refused("open for writing", raw_open(path, O_WRONLY), EACCES) |
         expect_refused("open read-write", raw_open(path, O_RDWR), EACCES);
}

static int devices(void) {
  const long null_fd = raw_open("/dev/null", O_WRONLY | O_TRUNC);
  const long random_fd = raw_open("/dev/urandom", O_RDONLY);
  char bytes[8];
  if (expect_ok("open /dev/null", null_fd) ||
      expect_ok("write /dev/null", write((int)null_fd, "x", 1)) ||
      expect_ok("open /dev/urandom", random_fd) ||
      expect_ok("read /dev/urandom", read((int)random_fd, bytes, 8)))
    return 1;
  return expect_refused("open /dev/tty", raw_open("/dev/tty", O_RDWR), EACCES);
}

// stdin is a TCP socket the test made; a listener waits at `port`.
static int connect_stdin(const char* port) {
  struct sockaddr_in addr;
  memset(&addr, 0, sizeof addr);
  addr.sin_family = AF_INET;
  addr.sin_port = htons((uint16_t)atoi(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return expect_refused(
      "connect", connect(0, (struct sockaddr*)&addr, sizeof addr), EACCES);
}

static int no_capabilities(void) {
  struct __user_cap_header_struct header = {_LINUX_CAPABILITY_VERSION_3, 0};
  struct __user_cap_data_struct data[2];
  if (expect_ok("capget", syscall(SYS_capget, &header, data)))
    return 1;
  for (int i = 0; i < 2; ++i) {
    if (data[i].effective || data[i].permitted || data[i].inheritable) {
      fprintf(stderr, "probe: capabilities left\n");
      return 1;
    }
  }
  return 0;
}

// stdin is a file of the test's: S_ISUID refused, a plain mode works.
static int setid_modes(void) {
  return expect_refused("fchmod S_ISUID", fchmod(0, 04755), EPERM) |
         expect_refused("fchmod S_ISGID", fchmod(0, 02755), EPERM) |
         expect_refused("fchmodat S_ISUID",
                        syscall(SYS_fchmodat, AT_FDCWD, "/tmp", 04755), EPERM) |
         expect_ok("fchmod 0640", fchmod(0, 0640));
}

static int kill_from_child(pid_t target) {
  const pid_t child = fork();
  if (child < 0)
    return expect_ok("fork", child);
  if (child == 0)
    _exit(expect_refused("kill from a child", kill(target, SIGCONT), EPERM));
  int status = 0;
  waitpid(child, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

static int signals(pid_t supervisor) {
  return expect_refused("kill(getppid())", kill(getppid(), SIGCONT), EPERM) |
         expect_refused("kill(supervisor)", kill(supervisor, SIGCONT), EPERM) |
         expect_refused("kill(-1, 0)", kill(-1, 0), EPERM) |
         expect_refused("kill(-1, SIGCONT)", kill(-1, SIGCONT), EPERM) |
         kill_from_child(supervisor) |
         expect_ok("kill(self, 0)", kill(getpid(), 0));
}

static int kernel_walls(void) {
  // Unconfined, as root, these calls would succeed: a tmpfs over the
  // machine's /tmp hides every file in it. Only a process under
  // no_new_privs (as every confined one is) goes on.
  if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1 &&
      getenv("EXEC_PROBE_UNCONFINED") == NULL) {
    fprintf(stderr, "probe: kernel: refusing to run unconfined (set "
                    "EXEC_PROBE_UNCONFINED=1 to see the calls succeed)\n");
    return 2;
  }
  struct io_uring_params params;
  memset(&params, 0, sizeof params);
  char handle[128] = {0};
  return expect_refused("ptrace TRACEME", ptrace(PTRACE_TRACEME, 0, 0, 0),
                        EPERM) |
         expect_refused("ptrace ATTACH parent",
                        ptrace(PTRACE_ATTACH, getppid(), 0, 0), EPERM) |
         expect_refused("mount", mount("none", "/tmp", "tmpfs", 0, 0), EPERM) |
         expect_refused("chroot", chroot("/"), EPERM) |
         expect_refused("setuid(1)", syscall(SYS_setuid, 1), EPERM) |
         expect_refused("unshare(CLONE_NEWUSER)", unshare(CLONE_NEWUSER),
                        EPERM) |
         expect_refused("clone(CLONE_NEWUSER)",
                        syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0),
                        EPERM) |
         expect_refused("clone3", syscall(SYS_clone3, NULL, 0), ENOSYS) |
         expect_refused("io_uring_setup",
                        syscall(SYS_io_uring_setup, 1, &params), EPERM) |
         expect_refused("open_by_handle_at",
                        syscall(SYS_open_by_handle_at, AT_FDCWD, handle, 0),
                        EPERM) |
         expect_refused("bpf", syscall(SYS_bpf, 0, NULL, 0), EPERM) |
         expect_refused("personality(PER_LINUX32)", personality(PER_LINUX32),
                        EPERM) |
         expect_ok("personality query", personality(0xffffffff)) |
         expect_refused("socket(AF_INET)", socket(AF_INET, SOCK_STREAM, 0),
                        EACCES) |
         expect_refused("socket(AF_UNIX)", socket(AF_UNIX, SOCK_STREAM, 0),
                        EACCES) |
         expect_refused("socket(AF_NETLINK)", socket(AF_NETLINK, SOCK_RAW, 0),
                        EACCES);
}

// Forks until refused; the children fork too (a byte on a pipe for each
// fork they made), then wait to be killed. Prints how many processes the
// sandbox held at most: itself, its children and theirs. 0 when it saw
// EAGAIN.
static int fork_bomb(void) {
  int counted[2];
  if (pipe2(counted, O_NONBLOCK) != 0)
    return expect_ok("pipe2", -1);
  int made = 0;
  for (int i = 0; i < 10000; ++i) {
    const pid_t child = fork();
    if (child == 0) {
      while (fork() > 0) {
        if (write(counted[1], "+", 1) != 1)
          break;
      }
      pause();
      _exit(0);
    }
    if (child < 0)
      break;
    ++made;
  }
  const int error = errno;
  // The children stop forking at the same limit; let them get there.
  usleep(300 * 1000);
  char bytes[4096];
  ssize_t n;
  int grandchildren = 0;
  while ((n = read(counted[0], bytes, sizeof bytes)) > 0)
    grandchildren += (int)n;
  printf("processes=%d errno=%d\n", 1 + made + grandchildren, error);
  fflush(stdout);
  return error == EAGAIN ? 0 : 1;
}

static void* idle(void* unused) {
  (void)unused;
  usleep(50 * 1000);
  return NULL;
}

// Threads are not processes: more of them than the processes limit.
static int threads(void) {
  pthread_t ids[12];
  for (int i = 0; i < 12; ++i) {
    errno = pthread_create(&ids[i], NULL, idle, NULL);
    if (errno != 0)
      return expect_ok("pthread_create", -1);
  }
  for (int i = 0; i < 12; ++i)
    pthread_join(ids[i], NULL);
  return 0;
}

static int g_forked[2];

static void* fork_until_refused(void* unused) {
  (void)unused;
  for (;;) {
    const pid_t child = fork();
    if (child == 0) {
      pause();
      _exit(0);
    }
    if (child < 0 || write(g_forked[1], "+", 1) != 1)
      return NULL;
  }
}

// Eight threads fork at once until refused: prints how many processes
// the sandbox held.
static int thread_bomb(void) {
  if (pipe2(g_forked, O_NONBLOCK) != 0)
    return expect_ok("pipe2", -1);
  pthread_t ids[8];
  for (int i = 0; i < 8; ++i) {
    errno = pthread_create(&ids[i], NULL, fork_until_refused, NULL);
    if (errno != 0)
      return expect_ok("pthread_create", -1);
  }
  for (int i = 0; i < 8; ++i)
    pthread_join(ids[i], NULL);
  char bytes[4096];
  const ssize_t n = read(g_forked[0], bytes, sizeof bytes);
  printf("processes=%d\n", 1 + (n > 0 ? (int)n : 0));
  fflush(stdout);
  return 0;
}

// posix_spawn tries clone3 (ENOSYS here), falls back to clone(CLONE_VM|
// CLONE_VFORK), which is counted, then executes the program again.
static int spawn_self(const char* self) {
  char* args[] = {(char*)self, "exit", "5", NULL};
  pid_t child = 0;
  errno = posix_spawn(&child, self, NULL, NULL, args, environ);
  if (errno != 0)
    return expect_ok("posix_spawn", -1);
  int status = 0;
  waitpid(child, &status, 0);
  return WIFEXITED(status) && WEXITSTATUS(status) == 5 ? 0 : 1;
}

// Asks the test's broker (kExecBrokerFd) for a descriptor, then reads and
// writes through it: Landlock checks opens, not descriptors passed in.
static int brokered(void) {
  const int broker = atoi(getenv("CAPBOX_BROKER_FD"));
  char byte = '?';
  char control[CMSG_SPACE(sizeof(int))];
  struct iovec iov = {&byte, 1};
  struct msghdr msg = {0};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  if (expect_ok("send", send(broker, &byte, 1, 0)) ||
      expect_ok("recvmsg", recvmsg(broker, &msg, 0)))
    return 1;
  struct cmsghdr* c = CMSG_FIRSTHDR(&msg);
  if (c == NULL || c->cmsg_type != SCM_RIGHTS)
    return expect_ok("a descriptor", -1);
  int fd;
  memcpy(&fd, CMSG_DATA(c), sizeof fd);
  char text[16] = {0};
  if (expect_ok("read", pread(fd, text, 4, 0)) ||
      expect_ok("write", pwrite(fd, "done\n", 5, 0)))
    return 1;
  return strcmp(text, "data") == 0 ? 0 : 1;
}

// Leaves a daemon behind, the usual way: fork, setsid, fork again, the
// middle one exits, so the daemon is an orphan in its own session.
static void start_daemon(void) {
  const pid_t middle = fork();
  if (middle == 0) {
    setsid();
    if (fork() == 0) {
      sleep(60);
      _exit(0);
    }
    _exit(0);
  }
  waitpid(middle, NULL, 0);
}

static int run_mode(int argc, char** argv) {
  const char* mode = argv[1];
  const char* arg = argc > 2 ? argv[2] : "";
  if (strcmp(mode, "exit") == 0)
    return atoi(arg);
  if (strcmp(mode, "segv") == 0) {
    // An address from the command line: the compiler cannot see a null
    // dereference and turn it into a trap instruction.
    volatile int* nowhere = (volatile int*)(uintptr_t)strtoul(arg, NULL, 0);
    return *nowhere;
  }
  if (strcmp(mode, "sleep") == 0) {
    sleep(60);
    return 3;
  }
  if (strcmp(mode, "daemon") == 0) {
    start_daemon();
    start_daemon();
    if (strcmp(arg, "sleep") == 0)
      sleep(60);
    return 0;
  }
  if (strcmp(mode, "open-refused") == 0)
    return expect_refused(arg, raw_open(arg, O_RDONLY), EACCES);
  if (strcmp(mode, "usr-lib") == 0)
    return usr_lib(arg);
  if (strcmp(mode, "devices") == 0)
    return devices();
  if (strcmp(mode, "exec-sh") == 0) {
    char* args[] = {"sh", "-c", "exit 0", NULL};
    return expect_refused("execve /bin/sh", execve("/bin/sh", args, environ),
                          EACCES);
  }
  if (strcmp(mode, "exec-self") == 0) {
    char* args[] = {argv[0], "exit", "42", NULL};
    execve(arg, args, environ);
    return expect_ok("execve self", -1);
  }
  if (strcmp(mode, "connect") == 0)
    return connect_stdin(arg);
  if (strcmp(mode, "caps") == 0)
    return no_capabilities();
  if (strcmp(mode, "setid") == 0)
    return setid_modes();
  if (strcmp(mode, "signals") == 0)
    return signals((pid_t)atoi(arg));
  if (strcmp(mode, "kernel") == 0)
    return kernel_walls();
  if (strcmp(mode, "x32-socket") == 0) {
    // The x32 ABI shares x86_64's audit arch: its numbers must not dodge
    // the deny list. Killed, or refused, never a socket.
    const long x32_bit = 0x40000000;
    const long fd = syscall(x32_bit | SYS_socket, AF_INET, SOCK_STREAM, 0);
    return fd >= 0 ? 1 : 0;
  }
  if (strcmp(mode, "threads") == 0)
    return threads();
  if (strcmp(mode, "thread-bomb") == 0)
    return thread_bomb();
  if (strcmp(mode, "spawn-self") == 0)
    return spawn_self(arg);
  if (strcmp(mode, "brokered") == 0)
    return brokered();
  if (strcmp(mode, "fork-bomb") == 0)
    return fork_bomb();
  fprintf(stderr, "probe: unknown mode %s\n", mode);
  return 64;
}

int main(int argc, char** argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: exec_probe MODE [ARG]\n");
    return 64;
  }
  return run_mode(argc, argv);
}
