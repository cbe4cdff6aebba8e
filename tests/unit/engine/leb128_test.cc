// SPDX-License-Identifier: Apache-2.0
// Tests of Reader (src/engine/reader.h): LEB128 with the spec's length and
// unused-bit rules, fixed-width reads, sticky errors and offsets.
#include <doctest/doctest.h>

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "engine/reader.h"

namespace capbox::engine {
namespace {

using Bytes = std::vector<uint8_t>;

// Reads one value with `read` and checks that all input was consumed.
template <typename F>
auto read_all(const Bytes& bytes, F read) {
  Reader r(bytes);
  auto v = read(r);
  CHECK(r.ok());
  CHECK(r.at_end());
  return v;
}

// Reads with `read` and returns the error message ("" when none).
template <typename F>
std::string error_of(const Bytes& bytes, F read, uint32_t* offset = nullptr) {
  Reader r(bytes);
  auto v = read(r);
  CHECK(v == 0);  // failed reads return zero
  if (offset)
    *offset = r.error_offset();
  return r.ok() ? "" : r.error();
}

auto u32 = [](Reader& r) { return r.u32(); };
auto u64 = [](Reader& r) { return r.u64(); };
auto s32 = [](Reader& r) { return r.s32(); };
auto s33 = [](Reader& r) { return r.s33(); };
auto s64 = [](Reader& r) { return r.s64(); };

TEST_CASE("u32: values up to the maximum") {
  CHECK(read_all({0x00}, u32) == 0u);
  CHECK(read_all({0x7f}, u32) == 127u);
  CHECK(read_all({0x80, 0x01}, u32) == 128u);
  CHECK(read_all({0xe5, 0x8e, 0x26}, u32) == 624485u);
  CHECK(read_all({0xff, 0xff, 0xff, 0xff, 0x0f}, u32) == 0xffffffffu);
  // Non-minimal encodings are allowed up to the byte limit.
  CHECK(read_all({0x80, 0x80, 0x80, 0x80, 0x00}, u32) == 0u);
  CHECK(read_all({0x83, 0x80, 0x00}, u32) == 3u);
}

TEST_CASE("u32: too long, too large, unexpected end") {
  uint32_t at = 0;
  CHECK(error_of({0x80, 0x80, 0x80, 0x80, 0x80, 0x00}, u32, &at) ==
        "integer representation too long");
  CHECK(at == 5);
  CHECK(error_of({0xff, 0xff, 0xff, 0xff, 0x1f}, u32) == "integer too large");
  CHECK(error_of({0x80, 0x80, 0x80, 0x80, 0x70}, u32) == "integer too large");
  CHECK(error_of({0x82, 0x80, 0x80, 0x80, 0x10}, u32) == "integer too large");
  CHECK(error_of({}, u32, &at) == "unexpected end");
  CHECK(at == 0);
  CHECK(error_of({0x80, 0x80}, u32, &at) == "unexpected end");
  CHECK(at == 2);
}

TEST_CASE("u64: maximum and unused bits") {
  CHECK(read_all({0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01},
                 u64) == std::numeric_limits<uint64_t>::max());
  CHECK(error_of({0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02},
                 u64) == "integer too large");
  CHECK(error_of(
            {0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00},
            u64) == "integer representation too long");
}

TEST_CASE("s32: sign extension and limits") {
  CHECK(read_all({0x00}, s32) == 0);
  CHECK(read_all({0x3f}, s32) == 63);
  CHECK(read_all({0x40}, s32) == -64);
  CHECK(read_all({0x7f}, s32) == -1);
  CHECK(read_all({0xc0, 0xbb, 0x78}, s32) == -123456);
  CHECK(read_all({0xff, 0xff, 0xff, 0xff, 0x07}, s32) ==
        std::numeric_limits<int32_t>::max());
  CHECK(read_all({0x80, 0x80, 0x80, 0x80, 0x78}, s32) ==
        std::numeric_limits<int32_t>::min());
  CHECK(read_all({0xff, 0xff, 0xff, 0xff, 0x7f}, s32) == -1);
  CHECK(read_all({0x80, 0x80, 0x80, 0x80, 0x00}, s32) == 0);
}

TEST_CASE("s32: unused bits must extend the sign") {
  // Positive with unused bits set, negative with unused bits clear.
  CHECK(error_of({0xff, 0xff, 0xff, 0xff, 0x0f}, s32) == "integer too large");
  CHECK(error_of({0x80, 0x80, 0x80, 0x80, 0x70}, s32) == "integer too large");
  CHECK(error_of({0x80, 0x80, 0x80, 0x80, 0x1f}, s32) == "integer too large");
  CHECK(error_of({0xff, 0xff, 0xff, 0xff, 0x4f}, s32) == "integer too large");
  CHECK(error_of({0xff, 0xff, 0xff, 0xff, 0xff, 0x7f}, s32) ==
        "integer representation too long");
  CHECK(error_of({0xff}, s32) == "unexpected end");
}

TEST_CASE("s33: the block type's range") {
  CHECK(read_all({0xff, 0xff, 0xff, 0xff, 0x0f}, s33) == 0xffffffffLL);
  CHECK(read_all({0x80, 0x80, 0x80, 0x80, 0x70}, s33) == -(1LL << 32));
  CHECK(read_all({0x40}, s33) == -64);
  CHECK(error_of({0x80, 0x80, 0x80, 0x80, 0x10}, s33) == "integer too large");
  CHECK(error_of({0xff, 0xff, 0xff, 0xff, 0x6f}, s33) == "integer too large");
  CHECK(error_of({0x80, 0x80, 0x80, 0x80, 0x80, 0x00}, s33) ==
        "integer representation too long");
}

TEST_CASE("s64: limits and unused bits") {
  CHECK(read_all({0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00},
                 s64) == std::numeric_limits<int64_t>::max());
  CHECK(read_all({0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x7f},
                 s64) == std::numeric_limits<int64_t>::min());
  CHECK(read_all({0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f},
                 s64) == -1);
  CHECK(error_of({0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01},
                 s64) == "integer too large");
  CHECK(error_of({0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x7e},
                 s64) == "integer too large");
  CHECK(error_of(
            {0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00},
            s64) == "integer representation too long");
}

TEST_CASE("fixed-width reads are little-endian and bounds-checked") {
  Bytes bytes = {0x78, 0x56, 0x34, 0x12, 0x01, 0x02, 0x03,
                 0x04, 0x05, 0x06, 0x07, 0x08, 0xaa};
  Reader r(bytes);
  CHECK(r.f32_bits() == 0x12345678u);
  CHECK(r.f64_bits() == 0x0807060504030201ull);
  CHECK(r.remaining() == 1);
  CHECK(r.f32_bits() == 0u);
  CHECK(!r.ok());
  CHECK(std::string(r.error()) == "unexpected end");
  CHECK(r.error_offset() == 12);
}

TEST_CASE("errors are sticky, and offsets include the base") {
  Bytes bytes = {0x80, 0x80, 0x80, 0x80, 0x80, 0x00, 0x05};
  Reader r(bytes, 100);
  CHECK(r.offset() == 100);
  CHECK(r.u32() == 0);
  CHECK(!r.ok());
  CHECK(r.error_offset() == 105);
  CHECK(r.remaining() == 0);
  CHECK(r.u8() == 0);  // the later read does not clear or move the error
  CHECK(std::string(r.error()) == "integer representation too long");
  CHECK(r.error_offset() == 105);
  CHECK(r.take(1).empty());
}

TEST_CASE("take and peek never read past the end") {
  Bytes bytes = {1, 2, 3};
  Reader r(bytes);
  CHECK(r.peek() == 1);
  auto two = r.take(2);
  REQUIRE(two.size() == 2);
  CHECK(two[1] == 2);
  CHECK(r.take(2).empty());
  CHECK(!r.ok());
  CHECK(r.peek() == 0);
  Reader huge(bytes);
  CHECK(huge.take(std::numeric_limits<size_t>::max()).empty());
  CHECK(std::string(huge.error()) == "unexpected end");
}

}  // namespace
}  // namespace capbox::engine
