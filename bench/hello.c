// SPDX-License-Identifier: Apache-2.0
// The smallest useful WASI command: start-up cost is all there is to time.
#include <stdio.h>

int main(void) {
  puts("hello, world");
  return 0;
}
