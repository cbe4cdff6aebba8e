// SPDX-License-Identifier: Apache-2.0
// random_get through getentropy and arc4random, and raw: sizes 0, 256
// (getentropy's limit) and 1 MiB, two draws differ, a buffer beyond the
// guest's memory is EFAULT.
#include <stdlib.h>
#include <unistd.h>

#include "common.h"

static unsigned char big[1 << 20];

int main(void) {
  unsigned char a[256], b[256];
  SHOW("getentropy 256", getentropy(a, sizeof a));
  SHOW("getentropy 256 again", getentropy(b, sizeof b));
  printf("two draws differ: %s\n", memcmp(a, b, sizeof a) ? "yes" : "no");
  SHOW("getentropy 257", getentropy(big, 257));
  SHOW("getentropy 0", getentropy(a, 0));
  uint32_t x = arc4random(), y = arc4random(), z = arc4random();
  printf("arc4random varies: %s\n", x != y || y != z ? "yes" : "no");
  printf("arc4random_uniform(10) < 10: %s\n",
         arc4random_uniform(10) < 10 ? "yes" : "no");
  SHOW_WASI("random_get 1 MiB", __wasi_random_get(big, sizeof big));
  size_t zeros = 0;
  for (size_t i = 0; i < sizeof big; i++)
    zeros += big[i] == 0;
  // About 4096 expected; a buffer left untouched would be all zeros.
  printf("zero bytes plausible: %s\n",
         zeros > 3000 && zeros < 5200 ? "yes" : "no");
  SHOW_WASI("random_get 0", __wasi_random_get(big, 0));
  size_t end = __builtin_wasm_memory_size(0) * 65536;
  SHOW_WASI("random_get past memory",
            __wasi_random_get((uint8_t*)(end - 8), 16));
  return 0;
}
