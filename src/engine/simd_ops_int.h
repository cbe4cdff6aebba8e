// SPDX-License-Identifier: Apache-2.0
// Integer lane semantics of the wasm SIMD instructions (rows of simd.def).
// Pure functions of their operands, header-only for inlining into the
// interpreter; no engine state. Arithmetic is done in unsigned types (or
// widened first) so wrap-around is defined behaviour, never signed overflow.
#pragma once

#include <algorithm>
#include <bit>
#include <cstdint>
#include <functional>
#include <limits>
#include <type_traits>

#include "engine/simd_value.h"

namespace capbox::engine::simd {

// Unsigned arithmetic type for lanes of U: at least unsigned int, so that
// uint8_t/uint16_t operands are not promoted to (overflowing) int.
template <typename U>
using Arith = std::conditional_t<(sizeof(U) < 4), uint32_t, U>;

template <typename U>
inline V128 add_wrap(V128 a, V128 b) {
  return map2<U>(a, b, [](U x, U y) { return U(Arith<U>(x) + y); });
}
template <typename U>
inline V128 sub_wrap(V128 a, V128 b) {
  return map2<U>(a, b, [](U x, U y) { return U(Arith<U>(x) - y); });
}
template <typename U>
inline V128 mul_wrap(V128 a, V128 b) {
  return map2<U>(a, b, [](U x, U y) { return U(Arith<U>(x) * Arith<U>(y)); });
}
template <typename U>
inline V128 neg_wrap(V128 a) {
  return map1<U>(a, [](U x) { return U(Arith<U>(0) - x); });
}
template <typename U>
inline V128 abs_wrap(V128 a) {
  constexpr int kTop = int(sizeof(U)) * 8 - 1;
  return map1<U>(a, [](U x) { return (x >> kTop) ? U(Arith<U>(0) - x) : x; });
}

// Saturating add/sub of 8- and 16-bit lanes (signed or unsigned T): exact
// in int32_t, then clamped.
template <typename T>
inline T clamp_to(int32_t v) {
  return T(std::clamp<int32_t>(v, std::numeric_limits<T>::min(),
                               std::numeric_limits<T>::max()));
}
template <typename T>
inline V128 add_sat(V128 a, V128 b) {
  return map2<T>(a, b,
                 [](T x, T y) { return clamp_to<T>(int32_t(x) + int32_t(y)); });
}
template <typename T>
inline V128 sub_sat(V128 a, V128 b) {
  return map2<T>(a, b,
                 [](T x, T y) { return clamp_to<T>(int32_t(x) - int32_t(y)); });
}

template <typename T>
inline V128 min_lanes(V128 a, V128 b) {
  return map2<T>(a, b, [](T x, T y) { return y < x ? y : x; });
}
template <typename T>
inline V128 max_lanes(V128 a, V128 b) {
  return map2<T>(a, b, [](T x, T y) { return x < y ? y : x; });
}
template <typename U>
inline V128 avgr_u(V128 a, V128 b) {
  return map2<U>(a, b, [](U x, U y) { return U((uint32_t(x) + y + 1) >> 1); });
}

// Shifts take the count modulo the lane width.
template <typename U>
inline V128 shl(V128 a, uint32_t n) {
  const uint32_t s = n & (sizeof(U) * 8 - 1);
  return map1<U>(a, [s](U x) { return U(Arith<U>(x) << s); });
}
template <typename S>
inline V128 shr_s(V128 a, uint32_t n) {
  const uint32_t s = n & (sizeof(S) * 8 - 1);
  return map1<S>(a, [s](S x) { return S(x >> s); });  // arithmetic (C++20)
}
template <typename U>
inline V128 shr_u(V128 a, uint32_t n) {
  const uint32_t s = n & (sizeof(U) * 8 - 1);
  return map1<U>(a, [s](U x) { return U(x >> s); });
}

template <typename U>
inline uint32_t all_true(V128 a) {
  Lanes<U> x = lanes_of<U>(a);
  bool all = true;
  for (int i = 0; i < Lanes<U>::kCount; ++i)
    all &= x.v[i] != 0;
  return all;
}
template <typename S>
inline uint32_t bitmask(V128 a) {
  Lanes<S> x = lanes_of<S>(a);
  uint32_t r = 0;
  for (int i = 0; i < Lanes<S>::kCount; ++i)
    r |= uint32_t(x.v[i] < 0) << i;
  return r;
}

// Narrow signed lanes S of a then b to half-width lanes T, saturating.
template <typename S, typename T>
inline V128 narrow(V128 a, V128 b) {
  constexpr int kHalf = Lanes<S>::kCount;
  Lanes<S> x = lanes_of<S>(a);
  Lanes<S> y = lanes_of<S>(b);
  Lanes<T> r;
  for (int i = 0; i < kHalf; ++i) {
    r.v[i] = clamp_to<T>(int32_t(x.v[i]));
    r.v[i + kHalf] = clamp_to<T>(int32_t(y.v[i]));
  }
  return v128_of(r);
}

// Widen the low or high half of the lanes From (signedness picks sign or
// zero extension) to To.
template <typename From, typename To>
inline V128 extend(V128 a, bool high) {
  constexpr int kN = Lanes<To>::kCount;
  Lanes<From> x = lanes_of<From>(a);
  Lanes<To> r;
  const int base = high ? kN : 0;
  for (int i = 0; i < kN; ++i)
    r.v[i] = To(x.v[base + i]);
  return v128_of(r);
}

// Full-width products of the low or high halves; the product of two
// 32-bit lanes needs 64 bits, of matching signedness.
template <typename From, typename To>
inline V128 extmul(V128 a, V128 b, bool high) {
  using Wide = std::conditional_t<std::is_signed_v<From>, int64_t, uint64_t>;
  constexpr int kN = Lanes<To>::kCount;
  Lanes<From> x = lanes_of<From>(a);
  Lanes<From> y = lanes_of<From>(b);
  Lanes<To> r;
  const int base = high ? kN : 0;
  for (int i = 0; i < kN; ++i)
    r.v[i] = To(Wide(x.v[base + i]) * Wide(y.v[base + i]));
  return v128_of(r);
}

template <typename From, typename To>
inline V128 extadd_pairwise(V128 a) {
  Lanes<From> x = lanes_of<From>(a);
  Lanes<To> r;
  for (int i = 0; i < Lanes<To>::kCount; ++i)
    r.v[i] = To(int32_t(x.v[2 * i]) + int32_t(x.v[2 * i + 1]));
  return v128_of(r);
}

// --- comparisons ---
inline V128 i8x16_eq(V128 a, V128 b) {
  return compare<uint8_t>(a, b, std::equal_to<>());
}
inline V128 i8x16_ne(V128 a, V128 b) {
  return compare<uint8_t>(a, b, std::not_equal_to<>());
}
inline V128 i8x16_lt_s(V128 a, V128 b) {
  return compare<int8_t>(a, b, std::less<>());
}
inline V128 i8x16_lt_u(V128 a, V128 b) {
  return compare<uint8_t>(a, b, std::less<>());
}
inline V128 i8x16_gt_s(V128 a, V128 b) {
  return compare<int8_t>(a, b, std::greater<>());
}
inline V128 i8x16_gt_u(V128 a, V128 b) {
  return compare<uint8_t>(a, b, std::greater<>());
}
inline V128 i8x16_le_s(V128 a, V128 b) {
  return compare<int8_t>(a, b, std::less_equal<>());
}
inline V128 i8x16_le_u(V128 a, V128 b) {
  return compare<uint8_t>(a, b, std::less_equal<>());
}
inline V128 i8x16_ge_s(V128 a, V128 b) {
  return compare<int8_t>(a, b, std::greater_equal<>());
}
inline V128 i8x16_ge_u(V128 a, V128 b) {
  return compare<uint8_t>(a, b, std::greater_equal<>());
}
inline V128 i16x8_eq(V128 a, V128 b) {
  return compare<uint16_t>(a, b, std::equal_to<>());
}
inline V128 i16x8_ne(V128 a, V128 b) {
  return compare<uint16_t>(a, b, std::not_equal_to<>());
}
inline V128 i16x8_lt_s(V128 a, V128 b) {
  return compare<int16_t>(a, b, std::less<>());
}
inline V128 i16x8_lt_u(V128 a, V128 b) {
  return compare<uint16_t>(a, b, std::less<>());
}
inline V128 i16x8_gt_s(V128 a, V128 b) {
  return compare<int16_t>(a, b, std::greater<>());
}
inline V128 i16x8_gt_u(V128 a, V128 b) {
  return compare<uint16_t>(a, b, std::greater<>());
}
inline V128 i16x8_le_s(V128 a, V128 b) {
  return compare<int16_t>(a, b, std::less_equal<>());
}
inline V128 i16x8_le_u(V128 a, V128 b) {
  return compare<uint16_t>(a, b, std::less_equal<>());
}
inline V128 i16x8_ge_s(V128 a, V128 b) {
  return compare<int16_t>(a, b, std::greater_equal<>());
}
inline V128 i16x8_ge_u(V128 a, V128 b) {
  return compare<uint16_t>(a, b, std::greater_equal<>());
}
inline V128 i32x4_eq(V128 a, V128 b) {
  return compare<uint32_t>(a, b, std::equal_to<>());
}
inline V128 i32x4_ne(V128 a, V128 b) {
  return compare<uint32_t>(a, b, std::not_equal_to<>());
}
inline V128 i32x4_lt_s(V128 a, V128 b) {
  return compare<int32_t>(a, b, std::less<>());
}
inline V128 i32x4_lt_u(V128 a, V128 b) {
  return compare<uint32_t>(a, b, std::less<>());
}
inline V128 i32x4_gt_s(V128 a, V128 b) {
  return compare<int32_t>(a, b, std::greater<>());
}
inline V128 i32x4_gt_u(V128 a, V128 b) {
  return compare<uint32_t>(a, b, std::greater<>());
}
inline V128 i32x4_le_s(V128 a, V128 b) {
  return compare<int32_t>(a, b, std::less_equal<>());
}
inline V128 i32x4_le_u(V128 a, V128 b) {
  return compare<uint32_t>(a, b, std::less_equal<>());
}
inline V128 i32x4_ge_s(V128 a, V128 b) {
  return compare<int32_t>(a, b, std::greater_equal<>());
}
inline V128 i32x4_ge_u(V128 a, V128 b) {
  return compare<uint32_t>(a, b, std::greater_equal<>());
}
inline V128 i64x2_eq(V128 a, V128 b) {
  return compare<uint64_t>(a, b, std::equal_to<>());
}
inline V128 i64x2_ne(V128 a, V128 b) {
  return compare<uint64_t>(a, b, std::not_equal_to<>());
}
inline V128 i64x2_lt_s(V128 a, V128 b) {
  return compare<int64_t>(a, b, std::less<>());
}
inline V128 i64x2_gt_s(V128 a, V128 b) {
  return compare<int64_t>(a, b, std::greater<>());
}
inline V128 i64x2_le_s(V128 a, V128 b) {
  return compare<int64_t>(a, b, std::less_equal<>());
}
inline V128 i64x2_ge_s(V128 a, V128 b) {
  return compare<int64_t>(a, b, std::greater_equal<>());
}

// --- i8x16 ---
inline V128 i8x16_abs(V128 a) {
  return abs_wrap<uint8_t>(a);
}
inline V128 i8x16_neg(V128 a) {
  return neg_wrap<uint8_t>(a);
}
inline V128 i8x16_popcnt(V128 a) {
  return map1<uint8_t>(a, [](uint8_t x) { return uint8_t(std::popcount(x)); });
}
inline uint32_t i8x16_all_true(V128 a) {
  return all_true<uint8_t>(a);
}
inline uint32_t i8x16_bitmask(V128 a) {
  return bitmask<int8_t>(a);
}
inline V128 i8x16_narrow_i16x8_s(V128 a, V128 b) {
  return narrow<int16_t, int8_t>(a, b);
}
inline V128 i8x16_narrow_i16x8_u(V128 a, V128 b) {
  return narrow<int16_t, uint8_t>(a, b);
}
inline V128 i8x16_shl(V128 a, uint32_t n) {
  return shl<uint8_t>(a, n);
}
inline V128 i8x16_shr_s(V128 a, uint32_t n) {
  return shr_s<int8_t>(a, n);
}
inline V128 i8x16_shr_u(V128 a, uint32_t n) {
  return shr_u<uint8_t>(a, n);
}
inline V128 i8x16_add(V128 a, V128 b) {
  return add_wrap<uint8_t>(a, b);
}
inline V128 i8x16_add_sat_s(V128 a, V128 b) {
  return add_sat<int8_t>(a, b);
}
inline V128 i8x16_add_sat_u(V128 a, V128 b) {
  return add_sat<uint8_t>(a, b);
}
inline V128 i8x16_sub(V128 a, V128 b) {
  return sub_wrap<uint8_t>(a, b);
}
inline V128 i8x16_sub_sat_s(V128 a, V128 b) {
  return sub_sat<int8_t>(a, b);
}
inline V128 i8x16_sub_sat_u(V128 a, V128 b) {
  return sub_sat<uint8_t>(a, b);
}
inline V128 i8x16_min_s(V128 a, V128 b) {
  return min_lanes<int8_t>(a, b);
}
inline V128 i8x16_min_u(V128 a, V128 b) {
  return min_lanes<uint8_t>(a, b);
}
inline V128 i8x16_max_s(V128 a, V128 b) {
  return max_lanes<int8_t>(a, b);
}
inline V128 i8x16_max_u(V128 a, V128 b) {
  return max_lanes<uint8_t>(a, b);
}
inline V128 i8x16_avgr_u(V128 a, V128 b) {
  return avgr_u<uint8_t>(a, b);
}

// --- i16x8 ---
inline V128 i16x8_extadd_pairwise_i8x16_s(V128 a) {
  return extadd_pairwise<int8_t, int16_t>(a);
}
inline V128 i16x8_extadd_pairwise_i8x16_u(V128 a) {
  return extadd_pairwise<uint8_t, uint16_t>(a);
}
inline V128 i16x8_abs(V128 a) {
  return abs_wrap<uint16_t>(a);
}
inline V128 i16x8_neg(V128 a) {
  return neg_wrap<uint16_t>(a);
}
// Rounding Q15 multiply: (x * y + 2^14) >> 15, saturated; only
// INT16_MIN * INT16_MIN leaves the int16 range.
inline V128 i16x8_q15mulr_sat_s(V128 a, V128 b) {
  return map2<int16_t>(a, b, [](int16_t x, int16_t y) {
    return clamp_to<int16_t>((int32_t(x) * int32_t(y) + 0x4000) >> 15);
  });
}
inline uint32_t i16x8_all_true(V128 a) {
  return all_true<uint16_t>(a);
}
inline uint32_t i16x8_bitmask(V128 a) {
  return bitmask<int16_t>(a);
}
inline V128 i16x8_narrow_i32x4_s(V128 a, V128 b) {
  return narrow<int32_t, int16_t>(a, b);
}
inline V128 i16x8_narrow_i32x4_u(V128 a, V128 b) {
  return narrow<int32_t, uint16_t>(a, b);
}
inline V128 i16x8_extend_low_i8x16_s(V128 a) {
  return extend<int8_t, int16_t>(a, false);
}
inline V128 i16x8_extend_high_i8x16_s(V128 a) {
  return extend<int8_t, int16_t>(a, true);
}
inline V128 i16x8_extend_low_i8x16_u(V128 a) {
  return extend<uint8_t, uint16_t>(a, false);
}
inline V128 i16x8_extend_high_i8x16_u(V128 a) {
  return extend<uint8_t, uint16_t>(a, true);
}
inline V128 i16x8_shl(V128 a, uint32_t n) {
  return shl<uint16_t>(a, n);
}
inline V128 i16x8_shr_s(V128 a, uint32_t n) {
  return shr_s<int16_t>(a, n);
}
inline V128 i16x8_shr_u(V128 a, uint32_t n) {
  return shr_u<uint16_t>(a, n);
}
inline V128 i16x8_add(V128 a, V128 b) {
  return add_wrap<uint16_t>(a, b);
}
inline V128 i16x8_add_sat_s(V128 a, V128 b) {
  return add_sat<int16_t>(a, b);
}
inline V128 i16x8_add_sat_u(V128 a, V128 b) {
  return add_sat<uint16_t>(a, b);
}
inline V128 i16x8_sub(V128 a, V128 b) {
  return sub_wrap<uint16_t>(a, b);
}
inline V128 i16x8_sub_sat_s(V128 a, V128 b) {
  return sub_sat<int16_t>(a, b);
}
inline V128 i16x8_sub_sat_u(V128 a, V128 b) {
  return sub_sat<uint16_t>(a, b);
}
inline V128 i16x8_mul(V128 a, V128 b) {
  return mul_wrap<uint16_t>(a, b);
}
inline V128 i16x8_min_s(V128 a, V128 b) {
  return min_lanes<int16_t>(a, b);
}
inline V128 i16x8_min_u(V128 a, V128 b) {
  return min_lanes<uint16_t>(a, b);
}
inline V128 i16x8_max_s(V128 a, V128 b) {
  return max_lanes<int16_t>(a, b);
}
inline V128 i16x8_max_u(V128 a, V128 b) {
  return max_lanes<uint16_t>(a, b);
}
inline V128 i16x8_avgr_u(V128 a, V128 b) {
  return avgr_u<uint16_t>(a, b);
}
inline V128 i16x8_extmul_low_i8x16_s(V128 a, V128 b) {
  return extmul<int8_t, int16_t>(a, b, false);
}
inline V128 i16x8_extmul_high_i8x16_s(V128 a, V128 b) {
  return extmul<int8_t, int16_t>(a, b, true);
}
inline V128 i16x8_extmul_low_i8x16_u(V128 a, V128 b) {
  return extmul<uint8_t, uint16_t>(a, b, false);
}
inline V128 i16x8_extmul_high_i8x16_u(V128 a, V128 b) {
  return extmul<uint8_t, uint16_t>(a, b, true);
}

// --- i32x4 ---
inline V128 i32x4_extadd_pairwise_i16x8_s(V128 a) {
  return extadd_pairwise<int16_t, int32_t>(a);
}
inline V128 i32x4_extadd_pairwise_i16x8_u(V128 a) {
  return extadd_pairwise<uint16_t, uint32_t>(a);
}
inline V128 i32x4_abs(V128 a) {
  return abs_wrap<uint32_t>(a);
}
inline V128 i32x4_neg(V128 a) {
  return neg_wrap<uint32_t>(a);
}
inline uint32_t i32x4_all_true(V128 a) {
  return all_true<uint32_t>(a);
}
inline uint32_t i32x4_bitmask(V128 a) {
  return bitmask<int32_t>(a);
}
inline V128 i32x4_extend_low_i16x8_s(V128 a) {
  return extend<int16_t, int32_t>(a, false);
}
inline V128 i32x4_extend_high_i16x8_s(V128 a) {
  return extend<int16_t, int32_t>(a, true);
}
inline V128 i32x4_extend_low_i16x8_u(V128 a) {
  return extend<uint16_t, uint32_t>(a, false);
}
inline V128 i32x4_extend_high_i16x8_u(V128 a) {
  return extend<uint16_t, uint32_t>(a, true);
}
inline V128 i32x4_shl(V128 a, uint32_t n) {
  return shl<uint32_t>(a, n);
}
inline V128 i32x4_shr_s(V128 a, uint32_t n) {
  return shr_s<int32_t>(a, n);
}
inline V128 i32x4_shr_u(V128 a, uint32_t n) {
  return shr_u<uint32_t>(a, n);
}
inline V128 i32x4_add(V128 a, V128 b) {
  return add_wrap<uint32_t>(a, b);
}
inline V128 i32x4_sub(V128 a, V128 b) {
  return sub_wrap<uint32_t>(a, b);
}
inline V128 i32x4_mul(V128 a, V128 b) {
  return mul_wrap<uint32_t>(a, b);
}
inline V128 i32x4_min_s(V128 a, V128 b) {
  return min_lanes<int32_t>(a, b);
}
inline V128 i32x4_min_u(V128 a, V128 b) {
  return min_lanes<uint32_t>(a, b);
}
inline V128 i32x4_max_s(V128 a, V128 b) {
  return max_lanes<int32_t>(a, b);
}
inline V128 i32x4_max_u(V128 a, V128 b) {
  return max_lanes<uint32_t>(a, b);
}
// Sum of two int16 products; only -32768^2 * 2 wraps, hence int64_t.
inline V128 i32x4_dot_i16x8_s(V128 a, V128 b) {
  Lanes<int16_t> x = lanes_of<int16_t>(a);
  Lanes<int16_t> y = lanes_of<int16_t>(b);
  Lanes<uint32_t> r;
  for (int i = 0; i < 4; ++i)
    r.v[i] = uint32_t(int64_t(x.v[2 * i]) * y.v[2 * i] +
                      int64_t(x.v[2 * i + 1]) * y.v[2 * i + 1]);
  return v128_of(r);
}
inline V128 i32x4_extmul_low_i16x8_s(V128 a, V128 b) {
  return extmul<int16_t, int32_t>(a, b, false);
}
inline V128 i32x4_extmul_high_i16x8_s(V128 a, V128 b) {
  return extmul<int16_t, int32_t>(a, b, true);
}
inline V128 i32x4_extmul_low_i16x8_u(V128 a, V128 b) {
  return extmul<uint16_t, uint32_t>(a, b, false);
}
inline V128 i32x4_extmul_high_i16x8_u(V128 a, V128 b) {
  return extmul<uint16_t, uint32_t>(a, b, true);
}

// --- i64x2 ---
inline V128 i64x2_abs(V128 a) {
  return abs_wrap<uint64_t>(a);
}
inline V128 i64x2_neg(V128 a) {
  return neg_wrap<uint64_t>(a);
}
inline uint32_t i64x2_all_true(V128 a) {
  return all_true<uint64_t>(a);
}
inline uint32_t i64x2_bitmask(V128 a) {
  return bitmask<int64_t>(a);
}
inline V128 i64x2_extend_low_i32x4_s(V128 a) {
  return extend<int32_t, int64_t>(a, false);
}
inline V128 i64x2_extend_high_i32x4_s(V128 a) {
  return extend<int32_t, int64_t>(a, true);
}
inline V128 i64x2_extend_low_i32x4_u(V128 a) {
  return extend<uint32_t, uint64_t>(a, false);
}
inline V128 i64x2_extend_high_i32x4_u(V128 a) {
  return extend<uint32_t, uint64_t>(a, true);
}
inline V128 i64x2_shl(V128 a, uint32_t n) {
  return shl<uint64_t>(a, n);
}
inline V128 i64x2_shr_s(V128 a, uint32_t n) {
  return shr_s<int64_t>(a, n);
}
inline V128 i64x2_shr_u(V128 a, uint32_t n) {
  return shr_u<uint64_t>(a, n);
}
inline V128 i64x2_add(V128 a, V128 b) {
  return add_wrap<uint64_t>(a, b);
}
inline V128 i64x2_sub(V128 a, V128 b) {
  return sub_wrap<uint64_t>(a, b);
}
inline V128 i64x2_mul(V128 a, V128 b) {
  return mul_wrap<uint64_t>(a, b);
}
inline V128 i64x2_extmul_low_i32x4_s(V128 a, V128 b) {
  return extmul<int32_t, int64_t>(a, b, false);
}
inline V128 i64x2_extmul_high_i32x4_s(V128 a, V128 b) {
  return extmul<int32_t, int64_t>(a, b, true);
}
inline V128 i64x2_extmul_low_i32x4_u(V128 a, V128 b) {
  return extmul<uint32_t, uint64_t>(a, b, false);
}
inline V128 i64x2_extmul_high_i32x4_u(V128 a, V128 b) {
  return extmul<uint32_t, uint64_t>(a, b, true);
}

}  // namespace capbox::engine::simd
