// SPDX-License-Identifier: Apache-2.0
// protocol.h messages to and from bytes. One table says what each op
// takes; the decoders check every field against it, and the encoders run
// the decoder over what they wrote, so nothing is sent that the other end
// would refuse. Depends on protocol.h and libc.
#include "broker/message.h"

#include <cerrno>
#include <cstring>

namespace capbox::broker {
namespace {

struct OpShape {
  const char* name;
  uint8_t paths;   // 0, 1 or 2
  bool dir;        // uses RequestFields::dir
  bool dir2;       // uses RequestFields::dir2
  uint32_t flags;  // the flag bits it may carry
  bool size;       // uses RequestFields::size
  bool times;      // uses atime and mtime
};

constexpr uint32_t kOpenFlags = kOpenMask | kFollow | kMode | kOpenNoHandle;

// Indexed by op - kFirstOp; rows in Op order.
constexpr OpShape kShapes[] = {
    {"hello", 0, false, false, 0, false, false},
    {"preopen", 0, true, false, 0, false, false},
    {"open", 1, true, false, kOpenFlags, false, false},
    {"stat", 1, true, false, kFollow, false, false},
    {"mkdir", 1, true, false, kMode, false, false},
    {"unlink", 1, true, false, 0, false, false},
    {"rmdir", 1, true, false, 0, false, false},
    {"rename", 2, true, true, 0, false, false},
    {"link", 2, true, true, kFollow, false, false},
    {"symlink", 2, true, false, 0, false, false},
    {"readlink", 1, true, false, 0, false, false},
    {"set_times", 1, true, false, kFollow, false, true},
    {"truncate", 1, true, false, 0, true, false},
    {"close_dir", 0, true, false, 0, false, false},
    {"chmod", 1, true, false, kFollow | kMode, false, false},
    {"note", 2, false, false, kNoteUsage, true, false},
};
static_assert(std::size(kShapes) == kLastOp - kFirstOp + 1);

bool valid_op(uint16_t op) {
  return op >= kFirstOp && op <= kLastOp;
}

const OpShape& shape(Op op) {
  return kShapes[static_cast<uint16_t>(op) - kFirstOp];
}

template <typename T>
bool all_zero(const T& value) {
  const T zero{};
  return std::memcmp(&value, &zero, sizeof(T)) == 0;
}

bool has_nul(std::string_view s) {
  return s.find('\0') != std::string_view::npos;
}

// The header's checks, common to both directions; `body` is the size of
// the fixed fields that must follow it.
const char* check_header(std::span<const uint8_t> in,
                         size_t body,
                         Header& header) {
  if (in.size() < sizeof(Header))
    return "truncated header";
  std::memcpy(&header, in.data(), sizeof(Header));
  if (header.magic != kMagic)
    return "bad magic";
  if (header.version != kVersion)
    return "unsupported protocol version";
  if (!valid_op(header.op))
    return "unknown op";
  if (header.payload_len != in.size() - sizeof(Header))
    return "payload length does not match the message";
  if (header.payload_len < body)
    return "truncated fields";
  return nullptr;
}

const char* check_time(const TimeField& t) {
  if (t.kind > kTimeSet)
    return "unknown time kind";
  if (t.kind != kTimeSet && (t.sec != 0 || t.nsec != 0))
    return "time value without kTimeSet";
  if (t.nsec >= 1000000000u)
    return "nanoseconds out of range";
  return nullptr;
}

// The mode: only permission bits, only with kMode, which an open needs
// kOpenCreate for and a chmod cannot go without.
const char* check_mode(Op op, const RequestFields& f) {
  bool given = (f.flags & kMode) != 0;
  if (!given)
    return f.mode != 0 ? "mode without kMode"
                       : (op == Op::Chmod ? "chmod without a mode" : nullptr);
  if ((f.mode & ~kModeMask) != 0)
    return "mode bits outside 0777";
  if (op == Op::Open && (f.flags & kOpenCreate) == 0)
    return "mode on an open that does not create";
  return nullptr;
}

// A note's word (a WASI function name, an end reason such as
// "trap:out_of_fuel" or "signal:SIGSEGV"): 1 to kMaxNoteWord bytes of
// [A-Za-z0-9_:], so it is safe in any log line.
bool note_word(std::string_view word) {
  if (word.empty() || word.size() > kMaxNoteWord)
    return false;
  for (char c : word) {
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
          (c >= '0' && c <= '9') || c == '_' || c == ':'))
      return false;
  }
  return true;
}

// A note's kind, rights and words; its paths are checked once decoded.
const char* check_note(const Request& r) {
  const RequestFields& f = r.fields;
  if (f.flags != kNoteAllowed && f.flags != kNoteDenied &&
      f.flags != kNoteUsage)
    return "unknown note kind";
  if (!note_word(r.path2))
    return "note word empty, too long or not [A-Za-z0-9_:]";
  if (f.flags == kNoteUsage) {
    if (f.size != 0)
      return "rights on a usage note";
    return parse_note_usage(r.path) ? nullptr : "malformed usage note";
  }
  if (f.size == 0 || (f.size & ~kNoteRightsMask) != 0)
    return "note rights empty or outside WASI's";
  if (r.path.empty())
    return "note without a guest path";
  return nullptr;
}

const char* check_request(Op op, const OpShape& s, const RequestFields& f) {
  if ((s.paths < 1 && f.path_len != 0) || (s.paths < 2 && f.path2_len != 0))
    return "path the op does not take";
  if ((!s.dir && f.dir != 0) || (!s.dir2 && f.dir2 != 0))
    return "handle the op does not take";
  if ((f.flags & ~s.flags) != 0)
    return "flags outside the op's mask";
  if (const char* why = check_mode(op, f))
    return why;
  if (!s.size && f.size != 0)
    return "size the op does not take";
  if (!s.times)
    return all_zero(f.atime) && all_zero(f.mtime)
               ? nullptr
               : "times the op does not take";
  if (const char* why = check_time(f.atime))
    return why;
  return check_time(f.mtime);
}

}  // namespace

namespace {

constexpr const char* kUsageKeys[] = {"memory_peak",     "fuel_used",
                                      "output_used",     "file_output_used",
                                      "open_files_peak", "exit_code"};

// Decimal digits without a leading zero, at most `max`.
bool parse_decimal(std::string_view text, uint64_t max, uint64_t& value) {
  if (text.empty() || text.size() > 20 || (text[0] == '0' && text.size() > 1))
    return false;
  value = 0;
  for (char c : text) {
    if (c < '0' || c > '9')
      return false;
    const uint64_t digit = static_cast<uint64_t>(c - '0');
    if (value > (max - digit) / 10)
      return false;
    value = value * 10 + digit;
  }
  return true;
}

}  // namespace

Result<size_t, int> format_note_usage(const NoteUsage& usage,
                                      std::span<char> out) {
  const uint64_t values[] = {usage.memory_peak,     usage.fuel_used,
                             usage.output_used,     usage.file_output_used,
                             usage.open_files_peak, usage.exit_code};
  const size_t count = usage.exited ? 6 : 5;
  size_t size = 0;
  for (size_t i = 0; i < count; ++i) {
    char digits[24];
    size_t n = 0;
    uint64_t v = values[i];
    do {
      digits[n++] = static_cast<char>('0' + v % 10);
      v /= 10;
    } while (v != 0);
    const size_t key = std::strlen(kUsageKeys[i]);
    if (size + (i ? 1 : 0) + key + 1 + n > out.size())
      return Unexpected(ENOBUFS);
    if (i != 0)
      out[size++] = ' ';
    std::memcpy(out.data() + size, kUsageKeys[i], key);
    size += key;
    out[size++] = '=';
    while (n > 0)
      out[size++] = digits[--n];
  }
  return size;
}

Result<NoteUsage, const char*> parse_note_usage(std::string_view text) {
  NoteUsage usage;
  uint64_t* fields[] = {&usage.memory_peak, &usage.fuel_used,
                        &usage.output_used, &usage.file_output_used,
                        &usage.open_files_peak};
  for (size_t i = 0; i < 6 && !(i == 5 && text.empty()); ++i) {
    if (i != 0) {
      if (!text.starts_with(' '))
        return Unexpected("usage note: fields not separated by one space");
      text.remove_prefix(1);
    }
    const std::string_view key = kUsageKeys[i];
    if (!text.starts_with(key) || text.size() == key.size() ||
        text[key.size()] != '=')
      return Unexpected("usage note: a key missing or out of order");
    text.remove_prefix(key.size() + 1);
    const std::string_view digits = text.substr(0, text.find(' '));
    uint64_t value = 0;
    if (!parse_decimal(digits, i == 5 ? UINT32_MAX : UINT64_MAX, value))
      return Unexpected("usage note: not a decimal number in range");
    text.remove_prefix(digits.size());
    if (i == 5) {
      usage.exited = true;
      usage.exit_code = static_cast<uint32_t>(value);
    } else {
      *fields[i] = value;
    }
  }
  if (!text.empty())
    return Unexpected("usage note: text after the last field");
  return usage;
}

const char* op_name(Op op) {
  uint16_t value = static_cast<uint16_t>(op);
  return valid_op(value) ? shape(op).name : "unknown";
}

Result<Request, const char*> decode_request(std::span<const uint8_t> in) {
  Header header{};
  if (const char* why = check_header(in, sizeof(RequestFields), header))
    return Unexpected(why);
  Request request;
  request.op = static_cast<Op>(header.op);
  request.seq = header.seq;
  RequestFields& f = request.fields;
  std::memcpy(&f, in.data() + sizeof(Header), sizeof(f));
  if (f.path_len > kMaxPath || f.path2_len > kMaxPath)
    return Unexpected("path longer than kMaxPath");
  uint64_t expected =
      uint64_t{sizeof(RequestFields)} + f.path_len + f.path2_len;
  if (header.payload_len != expected)
    return Unexpected("path lengths do not match the message");
  if (const char* why = check_request(request.op, shape(request.op), f))
    return Unexpected(why);
  const char* paths =
      reinterpret_cast<const char*>(in.data()) + sizeof(Header) + sizeof(f);
  request.path = std::string_view(paths, f.path_len);
  request.path2 = std::string_view(paths + f.path_len, f.path2_len);
  if (has_nul(request.path) || has_nul(request.path2))
    return Unexpected("NUL byte in a path");
  if (request.op == Op::Note)
    if (const char* why = check_note(request))
      return Unexpected(why);
  return request;
}

Result<Reply, const char*> decode_reply(std::span<const uint8_t> in) {
  Header header{};
  if (const char* why = check_header(in, sizeof(ReplyFields), header))
    return Unexpected(why);
  Reply reply;
  reply.op = static_cast<Op>(header.op);
  reply.seq = header.seq;
  ReplyFields& f = reply.fields;
  std::memcpy(&f, in.data() + sizeof(Header), sizeof(f));
  if (f.data_len > kMaxPath ||
      header.payload_len != uint64_t{sizeof(ReplyFields)} + f.data_len)
    return Unexpected("data length does not match the message");
  if (f.status > 0 || f.status < -4095)
    return Unexpected("status is neither 0 nor -errno");
  if ((f.flags & ~kReplyMask) != 0)
    return Unexpected("unknown reply flags");
  if (((f.flags & kReplyDir) != 0) != (f.handle != 0) ||
      ((f.flags & kReplyDir) != 0 && (f.flags & kReplyFd) == 0))
    return Unexpected("handle without a directory descriptor");
  if (f.status < 0 && (f.flags != 0 || f.data_len != 0))
    return Unexpected("failed reply carries results");
  if ((reply.op != Op::Preopen && f.rights != 0) ||
      (reply.op != Op::Stat && !all_zero(f.stat)) || f.stat.reserved != 0)
    return Unexpected("result the op does not give");
  reply.data = std::string_view(
      reinterpret_cast<const char*>(in.data()) + sizeof(Header) + sizeof(f),
      f.data_len);
  if (has_nul(reply.data))
    return Unexpected("NUL byte in reply data");
  return reply;
}

Result<size_t, int> encode_request(const Request& request,
                                   std::span<uint8_t> out) {
  if (request.path.size() > kMaxPath || request.path2.size() > kMaxPath)
    return Unexpected(ENAMETOOLONG);
  size_t size = sizeof(Header) + sizeof(RequestFields) + request.path.size() +
                request.path2.size();
  if (out.size() < size)
    return Unexpected(ENOBUFS);
  Header header{kMagic, kVersion, static_cast<uint16_t>(request.op),
                request.seq, static_cast<uint32_t>(size - sizeof(Header))};
  RequestFields f = request.fields;
  f.path_len = static_cast<uint32_t>(request.path.size());
  f.path2_len = static_cast<uint32_t>(request.path2.size());
  uint8_t* p = out.data();
  std::memcpy(p, &header, sizeof(header));
  std::memcpy(p + sizeof(header), &f, sizeof(f));
  p += sizeof(header) + sizeof(f);
  if (!request.path.empty())
    std::memcpy(p, request.path.data(), request.path.size());
  if (!request.path2.empty())
    std::memcpy(p + request.path.size(), request.path2.data(),
                request.path2.size());
  if (!decode_request(out.first(size)))
    return Unexpected(EINVAL);
  return size;
}

Result<size_t, int> encode_reply(const Reply& reply, std::span<uint8_t> out) {
  if (reply.data.size() > kMaxPath)
    return Unexpected(ENAMETOOLONG);
  size_t size = sizeof(Header) + sizeof(ReplyFields) + reply.data.size();
  if (out.size() < size)
    return Unexpected(ENOBUFS);
  Header header{kMagic, kVersion, static_cast<uint16_t>(reply.op), reply.seq,
                static_cast<uint32_t>(size - sizeof(Header))};
  ReplyFields f = reply.fields;
  f.data_len = static_cast<uint32_t>(reply.data.size());
  uint8_t* p = out.data();
  std::memcpy(p, &header, sizeof(header));
  std::memcpy(p + sizeof(header), &f, sizeof(f));
  if (!reply.data.empty())
    std::memcpy(p + sizeof(header) + sizeof(f), reply.data.data(),
                reply.data.size());
  if (!decode_reply(out.first(size)))
    return Unexpected(EINVAL);
  return size;
}

}  // namespace capbox::broker
