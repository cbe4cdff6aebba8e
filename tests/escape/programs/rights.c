// SPDX-License-Identifier: Apache-2.0
// Read-only grants, spelled both ways: /ro (::ro) and /rd (::read). Every
// way to change a file or directory under them must fail: opens for
// writing, creating, truncating and appending (libc and raw), writes on a
// descriptor opened for reading, truncate, unlink, rmdir, rename, mkdir,
// symlink, link, times set by path and by descriptor. Rights never grow: a
// raw path_open asking for more than the preopen passes on is refused, the
// descriptors it does give hold no more than that, and
// fd_fdstat_set_rights cannot add rights back. The runner checks that the
// host files are untouched (content, mode, links, mtime).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../wasi/programs/common.h"

#define ALL_RIGHTS (((__wasi_rights_t)1 << 30) - 1)

static char path_[128], label_[160];

static const char* at(const char* root, const char* what, const char* rel) {
  snprintf(path_, sizeof path_, "%s/%s", root, rel);
  snprintf(label_, sizeof label_, "%s: %s %s", root, what, rel);
  return path_;
}

// A write, an ftruncate and a pwrite on `fd`, libc and raw.
static void write_all_ways(int fd) {
  SHOW("  write", write(fd, "x", 1));
  SHOW("  pwrite", pwrite(fd, "x", 1, 0));
  SHOW("  ftruncate", ftruncate(fd, 0));
  __wasi_ciovec_t iov = {(const uint8_t*)"x", 1};
  __wasi_size_t n;
  SHOW_WASI("  raw fd_write", __wasi_fd_write(fd, &iov, 1, &n));
  SHOW_WASI("  raw fd_filestat_set_size", __wasi_fd_filestat_set_size(fd, 1));
  SHOW_WASI("  raw fd_filestat_set_times",
            __wasi_fd_filestat_set_times(
                fd, 1, 1, __WASI_FSTFLAGS_ATIM | __WASI_FSTFLAGS_MTIM));
  SHOW_WASI("  raw fd_allocate", __wasi_fd_allocate(fd, 0, 4096));
}

static void libc_opens(const char* root) {
  static const struct {
    const char* what;
    int flags;
    const char* rel;
  } kOpens[] = {
      {"open O_RDONLY", O_RDONLY, "file.txt"},
      {"open O_WRONLY", O_WRONLY, "file.txt"},
      {"open O_RDWR", O_RDWR, "file.txt"},
      {"open O_TRUNC", O_WRONLY | O_TRUNC, "file.txt"},
      {"open O_RDWR|O_TRUNC", O_RDWR | O_TRUNC, "file.txt"},
      {"open O_APPEND", O_WRONLY | O_APPEND, "file.txt"},
      {"open O_CREAT existing", O_WRONLY | O_CREAT, "file.txt"},
      {"open O_CREAT new", O_WRONLY | O_CREAT, "new.txt"},
      {"open O_CREAT|O_EXCL new", O_RDWR | O_CREAT | O_EXCL, "new.txt"},
      {"open O_CREAT in sub", O_WRONLY | O_CREAT, "sub/new.txt"},
      {"open O_WRONLY in sub", O_WRONLY, "sub/inner.txt"},
  };
  for (size_t i = 0; i < sizeof kOpens / sizeof kOpens[0]; i++) {
    int fd = SHOW(label_, open(at(root, kOpens[i].what, kOpens[i].rel),
                               kOpens[i].flags, 0644));
    if (fd >= 0) {
      write_all_ways(fd);
      close(fd);
    }
  }
}

static void libc_paths(const char* root) {
  SHOW(label_, truncate(at(root, "truncate", "file.txt"), 0));
  SHOW(label_, unlink(at(root, "unlink", "file.txt")));
  SHOW(label_, rmdir(at(root, "rmdir", "emptydir")));
  SHOW(label_, mkdir(at(root, "mkdir", "newdir"), 0755));
  SHOW(label_, symlink("file.txt", at(root, "symlink", "sl")));
  char other[128];
  snprintf(other, sizeof other, "%s/hard", root);
  SHOW(label_, link(at(root, "link", "file.txt"), other));
  snprintf(other, sizeof other, "%s/moved", root);
  SHOW(label_, rename(at(root, "rename", "file.txt"), other));
  SHOW(label_, rename(at(root, "rename dir", "sub"), other));
  SHOW(label_, rename(at(root, "rename onto", "sub/inner.txt"),
                      at(root, "rename onto", "file.txt")));
  struct timespec t[2] = {{1, 0}, {1, 0}};
  SHOW(label_, utimensat(AT_FDCWD, at(root, "utimensat", "file.txt"), t, 0));
  SHOW(label_, utimensat(AT_FDCWD, at(root, "utimensat", "sub"), t, 0));
}

static void show_rights(const char* label,
                        __wasi_fd_t fd,
                        __wasi_rights_t limit) {
  __wasi_fdstat_t st;
  if (__wasi_fd_fdstat_get(fd, &st) != 0) {
    printf("%s: fdstat failed\n", label);
    return;
  }
  printf("%s: base within %d, inheriting within %d, write %d\n", label,
         (st.fs_rights_base & ~limit) == 0,
         (st.fs_rights_inheriting & ~limit) == 0,
         !!(st.fs_rights_base & __WASI_RIGHTS_FD_WRITE));
}

// Raw opens of file.txt asking for more than the preopen passes on, then
// for exactly that: the descriptor holds no more and cannot gain more.
static void raw_rights(const char* root, __wasi_fd_t dir) {
  __wasi_fdstat_t pre;
  (void)!__wasi_fd_fdstat_get(dir, &pre);
  __wasi_rights_t limit = pre.fs_rights_inheriting;
  printf("%s: preopen passes on write %d\n", root,
         !!(limit & __WASI_RIGHTS_FD_WRITE));
  __wasi_fd_t fd;
  // Refused outright today; were an fd given instead, it must still hold
  // no more than the preopen passes on.
  at(root, "raw open asking for every right", "file.txt");
  if (SHOW_WASI(label_, __wasi_path_open(dir, 0, "file.txt", 0, ALL_RIGHTS,
                                         ALL_RIGHTS, 0, &fd)) == 0) {
    show_rights("  file", fd, limit);
    (void)!__wasi_fd_close(fd);
  }
  if (SHOW_WASI("  asking for read and write",
                __wasi_path_open(dir, 0, "file.txt", 0,
                                 __WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_WRITE,
                                 0, 0, &fd)) == 0) {
    show_rights("  file", fd, limit);
    (void)!__wasi_fd_close(fd);
  }
  if (SHOW_WASI("  asking for read with O_TRUNC",
                __wasi_path_open(dir, 0, "file.txt", __WASI_OFLAGS_TRUNC,
                                 __WASI_RIGHTS_FD_READ, 0, 0, &fd)) == 0)
    (void)!__wasi_fd_close(fd);
  if (SHOW_WASI(
          "  asking for what it passes on",
          __wasi_path_open(dir, 0, "file.txt", 0, limit, limit, 0, &fd)) == 0) {
    show_rights("  file", fd, limit);
    SHOW_WASI("  set_rights adding every right",
              __wasi_fd_fdstat_set_rights(fd, ALL_RIGHTS, ALL_RIGHTS));
    SHOW_WASI(
        "  set_rights adding write",
        __wasi_fd_fdstat_set_rights(fd, limit | __WASI_RIGHTS_FD_WRITE, limit));
    show_rights("  file afterwards", fd, limit);
    write_all_ways(fd);
    (void)!__wasi_fd_close(fd);
  }
}

// A directory opened beneath passes on no more than the preopen; nothing
// grows back on the preopen itself; raw path calls that change things.
static void raw_dir(__wasi_fd_t dir) {
  __wasi_fdstat_t pre;
  (void)!__wasi_fd_fdstat_get(dir, &pre);
  __wasi_rights_t limit = pre.fs_rights_inheriting;
  __wasi_fd_t fd;
  if (SHOW_WASI("  sub asking for what it passes on",
                __wasi_path_open(dir, 0, "sub", __WASI_OFLAGS_DIRECTORY, limit,
                                 limit, 0, &fd)) == 0) {
    show_rights("  sub", fd, limit);
    __wasi_fd_t inner;
    SHOW_WASI("  inner.txt asking for write",
              __wasi_path_open(fd, 0, "inner.txt", 0, __WASI_RIGHTS_FD_WRITE, 0,
                               0, &inner));
    SHOW_WASI("  create beneath sub",
              __wasi_path_open(fd, 0, "x.txt", __WASI_OFLAGS_CREAT,
                               __WASI_RIGHTS_FD_READ, 0, 0, &inner));
    SHOW_WASI("  mkdir beneath sub",
              __wasi_path_create_directory(fd, "newdir"));
    (void)!__wasi_fd_close(fd);
  }
  SHOW_WASI("  set_rights on the preopen adding every right",
            __wasi_fd_fdstat_set_rights(dir, ALL_RIGHTS, ALL_RIGHTS));
  __wasi_fdstat_t after;
  (void)!__wasi_fd_fdstat_get(dir, &after);
  printf("  preopen rights unchanged %d\n",
         after.fs_rights_base == pre.fs_rights_base &&
             after.fs_rights_inheriting == pre.fs_rights_inheriting);
  SHOW_WASI("  raw path_filestat_set_times",
            __wasi_path_filestat_set_times(
                dir, 0, "file.txt", 1, 1,
                __WASI_FSTFLAGS_ATIM | __WASI_FSTFLAGS_MTIM));
  SHOW_WASI("  raw path_filestat_set_times now on .",
            __wasi_path_filestat_set_times(
                dir, 0, ".", 0, 0,
                __WASI_FSTFLAGS_ATIM_NOW | __WASI_FSTFLAGS_MTIM_NOW));
  SHOW_WASI("  raw path_remove_directory",
            __wasi_path_remove_directory(dir, "emptydir"));
}

int main(void) {
  const char* roots[] = {"/ro", "/rd"};
  for (int i = 0; i < 2; i++) {
    libc_opens(roots[i]);
    libc_paths(roots[i]);
    raw_rights(roots[i], (__wasi_fd_t)(3 + i));
    raw_dir((__wasi_fd_t)(3 + i));
  }
  return 0;
}
