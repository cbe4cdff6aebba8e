// SPDX-License-Identifier: Apache-2.0
// A bounds-checked cursor over a byte span: LEB128 and fixed-width reads
// with the spec's error wording. Errors are sticky: after the first one,
// reads return zero and ok() is false; error() and error_offset() say what
// and where. Used by the decoder and the validator; never reads past end.
#pragma once

#include <cstdint>
#include <cstring>
#include <span>
#include <string>

namespace capbox::engine {

class Reader {
 public:
  // `base_offset` is the offset of bytes[0] in the module, for messages.
  explicit Reader(std::span<const uint8_t> bytes, uint32_t base_offset = 0)
      : bytes_(bytes), base_(base_offset) {}

  bool ok() const { return error_ == nullptr; }
  bool at_end() const { return pos_ >= bytes_.size(); }
  size_t remaining() const { return ok() ? bytes_.size() - pos_ : 0; }
  // Offset in the module of the next byte to read.
  uint32_t offset() const { return base_ + static_cast<uint32_t>(pos_); }
  const char* error() const { return error_; }
  uint32_t error_offset() const { return error_offset_; }

  // Records an error at the current offset (the first error wins).
  void fail(const char* message) { fail_at(offset(), message); }
  void fail_at(uint32_t at, const char* message) {
    if (error_ == nullptr) {
      error_ = message;
      error_offset_ = at;
    }
    pos_ = bytes_.size();
  }

  uint8_t u8() {
    if (!ok() || pos_ >= bytes_.size()) {
      fail("unexpected end");
      return 0;
    }
    return bytes_[pos_++];
  }
  uint8_t peek() const { return pos_ < bytes_.size() ? bytes_[pos_] : 0; }

  uint32_t u32() { return static_cast<uint32_t>(unsigned_leb(32)); }
  uint64_t u64() { return unsigned_leb(64); }
  int32_t s32() { return static_cast<int32_t>(signed_leb(32)); }
  int64_t s33() { return signed_leb(33); }
  int64_t s64() { return signed_leb(64); }

  uint32_t f32_bits() {
    uint32_t v = 0;
    fixed(&v, 4);
    return v;
  }
  uint64_t f64_bits() {
    uint64_t v = 0;
    fixed(&v, 8);
    return v;
  }
  // Copies `n` raw bytes (e.g. a v128 immediate) into `out`.
  void raw(void* out, size_t n) { fixed(out, n); }

  // A span of the next n bytes, or an empty span (and an error) if fewer
  // remain.
  std::span<const uint8_t> take(size_t n) {
    if (!ok() || n > bytes_.size() - pos_) {
      fail("unexpected end");
      return {};
    }
    auto s = bytes_.subspan(pos_, n);
    pos_ += n;
    return s;
  }
  void skip(size_t n) { take(n); }

 private:
  void fixed(void* out, size_t n) {
    auto s = take(n);
    if (!s.empty()) std::memcpy(out, s.data(), n);
  }

  // LEB128 as the spec's binary grammar: at most ceil(bits/7) bytes, and the
  // unused bits of the last byte must be zero (unsigned) or a sign
  // extension (signed).
  uint64_t unsigned_leb(unsigned bits) {
    uint64_t result = 0;
    for (unsigned shift = 0;; shift += 7) {
      uint8_t byte = u8();
      if (!ok()) return 0;
      unsigned remaining_bits = bits - shift;
      if (remaining_bits < 7) {
        if (byte & 0x80) return too_long();
        if (byte >> remaining_bits) return too_large();
      }
      result |= uint64_t{byte & 0x7fu} << shift;
      if (!(byte & 0x80)) return result;
      if (remaining_bits <= 7) return too_long();
    }
  }
  int64_t signed_leb(unsigned bits) {
    uint64_t result = 0;
    for (unsigned shift = 0;; shift += 7) {
      uint8_t byte = u8();
      if (!ok()) return 0;
      unsigned remaining_bits = bits - shift;
      if (remaining_bits < 7) {
        if (byte & 0x80) return static_cast<int64_t>(too_long());
        // Bits from remaining_bits-1 upward must all equal the sign bit.
        uint8_t sign_and_unused = static_cast<uint8_t>(
            (byte & 0x7f) >> (remaining_bits - 1));
        uint8_t all_ones = static_cast<uint8_t>(0x7f >> (remaining_bits - 1));
        if (sign_and_unused != 0 && sign_and_unused != all_ones)
          return static_cast<int64_t>(too_large());
      }
      result |= uint64_t{byte & 0x7fu} << shift;
      if (!(byte & 0x80)) {
        unsigned used = shift + 7;
        if (used < 64 && (byte & 0x40)) result |= ~uint64_t{0} << used;
        return static_cast<int64_t>(result);
      }
      if (remaining_bits <= 7) return static_cast<int64_t>(too_long());
    }
  }
  uint64_t too_long() {
    fail("integer representation too long");
    return 0;
  }
  uint64_t too_large() {
    fail("integer too large");
    return 0;
  }

  std::span<const uint8_t> bytes_;
  uint32_t base_;
  size_t pos_ = 0;
  const char* error_ = nullptr;
  uint32_t error_offset_ = 0;
};

}  // namespace capbox::engine
