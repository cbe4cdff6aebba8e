// SPDX-License-Identifier: Apache-2.0
// PROVISIONAL (lead's stand-in until the simdops branch lands).
#pragma once
#include <cstdint>
#include <cstring>
namespace capbox::engine {
struct V128 {
  uint64_t lo;
  uint64_t hi;
};
}  // namespace capbox::engine
namespace capbox::engine {
inline V128 load_v128(const uint64_t* s) { V128 v; std::memcpy(&v, s, 16); return v; }
inline void store_v128(uint64_t* s, V128 v) { std::memcpy(s, &v, 16); }
}
