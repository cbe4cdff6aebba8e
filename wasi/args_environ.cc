// SPDX-License-Identifier: Apache-2.0
// args_* and environ_*: the guest's argv and environment, laid out as C
// expects (an array of pointers into one buffer of NUL-terminated strings).
#include <cstring>

#include "wasi/preview1.h"

namespace capbox::wasi::preview1 {
namespace {

Ret sizes(Call& call, const std::vector<std::string>& strings, u32 count_out,
          u32 size_out) {
  uint64_t total = 0;
  for (const std::string& s : strings)
    total += s.size() + 1;
  if (total > UINT32_MAX)
    return Errno::Overflow;
  if (!call.mem.store<uint32_t>(count_out,
                                static_cast<uint32_t>(strings.size())) ||
      !call.mem.store<uint32_t>(size_out, static_cast<uint32_t>(total)))
    return Errno::Fault;
  return Errno::Success;
}

// Checks both regions whole before writing anything, so a bad pointer
// leaves guest memory untouched.
Ret fill(Call& call, const std::vector<std::string>& strings, u32 pointers,
         u32 buffer) {
  uint64_t total = 0;
  for (const std::string& s : strings)
    total += s.size() + 1;
  if (!call.mem.memory().contains(pointers, uint64_t{4} * strings.size()) ||
      !call.mem.memory().contains(buffer, total))
    return Errno::Fault;
  uint32_t at = buffer;
  for (size_t i = 0; i < strings.size(); ++i) {
    (void)call.mem.store<uint32_t>(pointers + 4 * static_cast<uint32_t>(i), at);
    auto bytes = call.mem.bytes(at, static_cast<uint32_t>(strings[i].size() + 1));
    std::memcpy(bytes->data(), strings[i].c_str(), strings[i].size() + 1);
    at += static_cast<uint32_t>(strings[i].size() + 1);
  }
  return Errno::Success;
}

}  // namespace

Ret args_get(Call& call, u32 argv, u32 argv_buf) {
  return fill(call, call.ctx.args(), argv, argv_buf);
}
Ret args_sizes_get(Call& call, u32 argc_out, u32 buf_size_out) {
  return sizes(call, call.ctx.args(), argc_out, buf_size_out);
}
Ret environ_get(Call& call, u32 environ, u32 environ_buf) {
  return fill(call, call.ctx.env(), environ, environ_buf);
}
Ret environ_sizes_get(Call& call, u32 count_out, u32 buf_size_out) {
  return sizes(call, call.ctx.env(), count_out, buf_size_out);
}

}  // namespace capbox::wasi::preview1
