/* SPDX-License-Identifier: Apache-2.0 */
/* The stable C ABI of libcapbox-preopen: a map of preopened directories
 * (guest name -> directory fd + WASI rights), a virtual working directory,
 * and a lexical lookup from a path to (directory fd, relative path). It
 * translates only: it resolves no symlinks and enforces nothing; the broker
 * (openat2 RESOLVE_BENEATH) and the seccomp filter are the boundary.
 * Plain C, libc types only; see preopen/README.md for the errno choices. */
#ifndef CAPBOX_PREOPEN_H_
#define CAPBOX_PREOPEN_H_

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CAPBOX_PREOPEN_EXPORT __attribute__((visibility("default")))

/* Bytes for a path including its NUL, like Linux's PATH_MAX. */
#define CAPBOX_PREOPEN_PATH_MAX 4096

typedef struct capbox_preopen_map capbox_preopen_map;

/* The result of capbox_preopen_find. Fixed size so the lookup never
 * allocates: an interposer keeps one on its stack. */
typedef struct capbox_preopen_relpath {
  int dirfd;              /* the matched preopen's descriptor (not owned) */
  size_t index;           /* its position in the order of map_add calls */
  uint64_t rights;        /* the rights given to map_add */
  const char* guest_name; /* normalised name, valid until map_free */
  /* Beneath dirfd: never absolute, never a ".." component; "." for the
   * preopen itself; ends in '/' when the path named a directory
   * syntactically (trailing slash, or a last component "." or ".."). */
  char relative_path[CAPBOX_PREOPEN_PATH_MAX];
} capbox_preopen_relpath;

/* A new empty map whose virtual working directory is "/". NULL + ENOMEM. */
CAPBOX_PREOPEN_EXPORT capbox_preopen_map* capbox_preopen_map_new(void);

/* Frees the map. The descriptors stay open: the caller owns them. */
CAPBOX_PREOPEN_EXPORT void capbox_preopen_map_free(capbox_preopen_map* map);

/* Adds guest_name (absolute; repeated and trailing slashes are dropped, "."
 * and ".." components are refused) -> dirfd with rights. 0, or -1 with
 * errno EINVAL (NULL map or name, relative name, "." or ".." component),
 * EBADF (dirfd < 0), EEXIST (same normalised name), ENAMETOOLONG, ENOMEM.
 * On failure the map is unchanged. */
CAPBOX_PREOPEN_EXPORT int capbox_preopen_map_add(capbox_preopen_map* map,
                                                 const char* guest_name,
                                                 int dirfd,
                                                 uint64_t rights);

/* The number of preopens added. */
CAPBOX_PREOPEN_EXPORT size_t
capbox_preopen_map_size(const capbox_preopen_map* map);

/* Turns path (absolute, or relative to the virtual cwd) into the longest
 * matching preopen plus a relative path beneath it, after normalising ".",
 * ".." and repeated slashes lexically. 0, or -1 with errno ENOENT (empty
 * path, or the normalised path lies under no preopen), ENAMETOOLONG (path or
 * its normalised form does not fit CAPBOX_PREOPEN_PATH_MAX), EFAULT (NULL
 * path), EINVAL (NULL map or out). *out is written only on success. */
CAPBOX_PREOPEN_EXPORT int capbox_preopen_find(const capbox_preopen_map* map,
                                              const char* path,
                                              capbox_preopen_relpath* out);

/* Sets the virtual cwd to path, normalised as in find. The target must lie
 * under a preopen (else ENOENT); whether it is a directory is the caller's
 * check (the interposer asks the broker first). Same errnos as find. */
CAPBOX_PREOPEN_EXPORT int capbox_preopen_chdir(capbox_preopen_map* map,
                                               const char* path);

/* Copies the virtual cwd with its NUL into buf. Returns its length, or -1
 * with errno ERANGE (size too small), EINVAL (NULL map or buf). */
CAPBOX_PREOPEN_EXPORT ssize_t
capbox_preopen_getcwd(const capbox_preopen_map* map, char* buf, size_t size);

#ifdef __cplusplus
}
#endif

#endif /* CAPBOX_PREOPEN_H_ */
