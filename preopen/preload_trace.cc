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
#include <sys/stat.h>
#include <unistd.h>

#include "wasi/trace_groups.h"

namespace capbox::preload {

TraceState g_trace;

TraceLine::TraceLine(const char* name) : errno_(errno) {
  text("capbox[");
  unsigned_number(static_cast<unsigned long>(getpid()), 10);
  text("] ");
  text(name);
  text("(");
}

void TraceLine::text(const char* s) {
  while (*s && n_ < kCap)
    buf_[n_++] = *s++;
}

void TraceLine::unsigned_number(unsigned long u, unsigned base) {
  char digits[24];
  int i = 0;
  do {
    digits[i++] = static_cast<char>('0' + u % base);
    u /= base;
  } while (u != 0);
  while (i > 0 && n_ < kCap)
    buf_[n_++] = digits[--i];
}

void TraceLine::separate() {
  if (!first_)
    text(", ");
  first_ = false;
}

TraceLine& TraceLine::number(long v) {
  separate();
  if (v < 0)
    text("-");
  unsigned_number(v < 0 ? 0ul - static_cast<unsigned long>(v)
                        : static_cast<unsigned long>(v),
                  10);
  return *this;
}

TraceLine& TraceLine::word(const char* s) {
  separate();
  text(s);
  return *this;
}

TraceLine& TraceLine::path(const char* s) {
  separate();
  if (s == nullptr) {
    text("NULL");
    return *this;
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
  return *this;
}

TraceLine& TraceLine::dirfd(int fd) {
  if (fd == AT_FDCWD)
    return word("AT_FDCWD");
  return number(fd);
}

TraceLine& TraceLine::mode(unsigned m) {
  separate();
  text("0");
  if (m != 0)
    unsigned_number(m, 8);
  return *this;
}

TraceLine& TraceLine::open_flags(int flags) {
  const int acc = flags & O_ACCMODE;
  word(acc == O_RDONLY   ? "O_RDONLY"
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
  return *this;
}

TraceLine& TraceLine::at_flags(int flags) {
  static constexpr struct {
    int bit;
    const char* name;
  } kFlags[] = {{AT_SYMLINK_NOFOLLOW, "AT_SYMLINK_NOFOLLOW"},
                {AT_REMOVEDIR, "AT_REMOVEDIR"},
                {AT_SYMLINK_FOLLOW, "AT_SYMLINK_FOLLOW"},
                {AT_EACCESS, "AT_EACCESS"},
                {AT_EMPTY_PATH, "AT_EMPTY_PATH"},
                {AT_NO_AUTOMOUNT, "AT_NO_AUTOMOUNT"}};
  if (flags == 0)
    return word("0");
  separate();
  int rest = flags;
  const char* bar = "";
  for (const auto& f : kFlags) {
    if ((flags & f.bit) != 0 && (rest & f.bit) != 0) {
      text(bar);
      text(f.name);
      bar = "|";
      rest &= ~f.bit;
    }
  }
  if (rest != 0) {
    text(bar);
    text("0x");
    unsigned_number(static_cast<unsigned>(rest), 16);
  }
  return *this;
}

TraceLine& TraceLine::access_mode(int amode) {
  if (amode == F_OK)
    return word("F_OK");
  separate();
  const char* bar = "";
  static constexpr struct {
    int bit;
    const char* name;
  } kBits[] = {{R_OK, "R_OK"}, {W_OK, "W_OK"}, {X_OK, "X_OK"}};
  for (const auto& b : kBits) {
    if ((amode & b.bit) != 0) {
      text(bar);
      text(b.name);
      bar = "|";
    }
  }
  return *this;
}

TraceLine& TraceLine::rename_flags(unsigned flags) {
  if (flags == 0)
    return word("0");
  separate();
  const char* bar = "";
  static constexpr struct {
    unsigned bit;
    const char* name;
  } kBits[] = {
      {1, "RENAME_NOREPLACE"}, {2, "RENAME_EXCHANGE"}, {4, "RENAME_WHITEOUT"}};
  for (const auto& b : kBits) {
    if ((flags & b.bit) != 0) {
      text(bar);
      text(b.name);
      bar = "|";
    }
  }
  return *this;
}

TraceLine& TraceLine::times(const struct timespec* ts) {
  if (ts == nullptr)
    return word("NULL");
  separate();
  for (int i = 0; i < 2; ++i) {
    text(i == 0 ? "[" : ", ");
    if (ts[i].tv_nsec == UTIME_NOW) {
      text("UTIME_NOW");
    } else if (ts[i].tv_nsec == UTIME_OMIT) {
      text("UTIME_OMIT");
    } else {
      if (ts[i].tv_sec < 0)
        text("-");
      unsigned_number(ts[i].tv_sec < 0
                          ? 0ul - static_cast<unsigned long>(ts[i].tv_sec)
                          : static_cast<unsigned long>(ts[i].tv_sec),
                      10);
    }
  }
  text("]");
  return *this;
}

void TraceLine::returns(long result) {
  text(") = ");
  if (result < 0)
    text("-");
  unsigned_number(result < 0 ? 0ul - static_cast<unsigned long>(result)
                             : static_cast<unsigned long>(result),
                  10);
  if (result < 0) {
    text(" ");
    text(errno_name(errno_));
  }
  finish();
}

void TraceLine::returns_path(const char* result) {
  if (result == nullptr) {
    text(") = NULL ");
    text(errno_name(errno_));
  } else {
    text(") =");
    first_ = true;
    text(" ");
    path(result);
  }
  finish();
}

void TraceLine::returns_stream(const char* kind, int fd, bool ok) {
  if (!ok) {
    text(") = NULL ");
    text(errno_name(errno_));
  } else {
    text(") = ");
    text(kind);
    text(" [fd ");
    unsigned_number(static_cast<unsigned>(fd), 10);
    text("]");
  }
  finish();
}

void TraceLine::finish() {
  if (n_ >= kCap)
    n_ = kCap - 4, text("...");
  buf_[n_++] = '\n';
  for (size_t done = 0; done < n_;) {
    const ssize_t w = write(g_trace.fd, buf_ + done, n_ - done);
    if (w < 0 && errno == EINTR)
      continue;
    if (w <= 0)
      break;
    done += static_cast<size_t>(w);
  }
  errno = errno_;
}

const char* TraceLine::errno_name(int error) {
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
    case ERANGE:
      return "ERANGE";
    case EBUSY:
      return "EBUSY";
    case EAGAIN:
      return "EAGAIN";
    case ENODATA:
      return "ENODATA";
    case ETXTBSY:
      return "ETXTBSY";
    case ENOMEM:
      return "ENOMEM";
    default:
      return "E?";
  }
}

namespace {

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
  g_trace.groups = static_cast<uint32_t>(mask) & (kPathGroup | kFdGroup);
  if (g_trace.groups != 0)
    g_trace.fd = static_cast<int>(number);
}

}  // namespace

int traced_open(const char* name,
                int dirfd,
                const char* path,
                int flags,
                unsigned mode,
                int result) {
  if (!tracing_paths())
    return result;
  TraceLine line(name);
  if (dirfd != kNoDirfd)
    line.dirfd(dirfd);
  line.path(path).open_flags(flags);
  if ((flags & O_CREAT) != 0 || (flags & O_TMPFILE) == O_TMPFILE)
    line.mode(mode);
  line.returns(result);
  return result;
}

long traced_path(const char* name, int dirfd, const char* path, long result) {
  if (!tracing_paths())
    return result;
  TraceLine line(name);
  if (dirfd != kNoDirfd)
    line.dirfd(dirfd);
  line.path(path).returns(result);
  return result;
}

long traced_path2(const char* name,
                  const char* from,
                  const char* to,
                  long result) {
  if (tracing_paths())
    TraceLine(name).path(from).path(to).returns(result);
  return result;
}

FILE* traced_fopen(const char* name,
                   const char* path,
                   const char* mode,
                   FILE* result) {
  if (tracing_paths()) {
    TraceLine(name).path(path).path(mode).returns_stream(
        "FILE", result ? fileno(result) : -1, result != nullptr);
  }
  return result;
}

DIR* traced_opendir(const char* name, const char* path, DIR* result) {
  if (tracing_paths()) {
    TraceLine(name).path(path).returns_stream(
        "DIR", result ? ::dirfd(result) : -1, result != nullptr);
  }
  return result;
}

}  // namespace capbox::preload
