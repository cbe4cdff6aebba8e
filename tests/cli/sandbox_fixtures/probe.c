// SPDX-License-Identifier: Apache-2.0
// The guest of sandbox_cli_test.py: one subcommand per thing a test looks
// at (argv, environment, files in a grant, stdout and file output,
// descriptors held open, a rename), each printing one line per result so
// the test compares stdout exactly. Errors are printed by errno name. Built with
// clang --target=wasm32-wasi; depends on wasi-libc only.
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <wasi/api.h>

extern char** environ;

static const char* errno_name(int e) {
  switch (e) {
    case EACCES:
      return "EACCES";
    case EBADF:
      return "EBADF";
    case EEXIST:
      return "EEXIST";
    case EMFILE:
      return "EMFILE";
    case ENOENT:
      return "ENOENT";
    case ENOTCAPABLE:
      return "ENOTCAPABLE";
    case EPERM:
      return "EPERM";
    case EROFS:
      return "EROFS";
    default:
      return "other";
  }
}

// The whole of argv, one word a line.
static int show_args(int argc, char** argv) {
  for (int i = 0; i < argc; ++i)
    printf("argv[%d]=%s\n", i, argv[i]);
  return 0;
}

static int show_env(void) {
  for (char** e = environ; *e != NULL; ++e)
    printf("%s\n", *e);
  return 0;
}

static int read_file(const char* path) {
  FILE* f = fopen(path, "r");
  if (f == NULL) {
    printf("open %s: %s\n", path, errno_name(errno));
    return 1;
  }
  char buf[256];
  size_t n = fread(buf, 1, sizeof buf, f);
  fclose(f);
  printf("read %s: %.*s\n", path, (int)n, buf);
  return 0;
}

static int write_file(const char* path, const char* text) {
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) {
    printf("open %s: %s\n", path, errno_name(errno));
    return 1;
  }
  ssize_t n = write(fd, text, strlen(text));
  close(fd);
  printf("wrote %zd bytes to %s\n", n, path);
  return 0;
}

// Writes `total` bytes of 'x' to fd in 1000-byte writes.
static int flood(int fd, long total) {
  char buf[1000];
  memset(buf, 'x', sizeof buf);
  while (total > 0) {
    size_t chunk = total < (long)sizeof buf ? (size_t)total : sizeof buf;
    ssize_t n = write(fd, buf, chunk);
    if (n <= 0) {
      fprintf(stderr, "write: %s\n", errno_name(errno));
      return 1;
    }
    total -= n;
  }
  return 0;
}

static int flood_file(const char* path, long total) {
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) {
    printf("open %s: %s\n", path, errno_name(errno));
    return 1;
  }
  int status = flood(fd, total);
  close(fd);
  printf("flooded %s\n", path);
  return status;
}

// Opens `path` until an open fails, then says how many succeeded and why
// the next did not; then closes one and opens again.
static int open_many(const char* path) {
  int fds[2048];
  int count = 0;
  while (count < 2048) {
    int fd = open(path, O_RDONLY);
    if (fd < 0)
      break;
    fds[count++] = fd;
  }
  printf("opened %d, then %s\n", count, errno_name(errno));
  if (count > 0) {
    close(fds[--count]);
    int again = open(path, O_RDONLY);
    printf("after a close: %s\n", again >= 0 ? "opened" : errno_name(errno));
  }
  return 0;
}

// path_open of each name under fd 3 with no rights and no flags: the
// WASI layer asks the authority for a descriptor that neither reads nor
// writes.
static int open_no_rights(int count, char** names) {
  for (int i = 0; i < count; ++i) {
    __wasi_fd_t fd;
    __wasi_errno_t e = __wasi_path_open(3, 0, names[i], 0, 0, 0, 0, &fd);
    printf("path_open %s: %s\n", names[i], e == 0 ? "ok" : errno_name(e));
  }
  return 0;
}

// Reads stdin to its end, then says how many bytes came.
static int count_stdin(void) {
  char buf[4096];
  long total = 0;
  ssize_t n;
  while ((n = read(0, buf, sizeof buf)) > 0)
    total += n;
  printf("stdin: %ld bytes\n", total);
  return n < 0;
}

static int rename_file(const char* from, const char* to) {
  if (rename(from, to) != 0) {
    printf("rename %s %s: %s\n", from, to, errno_name(errno));
    return 1;
  }
  printf("renamed %s to %s\n", from, to);
  return 0;
}

int main(int argc, char** argv) {
  if (argc < 2)
    return show_args(argc, argv);
  const char* cmd = argv[1];
  if (strcmp(cmd, "env") == 0)
    return show_env();
  if (strcmp(cmd, "stdin") == 0)
    return count_stdin();
  if (strcmp(cmd, "read") == 0 && argc == 3)
    return read_file(argv[2]);
  if (strcmp(cmd, "write") == 0 && argc == 4)
    return write_file(argv[2], argv[3]);
  if (strcmp(cmd, "flood") == 0 && argc == 3)
    return flood(1, atol(argv[2]));
  if (strcmp(cmd, "flood-both") == 0 && argc == 3)
    return flood(1, atol(argv[2])) || flood(2, atol(argv[2]));
  if (strcmp(cmd, "flood-file") == 0 && argc == 4)
    return flood_file(argv[2], atol(argv[3]));
  if (strcmp(cmd, "open-many") == 0 && argc == 3)
    return open_many(argv[2]);
  if (strcmp(cmd, "rename") == 0 && argc == 4)
    return rename_file(argv[2], argv[3]);
  if (strcmp(cmd, "open-no-rights") == 0)
    return open_no_rights(argc - 2, argv + 2);
  return show_args(argc, argv);
}
