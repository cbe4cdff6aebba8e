// SPDX-License-Identifier: Apache-2.0
// Containment: every way out of the preopen /sandbox is refused. The runner
// makes sandbox/ and, beside it, outside/secret.txt, plus symlinks inside
// the sandbox that point out (relative, absolute, to a directory, a loop).
// `..` that stays inside, and reading a link's text, are allowed.
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common.h"

static void try_open(const char* path) {
  char label[128];
  snprintf(label, sizeof label, "open %s", path);
  int fd = SHOW(label, open(path, O_RDONLY));
  if (fd >= 0) {
    char buf[32] = {0};
    read(fd, buf, sizeof buf - 1);
    printf("  read [%s]\n", buf);
    close(fd);
  }
}

static void raw_path_open(const char* path) {
  __wasi_fd_t fd;
  char label[128];
  snprintf(label, sizeof label, "raw path_open %s", path);
  if (SHOW_WASI(label,
                __wasi_path_open(3, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, path, 0,
                                 __WASI_RIGHTS_FD_READ, 0, 0, &fd)) == 0)
    (void)!__wasi_fd_close(fd);
}

int main(void) {
  try_open("/sandbox/inside.txt");
  try_open("/sandbox/sub/../inside.txt");
  try_open("/sandbox/../outside/secret.txt");
  try_open("/sandbox/sub/../../outside/secret.txt");
  try_open("/sandbox/link_out");
  try_open("/sandbox/link_abs");
  try_open("/sandbox/link_dir/secret.txt");
  try_open("/sandbox/link_in");
  try_open("/sandbox/link_loop");
  try_open("/etc/passwd");
  try_open("/outside/secret.txt");
  raw_path_open("inside.txt");
  raw_path_open("/etc/passwd");
  raw_path_open("..");
  raw_path_open("../outside/secret.txt");
  raw_path_open("sub/../../outside/secret.txt");
  raw_path_open("link_out");
  raw_path_open("link_abs");
  raw_path_open("link_dir/secret.txt");
  __wasi_fd_t fd;
  SHOW_WASI("raw path_open with a NUL inside",
            raw_path_open_len(3, 0, "inside.txt\0x", 12, 0,
                              __WASI_RIGHTS_FD_READ, 0, 0, &fd));
  struct stat st;
  SHOW("stat /sandbox/..", stat("/sandbox/..", &st));
  SHOW("stat link_out", stat("/sandbox/link_out", &st));
  SHOW("lstat link_out (the link itself)", lstat("/sandbox/link_out", &st));
  DIR* d = opendir("/sandbox/..");
  printf("opendir /sandbox/..: %s\n", d ? "ok" : errname(errno));
  d = opendir("/sandbox/link_dir");
  printf("opendir link_dir: %s\n", d ? "ok" : errname(errno));
  char buf[128] = {0};
  SHOW("readlink link_out", readlink("/sandbox/link_out", buf, sizeof buf));
  printf("  target [%s]\n", buf);
  SHOW("create through ..",
       open("/sandbox/../outside/new.txt", O_CREAT | O_WRONLY, 0644));
  SHOW("create through link_dir",
       open("/sandbox/link_dir/new.txt", O_CREAT | O_WRONLY, 0644));
  SHOW("truncate through link_out",
       open("/sandbox/link_out", O_WRONLY | O_TRUNC));
  SHOW("mkdir ..", mkdir("/sandbox/../outside/newdir", 0755));
  SHOW("unlink ..", unlink("/sandbox/../outside/secret.txt"));
  SHOW("unlink via link_dir", unlink("/sandbox/link_dir/secret.txt"));
  SHOW("rename out", rename("/sandbox/inside.txt", "/sandbox/../moved.txt"));
  SHOW("rename in",
       rename("/sandbox/../outside/secret.txt", "/sandbox/stolen.txt"));
  SHOW("link in", link("/sandbox/link_dir/secret.txt", "/sandbox/hard.txt"));
  SHOW("link out", link("/sandbox/inside.txt", "/sandbox/../outside/hard.txt"));
  SHOW("symlink placed outside", symlink("x", "/sandbox/../outside/sl"));
  SHOW("rmdir ..", rmdir("/sandbox/.."));
  struct timespec t[2] = {{0, 0}, {0, 0}};
  SHOW("utimensat through link_out",
       utimensat(AT_FDCWD, "/sandbox/link_out", t, 0));
  return 0;
}
