// SPDX-License-Identifier: Apache-2.0
// fd_readdir over getdents64. A cookie stands for the kernel's position
// after an entry (d_off; 0 is the start; large ext4 positions are mapped to
// 32-bit cookies by wasi/dir_cookies.h): each call seeks the directory
// there and reads on, so cookies stay valid across calls, on other fds of
// the same directory, and when earlier entries are deleted meanwhile.
// Entries are packed as the ABI's 24-byte dirent header plus the name, and
// the last one is cut off where the buffer ends: bufused == buf_len tells
// the guest there may be more (wasi-libc then retries from the last whole
// entry's d_next with a larger buffer). "." and ".." come as the kernel
// gives them. The same in wasi_unstable. Depends on wasi/ only.
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstddef>
#include <cstring>
#include <span>
#include <string_view>
#include <vector>

#include "base/host_fstat.h"
#include "wasi/errno_map.h"
#include "wasi/fd_access.h"
#include "wasi/filestat.h"
#include "wasi/preview1.h"

namespace capbox::wasi::preview1 {
namespace {

// Bytes asked of getdents64 per call; a record is at most ~280 bytes.
constexpr size_t kChunk = 16 * 1024;

// Fills the guest buffer, cutting the last entry short where it ends.
class DirentWriter {
 public:
  explicit DirentWriter(std::span<uint8_t> out) : out_(out) {}

  // Appends one entry; false once the buffer is full.
  bool add(uint64_t next, uint64_t ino, Filetype type, std::string_view name) {
    std::array<uint8_t, layout::kDirentSize> header{};
    const uint32_t namlen = static_cast<uint32_t>(name.size());
    std::memcpy(header.data(), &next, 8);
    std::memcpy(header.data() + 8, &ino, 8);
    std::memcpy(header.data() + 16, &namlen, 4);
    header[20] = static_cast<uint8_t>(type);
    copy(header.data(), header.size());
    copy(name.data(), name.size());
    return used_ < out_.size();
  }
  uint32_t used() const { return static_cast<uint32_t>(used_); }

 private:
  void copy(const void* data, size_t len) {
    const size_t n = std::min(len, out_.size() - used_);
    std::memcpy(out_.data() + used_, data, n);
    used_ += n;
  }

  std::span<uint8_t> out_;
  size_t used_ = 0;
};

Filetype filetype_of(unsigned char d_type) {
  switch (d_type) {
    case DT_REG:
      return Filetype::RegularFile;
    case DT_DIR:
      return Filetype::Directory;
    case DT_LNK:
      return Filetype::SymbolicLink;
    case DT_CHR:
      return Filetype::CharacterDevice;
    case DT_BLK:
      return Filetype::BlockDevice;
    case DT_SOCK:
      return Filetype::SocketStream;
    default:
      return Filetype::Unknown;
  }
}

// Filesystems that leave d_type DT_UNKNOWN: ask the authority (lstat of
// the one name beneath the directory's handle). "." and ".." are always
// directories, and ".." of a preopen is above what the authority reaches.
Filetype resolve_unknown(Call& call,
                         const FdEntry& dir,
                         std::string_view name) {
  if (name == "." || name == "..")
    return Filetype::Directory;
  if (!dir.dir)
    return Filetype::Unknown;
  auto st = call.ctx.fs().stat_at(*dir.dir, name, Follow::No);
  return st ? filetype_from_mode(st->st_mode) : Filetype::Unknown;
}

// One call's directory: its entry, and its identity for the cookie table,
// looked up only when a position or cookie needs the table.
class Listing {
 public:
  Listing(Call& call, const FdEntry& dir) : call_(call), dir_(dir) {}

  const FdEntry& dir() const { return dir_; }
  Result<uint64_t, Errno> cookie_for(uint64_t pos) {
    if (!DirCookies::mapped(pos))
      return pos;
    auto id = dir_id();
    if (!id)
      return Unexpected(id.error());
    return call_.ctx.dir_cookies().cookie(*id, pos);
  }
  Result<uint64_t, Errno> position_of(uint64_t cookie) {
    if (!DirCookies::mapped(cookie))
      return cookie;
    auto id = dir_id();
    if (!id)
      return Unexpected(id.error());
    return call_.ctx.dir_cookies().position(*id, cookie);
  }
  Filetype type_of(unsigned char d_type, std::string_view name) {
    return d_type == DT_UNKNOWN ? resolve_unknown(call_, dir_, name)
                                : filetype_of(d_type);
  }

 private:
  Result<DirCookies::DirId, Errno> dir_id() {
    if (!have_id_) {
      struct stat st {};
      if (host_fstat(dir_.fd.get(), &st) != 0)
        return Unexpected(from_host_errno(errno));
      id_ = {st.st_dev, st.st_ino};
      have_id_ = true;
    }
    return id_;
  }

  Call& call_;
  const FdEntry& dir_;
  // Plain members, not std::optional: g++ 12 then sees no uninitialized
  // use that is not there.
  DirCookies::DirId id_{};
  bool have_id_ = false;
};

// Reads records from the directory's current position into `writer`
// until it is full or the directory ends.
Errno fill(Listing& listing, DirentWriter& writer) {
  std::vector<char> chunk(kChunk);
  for (;;) {
    const ssize_t got =
        ::getdents64(listing.dir().fd.get(), chunk.data(), chunk.size());
    if (got < 0)
      return from_host_errno(errno);
    if (got == 0)
      return Errno::Success;
    for (ssize_t at = 0; at < got;) {
      struct dirent64 rec;
      const char* raw = chunk.data() + at;
      std::memcpy(&rec, raw, offsetof(struct dirent64, d_name));
      const std::string_view name(raw + offsetof(struct dirent64, d_name));
      auto next = listing.cookie_for(static_cast<uint64_t>(rec.d_off));
      if (!next)
        return next.error();
      if (!writer.add(*next, rec.d_ino, listing.type_of(rec.d_type, name),
                      name))
        return Errno::Success;
      at += rec.d_reclen;
    }
  }
}

}  // namespace

Ret fd_readdir(Call& call, u32 fd, u32 buf, u32 buf_len, u64 cookie, u32 out) {
  auto entry = call.ctx.fds().get(fd, 0);
  if (!entry)
    return entry.error();
  const FdEntry& dir = **entry;
  if (dir.type != Filetype::Directory)
    return Errno::Notdir;
  if (!dir.base.contains(right::kFdReaddir))
    return Errno::Notcapable;
  auto span = call.mem.bytes(buf, buf_len);
  if (!span)
    return Errno::Fault;
  if (!call.mem.memory().contains(out, sizeof(uint32_t)))
    return Errno::Fault;
  Listing listing(call, dir);
  auto pos = listing.position_of(cookie);
  if (!pos)
    return pos.error();
  DirentWriter writer(*span);
  if (buf_len > 0) {
    if (::lseek(dir.fd.get(), static_cast<off_t>(*pos), SEEK_SET) < 0)
      return from_host_errno(errno);
    if (Errno e = fill(listing, writer); e != Errno::Success)
      return e;
  }
  (void)call.mem.store<uint32_t>(out, writer.used());
  return Errno::Success;
}

}  // namespace capbox::wasi::preview1
