// SPDX-License-Identifier: Apache-2.0
// The value side of the SIMD loads and stores: widening 8 loaded bytes,
// splats, zero-extended loads and lane replacement. The interpreter does
// the bounds checks and the memory access; nothing here touches memory.
#pragma once

#include <cstdint>
#include <cstring>

#include "engine/simd_value.h"

namespace capbox::engine::simd_mem {

// Widens the lanes of 8 loaded bytes (Narrow: the loaded lane type, Wide:
// the result lane type, both signed or both unsigned).
template <typename Narrow, typename Wide>
inline V128 extend(uint64_t bytes) {
  constexpr int kLanes = 8 / sizeof(Narrow);
  Narrow in[kLanes];
  Wide out[kLanes];
  std::memcpy(in, &bytes, sizeof in);
  for (int i = 0; i < kLanes; ++i)
    out[i] = static_cast<Wide>(in[i]);
  V128 v;
  std::memcpy(&v, out, sizeof v);
  return v;
}

template <typename T>
inline V128 splat(T x) {
  T lanes[16 / sizeof(T)];
  for (T& l : lanes)
    l = x;
  V128 v;
  std::memcpy(&v, lanes, sizeof v);
  return v;
}

inline V128 zero_extended(uint64_t x) {
  V128 v;
  v.lo = x;
  v.hi = 0;
  return v;
}

template <typename T>
inline V128 with_lane(V128 v, T x, uint32_t lane) {
  std::memcpy(reinterpret_cast<uint8_t*>(&v) + lane * sizeof(T), &x,
              sizeof(T));
  return v;
}

template <typename T>
inline T lane_of(V128 v, uint32_t lane) {
  T x;
  std::memcpy(&x, reinterpret_cast<const uint8_t*>(&v) + lane * sizeof(T),
              sizeof(T));
  return x;
}

}  // namespace capbox::engine::simd_mem
