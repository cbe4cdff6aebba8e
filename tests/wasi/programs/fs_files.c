// SPDX-License-Identifier: Apache-2.0
// Regular files in a read-write preopen (/sandbox): create, write, read,
// seek and tell, pread/pwrite, readv/writev, O_APPEND and F_SETFL,
// ftruncate and O_TRUNC, posix_fallocate/posix_fadvise, fsync/fdatasync,
// fstat, close. Covers fd_read/write/pread/pwrite/seek/tell/close/
// advise/allocate/sync/datasync/fdstat_get/fdstat_set_flags/
// filestat_get/filestat_set_size and path_open's create/trunc/excl flags.
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "common.h"

static void show_file(const char* label, const char* path) {
  char buf[256] = {0};
  int fd = open(path, O_RDONLY);
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  printf("%s: %zd bytes [", label, n);
  for (ssize_t i = 0; i < n; i++)
    putchar(buf[i] == 0 ? '0' : buf[i] == '\n' ? '|' : buf[i]);
  printf("]\n");
}

static void seek_and_tell(int fd) {
  char buf[16] = {0};
  printf("lseek END: %lld\n", (long long)lseek(fd, 0, SEEK_END));
  printf("lseek SET 6: %lld\n", (long long)lseek(fd, 6, SEEK_SET));
  printf("read 5: %zd [%s]\n", read(fd, buf, 5), buf);
  printf("lseek CUR -3: %lld\n", (long long)lseek(fd, -3, SEEK_CUR));
  __wasi_filesize_t pos = 0;
  SHOW_WASI("fd_tell", __wasi_fd_tell(fd, &pos));
  printf("  position %llu\n", (unsigned long long)pos);
  SHOW("lseek to -1", lseek(fd, -1, SEEK_SET));
  printf("lseek past end: %lld\n", (long long)lseek(fd, 100, SEEK_SET));
  printf("read at 100: %zd\n", read(fd, buf, 4));
}

static void positional(int fd) {
  char buf[16] = {0};
  lseek(fd, 2, SEEK_SET);
  printf("pread 5 at 0: %zd [%s]\n", pread(fd, buf, 5, 0), buf);
  printf("pwrite 5 at 0: %zd\n", pwrite(fd, "HELLO", 5, 0));
  printf("position still: %lld\n", (long long)lseek(fd, 0, SEEK_CUR));
  SHOW("pread at -1", pread(fd, buf, 1, -1));
  struct iovec out[3] = {{"ab", 2}, {"", 0}, {"cdef", 4}};
  printf("writev: %zd\n", writev(fd, out, 3));
  char x[3] = {0}, y[4] = {0};
  struct iovec in[2] = {{x, 2}, {y, 3}};
  lseek(fd, 0, SEEK_SET);
  printf("readv: %zd [%s][%s]\n", readv(fd, in, 2), x, y);
}

static void append_mode(void) {
  int fd = SHOW("open O_APPEND", open("/sandbox/a.txt", O_WRONLY | O_APPEND));
  printf("F_GETFL has O_APPEND: %s\n",
         fcntl(fd, F_GETFL) & O_APPEND ? "yes" : "no");
  lseek(fd, 0, SEEK_SET);
  write(fd, "+tail", 5);
  SHOW("F_SETFL 0", fcntl(fd, F_SETFL, 0));
  printf("F_GETFL has O_APPEND: %s\n",
         fcntl(fd, F_GETFL) & O_APPEND ? "yes" : "no");
  lseek(fd, 0, SEEK_SET);
  write(fd, "h", 1);
  SHOW("F_SETFL O_APPEND|O_NONBLOCK",
       fcntl(fd, F_SETFL, O_APPEND | O_NONBLOCK));
  int fl = fcntl(fd, F_GETFL);
  printf("F_GETFL: append %s, nonblock %s\n", fl & O_APPEND ? "yes" : "no",
         fl & O_NONBLOCK ? "yes" : "no");
  write(fd, "!", 1);
  close(fd);
  show_file("after append", "/sandbox/a.txt");
}

static void sizes(void) {
  int fd = open("/sandbox/a.txt", O_RDWR);
  struct stat st;
  SHOW("ftruncate 5", ftruncate(fd, 5));
  fstat(fd, &st);
  printf("size %lld\n", (long long)st.st_size);
  SHOW("ftruncate 8", ftruncate(fd, 8));
  close(fd);
  show_file("grown", "/sandbox/a.txt");
  fd = open("/sandbox/a.txt", O_RDWR);
  SHOW("ftruncate -1", ftruncate(fd, -1));
  printf("posix_fallocate 0+4096: %s\n", errname(posix_fallocate(fd, 0, 4096)));
  fstat(fd, &st);
  printf("size %lld\n", (long long)st.st_size);
  printf("posix_fadvise SEQUENTIAL: %s\n",
         errname(posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL)));
  printf("posix_fadvise DONTNEED 0+10: %s\n",
         errname(posix_fadvise(fd, 0, 10, POSIX_FADV_DONTNEED)));
  printf("posix_fadvise bad advice: %s\n",
         errname(posix_fadvise(fd, 0, 0, 99)));
  SHOW("fsync", fsync(fd));
  SHOW("fdatasync", fdatasync(fd));
  SHOW_WASI("fd_filestat_set_size 3", __wasi_fd_filestat_set_size(fd, 3));
  fstat(fd, &st);
  printf("size %lld\n", (long long)st.st_size);
  close(fd);
  fd = SHOW("open O_TRUNC", open("/sandbox/a.txt", O_WRONLY | O_TRUNC));
  fstat(fd, &st);
  printf("size after O_TRUNC %lld\n", (long long)st.st_size);
  close(fd);
}

static void big_file(void) {
  size_t size = 3 << 20;
  unsigned char* data = malloc(size);
  unsigned char* back = malloc(size);
  for (size_t i = 0; i < size; i++)
    data[i] = (unsigned char)(i * 7 + (i >> 13));
  int fd = open("/sandbox/big.bin", O_CREAT | O_RDWR, 0644);
  size_t done = 0;
  while (done < size) {
    ssize_t n = write(fd, data + done, size - done);
    if (n <= 0)
      break;
    done += (size_t)n;
  }
  printf("big write: %zu\n", done);
  lseek(fd, 0, SEEK_SET);
  done = 0;
  ssize_t n;
  while ((n = read(fd, back + done, size - done)) > 0)
    done += (size_t)n;
  printf("big read back: %zu, equal %s\n", done,
         memcmp(data, back, size) == 0 ? "yes" : "no");
  close(fd);
  free(data);
  free(back);
}

int main(void) {
  int fd = SHOW("create a.txt",
                open("/sandbox/a.txt", O_CREAT | O_WRONLY | O_TRUNC, 0644));
  printf("write: %zd\n", write(fd, "hello world\n", 12));
  char c;
  SHOW("read on O_WRONLY", read(fd, &c, 1));
  SHOW("close", close(fd));
  SHOW("close again", close(fd));
  SHOW("O_EXCL on existing",
       open("/sandbox/a.txt", O_CREAT | O_EXCL | O_WRONLY, 0644));
  SHOW("open missing", open("/sandbox/missing.txt", O_RDONLY));
  fd = SHOW("open O_RDONLY", open("/sandbox/a.txt", O_RDONLY));
  SHOW("write on O_RDONLY", write(fd, "x", 1));
  struct stat st;
  SHOW("fstat", fstat(fd, &st));
  printf("regular %s, size %lld, nlink %llu\n",
         S_ISREG(st.st_mode) ? "yes" : "no", (long long)st.st_size,
         (unsigned long long)st.st_nlink);
  __wasi_fdstat_t fds;
  SHOW_WASI("fd_fdstat_get", __wasi_fd_fdstat_get(fd, &fds));
  printf("  filetype %u, flags %u, can read %s, can write %s\n",
         fds.fs_filetype, fds.fs_flags,
         fds.fs_rights_base & __WASI_RIGHTS_FD_READ ? "yes" : "no",
         fds.fs_rights_base & __WASI_RIGHTS_FD_WRITE ? "yes" : "no");
  close(fd);
  fd = open("/sandbox/a.txt", O_RDWR);
  seek_and_tell(fd);
  positional(fd);
  close(fd);
  show_file("a.txt", "/sandbox/a.txt");
  append_mode();
  sizes();
  big_file();
  return 0;
}
