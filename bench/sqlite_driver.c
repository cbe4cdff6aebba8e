// SPDX-License-Identifier: Apache-2.0
// A small SQLite program for bench/load_bench.py, linked with Debian's
// SQLite amalgamation: an in-memory database only, so it brings a VFS that
// opens no file (WASI has no fcntl locks for SQLite's unix VFS). With -v it
// prints the version and exits (the load benchmark's cheap start); otherwise
// it runs a few statements and prints one checksum line.
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "sqlite3.h"

static int no_open(sqlite3_vfs* vfs, const char* name, sqlite3_file* file,
                   int flags, int* out_flags) {
  (void)vfs, (void)name, (void)file, (void)flags, (void)out_flags;
  return SQLITE_CANTOPEN;
}

static int no_delete(sqlite3_vfs* vfs, const char* name, int sync_dir) {
  (void)vfs, (void)name, (void)sync_dir;
  return SQLITE_IOERR_DELETE;
}

static int no_access(sqlite3_vfs* vfs, const char* name, int flags,
                     int* out) {
  (void)vfs, (void)name, (void)flags;
  *out = 0;
  return SQLITE_OK;
}

static int full_path(sqlite3_vfs* vfs, const char* name, int size,
                     char* out) {
  (void)vfs;
  sqlite3_snprintf(size, out, "%s", name);
  return SQLITE_OK;
}

static int randomness(sqlite3_vfs* vfs, int n, char* out) {
  (void)vfs;
  memset(out, 0x5a, (size_t)n);
  return n;
}

static int sleep_us(sqlite3_vfs* vfs, int us) {
  (void)vfs;
  return us;
}

static int current_time(sqlite3_vfs* vfs, double* out) {
  (void)vfs;
  *out = 2440587.5 + (double)time(NULL) / 86400.0;
  return SQLITE_OK;
}

static int last_error(sqlite3_vfs* vfs, int n, char* out) {
  (void)vfs, (void)n, (void)out;
  return 0;
}

static sqlite3_vfs memory_vfs = {
    1, sizeof(sqlite3_file), 512, NULL, "memory-only", NULL,
    no_open, no_delete, no_access, full_path, NULL, NULL, NULL, NULL,
    randomness, sleep_us, current_time, last_error,
};

int sqlite3_os_init(void) {
  return sqlite3_vfs_register(&memory_vfs, 1);
}

int sqlite3_os_end(void) {
  return SQLITE_OK;
}

static int print_row(void* unused, int n, char** values, char** names) {
  (void)unused, (void)names;
  for (int i = 0; i < n; ++i)
    printf("%s%s", i ? " " : "", values[i] ? values[i] : "NULL");
  printf("\n");
  return 0;
}

int main(int argc, char** argv) {
  if (argc > 1 && strcmp(argv[1], "-v") == 0) {
    printf("%s\n", sqlite3_libversion());
    return 0;
  }
  sqlite3* db;
  char* error = NULL;
  if (sqlite3_open(":memory:", &db) != SQLITE_OK)
    return 1;
  const char* sql =
      "CREATE TABLE t(k INTEGER PRIMARY KEY, v TEXT);"
      "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n "
      "WHERE i < 1000) INSERT INTO t SELECT i, printf('v%d', i * 7) FROM n;"
      "SELECT count(*), sum(k), max(length(v)) FROM t WHERE v LIKE '%1%';";
  int rc = sqlite3_exec(db, sql, print_row, NULL, &error);
  if (rc != SQLITE_OK)
    fprintf(stderr, "sqlite_driver: %s\n", error ? error : "error");
  sqlite3_close(db);
  return rc == SQLITE_OK ? 0 : 1;
}
