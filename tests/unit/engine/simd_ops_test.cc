// SPDX-License-Identifier: Apache-2.0
// Tests of the SIMD semantics (src/engine/simd_ops.h) and of the simd.def
// table: signatures per shape, subopcodes, and the edge cases of each
// instruction family. Expected values are worked out by hand from the
// spec's definitions; cases marked with a .wast name are copied from the
// spec tests (../shared/wasm-spec-tests/simd/).
#include <doctest/doctest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <set>
#include <string>
#include <type_traits>

#include "engine/simd_ops.h"

namespace doctest {
template <>
struct StringMaker<capbox::engine::V128> {
  static String convert(const capbox::engine::V128& v) {
    char buf[48];
    std::snprintf(buf, sizeof buf, "hi=%016llx lo=%016llx",
                  static_cast<unsigned long long>(v.hi),
                  static_cast<unsigned long long>(v.lo));
    return buf;
  }
};
}  // namespace doctest

namespace capbox::engine::simd {
namespace {

// Signatures of the shapes of simd.def (notes/simd_interface.md).
namespace shape {
using Unary = V128 (*)(V128);
using Binary = V128 (*)(V128, V128);
using Ternary = V128 (*)(V128, V128, V128);
using Test = uint32_t (*)(V128);
using Shift = V128 (*)(V128, uint32_t);
using SplatI32 = V128 (*)(uint64_t);
using SplatI64 = SplatI32;
using SplatF32 = SplatI32;
using SplatF64 = SplatI32;
using ExtractI32 = uint64_t (*)(V128, uint32_t);
using ExtractI64 = ExtractI32;
using ExtractF32 = ExtractI32;
using ExtractF64 = ExtractI32;
using ReplaceI32 = V128 (*)(V128, uint64_t, uint32_t);
using ReplaceI64 = ReplaceI32;
using ReplaceF32 = ReplaceI32;
using ReplaceF64 = ReplaceI32;
}  // namespace shape

#define CAPBOX_SIMD(Name, code, Shape, fn)                         \
  static_assert(std::is_same_v<decltype(&fn), shape::Shape>, #fn); \
  static_assert((code) > 0x0D && (code) <= 0xFF, #Name);
#include "engine/simd.def"
#undef CAPBOX_SIMD

struct Row {
  const char* name;
  uint32_t code;
  const void* fn;  // taking the address instantiates every template body
};
const Row kRows[] = {
#define CAPBOX_SIMD(Name, code, Shape, fn) \
  {#Name, code, reinterpret_cast<const void*>(&fn)},
#include "engine/simd.def"
#undef CAPBOX_SIMD
};

using I8 = int8_t;
using U8 = uint8_t;
using I16 = int16_t;
using U16 = uint16_t;
using I32 = int32_t;
using U32 = uint32_t;
using I64 = int64_t;
using U64 = uint64_t;

template <typename T>
V128 splat_of(T t) {
  Lanes<T> l;
  for (T& x : l.v)
    x = t;
  return v128_of(l);
}
template <typename T>
T lane(V128 v, int i) {
  return get_lane<T>(v, uint32_t(i));
}
U32 f32_bits(V128 v, int i) {
  return lane<U32>(v, i);
}
bool is_quiet_nan32(U32 bits) {
  return (bits & 0x7FC00000u) == 0x7FC00000u;
}
bool is_quiet_nan64(U64 bits) {
  return (bits & 0x7FF8000000000000u) == 0x7FF8000000000000u;
}
const float kInf = std::numeric_limits<float>::infinity();
const float kNaN = std::numeric_limits<float>::quiet_NaN();
const U32 kSNaN32 = 0x7FA00001u;  // signalling, with a payload

TEST_CASE("simd.def: one row per instruction, unique subopcodes") {
  std::set<uint32_t> codes;
  std::set<std::string> names;
  for (const Row& r : kRows) {
    codes.insert(r.code);
    names.insert(r.name);
    CHECK(r.fn != nullptr);
    // Memory instructions and v128.const are the lead's, not table rows.
    CHECK_FALSE((r.code >= 0x54 && r.code <= 0x5D));
  }
  // 236 SIMD instructions minus 12 loads/stores, 10 lane loads/stores and
  // zero loads, v128.const and i8x16.shuffle.
  CHECK(std::size(kRows) == 212);
  CHECK(codes.size() == std::size(kRows));
  CHECK(names.size() == std::size(kRows));
}

TEST_CASE("V128: little-endian lanes, slot load/store") {
  V128 v = make_v128<U8>(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  CHECK(v.lo == 0x0706050403020100u);
  CHECK(v.hi == 0x0F0E0D0C0B0A0908u);
  CHECK(lane<U32>(v, 3) == 0x0F0E0D0Cu);
  uint64_t slots[3] = {0, 0, 0xDEAD};
  store_v128(slots, v);
  CHECK(slots[2] == 0xDEAD);
  CHECK(load_v128(slots) == v);
  // A lane index past the end wraps instead of reading outside the value.
  CHECK(get_lane<U8>(v, 17) == 1);
}

TEST_CASE("integer add/sub/mul wrap") {
  CHECK(lane<U8>(i8x16_add(splat_of<U8>(0x7F), splat_of<U8>(1)), 5) == 0x80);
  CHECK(lane<U8>(i8x16_sub(splat_of<U8>(0), splat_of<U8>(1)), 0) == 0xFF);
  CHECK(i16x8_mul(splat_of<U16>(0xFFFF), splat_of<U16>(0xFFFF)) ==
        splat_of<U16>(1));
  CHECK(i16x8_mul(splat_of<U16>(0x8000), splat_of<U16>(2)) == splat_of<U16>(0));
  CHECK(i32x4_mul(splat_of<U32>(0x80000001u), splat_of<U32>(3)) ==
        splat_of<U32>(0x80000003u));
  CHECK(i64x2_mul(splat_of<U64>(~U64(0)), splat_of<U64>(~U64(0))) ==
        splat_of<U64>(1));
  CHECK(i64x2_add(splat_of<U64>(~U64(0)), splat_of<U64>(2)) ==
        splat_of<U64>(1));
  CHECK(i32x4_neg(splat_of<I32>(INT32_MIN)) == splat_of<I32>(INT32_MIN));
  CHECK(i64x2_neg(splat_of<I64>(5)) == splat_of<I64>(-5));
}

TEST_CASE("abs of INT_MIN stays INT_MIN") {
  CHECK(i8x16_abs(splat_of<I8>(-128)) == splat_of<I8>(-128));
  CHECK(i8x16_abs(splat_of<I8>(-5)) == splat_of<I8>(5));
  CHECK(i16x8_abs(splat_of<I16>(INT16_MIN)) == splat_of<I16>(INT16_MIN));
  CHECK(i16x8_abs(splat_of<I16>(-300)) == splat_of<I16>(300));
  CHECK(i32x4_abs(splat_of<I32>(INT32_MIN)) == splat_of<I32>(INT32_MIN));
  CHECK(i32x4_abs(splat_of<I32>(7)) == splat_of<I32>(7));
  CHECK(i64x2_abs(splat_of<I64>(INT64_MIN)) == splat_of<I64>(INT64_MIN));
  CHECK(i64x2_abs(splat_of<I64>(-1)) == splat_of<I64>(1));
}

TEST_CASE("saturating add/sub") {
  CHECK(i8x16_add_sat_s(splat_of<I8>(127), splat_of<I8>(1)) ==
        splat_of<I8>(127));
  CHECK(i8x16_add_sat_s(splat_of<I8>(-128), splat_of<I8>(-1)) ==
        splat_of<I8>(-128));
  CHECK(i8x16_add_sat_s(splat_of<I8>(100), splat_of<I8>(-50)) ==
        splat_of<I8>(50));
  CHECK(i8x16_add_sat_u(splat_of<U8>(255), splat_of<U8>(1)) ==
        splat_of<U8>(255));
  CHECK(i8x16_sub_sat_u(splat_of<U8>(0), splat_of<U8>(1)) == splat_of<U8>(0));
  CHECK(i8x16_sub_sat_s(splat_of<I8>(-128), splat_of<I8>(1)) ==
        splat_of<I8>(-128));
  CHECK(i8x16_sub_sat_s(splat_of<I8>(127), splat_of<I8>(-1)) ==
        splat_of<I8>(127));
  CHECK(i16x8_add_sat_s(splat_of<I16>(32767), splat_of<I16>(32767)) ==
        splat_of<I16>(32767));
  CHECK(i16x8_add_sat_u(splat_of<U16>(65535), splat_of<U16>(2)) ==
        splat_of<U16>(65535));
  CHECK(i16x8_sub_sat_s(splat_of<I16>(INT16_MIN), splat_of<I16>(32767)) ==
        splat_of<I16>(INT16_MIN));
  CHECK(i16x8_sub_sat_u(splat_of<U16>(3), splat_of<U16>(5)) ==
        splat_of<U16>(0));
}

TEST_CASE("shifts take the count modulo the lane width") {
  CHECK(i8x16_shl(splat_of<U8>(1), 9) == splat_of<U8>(2));
  CHECK(i8x16_shl(splat_of<U8>(0x81), 1) == splat_of<U8>(0x02));
  CHECK(i8x16_shr_s(splat_of<U8>(0x80), 7) == splat_of<U8>(0xFF));
  CHECK(i8x16_shr_s(splat_of<U8>(0x80), 8) == splat_of<U8>(0x80));
  CHECK(i8x16_shr_u(splat_of<U8>(0x80), 15) == splat_of<U8>(0x01));
  CHECK(i16x8_shl(splat_of<U16>(1), 17) == splat_of<U16>(2));
  CHECK(i16x8_shr_s(splat_of<I16>(-4), 1) == splat_of<I16>(-2));
  CHECK(i16x8_shr_u(splat_of<U16>(0x8000), 0xFFFFFFFF) == splat_of<U16>(1));
  CHECK(i32x4_shl(splat_of<U32>(5), 32) == splat_of<U32>(5));
  CHECK(i32x4_shr_s(splat_of<I32>(INT32_MIN), 31) == splat_of<I32>(-1));
  CHECK(i32x4_shr_u(splat_of<U32>(0x80000000u), 33) ==
        splat_of<U32>(0x40000000u));
  CHECK(i64x2_shl(splat_of<U64>(1), 63) == splat_of<U64>(U64(1) << 63));
  CHECK(i64x2_shr_s(splat_of<I64>(INT64_MIN), 127) == splat_of<I64>(-1));
  CHECK(i64x2_shr_u(splat_of<U64>(~U64(0)), 65) == splat_of<U64>(~U64(0) >> 1));
}

TEST_CASE("min/max/avgr_u") {
  V128 a = make_v128<I8>(-1, 1, -128, 127, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
  V128 b = make_v128<I8>(1, -1, 127, -128, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
  CHECK(lane<I8>(i8x16_min_s(a, b), 0) == -1);
  CHECK(lane<I8>(i8x16_min_s(a, b), 2) == -128);
  CHECK(lane<U8>(i8x16_min_u(a, b), 0) == 1);
  CHECK(lane<U8>(i8x16_max_u(a, b), 0) == 0xFF);
  CHECK(lane<I8>(i8x16_max_s(a, b), 3) == 127);
  CHECK(i32x4_min_u(splat_of<I32>(-1), splat_of<I32>(3)) == splat_of<I32>(3));
  CHECK(i32x4_max_s(splat_of<I32>(-1), splat_of<I32>(3)) == splat_of<I32>(3));
  CHECK(i16x8_min_s(splat_of<I16>(-2), splat_of<I16>(1)) == splat_of<I16>(-2));
  CHECK(i16x8_max_u(splat_of<I16>(-2), splat_of<I16>(1)) == splat_of<I16>(-2));
  // avgr_u rounds half up: (a + b + 1) / 2 without overflow.
  CHECK(i8x16_avgr_u(splat_of<U8>(1), splat_of<U8>(2)) == splat_of<U8>(2));
  CHECK(i8x16_avgr_u(splat_of<U8>(0), splat_of<U8>(1)) == splat_of<U8>(1));
  CHECK(i8x16_avgr_u(splat_of<U8>(255), splat_of<U8>(255)) ==
        splat_of<U8>(255));
  CHECK(i16x8_avgr_u(splat_of<U16>(65535), splat_of<U16>(65534)) ==
        splat_of<U16>(65535));
  CHECK(i16x8_avgr_u(splat_of<U16>(2), splat_of<U16>(4)) == splat_of<U16>(3));
}

TEST_CASE("narrow saturates signed input, lanes of a then b") {
  V128 a = make_v128<I16>(300, -300, 5, -5, 127, -128, 128, -129);
  V128 b = make_v128<I16>(255, 256, -1, 0, 32767, -32768, 1, 2);
  CHECK(i8x16_narrow_i16x8_s(a, b) == make_v128<I8>(127, -128, 5, -5, 127, -128,
                                                    127, -128, 127, 127, -1, 0,
                                                    127, -128, 1, 2));
  CHECK(i8x16_narrow_i16x8_u(a, b) == make_v128<U8>(255, 0, 5, 0, 127, 0, 128,
                                                    0, 255, 255, 0, 0, 255, 0,
                                                    1, 2));
  V128 c = make_v128<I32>(70000, -70000, 32768, -32769);
  V128 d = make_v128<I32>(65535, 65536, -1, 7);
  CHECK(i16x8_narrow_i32x4_s(c, d) ==
        make_v128<I16>(32767, -32768, 32767, -32768, 32767, 32767, -1, 7));
  CHECK(i16x8_narrow_i32x4_u(c, d) ==
        make_v128<U16>(65535, 0, 32768, 0, 65535, 65535, 0, 7));
}

TEST_CASE("extend low/high") {
  V128 a =
      make_v128<I8>(1, -1, 2, -2, 3, -3, 4, -4, -128, 127, -1, 0, 0, 0, 0, 5);
  CHECK(i16x8_extend_low_i8x16_s(a) ==
        make_v128<I16>(1, -1, 2, -2, 3, -3, 4, -4));
  CHECK(i16x8_extend_high_i8x16_s(a) ==
        make_v128<I16>(-128, 127, -1, 0, 0, 0, 0, 5));
  CHECK(i16x8_extend_high_i8x16_u(a) ==
        make_v128<U16>(128, 127, 255, 0, 0, 0, 0, 5));
  CHECK(i16x8_extend_low_i8x16_u(a) ==
        make_v128<U16>(1, 255, 2, 254, 3, 253, 4, 252));
  V128 b = make_v128<I16>(-1, 2, -3, 4, INT16_MIN, 6, -7, 8);
  CHECK(i32x4_extend_low_i16x8_s(b) == make_v128<I32>(-1, 2, -3, 4));
  CHECK(i32x4_extend_high_i16x8_s(b) == make_v128<I32>(INT16_MIN, 6, -7, 8));
  CHECK(i32x4_extend_high_i16x8_u(b) == make_v128<U32>(32768, 6, 65529, 8));
  CHECK(i32x4_extend_low_i16x8_u(b) == make_v128<U32>(65535, 2, 65533, 4));
  V128 c = make_v128<I32>(-1, 2, INT32_MIN, 4);
  CHECK(i64x2_extend_low_i32x4_s(c) == make_v128<I64>(-1, 2));
  CHECK(i64x2_extend_low_i32x4_u(c) == make_v128<U64>(0xFFFFFFFFu, 2));
  CHECK(i64x2_extend_high_i32x4_s(c) == make_v128<I64>(INT32_MIN, 4));
  CHECK(i64x2_extend_high_i32x4_u(c) == make_v128<U64>(0x80000000u, 4));
}

TEST_CASE("extmul and extadd_pairwise are full width") {
  V128 a = make_v128<I8>(-128, 127, -1, 2, 0, 0, 0, 0, -128, 255 - 256, 3, 0, 0,
                         0, 0, 0);
  CHECK(i16x8_extmul_low_i8x16_s(a, a) ==
        make_v128<I16>(16384, 16129, 1, 4, 0, 0, 0, 0));
  CHECK(i16x8_extmul_high_i8x16_s(a, a) ==
        make_v128<I16>(16384, 1, 9, 0, 0, 0, 0, 0));
  CHECK(i16x8_extmul_low_i8x16_u(a, a) ==
        make_v128<U16>(16384, 16129, 65025, 4, 0, 0, 0, 0));
  CHECK(i16x8_extmul_high_i8x16_u(a, a) ==
        make_v128<U16>(16384, 65025, 9, 0, 0, 0, 0, 0));
  V128 b = make_v128<U16>(1, 2, 3, 4, 65535, 32768, 7, 8);
  CHECK(i32x4_extmul_high_i16x8_u(b, b) ==
        make_v128<U32>(0xFFFE0001u, 0x40000000u, 49, 64));
  CHECK(i32x4_extmul_high_i16x8_s(b, b) == make_v128<I32>(1, 1 << 30, 49, 64));
  CHECK(i32x4_extmul_low_i16x8_s(b, splat_of<I16>(-1)) ==
        make_v128<I32>(-1, -2, -3, -4));
  CHECK(i32x4_extmul_low_i16x8_u(b, b) == make_v128<U32>(1, 4, 9, 16));
  V128 c = make_v128<U32>(0xFFFFFFFFu, 0x80000000u, 0x80000000u, 3);
  CHECK(i64x2_extmul_low_i32x4_u(c, c) ==
        make_v128<U64>(0xFFFFFFFE00000001u, U64(1) << 62));
  CHECK(i64x2_extmul_low_i32x4_s(c, c) == make_v128<I64>(1, I64(1) << 62));
  CHECK(i64x2_extmul_high_i32x4_s(c, splat_of<I32>(-1)) ==
        make_v128<I64>(I64(1) << 31, -3));
  CHECK(i64x2_extmul_high_i32x4_u(c, c) == make_v128<U64>(U64(1) << 62, 9));

  V128 d = make_v128<I8>(-128, -128, 127, 127, -1, 1, 0, 5, -128, 127, 0, 0, 0,
                         0, 0, 0);
  CHECK(i16x8_extadd_pairwise_i8x16_s(d) ==
        make_v128<I16>(-256, 254, 0, 5, -1, 0, 0, 0));
  CHECK(i16x8_extadd_pairwise_i8x16_u(d) ==
        make_v128<U16>(256, 254, 256, 5, 255, 0, 0, 0));
  V128 e = make_v128<I16>(INT16_MIN, INT16_MIN, -1, -1, 32767, 1, 0, 0);
  CHECK(i32x4_extadd_pairwise_i16x8_s(e) ==
        make_v128<I32>(-65536, -2, 32768, 0));
  CHECK(i32x4_extadd_pairwise_i16x8_u(e) ==
        make_v128<U32>(65536, 131070, 32768, 0));
}

TEST_CASE("dot and q15mulr_sat_s") {
  CHECK(i32x4_dot_i16x8_s(make_v128<I16>(1, 2, 3, 4, 5, 6, 7, 8),
                          make_v128<I16>(5, 6, 7, 8, -1, -1, 0, 2)) ==
        make_v128<I32>(17, 53, -11, 16));
  // -32768 * -32768 * 2 = 2^31 wraps (simd_i32x4_dot_i16x8.wast).
  CHECK(i32x4_dot_i16x8_s(splat_of<I16>(INT16_MIN), splat_of<I16>(INT16_MIN)) ==
        splat_of<I32>(INT32_MIN));
  CHECK(i16x8_q15mulr_sat_s(splat_of<I16>(INT16_MIN),
                            splat_of<I16>(INT16_MIN)) == splat_of<I16>(32767));
  V128 a = make_v128<I16>(16384, 1, -1, 32767, INT16_MIN, 3, 0, -16384);
  V128 b = make_v128<I16>(16384, 16384, 16384, 32767, 32767, -16384, 9, 1);
  // (x*y + 0x4000) >> 15 rounds half up, arithmetic shift for negatives.
  CHECK(i16x8_q15mulr_sat_s(a, b) ==
        make_v128<I16>(8192, 1, 0, 32766, -32767, -1, 0, 0));
}

TEST_CASE("popcnt, bitmask, any_true, all_true") {
  CHECK(i8x16_popcnt(make_v128<U8>(0, 1, 0xFF, 0x55, 0x80, 0x7F, 3, 0, 0, 0, 0,
                                   0, 0, 0, 0, 0xF0)) ==
        make_v128<U8>(0, 1, 8, 4, 1, 7, 2, 0, 0, 0, 0, 0, 0, 0, 0, 4));
  CHECK(i8x16_bitmask(make_v128<I8>(-1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                                    -128, -2)) == 0xC001u);
  CHECK(i16x8_bitmask(make_v128<I16>(0, -1, 0, 0, 0, 0, 0, INT16_MIN)) ==
        0x82u);
  CHECK(i32x4_bitmask(make_v128<I32>(-1, 1, -1, INT32_MAX)) == 0x5u);
  CHECK(i64x2_bitmask(make_v128<I64>(0, -1)) == 0x2u);
  CHECK(v128_any_true(V128{0, 0}) == 0);
  CHECK(v128_any_true(V128{0, U64(1) << 63}) == 1);
  // One 64-bit lane nonzero only in its high half.
  V128 v = make_v128<U64>(U64(1) << 32, 1);
  CHECK(i64x2_all_true(v) == 1);
  CHECK(i32x4_all_true(v) == 0);
  CHECK(i16x8_all_true(splat_of<U16>(0x100)) == 1);
  CHECK(i8x16_all_true(splat_of<U16>(0x100)) == 0);
  CHECK(i8x16_all_true(splat_of<U8>(0x80)) == 1);
  CHECK(i64x2_all_true(make_v128<U64>(3, 0)) == 0);
}

TEST_CASE("bitwise") {
  V128 a{0xF0F0F0F0F0F0F0F0u, 0x00FF00FF00FF00FFu};
  V128 b{0xFF00FF00FF00FF00u, 0x0F0F0F0F0F0F0F0Fu};
  V128 c{0xFFFFFFFF00000000u, 0x00000000FFFFFFFFu};
  CHECK(v128_not(a) == V128{0x0F0F0F0F0F0F0F0Fu, 0xFF00FF00FF00FF00u});
  CHECK(v128_and(a, b) == V128{0xF000F000F000F000u, 0x000F000F000F000Fu});
  CHECK(v128_andnot(a, b) == V128{0x00F000F000F000F0u, 0x00F000F000F000F0u});
  CHECK(v128_or(a, b) == V128{0xFFF0FFF0FFF0FFF0u, 0x0FFF0FFF0FFF0FFFu});
  CHECK(v128_xor(a, b) == V128{0x0FF00FF00FF00FF0u, 0x0FF00FF00FF00FF0u});
  // bitselect(v1, v2, c): v1 where c is 1, v2 where c is 0.
  CHECK(v128_bitselect(a, b, c) ==
        V128{0xF0F0F0F0FF00FF00u, 0x0F0F0F0F00FF00FFu});
}

TEST_CASE("swizzle and shuffle") {
  V128 a = make_v128<U8>(100, 101, 102, 103, 104, 105, 106, 107, 108, 109, 110,
                         111, 112, 113, 114, 115);
  V128 b = make_v128<U8>(200, 201, 202, 203, 204, 205, 206, 207, 208, 209, 210,
                         211, 212, 213, 214, 215);
  V128 idx =
      make_v128<U8>(0, 15, 16, 255, 3, 128, 17, 1, 2, 2, 14, 31, 0x80, 4, 5, 6);
  CHECK(i8x16_swizzle(a, idx) == make_v128<U8>(100, 115, 0, 0, 103, 0, 0, 101,
                                               102, 102, 114, 0, 0, 104, 105,
                                               106));
  const uint8_t lanes[16] = {0, 16, 31, 15, 1, 17, 2, 18,
                             3, 19, 4,  20, 5, 21, 6, 22};
  CHECK(i8x16_shuffle(a, b, lanes) ==
        make_v128<U8>(100, 200, 215, 115, 101, 201, 102, 202, 103, 203, 104,
                      204, 105, 205, 106, 206));
}

TEST_CASE("splat, extract_lane, replace_lane") {
  CHECK(i8x16_splat(0x1FF) == splat_of<U8>(0xFF));
  CHECK(i16x8_splat(0x12345) == splat_of<U16>(0x2345));
  CHECK(i32x4_splat(0xFFFFFFFFu) == splat_of<U32>(0xFFFFFFFFu));
  CHECK(i64x2_splat(0x0123456789ABCDEFu) == splat_of<U64>(0x0123456789ABCDEFu));
  CHECK(f32x4_splat(kSNaN32) == splat_of<U32>(kSNaN32));
  CHECK(f64x2_splat(0x7FF0000000000001u) == splat_of<U64>(0x7FF0000000000001u));

  V128 v =
      make_v128<U8>(0x80, 0x7F, 0xFF, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x81);
  CHECK(i8x16_extract_lane_s(v, 0) == 0xFFFFFF80u);
  CHECK(i8x16_extract_lane_u(v, 0) == 0x80u);
  CHECK(i8x16_extract_lane_s(v, 1) == 0x7Fu);
  CHECK(i8x16_extract_lane_s(v, 15) == 0xFFFFFF81u);
  CHECK(i16x8_extract_lane_s(v, 1) == 0xFFu);
  CHECK(i16x8_extract_lane_s(v, 7) == 0xFFFF8100u);
  CHECK(i16x8_extract_lane_u(v, 7) == 0x8100u);
  CHECK(i32x4_extract_lane(v, 0) == 0x00FF7F80u);
  CHECK(i64x2_extract_lane(v, 1) == 0x8100000000000000u);
  V128 f = make_v128<U32>(0, kSNaN32, 0, 0);
  CHECK(f32x4_extract_lane(f, 1) == kSNaN32);
  CHECK(f64x2_extract_lane(f, 0) == U64(kSNaN32) << 32);

  CHECK(i8x16_replace_lane(V128{0, 0}, 0xAABB, 3) == V128{0xBB000000u, 0});
  CHECK(i16x8_replace_lane(V128{0, 0}, 0xAABBCC, 4) == V128{0, 0xBBCCu});
  CHECK(i32x4_replace_lane(V128{~U64(0), 0}, 0x100000001u, 1) ==
        V128{0x00000001FFFFFFFFu, 0});
  CHECK(i64x2_replace_lane(V128{1, 2}, 9, 1) == V128{1, 9});
  CHECK(f32x4_replace_lane(V128{0, 0}, kSNaN32, 2) == V128{0, kSNaN32});
  CHECK(f64x2_replace_lane(V128{1, 2}, 7, 0) == V128{7, 2});
}

TEST_CASE("float compares: all-ones masks, NaN unordered, -0 == +0") {
  V128 a = make_v128<float>(1.0f, kNaN, -0.0f, -kInf);
  V128 b = make_v128<float>(2.0f, kNaN, 0.0f, kInf);
  CHECK(f32x4_eq(a, b) == make_v128<U32>(0, 0, ~0u, 0));
  CHECK(f32x4_ne(a, b) == make_v128<U32>(~0u, ~0u, 0, ~0u));
  CHECK(f32x4_lt(a, b) == make_v128<U32>(~0u, 0, 0, ~0u));
  CHECK(f32x4_gt(a, b) == make_v128<U32>(0, 0, 0, 0));
  CHECK(f32x4_le(a, b) == make_v128<U32>(~0u, 0, ~0u, ~0u));
  CHECK(f32x4_ge(a, b) == make_v128<U32>(0, 0, ~0u, 0));
  V128 c = make_v128<double>(std::nan(""), -0.0);
  V128 d = make_v128<double>(1.0, 0.0);
  CHECK(f64x2_eq(c, d) == make_v128<U64>(0, ~U64(0)));
  CHECK(f64x2_ne(c, d) == make_v128<U64>(~U64(0), 0));
  CHECK(f64x2_lt(d, c) == make_v128<U64>(0, 0));
  CHECK(f64x2_gt(d, c) == make_v128<U64>(0, 0));
  CHECK(f64x2_le(d, c) == make_v128<U64>(0, ~U64(0)));
  CHECK(f64x2_ge(c, d) == make_v128<U64>(0, ~U64(0)));
  // Integer compares: signedness decides.
  CHECK(i8x16_lt_s(splat_of<I8>(-1), splat_of<I8>(0)) == splat_of<U8>(0xFF));
  CHECK(i8x16_lt_u(splat_of<I8>(-1), splat_of<I8>(0)) == splat_of<U8>(0));
  CHECK(i16x8_ge_u(splat_of<I16>(-1), splat_of<I16>(0)) ==
        splat_of<U16>(0xFFFF));
  CHECK(i32x4_gt_s(splat_of<I32>(-1), splat_of<I32>(0)) == splat_of<U32>(0));
  CHECK(i64x2_le_s(make_v128<I64>(INT64_MIN, 1), make_v128<I64>(0, 0)) ==
        make_v128<U64>(~U64(0), 0));
  CHECK(i64x2_ne(make_v128<U64>(1, 2), make_v128<U64>(1, 3)) ==
        make_v128<U64>(0, ~U64(0)));
}

TEST_CASE("min/max: NaN if either is NaN, -0 < +0; pmin/pmax select") {
  V128 z = make_v128<float>(-0.0f, 0.0f, 1.0f, kNaN);
  V128 w = make_v128<float>(0.0f, -0.0f, kNaN, 1.0f);
  V128 mn = f32x4_min(z, w);
  CHECK(f32_bits(mn, 0) == 0x80000000u);
  CHECK(f32_bits(mn, 1) == 0x80000000u);
  CHECK(std::isnan(lane<float>(mn, 2)));
  CHECK(std::isnan(lane<float>(mn, 3)));
  V128 mx = f32x4_max(z, w);
  CHECK(f32_bits(mx, 0) == 0u);
  CHECK(f32_bits(mx, 1) == 0u);
  CHECK(std::isnan(lane<float>(mx, 2)));
  CHECK(std::isnan(lane<float>(mx, 3)));
  CHECK(f32x4_min(splat_of<float>(-3.0f), splat_of<float>(2.0f)) ==
        splat_of<float>(-3.0f));
  CHECK(f32x4_max(splat_of<float>(-3.0f), splat_of<float>(2.0f)) ==
        splat_of<float>(2.0f));
  V128 dz = make_v128<double>(-0.0, 0.0);
  V128 dw = make_v128<double>(0.0, -0.0);
  CHECK(f64x2_min(dz, dw) == splat_of<double>(-0.0));
  CHECK(f64x2_max(dz, dw) == splat_of<double>(0.0));
  CHECK(std::isnan(lane<double>(f64x2_min(dz, splat_of<double>(NAN)), 0)));
  CHECK(std::isnan(lane<double>(f64x2_max(splat_of<double>(NAN), dz), 1)));

  // pmin(a, b) = b < a ? b : a; pmax(a, b) = a < b ? b : a: with a NaN or
  // equal zeros, the first operand comes back bit for bit.
  V128 a = make_v128<U32>(0x00000000u, 0x80000000u, kSNaN32, 0x3F800000u);
  V128 b = make_v128<U32>(0x80000000u, 0x00000000u, 0x3F800000u, kSNaN32);
  CHECK(f32x4_pmin(a, b) == a);
  CHECK(f32x4_pmax(a, b) == a);
  CHECK(f32x4_pmin(splat_of<float>(2.0f), splat_of<float>(1.0f)) ==
        splat_of<float>(1.0f));
  CHECK(f32x4_pmax(splat_of<float>(1.0f), splat_of<float>(2.0f)) ==
        splat_of<float>(2.0f));
  V128 da = make_v128<U64>(0x7FF0000000000001u, 0);
  V128 db = make_v128<double>(1.0, -0.0);
  CHECK(f64x2_pmin(da, db) == da);
  CHECK(f64x2_pmax(da, db) == da);
  CHECK(f64x2_pmin(db, da) == db);
  CHECK(f64x2_pmax(splat_of<double>(-1.0), splat_of<double>(1.0)) ==
        splat_of<double>(1.0));
}

TEST_CASE("rounding: nearest ties to even, sign of zero kept, NaN quiet") {
  CHECK(f32x4_nearest(make_v128<float>(0.5f, 1.5f, 2.5f, -2.5f)) ==
        make_v128<float>(0.0f, 2.0f, 2.0f, -2.0f));
  CHECK(f32_bits(f32x4_nearest(splat_of<float>(-0.5f)), 0) == 0x80000000u);
  CHECK(f32x4_nearest(splat_of<float>(8388609.0f)) ==
        splat_of<float>(8388609.0f));
  CHECK(f64x2_nearest(make_v128<double>(3.5, -4.5)) ==
        make_v128<double>(4.0, -4.0));
  CHECK(f64x2_nearest(splat_of<double>(4503599627370497.0)) ==
        splat_of<double>(4503599627370497.0));
  CHECK(f32x4_ceil(make_v128<float>(-0.5f, 1.1f, -1.5f, kInf)) ==
        make_v128<float>(-0.0f, 2.0f, -1.0f, kInf));
  CHECK(f32_bits(f32x4_ceil(splat_of<float>(-0.5f)), 0) == 0x80000000u);
  CHECK(f32x4_floor(make_v128<float>(-0.5f, 1.9f, -1.5f, -kInf)) ==
        make_v128<float>(-1.0f, 1.0f, -2.0f, -kInf));
  CHECK(f32x4_trunc(make_v128<float>(-0.5f, 1.9f, -1.5f, 2.0f)) ==
        make_v128<float>(-0.0f, 1.0f, -1.0f, 2.0f));
  CHECK(f64x2_ceil(make_v128<double>(-0.5, 1.1)) ==
        make_v128<double>(-0.0, 2.0));
  CHECK(f64x2_floor(make_v128<double>(-0.5, 1.9)) ==
        make_v128<double>(-1.0, 1.0));
  CHECK(f64x2_trunc(make_v128<double>(-1.9, 1.9)) ==
        make_v128<double>(-1.0, 1.0));
  V128 snan = splat_of<U32>(kSNaN32);
  CHECK(is_quiet_nan32(f32_bits(f32x4_nearest(snan), 0)));
  CHECK(is_quiet_nan32(f32_bits(f32x4_ceil(snan), 1)));
  CHECK(is_quiet_nan32(f32_bits(f32x4_floor(snan), 2)));
  CHECK(is_quiet_nan32(f32_bits(f32x4_trunc(snan), 3)));
  V128 dsnan = splat_of<U64>(0x7FF0000000000001u);
  CHECK(is_quiet_nan64(lane<U64>(f64x2_nearest(dsnan), 0)));
  CHECK(is_quiet_nan64(lane<U64>(f64x2_trunc(dsnan), 1)));
}

TEST_CASE("float arithmetic: IEEE results, NaN results are quiet") {
  CHECK(f32x4_add(make_v128<float>(1.0f, 0.1f, kInf, -0.0f),
                  make_v128<float>(2.0f, 0.2f, 1.0f, -0.0f)) ==
        make_v128<float>(3.0f, 0.1f + 0.2f, kInf, -0.0f));
  CHECK(f32x4_sub(splat_of<float>(1.0f), splat_of<float>(3.0f)) ==
        splat_of<float>(-2.0f));
  CHECK(f32x4_mul(splat_of<float>(1.5f), splat_of<float>(-2.0f)) ==
        splat_of<float>(-3.0f));
  CHECK(f32x4_div(splat_of<float>(1.0f), splat_of<float>(-0.0f)) ==
        splat_of<float>(-kInf));
  CHECK(f32x4_sqrt(splat_of<float>(2.0f)) == splat_of<float>(std::sqrt(2.0f)));
  CHECK(f64x2_add(splat_of<double>(0.1), splat_of<double>(0.2)) ==
        splat_of<double>(0.30000000000000004));
  CHECK(f64x2_sub(splat_of<double>(1.0), splat_of<double>(0.25)) ==
        splat_of<double>(0.75));
  CHECK(f64x2_mul(splat_of<double>(1e300), splat_of<double>(1e10)) ==
        splat_of<double>(HUGE_VAL));
  CHECK(f64x2_div(splat_of<double>(1.0), splat_of<double>(3.0)) ==
        splat_of<double>(1.0 / 3.0));
  CHECK(f64x2_sqrt(splat_of<double>(-0.0)) == splat_of<double>(-0.0));
  CHECK(std::isnan(lane<double>(f64x2_sqrt(splat_of<double>(-1.0)), 0)));
  CHECK(std::isnan(lane<float>(f32x4_div(V128{0, 0}, V128{0, 0}), 2)));
  CHECK(is_quiet_nan32(
      f32_bits(f32x4_add(splat_of<U32>(kSNaN32), splat_of<float>(1.0f)), 0)));
  CHECK(is_quiet_nan32(
      f32_bits(f32x4_sub(splat_of<float>(kInf), splat_of<float>(kInf)), 0)));
  // abs/neg are bit operations: NaN payloads kept, -0 handled.
  V128 v = make_v128<U32>(kSNaN32, 0x80000000u, 0xBF800000u, 0);
  CHECK(f32x4_abs(v) == make_v128<U32>(kSNaN32, 0, 0x3F800000u, 0));
  CHECK(f32x4_neg(v) ==
        make_v128<U32>(0xFFA00001u, 0, 0x3F800000u, 0x80000000u));
  V128 d = make_v128<U64>(0xFFF0000000000001u, 0);
  CHECK(f64x2_abs(d) == make_v128<U64>(0x7FF0000000000001u, 0));
  CHECK(f64x2_neg(d) == make_v128<U64>(0x7FF0000000000001u, U64(1) << 63));
}

TEST_CASE("trunc_sat: NaN -> 0, saturates, truncates toward zero") {
  CHECK(i32x4_trunc_sat_f32x4_s(make_v128<float>(kNaN, kInf, -kInf, -1.9f)) ==
        make_v128<I32>(0, INT32_MAX, INT32_MIN, -1));
  CHECK(i32x4_trunc_sat_f32x4_s(make_v128<float>(2147483648.0f, -2147483648.0f,
                                                 2147483520.0f, -0.9f)) ==
        make_v128<I32>(INT32_MAX, INT32_MIN, 2147483520, 0));
  CHECK(i32x4_trunc_sat_f32x4_u(make_v128<float>(kNaN, kInf, -kInf, -0.9f)) ==
        make_v128<U32>(0, 0xFFFFFFFFu, 0, 0));
  CHECK(i32x4_trunc_sat_f32x4_u(
            make_v128<float>(4294967296.0f, 4294967040.0f, -1.0f, 2.9f)) ==
        make_v128<U32>(0xFFFFFFFFu, 4294967040u, 0, 2));
  // _zero: two results in lanes 0-1, zeros in lanes 2-3.
  CHECK(i32x4_trunc_sat_f64x2_s_zero(
            make_v128<double>(2147483647.9, -2147483648.9)) ==
        make_v128<I32>(INT32_MAX, INT32_MIN, 0, 0));
  CHECK(i32x4_trunc_sat_f64x2_s_zero(make_v128<double>(-2147483649.0, NAN)) ==
        make_v128<I32>(INT32_MIN, 0, 0, 0));
  CHECK(i32x4_trunc_sat_f64x2_s_zero(make_v128<double>(1e10, -3.5)) ==
        make_v128<I32>(INT32_MAX, -3, 0, 0));
  CHECK(i32x4_trunc_sat_f64x2_u_zero(make_v128<double>(4294967295.9, -0.9)) ==
        make_v128<U32>(0xFFFFFFFFu, 0, 0, 0));
  CHECK(i32x4_trunc_sat_f64x2_u_zero(make_v128<double>(4294967296.0, NAN)) ==
        make_v128<U32>(0xFFFFFFFFu, 0, 0, 0));
  CHECK(i32x4_trunc_sat_f64x2_u_zero(make_v128<double>(-1e300, 7.5)) ==
        make_v128<U32>(0, 7, 0, 0));
}

TEST_CASE("int to float conversions, demote and promote") {
  CHECK(f32x4_convert_i32x4_s(make_v128<I32>(-1, INT32_MIN, 16777217, 3)) ==
        make_v128<float>(-1.0f, -2147483648.0f, 16777216.0f, 3.0f));
  CHECK(f32x4_convert_i32x4_u(make_v128<U32>(0xFFFFFFFFu, 16777219u, 0, 1)) ==
        make_v128<float>(4294967296.0f, 16777220.0f, 0.0f, 1.0f));
  // _low: lanes 0-1 only.
  CHECK(f64x2_convert_low_i32x4_s(make_v128<I32>(-1, INT32_MIN, 5, 6)) ==
        make_v128<double>(-1.0, -2147483648.0));
  CHECK(f64x2_convert_low_i32x4_u(make_v128<U32>(0xFFFFFFFFu, 2, 5, 6)) ==
        make_v128<double>(4294967295.0, 2.0));
  V128 dem = f32x4_demote_f64x2_zero(make_v128<double>(1e300, 0.1));
  CHECK(dem == make_v128<float>(kInf, 0.1f, 0.0f, 0.0f));
  CHECK(dem.hi == 0);
  CHECK(f32x4_demote_f64x2_zero(make_v128<double>(-1e-300, 1.0)) ==
        make_v128<U32>(0x80000000u, 0x3F800000u, 0, 0));
  CHECK(is_quiet_nan32(f32_bits(
      f32x4_demote_f64x2_zero(make_v128<U64>(0x7FF0000000000001u, 0)), 0)));
  CHECK(f64x2_promote_low_f32x4(make_v128<float>(0.1f, -kInf, 1.0f, 2.0f)) ==
        make_v128<double>(double(0.1f), -HUGE_VAL));
  CHECK(is_quiet_nan64(
      lane<U64>(f64x2_promote_low_f32x4(make_v128<U32>(0, kSNaN32, 0, 0)), 1)));
}

}  // namespace
}  // namespace capbox::engine::simd
