// SPDX-License-Identifier: Apache-2.0
// proc_raise (raw: wasi-libc's emulated raise() never calls it) with a
// signal whose default action is to ignore (SIGCHLD), then with one that
// terminates (SIGUSR1), and sched_yield.
#include <sched.h>

#include "common.h"

// wasi-libc's api.h dropped proc_raise; the import is still preview1's.
// Signal numbers are WASI's (wasi_snapshot_preview1 `signal`).
__attribute__((import_module("wasi_snapshot_preview1"),
               import_name("proc_raise"))) extern __wasi_errno_t
raw_proc_raise(uint32_t sig);
enum { kSigUsr1 = 10, kSigChld = 16 };

int main(void) {
  SHOW("sched_yield", sched_yield());
  SHOW_WASI("sched_yield raw", __wasi_sched_yield());
  SHOW_WASI("proc_raise CHLD", raw_proc_raise(kSigChld));
  SHOW_WASI("proc_raise 99", raw_proc_raise(99));
  fflush(stdout);
  __wasi_errno_t e = raw_proc_raise(kSigUsr1);
  printf("still running after SIGUSR1: %s\n", errname(e));
  return 0;
}
