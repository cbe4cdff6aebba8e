// SPDX-License-Identifier: Apache-2.0
// Semantics of the wasm fixed-width SIMD instructions, one inline function
// per row of simd.def (named after the wasm instruction, '.' -> '_'), plus
// i8x16_shuffle. Pure functions of their operands and immediates: no engine
// state, no traps, no allocation; header-only so the interpreter can inline
// them. Here: bitwise ops and lane moves; integer and float lane arithmetic
// are in simd_ops_int.h and simd_ops_float.h.
#pragma once

#include <cstdint>
#include <cstring>

#include "engine/simd_ops_float.h"
#include "engine/simd_ops_int.h"
#include "engine/simd_value.h"

namespace capbox::engine::simd {

// --- bitwise ---
inline V128 v128_not(V128 a) {
  return {~a.lo, ~a.hi};
}
inline V128 v128_and(V128 a, V128 b) {
  return {a.lo & b.lo, a.hi & b.hi};
}
inline V128 v128_andnot(V128 a, V128 b) {
  return {a.lo & ~b.lo, a.hi & ~b.hi};
}
inline V128 v128_or(V128 a, V128 b) {
  return {a.lo | b.lo, a.hi | b.hi};
}
inline V128 v128_xor(V128 a, V128 b) {
  return {a.lo ^ b.lo, a.hi ^ b.hi};
}
// Bits of a where c is 1, of b where c is 0.
inline V128 v128_bitselect(V128 a, V128 b, V128 c) {
  return {(a.lo & c.lo) | (b.lo & ~c.lo), (a.hi & c.hi) | (b.hi & ~c.hi)};
}
inline uint32_t v128_any_true(V128 a) {
  return (a.lo | a.hi) != 0;
}

// --- splat: the scalar's low bits into every lane ---
template <typename U>
inline V128 splat(uint64_t bits) {
  Lanes<U> r;
  for (int i = 0; i < Lanes<U>::kCount; ++i)
    r.v[i] = U(bits);
  return v128_of(r);
}
inline V128 i8x16_splat(uint64_t s) {
  return splat<uint8_t>(s);
}
inline V128 i16x8_splat(uint64_t s) {
  return splat<uint16_t>(s);
}
inline V128 i32x4_splat(uint64_t s) {
  return splat<uint32_t>(s);
}
inline V128 i64x2_splat(uint64_t s) {
  return splat<uint64_t>(s);
}
inline V128 f32x4_splat(uint64_t s) {
  return splat<uint32_t>(s);
}
inline V128 f64x2_splat(uint64_t s) {
  return splat<uint64_t>(s);
}

// --- extract_lane: slot bits, i32/f32 zero-extended to 64 ---
inline uint64_t i8x16_extract_lane_s(V128 a, uint32_t lane) {
  return uint32_t(int32_t(get_lane<int8_t>(a, lane)));
}
inline uint64_t i8x16_extract_lane_u(V128 a, uint32_t lane) {
  return get_lane<uint8_t>(a, lane);
}
inline uint64_t i16x8_extract_lane_s(V128 a, uint32_t lane) {
  return uint32_t(int32_t(get_lane<int16_t>(a, lane)));
}
inline uint64_t i16x8_extract_lane_u(V128 a, uint32_t lane) {
  return get_lane<uint16_t>(a, lane);
}
inline uint64_t i32x4_extract_lane(V128 a, uint32_t lane) {
  return get_lane<uint32_t>(a, lane);
}
inline uint64_t i64x2_extract_lane(V128 a, uint32_t lane) {
  return get_lane<uint64_t>(a, lane);
}
inline uint64_t f32x4_extract_lane(V128 a, uint32_t lane) {
  return get_lane<uint32_t>(a, lane);
}
inline uint64_t f64x2_extract_lane(V128 a, uint32_t lane) {
  return get_lane<uint64_t>(a, lane);
}

// --- replace_lane: the scalar's low bits into one lane ---
inline V128 i8x16_replace_lane(V128 a, uint64_t s, uint32_t lane) {
  return set_lane<uint8_t>(a, lane, uint8_t(s));
}
inline V128 i16x8_replace_lane(V128 a, uint64_t s, uint32_t lane) {
  return set_lane<uint16_t>(a, lane, uint16_t(s));
}
inline V128 i32x4_replace_lane(V128 a, uint64_t s, uint32_t lane) {
  return set_lane<uint32_t>(a, lane, uint32_t(s));
}
inline V128 i64x2_replace_lane(V128 a, uint64_t s, uint32_t lane) {
  return set_lane<uint64_t>(a, lane, s);
}
inline V128 f32x4_replace_lane(V128 a, uint64_t s, uint32_t lane) {
  return set_lane<uint32_t>(a, lane, uint32_t(s));
}
inline V128 f64x2_replace_lane(V128 a, uint64_t s, uint32_t lane) {
  return set_lane<uint64_t>(a, lane, s);
}

// --- byte permutations ---
// Lane i of the result is a's byte idx[i], or 0 when idx[i] >= 16.
inline V128 i8x16_swizzle(V128 a, V128 idx) {
  Lanes<uint8_t> x = lanes_of<uint8_t>(a);
  Lanes<uint8_t> s = lanes_of<uint8_t>(idx);
  Lanes<uint8_t> r;
  for (int i = 0; i < 16; ++i)
    r.v[i] = s.v[i] < 16 ? x.v[s.v[i]] : 0;
  return v128_of(r);
}
// Byte lanes[i] of the 32-byte concatenation a:b. The validator rejects
// indices >= 32; they are masked anyway so no input reads out of bounds.
inline V128 i8x16_shuffle(V128 a, V128 b, const uint8_t lanes[16]) {
  uint8_t both[32];
  std::memcpy(both, &a, 16);
  std::memcpy(both + 16, &b, 16);
  Lanes<uint8_t> r;
  for (int i = 0; i < 16; ++i)
    r.v[i] = both[lanes[i] & 31];
  return v128_of(r);
}

}  // namespace capbox::engine::simd
