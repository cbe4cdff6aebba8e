/* SPDX-License-Identifier: Apache-2.0 */
/* open(2)+close(2) of one path N times, then the microseconds each took:
 * run natively and under `capbox exec` by bench/exec_bench.py, it gives
 * the cost of a brokered open as a legacy program sees it. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char** argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: open_loop PATH N\n");
    return 64;
  }
  const long n = atol(argv[2]);
  struct timespec start, end;
  clock_gettime(CLOCK_MONOTONIC, &start);
  for (long i = 0; i < n; ++i) {
    int fd = open(argv[1], O_RDONLY);
    if (fd < 0) {
      perror(argv[1]);
      return 1;
    }
    close(fd);
  }
  clock_gettime(CLOCK_MONOTONIC, &end);
  double us = ((end.tv_sec - start.tv_sec) * 1e9 +
               (end.tv_nsec - start.tv_nsec)) / 1e3;
  printf("%.3f\n", us / (double)n);
  return 0;
}
