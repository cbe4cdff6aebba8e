// SPDX-License-Identifier: Apache-2.0
// Shared by the WASI test programs (built with clang --target=wasm32-wasi):
// print each result as a line the runner compares, errors by errno name,
// never by a number or text that varies. wasi-libc's errno values are the
// WASI errno codes, so one table names both. Depends on wasi-libc only.
#pragma once

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <wasi/api.h>

static const char* const kErrnoNames[] = {
    [1] = "E2BIG",         [2] = "EACCES",
    [3] = "EADDRINUSE",    [4] = "EADDRNOTAVAIL",
    [5] = "EAFNOSUPPORT",  [6] = "EAGAIN",
    [7] = "EALREADY",      [8] = "EBADF",
    [9] = "EBADMSG",       [10] = "EBUSY",
    [11] = "ECANCELED",    [12] = "ECHILD",
    [13] = "ECONNABORTED", [14] = "ECONNREFUSED",
    [15] = "ECONNRESET",   [16] = "EDEADLK",
    [17] = "EDESTADDRREQ", [18] = "EDOM",
    [19] = "EDQUOT",       [20] = "EEXIST",
    [21] = "EFAULT",       [22] = "EFBIG",
    [23] = "EHOSTUNREACH", [24] = "EIDRM",
    [25] = "EILSEQ",       [26] = "EINPROGRESS",
    [27] = "EINTR",        [28] = "EINVAL",
    [29] = "EIO",          [30] = "EISCONN",
    [31] = "EISDIR",       [32] = "ELOOP",
    [33] = "EMFILE",       [34] = "EMLINK",
    [35] = "EMSGSIZE",     [36] = "EMULTIHOP",
    [37] = "ENAMETOOLONG", [38] = "ENETDOWN",
    [39] = "ENETRESET",    [40] = "ENETUNREACH",
    [41] = "ENFILE",       [42] = "ENOBUFS",
    [43] = "ENODEV",       [44] = "ENOENT",
    [45] = "ENOEXEC",      [46] = "ENOLCK",
    [47] = "ENOLINK",      [48] = "ENOMEM",
    [49] = "ENOMSG",       [50] = "ENOPROTOOPT",
    [51] = "ENOSPC",       [52] = "ENOSYS",
    [53] = "ENOTCONN",     [54] = "ENOTDIR",
    [55] = "ENOTEMPTY",    [56] = "ENOTRECOVERABLE",
    [57] = "ENOTSOCK",     [58] = "ENOTSUP",
    [59] = "ENOTTY",       [60] = "ENXIO",
    [61] = "EOVERFLOW",    [62] = "EOWNERDEAD",
    [63] = "EPERM",        [64] = "EPIPE",
    [65] = "EPROTO",       [66] = "EPROTONOSUPPORT",
    [67] = "EPROTOTYPE",   [68] = "ERANGE",
    [69] = "EROFS",        [70] = "ESPIPE",
    [71] = "ESRCH",        [72] = "ESTALE",
    [73] = "ETIMEDOUT",    [74] = "ETXTBSY",
    [75] = "EXDEV",        [76] = "ENOTCAPABLE",
};

// path_open's import itself, with an explicit path length: api.h's wrapper
// takes a C string (so no embedded NUL, no pointer past memory).
__attribute__((import_module("wasi_snapshot_preview1"),
               import_name("path_open"))) extern __wasi_errno_t
raw_path_open_len(__wasi_fd_t fd,
                  __wasi_lookupflags_t dirflags,
                  const char* path,
                  size_t path_len,
                  __wasi_oflags_t oflags,
                  __wasi_rights_t base,
                  __wasi_rights_t inheriting,
                  __wasi_fdflags_t fdflags,
                  __wasi_fd_t* out);

// "ENOENT", or "E?<n>" for a number outside the table.
static inline const char* errname(int e) {
  static char other[16];
  if (e == 0)
    return "ok";
  if (e > 0 && e < (int)(sizeof kErrnoNames / sizeof kErrnoNames[0]) &&
      kErrnoNames[e])
    return kErrnoNames[e];
  snprintf(other, sizeof other, "E?%d", e);
  return other;
}

// A libc call that returns < 0 and sets errno on failure: prints
// "LABEL: ok" or "LABEL: ENAME"; gives the call's result.
#define SHOW(label, call)                                           \
  ({                                                                \
    errno = 0;                                                      \
    long show_r_ = (long)(call);                                    \
    printf("%s: %s\n", label, show_r_ < 0 ? errname(errno) : "ok"); \
    show_r_;                                                        \
  })

// A raw __wasi_* call: prints "LABEL: ok" or "LABEL: ENAME".
#define SHOW_WASI(label, call)                   \
  ({                                             \
    __wasi_errno_t show_e_ = (call);             \
    printf("%s: %s\n", label, errname(show_e_)); \
    show_e_;                                     \
  })

// printf, then flush: a runner that reacts to this line sees it now.
static inline void say(const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vprintf(fmt, ap);
  va_end(ap);
  fflush(stdout);
}
