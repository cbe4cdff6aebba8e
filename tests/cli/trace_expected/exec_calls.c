/* SPDX-License-Identifier: Apache-2.0 */
/* Calls the preload library interposes, in a known order, under
 * `capbox exec --dir DATA::/data --dir RO::/ro::ro --trace`; trace_test.py
 * compares the trace with exec.txt. argv[1] is a file no grant covers. */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

int main(int argc, char** argv) {
  struct stat st;
  struct statx stx;
  char buf[4096];
  stat("/data/BEGIN", &st);
  int fd = open("/data/new.txt", O_WRONLY | O_CREAT | O_TRUNC, 0640);
  close(fd);
  fd = openat(AT_FDCWD, "/data/new.txt", O_RDONLY | O_CLOEXEC);
  close(fd);
  chmod("/data/new.txt", 0600);
  fchmodat(AT_FDCWD, "/data/new.txt", 0644, 0);
  truncate("/data/new.txt", 5);
  utimensat(AT_FDCWD, "/data/new.txt", NULL, AT_SYMLINK_NOFOLLOW);
  symlink("new.txt", "/data/ln");
  readlink("/data/ln", buf, sizeof buf);
  lstat("/data/ln", &st);
  fstatat(AT_FDCWD, "/data/ln", &st, AT_SYMLINK_NOFOLLOW);
  statx(AT_FDCWD, "/data/new.txt", 0, STATX_BASIC_STATS, &stx);
  access("/data/new.txt", R_OK | W_OK);
  mkdir("/data/sub", 0755);
  chdir("/data/sub");
  getcwd(buf, sizeof buf);
  realpath("../ln", buf);
  realpath("/data/nope", buf);
  DIR* d = opendir("/data");
  if (d)
    closedir(d);
  fd = open("/data", O_RDONLY | O_DIRECTORY);
  fchdir(fd);
  close(fd);
  char tmpl[] = "/data/tmpXXXXXX";
  fd = mkstemp(tmpl);
  close(fd);
  unlink(tmpl);
  rename("/data/new.txt", "/data/renamed.txt");
  link("/data/renamed.txt", "/data/hard.txt");
  rmdir("/data/sub");
  unlinkat(AT_FDCWD, "/data/hard.txt", 0);
  FILE* f = fopen("/data/renamed.txt", "r");
  if (f)
    fclose(f);
  open(argc > 1 ? argv[1] : "/nonexistent", O_RDONLY);
  mkdir("/ro/x", 0700);
  creat("/ro/new", 0600);
  struct dirent** list = NULL;
  int n = scandir("/data", &list, NULL, alphasort);
  while (n > 0)
    free(list[--n]);
  free(list);
  glob_t g;
  if (glob("/data/*.txt", 0, NULL, &g) == 0)
    globfree(&g);
  char dtmpl[] = "/data/dirXXXXXX";
  if (mkdtemp(dtmpl))
    remove(dtmpl);
  chown("/data/renamed.txt", (uid_t)-1, (gid_t)-1);
  euidaccess("/ro", W_OK);
  free(get_current_dir_name());
  stat("/data/END", &st);
  return 0;
}
