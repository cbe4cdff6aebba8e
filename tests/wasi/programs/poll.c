// SPDX-License-Identifier: Apache-2.0
// poll_oneoff through poll(), select() and nanosleep, and raw. stdin is a
// pipe the runner writes to only after it reads the line "waiting" (and
// "select"), and closes after "close": so "not ready" and "ready" are both
// deterministic. Timeouts are checked as lower bounds on the monotonic
// clock. /sandbox holds file.txt (a regular file is always ready).
#include <fcntl.h>
#include <poll.h>
#include <sys/select.h>
#include <time.h>
#include <unistd.h>

#include "common.h"

static long long now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1000LL + t.tv_nsec / 1000000;
}

static void stdin_poll(int timeout_ms, const char* label) {
  struct pollfd p = {0, POLLIN, 0};
  int n = SHOW(label, poll(&p, 1, timeout_ms));
  printf("  %d ready, revents:%s%s%s\n", n, p.revents & POLLIN ? " in" : "",
         p.revents & POLLHUP ? " hup" : "", p.revents & POLLERR ? " err" : "");
}

static void stdin_select(int timeout_ms, const char* label) {
  fd_set r;
  FD_ZERO(&r);
  FD_SET(0, &r);
  struct timeval tv = {timeout_ms / 1000, timeout_ms % 1000 * 1000};
  int n = SHOW(label, select(1, &r, NULL, NULL, &tv));
  printf("  %d ready, stdin set: %s\n", n, FD_ISSET(0, &r) ? "yes" : "no");
}

static void read_line(void) {
  char buf[32] = {0};
  ssize_t n = read(0, buf, sizeof buf - 1);
  for (ssize_t i = 0; i < n; i++)
    if (buf[i] == '\n')
      buf[i] = '|';
  printf("read %zd [%s]\n", n, buf);
}

static void timeouts(void) {
  long long t0 = now_ms();
  SHOW("poll no fds 50 ms", poll(NULL, 0, 50));
  printf("  waited >= 50 ms: %s\n", now_ms() - t0 >= 50 ? "yes" : "no");
  t0 = now_ms();
  struct timespec nap = {0, 30 * 1000 * 1000};
  SHOW("nanosleep 30 ms", nanosleep(&nap, NULL));
  printf("  waited >= 30 ms: %s\n", now_ms() - t0 >= 30 ? "yes" : "no");
  t0 = now_ms();
  struct timeval tv = {0, 40000};
  SHOW("select no fds 40 ms", select(0, NULL, NULL, NULL, &tv));
  printf("  waited >= 40 ms: %s\n", now_ms() - t0 >= 40 ? "yes" : "no");
}

static void raw(void) {
  __wasi_subscription_t subs[2];
  __wasi_event_t events[2];
  __wasi_size_t n = 99;
  memset(subs, 0, sizeof subs);
  SHOW_WASI("poll_oneoff with no subscriptions",
            __wasi_poll_oneoff(subs, events, 0, &n));
  subs[0].userdata = 0x1234;
  subs[0].u.tag = __WASI_EVENTTYPE_CLOCK;
  subs[0].u.u.clock.id = __WASI_CLOCKID_REALTIME;
  subs[0].u.u.clock.timeout = 1000000000ull;  // 1 s after the epoch
  subs[0].u.u.clock.flags = __WASI_SUBCLOCKFLAGS_SUBSCRIPTION_CLOCK_ABSTIME;
  SHOW_WASI("absolute realtime deadline in the past",
            __wasi_poll_oneoff(subs, events, 1, &n));
  printf("  %u event(s), userdata 0x%llx, type %u, error %s\n", (unsigned)n,
         (unsigned long long)events[0].userdata, events[0].type,
         errname(events[0].error));
  subs[0].u.u.clock.id = 77;
  subs[0].u.u.clock.flags = 0;
  SHOW_WASI("unknown clock", __wasi_poll_oneoff(subs, events, 1, &n));
  printf("  %u event(s), error %s\n", (unsigned)n, errname(events[0].error));
  int fd = open("/sandbox/file.txt", O_RDONLY);
  subs[0].u.tag = __WASI_EVENTTYPE_FD_READ;
  subs[0].u.u.fd_read.file_descriptor = fd;
  subs[1].userdata = 0x5678;
  subs[1].u.tag = __WASI_EVENTTYPE_CLOCK;
  subs[1].u.u.clock.id = __WASI_CLOCKID_MONOTONIC;
  subs[1].u.u.clock.timeout = 10000000000ull;
  SHOW_WASI("regular file and a 10 s clock",
            __wasi_poll_oneoff(subs, events, 2, &n));
  printf("  %u event(s), userdata 0x%llx, type %u, nbytes %llu\n", (unsigned)n,
         (unsigned long long)events[0].userdata, events[0].type,
         (unsigned long long)events[0].fd_readwrite.nbytes);
  subs[0].u.u.fd_read.file_descriptor = 99;
  SHOW_WASI("bad descriptor", __wasi_poll_oneoff(subs, events, 2, &n));
  printf("  %u event(s), userdata 0x%llx, error %s\n", (unsigned)n,
         (unsigned long long)events[0].userdata, errname(events[0].error));
  size_t end = __builtin_wasm_memory_size(0) * 65536;
  SHOW_WASI("subscriptions past memory",
            __wasi_poll_oneoff((const __wasi_subscription_t*)(end - 16), events,
                               1, &n));
  close(fd);
}

int main(void) {
  timeouts();
  raw();
  stdin_poll(0, "poll stdin, nothing written yet");
  stdin_select(0, "select stdin, nothing written yet");
  say("waiting\n");
  stdin_poll(10000, "poll stdin up to 10 s");
  read_line();
  stdin_poll(0, "poll stdin again");
  say("select\n");
  stdin_select(10000, "select stdin up to 10 s");
  read_line();
  say("close\n");
  stdin_poll(10000, "poll stdin after close");
  read_line();
  return 0;
}
