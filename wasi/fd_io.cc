// SPDX-License-Identifier: Apache-2.0
// fd_read, fd_write, fd_pread, fd_pwrite, fd_seek and fd_tell: data and
// offset of an open non-directory descriptor, with readv/writev and their
// positioned forms; writes count against the context's output limits.
// Every iovec and the out pointer are checked before any byte moves, so a
// Fault never follows a partial transfer. wasi_unstable differs only in
// fd_seek's whence numbering. Depends on wasi/ only.
#include <limits.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <vector>

#include "wasi/errno_map.h"
#include "wasi/fd_access.h"
#include "wasi/preview1.h"

namespace capbox::wasi::preview1 {
namespace {

// Host iovecs for the guest's iovec array. Every entry is checked, but
// only the first IOV_MAX are used: the ABI allows short transfers, and
// holding one host iovec per guest entry would let a guest make the host
// allocate 16 bytes per 8 of its own memory. Linux moves at most
// MAX_RW_COUNT (< 2^31) bytes per call, so the count fits the ABI's u32.
Errno host_iovecs(const Guest& mem,
                  u32 iovs,
                  u32 count,
                  std::vector<struct iovec>& out) {
  if (!mem.memory().contains(iovs, uint64_t{count} * layout::kIovecSize))
    return Errno::Fault;
  out.reserve(std::min<u32>(count, IOV_MAX));
  for (u32 i = 0; i < count; ++i) {
    const u32 at = iovs + i * layout::kIovecSize;
    const u32 buf = *mem.load<uint32_t>(at);
    const u32 len = *mem.load<uint32_t>(at + 4);
    auto span = mem.bytes(buf, len);
    if (!span)
      return Errno::Fault;
    if (out.size() < IOV_MAX)
      out.push_back({span->data(), span->size()});
  }
  return Errno::Success;
}

enum class Direction { kRead, kWrite };

// The common shape of the four transfers: find the fd with `rights`, check
// every buffer and the out pointer, run `io` on the host fd and iovecs,
// store the byte count. A write under an output limit (context.h) moves
// only what fits; once the limit is reached the call ends the run, so the
// guest cannot spin on short writes.
template <typename Io>
Ret transfer(Call& call,
             u32 fd,
             uint64_t rights,
             u32 iovs,
             u32 iovs_len,
             u32 out,
             Direction direction,
             Io io) {
  auto entry = file_fd(call, fd, rights);
  if (!entry)
    return entry.error();
  std::vector<struct iovec> vec;
  if (Errno e = host_iovecs(call.mem, iovs, iovs_len, vec); e != Errno::Success)
    return e;
  if (!call.mem.memory().contains(out, sizeof(uint32_t)))
    return Errno::Fault;
  ByteBudget* budget =
      direction == Direction::kWrite ? call.ctx.write_budget(**entry) : nullptr;
  const bool clipped = budget && budget->clip(vec);
  if (clipped && budget->remaining() == 0)
    return Unexpected(engine::Trap::host_error(budget->reached()));
  const ssize_t n =
      io((*entry)->fd.get(), vec.data(), static_cast<int>(vec.size()));
  if (n < 0)
    return from_host_errno(errno);
  if (budget)
    budget->spend(static_cast<uint64_t>(n));
  if (clipped && budget->remaining() == 0)
    return Unexpected(engine::Trap::host_error(budget->reached()));
  (void)call.mem.store<uint32_t>(out, static_cast<uint32_t>(n));
  return Errno::Success;
}

// Offsets are u64 in the ABI and off_t on the host: beyond INT64_MAX is
// Inval, as a negative offset would be for pread(2).
bool valid_offset(u64 offset) {
  return offset <= static_cast<u64>(INT64_MAX);
}

Result<int, Errno> host_whence(Abi abi, u32 whence) {
  const bool unstable = abi == Abi::Unstable;
  if (whence == (unstable ? kUnstableWhenceSet : kWhenceSet))
    return SEEK_SET;
  if (whence == (unstable ? kUnstableWhenceCur : kWhenceCur))
    return SEEK_CUR;
  if (whence == (unstable ? kUnstableWhenceEnd : kWhenceEnd))
    return SEEK_END;
  return Unexpected(Errno::Inval);
}

// api.h: FD_SEEK implies FD_TELL, so either right lets a guest ask where
// it is.
constexpr uint64_t kTellRights = right::kFdTell | right::kFdSeek;

}  // namespace

Ret fd_read(Call& call, u32 fd, u32 iovs, u32 iovs_len, u32 out) {
  return transfer(call, fd, right::kFdRead, iovs, iovs_len, out,
                  Direction::kRead,
                  [](int host, const struct iovec* iov, int n) {
                    return ::readv(host, iov, n);
                  });
}

Ret fd_write(Call& call, u32 fd, u32 iovs, u32 iovs_len, u32 out) {
  return transfer(call, fd, right::kFdWrite, iovs, iovs_len, out,
                  Direction::kWrite,
                  [](int host, const struct iovec* iov, int n) {
                    return ::writev(host, iov, n);
                  });
}

Ret fd_pread(Call& call, u32 fd, u32 iovs, u32 iovs_len, u64 offset, u32 out) {
  if (!valid_offset(offset))
    return Errno::Inval;
  return transfer(call, fd, right::kFdRead | right::kFdSeek, iovs, iovs_len,
                  out, Direction::kRead,
                  [offset](int host, const struct iovec* iov, int n) {
                    return ::preadv(host, iov, n, static_cast<off_t>(offset));
                  });
}

// On an O_APPEND file Linux's pwrite appends and ignores the offset (a
// documented deviation from POSIX, see pwrite(2)); that is passed on to
// the guest rather than refused, since wasi-libc's pwrite is a plain
// fd_pwrite and a native program on Linux sees the same.
Ret fd_pwrite(Call& call, u32 fd, u32 iovs, u32 iovs_len, u64 offset, u32 out) {
  if (!valid_offset(offset))
    return Errno::Inval;
  return transfer(call, fd, right::kFdWrite | right::kFdSeek, iovs, iovs_len,
                  out, Direction::kWrite,
                  [offset](int host, const struct iovec* iov, int n) {
                    return ::pwritev(host, iov, n, static_cast<off_t>(offset));
                  });
}

// Moving needs FD_SEEK; asking where the offset is (0 from CUR) needs only
// FD_TELL, as in wasmtime and uvwasi. A resulting offset below 0 is Inval
// (lseek's EINVAL).
Ret fd_seek(Call& call, u32 fd, i64 offset, u32 whence, u32 out) {
  auto host = host_whence(call.abi, whence);
  if (!host)
    return host.error();
  auto entry = file_fd(call, fd, 0);
  if (!entry)
    return entry.error();
  const bool tell_only = offset == 0 && *host == SEEK_CUR;
  if (!((*entry)->base.bits & (tell_only ? kTellRights : right::kFdSeek)))
    return Errno::Notcapable;
  if (!call.mem.memory().contains(out, sizeof(uint64_t)))
    return Errno::Fault;
  const off_t at = ::lseek((*entry)->fd.get(), offset, *host);
  if (at < 0)
    return from_host_errno(errno);
  (void)call.mem.store<uint64_t>(out, static_cast<uint64_t>(at));
  return Errno::Success;
}

Ret fd_tell(Call& call, u32 fd, u32 out) {
  auto entry = file_fd(call, fd, 0);
  if (!entry)
    return entry.error();
  if (!((*entry)->base.bits & kTellRights))
    return Errno::Notcapable;
  if (!call.mem.memory().contains(out, sizeof(uint64_t)))
    return Errno::Fault;
  const off_t at = ::lseek((*entry)->fd.get(), 0, SEEK_CUR);
  if (at < 0)
    return from_host_errno(errno);
  (void)call.mem.store<uint64_t>(out, static_cast<uint64_t>(at));
  return Errno::Success;
}

}  // namespace capbox::wasi::preview1
