// SPDX-License-Identifier: Apache-2.0
// THE broker wire format, shared by the sandboxed child, the supervisor and
// (later) libcapbox-preopen: standard-layout PODs of fixed-width integers
// with static_asserts on every size and offset, so both ends agree byte for
// byte. No std:: types, no pointers, no behaviour; message.h encodes and
// validates. Depends on <cstdint> only.
//
// A request is one SOCK_SEQPACKET datagram:
//   Header | RequestFields | path bytes | path2 bytes
// and a reply is
//   Header | ReplyFields | data bytes   (+ at most one SCM_RIGHTS fd)
// Paths carry explicit lengths and no NUL. Every field an op does not use
// must be zero. Both ends run on one host: integers are native-endian.
#pragma once

#include <cstddef>
#include <cstdint>
#include <type_traits>

namespace capbox::broker {

inline constexpr uint32_t kMagic = 0x31584243;  // "CBX1" in memory
// 2: RequestFields::mode (was reserved), Op::Chmod, kOpenNoHandle.
// 3: Op::Note.
inline constexpr uint16_t kVersion = 3;
// Longest path in a message, in bytes, without a NUL: a path must be
// shorter than PATH_MAX (4096) to be resolvable at all.
inline constexpr uint32_t kMaxPath = 4095;

// Every operation. Requests and their replies carry the same op.
enum class Op : uint16_t {
  Hello = 1,  // first request: both ends check magic and version
  Preopen,    // dir = index; reply: handle, rights, guest name, dir fd
  Open,       // dir, path, flags (kOpen*, kFollow, kMode), mode
  Stat,       // dir, path, flags (kFollow); reply: stat
  Mkdir,      // dir, path, flags (kMode), mode
  Unlink,     // dir, path
  Rmdir,      // dir, path
  Rename,     // dir, path -> dir2, path2
  Link,       // dir, path, flags (kFollow) -> dir2, path2
  Symlink,    // dir, path (the link), path2 (its target, verbatim)
  Readlink,   // dir, path; reply: data = target
  SetTimes,   // dir, path, flags (kFollow), atime, mtime
  Truncate,   // dir, path, size
  CloseDir,   // dir
  Chmod,      // dir, path, flags (kFollow | kMode, which it needs), mode
  // The child's own account, for --audit and --report: never a request to
  // do anything, and the host takes it only when it asked for notes.
  // flags = one kNote* kind; kNoteAllowed/kNoteDenied: path = the guest
  // path, path2 = the WASI function, size = the rights it needed;
  // kNoteUsage: path = the usage text (message.h), path2 = how it ended.
  Note,
};
inline constexpr uint16_t kFirstOp = static_cast<uint16_t>(Op::Hello);
inline constexpr uint16_t kLastOp = static_cast<uint16_t>(Op::Note);

// RequestFields::flags bits.
inline constexpr uint32_t kOpenRead = 1u << 0;
inline constexpr uint32_t kOpenWrite = 1u << 1;
inline constexpr uint32_t kOpenCreate = 1u << 2;
inline constexpr uint32_t kOpenExclusive = 1u << 3;
inline constexpr uint32_t kOpenTruncate = 1u << 4;
inline constexpr uint32_t kOpenDirectory = 1u << 5;
inline constexpr uint32_t kOpenAppend = 1u << 6;
inline constexpr uint32_t kOpenNonblock = 1u << 7;
inline constexpr uint32_t kOpenDsync = 1u << 8;
inline constexpr uint32_t kOpenRsync = 1u << 9;
inline constexpr uint32_t kOpenSync = 1u << 10;
inline constexpr uint32_t kOpenMask = (1u << 11) - 1;
inline constexpr uint32_t kFollow = 1u << 16;  // follow a last symlink
// RequestFields::mode is given: permission bits (at most kModeMask) for a
// file Open creates (with kOpenCreate), for Mkdir, and for Chmod. Without
// it the mode field is zero and the host uses its defaults.
inline constexpr uint32_t kMode = 1u << 17;
inline constexpr uint32_t kModeMask = 0777;
// Open only: the client keeps no handle for a directory it opens (it
// names directories by path, as libcapbox-preload does), so the reply is
// the descriptor alone and the host's handle table does not grow.
inline constexpr uint32_t kOpenNoHandle = 1u << 18;

// Op::Note kinds (RequestFields::flags, exactly one).
inline constexpr uint32_t kNoteAllowed = 1;  // a rights check that passed
inline constexpr uint32_t kNoteDenied = 2;   // one that refused the call
inline constexpr uint32_t kNoteUsage = 3;    // limits used, once, at the end
// The rights a note may name: WASI preview1's 30 rights bits.
inline constexpr uint64_t kNoteRightsMask = (1ull << 30) - 1;
// Longest function name or end reason in a note.
inline constexpr uint32_t kMaxNoteWord = 64;

// TimeField::kind values (wasi::TimeSpec::Kind).
inline constexpr uint32_t kTimeOmit = 0;
inline constexpr uint32_t kTimeNow = 1;
inline constexpr uint32_t kTimeSet = 2;

// ReplyFields::flags bits.
inline constexpr uint32_t kReplyFd = 1u << 0;   // one fd is attached
inline constexpr uint32_t kReplyDir = 1u << 1;  // it is a directory: handle
inline constexpr uint32_t kReplyMask = kReplyFd | kReplyDir;

struct Header {
  uint32_t magic;
  uint16_t version;
  uint16_t op;           // an Op
  uint32_t seq;          // request number from 1; a reply echoes it
  uint32_t payload_len;  // bytes after the header, exactly
};

struct TimeField {
  int64_t sec;
  uint32_t nsec;  // < 1e9 when kind is kTimeSet, else 0
  uint32_t kind;
};

struct RequestFields {
  uint32_t dir;        // a handle the host issued
  uint32_t dir2;       // rename and link: the destination's handle
  uint32_t flags;      // kOpen* and kFollow, as the op allows
  uint32_t path_len;   // bytes of path right after these fields
  uint32_t path2_len;  // bytes of path2 right after path
  uint32_t mode;       // with kMode: permission bits, else zero
  uint64_t size;       // truncate
  TimeField atime;     // set_times
  TimeField mtime;
};

// struct stat in fixed widths.
struct StatFields {
  uint64_t dev;
  uint64_t ino;
  uint64_t nlink;
  uint64_t size;
  uint64_t blocks;
  uint32_t mode;
  uint32_t uid;
  uint32_t gid;
  uint32_t blksize;
  uint64_t rdev;
  int64_t atime_sec;
  int64_t mtime_sec;
  int64_t ctime_sec;
  uint32_t atime_nsec;
  uint32_t mtime_nsec;
  uint32_t ctime_nsec;
  uint32_t reserved;
};

struct ReplyFields {
  int32_t status;     // 0 or -errno (-4095..-1)
  uint32_t handle;    // Open of a directory, Preopen: its new handle
  uint32_t flags;     // kReply*
  uint32_t data_len;  // bytes after these fields: readlink, guest name
  uint64_t rights;    // Preopen: the grant's WASI rights
  StatFields stat;    // Stat
};

inline constexpr size_t kMaxRequest =
    sizeof(Header) + sizeof(RequestFields) + 2 * kMaxPath;
inline constexpr size_t kMaxReply =
    sizeof(Header) + sizeof(ReplyFields) + kMaxPath;
// A buffer this large holds any message of either direction.
inline constexpr size_t kMaxMessage =
    kMaxRequest > kMaxReply ? kMaxRequest : kMaxReply;

static_assert(sizeof(Header) == 16);
static_assert(offsetof(Header, op) == 6 && offsetof(Header, seq) == 8);
static_assert(offsetof(Header, payload_len) == 12);
static_assert(sizeof(TimeField) == 16);
static_assert(sizeof(RequestFields) == 64);
static_assert(offsetof(RequestFields, size) == 24);
static_assert(offsetof(RequestFields, atime) == 32);
static_assert(offsetof(RequestFields, mtime) == 48);
static_assert(sizeof(StatFields) == 104);
static_assert(offsetof(StatFields, atime_sec) == 64);
static_assert(sizeof(ReplyFields) == 128);
static_assert(offsetof(ReplyFields, stat) == 24);
static_assert(kMaxMessage == 8270);
static_assert(std::is_standard_layout_v<Header> &&
              std::is_trivially_copyable_v<Header>);
static_assert(std::is_standard_layout_v<RequestFields> &&
              std::is_trivially_copyable_v<RequestFields>);
static_assert(std::is_standard_layout_v<ReplyFields> &&
              std::is_trivially_copyable_v<ReplyFields>);

}  // namespace capbox::broker
