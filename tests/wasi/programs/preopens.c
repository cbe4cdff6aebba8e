// SPDX-License-Identifier: Apache-2.0
// Preopen naming: lists every preopen (fd_prestat_get/dir_name from 3 up
// to the first EBADF), then opens each path given in argv and prints its
// first line, so a case can check which guest spelling reaches which host
// directory (GUEST omitted, ".", nested names, relative paths).
#include <fcntl.h>
#include <unistd.h>

#include "common.h"

int main(int argc, char** argv) {
  for (__wasi_fd_t fd = 3;; fd++) {
    __wasi_prestat_t pre;
    __wasi_errno_t e = __wasi_fd_prestat_get(fd, &pre);
    if (e != 0) {
      printf("fd %u: %s\n", fd, errname(e));
      break;
    }
    char name[256] = {0};
    if (pre.u.dir.pr_name_len < sizeof name)
      e = __wasi_fd_prestat_dir_name(fd, (uint8_t*)name, pre.u.dir.pr_name_len);
    printf("fd %u: preopen [%s] %s\n", fd, name, errname(e));
  }
  for (int i = 1; i < argc; i++) {
    char buf[64] = {0};
    int fd = open(argv[i], O_RDONLY);
    if (fd < 0) {
      printf("open %s: %s\n", argv[i], errname(errno));
      continue;
    }
    ssize_t n = read(fd, buf, sizeof buf - 1);
    if (n > 0 && buf[n - 1] == '\n')
      buf[n - 1] = 0;
    printf("open %s: [%s]\n", argv[i], buf);
    close(fd);
  }
  return 0;
}
