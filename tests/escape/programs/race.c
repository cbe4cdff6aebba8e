// SPDX-License-Identifier: Apache-2.0
// The swap race: while the runner keeps exchanging /sandbox/sub between a
// real directory and a symlink to a directory outside the grant, this
// opens, stats and lists sub/secret.txt and sub, and creates files and
// directories in sub, for argv[1] seconds and at least 2000 rounds. Every
// answer either comes from the real sub or is a refusal; anything that shows
// the outside directory (its secret's text or size, its marker file) is counted
// as a leak. Ends with "key value" lines the runner checks. Depends on
// wasi-libc.
#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../../wasi/programs/common.h"

#define INSIDE "inside-secret"
#define OUTSIDE "OUTSIDE-SECRET!"
// At least kMinIterations rounds however slow the build (sanitizers).
enum {
  kMinIterations = 2000,
  kMaxCreates = 3000,
  kMaxMkdirs = 300,
  kMaxErrno = 80
};

static long errors_[kMaxErrno];
static long leaks_, reads_in_, stats_in_, lists_in_, creates_, mkdirs_;

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec / 1e9;
}

static void refused(int e) {
  errors_[e > 0 && e < kMaxErrno ? e : 0]++;
}

static void read_secret(void) {
  int fd = open("/sandbox/sub/secret.txt", O_RDONLY);
  if (fd < 0)
    return refused(errno);
  char buf[32] = {0};
  read(fd, buf, sizeof buf - 1);
  close(fd);
  if (!strcmp(buf, INSIDE))
    reads_in_++;
  else
    leaks_++;  // outside's text, or anything else: never expected
}

static void stat_secret(void) {
  struct stat st;
  if (stat("/sandbox/sub/secret.txt", &st) != 0)
    return refused(errno);
  if (st.st_size == (off_t)strlen(INSIDE))
    stats_in_++;
  else
    leaks_++;
}

static void list_sub(void) {
  DIR* d = opendir("/sandbox/sub");
  if (!d)
    return refused(errno);
  struct dirent* e;
  int outside = 0;
  while ((e = readdir(d)))
    outside |= !strcmp(e->d_name, "marker_outside");
  closedir(d);
  if (outside)
    leaks_++;
  else
    lists_in_++;
}

static void make(long i) {
  char path[64];
  snprintf(path, sizeof path, "/sandbox/sub/c%ld", i);
  int fd = open(path, O_CREAT | O_EXCL | O_WRONLY, 0644);
  if (fd < 0)
    return refused(errno);
  creates_++;
  close(fd);
}

int main(int argc, char** argv) {
  double seconds = argc > 1 ? atof(argv[1]) : 3;
  double end = now() + seconds;
  long i = 0;
  for (; now() < end || i < kMinIterations; i++) {
    read_secret();
    stat_secret();
    if (i % 4 == 0)
      list_sub();
    if (i % 8 == 0 && creates_ < kMaxCreates)
      make(i);
    if (i % 64 == 0 && mkdirs_ < kMaxMkdirs) {
      char path[64];
      snprintf(path, sizeof path, "/sandbox/sub/m%ld", i);
      if (mkdir(path, 0755) == 0)
        mkdirs_++;
      else
        refused(errno);
    }
  }
  printf(
      "iterations %ld\nleaks %ld\nreads_inside %ld\nstats_inside %ld\n"
      "lists_inside %ld\ncreates %ld\nmkdirs %ld\n",
      i, leaks_, reads_in_, stats_in_, lists_in_, creates_, mkdirs_);
  for (int e = 0; e < kMaxErrno; e++)
    if (errors_[e])
      printf("refused_%s %ld\n", errname(e), errors_[e]);
  return 0;
}
