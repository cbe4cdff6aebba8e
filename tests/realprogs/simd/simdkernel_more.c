// SPDX-License-Identifier: Apache-2.0
// The float, byte and lane kernels of simdkernel: f32x4/f64x2 arithmetic,
// rounding, conversions and wasm's min/max rules; byte classification with
// compares, bitselect, swizzle, shuffles and saturation; lane and splat
// loads/stores, extending loads, i64x2 arithmetic and compares, bitmasks.
// Each with a scalar twin giving the same bytes. Plain C11 and libc only.
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "simdkernel.h"

static float fout[12][kF];
static int32_t iout[4][kF];
static double dout[6][kF];
static float fdem[kF];
static int32_t dtrunc[kF];
static uint8_t upper[kT], swz[kT], rev[kT], sat[10][kT], narrow8[kN];

static const uint8_t kTable[16] = {'0', '1', '2', '3', '4', '5', '6', '7',
                                   '8', '9', 'a', 'b', 'c', 'd', 'e', 'f'};

#if !USE_SIMD
// wasm's min/max: -0 below +0 (inputs hold no NaN).
static float fmin_w(float a, float b) {
  return a < b ? a : b < a ? b : bits_f32(f32_bits(a) | f32_bits(b));
}
static float fmax_w(float a, float b) {
  return a < b ? b : b < a ? a : bits_f32(f32_bits(a) & f32_bits(b));
}
static double dmin_w(double a, double b) {
  return a < b ? a : b < a ? b : (signbit(a) ? a : b);
}
static double dmax_w(double a, double b) {
  return a < b ? b : b < a ? a : (signbit(a) ? b : a);
}
static int32_t trunc_sat_s(double f) {
  return f != f               ? 0
         : f >= 2147483648.0  ? INT32_MAX
         : f <= -2147483649.0 ? INT32_MIN
                              : (int32_t)f;
}
static uint32_t trunc_sat_u(double f) {
  return f != f || f <= -1.0 ? 0u
         : f >= 4294967296.0 ? UINT32_MAX
                             : (uint32_t)f;
}

static void floats_scalar(float acc[4]) {
  for (int i = 0; i < kF; ++i) {
    const float x = xf[i], y = yf[i];
    float z = x * 1.75f;
    z = z + y;
    const float w = z * 0.37f;
    const float r[12] = {z,
                         sqrtf(fabsf(z)),
                         ceilf(w),
                         floorf(w),
                         truncf(w),
                         nearbyintf(x),
                         fmin_w(x, y),
                         fmax_w(x, y),
                         y < x ? y : x,
                         x < y ? y : x,
                         x / (fabsf(y) + 1.0f),
                         -z};
    for (int k = 0; k < 12; ++k)
      fout[k][i] = r[k];
    acc[i % 4] += z;
    const float big = z * 1e8f;
    const int32_t p = (int32_t)a16[i] * b16[i];
    iout[0][i] = trunc_sat_s(big);
    iout[1][i] = (int32_t)trunc_sat_u(big);
    iout[2][i] = (int32_t)f32_bits((float)p);
    iout[3][i] = (int32_t)f32_bits((float)(uint32_t)p);
    const double dx = x, dy = y, m = dx * dy, s = sqrt(fabs(m));
    dout[0][i] = m, dout[1][i] = s, dout[2][i] = nearbyint(m / 7.0);
    dout[3][i] = dmin_w(dx, dy), dout[4][i] = dmax_w(dx, dy);
    dout[5][i] = floor(s) + ceil(-s) + trunc(m / 3.0) + (double)p;
    fdem[i] = (float)s;
    dtrunc[i] = trunc_sat_s(m * 1e5);
  }
}
#endif

#if USE_SIMD
// The f64x2 half of kernel_floats: lanes h, h+1 of x, y and p.
static void doubles_simd(int i, int h, v128_t x, v128_t y, v128_t p) {
  const v128_t xs = h ? wasm_i32x4_shuffle(x, x, 2, 3, 0, 1) : x;
  const v128_t ys = h ? wasm_i32x4_shuffle(y, y, 2, 3, 0, 1) : y;
  const v128_t ps = h ? wasm_i32x4_shuffle(p, p, 2, 3, 0, 1) : p;
  const v128_t dx = wasm_f64x2_promote_low_f32x4(xs);
  const v128_t dy = wasm_f64x2_promote_low_f32x4(ys);
  const v128_t m = wasm_f64x2_mul(dx, dy);
  const v128_t s = wasm_f64x2_sqrt(wasm_f64x2_abs(m));
  wasm_v128_store(&dout[0][i + h], m);
  wasm_v128_store(&dout[1][i + h], s);
  wasm_v128_store(&dout[2][i + h],
                  wasm_f64x2_nearest(wasm_f64x2_div(m, wasm_f64x2_splat(7.0))));
  wasm_v128_store(&dout[3][i + h], wasm_f64x2_min(dx, dy));
  wasm_v128_store(&dout[4][i + h], wasm_f64x2_max(dx, dy));
  v128_t t =
      wasm_f64x2_add(wasm_f64x2_floor(s), wasm_f64x2_ceil(wasm_f64x2_neg(s)));
  t = wasm_f64x2_add(
      t, wasm_f64x2_trunc(wasm_f64x2_div(m, wasm_f64x2_splat(3.0))));
  t = wasm_f64x2_add(t, wasm_f64x2_convert_low_i32x4(ps));
  wasm_v128_store(&dout[5][i + h], t);
  wasm_v128_store64_lane(&fdem[i + h], wasm_f32x4_demote_f64x2_zero(s), 0);
  wasm_v128_store64_lane(
      &dtrunc[i + h],
      wasm_i32x4_trunc_sat_f64x2_zero(wasm_f64x2_mul(m, wasm_f64x2_splat(1e5))),
      0);
}

static void floats_simd(float acc_out[4]) {
  v128_t acc = wasm_f32x4_splat(0.0f);
  for (int i = 0; i < kF; i += 4) {
    const v128_t x = wasm_v128_load(xf + i), y = wasm_v128_load(yf + i);
    const v128_t z =
        wasm_f32x4_add(wasm_f32x4_mul(x, wasm_f32x4_splat(1.75f)), y);
    const v128_t w = wasm_f32x4_mul(z, wasm_f32x4_splat(0.37f));
    const v128_t r[12] = {
        z,
        wasm_f32x4_sqrt(wasm_f32x4_abs(z)),
        wasm_f32x4_ceil(w),
        wasm_f32x4_floor(w),
        wasm_f32x4_trunc(w),
        wasm_f32x4_nearest(x),
        wasm_f32x4_min(x, y),
        wasm_f32x4_max(x, y),
        wasm_f32x4_pmin(x, y),
        wasm_f32x4_pmax(x, y),
        wasm_f32x4_div(
            x, wasm_f32x4_add(wasm_f32x4_abs(y), wasm_f32x4_splat(1.0f))),
        wasm_f32x4_neg(z)};
    for (int k = 0; k < 12; ++k)
      wasm_v128_store(&fout[k][i], r[k]);
    acc = wasm_f32x4_add(acc, z);
    const v128_t big = wasm_f32x4_mul(z, wasm_f32x4_splat(1e8f));
    const v128_t p = wasm_i32x4_extmul_low_i16x8(
        wasm_v128_load64_zero(a16 + i), wasm_v128_load64_zero(b16 + i));
    wasm_v128_store(&iout[0][i], wasm_i32x4_trunc_sat_f32x4(big));
    wasm_v128_store(&iout[1][i], wasm_u32x4_trunc_sat_f32x4(big));
    wasm_v128_store(&iout[2][i], wasm_f32x4_convert_i32x4(p));
    wasm_v128_store(&iout[3][i], wasm_f32x4_convert_u32x4(p));
    doubles_simd(i, 0, x, y, p);
    doubles_simd(i, 2, x, y, p);
  }
  // Through replace_lane, so it is exercised too.
  const v128_t back = wasm_f32x4_replace_lane(wasm_f32x4_splat(0.0f), 2,
                                              wasm_f32x4_extract_lane(acc, 2));
  acc_out[0] = wasm_f32x4_extract_lane(acc, 0);
  acc_out[1] = wasm_f32x4_extract_lane(acc, 1);
  acc_out[2] = wasm_f32x4_extract_lane(back, 2);
  acc_out[3] = wasm_f32x4_extract_lane(acc, 3);
}
#endif

void kernel_floats(void) {
  float acc[4] = {0, 0, 0, 0};
#if USE_SIMD
  floats_simd(acc);
#else
  floats_scalar(acc);
#endif
  const float sum = (acc[0] + acc[1]) + (acc[2] + acc[3]);
  printf("fsum       %08x %.6g\n", f32_bits(sum), (double)sum);
  report("f32x4", fout, sizeof fout);
  report("f32conv", iout, sizeof iout);
  report("f64x2", dout, sizeof dout);
  report("demote", fdem, sizeof fdem);
  report("f64trunc", dtrunc, sizeof dtrunc);
}

// Bytes: per 16-byte block, the lane results the intrinsics compute.
#if !USE_SIMD
static uint8_t sat_u8(int v) {
  return (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
}
static int8_t sat_i8(int v) {
  return (int8_t)(v < -128 ? -128 : v > 127 ? 127 : v);
}

static void bytes_scalar(int* counts) {
  for (int i = 0; i < kT; ++i) {
    const uint8_t u = text[i], v = text[kT - 16 - (i & ~15) + (i & 15)];
    const int8_t s = (int8_t)u, t = (int8_t)v;
    const int k = (i / 16) % 11 & 7;
    const int lower = u >= 'a' && u <= 'z';
    upper[i] = lower ? (uint8_t)(u & ~0x20) : u;
    counts[0] += lower;
    swz[i] = (u & 0x1f) < 16 ? kTable[u & 0x1f] : 0;
    rev[i] = text[(i & ~15) + 15 - (i & 15)];
    sat[0][i] = (uint8_t)sat_i8(s + t), sat[1][i] = sat_u8(u + v);
    sat[2][i] = (uint8_t)sat_i8(s - t), sat[3][i] = sat_u8(u - v);
    sat[4][i] = (uint8_t)(s < t ? s : t), sat[5][i] = u > v ? u : v;
    sat[6][i] = (uint8_t)(s < 0 ? -s : s), sat[7][i] = (uint8_t)(s >> k);
    sat[8][i] = (uint8_t)(u << k), sat[9][i] = (uint8_t)(u >> k);
    counts[1] += __builtin_popcount(u);
    counts[2] += s > t;
    counts[3] += u < v;
  }
  for (int b = 0; b < kT; b += 16) {
    int zero = -1;
    for (int j = 15; j >= 0; --j)
      zero = text[b + j] == 0 ? j : zero;
    counts[4] += zero < 0;
    counts[5] += zero < 0 ? 0 : b + zero;
  }
  for (int i = 0; i < kN; ++i)
    narrow8[i] = (uint8_t)sat_i8(a16[i] >> 6);
}
#endif

#if USE_SIMD
static void bytes_simd(int* counts) {
  const v128_t table = wasm_v128_load(kTable);
  v128_t pop = wasm_i16x8_splat(0);
  for (int i = 0; i < kT; i += 16) {
    const v128_t u = wasm_v128_load(text + i);
    const v128_t v = wasm_v128_load(text + kT - 16 - i);
    const int k = (i / 16) % 11;
    const v128_t lower = wasm_v128_and(wasm_u8x16_ge(u, wasm_i8x16_splat('a')),
                                       wasm_u8x16_le(u, wasm_i8x16_splat('z')));
    wasm_v128_store(upper + i,
                    wasm_v128_bitselect(
                        wasm_v128_andnot(u, wasm_i8x16_splat(0x20)), u, lower));
    counts[0] += __builtin_popcount(wasm_i8x16_bitmask(lower));
    wasm_v128_store(
        swz + i,
        wasm_i8x16_swizzle(table, wasm_v128_and(u, wasm_i8x16_splat(31))));
    wasm_v128_store(rev + i, wasm_i8x16_shuffle(u, u, 15, 14, 13, 12, 11, 10, 9,
                                                8, 7, 6, 5, 4, 3, 2, 1, 0));
    const v128_t r[10] = {wasm_i8x16_add_sat(u, v), wasm_u8x16_add_sat(u, v),
                          wasm_i8x16_sub_sat(u, v), wasm_u8x16_sub_sat(u, v),
                          wasm_i8x16_min(u, v),     wasm_u8x16_max(u, v),
                          wasm_i8x16_abs(u),        wasm_i8x16_shr(u, k),
                          wasm_i8x16_shl(u, k),     wasm_u8x16_shr(u, k)};
    for (int j = 0; j < 10; ++j)
      wasm_v128_store(sat[j] + i, r[j]);
    pop = wasm_i16x8_add(
        pop, wasm_u16x8_extadd_pairwise_u8x16(wasm_i8x16_popcnt(u)));
    counts[2] += __builtin_popcount(wasm_i8x16_bitmask(wasm_i8x16_gt(u, v)));
    counts[3] += __builtin_popcount(wasm_i8x16_bitmask(wasm_u8x16_lt(u, v)));
    const v128_t zeros = wasm_i8x16_eq(u, wasm_i8x16_splat(0));
    if (wasm_v128_any_true(zeros))
      counts[5] += i + __builtin_ctz(wasm_i8x16_bitmask(zeros));
    counts[4] += wasm_i8x16_all_true(u);
  }
  uint16_t pops[8];
  wasm_v128_store(pops, pop);
  for (int l = 0; l < 8; ++l)
    counts[1] += pops[l];
  for (int i = 0; i < kN; i += 16) {
    const v128_t lo = wasm_i16x8_shr(wasm_v128_load(a16 + i), 6);
    const v128_t hi = wasm_i16x8_shr(wasm_v128_load(a16 + i + 8), 6);
    wasm_v128_store(narrow8 + i, wasm_i8x16_narrow_i16x8(lo, hi));
  }
}
#endif

void kernel_bytes(void) {
  int counts[6] = {0, 0, 0, 0, 0, 0};
#if USE_SIMD
  bytes_simd(counts);
#else
  bytes_scalar(counts);
#endif
  printf("counts     %d %d %d %d %d %d\n", counts[0], counts[1], counts[2],
         counts[3], counts[4], counts[5]);
  report("upper", upper, sizeof upper);
  report("swizzle", swz, sizeof swz);
  report("reverse", rev, sizeof rev);
  report("saturate", sat, sizeof sat);
  report("narrow", narrow8, sizeof narrow8);
}
