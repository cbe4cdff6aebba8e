// SPDX-License-Identifier: Apache-2.0
// A guest trap (unreachable, from __builtin_trap) after some output: capbox
// exits 134 and names the trap; what the guest printed is still delivered.
#include "common.h"

__attribute__((noinline)) static void crash(int depth) {
  if (depth == 0)
    __builtin_trap();
  crash(depth - 1);
  say("unwound %d\n", depth);
}

int main(void) {
  say("before the trap\n");
  crash(3);
  return 0;
}
