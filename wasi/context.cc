// SPDX-License-Identifier: Apache-2.0
#include "wasi/context.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace capbox::wasi {
namespace {

Filetype filetype_of_fd(int fd) {
  struct stat st {};
  if (::fstat(fd, &st) != 0)
    return Filetype::Unknown;
  switch (st.st_mode & S_IFMT) {
    case S_IFREG: return Filetype::RegularFile;
    case S_IFDIR: return Filetype::Directory;
    case S_IFCHR: return Filetype::CharacterDevice;
    case S_IFBLK: return Filetype::BlockDevice;
    case S_IFSOCK: return Filetype::SocketStream;
    case S_IFLNK: return Filetype::SymbolicLink;
    default: return Filetype::Unknown;  // FIFOs have no WASI type
  }
}

// stdio keeps every fd right but none of the path rights: it is not a
// directory, and a terminal or pipe cannot seek (the call then fails with
// the host's ESPIPE, as a native program sees it).
constexpr uint64_t kStdioRights =
    right::kFdDatasync | right::kFdRead | right::kFdSeek |
    right::kFdFdstatSetFlags | right::kFdSync | right::kFdTell |
    right::kFdWrite | right::kFdAdvise | right::kFdAllocate |
    right::kFdFilestatGet | right::kFdFilestatSetSize |
    right::kFdFilestatSetTimes | right::kPollFdReadwrite;

}  // namespace

Context::Context(ContextOptions options, FsAuthority& fs,
                 std::vector<Preopen> preopens,
                 std::vector<Listener> listeners)
    : options_(std::move(options)), fs_(fs), fds_(&fs, options_.max_fds) {
  for (uint32_t fd = 0; fd < 3; ++fd) {
    FdEntry entry;
    entry.fd = UniqueFd(::fcntl(static_cast<int>(fd), F_DUPFD_CLOEXEC, 0));
    if (!entry.fd)
      continue;  // the embedder runs us with that stdio stream closed
    entry.type = filetype_of_fd(entry.fd.get());
    entry.base = {kStdioRights};
    // A terminal cannot seek; wasi-libc's isatty() also requires a
    // character device without FD_SEEK and FD_TELL, and line-buffers
    // stdout only then.
    if (::isatty(entry.fd.get()))
      entry.base.bits &= ~(right::kFdSeek | right::kFdTell);
    fds_.insert_at(fd, std::move(entry));
  }
  uint32_t next = 3;
  for (Preopen& preopen : preopens) {
    FdEntry entry;
    entry.type = Filetype::Directory;
    entry.base = preopen.base;
    entry.inheriting = preopen.inheriting;
    entry.dir = preopen.dir.dir;
    entry.fd = std::move(preopen.dir.fd);
    entry.preopen_name = std::move(preopen.guest_name);
    fds_.insert_at(next++, std::move(entry));
  }
  for (Listener& listener : listeners) {
    FdEntry entry;
    entry.type = Filetype::SocketStream;
    entry.base = {right::kSockAccept | right::kPollFdReadwrite |
                  right::kFdFdstatSetFlags | right::kFdFilestatGet};
    entry.inheriting = {right::kFdRead | right::kFdWrite |
                        right::kPollFdReadwrite | right::kSockShutdown |
                        right::kFdFdstatSetFlags | right::kFdFilestatGet};
    entry.fd = std::move(listener.fd);
    fds_.insert_at(next++, std::move(entry));
  }
}

}  // namespace capbox::wasi
