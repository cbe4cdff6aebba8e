// SPDX-License-Identifier: Apache-2.0
// proc_exit: `exit N` calls exit(N), `return N` returns N from main (libc's
// _start passes it to proc_exit), `raw N` calls __wasi_proc_exit directly
// with stdout not flushed. The cases check capbox's exit status.
#include <stdlib.h>

#include "common.h"

int main(int argc, char** argv) {
  if (argc != 3)
    return 2;
  int code = atoi(argv[2]);
  printf("%s %d\n", argv[1], code);
  if (strcmp(argv[1], "exit") == 0)
    exit(code);
  if (strcmp(argv[1], "raw") == 0) {
    fflush(stdout);
    __wasi_proc_exit(code);
  }
  return code;
}
