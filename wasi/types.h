// SPDX-License-Identifier: Apache-2.0
// The wasm32 ABI of wasi_snapshot_preview1 (and where it differs, the older
// wasi_unstable): errno values, rights, flags and the byte layouts of the
// structures the guest exchanges. The reference is Debian wasi-libc's
// /usr/include/wasm32-wasi/wasi/api.h; offsets are spelled out here because
// the host's own struct layout is not the guest's. Depends on nothing.
#pragma once

#include <cstdint>

namespace capbox::wasi {

// Which import module a call came through. They share every function but
// differ in a few constants and layouts (see kUnstable* below).
enum class Abi : uint8_t { Preview1, Unstable };

enum class Errno : uint16_t {
  Success = 0, TooBig, Acces, Addrinuse, Addrnotavail, Afnosupport, Again,
  Already, Badf, Badmsg, Busy, Canceled, Child, Connaborted, Connrefused,
  Connreset, Deadlk, Destaddrreq, Dom, Dquot, Exist, Fault, Fbig,
  Hostunreach, Idrm, Ilseq, Inprogress, Intr, Inval, Io, Isconn, Isdir, Loop,
  Mfile, Mlink, Msgsize, Multihop, Nametoolong, Netdown, Netreset,
  Netunreach, Nfile, Nobufs, Nodev, Noent, Noexec, Nolck, Nolink, Nomem,
  Nomsg, Noprotoopt, Nospc, Nosys, Notconn, Notdir, Notempty,
  Notrecoverable, Notsock, Notsup, Notty, Nxio, Overflow, Ownerdead, Perm,
  Pipe, Proto, Protonosupport, Prototype, Range, Rofs, Spipe, Srch, Stale,
  Timedout, Txtbsy, Xdev, Notcapable,
};
static_assert(static_cast<int>(Errno::Notcapable) == 76);

// Rights are a 64-bit set; only ever narrowed (see Rights::contains).
namespace right {
inline constexpr uint64_t kFdDatasync = 1ull << 0;
inline constexpr uint64_t kFdRead = 1ull << 1;
inline constexpr uint64_t kFdSeek = 1ull << 2;
inline constexpr uint64_t kFdFdstatSetFlags = 1ull << 3;
inline constexpr uint64_t kFdSync = 1ull << 4;
inline constexpr uint64_t kFdTell = 1ull << 5;
inline constexpr uint64_t kFdWrite = 1ull << 6;
inline constexpr uint64_t kFdAdvise = 1ull << 7;
inline constexpr uint64_t kFdAllocate = 1ull << 8;
inline constexpr uint64_t kPathCreateDirectory = 1ull << 9;
inline constexpr uint64_t kPathCreateFile = 1ull << 10;
inline constexpr uint64_t kPathLinkSource = 1ull << 11;
inline constexpr uint64_t kPathLinkTarget = 1ull << 12;
inline constexpr uint64_t kPathOpen = 1ull << 13;
inline constexpr uint64_t kFdReaddir = 1ull << 14;
inline constexpr uint64_t kPathReadlink = 1ull << 15;
inline constexpr uint64_t kPathRenameSource = 1ull << 16;
inline constexpr uint64_t kPathRenameTarget = 1ull << 17;
inline constexpr uint64_t kPathFilestatGet = 1ull << 18;
inline constexpr uint64_t kPathFilestatSetSize = 1ull << 19;
inline constexpr uint64_t kPathFilestatSetTimes = 1ull << 20;
inline constexpr uint64_t kFdFilestatGet = 1ull << 21;
inline constexpr uint64_t kFdFilestatSetSize = 1ull << 22;
inline constexpr uint64_t kFdFilestatSetTimes = 1ull << 23;
inline constexpr uint64_t kPathSymlink = 1ull << 24;
inline constexpr uint64_t kPathRemoveDirectory = 1ull << 25;
inline constexpr uint64_t kPathUnlinkFile = 1ull << 26;
inline constexpr uint64_t kPollFdReadwrite = 1ull << 27;
inline constexpr uint64_t kSockShutdown = 1ull << 28;
inline constexpr uint64_t kSockAccept = 1ull << 29;
inline constexpr uint64_t kAll = (1ull << 30) - 1;
}  // namespace right

struct Rights {
  uint64_t bits = 0;
  constexpr bool contains(uint64_t wanted) const {
    return (bits & wanted) == wanted;
  }
  constexpr bool contains(Rights other) const { return contains(other.bits); }
  constexpr Rights operator&(Rights o) const { return {bits & o.bits}; }
  constexpr Rights operator|(Rights o) const { return {bits | o.bits}; }
  constexpr bool operator==(const Rights&) const = default;
};

enum class Filetype : uint8_t {
  Unknown = 0, BlockDevice, CharacterDevice, Directory, RegularFile,
  SocketDgram, SocketStream, SymbolicLink,
};

enum class ClockId : uint32_t {
  Realtime = 0, Monotonic, ProcessCputime, ThreadCputime,
};

// fd_seek whence: preview1 orders SET, CUR, END; wasi_unstable CUR, END, SET.
inline constexpr uint8_t kWhenceSet = 0, kWhenceCur = 1, kWhenceEnd = 2;
inline constexpr uint8_t kUnstableWhenceCur = 0, kUnstableWhenceEnd = 1,
                         kUnstableWhenceSet = 2;

enum class Advice : uint8_t {
  Normal = 0, Sequential, Random, Willneed, Dontneed, Noreuse,
};

namespace fdflag {
inline constexpr uint16_t kAppend = 1 << 0;
inline constexpr uint16_t kDsync = 1 << 1;
inline constexpr uint16_t kNonblock = 1 << 2;
inline constexpr uint16_t kRsync = 1 << 3;
inline constexpr uint16_t kSync = 1 << 4;
inline constexpr uint16_t kAll = (1 << 5) - 1;
}  // namespace fdflag

namespace fstflag {
inline constexpr uint16_t kAtim = 1 << 0;
inline constexpr uint16_t kAtimNow = 1 << 1;
inline constexpr uint16_t kMtim = 1 << 2;
inline constexpr uint16_t kMtimNow = 1 << 3;
}  // namespace fstflag

inline constexpr uint32_t kLookupSymlinkFollow = 1 << 0;

namespace oflag {
inline constexpr uint16_t kCreat = 1 << 0;
inline constexpr uint16_t kDirectory = 1 << 1;
inline constexpr uint16_t kExcl = 1 << 2;
inline constexpr uint16_t kTrunc = 1 << 3;
}  // namespace oflag

enum class EventType : uint8_t { Clock = 0, FdRead = 1, FdWrite = 2 };
inline constexpr uint16_t kEventFdReadwriteHangup = 1 << 0;
inline constexpr uint16_t kSubclockAbstime = 1 << 0;

inline constexpr uint16_t kRiflagRecvPeek = 1 << 0;
inline constexpr uint16_t kRiflagRecvWaitall = 1 << 1;
inline constexpr uint16_t kRoflagRecvDataTruncated = 1 << 0;
inline constexpr uint8_t kSdflagRd = 1 << 0;
inline constexpr uint8_t kSdflagWr = 1 << 1;

inline constexpr uint8_t kPreopentypeDir = 0;
inline constexpr uint64_t kDircookieStart = 0;

// Guest structure layouts: sizes and field offsets in linear memory.
namespace layout {
// iovec / ciovec: {u32 buf, u32 buf_len}
inline constexpr uint32_t kIovecSize = 8;
// fdstat: filetype u8 @0, flags u16 @2, rights_base u64 @8,
// rights_inheriting u64 @16.
inline constexpr uint32_t kFdstatSize = 24;
// prestat: tag u8 @0, dir name_len u32 @4.
inline constexpr uint32_t kPrestatSize = 8;
// dirent: d_next u64 @0, d_ino u64 @8, d_namlen u32 @16, d_type u8 @20;
// the name follows the 24-byte header. Same in both ABIs.
inline constexpr uint32_t kDirentSize = 24;
// filestat (preview1): dev @0, ino @8, filetype u8 @16, nlink u64 @24,
// size @32, atim @40, mtim @48, ctim @56.
inline constexpr uint32_t kFilestatSize = 64;
// filestat (wasi_unstable): dev @0, ino @8, filetype u8 @16, nlink u32 @20,
// size @24, atim @32, mtim @40, ctim @48.
inline constexpr uint32_t kUnstableFilestatSize = 56;
// subscription (preview1): userdata u64 @0, tag u8 @8, union @16:
//   clock: id u32 @16, timeout u64 @24, precision u64 @32, flags u16 @40
//   fd_read / fd_write: fd u32 @16
inline constexpr uint32_t kSubscriptionSize = 48;
// subscription (wasi_unstable): userdata @0, tag u8 @8, union @16:
//   clock: identifier u64 @16, id u32 @24, timeout u64 @32,
//          precision u64 @40, flags u16 @48
//   fd_read / fd_write: fd u32 @16
inline constexpr uint32_t kUnstableSubscriptionSize = 56;
// event: userdata u64 @0, error u16 @8, type u8 @10,
//   fd_readwrite: nbytes u64 @16, flags u16 @24. Same in both ABIs.
inline constexpr uint32_t kEventSize = 32;
}  // namespace layout

}  // namespace capbox::wasi
