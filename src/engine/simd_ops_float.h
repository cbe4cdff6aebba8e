// SPDX-License-Identifier: Apache-2.0
// Floating-point lane semantics of the wasm SIMD instructions (rows of
// simd.def), including the float<->int conversions. Pure, header-only, no
// engine state. Follows the scalar rules of interp_numeric.inc: abs/neg and
// pmin/pmax keep NaN bits exactly, min/max return a NaN if either operand is
// one and order -0 below +0, rounding never returns a signalling NaN, and
// float-to-int conversions check the range before converting (no UB).
#pragma once

#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>

#include "engine/simd_value.h"
#include "engine/wasm_float.h"

namespace capbox::engine::simd {

template <typename F>
inline V128 fabs_bits(V128 a) {
  using U = UIntOf<F>;
  return map1<U>(a, [](U x) { return U(x & (~U(0) >> 1)); });
}
template <typename F>
inline V128 fneg_bits(V128 a) {
  using U = UIntOf<F>;
  return map1<U>(a, [](U x) { return U(x ^ ~(~U(0) >> 1)); });
}

// pmin/pmax are defined as a plain select, so they return one operand's
// bits unchanged (a NaN included); select on the bits to guarantee that.
template <typename F>
inline V128 pmin(V128 a, V128 b) {
  using U = UIntOf<F>;
  Lanes<F> x = lanes_of<F>(a);
  Lanes<F> y = lanes_of<F>(b);
  Lanes<U> xb = lanes_of<U>(a);
  Lanes<U> yb = lanes_of<U>(b);
  Lanes<U> r;
  for (int i = 0; i < Lanes<F>::kCount; ++i)
    r.v[i] = y.v[i] < x.v[i] ? yb.v[i] : xb.v[i];
  return v128_of(r);
}
template <typename F>
inline V128 pmax(V128 a, V128 b) {
  using U = UIntOf<F>;
  Lanes<F> x = lanes_of<F>(a);
  Lanes<F> y = lanes_of<F>(b);
  Lanes<U> xb = lanes_of<U>(a);
  Lanes<U> yb = lanes_of<U>(b);
  Lanes<U> r;
  for (int i = 0; i < Lanes<F>::kCount; ++i)
    r.v[i] = x.v[i] < y.v[i] ? yb.v[i] : xb.v[i];
  return v128_of(r);
}

// libm's rounding functions may return a signalling NaN unchanged; wasm
// requires a quiet one. nearbyint rounds ties to even (the engine never
// changes the rounding mode).
template <typename F>
inline F quiet_nan_or(F x, F rounded) {
  return std::isnan(x) ? x + x : rounded;
}
template <typename F>
inline V128 fceil(V128 a) {
  return map1<F>(a, [](F x) { return quiet_nan_or(x, std::ceil(x)); });
}
template <typename F>
inline V128 ffloor(V128 a) {
  return map1<F>(a, [](F x) { return quiet_nan_or(x, std::floor(x)); });
}
template <typename F>
inline V128 ftrunc(V128 a) {
  return map1<F>(a, [](F x) { return quiet_nan_or(x, std::trunc(x)); });
}
template <typename F>
inline V128 fnearest(V128 a) {
  return map1<F>(a, [](F x) { return quiet_nan_or(x, std::nearbyint(x)); });
}

// --- f32x4 ---
inline V128 f32x4_eq(V128 a, V128 b) {
  return compare<float>(a, b, std::equal_to<>());
}
inline V128 f32x4_ne(V128 a, V128 b) {
  return compare<float>(a, b, std::not_equal_to<>());
}
inline V128 f32x4_lt(V128 a, V128 b) {
  return compare<float>(a, b, std::less<>());
}
inline V128 f32x4_gt(V128 a, V128 b) {
  return compare<float>(a, b, std::greater<>());
}
inline V128 f32x4_le(V128 a, V128 b) {
  return compare<float>(a, b, std::less_equal<>());
}
inline V128 f32x4_ge(V128 a, V128 b) {
  return compare<float>(a, b, std::greater_equal<>());
}
inline V128 f32x4_ceil(V128 a) {
  return fceil<float>(a);
}
inline V128 f32x4_floor(V128 a) {
  return ffloor<float>(a);
}
inline V128 f32x4_trunc(V128 a) {
  return ftrunc<float>(a);
}
inline V128 f32x4_nearest(V128 a) {
  return fnearest<float>(a);
}
inline V128 f32x4_abs(V128 a) {
  return fabs_bits<float>(a);
}
inline V128 f32x4_neg(V128 a) {
  return fneg_bits<float>(a);
}
inline V128 f32x4_sqrt(V128 a) {
  return map1<float>(a, [](float x) { return std::sqrt(x); });
}
inline V128 f32x4_add(V128 a, V128 b) {
  return map2<float>(a, b, [](float x, float y) { return x + y; });
}
inline V128 f32x4_sub(V128 a, V128 b) {
  return map2<float>(a, b, [](float x, float y) { return x - y; });
}
inline V128 f32x4_mul(V128 a, V128 b) {
  return map2<float>(a, b, [](float x, float y) { return x * y; });
}
inline V128 f32x4_div(V128 a, V128 b) {
  return map2<float>(a, b, [](float x, float y) { return x / y; });
}
inline V128 f32x4_min(V128 a, V128 b) {
  return map2<float>(a, b, wasm_min<float>);
}
inline V128 f32x4_max(V128 a, V128 b) {
  return map2<float>(a, b, wasm_max<float>);
}
inline V128 f32x4_pmin(V128 a, V128 b) {
  return pmin<float>(a, b);
}
inline V128 f32x4_pmax(V128 a, V128 b) {
  return pmax<float>(a, b);
}

// --- f64x2 ---
inline V128 f64x2_eq(V128 a, V128 b) {
  return compare<double>(a, b, std::equal_to<>());
}
inline V128 f64x2_ne(V128 a, V128 b) {
  return compare<double>(a, b, std::not_equal_to<>());
}
inline V128 f64x2_lt(V128 a, V128 b) {
  return compare<double>(a, b, std::less<>());
}
inline V128 f64x2_gt(V128 a, V128 b) {
  return compare<double>(a, b, std::greater<>());
}
inline V128 f64x2_le(V128 a, V128 b) {
  return compare<double>(a, b, std::less_equal<>());
}
inline V128 f64x2_ge(V128 a, V128 b) {
  return compare<double>(a, b, std::greater_equal<>());
}
inline V128 f64x2_ceil(V128 a) {
  return fceil<double>(a);
}
inline V128 f64x2_floor(V128 a) {
  return ffloor<double>(a);
}
inline V128 f64x2_trunc(V128 a) {
  return ftrunc<double>(a);
}
inline V128 f64x2_nearest(V128 a) {
  return fnearest<double>(a);
}
inline V128 f64x2_abs(V128 a) {
  return fabs_bits<double>(a);
}
inline V128 f64x2_neg(V128 a) {
  return fneg_bits<double>(a);
}
inline V128 f64x2_sqrt(V128 a) {
  return map1<double>(a, [](double x) { return std::sqrt(x); });
}
inline V128 f64x2_add(V128 a, V128 b) {
  return map2<double>(a, b, [](double x, double y) { return x + y; });
}
inline V128 f64x2_sub(V128 a, V128 b) {
  return map2<double>(a, b, [](double x, double y) { return x - y; });
}
inline V128 f64x2_mul(V128 a, V128 b) {
  return map2<double>(a, b, [](double x, double y) { return x * y; });
}
inline V128 f64x2_div(V128 a, V128 b) {
  return map2<double>(a, b, [](double x, double y) { return x / y; });
}
inline V128 f64x2_min(V128 a, V128 b) {
  return map2<double>(a, b, wasm_min<double>);
}
inline V128 f64x2_max(V128 a, V128 b) {
  return map2<double>(a, b, wasm_max<double>);
}
inline V128 f64x2_pmin(V128 a, V128 b) {
  return pmin<double>(a, b);
}
inline V128 f64x2_pmax(V128 a, V128 b) {
  return pmax<double>(a, b);
}

// --- conversions ---
inline V128 i32x4_trunc_sat_f32x4_s(V128 a) {
  Lanes<float> x = lanes_of<float>(a);
  Lanes<int32_t> r;
  for (int i = 0; i < 4; ++i)
    r.v[i] = trunc_sat<int32_t>(x.v[i], -2147483904.0f, 2147483648.0f);
  return v128_of(r);
}
inline V128 i32x4_trunc_sat_f32x4_u(V128 a) {
  Lanes<float> x = lanes_of<float>(a);
  Lanes<uint32_t> r;
  for (int i = 0; i < 4; ++i)
    r.v[i] = trunc_sat<uint32_t>(x.v[i], -1.0f, 4294967296.0f);
  return v128_of(r);
}
// The two results go to lanes 0 and 1; lanes 2 and 3 are zero.
inline V128 i32x4_trunc_sat_f64x2_s_zero(V128 a) {
  Lanes<double> x = lanes_of<double>(a);
  Lanes<int32_t> r{};
  for (int i = 0; i < 2; ++i)
    r.v[i] = trunc_sat<int32_t>(x.v[i], -2147483649.0, 2147483648.0);
  return v128_of(r);
}
inline V128 i32x4_trunc_sat_f64x2_u_zero(V128 a) {
  Lanes<double> x = lanes_of<double>(a);
  Lanes<uint32_t> r{};
  for (int i = 0; i < 2; ++i)
    r.v[i] = trunc_sat<uint32_t>(x.v[i], -1.0, 4294967296.0);
  return v128_of(r);
}
inline V128 f32x4_convert_i32x4_s(V128 a) {
  Lanes<int32_t> x = lanes_of<int32_t>(a);
  Lanes<float> r;
  for (int i = 0; i < 4; ++i)
    r.v[i] = float(x.v[i]);
  return v128_of(r);
}
inline V128 f32x4_convert_i32x4_u(V128 a) {
  Lanes<uint32_t> x = lanes_of<uint32_t>(a);
  Lanes<float> r;
  for (int i = 0; i < 4; ++i)
    r.v[i] = float(x.v[i]);
  return v128_of(r);
}
inline V128 f64x2_convert_low_i32x4_s(V128 a) {
  Lanes<int32_t> x = lanes_of<int32_t>(a);
  Lanes<double> r;
  for (int i = 0; i < 2; ++i)
    r.v[i] = double(x.v[i]);
  return v128_of(r);
}
inline V128 f64x2_convert_low_i32x4_u(V128 a) {
  Lanes<uint32_t> x = lanes_of<uint32_t>(a);
  Lanes<double> r;
  for (int i = 0; i < 2; ++i)
    r.v[i] = double(x.v[i]);
  return v128_of(r);
}
// IEEE conversion (round to nearest even, overflow to infinity, NaN stays
// a quiet NaN); the upper two lanes are +0.0.
inline V128 f32x4_demote_f64x2_zero(V128 a) {
  Lanes<double> x = lanes_of<double>(a);
  Lanes<float> r{};
  for (int i = 0; i < 2; ++i)
    r.v[i] = float(x.v[i]);
  return v128_of(r);
}
inline V128 f64x2_promote_low_f32x4(V128 a) {
  Lanes<float> x = lanes_of<float>(a);
  Lanes<double> r;
  for (int i = 0; i < 2; ++i)
    r.v[i] = double(x.v[i]);
  return v128_of(r);
}

}  // namespace capbox::engine::simd
