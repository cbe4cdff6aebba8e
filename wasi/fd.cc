// SPDX-License-Identifier: Apache-2.0
// fd_* functions about the descriptor rather than its data: close,
// renumber, fdstat (flags and rights), prestat, sync, advise, allocate and
// filestat. Reads and writes are in fd_io.cc, fd_readdir in fd_readdir.cc.
// Everything acts on descriptors the table already holds; nothing here
// opens a path (directories' times go through FsAuthority). Depends on
// wasi/ only.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>

#include "base/host_fstat.h"
#include "wasi/errno_map.h"
#include "wasi/fd_access.h"
#include "wasi/filestat.h"
#include "wasi/preview1.h"

namespace capbox::wasi::preview1 {
namespace {

constexpr uint16_t kSyncFlags = fdflag::kDsync | fdflag::kRsync | fdflag::kSync;

// The fdflags Linux reports for an open file. O_RSYNC is O_SYNC on Linux,
// so RSYNC is never reported; O_SYNC includes the O_DSYNC bit, so a
// SYNC file reports SYNC alone.
uint16_t fdflags_of(int host_flags) {
  uint16_t flags = 0;
  if (host_flags & O_APPEND)
    flags |= fdflag::kAppend;
  if (host_flags & O_NONBLOCK)
    flags |= fdflag::kNonblock;
  if ((host_flags & O_SYNC) == O_SYNC)
    flags |= fdflag::kSync;
  else if (host_flags & O_DSYNC)
    flags |= fdflag::kDsync;
  return flags;
}

template <typename T>
void put(uint8_t* base, uint32_t offset, T value) {
  std::memcpy(base + offset, &value, sizeof(T));
}

Errno from_result(int rc) {
  return rc == 0 ? Errno::Success : from_host_errno(errno);
}

// Growing a file to `new_end` bytes without writing them (fallocate,
// ftruncate) still fills the disk, so the growth counts against the same
// budget as written bytes; a growth that does not fit ends the run before
// anything changes.
Result<void, engine::Trap> charge_growth(Call& call,
                                         const FdEntry& entry,
                                         uint64_t new_end) {
  ByteBudget* budget = call.ctx.write_budget(entry);
  struct stat st {};
  if (budget == nullptr || !budget->limited() ||
      host_fstat(entry.fd.get(), &st) != 0)
    return {};
  const uint64_t size = static_cast<uint64_t>(st.st_size);
  const uint64_t growth = new_end > size ? new_end - size : 0;
  if (growth > budget->remaining())
    return Unexpected(engine::Trap::host_error(budget->reached()));
  budget->spend(growth);
  return {};
}

}  // namespace

Ret fd_close(Call& call, u32 fd) {
  // Preopens may be closed too (wasmtime allows it; wasi-libc never does
  // unless the program asks).
  auto closed = call.ctx.fds().close(fd);
  return closed ? Errno::Success : closed.error();
}

Ret fd_renumber(Call& call, u32 fd, u32 to) {
  auto moved = call.ctx.fds().renumber(fd, to);
  return moved ? Errno::Success : moved.error();
}

Ret fd_fdstat_get(Call& call, u32 fd, u32 out) {
  auto entry = any_fd(call, fd, 0);
  if (!entry)
    return entry.error();
  auto span = call.mem.bytes(out, layout::kFdstatSize);
  if (!span)
    return Errno::Fault;
  const int host_flags = ::fcntl((*entry)->fd.get(), F_GETFL);
  if (host_flags < 0)
    return from_host_errno(errno);
  // A directory's file-only rights are dead (file_fd() refuses
  // directories), so they are not reported: a guest that reopens "." with
  // the rights it sees (the WASI test suite does) then does not ask to
  // write a directory.
  uint64_t base = (*entry)->base.bits;
  if ((*entry)->type == Filetype::Directory)
    base &= ~right::kFileOnly;
  std::array<uint8_t, layout::kFdstatSize> bytes{};
  put<uint8_t>(bytes.data(), 0, static_cast<uint8_t>((*entry)->type));
  put<uint16_t>(bytes.data(), 2, fdflags_of(host_flags));
  put<uint64_t>(bytes.data(), 8, base);
  put<uint64_t>(bytes.data(), 16, (*entry)->inheriting.bits);
  std::memcpy(span->data(), bytes.data(), bytes.size());
  return Errno::Success;
}

// Only APPEND and NONBLOCK can change after open on Linux (F_SETFL ignores
// the sync bits). Asking to change DSYNC/RSYNC/SYNC is Inval, as in
// wasmtime, rather than silently ignored; restating the fd's current sync
// flags is accepted so that fcntl(F_SETFL, F_GETFL | O_NONBLOCK) works on
// an O_SYNC file.
Ret fd_fdstat_set_flags(Call& call, u32 fd, u32 flags) {
  if ((flags & ~uint32_t{fdflag::kAll}) != 0)
    return Errno::Inval;
  auto entry = any_fd(call, fd, right::kFdFdstatSetFlags);
  if (!entry)
    return entry.error();
  const int host_fd = (*entry)->fd.get();
  const int host_flags = ::fcntl(host_fd, F_GETFL);
  if (host_flags < 0)
    return from_host_errno(errno);
  if ((flags & kSyncFlags) != (fdflags_of(host_flags) & kSyncFlags))
    return Errno::Inval;
  int wanted = host_flags & ~(O_APPEND | O_NONBLOCK);
  if (flags & fdflag::kAppend)
    wanted |= O_APPEND;
  if (flags & fdflag::kNonblock)
    wanted |= O_NONBLOCK;
  return from_result(::fcntl(host_fd, F_SETFL, wanted));
}

// Rights only shrink: asking for any right the fd does not hold, in either
// set, is Notcapable and changes nothing.
Ret fd_fdstat_set_rights(Call& call, u32 fd, u64 base, u64 inheriting) {
  auto entry = any_fd(call, fd, 0);
  if (!entry)
    return entry.error();
  FdEntry& e = **entry;
  if (!e.base.contains(base) || !e.inheriting.contains(inheriting))
    return Errno::Notcapable;
  e.base = {base};
  e.inheriting = {inheriting};
  return Errno::Success;
}

// Only preopens have a prestat; anything else is Badf, which is where
// wasi-libc stops scanning fds 3, 4, ... for preopens.
Ret fd_prestat_get(Call& call, u32 fd, u32 out) {
  auto entry = any_fd(call, fd, 0);
  if (!entry)
    return entry.error();
  if (!(*entry)->preopen_name)
    return Errno::Badf;
  auto span = call.mem.bytes(out, layout::kPrestatSize);
  if (!span)
    return Errno::Fault;
  std::array<uint8_t, layout::kPrestatSize> bytes{};
  put<uint8_t>(bytes.data(), 0, kPreopentypeDir);
  put<uint32_t>(bytes.data(), 4,
                static_cast<uint32_t>((*entry)->preopen_name->size()));
  std::memcpy(span->data(), bytes.data(), bytes.size());
  return Errno::Success;
}

// The name is written without a NUL. A buffer shorter than the name is
// Nametoolong (wasmtime); wasmtime says Notdir for a non-preopen fd here,
// Badf is used to match fd_prestat_get.
Ret fd_prestat_dir_name(Call& call, u32 fd, u32 path, u32 path_len) {
  auto entry = any_fd(call, fd, 0);
  if (!entry)
    return entry.error();
  if (!(*entry)->preopen_name)
    return Errno::Badf;
  const std::string& name = *(*entry)->preopen_name;
  if (name.size() > path_len)
    return Errno::Nametoolong;
  auto span = call.mem.bytes(path, static_cast<uint32_t>(name.size()));
  if (!span)
    return Errno::Fault;
  std::memcpy(span->data(), name.data(), name.size());
  return Errno::Success;
}

Ret fd_sync(Call& call, u32 fd) {
  auto entry = any_fd(call, fd, right::kFdSync);
  if (!entry)
    return entry.error();
  return from_result(::fsync((*entry)->fd.get()));
}

Ret fd_datasync(Call& call, u32 fd) {
  auto entry = any_fd(call, fd, right::kFdDatasync);
  if (!entry)
    return entry.error();
  return from_result(::fdatasync((*entry)->fd.get()));
}

Ret fd_advise(Call& call, u32 fd, u64 offset, u64 len, u32 advice) {
  // Indexed by the ABI's advice values, which differ from POSIX_FADV_*.
  static constexpr std::array<int, 6> kHostAdvice = {
      POSIX_FADV_NORMAL,   POSIX_FADV_SEQUENTIAL, POSIX_FADV_RANDOM,
      POSIX_FADV_WILLNEED, POSIX_FADV_DONTNEED,   POSIX_FADV_NOREUSE};
  static_assert(static_cast<int>(Advice::Noreuse) == 5);
  if (advice >= kHostAdvice.size())
    return Errno::Inval;
  auto entry = file_fd(call, fd, right::kFdAdvise);
  if (!entry)
    return entry.error();
  // Offsets above INT64_MAX become negative and the kernel says EINVAL.
  return from_host_errno(
      ::posix_fadvise((*entry)->fd.get(), static_cast<off_t>(offset),
                      static_cast<off_t>(len), kHostAdvice[advice]));
}

// posix_fallocate: afterwards the file is at least offset + len long and
// that range is allocated; a smaller file is extended, a larger one left
// as it is. (wasmtime now answers Notsup; uvwasi and older wasmtime do
// this, which is what POSIX programs calling posix_fallocate expect.)
Ret fd_allocate(Call& call, u32 fd, u64 offset, u64 len) {
  auto entry = file_fd(call, fd, right::kFdAllocate);
  if (!entry)
    return entry.error();
  if (len > UINT64_MAX - offset)
    return Errno::Fbig;
  if (auto charged = charge_growth(call, **entry, offset + len); !charged)
    return Unexpected(std::move(charged).error());
  return from_host_errno(::posix_fallocate(
      (*entry)->fd.get(), static_cast<off_t>(offset), static_cast<off_t>(len)));
}

Ret fd_filestat_get(Call& call, u32 fd, u32 out) {
  auto entry = any_fd(call, fd, right::kFdFilestatGet);
  if (!entry)
    return entry.error();
  if (!call.mem.memory().contains(out, filestat_size(call.abi)))
    return Errno::Fault;
  struct stat st {};
  if (host_fstat((*entry)->fd.get(), &st) != 0)
    return from_host_errno(errno);
  // A socket's kind (stream or datagram) is known to the table, not to
  // st_mode.
  Filetype type = filetype_from_mode(st.st_mode);
  if (type == Filetype::SocketStream && (*entry)->type == Filetype::SocketDgram)
    type = Filetype::SocketDgram;
  return store_filestat(call.mem, call.abi, out, st, type);
}

Ret fd_filestat_set_size(Call& call, u32 fd, u64 size) {
  auto entry = file_fd(call, fd, right::kFdFilestatSetSize);
  if (!entry)
    return entry.error();
  if (auto charged = charge_growth(call, **entry, size); !charged)
    return Unexpected(std::move(charged).error());
  return from_result(::ftruncate((*entry)->fd.get(), static_cast<off_t>(size)));
}

// Directories go through the authority ("." beneath their handle): their
// descriptor may be one futimens cannot use (O_PATH).
Ret fd_filestat_set_times(Call& call,
                          u32 fd,
                          u64 atim,
                          u64 mtim,
                          u32 fst_flags) {
  auto times = times_from_fst(atim, mtim, fst_flags);
  if (!times)
    return times.error();
  auto entry = any_fd(call, fd, right::kFdFilestatSetTimes);
  if (!entry)
    return entry.error();
  if ((*entry)->dir) {
    auto done = call.ctx.fs().set_times_at(*(*entry)->dir, ".", Follow::Yes,
                                           times->atime, times->mtime);
    return done ? Errno::Success : from_host_errno(done.error());
  }
  const struct timespec ts[2] = {host_timespec(times->atime),
                                 host_timespec(times->mtime)};
  return from_result(::futimens((*entry)->fd.get(), ts));
}

}  // namespace capbox::wasi::preview1
