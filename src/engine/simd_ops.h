// SPDX-License-Identifier: Apache-2.0
// PROVISIONAL (lead's stand-in until the simdops branch lands).
#pragma once
#include <cstdint>
#include <cstring>
#include "engine/simd_value.h"
namespace capbox::engine::simd {
inline V128 i32x4_splat(uint64_t x) {
  uint64_t w = (x & 0xffffffffu) * 0x100000001ull;
  return {w, w};
}
inline V128 i64x2_splat(uint64_t x) { return {x, x}; }
inline uint64_t i32x4_extract_lane(V128 v, uint32_t lane) {
  uint32_t l[4];
  std::memcpy(l, &v, 16);
  return l[lane & 3];
}
inline V128 i32x4_replace_lane(V128 v, uint64_t x, uint32_t lane) {
  uint32_t l[4];
  std::memcpy(l, &v, 16);
  l[lane & 3] = static_cast<uint32_t>(x);
  std::memcpy(&v, l, 16);
  return v;
}
inline V128 v128_not(V128 a) { return {~a.lo, ~a.hi}; }
inline V128 v128_bitselect(V128 a, V128 b, V128 c) {
  return {(a.lo & c.lo) | (b.lo & ~c.lo), (a.hi & c.hi) | (b.hi & ~c.hi)};
}
inline uint32_t v128_any_true(V128 a) { return (a.lo | a.hi) != 0; }
inline V128 i32x4_shl(V128 v, uint32_t n) {
  uint32_t l[4];
  std::memcpy(l, &v, 16);
  for (auto& x : l) x <<= (n & 31);
  std::memcpy(&v, l, 16);
  return v;
}
inline V128 i32x4_add(V128 a, V128 b) {
  uint32_t x[4], y[4];
  std::memcpy(x, &a, 16);
  std::memcpy(y, &b, 16);
  for (int i = 0; i < 4; ++i) x[i] += y[i];
  std::memcpy(&a, x, 16);
  return a;
}
}  // namespace capbox::engine::simd
namespace capbox::engine::simd {
inline V128 i8x16_shuffle(V128 a, V128 b, const uint8_t lanes[16]) {
  uint8_t in[32], out[16];
  std::memcpy(in, &a, 16); std::memcpy(in + 16, &b, 16);
  for (int i = 0; i < 16; ++i) out[i] = in[lanes[i] & 31];
  V128 r; std::memcpy(&r, out, 16); return r;
}
}
