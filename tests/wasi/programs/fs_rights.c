// SPDX-License-Identifier: Apache-2.0
// Rights: three preopens, /ro (::ro), /rw (::rw) and /wc
// (::read,write,create). Writes, creates, deletes, renames and time changes
// under /ro are refused; /wc creates and writes but neither deletes nor
// renames. fd_fdstat_set_rights only narrows: a dropped right is gone for
// good. The runner checks the host files afterwards.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common.h"

static void preopen_rights(__wasi_fd_t fd) {
  __wasi_prestat_t pre;
  char name[32] = {0};
  if (__wasi_fd_prestat_get(fd, &pre) != 0 ||
      __wasi_fd_prestat_dir_name(fd, (uint8_t*)name, pre.u.dir.pr_name_len))
    return;
  __wasi_fdstat_t st;
  SHOW_WASI(name, __wasi_fd_fdstat_get(fd, &st));
  __wasi_rights_t r = st.fs_rights_inheriting;
  printf("  files beneath: read %d write %d\n", !!(r & __WASI_RIGHTS_FD_READ),
         !!(r & __WASI_RIGHTS_FD_WRITE));
  r = st.fs_rights_base;
  printf("  dir: open %d create_file %d create_dir %d unlink %d rename %d\n",
         !!(r & __WASI_RIGHTS_PATH_OPEN),
         !!(r & __WASI_RIGHTS_PATH_CREATE_FILE),
         !!(r & __WASI_RIGHTS_PATH_CREATE_DIRECTORY),
         !!(r & __WASI_RIGHTS_PATH_UNLINK_FILE),
         !!(r & __WASI_RIGHTS_PATH_RENAME_SOURCE));
}

// wasi-libc asks path_open only for the rights the directory can pass on,
// so an open for writing may succeed with a descriptor that cannot write:
// either way, nothing reaches the file.
static void try_write(const char* label, const char* path, int flags) {
  int fd = SHOW(label, open(path, flags, 0644));
  if (fd >= 0) {
    SHOW("  write", write(fd, "x", 1));
    close(fd);
  }
}

static void read_only(void) {
  int fd = SHOW("ro: open for reading", open("/ro/file.txt", O_RDONLY));
  char buf[16] = {0};
  printf("  read %zd [%s]\n", read(fd, buf, sizeof buf - 1), buf);
  SHOW("ro: write on it", write(fd, "x", 1));
  close(fd);
  try_write("ro: open for writing", "/ro/file.txt", O_WRONLY);
  try_write("ro: open O_RDWR", "/ro/file.txt", O_RDWR);
  try_write("ro: open O_TRUNC", "/ro/file.txt", O_WRONLY | O_TRUNC);
  try_write("ro: open O_APPEND", "/ro/file.txt", O_WRONLY | O_APPEND);
  try_write("ro: create", "/ro/new.txt", O_CREAT | O_WRONLY);
  SHOW("ro: mkdir", mkdir("/ro/newdir", 0755));
  SHOW("ro: unlink", unlink("/ro/file.txt"));
  SHOW("ro: rmdir", rmdir("/ro/sub"));
  SHOW("ro: rename", rename("/ro/file.txt", "/ro/moved.txt"));
  SHOW("ro: rename to rw", rename("/ro/file.txt", "/rw/moved.txt"));
  SHOW("ro: symlink", symlink("file.txt", "/ro/sl"));
  SHOW("ro: link", link("/ro/file.txt", "/ro/hard.txt"));
  struct timespec t[2] = {{1, 0}, {1, 0}};
  SHOW("ro: utimensat", utimensat(AT_FDCWD, "/ro/file.txt", t, 0));
  struct stat st;
  SHOW("ro: stat", stat("/ro/file.txt", &st));
  printf("  size %lld\n", (long long)st.st_size);
}

static void write_create(void) {
  int fd = SHOW("wc: create", open("/wc/new.txt", O_CREAT | O_WRONLY, 0644));
  printf("  write %zd\n", write(fd, "created", 7));
  close(fd);
  SHOW("wc: unlink", unlink("/wc/new.txt"));
  SHOW("wc: rename", rename("/wc/new.txt", "/wc/renamed.txt"));
  SHOW("wc: mkdir", mkdir("/wc/dir", 0755));
  SHOW("wc: rmdir", rmdir("/wc/dir"));
}

static void narrowing(void) {
  int fd = SHOW("rw: create", open("/rw/n.txt", O_CREAT | O_RDWR, 0644));
  __wasi_fdstat_t st;
  (void)!__wasi_fd_fdstat_get(fd, &st);
  __wasi_rights_t no_write = st.fs_rights_base & ~__WASI_RIGHTS_FD_WRITE;
  SHOW_WASI("fd_fdstat_set_rights without write",
            __wasi_fd_fdstat_set_rights(fd, no_write, st.fs_rights_inheriting));
  (void)!__wasi_fd_fdstat_get(fd, &st);
  printf("  write right now: %d\n",
         !!(st.fs_rights_base & __WASI_RIGHTS_FD_WRITE));
  SHOW("write after narrowing", write(fd, "x", 1));
  __wasi_size_t n = 0;
  __wasi_ciovec_t iov = {(const uint8_t*)"x", 1};
  SHOW_WASI("raw fd_write after narrowing", __wasi_fd_write(fd, &iov, 1, &n));
  SHOW_WASI("fd_fdstat_set_rights adding write back",
            __wasi_fd_fdstat_set_rights(fd, no_write | __WASI_RIGHTS_FD_WRITE,
                                        st.fs_rights_inheriting));
  char c;
  SHOW("read still allowed", read(fd, &c, 1));
  close(fd);
  // A directory opened under /ro inherits /ro's limits.
  fd = SHOW("ro: open sub", open("/ro/sub", O_RDONLY | O_DIRECTORY));
  __wasi_fd_t out;
  SHOW_WASI("ro: create beneath the opened sub",
            __wasi_path_open(fd, 0, "x.txt", __WASI_OFLAGS_CREAT,
                             __WASI_RIGHTS_FD_WRITE, 0, 0, &out));
  SHOW_WASI("ro: open beneath sub asking for write",
            __wasi_path_open(fd, 0, "inner.txt", 0,
                             __WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_WRITE, 0,
                             0, &out));
  close(fd);
}

int main(void) {
  for (__wasi_fd_t fd = 3; fd < 6; fd++)
    preopen_rights(fd);
  read_only();
  write_create();
  narrowing();
  return 0;
}
