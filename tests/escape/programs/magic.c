// SPDX-License-Identifier: Apache-2.0
// procfs magic links. In /sandbox the runner made symlinks to
// /proc/self/root, /proc/self/fd/0, /proc/self/cwd, /proc/1/root and
// others (absolute, and one relative that climbs to /proc). /proc itself
// is granted read-only as /proc, so there the links are reached beneath
// the grant and only RESOLVE_NO_MAGICLINKS (or the walk's readlink check)
// stops them: self/root, self/cwd, self/fd/N, self/exe, 1/root ...
// Plain procfs files and the plain `self` symlink stay readable.
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../wasi/programs/common.h"

static void try_all(const char* path, int directory) {
  char label[300];
  snprintf(label, sizeof label, "open %s", path);
  int fd = SHOW(label, open(path, O_RDONLY));
  if (fd >= 0) {
    char buf[16] = {0};
    // A magic link that slipped through would show /etc/passwd's "root".
    read(fd, buf, 4);
    printf("  read [%s]\n", directory ? "(dir)" : buf);
    close(fd);
  }
  struct stat st;
  snprintf(label, sizeof label, "stat %s", path);
  SHOW(label, stat(path, &st));
  if (directory) {
    DIR* d = opendir(path);
    printf("opendir %s: %s\n", path, d ? "ok" : errname(errno));
    if (d)
      closedir(d);
    char sub[300];
    snprintf(sub, sizeof sub, "%s/etc/passwd", path);
    snprintf(label, sizeof label, "open %s", sub);
    fd = SHOW(label, open(sub, O_RDONLY));
    if (fd >= 0)
      close(fd);
    snprintf(sub, sizeof sub, "%s/capbox-magic-created", path);
    snprintf(label, sizeof label, "create %s", sub);
    fd = SHOW(label, open(sub, O_CREAT | O_WRONLY, 0644));
    if (fd >= 0)
      close(fd);
  }
}

int main(void) {
  static const char* const kDirs[] = {
      "/sandbox/m_root",   "/sandbox/m_cwd",         "/sandbox/m_init",
      "/sandbox/m_thread", "/sandbox/m_rel",         "/sandbox/m_proc",
      "/sandbox/m_fd3",    "/proc/self/root",        "/proc/self/cwd",
      "/proc/1/root",      "/proc/thread-self/root", "/proc/self/fd/3",
      "/proc/self/fd/4",   "/proc/self/ns",
  };
  static const char* const kFiles[] = {
      "/sandbox/m_root_passwd",
      "/sandbox/m_fd0",
      "/sandbox/m_exe",
      "/proc/self/root/etc/passwd",
      "/proc/self/fd/0",
      "/proc/self/fd/1",
      "/proc/self/exe",
      "/proc/self/ns/mnt",
      "/proc/1/exe",
      "/proc/self/cwd/../../../../etc/passwd",
  };
  for (size_t i = 0; i < sizeof kDirs / sizeof kDirs[0]; i++)
    try_all(kDirs[i], 1);
  for (size_t i = 0; i < sizeof kFiles / sizeof kFiles[0]; i++)
    try_all(kFiles[i], 0);
  // Controls: plain procfs entries under the grant are reachable, `self`
  // (a plain symlink to the pid) included.
  struct stat st;
  SHOW("stat /proc/self", stat("/proc/self", &st));
  SHOW("open /proc/self/status", open("/proc/self/status", O_RDONLY));
  SHOW("open /proc/version", open("/proc/version", O_RDONLY));
  return 0;
}
