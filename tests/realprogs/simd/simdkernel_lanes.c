// SPDX-License-Identifier: Apache-2.0
// The lane kernels of simdkernel: lane, zero and splat loads, extending
// loads, lane stores, a 4x4-block matrix transpose by shuffles, i64x2 and
// i32x4 arithmetic, shifts by counts past the lane width, compares,
// bitmasks, extract and replace lane. Each with a scalar twin giving the
// same bytes (little-endian, as wasm). Plain C11 and libc only.
#include <stdio.h>
#include <string.h>

#include "simdkernel.h"

enum { kIters = 256, kPairs = kN / 4 };

static uint8_t lanes[kIters][8][16], scatter[kT];
static uint64_t i64out[15][kPairs];
static int32_t matT[kM * kM];

#if !USE_SIMD
static uint16_t rd16(const uint8_t* p) {
  uint16_t v;
  memcpy(&v, p, 2);
  return v;
}
static uint32_t rd32(const uint8_t* p) {
  uint32_t v;
  memcpy(&v, p, 4);
  return v;
}

static void scatter_lanes(int it) {
  const uint8_t* a = lanes[it][0];
  const uint8_t* b = lanes[it][1];
  memcpy(scatter + (it * 53) % (kT - 8), b + 13, 1);
  memcpy(scatter + (it * 71) % (kT - 8), b + 10, 2);
  memcpy(scatter + (it * 29) % (kT - 8), a + 4, 4);
  memcpy(scatter + (it * 97) % (kT - 8), b, 8);
}

static void loads_scalar(void) {
  for (int it = 0; it < kIters; ++it) {
    const uint8_t* p = text + (it * 37) % (kT - 32);
    uint8_t(*blk)[16] = lanes[it];
    memset(blk, 0, sizeof lanes[it]);
    memcpy(blk[0], p, 4), blk[0][4] = p[9];
    memcpy(blk[0] + 6, p + 11, 2), memcpy(blk[0] + 12, p + 1, 4);
    memcpy(blk[1], p + 3, 8), memcpy(blk[1] + 8, p + 20, 8);
    int16_t e1[8];
    uint16_t e2[8];
    uint32_t e3[4];
    uint64_t e4[2];
    for (int j = 0; j < 16; ++j) {
      blk[2][j] = p[2] ^ p[6 + (j & 1)];
      blk[3][j] = p[7 + (j & 3)] ^ p[13 + (j & 7)];
    }
    for (int j = 0; j < 8; ++j)
      e1[j] = (int8_t)p[1 + j], e2[j] = p[2 + j];
    for (int j = 0; j < 4; ++j)
      e3[j] =
          (uint32_t)(int32_t)(int16_t)rd16(p + 3 + 2 * j) ^ rd16(p + 5 + 2 * j);
    for (int j = 0; j < 2; ++j)
      e4[j] =
          (uint64_t)(int64_t)(int32_t)rd32(p + 4 + 4 * j) + rd32(p + 6 + 4 * j);
    memcpy(blk[4], e1, 16), memcpy(blk[5], e2, 16);
    memcpy(blk[6], e3, 16), memcpy(blk[7], e4, 16);
    scatter_lanes(it);
  }
  for (int r = 0; r < kM; ++r) {
    for (int c = 0; c < kM; ++c)
      matT[c * kM + r] = mat[r * kM + c];
  }
}

static uint64_t shift_mask(const uint64_t* x, const uint64_t* y, int i) {
  const int64_t a = (int64_t)x[i], b = (int64_t)y[i];
  return (a == b ? 1 : 0) | (a != b ? 2 : 0) | (a < b ? 4 : 0) |
         (a > b ? 8 : 0) | (a <= b ? 16 : 0) | (a >= b ? 32 : 0);
}

static uint64_t i64_scalar(void) {
  uint64_t bm = 0;
  for (int i = 0; i < kPairs; ++i) {
    const int pair = i & ~1, h = i & 1, k = pair % 70 & 63,
              k2 = (pair / 2) % 41 & 31;
    const uint64_t x = x64[i], y = y64[i];
    i64out[0][i] = x + y, i64out[1][i] = x - y, i64out[2][i] = x * y;
    i64out[3][i] = x << k, i64out[4][i] = (uint64_t)((int64_t)x >> k);
    i64out[5][i] = x >> k, i64out[6][i] = 0 - x;
    i64out[7][i] = (int64_t)x < 0 ? 0 - x : x;
    i64out[8][i] = shift_mask(x64, y64, i);
    const int s = h ? 32 : 0;
    i64out[9][i] = (uint64_t)((int64_t)(int32_t)(x64[pair] >> s) *
                              (int32_t)(y64[pair] >> s));
    i64out[10][i] = (uint64_t)(uint32_t)(x64[pair + 1] >> s) *
                    (uint32_t)(y64[pair + 1] >> s);
    uint32_t w[2] = {(uint32_t)x, (uint32_t)(x >> 32)}, o[3][2];
    for (int j = 0; j < 2; ++j) {
      o[0][j] = w[j] << k2;
      o[1][j] = (uint32_t)((int32_t)w[j] >> k2);
      o[2][j] = w[j] >> k2;
    }
    for (int j = 0; j < 3; ++j)
      memcpy(&i64out[11 + j][i], o[j], 8);
    uint8_t r[16];
    memcpy(r, &x64[pair], 16);
    r[0] = 0x80, r[14] = r[15] = 0xff;
    const uint32_t lane1 = 12345;
    memcpy(r + 4, &lane1, 4);
    memcpy(r + 8, &y64[pair + 1], 8);
    memcpy(&i64out[14][i], r + 8 * h, 8);
    if (h)
      continue;
    int8_t bytes[16];
    memcpy(bytes, &x64[pair], 16);
    for (int j = 0; j < 16; ++j) {
      bm += (uint64_t)(bytes[j] < 0) << (14 + j);
      if (j % 2 == 1)
        bm += (uint64_t)(bytes[j] < 0) << (6 + j / 2);
      if (j % 4 == 3)
        bm += (uint64_t)(bytes[j] < 0) << (2 + j / 4);
      if (j % 8 == 7)
        bm += (uint64_t)(bytes[j] < 0) << (j / 8);
    }
    bm += (uint64_t)(int64_t)bytes[5] + (uint8_t)bytes[9] +
          (uint64_t)(int64_t)(int16_t)rd16((const uint8_t*)bytes + 6) +
          rd16((const uint8_t*)bytes + 12);
  }
  return bm;
}
#endif

#if USE_SIMD
static void loads_simd(void) {
  for (int it = 0; it < kIters; ++it) {
    const uint8_t* p = text + (it * 37) % (kT - 32);
    v128_t v = wasm_v128_load32_zero(p);
    v = wasm_v128_load8_lane(p + 9, v, 4);
    v = wasm_v128_load16_lane(p + 11, v, 3);
    v = wasm_v128_load32_lane(p + 1, v, 3);
    v128_t u = wasm_v128_load64_zero(p + 3);
    u = wasm_v128_load64_lane(p + 20, u, 1);
    const v128_t blk[8] = {
        v,
        u,
        wasm_v128_xor(wasm_v128_load8_splat(p + 2),
                      wasm_v128_load16_splat(p + 6)),
        wasm_v128_xor(wasm_v128_load32_splat(p + 7),
                      wasm_v128_load64_splat(p + 13)),
        wasm_i16x8_load8x8(p + 1),
        wasm_u16x8_load8x8(p + 2),
        wasm_v128_xor(wasm_i32x4_load16x4(p + 3), wasm_u32x4_load16x4(p + 5)),
        wasm_i64x2_add(wasm_i64x2_load32x2(p + 4), wasm_u64x2_load32x2(p + 6))};
    for (int j = 0; j < 8; ++j)
      wasm_v128_store(lanes[it][j], blk[j]);
    wasm_v128_store8_lane(scatter + (it * 53) % (kT - 8), u, 13);
    wasm_v128_store16_lane(scatter + (it * 71) % (kT - 8), u, 5);
    wasm_v128_store32_lane(scatter + (it * 29) % (kT - 8), v, 1);
    wasm_v128_store64_lane(scatter + (it * 97) % (kT - 8), u, 0);
  }
  for (int bi = 0; bi < kM; bi += 4) {
    for (int bj = 0; bj < kM; bj += 4) {
      v128_t r[4];
      for (int k = 0; k < 4; ++k)
        r[k] = wasm_v128_load(mat + (bi + k) * kM + bj);
      const v128_t t0 = wasm_i32x4_shuffle(r[0], r[1], 0, 4, 1, 5);
      const v128_t t1 = wasm_i32x4_shuffle(r[2], r[3], 0, 4, 1, 5);
      const v128_t t2 = wasm_i32x4_shuffle(r[0], r[1], 2, 6, 3, 7);
      const v128_t t3 = wasm_i32x4_shuffle(r[2], r[3], 2, 6, 3, 7);
      const v128_t o[4] = {
          wasm_i64x2_shuffle(t0, t1, 0, 2), wasm_i64x2_shuffle(t0, t1, 1, 3),
          wasm_i64x2_shuffle(t2, t3, 0, 2), wasm_i64x2_shuffle(t2, t3, 1, 3)};
      for (int k = 0; k < 4; ++k)
        wasm_v128_store(matT + (bj + k) * kM + bi, o[k]);
    }
  }
}

static v128_t compare_mask(v128_t x, v128_t y) {
  const v128_t parts[6] = {wasm_i64x2_eq(x, y), wasm_i64x2_ne(x, y),
                           wasm_i64x2_lt(x, y), wasm_i64x2_gt(x, y),
                           wasm_i64x2_le(x, y), wasm_i64x2_ge(x, y)};
  v128_t m = wasm_i64x2_splat(0);
  for (int j = 0; j < 6; ++j)
    m = wasm_v128_or(m, wasm_v128_and(parts[j], wasm_i64x2_splat(1 << j)));
  return m;
}

static uint64_t i64_simd(void) {
  uint64_t bm = 0;
  for (int i = 0; i < kPairs; i += 2) {
    const v128_t x = wasm_v128_load(x64 + i), y = wasm_v128_load(y64 + i);
    const int k = i % 70, k2 = (i / 2) % 41;
    const v128_t r[14] = {wasm_i64x2_add(x, y),
                          wasm_i64x2_sub(x, y),
                          wasm_i64x2_mul(x, y),
                          wasm_i64x2_shl(x, k),
                          wasm_i64x2_shr(x, k),
                          wasm_u64x2_shr(x, k),
                          wasm_i64x2_neg(x),
                          wasm_i64x2_abs(x),
                          compare_mask(x, y),
                          wasm_i64x2_extmul_low_i32x4(x, y),
                          wasm_u64x2_extmul_high_u32x4(x, y),
                          wasm_i32x4_shl(x, k2),
                          wasm_i32x4_shr(x, k2),
                          wasm_u32x4_shr(x, k2)};
    for (int j = 0; j < 14; ++j)
      wasm_v128_store(&i64out[j][i], r[j]);
    v128_t rep = wasm_i8x16_replace_lane(x, 0, (int8_t)0x80);
    rep = wasm_i16x8_replace_lane(rep, 7, -1);
    rep = wasm_i32x4_replace_lane(rep, 1, 12345);
    rep = wasm_i64x2_replace_lane(rep, 1, wasm_i64x2_extract_lane(y, 1));
    wasm_v128_store(&i64out[14][i], rep);
    bm += (uint64_t)wasm_i64x2_bitmask(x) +
          ((uint64_t)wasm_i32x4_bitmask(x) << 2) +
          ((uint64_t)wasm_i16x8_bitmask(x) << 6) +
          ((uint64_t)wasm_i8x16_bitmask(x) << 14);
    bm += (uint64_t)(int64_t)wasm_i8x16_extract_lane(x, 5) +
          wasm_u8x16_extract_lane(x, 9) +
          (uint64_t)(int64_t)wasm_i16x8_extract_lane(x, 3) +
          wasm_u16x8_extract_lane(x, 6);
  }
  return bm;
}
#endif

void kernel_lanes(void) {
#if USE_SIMD
  loads_simd();
  const uint64_t bm = i64_simd();
#else
  loads_scalar();
  const uint64_t bm = i64_scalar();
#endif
  printf("bitmasks   %016llx\n", (unsigned long long)bm);
  report("loads", lanes, sizeof lanes);
  report("scatter", scatter, sizeof scatter);
  report("transpose", matT, sizeof matT);
  report("i64x2", i64out, sizeof i64out);
}
