// SPDX-License-Identifier: Apache-2.0
// logwriter: appends one line (its arguments) to the log file named by
// $LOG (default /logs/app.log), creating it, and rotates it to LOG.1 when
// it grows past 4 KiB. It needs a preopen with read, write, create and
// rename rights; with fewer, it reports which operation was refused.
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int main(int argc, char** argv) {
  const char* log = getenv("LOG") ? getenv("LOG") : "/logs/app.log";
  struct stat st;
  if (stat(log, &st) == 0 && st.st_size > 4096) {
    char rotated[1024];
    snprintf(rotated, sizeof rotated, "%s.1", log);
    if (rename(log, rotated) != 0) {
      fprintf(stderr, "logwriter: rotate %s: %s\n", log, strerror(errno));
      return 1;
    }
  }
  FILE* f = fopen(log, "a");
  if (!f) {
    fprintf(stderr, "logwriter: open %s: %s\n", log, strerror(errno));
    return 1;
  }
  for (int i = 1; i < argc; i++)
    fprintf(f, "%s%s", i > 1 ? " " : "", argv[i]);
  fputc('\n', f);
  if (fclose(f) != 0) {
    fprintf(stderr, "logwriter: write %s: %s\n", log, strerror(errno));
    return 1;
  }
  stat(log, &st);
  printf("%s: %lld bytes\n", log, (long long)st.st_size);
  return 0;
}
