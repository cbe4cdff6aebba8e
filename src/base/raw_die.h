// SPDX-License-Identifier: Apache-2.0
// raw_die(): the one fatal path of code that runs where nothing else may,
// a forked child before or after its seccomp filter, or a signal handler
// (Chromium's RAW_SANDBOX_DIE). Async-signal-safe: write(2) and _exit(2)
// only; no allocation, no stdio, no locale. Depends on libc only.
#pragma once

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <cstddef>

namespace capbox {

// Writes all of `text` to `fd`, retrying short writes and EINTR; gives up
// silently on any other error (there is nobody left to tell).
// Async-signal-safe.
inline void raw_write_all(int fd, const char* text, size_t len) {
  while (len > 0) {
    const ssize_t n = ::write(fd, text, len);
    if (n <= 0) {
      if (n < 0 && errno == EINTR)
        continue;
      return;
    }
    text += n;
    len -= static_cast<size_t>(n);
  }
}

inline void raw_write_str(int fd, const char* text) {
  raw_write_all(fd, text, ::strlen(text));
}

// Formats `value` in decimal into `out` (at least 21 bytes), returns the
// length. Async-signal-safe.
inline size_t raw_format_int(long long value, char* out) {
  char digits[24];
  size_t n = 0;
  unsigned long long magnitude =
      value < 0 ? 0ull - static_cast<unsigned long long>(value)
                : static_cast<unsigned long long>(value);
  do {
    digits[n++] = static_cast<char>('0' + magnitude % 10);
    magnitude /= 10;
  } while (magnitude != 0);
  size_t len = 0;
  if (value < 0)
    out[len++] = '-';
  while (n > 0)
    out[len++] = digits[--n];
  return len;
}

// Writes "capbox: <what>\n", or "capbox: <what>: <ENAME> (errno N)\n" when
// `error` is not 0, to stderr, then ends the process with `status` without
// running atexit handlers or destructors. Async-signal-safe: the errno
// name comes from strerrorname_np, a lookup in a constant table.
[[noreturn]] inline void raw_die(const char* what, int error, int status) {
  raw_write_str(STDERR_FILENO, "capbox: ");
  raw_write_str(STDERR_FILENO, what);
  if (error != 0) {
    const char* name = ::strerrorname_np(error);
    raw_write_str(STDERR_FILENO, ": ");
    raw_write_str(STDERR_FILENO, name != nullptr ? name : "?");
    raw_write_str(STDERR_FILENO, " (errno ");
    char number[24];
    raw_write_all(STDERR_FILENO, number, raw_format_int(error, number));
    raw_write_str(STDERR_FILENO, ")");
  }
  raw_write_str(STDERR_FILENO, "\n");
  ::_exit(status);
}

}  // namespace capbox
