// SPDX-License-Identifier: Apache-2.0
// The lines of `capbox exec --trace`, built in a fixed buffer on the stack
// and written whole with one write(2) (a line is shorter than PIPE_BUF, so
// lines of forked processes and threads never interleave). Paths are
// quoted and cut at 200 bytes, errnos named as strace names them. Only
// async-signal-safe calls: getpid, write.
#include "preopen/preload_trace.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "wasi/trace_groups.h"

namespace capbox::preload {

TraceState g_trace;

namespace {

class Line {
 public:
  explicit Line(const char* name) {
    text("capbox[");
    number(getpid());
    text("] ");
    text(name);
    text("(");
  }
  void text(const char* s) {
    while (*s && n_ < kCap)
      buf_[n_++] = *s++;
  }
  void number(long v) {
    char digits[24];
    int i = 0;
    unsigned long u = v < 0 ? 0ul - static_cast<unsigned long>(v)
                            : static_cast<unsigned long>(v);
    do {
      digits[i++] = static_cast<char>('0' + u % 10);
      u /= 10;
    } while (u != 0);
    if (v < 0)
      text("-");
    while (i > 0 && n_ < kCap)
      buf_[n_++] = digits[--i];
  }
  void quoted(const char* s) {
    if (s == nullptr) {
      text("NULL");
      return;
    }
    static constexpr char kHex[] = "0123456789abcdef";
    text("\"");
    size_t i = 0;
    for (; s[i] && i < 200; ++i) {
      const auto c = static_cast<unsigned char>(s[i]);
      char esc[5] = {'\\', static_cast<char>(c), 0, 0, 0};
      if (c == '"' || c == '\\') {
        text(esc);
      } else if (c < 0x20 || c == 0x7f) {
        esc[1] = 'x';
        esc[2] = kHex[c >> 4];
        esc[3] = kHex[c & 15];
        text(esc);
      } else {
        char one[2] = {static_cast<char>(c), 0};
        text(one);
      }
    }
    text(s[i] ? "\"..." : "\"");
  }
  void dirfd(int fd) {
    if (fd == AT_FDCWD)
      text("AT_FDCWD");
    else
      number(fd);
  }
  void open_flags(int flags);
  // ") = RESULT" or ") = -1 ENAME", then the newline and the write.
  void result(long value, int error) {
    text(") = ");
    number(value);
    if (value < 0) {
      text(" ");
      text(errno_name(error));
    }
  }
  void finish() {
    if (n_ >= kCap)
      n_ = kCap - 4, text("...");
    buf_[n_++] = '\n';
    for (size_t done = 0; done < n_;) {
      const ssize_t w = write(g_trace.fd, buf_ + done, n_ - done);
      if (w < 0 && errno == EINTR)
        continue;
      if (w <= 0)
        return;
      done += static_cast<size_t>(w);
    }
  }
  static const char* errno_name(int error);

 private:
  static constexpr size_t kCap = 511;  // plus the newline: under PIPE_BUF
  char buf_[kCap + 1];
  size_t n_ = 0;
};

void Line::open_flags(int flags) {
  const int acc = flags & O_ACCMODE;
  text(acc == O_RDONLY   ? "O_RDONLY"
       : acc == O_WRONLY ? "O_WRONLY"
       : acc == O_RDWR   ? "O_RDWR"
                         : "O_ACCMODE");
  static constexpr struct {
    int bit;
    const char* name;
  } kFlags[] = {{O_CREAT, "|O_CREAT"},         {O_EXCL, "|O_EXCL"},
                {O_NOCTTY, "|O_NOCTTY"},       {O_TRUNC, "|O_TRUNC"},
                {O_APPEND, "|O_APPEND"},       {O_NONBLOCK, "|O_NONBLOCK"},
                {O_DIRECTORY, "|O_DIRECTORY"}, {O_NOFOLLOW, "|O_NOFOLLOW"},
                {O_CLOEXEC, "|O_CLOEXEC"},     {O_PATH, "|O_PATH"}};
  for (const auto& f : kFlags) {
    if ((flags & f.bit) == f.bit)
      text(f.name);
  }
}

const char* Line::errno_name(int error) {
  switch (error) {
    case EPERM:
      return "EPERM";
    case ENOENT:
      return "ENOENT";
    case EIO:
      return "EIO";
    case EBADF:
      return "EBADF";
    case EACCES:
      return "EACCES";
    case EEXIST:
      return "EEXIST";
    case EXDEV:
      return "EXDEV";
    case ENOTDIR:
      return "ENOTDIR";
    case EISDIR:
      return "EISDIR";
    case EINVAL:
      return "EINVAL";
    case EMFILE:
      return "EMFILE";
    case ENOSPC:
      return "ENOSPC";
    case EROFS:
      return "EROFS";
    case ENAMETOOLONG:
      return "ENAMETOOLONG";
    case ENOTEMPTY:
      return "ENOTEMPTY";
    case ELOOP:
      return "ELOOP";
    case EOPNOTSUPP:
      return "EOPNOTSUPP";
    case EFAULT:
      return "EFAULT";
    case ENOSYS:
      return "ENOSYS";
    default:
      return "E?";
  }
}

// The descriptor of CAPBOX_TRACE_FD and the groups, read once at load.
__attribute__((constructor)) void trace_constructor() {
  const char* fd = getenv("CAPBOX_TRACE_FD");
  const char* groups = getenv("CAPBOX_TRACE_GROUPS");
  if (fd == nullptr || groups == nullptr)
    return;
  const long mask = strtol(groups, nullptr, 10);
  const long number = strtol(fd, nullptr, 10);
  if (number < 0 || fcntl(static_cast<int>(number), F_GETFD) < 0)
    return;
  g_trace.groups = static_cast<uint32_t>(mask);
  // Every interposed call names a path: only the path group is traced.
  if ((g_trace.groups & wasi::trace_bit(wasi::TraceGroup::Path)) != 0)
    g_trace.fd = static_cast<int>(number);
}

}  // namespace

int traced_open(const char* name,
                int dirfd,
                const char* path,
                int flags,
                int result) {
  if (!tracing_paths())
    return result;
  const int saved = errno;
  Line line(name);
  if (dirfd != AT_FDCWD) {
    line.dirfd(dirfd);
    line.text(", ");
  }
  line.quoted(path);
  line.text(", ");
  line.open_flags(flags);
  line.result(result, saved);
  line.finish();
  errno = saved;
  return result;
}

long traced_path(const char* name, int dirfd, const char* path, long result) {
  if (!tracing_paths())
    return result;
  const int saved = errno;
  Line line(name);
  if (dirfd != AT_FDCWD) {
    line.dirfd(dirfd);
    line.text(", ");
  }
  line.quoted(path);
  line.result(result, saved);
  line.finish();
  errno = saved;
  return result;
}

long traced_path2(const char* name,
                  const char* from,
                  const char* to,
                  long result) {
  if (!tracing_paths())
    return result;
  const int saved = errno;
  Line line(name);
  line.quoted(from);
  line.text(", ");
  line.quoted(to);
  line.result(result, saved);
  line.finish();
  errno = saved;
  return result;
}

FILE* traced_fopen(const char* name,
                   const char* path,
                   const char* mode,
                   FILE* result) {
  if (!tracing_paths())
    return result;
  const int saved = errno;
  Line line(name);
  line.quoted(path);
  line.text(", ");
  line.quoted(mode);
  line.result(result ? fileno(result) : -1, saved);
  line.finish();
  errno = saved;
  return result;
}

DIR* traced_opendir(const char* name, const char* path, DIR* result) {
  if (!tracing_paths())
    return result;
  const int saved = errno;
  Line line(name);
  line.quoted(path);
  line.result(result ? ::dirfd(result) : -1, saved);
  line.finish();
  errno = saved;
  return result;
}

}  // namespace capbox::preload
