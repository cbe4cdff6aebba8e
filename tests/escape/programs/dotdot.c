// SPDX-License-Identifier: Apache-2.0
// Runs the path operations the driver generates, one per stdin line:
// "OP<TAB>PATH[<TAB>PATH2]" with OP one of open, stat, opendir, mkdir,
// unlink, rename, each a raw __wasi_path_* call on the preopen (fd 3), so
// the host sees the path exactly as written (wasi-libc would rewrite an
// absolute one). Prints "OP PATH[ PATH2]: RESULT" where a success says what
// was reached (a file's text, a directory's f.txt), so the driver can tell
// the right place from a wrong one. Depends on wasi-libc only.
#include <stdlib.h>

#include "../../wasi/programs/common.h"

enum { kPreopen = 3 };

// The first bytes of `name` beneath `dir`, or the errno's name.
static void show_text(__wasi_fd_t dir, const char* name) {
  __wasi_fd_t fd;
  __wasi_errno_t e =
      __wasi_path_open(dir, 0, name, 0, __WASI_RIGHTS_FD_READ, 0, 0, &fd);
  if (e != 0) {
    printf(" (%s: %s)", name, errname(e));
    return;
  }
  char buf[64] = {0};
  __wasi_iovec_t iov = {(uint8_t*)buf, sizeof buf - 1};
  __wasi_size_t n = 0;
  (void)!__wasi_fd_read(fd, &iov, 1, &n);
  printf(" [%s]", buf);
  (void)!__wasi_fd_close(fd);
}

static void op_open(const char* path, int directory) {
  __wasi_fd_t fd;
  __wasi_oflags_t of = directory ? __WASI_OFLAGS_DIRECTORY : 0;
  __wasi_rights_t rights =
      directory ? __WASI_RIGHTS_FD_READDIR | __WASI_RIGHTS_PATH_OPEN
                : __WASI_RIGHTS_FD_READ;
  __wasi_errno_t e = __wasi_path_open(kPreopen, 0, path, of, rights,
                                      __WASI_RIGHTS_FD_READ, 0, &fd);
  printf("%s", errname(e));
  if (e == 0) {
    if (directory) {
      show_text(fd, "f.txt");
    } else {
      char buf[64] = {0};
      __wasi_iovec_t iov = {(uint8_t*)buf, sizeof buf - 1};
      __wasi_size_t n = 0;
      (void)!__wasi_fd_read(fd, &iov, 1, &n);
      printf(" [%s]", buf);
    }
    (void)!__wasi_fd_close(fd);
  }
}

static void op_stat(const char* path) {
  __wasi_filestat_t st;
  __wasi_errno_t e = __wasi_path_filestat_get(kPreopen, 0, path, &st);
  printf("%s", errname(e));
  if (e == 0 && st.filetype == __WASI_FILETYPE_DIRECTORY)
    printf(" dir");
  else if (e == 0)
    printf(" file %llu", (unsigned long long)st.size);
}

static void run(char* op, char* a, char* b) {
  printf("%s %s%s%s: ", op, a, b ? " " : "", b ? b : "");
  if (!strcmp(op, "open"))
    op_open(a, 0);
  else if (!strcmp(op, "opendir"))
    op_open(a, 1);
  else if (!strcmp(op, "stat"))
    op_stat(a);
  else if (!strcmp(op, "mkdir"))
    printf("%s", errname(__wasi_path_create_directory(kPreopen, a)));
  else if (!strcmp(op, "unlink"))
    printf("%s", errname(__wasi_path_unlink_file(kPreopen, a)));
  else if (!strcmp(op, "rename") && b)
    printf("%s", errname(__wasi_path_rename(kPreopen, a, kPreopen, b)));
  else
    printf("bad op");
  printf("\n");
}

int main(void) {
  char line[4096];
  while (fgets(line, sizeof line, stdin)) {
    line[strcspn(line, "\n")] = 0;
    char* op = strtok(line, "\t");
    char* a = strtok(NULL, "\t");
    char* b = strtok(NULL, "\t");
    if (op && a)
      run(op, a, b);
  }
  return 0;
}
