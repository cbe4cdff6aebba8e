// SPDX-License-Identifier: Apache-2.0
// clock_time_get and clock_res_get on the four clocks, through libc
// (clock_gettime, clock_getres, time, gettimeofday, clock, nanosleep) and
// raw: unknown clock ids are EINVAL, a result pointer beyond memory EFAULT.
// Only relations are printed (never a time), so the output is fixed.
#include <sys/time.h>
#include <time.h>

#include "common.h"

static const struct {
  const char* name;
  clockid_t id;
} kClocks[] = {
    {"REALTIME", CLOCK_REALTIME},
    {"MONOTONIC", CLOCK_MONOTONIC},
    {"PROCESS_CPUTIME", CLOCK_PROCESS_CPUTIME_ID},
    {"THREAD_CPUTIME", CLOCK_THREAD_CPUTIME_ID},
};

static long long ns(struct timespec t) {
  return t.tv_sec * 1000000000LL + t.tv_nsec;
}

static volatile unsigned sink;

int main(void) {
  struct timespec t1[4], t2[4], res;
  for (int i = 0; i < 4; i++) {
    char label[64];
    snprintf(label, sizeof label, "clock_gettime %s", kClocks[i].name);
    SHOW(label, clock_gettime(kClocks[i].id, &t1[i]));
    snprintf(label, sizeof label, "clock_getres %s", kClocks[i].name);
    SHOW(label, clock_getres(kClocks[i].id, &res));
    printf("  resolution in (0, 1 s]: %s\n",
           ns(res) > 0 && ns(res) <= 1000000000LL ? "yes" : "no");
  }
  printf("realtime after 2020: %s\n", t1[0].tv_sec > 1577836800 ? "yes" : "no");
  for (unsigned i = 0; i < 20000000; i++)
    sink += i;
  struct timespec nap = {0, 20 * 1000 * 1000};
  SHOW("nanosleep 20 ms", nanosleep(&nap, NULL));
  for (int i = 0; i < 4; i++)
    clock_gettime(kClocks[i].id, &t2[i]);
  printf("monotonic advanced >= 20 ms: %s\n",
         ns(t2[1]) - ns(t1[1]) >= 20000000LL ? "yes" : "no");
  printf("realtime advanced: %s\n", ns(t2[0]) > ns(t1[0]) ? "yes" : "no");
  printf("process cpu time advanced: %s\n",
         ns(t2[2]) > ns(t1[2]) ? "yes" : "no");
  printf("thread cpu time advanced: %s\n",
         ns(t2[3]) > ns(t1[3]) ? "yes" : "no");
  time_t now = time(NULL);
  struct timeval tv;
  SHOW("gettimeofday", gettimeofday(&tv, NULL));
  printf("time() agrees with realtime: %s\n",
         now >= t1[0].tv_sec && now - t2[0].tv_sec < 5 ? "yes" : "no");
  printf(
      "gettimeofday agrees: %s\n",
      tv.tv_sec >= t1[0].tv_sec && tv.tv_sec - t2[0].tv_sec < 5 ? "yes" : "no");
  __wasi_timestamp_t ts;
  SHOW_WASI("raw clock_time_get id 4", __wasi_clock_time_get(4, 1, &ts));
  SHOW_WASI("raw clock_res_get id 99", __wasi_clock_res_get(99, &ts));
  SHOW_WASI("raw clock_time_get MONOTONIC",
            __wasi_clock_time_get(__WASI_CLOCKID_MONOTONIC, 0, &ts));
  size_t end = __builtin_wasm_memory_size(0) * 65536;
  SHOW_WASI("raw clock_time_get past memory",
            __wasi_clock_time_get(__WASI_CLOCKID_REALTIME, 1,
                                  (__wasi_timestamp_t*)(end - 4)));
  SHOW_WASI("raw clock_res_get past memory",
            __wasi_clock_res_get(__WASI_CLOCKID_REALTIME,
                                 (__wasi_timestamp_t*)(end - 4)));
  return 0;
}
