// SPDX-License-Identifier: Apache-2.0
// SIMD kernels written with wasm_simd128.h intrinsics, each beside a scalar
// twin that computes the same bytes with wasm's lane semantics. The native
// build (and a wasm build with -DSIMDKERNEL_SCALAR) runs the twins, the
// -msimd128 build the intrinsics; run_realprogs.py compares their outputs
// byte for byte. Each kernel prints an FNV-1a hash of its output buffer.
// Plain C11 and libc only: it must build for the host and wasm32-wasi.
#include "simdkernel.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

uint8_t img[kW * kH];
int16_t a16[kN], b16[kN];
float xf[kF], yf[kF];
uint8_t text[kT];
uint64_t x64[kN / 4], y64[kN / 4];
int32_t mat[kM * kM];

static uint8_t blur[kW * kH], sharp[kW * kH], vavg[kW * kH];
static int16_t q15[kN];
static int32_t abs32[kN];

static uint64_t rng_state = 0x9e3779b97f4a7c15u;
static uint64_t next_random(void) {
  // xorshift64*: same sequence on every target.
  rng_state ^= rng_state >> 12;
  rng_state ^= rng_state << 25;
  rng_state ^= rng_state >> 27;
  return rng_state * 0x2545f4914f6cdd1du;
}

static uint64_t fnv(const void* data, size_t size) {
  const uint8_t* p = data;
  uint64_t h = 0xcbf29ce484222325u;
  for (size_t i = 0; i < size; ++i)
    h = (h ^ p[i]) * 0x100000001b3u;
  return h;
}

void report(const char* name, const void* data, size_t size) {
  printf("%-10s %016llx\n", name, (unsigned long long)fnv(data, size));
}

uint32_t f32_bits(float f) {
  uint32_t u;
  memcpy(&u, &f, 4);
  return u;
}

float bits_f32(uint32_t u) {
  float f;
  memcpy(&f, &u, 4);
  return f;
}

static void fill_inputs(void) {
  for (int i = 0; i < kW * kH; ++i)
    img[i] = (uint8_t)next_random();
  for (int i = 0; i < kN; ++i) {
    a16[i] = (int16_t)next_random();
    b16[i] = (int16_t)next_random();
  }
  a16[0] = b16[0] = a16[1] = b16[1] = INT16_MIN;  // dot and q15 overflow
  a16[2] = INT16_MAX;
  for (int i = 0; i < kF; ++i) {
    xf[i] = (float)((int64_t)(next_random() % 200001) - 100000) / 1000.0f;
    yf[i] = (float)((int64_t)(next_random() % 200001) - 100000) / 1000.0f;
  }
  xf[3] = 0.0f, yf[3] = -0.0f;  // min/max of zeros of both signs
  xf[4] = -0.0f, yf[4] = 0.0f;
  xf[5] = 2.5f, xf[6] = -2.5f, xf[7] = 3.5f;  // ties for nearest
  for (int i = 0; i < kT; ++i)
    text[i] = (uint8_t)(next_random() % 7 == 0 ? 'a' + next_random() % 26
                                               : next_random());
  for (int i = 0; i < kN / 4; ++i) {
    x64[i] = next_random();
    y64[i] = next_random() >> (next_random() % 64);
  }
  x64[0] = 1ull << 63, y64[0] = 1ull << 63;
  for (int i = 0; i < kM * kM; ++i)
    mat[i] = (int32_t)next_random();
}

// Kernel 1: an image blur, a sharpen with saturation and a vertical
// rounding average (u8 extend, i16 arithmetic, shifts, narrowing, avgr).
static void blur_px(const uint8_t* row, int x, uint8_t* b, uint8_t* s) {
  const int p = row[x], q = row[x + 1], r = row[x + 2];
  const int v = 3 * q - p - r;
  *b = (uint8_t)((p + 2 * q + r + 2) >> 2);
  *s = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
}

static void kernel_blur(void) {
  for (int y = 0; y < kH; ++y) {
    const uint8_t* row = img + y * kW;
    int x = 0;
#if USE_SIMD
    for (; x + 16 <= kW - 2; x += 16) {
      const v128_t p = wasm_v128_load(row + x), q = wasm_v128_load(row + x + 1),
                   r = wasm_v128_load(row + x + 2);
      const v128_t two = wasm_i16x8_splat(2), three = wasm_i16x8_splat(3);
      v128_t sum[2], shp[2];
      for (int h = 0; h < 2; ++h) {
        const v128_t pp = h ? wasm_u16x8_extend_high_u8x16(p)
                            : wasm_u16x8_extend_low_u8x16(p);
        const v128_t qq = h ? wasm_u16x8_extend_high_u8x16(q)
                            : wasm_u16x8_extend_low_u8x16(q);
        const v128_t rr = h ? wasm_u16x8_extend_high_u8x16(r)
                            : wasm_u16x8_extend_low_u8x16(r);
        v128_t s = wasm_i16x8_add(pp, wasm_i16x8_shl(qq, 1));
        s = wasm_i16x8_add(wasm_i16x8_add(s, rr), two);
        sum[h] = wasm_u16x8_shr(s, 2);
        shp[h] =
            wasm_i16x8_sub(wasm_i16x8_mul(qq, three), wasm_i16x8_add(pp, rr));
      }
      wasm_v128_store(blur + y * kW + x,
                      wasm_u8x16_narrow_i16x8(sum[0], sum[1]));
      wasm_v128_store(sharp + y * kW + x,
                      wasm_u8x16_narrow_i16x8(shp[0], shp[1]));
    }
#endif
    for (; x < kW - 2; ++x)
      blur_px(row, x, blur + y * kW + x, sharp + y * kW + x);
  }
  for (int y = 0; y + 1 < kH; ++y) {
    int x = 0;
#if USE_SIMD
    for (; x + 16 <= kW; x += 16) {
      wasm_v128_store(vavg + y * kW + x,
                      wasm_u8x16_avgr(wasm_v128_load(img + y * kW + x),
                                      wasm_v128_load(img + (y + 1) * kW + x)));
    }
#endif
    for (; x < kW; ++x)
      vavg[y * kW + x] =
          (uint8_t)((img[y * kW + x] + img[(y + 1) * kW + x] + 1) >> 1);
  }
  report("blur", blur, sizeof blur);
  report("sharpen", sharp, sizeof sharp);
  report("vavg", vavg, sizeof vavg);
}

// Kernel 2: integer reductions (dot products, extmul, extadd_pairwise,
// q15mulr, min/max, abs) over i16 arrays and the image's bytes.
#if !USE_SIMD
static int16_t sat16(int32_t v) {
  return (int16_t)(v > INT16_MAX ? INT16_MAX : v < INT16_MIN ? INT16_MIN : v);
}
#endif

#if USE_SIMD
static uint32_t sum_u32x4(v128_t v) {
  return (uint32_t)wasm_i32x4_extract_lane(v, 0) +
         (uint32_t)wasm_i32x4_extract_lane(v, 1) +
         (uint32_t)wasm_i32x4_extract_lane(v, 2) +
         (uint32_t)wasm_i32x4_extract_lane(v, 3);
}

// The image's byte sums, signed sum and sum of squares.
static void byte_sums_simd(uint32_t* bytes,
                           int32_t* sbytes,
                           uint32_t* squares) {
  v128_t vb = wasm_i32x4_splat(0), vs = vb, vq = vb;
  for (int i = 0; i < kW * kH; i += 16) {
    const v128_t v = wasm_v128_load(img + i);
    vb = wasm_i32x4_add(vb, wasm_u32x4_extadd_pairwise_u16x8(
                                wasm_u16x8_extadd_pairwise_u8x16(v)));
    vs = wasm_i32x4_add(vs, wasm_i32x4_extadd_pairwise_i16x8(
                                wasm_i16x8_extadd_pairwise_i8x16(v)));
    vq = wasm_i32x4_add(vq, wasm_u32x4_extadd_pairwise_u16x8(
                                wasm_u16x8_extmul_low_u8x16(v, v)));
    vq = wasm_i32x4_add(vq, wasm_u32x4_extadd_pairwise_u16x8(
                                wasm_u16x8_extmul_high_u8x16(v, v)));
  }
  *bytes = sum_u32x4(vb), *sbytes = (int32_t)sum_u32x4(vs);
  *squares = sum_u32x4(vq);
}

static void kernel_ints_simd(uint32_t* dot,
                             int64_t* ext,
                             uint32_t* bytes,
                             int32_t* sbytes,
                             uint32_t* squares,
                             int32_t* mm) {
  v128_t vdot = wasm_i32x4_splat(0), e0 = wasm_i64x2_splat(0), e1 = e0;
  v128_t mn = wasm_i16x8_splat(INT16_MAX), mx = wasm_i16x8_splat(INT16_MIN);
  v128_t umn = wasm_i16x8_splat(-1), umx = wasm_i16x8_splat(0);
  for (int i = 0; i < kN; i += 8) {
    const v128_t a = wasm_v128_load(a16 + i), b = wasm_v128_load(b16 + i);
    vdot = wasm_i32x4_add(vdot, wasm_i32x4_dot_i16x8(a, b));
    const v128_t lo = wasm_i32x4_extmul_low_i16x8(a, b);
    const v128_t hi = wasm_i32x4_extmul_high_i16x8(a, b);
    e0 = wasm_i64x2_add(e0, wasm_i64x2_extend_low_i32x4(lo));
    e1 = wasm_i64x2_add(e1, wasm_i64x2_extend_high_i32x4(lo));
    e0 = wasm_i64x2_add(e0, wasm_i64x2_extend_low_i32x4(hi));
    e1 = wasm_i64x2_add(e1, wasm_i64x2_extend_high_i32x4(hi));
    wasm_v128_store(q15 + i, wasm_i16x8_q15mulr_sat(a, b));
    mn = wasm_i16x8_min(mn, a), mx = wasm_i16x8_max(mx, b);
    umn = wasm_u16x8_min(umn, a), umx = wasm_u16x8_max(umx, b);
    const v128_t packed = wasm_i32x4_extend_low_i16x8(a);
    const v128_t wide = wasm_v128_or(wasm_i32x4_shl(packed, 16),
                                     wasm_u32x4_extend_low_u16x8(b));
    wasm_v128_store(abs32 + i, wasm_i32x4_abs(wide));
    const v128_t packed2 = wasm_i32x4_extend_high_i16x8(a);
    const v128_t wide2 = wasm_v128_or(wasm_i32x4_shl(packed2, 16),
                                      wasm_u32x4_extend_high_u16x8(b));
    wasm_v128_store(abs32 + i + 4, wasm_i32x4_abs(wide2));
  }
  *dot = sum_u32x4(vdot);
  const v128_t e = wasm_i64x2_add(e0, e1);
  *ext = wasm_i64x2_extract_lane(e, 0) + wasm_i64x2_extract_lane(e, 1);
  byte_sums_simd(bytes, sbytes, squares);
  mm[0] = mm[1] = INT32_MAX, mm[2] = mm[3] = INT32_MIN;
  int16_t lanes_mn[8], lanes_mx[8];
  uint16_t lanes_umn[8], lanes_umx[8];
  wasm_v128_store(lanes_mn, mn), wasm_v128_store(lanes_mx, mx);
  wasm_v128_store(lanes_umn, umn), wasm_v128_store(lanes_umx, umx);
  for (int l = 0; l < 8; ++l) {
    mm[0] = lanes_mn[l] < mm[0] ? lanes_mn[l] : mm[0];
    mm[1] = lanes_umn[l] < mm[1] ? lanes_umn[l] : mm[1];
    mm[2] = lanes_mx[l] > mm[2] ? lanes_mx[l] : mm[2];
    mm[3] = lanes_umx[l] > mm[3] ? lanes_umx[l] : mm[3];
  }
}
#endif

#if !USE_SIMD
static void kernel_ints_scalar(uint32_t* dot,
                               int64_t* ext,
                               uint32_t* bytes,
                               int32_t* sbytes,
                               uint32_t* squares,
                               int32_t* mm) {
  *dot = 0, *ext = 0;
  mm[0] = mm[1] = INT32_MAX, mm[2] = mm[3] = INT32_MIN;
  for (int i = 0; i < kN; ++i) {
    const int32_t p = (int32_t)a16[i] * b16[i];
    *dot += (uint32_t)p;
    *ext += p;
    q15[i] = sat16((p + 0x4000) >> 15);
    mm[0] = a16[i] < mm[0] ? a16[i] : mm[0];
    mm[1] = (uint16_t)a16[i] < mm[1] ? (uint16_t)a16[i] : mm[1];
    mm[2] = b16[i] > mm[2] ? b16[i] : mm[2];
    mm[3] = (uint16_t)b16[i] > mm[3] ? (uint16_t)b16[i] : mm[3];
    const uint32_t wide = (uint32_t)(uint16_t)a16[i] << 16 | (uint16_t)b16[i];
    abs32[i] = (int32_t)((int32_t)wide < 0 ? 0u - wide : wide);
  }
  *bytes = 0, *sbytes = 0, *squares = 0;
  for (int i = 0; i < kW * kH; ++i) {
    *bytes += img[i];
    *sbytes += (int8_t)img[i];
    *squares += (uint32_t)img[i] * img[i];
  }
}
#endif

static void kernel_ints(void) {
  uint32_t dot, bytes, squares;
  int64_t ext;
  int32_t sbytes, mm[4];
#if USE_SIMD
  kernel_ints_simd(&dot, &ext, &bytes, &sbytes, &squares, mm);
#else
  kernel_ints_scalar(&dot, &ext, &bytes, &sbytes, &squares, mm);
#endif
  printf("dot        %u %lld\n", dot, (long long)ext);
  printf("bytes      %u %d %u\n", bytes, sbytes, squares);
  printf("minmax     %d %d %d %d\n", mm[0], mm[1], mm[2], mm[3]);
  report("q15mulr", q15, sizeof q15);
  report("abs32", abs32, sizeof abs32);
}

int main(void) {
  fill_inputs();
  printf("simdkernel: %s\n", USE_SIMD ? "wasm simd128 intrinsics" : "scalar");
  kernel_blur();
  kernel_ints();
  kernel_floats();
  kernel_bytes();
  kernel_lanes();
  return 0;
}
