// SPDX-License-Identifier: Apache-2.0
// File times: utimensat (path_filestat_set_times, following a symlink or
// not), futimens (fd_filestat_set_times) with explicit times, UTIME_NOW and
// UTIME_OMIT, read back through stat/fstat/lstat (path_filestat_get,
// fd_filestat_get), and the raw API's invalid flag combinations.
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common.h"

static void show_times(const char* label, const struct stat* st) {
  printf("%s: atime %lld.%09ld mtime %lld.%09ld\n", label,
         (long long)st->st_atim.tv_sec, st->st_atim.tv_nsec,
         (long long)st->st_mtim.tv_sec, st->st_mtim.tv_nsec);
}

static int near_now(struct timespec t) {
  struct timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  return t.tv_sec > now.tv_sec - 60 && t.tv_sec <= now.tv_sec + 1;
}

int main(void) {
  int fd = open("/sandbox/t.txt", O_CREAT | O_RDWR, 0644);
  struct stat st;
  fstat(fd, &st);
  printf("new file times near now: %s %s %s\n",
         near_now(st.st_atim) ? "yes" : "no",
         near_now(st.st_mtim) ? "yes" : "no",
         near_now(st.st_ctim) ? "yes" : "no");
  struct timespec set[2] = {{1000000000, 123456789}, {1500000000, 500000000}};
  SHOW("utimensat", utimensat(AT_FDCWD, "/sandbox/t.txt", set, 0));
  SHOW("stat", stat("/sandbox/t.txt", &st));
  show_times("after utimensat", &st);
  struct timespec omit_atime[2] = {{0, UTIME_OMIT}, {1600000000, 1}};
  SHOW("futimens omit atime", futimens(fd, omit_atime));
  fstat(fd, &st);
  show_times("after futimens", &st);
  SHOW_WASI("raw fd_filestat_set_times ATIM + MTIM_NOW",
            __wasi_fd_filestat_set_times(
                fd, 1200000000ull * 1000000000ull, 0,
                __WASI_FSTFLAGS_ATIM | __WASI_FSTFLAGS_MTIM_NOW));
  fstat(fd, &st);
  printf("atime %lld, mtime near now: %s\n", (long long)st.st_atim.tv_sec,
         near_now(st.st_mtim) ? "yes" : "no");
  SHOW_WASI("raw path_filestat_set_times both now",
            __wasi_path_filestat_set_times(
                3, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, "t.txt", 0, 0,
                __WASI_FSTFLAGS_ATIM_NOW | __WASI_FSTFLAGS_MTIM_NOW));
  stat("/sandbox/t.txt", &st);
  printf("both near now: %s\n",
         near_now(st.st_atim) && near_now(st.st_mtim) ? "yes" : "no");

  SHOW("symlink", symlink("t.txt", "/sandbox/link"));
  struct timespec old[2] = {{946684800, 0}, {946684800, 0}};
  SHOW("utimensat AT_SYMLINK_NOFOLLOW",
       utimensat(AT_FDCWD, "/sandbox/link", old, AT_SYMLINK_NOFOLLOW));
  SHOW("lstat", lstat("/sandbox/link", &st));
  show_times("link itself", &st);
  stat("/sandbox/link", &st);
  printf("target untouched: %s\n",
         st.st_mtim.tv_sec != 946684800 ? "yes" : "no");
  SHOW("utimensat following", utimensat(AT_FDCWD, "/sandbox/link", set, 0));
  stat("/sandbox/t.txt", &st);
  show_times("target", &st);
  SHOW("utimensat missing", utimensat(AT_FDCWD, "/sandbox/none", set, 0));

  SHOW_WASI("raw fd_filestat_set_times ATIM|ATIM_NOW",
            __wasi_fd_filestat_set_times(
                fd, 1, 2, __WASI_FSTFLAGS_ATIM | __WASI_FSTFLAGS_ATIM_NOW));
  SHOW_WASI("raw fd_filestat_set_times MTIM|MTIM_NOW",
            __wasi_fd_filestat_set_times(
                fd, 1, 2, __WASI_FSTFLAGS_MTIM | __WASI_FSTFLAGS_MTIM_NOW));
  SHOW_WASI("raw fd_filestat_set_times MTIM only",
            __wasi_fd_filestat_set_times(fd, 0, 2000000000ull * 1000000000ull,
                                         __WASI_FSTFLAGS_MTIM));
  __wasi_filestat_t fst;
  SHOW_WASI("raw fd_filestat_get", __wasi_fd_filestat_get(fd, &fst));
  printf("  filetype %u nlink %llu size %llu mtim %llu\n", fst.filetype,
         (unsigned long long)fst.nlink, (unsigned long long)fst.size,
         (unsigned long long)fst.mtim);
  SHOW_WASI("raw path_filestat_set_times bad flags",
            __wasi_path_filestat_set_times(
                3, 0, "t.txt", 0, 0,
                __WASI_FSTFLAGS_ATIM | __WASI_FSTFLAGS_ATIM_NOW));
  SHOW_WASI("raw path_filestat_get",
            __wasi_path_filestat_get(3, 0, "link", &fst));
  printf("  filetype %u (symlink is %u)\n", fst.filetype,
         __WASI_FILETYPE_SYMBOLIC_LINK);
  SHOW_WASI("raw path_filestat_get following",
            __wasi_path_filestat_get(3, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW,
                                     "link", &fst));
  printf("  filetype %u size %llu\n", fst.filetype,
         (unsigned long long)fst.size);
  close(fd);
  return 0;
}
