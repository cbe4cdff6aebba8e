// SPDX-License-Identifier: Apache-2.0
// treewalk: walks the directory tree given as its argument (default "."),
// printing each entry with its size, then totals. It needs one read-only
// preopen and nothing else; anything outside the preopen does not exist
// for it.
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static long long total_bytes;
static long files, dirs;

static int by_name(const void* a, const void* b) {
  return strcmp(*(char* const*)a, *(char* const*)b);
}

static void walk(const char* path, int depth) {
  DIR* dir = opendir(path);
  if (!dir) {
    fprintf(stderr, "treewalk: %s: %s\n", path, strerror(errno));
    return;
  }
  char* names[4096];
  int n = 0;
  struct dirent* e;
  while ((e = readdir(dir)) && n < 4096) {
    if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
      names[n++] = strdup(e->d_name);
  }
  closedir(dir);
  qsort(names, n, sizeof names[0], by_name);
  for (int i = 0; i < n; i++) {
    char child[4096];
    snprintf(child, sizeof child, "%s/%s", path, names[i]);
    struct stat st;
    if (lstat(child, &st) != 0) {
      fprintf(stderr, "treewalk: %s: %s\n", child, strerror(errno));
    } else if (S_ISDIR(st.st_mode)) {
      printf("%*s%s/\n", 2 * depth, "", names[i]);
      dirs++;
      walk(child, depth + 1);
    } else {
      printf("%*s%s  %lld bytes\n", 2 * depth, "", names[i],
             (long long)st.st_size);
      files++;
      total_bytes += st.st_size;
    }
    free(names[i]);
  }
}

int main(int argc, char** argv) {
  const char* root = argc > 1 ? argv[1] : ".";
  walk(root, 0);
  printf("%ld files, %ld directories, %lld bytes\n", files, dirs,
         total_bytes);
  // The sandbox at work: the host's files are not there.
  FILE* outside = fopen("/etc/passwd", "r");
  printf("/etc/passwd: %s\n", outside ? "readable (not sandboxed!)"
                                      : strerror(errno));
  return outside ? 1 : 0;
}
