/* SPDX-License-Identifier: Apache-2.0 */
/* Preload tests, directory and metadata side: opendir/scandir, mkdir,
 * rmdir, unlink, rename, link, symlink/readlink, realpath, stat/lstat/
 * access/statx, chdir/getcwd with relative paths, utimes, chmod, chown,
 * and the same calls refused in the read-only grant /ro. Run by
 * preload_driver as `dirs GROUP`; plain C. */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <glob.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/time.h>
#include <sys/xattr.h>
#include <unistd.h>
#include <utime.h>

#include "check.h"

static void group_listing(void) {
  DIR* d = opendir("/data/sub");
  CHECK(d != NULL);
  int a = 0, b = 0, other = 0;
  for (struct dirent* e; d && (e = readdir(d));) {
    if (strcmp(e->d_name, "a.txt") == 0)
      ++a;
    else if (strcmp(e->d_name, "b.txt") == 0)
      ++b;
    else if (e->d_name[0] != '.')
      ++other;
  }
  if (d)
    closedir(d);
  CHECK(a == 1 && b == 1 && other == 0);
  struct dirent** list = NULL;
  int n = scandir("/data/sub", &list, NULL, alphasort);
  CHECK(n == 4);
  if (n == 4) {
    CHECK(strcmp(list[2]->d_name, "a.txt") == 0);
    CHECK(strcmp(list[3]->d_name, "b.txt") == 0);
  }
  for (int i = 0; i < n; ++i)
    free(list[i]);
  free(list);
  CHECK_NULL_ERR(opendir("/data/nope"), ENOENT);
  CHECK_NULL_ERR(opendir("/data/existing.txt"), ENOTDIR);
  d = opendir("/ro");
  CHECK(d != NULL);
  if (d)
    closedir(d);
}

static void group_names(void) {
  struct stat st;
  CHECK(mkdir("/data/nd", 0750) == 0);
  CHECK(stat("/data/nd", &st) == 0 && S_ISDIR(st.st_mode));
  CHECK((st.st_mode & 0777) == 0750);
  CHECK_ERR(mkdir("/data/nd", 0750), EEXIST);
  CHECK_ERR(mkdir("/data/nope/x", 0750), ENOENT);
  CHECK(rmdir("/data/nd") == 0);
  CHECK_ERR(stat("/data/nd", &st), ENOENT);
  CHECK_ERR(rmdir("/data/sub"), ENOTEMPTY);
  CHECK_ERR(rmdir("/data/existing.txt"), ENOTDIR);
  CHECK_ERR(unlink("/data/sub"), EISDIR);
  CHECK_ERR(unlink("/data/nope"), ENOENT);

  CHECK(rename("/data/existing.txt", "/data/renamed.txt") == 0);
  CHECK_ERR(stat("/data/existing.txt", &st), ENOENT);
  CHECK_CONTENT("/data/renamed.txt", "hello\n");
  CHECK_ERR(rename("/data/renamed.txt", "/ro/x"), EACCES);
  CHECK_ERR(rename("/data/renamed.txt", "/elsewhere/x"), EXDEV);
  CHECK_ERR(rename("/data/nope", "/data/x"), ENOENT);
  CHECK(renameat(AT_FDCWD, "/data/renamed.txt", AT_FDCWD, "/data/r2") == 0);

  CHECK(link("/data/sub/b.txt", "/data/hard") == 0);
  CHECK(stat("/data/hard", &st) == 0 && st.st_nlink == 2);
  CHECK_ERR(link("/data/sub/b.txt", "/data/hard"), EEXIST);

  CHECK(symlink("sub/b.txt", "/data/sl") == 0);
  char buf[64] = {0};
  CHECK(readlink("/data/sl", buf, sizeof(buf)) == 9);
  CHECK(strcmp(buf, "sub/b.txt") == 0);
  CHECK(readlink("/data/sl", buf, 3) == 3);
  CHECK_ERR(readlink("/data/sub/b.txt", buf, sizeof(buf)), EINVAL);
  CHECK(lstat("/data/sl", &st) == 0 && S_ISLNK(st.st_mode));
  CHECK(stat("/data/sl", &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 3);
  CHECK_CONTENT("/data/sl", "bb\n");
  CHECK_ERR(symlink("x", "/data/sl"), EEXIST);

  char* real = realpath("/data/sl", NULL);
  CHECK(real && strcmp(real, "/data/sub/b.txt") == 0);
  free(real);
  char out[4096];
  CHECK(realpath("/data/sub/../sub/./a.txt", out) == out);
  CHECK(strcmp(out, "/data/sub/a.txt") == 0);
  CHECK_NULL_ERR(realpath("/data/nope", out), ENOENT);
  CHECK_NULL_ERR(realpath("/data/sub/a.txt/x", out), ENOTDIR);
  real = canonicalize_file_name("/data//sub/");
  CHECK(real && strcmp(real, "/data/sub") == 0);
  free(real);

  CHECK(remove("/data/hard") == 0);
  CHECK(mkdir("/data/empty", 0700) == 0);
  CHECK(remove("/data/empty") == 0);
  CHECK_ERR(access("/data/empty", F_OK), ENOENT);
}

static void group_stat(void) {
  struct stat st;
  CHECK(stat("/data/existing.txt", &st) == 0 && st.st_size == 6);
  CHECK(S_ISREG(st.st_mode) && st.st_nlink == 1);
  CHECK(stat("/data", &st) == 0 && S_ISDIR(st.st_mode));
  CHECK(stat("/data/", &st) == 0 && S_ISDIR(st.st_mode));
  CHECK_ERR(stat("/data/existing.txt/", &st), ENOTDIR);
  CHECK(lstat("/data/escape", &st) == 0 && S_ISLNK(st.st_mode));
  CHECK(fstatat(AT_FDCWD, "/data/sub/a.txt", &st, AT_SYMLINK_NOFOLLOW) == 0);
  CHECK(st.st_size == 2);
  struct statx sx;
  CHECK(statx(AT_FDCWD, "/data/sub/b.txt", 0, STATX_BASIC_STATS, &sx) == 0);
  CHECK(sx.stx_size == 3 && S_ISREG(sx.stx_mode));
  CHECK(access("/data/existing.txt", R_OK | W_OK) == 0);
  CHECK(access("/data", R_OK | W_OK | X_OK) == 0);
  CHECK(access("/ro/readme.txt", R_OK) == 0);
  CHECK_ERR(access("/ro/readme.txt", W_OK), EACCES);
  CHECK_ERR(access("/ro", W_OK), EACCES);
  CHECK_ERR(access("/data/existing.txt", X_OK), EACCES);
  CHECK_ERR(access("/data/nope", F_OK), ENOENT);
  CHECK(euidaccess("/ro/readme.txt", R_OK) == 0);
  CHECK(faccessat(AT_FDCWD, "/data/escape", F_OK, AT_SYMLINK_NOFOLLOW) == 0);
  CHECK(pathconf("/data", _PC_NAME_MAX) >= 14);
  CHECK_ERR(pathconf("/data/nope", _PC_NAME_MAX), ENOENT);
}

static void group_cwd(void) {
  char buf[4096];
  /* meson runs this once without CAPBOX_CWD and once with "/data//sub/..",
   * which the preload folds to /data. */
  const char* start = getenv("CAPBOX_CWD") ? "/data" : "/";
  CHECK(getcwd(buf, sizeof(buf)) == buf);
  CHECK(strcmp(buf, start) == 0);
  if (strcmp(start, "/data") == 0)
    CHECK_CONTENT("sub/a.txt", "a\n");
  CHECK(chdir("/data/sub") == 0);
  CHECK(getcwd(buf, sizeof(buf)) == buf && strcmp(buf, "/data/sub") == 0);
  CHECK_NULL_ERR(getcwd(buf, 5), ERANGE);
  char* dyn = getcwd(NULL, 0);
  CHECK(dyn && strcmp(dyn, "/data/sub") == 0);
  free(dyn);
  dyn = get_current_dir_name();
  CHECK(dyn && strcmp(dyn, "/data/sub") == 0);
  free(dyn);
  CHECK_CONTENT("a.txt", "a\n");
  CHECK_CONTENT("./b.txt", "bb\n");
  CHECK_CONTENT("../existing.txt", "hello\n");
  struct stat st;
  CHECK(stat(".", &st) == 0 && S_ISDIR(st.st_mode));
  FILE* f = fopen("rel.txt", "w");
  CHECK(f != NULL);
  if (f)
    fclose(f);
  CHECK(access("/data/sub/rel.txt", F_OK) == 0);
  CHECK(rename("rel.txt", "../rel2.txt") == 0);
  CHECK(access("/data/rel2.txt", F_OK) == 0);
  CHECK_ERR(chdir("nope"), ENOENT);
  CHECK_ERR(chdir("a.txt"), ENOTDIR);
  CHECK(chdir("..") == 0);
  CHECK(getcwd(buf, sizeof(buf)) && strcmp(buf, "/data") == 0);
  int fd = open("/ro/d", O_RDONLY | O_DIRECTORY);
  CHECK(fd >= 0 && fchdir(fd) == 0);
  CHECK(getcwd(buf, sizeof(buf)) && strcmp(buf, "/ro/d") == 0);
  close(fd);
  CHECK_CONTENT("../readme.txt", "read only\n");
  CHECK_ERR(chdir("/elsewhere"), ENOENT);
  /* Under no preopen the kernel's chdir decides; back to "/" always. */
  CHECK(chdir("/") == 0);
  CHECK(getcwd(buf, sizeof(buf)) && strcmp(buf, "/") == 0);
  CHECK_CONTENT("data/sub/a.txt", "a\n");
  CHECK(chdir("/data/sub/..") == 0);
  CHECK(getcwd(buf, sizeof(buf)) && strcmp(buf, "/data") == 0);
}

static void group_meta(void) {
  struct timespec ts[2] = {{1000000000, 5}, {1200000000, 7}};
  struct stat st;
  CHECK(utimensat(AT_FDCWD, "/data/existing.txt", ts, 0) == 0);
  CHECK(stat("/data/existing.txt", &st) == 0);
  CHECK(st.st_atim.tv_sec == 1000000000 && st.st_mtim.tv_sec == 1200000000);
  CHECK(st.st_mtim.tv_nsec == 7);
  struct timeval tv[2] = {{1300000000, 1}, {1400000000, 2}};
  CHECK(utimes("/data/existing.txt", tv) == 0);
  CHECK(stat("/data/existing.txt", &st) == 0 && st.st_mtime == 1400000000);
  struct utimbuf ub = {1500000000, 1600000000};
  CHECK(utime("/data/existing.txt", &ub) == 0);
  CHECK(stat("/data/existing.txt", &st) == 0 && st.st_mtime == 1600000000);
  CHECK(utime("/data/existing.txt", NULL) == 0);
  CHECK(stat("/data/existing.txt", &st) == 0 && st.st_mtime > 1600000000);
  ts[1].tv_nsec = 1000000000;
  CHECK_ERR(utimensat(AT_FDCWD, "/data/existing.txt", ts, 0), EINVAL);

  CHECK(chmod("/data/existing.txt", 0604) == 0);
  CHECK(stat("/data/existing.txt", &st) == 0 && (st.st_mode & 07777) == 0604);
  CHECK(fchmodat(AT_FDCWD, "/data/sub", 0700, 0) == 0);
  CHECK(stat("/data/sub", &st) == 0 && (st.st_mode & 07777) == 0700);
  CHECK_ERR(chmod("/data/existing.txt", 04755), EPERM);
  CHECK_ERR(chmod("/data/existing.txt", 02755), EPERM);
  CHECK_ERR(fchmodat(AT_FDCWD, "/data/escape", 0600, AT_SYMLINK_NOFOLLOW),
            EOPNOTSUPP);
  CHECK_ERR(chmod("/data/nope", 0600), ENOENT);
  CHECK(stat("/data/existing.txt", &st) == 0);
  CHECK(chown("/data/existing.txt", (uid_t)-1, (gid_t)-1) == 0);
  CHECK(chown("/data/existing.txt", st.st_uid, st.st_gid) == 0);
  CHECK_ERR(chown("/data/existing.txt", st.st_uid + 1, (gid_t)-1), EPERM);
  CHECK_ERR(lchown("/data/nope", (uid_t)-1, (gid_t)-1), ENOENT);
  char v[8];
  CHECK_ERR(getxattr("/data/existing.txt", "user.x", v, sizeof(v)), ENOTSUP);
}

/* Every write-like call in the read-only grant is EACCES; reads work. */
static void group_denied(void) {
  CHECK_CONTENT("/ro/readme.txt", "read only\n");
  CHECK_NULL_ERR(fopen("/ro/readme.txt", "w"), EACCES);
  CHECK_NULL_ERR(fopen("/ro/readme.txt", "r+"), EACCES);
  CHECK_NULL_ERR(fopen("/ro/readme.txt", "a"), EACCES);
  CHECK_NULL_ERR(fopen("/ro/new.txt", "w"), EACCES);
  CHECK_ERR(open("/ro/new.txt", O_RDONLY | O_CREAT, 0644), EACCES);
  CHECK_ERR(mkdir("/ro/x", 0755), EACCES);
  CHECK_ERR(unlink("/ro/readme.txt"), EACCES);
  CHECK_ERR(rmdir("/ro/d"), EACCES);
  CHECK_ERR(rename("/ro/readme.txt", "/ro/r.txt"), EACCES);
  CHECK_ERR(rename("/ro/readme.txt", "/data/r.txt"), EACCES);
  CHECK_ERR(link("/ro/readme.txt", "/ro/l"), EACCES);
  CHECK_ERR(symlink("x", "/ro/l"), EACCES);
  CHECK_ERR(truncate("/ro/readme.txt", 0), EACCES);
  CHECK_ERR(utimensat(AT_FDCWD, "/ro/readme.txt", NULL, 0), EACCES);
  CHECK_ERR(chmod("/ro/readme.txt", 0600), EACCES);
  char tmpl[] = "/ro/dXXXXXX";
  CHECK_NULL_ERR(mkdtemp(tmpl), EACCES);
  CHECK_CONTENT("/ro/readme.txt", "read only\n");

  /* /wr may write but not create: fopen "w" of an existing file works
   * (O_CREAT creates nothing there), of a new one is EACCES. */
  FILE* f = fopen("/wr/w.txt", "w");
  CHECK(f != NULL);
  if (f) {
    fputs("new\n", f);
    fclose(f);
  }
  CHECK_CONTENT("/wr/w.txt", "new\n");
  CHECK_NULL_ERR(fopen("/wr/other.txt", "w"), EACCES);
  CHECK_ERR(open("/wr/w.txt", O_WRONLY | O_CREAT | O_EXCL, 0600), EACCES);
}

/* glob walks directories with our opendir/stat; mktemp names only. */
static void group_extra(void) {
  glob_t g;
  CHECK(glob("/data/sub/*.txt", 0, NULL, &g) == 0);
  CHECK(g.gl_pathc == 2);
  if (g.gl_pathc == 2) {
    CHECK(strcmp(g.gl_pathv[0], "/data/sub/a.txt") == 0);
    CHECK(strcmp(g.gl_pathv[1], "/data/sub/b.txt") == 0);
  }
  globfree(&g);
  CHECK(glob("/data/*/b.*", 0, NULL, &g) == 0 && g.gl_pathc == 1);
  globfree(&g);
  CHECK(glob("/data/nope*", 0, NULL, &g) == GLOB_NOMATCH);
  char tmpl[] = "/data/mXXXXXX";
  CHECK(mktemp(tmpl) == tmpl && strncmp(tmpl, "/data/m", 7) == 0);
  CHECK(strcmp(tmpl, "/data/mXXXXXX") != 0);
  CHECK_ERR(access(tmpl, F_OK), ENOENT);
  struct statvfs vfs;
  CHECK(statvfs("/data/sub", &vfs) == 0 && vfs.f_bsize > 0);
  CHECK_ERR(statvfs("/data/nope", &vfs), ENOENT);
  /* Built with _FORTIFY_SOURCE: these are the __*_chk entry points. */
  char small[8];
  CHECK(readlink("/data/escape", small, sizeof(small)) == 8);
  CHECK(chdir("/data/sub") == 0);
  CHECK_NULL_ERR(getcwd(small, sizeof(small)), ERANGE);
  char full[PATH_MAX];
  CHECK(getcwd(full, sizeof(full)) == full && strcmp(full, "/data/sub") == 0);
  CHECK(realpath("b.txt", full) == full);
  CHECK(strcmp(full, "/data/sub/b.txt") == 0);
}

int main(int argc, char** argv) {
  const char* group = argc > 1 ? argv[1] : "";
  if (strcmp(group, "listing") == 0)
    group_listing();
  else if (strcmp(group, "names") == 0)
    group_names();
  else if (strcmp(group, "stat") == 0)
    group_stat();
  else if (strcmp(group, "cwd") == 0)
    group_cwd();
  else if (strcmp(group, "meta") == 0)
    group_meta();
  else if (strcmp(group, "denied") == 0)
    group_denied();
  else if (strcmp(group, "extra") == 0)
    group_extra();
  else
    return fprintf(stderr, "dirs: unknown group \"%s\"\n", group), 2;
  return finish(group);
}
