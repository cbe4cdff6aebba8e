// SPDX-License-Identifier: Apache-2.0
// `capbox exec --trace`: one line per interposed libc call, strace-like,
// written with one write(2) of a line built on the stack to the descriptor
// in CAPBOX_TRACE_FD, for the wasi/trace_groups.h bits in
// CAPBOX_TRACE_GROUPS. No allocation, no stdio, no locks: the program may
// fork, run threads, or call from a signal handler. A call site makes the
// call, then `if (tracing(kPathGroup)) TraceLine("chmod").path(p).mode(m)
// .returns(r);` and returns r; the line keeps errno as the call set it.
// Depends on libc and wasi/trace_groups.h only.
#ifndef CAPBOX_PREOPEN_PRELOAD_TRACE_H_
#define CAPBOX_PREOPEN_PRELOAD_TRACE_H_

#include <dirent.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "wasi/trace_groups.h"

namespace capbox::preload {

// Tracing state, set once at start-up; -1 / 0: off.
struct TraceState {
  int fd = -1;
  uint32_t groups = 0;
};
extern TraceState g_trace;

// Calls naming a path (and getcwd, mkstemp, tmpfile, glob) are in the path
// group; fchdir, which names only a descriptor, is in the fd group.
inline constexpr uint32_t kPathGroup = wasi::trace_bit(wasi::TraceGroup::Path);
inline constexpr uint32_t kFdGroup = wasi::trace_bit(wasi::TraceGroup::Fd);

// Is this group traced? One load and test when tracing is off.
inline bool tracing(uint32_t group) {
  return __builtin_expect(g_trace.fd >= 0, 0) && (g_trace.groups & group);
}
inline bool tracing_paths() {
  return tracing(kPathGroup);
}

// One trace line: `capbox[PID] NAME(ARG, ARG) = RESULT`. Arguments are
// separated by ", " as they are added; a returns_* call ends the line,
// writes it and puts back the errno seen when the line was begun.
class TraceLine {
 public:
  explicit TraceLine(const char* name);
  TraceLine(const TraceLine&) = delete;
  TraceLine& operator=(const TraceLine&) = delete;

  TraceLine& path(const char* s);  // quoted, cut at 200 bytes; NULL
  TraceLine& dirfd(int fd);        // AT_FDCWD or the number
  TraceLine& number(long v);
  TraceLine& word(const char* s);  // as is, e.g. a decoded constant
  TraceLine& mode(unsigned m);     // octal: 0644
  TraceLine& open_flags(int flags);
  TraceLine& at_flags(int flags);     // AT_SYMLINK_NOFOLLOW|...; 0
  TraceLine& access_mode(int amode);  // F_OK or R_OK|W_OK|X_OK
  TraceLine& rename_flags(unsigned flags);
  // NULL, or [ATIME, MTIME] in seconds, UTIME_NOW and UTIME_OMIT by name.
  TraceLine& times(const struct timespec* ts);

  // `= N`, or `= -1 ENAME` when negative.
  void returns(long result);
  // `= "/resolved"`, or `= NULL ENAME`.
  void returns_path(const char* result);
  // `= FILE [fd 3]` / `= DIR [fd 4]`, or `= NULL ENAME`.
  void returns_stream(const char* kind, int fd_or_minus1, bool ok);

  // Used by the formatter itself and the tests.
  static const char* errno_name(int error);

 private:
  void text(const char* s);
  void unsigned_number(unsigned long u, unsigned base);
  void separate();
  void finish();

  static constexpr size_t kCap = 511;  // plus the newline: under PIPE_BUF
  char buf_[kCap + 1];
  size_t n_ = 0;
  int errno_;
  bool first_ = true;
};

// Passed as the dirfd of calls that take none (open, stat): no dirfd shown.
inline constexpr int kNoDirfd = -1 - 0x7fffffff;

// open("/a", O_WRONLY|O_CREAT, 0644) = 3: the mode shows with O_CREAT.
int traced_open(const char* name,
                int dirfd,
                const char* path,
                int flags,
                unsigned mode,
                int result);
long traced_path(const char* name, int dirfd, const char* path, long result);
long traced_path2(const char* name,
                  const char* from,
                  const char* to,
                  long result);
FILE* traced_fopen(const char* name,
                   const char* path,
                   const char* mode,
                   FILE* result);
DIR* traced_opendir(const char* name, const char* path, DIR* result);

}  // namespace capbox::preload

#endif  // CAPBOX_PREOPEN_PRELOAD_TRACE_H_
