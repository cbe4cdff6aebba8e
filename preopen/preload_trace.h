// SPDX-License-Identifier: Apache-2.0
// `capbox exec --trace`: one line per interposed libc call, strace-like,
// written with one write(2) of a line built on the stack to the descriptor
// in CAPBOX_TRACE_FD, for the wasi/trace_groups.h bits in
// CAPBOX_TRACE_GROUPS. No allocation, no stdio, no locks: the program may
// fork, run threads, or call from a signal handler. Each traced_* helper
// returns its `result` and leaves errno as the call set it, so a call site
// reads `return traced_open("open", AT_FDCWD, path, flags, open_at(...))`.
// Depends on libc and wasi/trace_groups.h only.
#ifndef CAPBOX_PREOPEN_PRELOAD_TRACE_H_
#define CAPBOX_PREOPEN_PRELOAD_TRACE_H_

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>

namespace capbox::preload {

// Tracing state, set once at start-up; -1 / 0: off.
struct TraceState {
  int fd = -1;
  uint32_t groups = 0;
};
extern TraceState g_trace;

// Is the path group traced? One load and test when it is not.
inline bool tracing_paths() {
  return __builtin_expect(g_trace.fd >= 0, 0);
}

// open("/data/a.txt", O_RDONLY) = 3; openat(dirfd, ...) shows the dirfd.
int traced_open(const char* name,
                int dirfd,
                const char* path,
                int flags,
                int result);
// stat("/x", ...) = -1 ENOENT; unlink, mkdir, access, chdir ...
long traced_path(const char* name, int dirfd, const char* path, long result);
// rename("a", "b") = 0; link, symlink.
long traced_path2(const char* name,
                  const char* from,
                  const char* to,
                  long result);
// fopen("/a", "r") = FILE [fd 3]; NULL ENOENT on failure.
FILE* traced_fopen(const char* name,
                   const char* path,
                   const char* mode,
                   FILE* result);
// opendir("/d") = DIR [fd 4].
DIR* traced_opendir(const char* name, const char* path, DIR* result);

}  // namespace capbox::preload

#endif  // CAPBOX_PREOPEN_PRELOAD_TRACE_H_
