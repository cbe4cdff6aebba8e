// SPDX-License-Identifier: Apache-2.0
// The wasm v128 value as the engine holds it: two 64-bit halves, lanes
// little-endian (lane 0 in the low bytes of lo), stored in two consecutive
// 8-byte slots. Plain data and lane access only; depends on nothing of the
// engine, so the interpreter, the API and tests can all include it.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>

namespace capbox::engine {

// Lane views reinterpret the 16 bytes in place; that is only the wasm lane
// order on a little-endian host.
static_assert(std::endian::native == std::endian::little,
              "v128 lane layout assumes a little-endian host");

struct V128 {
  uint64_t lo;
  uint64_t hi;
};
static_assert(sizeof(V128) == 16);

inline bool operator==(V128 a, V128 b) {
  return a.lo == b.lo && a.hi == b.hi;
}

inline V128 load_v128(const uint64_t* s) {
  V128 v;
  std::memcpy(&v.lo, s, 8);
  std::memcpy(&v.hi, s + 1, 8);
  return v;
}

inline void store_v128(uint64_t* s, V128 v) {
  std::memcpy(s, &v.lo, 8);
  std::memcpy(s + 1, &v.hi, 8);
}

// All lanes of one type as an array: convert once per operation, compute
// over the array (the compiler keeps it in registers), convert back.
template <typename T>
struct Lanes {
  static constexpr int kCount = 16 / int(sizeof(T));
  T v[kCount];
};

template <typename T>
inline Lanes<T> lanes_of(V128 x) {
  Lanes<T> l;
  std::memcpy(l.v, &x, 16);
  return l;
}

template <typename T>
inline V128 v128_of(const Lanes<T>& l) {
  V128 x;
  std::memcpy(&x, l.v, 16);
  return x;
}

// Lane i (taken modulo the lane count, so a bad index never reads outside
// the value; the validator rejects such indices anyway).
template <typename T>
inline T get_lane(V128 x, uint32_t i) {
  T t;
  std::memcpy(&t,
              reinterpret_cast<const unsigned char*>(&x) +
                  (i % Lanes<T>::kCount) * sizeof(T),
              sizeof(T));
  return t;
}

template <typename T>
inline V128 set_lane(V128 x, uint32_t i, T t) {
  std::memcpy(
      reinterpret_cast<unsigned char*>(&x) + (i % Lanes<T>::kCount) * sizeof(T),
      &t, sizeof(T));
  return x;
}

// A v128 from lanes given in wasm order (lane 0 first), for constants.
template <typename T, typename... Ts>
inline V128 make_v128(Ts... ts) {
  static_assert(sizeof...(Ts) == Lanes<T>::kCount);
  Lanes<T> l{{static_cast<T>(ts)...}};
  return v128_of(l);
}

namespace simd {

// An unsigned integer type of N bytes: the lane type of comparison masks.
template <int N>
struct UIntOfSize;
template <>
struct UIntOfSize<1> {
  using Type = uint8_t;
};
template <>
struct UIntOfSize<2> {
  using Type = uint16_t;
};
template <>
struct UIntOfSize<4> {
  using Type = uint32_t;
};
template <>
struct UIntOfSize<8> {
  using Type = uint64_t;
};
template <typename T>
using UIntOf = typename UIntOfSize<int(sizeof(T))>::Type;

// Lane-wise application of f; plain loops the compiler can vectorize.
template <typename T, typename F>
inline V128 map1(V128 a, F f) {
  Lanes<T> x = lanes_of<T>(a);
  Lanes<T> r;
  for (int i = 0; i < Lanes<T>::kCount; ++i)
    r.v[i] = f(x.v[i]);
  return v128_of(r);
}

template <typename T, typename F>
inline V128 map2(V128 a, V128 b, F f) {
  Lanes<T> x = lanes_of<T>(a);
  Lanes<T> y = lanes_of<T>(b);
  Lanes<T> r;
  for (int i = 0; i < Lanes<T>::kCount; ++i)
    r.v[i] = f(x.v[i], y.v[i]);
  return v128_of(r);
}

// A comparison: each result lane all ones where f holds, else zero.
template <typename T, typename F>
inline V128 compare(V128 a, V128 b, F f) {
  using U = UIntOf<T>;
  Lanes<T> x = lanes_of<T>(a);
  Lanes<T> y = lanes_of<T>(b);
  Lanes<U> r;
  for (int i = 0; i < Lanes<T>::kCount; ++i)
    r.v[i] = f(x.v[i], y.v[i]) ? U(~U(0)) : U(0);
  return v128_of(r);
}

}  // namespace simd
}  // namespace capbox::engine
