// SPDX-License-Identifier: Apache-2.0
// Directories and names in a read-write preopen (/sandbox): mkdir/rmdir,
// readdir over 150 entries with telldir/seekdir/rewinddir (fd_readdir and
// its cookies), unlink, rename, link, symlink/readlink, stat/lstat, and the
// errors each gives (EEXIST, ENOENT, ENOTDIR, EISDIR, ENOTEMPTY, EINVAL).
#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common.h"

enum { kFiles = 150 };

static void make_files(void) {
  SHOW("mkdir many", mkdir("/sandbox/many", 0755));
  for (int i = 0; i < kFiles; i++) {
    char path[64];
    snprintf(path, sizeof path, "/sandbox/many/file-with-a-long-name-%03d", i);
    int fd = open(path, O_CREAT | O_WRONLY, 0644);
    if (fd < 0)
      printf("create %s: %s\n", path, errname(errno));
    close(fd);
  }
}

// Reads every entry; returns how many were not "." or "..", checks each
// file was seen exactly once.
static int read_all(DIR* d, const char* label) {
  char seen[kFiles] = {0};
  int n = 0, dots = 0, bad = 0;
  struct dirent* e;
  while ((e = readdir(d)) != NULL) {
    int i;
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) {
      dots++;
    } else if (sscanf(e->d_name, "file-with-a-long-name-%d", &i) == 1 &&
               i >= 0 && i < kFiles && !seen[i] && e->d_type == DT_REG) {
      seen[i] = 1;
      n++;
    } else {
      bad++;
    }
  }
  // "." and ".." are the host's business (Linux lists them, others not).
  printf("%s: %d files, %s, %d unexpected\n", label, n,
         dots == 0 || dots == 2 ? "dot entries 0 or 2" : "odd dot entries",
         bad);
  return n;
}

static void readdir_cookies(void) {
  DIR* d = opendir("/sandbox/many");
  printf("opendir: %s\n", d ? "ok" : errname(errno));
  read_all(d, "first pass");
  rewinddir(d);
  read_all(d, "after rewinddir");
  rewinddir(d);
  for (int i = 0; i < 70; i++)
    readdir(d);
  long cookie = telldir(d);
  char name[256];
  snprintf(name, sizeof name, "%s", readdir(d)->d_name);
  for (int i = 0; i < 30; i++)
    readdir(d);
  seekdir(d, cookie);
  struct dirent* again = readdir(d);
  printf("seekdir returns to the same entry: %s\n",
         again && strcmp(again->d_name, name) == 0 ? "yes" : "no");
  SHOW("closedir", closedir(d));
  d = opendir("/sandbox/many/file-with-a-long-name-000");
  printf("opendir on a file: %s\n", d ? "ok" : errname(errno));
  d = opendir("/sandbox/nonexistent");
  printf("opendir missing: %s\n", d ? "ok" : errname(errno));
}

static void remove_files(void) {
  SHOW("rmdir non-empty", rmdir("/sandbox/many"));
  int errors = 0;
  for (int i = 0; i < kFiles; i++) {
    char path[64];
    snprintf(path, sizeof path, "/sandbox/many/file-with-a-long-name-%03d", i);
    errors += unlink(path) != 0;
  }
  printf("unlink %d files: %d errors\n", kFiles, errors);
  SHOW("rmdir emptied", rmdir("/sandbox/many"));
  SHOW("rmdir again", rmdir("/sandbox/many"));
}

static void names(void) {
  SHOW("mkdir d", mkdir("/sandbox/d", 0755));
  SHOW("mkdir d again", mkdir("/sandbox/d", 0755));
  SHOW("mkdir missing parent", mkdir("/sandbox/no/such", 0755));
  int fd = open("/sandbox/d/f.txt", O_CREAT | O_WRONLY, 0644);
  write(fd, "content", 7);
  close(fd);
  SHOW("mkdir under a file", mkdir("/sandbox/d/f.txt/x", 0755));
  SHOW("open file as directory",
       open("/sandbox/d/f.txt", O_RDONLY | O_DIRECTORY));
  fd = SHOW("open directory O_DIRECTORY",
            open("/sandbox/d", O_RDONLY | O_DIRECTORY));
  close(fd);
  SHOW("open directory for writing", open("/sandbox/d", O_WRONLY));
  SHOW("rmdir a file", rmdir("/sandbox/d/f.txt"));
  SHOW("unlink a directory", unlink("/sandbox/d"));
  SHOW("rename file", rename("/sandbox/d/f.txt", "/sandbox/g.txt"));
  SHOW("rename missing", rename("/sandbox/d/f.txt", "/sandbox/h.txt"));
  fd = open("/sandbox/h.txt", O_CREAT | O_WRONLY, 0644);
  write(fd, "other", 5);
  close(fd);
  SHOW("rename over a file", rename("/sandbox/h.txt", "/sandbox/g.txt"));
  SHOW("rename file over directory", rename("/sandbox/g.txt", "/sandbox/d"));
  SHOW("rename directory", rename("/sandbox/d", "/sandbox/e"));
  SHOW("rename directory into itself", rename("/sandbox/e", "/sandbox/e/sub"));
  struct stat st;
  SHOW("stat renamed directory", stat("/sandbox/e", &st));
  printf("  is a directory: %s\n", S_ISDIR(st.st_mode) ? "yes" : "no");
  SHOW("stat old name", stat("/sandbox/d", &st));
  SHOW("link", link("/sandbox/g.txt", "/sandbox/e/hard.txt"));
  SHOW("link onto existing", link("/sandbox/g.txt", "/sandbox/e/hard.txt"));
  SHOW("link a directory", link("/sandbox/e", "/sandbox/e2"));
  stat("/sandbox/g.txt", &st);
  printf("nlink after link: %llu\n", (unsigned long long)st.st_nlink);
  SHOW("unlink original", unlink("/sandbox/g.txt"));
  stat("/sandbox/e/hard.txt", &st);
  printf("link keeps %lld bytes, nlink %llu\n", (long long)st.st_size,
         (unsigned long long)st.st_nlink);
}

static void symlinks(void) {
  SHOW("symlink", symlink("e/hard.txt", "/sandbox/sl"));
  SHOW("symlink onto existing", symlink("x", "/sandbox/sl"));
  SHOW("symlink dangling", symlink("nowhere", "/sandbox/dangling"));
  char buf[64] = {0};
  printf("readlink: %zd [%s]\n", readlink("/sandbox/sl", buf, sizeof buf), buf);
  memset(buf, 0, sizeof buf);
  printf("readlink into 4 bytes: %zd [%s]\n", readlink("/sandbox/sl", buf, 4),
         buf);
  SHOW("readlink a file", readlink("/sandbox/e/hard.txt", buf, sizeof buf));
  SHOW("readlink missing", readlink("/sandbox/none", buf, sizeof buf));
  struct stat st;
  SHOW("lstat symlink", lstat("/sandbox/sl", &st));
  printf("  is a link: %s, size %lld\n", S_ISLNK(st.st_mode) ? "yes" : "no",
         (long long)st.st_size);
  SHOW("stat through symlink", stat("/sandbox/sl", &st));
  printf("  regular: %s, size %lld\n", S_ISREG(st.st_mode) ? "yes" : "no",
         (long long)st.st_size);
  int fd = SHOW("open through symlink", open("/sandbox/sl", O_RDONLY));
  memset(buf, 0, sizeof buf);
  read(fd, buf, sizeof buf - 1);
  printf("  content [%s]\n", buf);
  close(fd);
  SHOW("open dangling", open("/sandbox/dangling", O_RDONLY));
  SHOW("open O_NOFOLLOW on symlink",
       open("/sandbox/sl", O_RDONLY | O_NOFOLLOW));
  SHOW("stat dangling", stat("/sandbox/dangling", &st));
  SHOW("unlink symlink", unlink("/sandbox/sl"));
  SHOW("target survives", stat("/sandbox/e/hard.txt", &st));
  SHOW("fstatat AT_SYMLINK_NOFOLLOW dangling",
       fstatat(AT_FDCWD, "/sandbox/dangling", &st, AT_SYMLINK_NOFOLLOW));
}

int main(void) {
  make_files();
  readdir_cookies();
  remove_files();
  names();
  symlinks();
  return 0;
}
