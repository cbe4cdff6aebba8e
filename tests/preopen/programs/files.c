/* SPDX-License-Identifier: Apache-2.0 */
/* Preload tests, file side: open/fopen/creat/mkstemp/tmpfile under the
 * fixture's grants (/data all rights, /ro read-only), `..` and symlink
 * escapes, fail-closed without a broker, exec refused, and many calls
 * from forked processes and threads at once. Run by preload_driver as
 * `files GROUP`; plain C. */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"

static void write_text(const char* path, const char* text) {
  FILE* f = fopen(path, "w");
  CHECK(f != NULL);
  if (f) {
    CHECK(fputs(text, f) >= 0);
    CHECK(fclose(f) == 0);
  }
}

static mode_t mode_of(const char* path) {
  struct stat st;
  return stat(path, &st) == 0 ? (st.st_mode & 07777) : (mode_t)-1;
}

static void group_open(void) {
  umask(022);
  write_text("/data/new.txt", "x=42\n");
  CHECK_CONTENT("/data/new.txt", "x=42\n");
  CHECK(mode_of("/data/new.txt") == 0644);
  CHECK_CONTENT("/data/existing.txt", "hello\n");

  int fd = open("/data/existing.txt", O_RDONLY);
  CHECK(fd >= 0);
  char buf[16] = {0};
  CHECK(read(fd, buf, sizeof(buf)) == 6 && strcmp(buf, "hello\n") == 0);
  struct stat st;
  CHECK(fstat(fd, &st) == 0 && st.st_size == 6);
  CHECK((fcntl(fd, F_GETFD) & FD_CLOEXEC) == 0);
  close(fd);
  fd = open("/data/existing.txt", O_RDONLY | O_CLOEXEC);
  CHECK(fd >= 0 && (fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0);
  close(fd);

  CHECK_ERR(open("/data/existing.txt", O_WRONLY | O_CREAT | O_EXCL, 0600),
            EEXIST);
  CHECK_ERR(open("/data/nope", O_RDONLY), ENOENT);
  CHECK_ERR(open("/data/nope/x", O_RDONLY), ENOENT);
  CHECK_ERR(open("/data/existing.txt/", O_RDONLY), ENOTDIR);
  CHECK_ERR(open("/data/existing.txt/x", O_RDONLY), ENOTDIR);
  CHECK_ERR(open("/data/sub", O_WRONLY), EISDIR);
  CHECK_ERR(open("/data/existing.txt", O_RDONLY | O_DIRECTORY), ENOTDIR);
  CHECK_ERR(open("", O_RDONLY), ENOENT);
  CHECK_NULL_ERR(fopen("/data/existing.txt", "wx"), EEXIST);
  CHECK_NULL_ERR(fopen("/data/nope", "r"), ENOENT);

  fd = creat("/data/c.txt", 0640);
  CHECK(fd >= 0 && write(fd, "c", 1) == 1);
  close(fd);
  CHECK(mode_of("/data/c.txt") == 0640);
  umask(077);
  fd = open("/data/u.txt", O_RDWR | O_CREAT, 0666);
  CHECK(fd >= 0);
  close(fd);
  CHECK(mode_of("/data/u.txt") == 0600);
  /* O_CREAT on an existing file keeps its mode. */
  fd = open("/data/c.txt", O_WRONLY | O_CREAT, 0600);
  CHECK(fd >= 0);
  close(fd);
  CHECK(mode_of("/data/c.txt") == 0640);
  umask(022);

  fd = open("/data/existing.txt", O_WRONLY | O_APPEND);
  CHECK(fd >= 0 && write(fd, "more\n", 5) == 5);
  close(fd);
  CHECK_CONTENT("/data/existing.txt", "hello\nmore\n");
  CHECK(truncate("/data/existing.txt", 2) == 0);
  CHECK_CONTENT("/data/existing.txt", "he");
  CHECK_ERR(truncate("/data/nope", 0), ENOENT);

  FILE* f = fopen("/data/fr1.txt", "w");
  CHECK(f != NULL);
  f = freopen("/data/fr2.txt", "w", f);
  CHECK(f != NULL);
  if (f) {
    fputs("reopened\n", f);
    fclose(f);
  }
  CHECK_CONTENT("/data/fr2.txt", "reopened\n");
  CHECK_CONTENT("/data/fr1.txt", "");
}

static void group_at(void) {
  int dir = open("/data/sub", O_RDONLY | O_DIRECTORY);
  CHECK(dir >= 0);
  int fd = openat(dir, "a.txt", O_RDONLY);
  CHECK(fd >= 0);
  char buf[8] = {0};
  CHECK(read(fd, buf, sizeof(buf)) == 2 && strcmp(buf, "a\n") == 0);
  close(fd);
  fd = openat(dir, "../existing.txt", O_RDONLY);
  CHECK(fd >= 0);
  close(fd);
  fd = openat(dir, "made.txt", O_WRONLY | O_CREAT | O_TRUNC, 0644);
  CHECK(fd >= 0);
  close(fd);
  CHECK(access("/data/sub/made.txt", F_OK) == 0);
  struct stat st;
  CHECK(fstatat(dir, "b.txt", &st, 0) == 0 && st.st_size == 3);
  CHECK(mkdirat(dir, "inner", 0755) == 0);
  CHECK(unlinkat(dir, "inner", AT_REMOVEDIR) == 0);
  CHECK(unlinkat(dir, "made.txt", 0) == 0);
  CHECK_ERR(faccessat(dir, "made.txt", F_OK, 0), ENOENT);
  /* A descriptor number reused for another directory is not confused
   * with the one the broker gave. */
  close(dir);
  dir = open("/data", O_RDONLY | O_DIRECTORY);
  CHECK(dir >= 0);
  CHECK_ERR(openat(dir, "a.txt", O_RDONLY), ENOENT);
  CHECK((fd = openat(dir, "sub/a.txt", O_RDONLY)) >= 0);
  close(fd);
  DIR* d = fdopendir(dir);
  CHECK(d != NULL);
  fd = openat(dirfd(d), "existing.txt", O_RDONLY);
  CHECK(fd >= 0);
  close(fd);
  closedir(d);
}

static void group_temp(void) {
  char tmpl[] = "/data/tmpXXXXXX";
  int fd = mkstemp(tmpl);
  CHECK(fd >= 0 && strcmp(tmpl, "/data/tmpXXXXXX") != 0);
  CHECK(mode_of(tmpl) == 0600);
  close(fd);
  CHECK(unlink(tmpl) == 0);
  char stmpl[] = "/data/tmpXXXXXX.c";
  fd = mkstemps(stmpl, 2);
  CHECK(fd >= 0 && strcmp(stmpl + strlen(stmpl) - 2, ".c") == 0);
  close(fd);
  char dtmpl[] = "/data/dXXXXXX";
  CHECK(mkdtemp(dtmpl) == dtmpl);
  CHECK((mode_of(dtmpl) & 0777) == 0700);
  CHECK(rmdir(dtmpl) == 0);
  char bad[] = "/data/tmpXXXX";
  CHECK_ERR(mkstemp(bad), EINVAL);
  char ro[] = "/ro/tmpXXXXXX";
  CHECK_ERR(mkstemp(ro), EACCES);

  setenv("TMPDIR", "/data/sub", 1);
  FILE* f = tmpfile();
  CHECK(f != NULL);
  if (f) {
    fputs("temp", f);
    rewind(f);
    char buf[8] = {0};
    CHECK(fread(buf, 1, 4, f) == 4 && strcmp(buf, "temp") == 0);
    fclose(f);
  }
  /* tmpfile leaves no name behind. */
  DIR* d = opendir("/data/sub");
  int n = 0;
  for (struct dirent* e; d && (e = readdir(d));)
    n += e->d_name[0] != '.';
  if (d)
    closedir(d);
  CHECK(n == 2);
  CHECK(open("/data", O_RDWR | O_TMPFILE, 0600) == -1);
}

/* Nothing reaches above a preopen: `..` folds lexically before the
 * lookup (and then lies under no preopen: ENOENT here, where the test has
 * no /secret.txt), and symlinks are resolved by the broker strictly
 * beneath, which refuses an escape with EPERM. */
static void group_escape(void) {
  CHECK_ERR(open("/data/../secret.txt", O_RDONLY), ENOENT);
  CHECK_ERR(open("/data/sub/../../secret.txt", O_RDONLY), ENOENT);
  CHECK_ERR(open("/data/escape", O_RDONLY), EPERM);
  CHECK_ERR(open("/data/escape", O_WRONLY | O_TRUNC), EPERM);
  int dir = open("/data/sub", O_RDONLY | O_DIRECTORY);
  CHECK_ERR(openat(dir, "../../secret.txt", O_RDONLY), ENOENT);
  close(dir);
  CHECK(chdir("/data") == 0);
  CHECK_ERR(open("../secret.txt", O_RDONLY), ENOENT);
  CHECK_ERR(open("../../../secret.txt", O_RDONLY), ENOENT);
  CHECK_NULL_ERR(realpath("/data/escape", NULL), ENOENT);
  CHECK(symlink("/etc/passwd", "/data/abs") == 0);
  CHECK_ERR(open("/data/abs", O_RDONLY), EPERM);
  char buf[64];
  ssize_t n = readlink("/data/escape", buf, sizeof(buf));
  CHECK(n == 13 && memcmp(buf, "../secret.txt", 13) == 0);
}

static void group_fail_closed(void) {
  CHECK_NULL_ERR(fopen("/etc/passwd", "r"), EACCES);
  CHECK_ERR(open("/dev/null", O_RDONLY), EACCES);
  CHECK_ERR(open("relative", O_RDONLY), EACCES);
  struct stat st;
  CHECK_ERR(stat("/", &st), EACCES);
  CHECK_ERR(access("/etc/passwd", F_OK), EACCES);
  CHECK_NULL_ERR(opendir("/"), EACCES);
  CHECK_ERR(mkdir("/tmp/capbox-preload-x", 0700), EACCES);
  CHECK_ERR(unlink("/tmp/capbox-preload-x"), EACCES);
  CHECK_NULL_ERR(realpath("/etc", NULL), EACCES);
  CHECK_ERR(chdir("/tmp"), EACCES);
  /* Descriptor calls are not path access. */
  CHECK(fstat(1, &st) == 0);
}

static void group_exec(void) {
  char* argv[] = {"true", NULL};
  char* envp[] = {NULL};
  CHECK_ERR(execve("/bin/true", argv, envp), EACCES);
  CHECK_ERR(execvp("true", argv), EACCES);
}

static void* stat_loop(void* arg) {
  (void)arg;
  for (int i = 0; i < 300; ++i) {
    struct stat st;
    CHECK(stat("/data/sub/a.txt", &st) == 0 && st.st_size == 2);
  }
  return NULL;
}

/* Processes and threads share one socket: round trips must not mix. */
static void group_concurrent(void) {
  pid_t kids[3];
  for (int k = 0; k < 3; ++k) {
    kids[k] = fork();
    if (kids[k] == 0) {
      for (int i = 0; i < 300; ++i) {
        char name[64];
        snprintf(name, sizeof(name), "/data/k%d-%d", k, i % 7);
        int fd = open(name, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd < 0 || write(fd, "k", 1) != 1 || close(fd) != 0)
          _exit(1);
      }
      _exit(0);
    }
  }
  pthread_t threads[4];
  for (int t = 0; t < 4; ++t)
    pthread_create(&threads[t], NULL, stat_loop, NULL);
  for (int t = 0; t < 4; ++t)
    pthread_join(threads[t], NULL);
  for (int k = 0; k < 3; ++k) {
    int status = -1;
    CHECK(waitpid(kids[k], &status, 0) == kids[k]);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  }
  CHECK_CONTENT("/data/k2-6", "k");
}

/* A program that closes the broker's descriptor and gets its number back
 * for a socket of its own: nothing is sent there, calls fail with EIO. */
static void group_lost_socket(void) {
  const char* env = getenv("CAPBOX_BROKER_FD");
  CHECK(env != NULL);
  int broker = env ? atoi(env) : -1;
  CHECK(access("/data/existing.txt", F_OK) == 0);
  CHECK(close(broker) == 0);
  int pair[2];
  CHECK(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, pair) == 0);
  /* One end takes the broker's number; the other is the peer to watch. */
  int peer = pair[1] == broker ? pair[0] : pair[1];
  if (pair[0] != broker && pair[1] != broker)
    CHECK(dup2(pair[0], broker) == broker);
  CHECK_ERR(access("/data/existing.txt", F_OK), EIO);
  CHECK_NULL_ERR(fopen("/data/existing.txt", "r"), EIO);
  char buf[64];
  CHECK_ERR(recv(peer, buf, sizeof(buf), MSG_DONTWAIT), EAGAIN);
}

/* The driver stops serving after 11 requests: hello, four preopen
 * requests (three grants, then "no more"), six of ours. From then on every
 * call is EIO, and nothing is retried. */
static void group_host_gone(void) {
  int ok = 0, eio = 0, other = 0;
  for (int i = 0; i < 20; ++i) {
    errno = 0;
    int r = access("/data/existing.txt", F_OK);
    if (r == 0)
      ok += eio == 0;
    else if (errno == EIO)
      ++eio;
    else
      ++other;
  }
  CHECK(ok == 6 && eio == 14 && other == 0);
  CHECK_NULL_ERR(fopen("/data/existing.txt", "r"), EIO);
}

/* Run with the driver's --landlock: the preload is a convenience, the
 * kernel the wall. Paths outside the grants and raw system calls are
 * refused; brokered descriptors work fully; /dev/null and libraries too. */
static void group_walls(void) {
  CHECK_NULL_ERR(fopen("/etc/passwd", "r"), EACCES);
  CHECK_ERR(open("/etc", O_RDONLY | O_DIRECTORY), EACCES);
  char host[4096];
  const char* root = getenv("PRELOAD_FIXTURE");
  snprintf(host, sizeof(host), "%s/rw/existing.txt", root ? root : "");
  CHECK_ERR(syscall(SYS_openat, AT_FDCWD, host, O_RDONLY), EACCES);
  snprintf(host, sizeof(host), "%s/secret.txt", root ? root : "");
  CHECK_ERR(syscall(SYS_openat, AT_FDCWD, host, O_RDONLY), EACCES);
  int dir = open("/data/sub", O_RDONLY | O_DIRECTORY);
  CHECK(dir >= 0);
  CHECK_ERR(syscall(SYS_openat, dir, "a.txt", O_RDONLY), EACCES);
  CHECK_ERR(syscall(SYS_mkdirat, dir, "raw", 0700), EACCES);
  int fd = openat(dir, "a.txt", O_RDONLY);
  CHECK(fd >= 0);
  close(fd);
  DIR* d = fdopendir(dir);
  int n = 0;
  for (struct dirent* e; d && (e = readdir(d));)
    ++n;
  CHECK(n == 4);
  if (d)
    closedir(d);
  fd = open("/data/existing.txt", O_RDWR);
  CHECK(fd >= 0 && write(fd, "H", 1) == 1 && ftruncate(fd, 3) == 0);
  CHECK(fd >= 0 && fchmod(fd, 0640) == 0);
  close(fd);
  CHECK_CONTENT("/data/existing.txt", "Hel");
  fd = open("/dev/null", O_WRONLY | O_TRUNC);
  CHECK(fd >= 0 && write(fd, "x", 1) == 1);
  close(fd);
  /* Creating a file outside every grant is refused, by the kernel. */
  CHECK_ERR(open("/tmp/capbox-preload-wall", O_WRONLY | O_CREAT, 0600), EACCES);
}

int main(int argc, char** argv) {
  const char* group = argc > 1 ? argv[1] : "";
  if (strcmp(group, "open") == 0)
    group_open();
  else if (strcmp(group, "at") == 0)
    group_at();
  else if (strcmp(group, "temp") == 0)
    group_temp();
  else if (strcmp(group, "escape") == 0)
    group_escape();
  else if (strcmp(group, "fail-closed") == 0)
    group_fail_closed();
  else if (strcmp(group, "exec") == 0)
    group_exec();
  else if (strcmp(group, "concurrent") == 0)
    group_concurrent();
  else if (strcmp(group, "lost-socket") == 0)
    group_lost_socket();
  else if (strcmp(group, "host-gone") == 0)
    group_host_gone();
  else if (strcmp(group, "walls") == 0)
    group_walls();
  else
    return fprintf(stderr, "files: unknown group \"%s\"\n", group), 2;
  return finish(group);
}
