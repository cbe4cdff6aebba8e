// SPDX-License-Identifier: Apache-2.0
// The kernel loops of ops.def (musl's memcpy and memset loops) run as one
// host memcpy or fill when that is provably what they do: every access in
// bounds, source and destination apart, the counter counting down without
// wrapping. The
// interpreter still steps through the loop word by word otherwise, which
// gives the exact memory and trap of any other case. Part of interp.cc.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>

namespace capbox::engine::bulk {

inline constexpr uint64_t k4GiB = uint64_t{1} << 32;
// Below this count (bytes left, in musl's loops) the loop is stepped
// through: a few steps cost less than the checks.
inline constexpr uint32_t kMinBytes = 256;

// How many times `do { n += inc2; } while (n >u bound)` runs from n0, when
// n counts down by a step without wrapping below zero and the loop runs at
// least twice; 0 otherwise (the caller then steps through it).
inline uint64_t countdown_iterations(uint32_t n0,
                                     uint32_t inc2,
                                     uint32_t bound) {
  const uint32_t step = 0u - inc2;
  if (step == 0 || step > 0x80000000u || uint64_t{bound} + 1 < step ||
      uint64_t{n0} <= uint64_t{bound} + step)
    return 0;
  return (uint64_t{n0} - bound + step - 1) / step;
}

inline bool apart(uint64_t a, uint64_t a_len, uint64_t b, uint64_t b_len) {
  return a + a_len <= b || b + b_len <= a;
}

inline uint32_t load32(const uint8_t* mem, uint64_t at) {
  uint32_t v;
  std::memcpy(&v, mem + at, sizeof v);
  return v;
}

// I32FunnelLoop (operands in ops.def): musl's memcpy for a source and
// destination of different alignment, 16 bytes a step, each stored word
// being (x << c1) | (previous x >> c2) of aligned source words. With c1 a
// whole number of bytes m and c1 + c2 = 32, on a little-endian memory that
// word is the 4 bytes m before x, so the loop copies the bytes from m
// before its first load onward, provided the carried word (d1) holds the m
// bytes before that load, as musl's prologue leaves it. Writes the slots
// the loop leaves and returns true, or returns false having done nothing.
[[gnu::noinline]] inline bool funnel_loop(uint8_t* mem,
                                          uint64_t mem_size,
                                          const uint32_t* u,
                                          uint64_t* fp) {
  const uint32_t c1 = u[11] & 31, c2 = u[12] & 31;
  if (c1 == 0 || c1 % 8 != 0 || c1 + c2 != 32 || u[13] != 16)
    return false;
  const uint64_t iters =
      countdown_iterations(static_cast<uint32_t>(fp[u[14]]), u[15], u[16]);
  if (iters == 0)
    return false;
  const uint64_t bytes = 16 * iters;
  const auto p0 = static_cast<uint32_t>(fp[u[0]]);
  const auto da = static_cast<uint32_t>(fp[u[1]]);
  const auto sa = static_cast<uint32_t>(fp[u[2]]);
  const uint32_t src32 = p0 + sa + u[7], dst32 = p0 + da + u[9];
  const uint64_t src = uint64_t{src32} + u[8], dst = uint64_t{dst32} + u[10];
  const uint32_t m = c1 / 8;
  if (src32 + bytes > k4GiB || dst32 + bytes > k4GiB || src < m ||
      src + bytes > mem_size || dst + bytes > mem_size ||
      !apart(src - m, bytes + m, dst, bytes))
    return false;
  const auto carried = static_cast<uint32_t>(fp[u[6]]);
  uint32_t before = 0;
  std::memcpy(&before, mem + src - m, m);
  if (carried >> c2 != before)
    return false;
  std::memcpy(mem + dst, mem + src - m, bytes);
  const uint32_t p_last = p0 + static_cast<uint32_t>(16 * (iters - 1));
  const uint32_t s_last = p_last + sa;
  fp[u[3]] = static_cast<uint32_t>(p_last + da);
  fp[u[4]] = s_last;
  fp[u[5]] =
      load32(mem, uint64_t{static_cast<uint32_t>(s_last + u[7] + 8)} + u[8]);
  fp[u[6]] =
      load32(mem, uint64_t{static_cast<uint32_t>(s_last + u[7] + 12)} + u[8]);
  fp[u[0]] = static_cast<uint32_t>(p0 + bytes);
  fp[u[14]] =
      static_cast<uint32_t>(static_cast<uint32_t>(fp[u[14]]) + u[15] * iters);
  return true;
}

// The four accesses of a kernel loop's first step, access k at
// (base + imm[k]) + off[k]: true if they are the four 8-byte words of one
// 32-byte run, in any order, which stays under 4 GiB for `span` bytes.
// Sets `first` to the run's start and `place` to each access's word in it.
inline bool word_run(uint32_t base,
                     const uint32_t* imm,
                     const uint32_t* off,
                     size_t stride,
                     uint64_t span,
                     uint64_t* first,
                     uint32_t place[4]) {
  uint64_t at[4];
  uint32_t at32[4];
  for (size_t k = 0; k < 4; ++k) {
    at32[k] = base + imm[k * stride];
    at[k] = uint64_t{at32[k]} + off[k * stride];
  }
  *first = std::min(std::min(at[0], at[1]), std::min(at[2], at[3]));
  uint32_t seen = 0;
  for (size_t k = 0; k < 4; ++k) {
    const uint64_t rel = at[k] - *first;
    if (rel % 8 != 0 || rel > 24 || at32[k] + span > k4GiB)
      return false;
    place[k] = static_cast<uint32_t>(rel / 8);
    seen |= 1u << place[k];
  }
  return seen == 0xF;
}

// I64CopyLoop: musl's aligned memcpy loop, 32 bytes a step.
[[gnu::noinline]] inline bool copy_loop(uint8_t* mem,
                                        uint64_t mem_size,
                                        const uint32_t* u,
                                        uint64_t* fp) {
  if (u[18] != 32 || u[19] != 32)
    return false;
  const uint64_t iters =
      countdown_iterations(static_cast<uint32_t>(fp[u[20]]), u[21], u[22]);
  if (iters == 0)
    return false;
  const uint64_t bytes = 32 * iters;
  const auto d0 = static_cast<uint32_t>(fp[u[0]]);
  const auto s0 = static_cast<uint32_t>(fp[u[1]]);
  uint64_t dst = 0, src = 0;
  uint32_t dst_place[4], src_place[4];
  if (!word_run(d0, u + 2, u + 3, 4, bytes, &dst, dst_place) ||
      !word_run(s0, u + 4, u + 5, 4, bytes, &src, src_place) ||
      !std::equal(dst_place, dst_place + 4, src_place) ||
      src + bytes > mem_size || dst + bytes > mem_size ||
      !apart(src, bytes, dst, bytes))
    return false;
  std::memcpy(mem + dst, mem + src, bytes);
  fp[u[0]] = static_cast<uint32_t>(d0 + bytes);
  fp[u[1]] = static_cast<uint32_t>(s0 + bytes);
  fp[u[20]] =
      static_cast<uint32_t>(static_cast<uint32_t>(fp[u[20]]) + u[21] * iters);
  return true;
}

// I64FillLoop: musl's memset loop, 32 bytes a step.
[[gnu::noinline]] inline bool fill_loop(uint8_t* mem,
                                        uint64_t mem_size,
                                        const uint32_t* u,
                                        uint64_t* fp) {
  if (u[10] != 32)
    return false;
  const uint64_t iters =
      countdown_iterations(static_cast<uint32_t>(fp[u[11]]), u[12], u[13]);
  if (iters == 0)
    return false;
  const uint64_t bytes = 32 * iters;
  const auto p0 = static_cast<uint32_t>(fp[u[0]]);
  uint64_t dst = 0;
  uint32_t place[4];
  if (!word_run(p0, u + 2, u + 6, 1, bytes, &dst, place) ||
      dst + bytes > mem_size)
    return false;
  const uint64_t v = fp[u[1]];
  uint8_t* out = mem + dst;
  for (uint64_t i = 0; i < bytes; i += 8)
    std::memcpy(out + i, &v, sizeof v);
  fp[u[0]] = static_cast<uint32_t>(p0 + bytes);
  fp[u[11]] =
      static_cast<uint32_t>(static_cast<uint32_t>(fp[u[11]]) + u[12] * iters);
  return true;
}

}  // namespace capbox::engine::bulk
