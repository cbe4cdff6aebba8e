// SPDX-License-Identifier: Apache-2.0
// The raw descriptor calls libc hides or never makes: fd_prestat_get and
// fd_prestat_dir_name, fd_renumber, fd_seek's whence values, fd_advise and
// fd_allocate's argument checks, fd_fdstat_set_flags, and guest pointers
// that leave linear memory (EFAULT, with nothing done). /sandbox is a
// read-write preopen holding a.txt ("AAAA") and b.txt ("BBBB").
#include <fcntl.h>
#include <unistd.h>

#include "common.h"

static size_t memory_end(void) {
  return __builtin_wasm_memory_size(0) * 65536;
}

static void prestats(void) {
  __wasi_prestat_t pre;
  SHOW_WASI("fd_prestat_get 3", __wasi_fd_prestat_get(3, &pre));
  printf("  tag %u, name length %u\n", pre.tag,
         (unsigned)pre.u.dir.pr_name_len);
  char name[64] = {0};
  SHOW_WASI(
      "fd_prestat_dir_name 3",
      __wasi_fd_prestat_dir_name(3, (uint8_t*)name, pre.u.dir.pr_name_len));
  printf("  name [%s]\n", name);
  SHOW_WASI("fd_prestat_get 1 (stdout)", __wasi_fd_prestat_get(1, &pre));
  SHOW_WASI("fd_prestat_get 4 (none)", __wasi_fd_prestat_get(4, &pre));
  SHOW_WASI("fd_prestat_get 1000", __wasi_fd_prestat_get(1000, &pre));
  SHOW_WASI("fd_prestat_dir_name 1",
            __wasi_fd_prestat_dir_name(1, (uint8_t*)name, 8));
}

static void show_content(const char* label, int fd) {
  char buf[8] = {0};
  lseek(fd, 0, SEEK_SET);
  ssize_t n = read(fd, buf, sizeof buf - 1);
  printf("%s: %s\n", label, n < 0 ? errname(errno) : buf);
}

static void renumber(void) {
  int a = open("/sandbox/a.txt", O_RDWR);
  int b = open("/sandbox/b.txt", O_RDWR);
  printf("a is fd %d, b is fd %d\n", a, b);
  SHOW_WASI("fd_renumber a -> b", __wasi_fd_renumber(a, b));
  show_content("read fd b", b);
  show_content("read fd a", a);
  SHOW_WASI("fd_renumber closed a -> b", __wasi_fd_renumber(a, b));
  SHOW_WASI("fd_renumber b -> 77 (unused)", __wasi_fd_renumber(b, 77));
  SHOW_WASI("fd_renumber b -> b", __wasi_fd_renumber(b, b));
  show_content("read fd b", b);
  int c = open("/sandbox/b.txt", O_RDONLY);
  fflush(stdout);
  // From here stdout is b.txt's read-only descriptor: results go to stderr.
  __wasi_errno_t e = __wasi_fd_renumber(c, 1);
  fprintf(stderr, "fd_renumber c -> 1 (stdout): %s\n", errname(e));
  ssize_t n = write(1, "lost\n", 5);
  fprintf(stderr, "write to the new fd 1: %s\n", n < 0 ? errname(errno) : "ok");
  fprintf(stderr, "fd_close 1: %s\n", errname(__wasi_fd_close(1)));
  fprintf(stderr, "fd_renumber b -> 1 (now closed): %s\n",
          errname(__wasi_fd_renumber(b, 1)));
  close(b);
}

static void seek_advise_allocate(void) {
  int fd = open("/sandbox/a.txt", O_RDWR);
  __wasi_filesize_t pos;
  SHOW_WASI("fd_seek SET 2", __wasi_fd_seek(fd, 2, __WASI_WHENCE_SET, &pos));
  printf("  -> %llu\n", (unsigned long long)pos);
  SHOW_WASI("fd_seek CUR 1", __wasi_fd_seek(fd, 1, __WASI_WHENCE_CUR, &pos));
  printf("  -> %llu\n", (unsigned long long)pos);
  SHOW_WASI("fd_seek END -1", __wasi_fd_seek(fd, -1, __WASI_WHENCE_END, &pos));
  printf("  -> %llu\n", (unsigned long long)pos);
  SHOW_WASI("fd_seek whence 3", __wasi_fd_seek(fd, 0, 3, &pos));
  SHOW_WASI("fd_seek before 0",
            __wasi_fd_seek(fd, -10, __WASI_WHENCE_SET, &pos));
  SHOW_WASI("fd_seek on stdin (/dev/null)",
            __wasi_fd_seek(0, 0, __WASI_WHENCE_CUR, &pos));
  SHOW_WASI("fd_seek on a directory",
            __wasi_fd_seek(3, 0, __WASI_WHENCE_CUR, &pos));
  SHOW_WASI("fd_advise WILLNEED",
            __wasi_fd_advise(fd, 0, 4, __WASI_ADVICE_WILLNEED));
  SHOW_WASI("fd_advise NOREUSE",
            __wasi_fd_advise(fd, 0, 0, __WASI_ADVICE_NOREUSE));
  SHOW_WASI("fd_advise 6 (unknown)", __wasi_fd_advise(fd, 0, 0, 6));
  SHOW_WASI("fd_allocate 0+100", __wasi_fd_allocate(fd, 0, 100));
  SHOW_WASI("fd_allocate len 0", __wasi_fd_allocate(fd, 0, 0));
  SHOW_WASI("fd_sync", __wasi_fd_sync(fd));
  SHOW_WASI("fd_datasync", __wasi_fd_datasync(fd));
  SHOW_WASI("fd_sync on a bad fd", __wasi_fd_sync(99));
  SHOW_WASI("fd_fdstat_set_flags APPEND",
            __wasi_fd_fdstat_set_flags(fd, __WASI_FDFLAGS_APPEND));
  __wasi_fdstat_t st;
  SHOW_WASI("fd_fdstat_get", __wasi_fd_fdstat_get(fd, &st));
  printf("  flags %u\n", st.fs_flags);
  SHOW_WASI("fd_fdstat_set_flags 0x20 (unknown)",
            __wasi_fd_fdstat_set_flags(fd, 0x20));
  SHOW_WASI("fd_close", __wasi_fd_close(fd));
  SHOW_WASI("fd_close again", __wasi_fd_close(fd));
}

// Every pointer below is checked against the end of linear memory; each
// call must fail with EFAULT and leave files and descriptors untouched.
static void faults(void) {
  size_t end = memory_end();
  __wasi_size_t n = 12345;
  __wasi_ciovec_t ok_iov = {(const uint8_t*)"never\n", 6};
  SHOW_WASI("fd_write iovec array past memory",
            __wasi_fd_write(1, (const __wasi_ciovec_t*)(end - 4), 1, &n));
  __wasi_ciovec_t far = {(const uint8_t*)(end - 2), 6};
  SHOW_WASI("fd_write buffer past memory", __wasi_fd_write(1, &far, 1, &n));
  SHOW_WASI("fd_write nwritten past memory",
            __wasi_fd_write(1, &ok_iov, 1, (__wasi_size_t*)(end - 2)));
  __wasi_ciovec_t wrap = {(const uint8_t*)(end - 2), 0xfffffff0u};
  SHOW_WASI("fd_write length wrapping around",
            __wasi_fd_write(1, &wrap, 1, &n));
  int fd = open("/sandbox/a.txt", O_RDONLY);
  __wasi_iovec_t into = {(uint8_t*)(end - 2), 4};
  SHOW_WASI("fd_read into the last 2 bytes", __wasi_fd_read(fd, &into, 1, &n));
  __wasi_filesize_t pos;
  SHOW_WASI("fd_seek after the fault",
            __wasi_fd_seek(fd, 0, __WASI_WHENCE_CUR, &pos));
  printf("  position %llu (nothing consumed)\n", (unsigned long long)pos);
  close(fd);
  __wasi_fd_t out;
  SHOW_WASI(
      "path_open path past memory",
      raw_path_open_len(3, 0, (const char*)(end - 3), 8, 0, 0, 0, 0, &out));
  SHOW_WASI("path_open result past memory",
            __wasi_path_open(3, 0, "a.txt", 0, __WASI_RIGHTS_FD_READ, 0, 0,
                             (__wasi_fd_t*)(end - 1)));
  SHOW_WASI("fd_close 4 (no fd leaked by the failed open)", __wasi_fd_close(4));
  SHOW_WASI("fd_prestat_dir_name past memory",
            __wasi_fd_prestat_dir_name(3, (uint8_t*)(end - 2), 8));
  SHOW_WASI("fd_fdstat_get past memory",
            __wasi_fd_fdstat_get(1, (__wasi_fdstat_t*)(end - 8)));
  printf("n untouched: %u\n", (unsigned)n);
}

int main(void) {
  prestats();
  seek_advise_allocate();
  faults();
  renumber();
  return 0;
}
