// SPDX-License-Identifier: Apache-2.0
// The decoders of --trace: flag words by their WASI names (oflags
// CREAT|TRUNC, lookupflags SYMLINK_FOLLOW, ...), rights by the policy's
// words, errno names, and the structures the guest gets back. Pure text
// from values and guest memory; no I/O. Depends on wasi/.
#include <cstdio>

#include "wasi/grant_rights.h"
#include "wasi/trace.h"

namespace capbox::wasi::trace_detail {
namespace {

struct Flag {
  uint64_t bit;
  const char* name;
};

// "CREAT|TRUNC", "0" when none, unknown bits as hex.
template <size_t N>
std::string flags(uint64_t value, const Flag (&names)[N]) {
  if (value == 0)
    return "0";
  std::string out;
  for (const Flag& flag : names) {
    if ((value & flag.bit) != 0) {
      out += (out.empty() ? "" : "|") + std::string(flag.name);
      value &= ~flag.bit;
    }
  }
  if (value != 0) {
    char hex[24];
    std::snprintf(hex, sizeof hex, "0x%llx",
                  static_cast<unsigned long long>(value));
    out += (out.empty() ? "" : "|") + std::string(hex);
  }
  return out;
}

constexpr Flag kOflags[] = {{oflag::kCreat, "CREAT"},
                            {oflag::kDirectory, "DIRECTORY"},
                            {oflag::kExcl, "EXCL"},
                            {oflag::kTrunc, "TRUNC"}};
constexpr Flag kFdflags[] = {{fdflag::kAppend, "APPEND"},
                             {fdflag::kDsync, "DSYNC"},
                             {fdflag::kNonblock, "NONBLOCK"},
                             {fdflag::kRsync, "RSYNC"},
                             {fdflag::kSync, "SYNC"}};
constexpr Flag kLookup[] = {{kLookupSymlinkFollow, "SYMLINK_FOLLOW"}};
constexpr Flag kFst[] = {{fstflag::kAtim, "ATIM"},
                         {fstflag::kAtimNow, "ATIM_NOW"},
                         {fstflag::kMtim, "MTIM"},
                         {fstflag::kMtimNow, "MTIM_NOW"}};
constexpr Flag kSdflags[] = {{kSdflagRd, "RD"}, {kSdflagWr, "WR"}};
constexpr Flag kRiflags[] = {{kRiflagRecvPeek, "RECV_PEEK"},
                             {kRiflagRecvWaitall, "RECV_WAITALL"}};

// Each grant word by the rights only it has, so that a request for
// FD_WRITE reads "write" even without all of the word's other rights.
constexpr Flag kRightWords[] = {
    {right::kFdRead | right::kFdReaddir, "read"},
    {right::kFdWrite, "write"},
    {right::kPathCreateFile | right::kPathCreateDirectory, "create"},
    {kGrantDelete, "delete"},
    {kGrantRename, "rename"},
    {kGrantMetadata, "metadata"}};

std::string rights(uint64_t bits) {
  if ((bits & right::kAll) == right::kAll)
    return "all";
  if (bits == 0)
    return "0";
  std::string out;
  for (const Flag& word : kRightWords) {
    if ((bits & word.bit) != 0)
      out += (out.empty() ? "" : ",") + std::string(word.name);
  }
  return out.empty() ? "other" : out;
}

std::string named(uint64_t value, std::initializer_list<const char*> names) {
  if (value < names.size())
    return names.begin()[value];
  return std::to_string(value);
}

constexpr std::string_view kErrnoNames[] = {"SUCCESS",
                                            "2BIG",
                                            "ACCES",
                                            "ADDRINUSE",
                                            "ADDRNOTAVAIL",
                                            "AFNOSUPPORT",
                                            "AGAIN",
                                            "ALREADY",
                                            "BADF",
                                            "BADMSG",
                                            "BUSY",
                                            "CANCELED",
                                            "CHILD",
                                            "CONNABORTED",
                                            "CONNREFUSED",
                                            "CONNRESET",
                                            "DEADLK",
                                            "DESTADDRREQ",
                                            "DOM",
                                            "DQUOT",
                                            "EXIST",
                                            "FAULT",
                                            "FBIG",
                                            "HOSTUNREACH",
                                            "IDRM",
                                            "ILSEQ",
                                            "INPROGRESS",
                                            "INTR",
                                            "INVAL",
                                            "IO",
                                            "ISCONN",
                                            "ISDIR",
                                            "LOOP",
                                            "MFILE",
                                            "MLINK",
                                            "MSGSIZE",
                                            "MULTIHOP",
                                            "NAMETOOLONG",
                                            "NETDOWN",
                                            "NETRESET",
                                            "NETUNREACH",
                                            "NFILE",
                                            "NOBUFS",
                                            "NODEV",
                                            "NOENT",
                                            "NOEXEC",
                                            "NOLCK",
                                            "NOLINK",
                                            "NOMEM",
                                            "NOMSG",
                                            "NOPROTOOPT",
                                            "NOSPC",
                                            "NOSYS",
                                            "NOTCONN",
                                            "NOTDIR",
                                            "NOTEMPTY",
                                            "NOTRECOVERABLE",
                                            "NOTSOCK",
                                            "NOTSUP",
                                            "NOTTY",
                                            "NXIO",
                                            "OVERFLOW",
                                            "OWNERDEAD",
                                            "PERM",
                                            "PIPE",
                                            "PROTO",
                                            "PROTONOSUPPORT",
                                            "PROTOTYPE",
                                            "RANGE",
                                            "ROFS",
                                            "SPIPE",
                                            "SRCH",
                                            "STALE",
                                            "TIMEDOUT",
                                            "TXTBSY",
                                            "XDEV",
                                            "NOTCAPABLE"};
static_assert(std::size(kErrnoNames) == 77);

constexpr const char* kClockNames[] = {
    "REALTIME", "MONOTONIC", "PROCESS_CPUTIME_ID", "THREAD_CPUTIME_ID"};

std::string filetype(uint8_t type) {
  return named(
      type, {"UNKNOWN", "BLOCK_DEVICE", "CHARACTER_DEVICE", "DIRECTORY",
             "REGULAR_FILE", "SOCKET_DGRAM", "SOCKET_STREAM", "SYMBOLIC_LINK"});
}

}  // namespace

std::string_view errno_name(Errno e) {
  const auto i = static_cast<size_t>(e);
  return i < std::size(kErrnoNames) ? kErrnoNames[i] : "?";
}

std::string scalar(TraceKind kind, uint64_t value, Abi abi) {
  switch (kind) {
    case TraceKind::I64:
      return std::to_string(static_cast<int64_t>(value));
    case TraceKind::Lookup:
      return flags(value, kLookup);
    case TraceKind::Oflags:
      return "oflags=" + flags(value, kOflags);
    case TraceKind::Fdflags:
      return "fdflags=" + flags(value, kFdflags);
    case TraceKind::Rights:
      return "rights=" + rights(value);
    case TraceKind::Inherit:
      return "inheriting=" + rights(value);
    case TraceKind::Whence:
      return abi == Abi::Unstable ? named(value, {"CUR", "END", "SET"})
                                  : named(value, {"SET", "CUR", "END"});
    case TraceKind::Clock:
      return named(value, {kClockNames[0], kClockNames[1], kClockNames[2],
                           kClockNames[3]});
    case TraceKind::Advice:
      return named(value, {"NORMAL", "SEQUENTIAL", "RANDOM", "WILLNEED",
                           "DONTNEED", "NOREUSE"});
    case TraceKind::Fst:
      return flags(value, kFst);
    case TraceKind::Signal:
      return "signal " + std::to_string(value);
    case TraceKind::Sdflags:
      return flags(value, kSdflags);
    case TraceKind::Riflags:
      return flags(value, kRiflags);
    default:
      return std::to_string(value);
  }
}

std::string quote_trace_text(std::string_view text,
                             uint64_t total,
                             size_t limit) {
  std::string out = "\"";
  for (unsigned char c : text.substr(0, limit)) {
    static constexpr char kHex[] = "0123456789abcdef";
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c < 0x20 || c >= 0x7f) {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
  out += '"';
  if (total > limit)
    out += "...";
  return out;
}

std::string quoted_bytes(const Guest& mem,
                         uint32_t ptr,
                         uint32_t len,
                         size_t limit) {
  auto span = mem.bytes(ptr, len);
  if (!span)
    return "...";
  return quote_trace_text(
      std::string_view(reinterpret_cast<const char*>(span->data()),
                       span->size()),
      span->size(), limit);
}

std::string subscriptions(const Guest& mem, Abi abi, uint32_t in, uint32_t n) {
  const bool unstable = abi == Abi::Unstable;
  const uint32_t size =
      unstable ? layout::kUnstableSubscriptionSize : layout::kSubscriptionSize;
  std::string out = "[";
  for (uint32_t i = 0; i < n && i < 8; ++i) {
    const uint32_t at = in + i * size;
    auto tag = mem.load<uint8_t>(at + 8);
    if (!tag)
      return out + "...]";
    out += i == 0 ? "" : ", ";
    if (*tag == static_cast<uint8_t>(EventType::Clock)) {
      auto id = mem.load<uint32_t>(at + (unstable ? 24 : 16));
      auto timeout = mem.load<uint64_t>(at + (unstable ? 32 : 24));
      auto flags16 = mem.load<uint16_t>(at + (unstable ? 48 : 40));
      out += "clock(" + (id ? scalar(TraceKind::Clock, *id, abi) : "?") + ", " +
             (timeout ? std::to_string(*timeout) : "?") +
             (flags16 && (*flags16 & kSubclockAbstime) ? ", ABSTIME" : "") +
             ")";
    } else {
      auto fd = mem.load<uint32_t>(at + 16);
      out += std::string(*tag == 1 ? "fd_read(" : "fd_write(") +
             (fd ? std::to_string(*fd) : "?") + ")";
    }
  }
  return out + (n > 8 ? ", ...]" : "]");
}

std::string fdstat(const Guest& mem, uint32_t ptr) {
  auto type = mem.load<uint8_t>(ptr);
  auto fl = mem.load<uint16_t>(ptr + 2);
  auto base = mem.load<uint64_t>(ptr + 8);
  if (!type || !fl || !base)
    return "";
  return filetype(*type) + ", " +
         scalar(TraceKind::Fdflags, *fl, Abi::Preview1) + ", " +
         scalar(TraceKind::Rights, *base, Abi::Preview1);
}

std::string filestat(const Guest& mem, Abi abi, uint32_t ptr) {
  auto type = mem.load<uint8_t>(ptr + 16);
  auto size = mem.load<uint64_t>(ptr + (abi == Abi::Unstable ? 24 : 32));
  if (!type || !size)
    return "";
  return filetype(*type) + ", size " + std::to_string(*size);
}

std::string prestat(const Guest& mem, uint32_t ptr) {
  auto len = mem.load<uint32_t>(ptr + 4);
  return len ? "dir, name_len " + std::to_string(*len) : "";
}

}  // namespace capbox::wasi::trace_detail
