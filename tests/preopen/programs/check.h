/* SPDX-License-Identifier: Apache-2.0 */
/* Checks for the preload test programs: each failure prints the line, the
 * expression and errno, and the program exits 1 if any failed. Plain C,
 * libc only. */
#ifndef CAPBOX_TESTS_PRELOAD_CHECK_H_
#define CAPBOX_TESTS_PRELOAD_CHECK_H_

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures;

#define CHECK(cond)                                                         \
  do {                                                                      \
    if (!(cond)) {                                                          \
      fprintf(stderr, "%s:%d: CHECK(%s) failed (errno %d: %s)\n", __FILE__, \
              __LINE__, #cond, errno, strerror(errno));                     \
      ++failures;                                                           \
    }                                                                       \
  } while (0)

/* `expr` must fail (-1) with errno `err`. */
#define CHECK_ERR(expr, err)                                                \
  do {                                                                      \
    errno = 0;                                                              \
    long r_ = (long)(expr);                                                 \
    if (r_ != -1 || errno != (err)) {                                       \
      fprintf(stderr, "%s:%d: %s gave %ld, errno %d (%s); want -1, %s\n",   \
              __FILE__, __LINE__, #expr, r_, errno, strerror(errno), #err); \
      ++failures;                                                           \
    }                                                                       \
  } while (0)

/* `expr` must return NULL with errno `err`. */
#define CHECK_NULL_ERR(expr, err)                                           \
  do {                                                                      \
    errno = 0;                                                              \
    const void* p_ = (const void*)(expr);                                   \
    if (p_ != NULL || errno != (err)) {                                     \
      fprintf(stderr, "%s:%d: %s gave %p, errno %d (%s); want NULL, %s\n",  \
              __FILE__, __LINE__, #expr, p_, errno, strerror(errno), #err); \
      ++failures;                                                           \
    }                                                                       \
  } while (0)

/* The whole content of `path` (at most 4095 bytes) read with stdio, or
 * "<errno text>" if it cannot be opened. */
static inline const char* slurp(const char* path) {
  static char buf[4096];
  FILE* f = fopen(path, "r");
  if (!f) {
    snprintf(buf, sizeof(buf), "<%s>", strerror(errno));
    return buf;
  }
  size_t n = fread(buf, 1, sizeof(buf) - 1, f);
  buf[n] = '\0';
  fclose(f);
  return buf;
}

#define CHECK_CONTENT(path, text)                                        \
  do {                                                                   \
    const char* got_ = slurp(path);                                      \
    if (strcmp(got_, (text)) != 0) {                                     \
      fprintf(stderr, "%s:%d: %s holds \"%s\", want \"%s\"\n", __FILE__, \
              __LINE__, (path), got_, (text));                           \
      ++failures;                                                        \
    }                                                                    \
  } while (0)

static inline int finish(const char* group) {
  if (failures)
    fprintf(stderr, "%s: %d check(s) failed\n", group, failures);
  else
    printf("%s: ok\n", group);
  return failures ? 1 : 0;
}

#endif /* CAPBOX_TESTS_PRELOAD_CHECK_H_ */
