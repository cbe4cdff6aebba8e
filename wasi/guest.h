// SPDX-License-Identifier: Apache-2.0
// Guest: every pointer and length a guest passes goes through here before
// the host touches memory. Each check is done in 64 bits, so ptr + len
// cannot wrap; a bad one is Errno::Fault, as the ABI specifies, never a
// host crash. Depends on engine/host_api.h only.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "base/result.h"
#include "engine/host_api.h"
#include "wasi/types.h"

namespace capbox::wasi {

class Guest {
 public:
  explicit Guest(engine::GuestMemory memory) : memory_(memory) {}

  const engine::GuestMemory& memory() const { return memory_; }

  Result<std::span<uint8_t>, Errno> bytes(uint32_t ptr, uint32_t len) const {
    auto span = memory_.bytes(ptr, len);
    if (!span)
      return Unexpected(Errno::Fault);
    return *span;
  }
  template <typename T>
  Result<T, Errno> load(uint32_t ptr) const {
    auto value = memory_.load<T>(ptr);
    if (!value)
      return Unexpected(Errno::Fault);
    return *value;
  }
  template <typename T>
  [[nodiscard]] bool store(uint32_t ptr, const T& value) const {
    return memory_.store<T>(ptr, value);
  }

  // The buffers of an iovec/ciovec array of `count` entries at `iovs`,
  // each checked. The total length is capped at UINT32_MAX by the ABI's
  // size type; callers return at most that many bytes.
  Result<std::vector<std::span<uint8_t>>, Errno> iovecs(uint32_t iovs,
                                                        uint32_t count) const {
    if (!memory_.contains(iovs, uint64_t{count} * layout::kIovecSize))
      return Unexpected(Errno::Fault);
    std::vector<std::span<uint8_t>> out;
    out.reserve(count);
    for (uint32_t i = 0; i < count; ++i) {
      const uint32_t at = iovs + i * layout::kIovecSize;
      const uint32_t buf = *memory_.load<uint32_t>(at);
      const uint32_t len = *memory_.load<uint32_t>(at + 4);
      auto span = memory_.bytes(buf, len);
      if (!span)
        return Unexpected(Errno::Fault);
      out.push_back(*span);
    }
    return out;
  }

  // A path argument: the bytes at ptr..ptr+len, which must not contain
  // NUL (Errno::Inval; the host would silently truncate at it).
  Result<std::string, Errno> path(uint32_t ptr, uint32_t len) const {
    auto span = memory_.bytes(ptr, len);
    if (!span)
      return Unexpected(Errno::Fault);
    std::string out(span->begin(), span->end());
    if (out.find('\0') != std::string::npos)
      return Unexpected(Errno::Inval);
    return out;
  }

 private:
  engine::GuestMemory memory_;
};

}  // namespace capbox::wasi
