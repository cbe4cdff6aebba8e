// SPDX-License-Identifier: Apache-2.0
// Symlinks the guest makes itself during the run, pointing out of the
// grant /sandbox: relative, absolute (argv[1] is the host directory that
// holds sandbox/ and outside/), procfs magic links, chains and loops. Then
// reads, stats, creates, makes directories, deletes and changes times
// through each. capbox refuses to create a symlink with an absolute target
// (EPERM), so those names stay free and the attacks on them only make
// plain files inside; the runner-made absolute and /proc links are the
// `magic` scenario's. The runner checks that nothing outside changed and
// that outside/secret.txt's text never shows up here. Depends on wasi-libc.
#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../wasi/programs/common.h"

enum Kind { kFile, kDir };

struct Link {
  const char* name;
  const char* target;  // "%s" is the host directory (argv[1])
  enum Kind kind;
};

static const struct Link kLinks[] = {
    {"s_rel", "../outside/secret.txt", kFile},
    {"s_reldir", "../outside", kDir},
    {"s_abs", "%s/outside/secret.txt", kFile},
    {"s_absdir", "%s/outside", kDir},
    {"s_root", "/", kDir},
    {"s_proc_passwd", "/proc/self/root/etc/passwd", kFile},
    {"s_proc_root", "/proc/self/root", kDir},
    {"s_proc_fd3", "/proc/self/fd/3", kDir},
    {"s_proc_cwd", "/proc/self/cwd", kDir},
    {"s_dotdot", "..", kDir},
    {"s_deep", "sub/../../outside/secret.txt", kFile},
    {"s_reenter", "../sandbox/inside.txt", kFile},
    {"s_chain2", "./sub/../s_reldir/secret.txt", kFile},
    {"s_chain1", "s_chain2", kFile},
    {"s_dangle", "../outside/created.txt", kFile},
    {"s_dangle_abs", "%s/outside/created_abs.txt", kFile},
    {"sub/s_up", "../../outside", kDir},
    {"sub/s_in", "../inside.txt", kFile},
    {"s_in_dir", "sub", kDir},
    {"l_a", "l_b", kFile},
    {"l_b", "l_a", kFile},
    {"l_self", "l_self", kFile},
    {"l_dir", "l_dir/x", kDir},
    {"l_dot", ".", kDir},
};

static void show_read(const char* label, const char* path) {
  int fd = SHOW(label, open(path, O_RDONLY));
  if (fd >= 0) {
    char buf[64] = {0};
    read(fd, buf, sizeof buf - 1);
    printf("  read [%s]\n", buf);
    close(fd);
  }
}

static void show_stat(const char* label, const char* path) {
  struct stat st;
  if (SHOW(label, stat(path, &st)) == 0)
    printf("  %s size %lld\n", S_ISDIR(st.st_mode) ? "dir" : "file",
           S_ISDIR(st.st_mode) ? 0LL : (long long)st.st_size);
}

static void show_opendir(const char* label, const char* path) {
  DIR* d = opendir(path);
  printf("%s: %s\n", label, d ? "ok" : errname(errno));
  if (d)
    closedir(d);
}

static void show_create(const char* label, const char* path) {
  int fd = SHOW(label, open(path, O_CREAT | O_WRONLY, 0644));
  if (fd >= 0) {
    SHOW("  write", write(fd, "guest", 5));
    close(fd);
  }
}

static char path_[256], label_[300];

// Sets path_ to the link's path plus `suffix`, label_ to "WHAT path".
static void at(const struct Link* link, const char* what, const char* suffix) {
  snprintf(path_, sizeof path_, "/sandbox/%s%s", link->name, suffix);
  snprintf(label_, sizeof label_, "%s %s%s", what, link->name, suffix);
}

// What a guest would try through a link to a file, or to a directory.
static void attack(const struct Link* link) {
  if (link->kind == kFile) {
    at(link, "open", "");
    show_read(label_, path_);
    at(link, "stat", "");
    show_stat(label_, path_);
    at(link, "create", "");
    show_create(label_, path_);
    at(link, "truncate", "");
    SHOW(label_, truncate(path_, 0));
    struct timespec t[2] = {{1, 0}, {1, 0}};
    at(link, "utimensat", "");
    SHOW(label_, utimensat(AT_FDCWD, path_, t, 0));
  } else {
    at(link, "opendir", "");
    show_opendir(label_, path_);
    at(link, "open", "/secret.txt");
    show_read(label_, path_);
    at(link, "stat", "/secret.txt");
    show_stat(label_, path_);
    at(link, "create", "/new.txt");
    show_create(label_, path_);
    at(link, "mkdir", "/newdir");
    SHOW(label_, mkdir(path_, 0755));
    at(link, "unlink", "/secret.txt");
    SHOW(label_, unlink(path_));
  }
}

// "l_dot/" n times, then inside.txt: every l_dot is one symlink followed.
static void dot_chain(int n) {
  char path[512] = "/sandbox/";
  for (int i = 0; i < n; i++)
    strcat(path, "l_dot/");
  strcat(path, "inside.txt");
  char label[64];
  snprintf(label, sizeof label, "open through l_dot x%d", n);
  show_read(label, path);
}

int main(int argc, char** argv) {
  if (argc < 2)
    return 2;
  size_t n = sizeof kLinks / sizeof kLinks[0];
  for (size_t i = 0; i < n; i++) {
    char target[256], path[256], label[300];
    snprintf(target, sizeof target, kLinks[i].target, argv[1]);
    snprintf(path, sizeof path, "/sandbox/%s", kLinks[i].name);
    snprintf(label, sizeof label, "symlink %s", kLinks[i].name);
    SHOW(label, symlink(target, path));
  }
  // Before the attacks: sub/s_in's own checks truncate inside.txt.
  dot_chain(10);
  dot_chain(40);
  dot_chain(41);
  char buf[256] = {0};
  SHOW("readlink s_rel", readlink("/sandbox/s_rel", buf, sizeof buf - 1));
  printf("  target [%s]\n", buf);
  for (size_t i = 0; i < n; i++)
    attack(&kLinks[i]);
  return 0;
}
