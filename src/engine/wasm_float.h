// SPDX-License-Identifier: Apache-2.0
// The wasm rules for float min and max, shared by the scalar handlers
// (interp_numeric.inc) and the SIMD lanes (simd_ops_float.h): a NaN if
// either operand is one, and -0 ordered below +0. Pure; no engine state.
#pragma once

#include <cmath>

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

}  // namespace capbox::engine
