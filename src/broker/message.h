// SPDX-License-Identifier: Apache-2.0
// Encoding and validating protocol.h messages. Decoders trust no byte: a
// message is accepted only if its header, lengths, op, flags, unused
// fields and paths are all exactly as protocol.h says; otherwise the error
// is a static string naming what was wrong (the supervisor's reason for
// ending the child). Exception-free, no allocation. Depends on protocol.h.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "base/result.h"
#include "broker/protocol.h"

namespace capbox::broker {

// A request, its paths viewing the buffer it was decoded from.
struct Request {
  Op op = Op::Hello;
  uint32_t seq = 0;
  RequestFields fields{};
  std::string_view path;
  std::string_view path2;
};

// A reply, its data viewing the buffer it was decoded from.
struct Reply {
  Op op = Op::Hello;
  uint32_t seq = 0;
  ReplyFields fields{};
  std::string_view data;
};

// What a kNoteUsage note says: the child's own count of what it used.
// As text (the note's path): "memory_peak=N fuel_used=N output_used=N
// file_output_used=N open_files_peak=N", then " exit_code=N" when the
// guest exited; keys in this order, decimal without leading zeros.
struct NoteUsage {
  uint64_t memory_peak = 0;  // bytes of linear memory
  uint64_t fuel_used = 0;
  uint64_t output_used = 0;  // bytes to stdout and stderr
  uint64_t file_output_used = 0;
  uint64_t open_files_peak = 0;
  bool exited = false;
  uint32_t exit_code = 0;  // proc_exit's value, when `exited`
};

// The usage text into `out`: its size, or ENOBUFS.
Result<size_t, int> format_note_usage(const NoteUsage& usage,
                                      std::span<char> out);
Result<NoteUsage, const char*> parse_note_usage(std::string_view text);

// The op's name for messages ("open", "rename"), or "unknown".
const char* op_name(Op op);

// Writes `request` (its path lengths taken from the views) into `out` and
// returns the message's size. EINVAL if the request would not decode
// (a field the op does not take, a NUL in a path), ENAMETOOLONG if a path
// is longer than kMaxPath, ENOBUFS if `out` is too small.
Result<size_t, int> encode_request(const Request& request,
                                   std::span<uint8_t> out);
Result<Request, const char*> decode_request(std::span<const uint8_t> in);

// As encode_request, for replies: the data length comes from the view.
Result<size_t, int> encode_reply(const Reply& reply, std::span<uint8_t> out);
Result<Reply, const char*> decode_reply(std::span<const uint8_t> in);

}  // namespace capbox::broker
