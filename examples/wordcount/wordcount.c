// SPDX-License-Identifier: Apache-2.0
// wordcount: like `wc` over every regular file below the directories given
// (default /docs), recursively: lines, words and bytes per file, sorted by
// path, then a total. `--save FILE` also writes the report to FILE, which a
// read-only grant refuses. It needs one read-only preopen and nothing else.
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct Counts {
  long long lines, words, bytes;
};

static char** paths;
static size_t npaths, cap;
static int status;

static void add_path(const char* path) {
  if (npaths == cap) {
    cap = cap ? 2 * cap : 64;
    paths = realloc(paths, cap * sizeof *paths);
    if (!paths) {
      fprintf(stderr, "wordcount: out of memory\n");
      exit(1);
    }
  }
  paths[npaths++] = strdup(path);
}

// Collects the regular files below `dir`; symbolic links are not followed,
// so a link cannot make a file count twice or a walk loop.
static void collect(const char* dir) {
  DIR* d = opendir(dir);
  if (!d) {
    fprintf(stderr, "wordcount: %s: %s\n", dir, strerror(errno));
    status = 1;
    return;
  }
  struct dirent* e;
  while ((e = readdir(d))) {
    if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
      continue;
    char child[4096];
    snprintf(child, sizeof child, "%s/%s", dir, e->d_name);
    struct stat st;
    if (lstat(child, &st) != 0) {
      fprintf(stderr, "wordcount: %s: %s\n", child, strerror(errno));
      status = 1;
    } else if (S_ISDIR(st.st_mode)) {
      collect(child);
    } else if (S_ISREG(st.st_mode)) {
      add_path(child);
    }
  }
  closedir(d);
}

static int count(const char* path, struct Counts* c) {
  FILE* f = fopen(path, "rb");
  if (!f)
    return -1;
  int in_word = 0, ch;
  while ((ch = getc(f)) != EOF) {
    c->bytes++;
    if (ch == '\n')
      c->lines++;
    if (isspace(ch)) {
      in_word = 0;
    } else if (!in_word) {
      in_word = 1;
      c->words++;
    }
  }
  int failed = ferror(f);
  fclose(f);
  return failed ? -1 : 0;
}

static int by_path(const void* a, const void* b) {
  return strcmp(*(char* const*)a, *(char* const*)b);
}

static void report(FILE* out) {
  struct Counts total = {0, 0, 0};
  for (size_t i = 0; i < npaths; i++) {
    struct Counts c = {0, 0, 0};
    if (count(paths[i], &c) != 0) {
      fprintf(stderr, "wordcount: %s: %s\n", paths[i], strerror(errno));
      status = 1;
      continue;
    }
    fprintf(out, "%7lld %7lld %7lld %s\n", c.lines, c.words, c.bytes, paths[i]);
    total.lines += c.lines;
    total.words += c.words;
    total.bytes += c.bytes;
  }
  fprintf(out, "%7lld %7lld %7lld total (%zu files)\n", total.lines,
          total.words, total.bytes, npaths);
}

int main(int argc, char** argv) {
  const char* save = NULL;
  int dirs = 0;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--save") && i + 1 < argc) {
      save = argv[++i];
    } else if (argv[i][0] == '-') {
      fprintf(stderr, "usage: wordcount [--save FILE] [DIR...]\n");
      return 2;
    } else {
      collect(argv[i]);
      dirs++;
    }
  }
  if (!dirs)
    collect("/docs");
  qsort(paths, npaths, sizeof *paths, by_path);
  report(stdout);
  if (save) {
    // Opened after counting: the report on stdout stands either way.
    FILE* f = fopen(save, "w");
    if (!f) {
      fprintf(stderr, "wordcount: cannot save to %s: %s\n", save,
              strerror(errno));
      return 1;
    }
    report(f);
    if (fclose(f) != 0) {
      fprintf(stderr, "wordcount: %s: %s\n", save, strerror(errno));
      return 1;
    }
  }
  return status;
}
