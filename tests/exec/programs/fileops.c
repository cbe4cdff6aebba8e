/* SPDX-License-Identifier: Apache-2.0 */
/* A plain C program written the way legacy code is: fopen, fprintf,
 * opendir, stat, rename, mkdir on path names. Each argument pair is one
 * step ("write PATH", "read PATH", ...); each step prints one line, "ok
 * ..." or "error STEP PATH: strerror", so a test compares the whole output.
 * Run by tests/exec/exec_cli_test.py under `capbox exec`. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int failed(const char* step, const char* path) {
  printf("error %s %s: %s\n", step, path, strerror(errno));
  return 1;
}

static int compare_names(const void* a, const void* b) {
  return strcmp(*(char* const*)a, *(char* const*)b);
}

static int list(const char* path) {
  DIR* dir = opendir(path);
  if (!dir)
    return failed("list", path);
  char* names[256];
  size_t count = 0;
  struct dirent* entry;
  while ((entry = readdir(dir)) != NULL && count < 256) {
    if (strcmp(entry->d_name, ".") && strcmp(entry->d_name, ".."))
      names[count++] = strdup(entry->d_name);
  }
  closedir(dir);
  qsort(names, count, sizeof names[0], compare_names);
  printf("ok list %s:", path);
  for (size_t i = 0; i < count; ++i) {
    printf(" %s", names[i]);
    free(names[i]);
  }
  printf("\n");
  return 0;
}

static int step(const char* op, const char* path, const char* arg) {
  struct stat st;
  if (!strcmp(op, "write")) {
    FILE* f = fopen(path, "w");
    if (!f)
      return failed(op, path);
    fprintf(f, "%s\n", arg);
    if (fclose(f) != 0)
      return failed(op, path);
    printf("ok write %s\n", path);
  } else if (!strcmp(op, "append")) {
    FILE* f = fopen(path, "a");
    if (!f)
      return failed(op, path);
    fprintf(f, "%s\n", arg);
    fclose(f);
    printf("ok append %s\n", path);
  } else if (!strcmp(op, "read")) {
    FILE* f = fopen(path, "r");
    if (!f)
      return failed(op, path);
    char line[256];
    printf("ok read %s:", path);
    while (fgets(line, sizeof line, f)) {
      line[strcspn(line, "\n")] = 0;
      printf(" [%s]", line);
    }
    printf("\n");
    fclose(f);
  } else if (!strcmp(op, "stat")) {
    if (stat(path, &st) != 0)
      return failed(op, path);
    printf("ok stat %s: %s %lld\n", path,
           S_ISDIR(st.st_mode) ? "dir" : S_ISREG(st.st_mode) ? "file" : "other",
           S_ISREG(st.st_mode) ? (long long)st.st_size : 0LL);
  } else if (!strcmp(op, "list")) {
    return list(path);
  } else if (!strcmp(op, "mkdir")) {
    if (mkdir(path, 0755) != 0)
      return failed(op, path);
    printf("ok mkdir %s\n", path);
  } else if (!strcmp(op, "rename")) {
    if (rename(path, arg) != 0)
      return failed(op, path);
    printf("ok rename %s %s\n", path, arg);
  } else if (!strcmp(op, "unlink")) {
    if (unlink(path) != 0)
      return failed(op, path);
    printf("ok unlink %s\n", path);
  } else if (!strcmp(op, "rmdir")) {
    if (rmdir(path) != 0)
      return failed(op, path);
    printf("ok rmdir %s\n", path);
  } else if (!strcmp(op, "chdir")) {
    if (chdir(path) != 0)
      return failed(op, path);
    char cwd[4096];
    printf("ok chdir %s: %s\n", path, getcwd(cwd, sizeof cwd) ? cwd : "?");
  } else if (!strcmp(op, "access")) {
    if (access(path, W_OK) != 0)
      return failed(op, path);
    printf("ok access %s\n", path);
  } else {
    printf("unknown step %s\n", op);
    return 2;
  }
  return 0;
}

/* Steps that take a second argument (write TEXT, rename TO, append TEXT). */
static int takes_arg(const char* op) {
  return !strcmp(op, "write") || !strcmp(op, "rename") || !strcmp(op, "append");
}

int main(int argc, char** argv) {
  int errors = 0;
  for (int i = 1; i + 1 < argc;) {
    const char* op = argv[i];
    const char* path = argv[i + 1];
    const char* arg = takes_arg(op) && i + 2 < argc ? argv[i + 2] : "";
    errors += step(op, path, arg) != 0;
    i += takes_arg(op) ? 3 : 2;
  }
  fflush(stdout);
  return errors == 0 ? 0 : 3;
}
