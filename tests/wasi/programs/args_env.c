// SPDX-License-Identifier: Apache-2.0
// args_get/args_sizes_get and environ_get/environ_sizes_get, through libc
// (main's argv, environ) and raw. Host-dependent variables (PATH, sanitizer
// options) are left out of the listing so the output is the same anywhere.
#include <stdlib.h>
#include <unistd.h>

#include "common.h"

extern char** environ;

static int host_dependent(const char* entry) {
  static const char* const kSkip[] = {
      "PATH=", "ASAN_OPTIONS=", "UBSAN_OPTIONS=", "LSAN_OPTIONS="};
  for (size_t i = 0; i < sizeof kSkip / sizeof kSkip[0]; i++)
    if (strncmp(entry, kSkip[i], strlen(kSkip[i])) == 0)
      return 1;
  return 0;
}

static void raw_sizes(int argc, char** argv) {
  __wasi_size_t raw_argc = 0, argv_size = 0, envc = 0, env_size = 0;
  SHOW_WASI("args_sizes_get", __wasi_args_sizes_get(&raw_argc, &argv_size));
  size_t argv_total = 0;
  for (int i = 0; i < argc; i++)
    argv_total += strlen(argv[i]) + 1;
  printf("raw argc=%u, argv bytes match: %s\n", (unsigned)raw_argc,
         argv_total == argv_size ? "yes" : "no");
  SHOW_WASI("environ_sizes_get", __wasi_environ_sizes_get(&envc, &env_size));
  // The raw list, with its NUL terminators, must fill exactly env_size.
  char** ptrs = calloc(envc + 1, sizeof *ptrs);
  uint8_t* buf = malloc(env_size + 1);
  SHOW_WASI("environ_get", __wasi_environ_get((uint8_t**)ptrs, buf));
  size_t total = 0;
  for (size_t i = 0; i < envc; i++)
    total += strlen(ptrs[i]) + 1;
  printf("raw environ bytes match: %s\n", total == env_size ? "yes" : "no");
  free(ptrs);
  free(buf);
}

int main(int argc, char** argv) {
  printf("argc=%d\n", argc);
  for (int i = 0; i < argc; i++)
    printf("argv[%d]=[%s]\n", i, argv[i]);
  for (char** e = environ; *e; e++)
    if (!host_dependent(*e))
      printf("env [%s]\n", *e);
  const char* path = getenv("PATH");
  printf("PATH present: %s\n", path ? "yes" : "no");
  raw_sizes(argc, argv);
  return 0;
}
