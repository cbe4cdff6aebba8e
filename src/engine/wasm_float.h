// SPDX-License-Identifier: Apache-2.0
// The wasm rules for float min and max (a NaN if either operand is one,
// -0 ordered below +0) and for saturating float-to-int conversion, shared
// by the scalar handlers (interp_numeric.inc) and the SIMD lanes
// (simd_ops_float.h). Pure; no engine state.
#pragma once

#include <cmath>
#include <limits>

namespace capbox::engine {

template <typename F>
inline F wasm_min(F a, F b) {
  if (std::isnan(a) || std::isnan(b))
    return a + b;  // a quiet NaN
  if (a == b)
    return std::signbit(a) ? a : b;  // -0 < +0
  return a < b ? a : b;
}

template <typename F>
inline F wasm_max(F a, F b) {
  if (std::isnan(a) || std::isnan(b))
    return a + b;
  if (a == b)
    return std::signbit(a) ? b : a;
  return a > b ? a : b;
}

// x converted to I, saturating: NaN is 0, and lo/hi are the first values
// (exclusive) below and above I's range, so the range check comes before
// the conversion and no out-of-range conversion is ever made.
template <typename I, typename F>
inline I trunc_sat(F x, F lo, F hi) {
  if (std::isnan(x))
    return 0;
  if (x <= lo)
    return std::numeric_limits<I>::min();
  if (x >= hi)
    return std::numeric_limits<I>::max();
  return static_cast<I>(x);
}

}  // namespace capbox::engine
