// SPDX-License-Identifier: Apache-2.0
// Shared by simdkernel.c and simdkernel_more.c: the inputs, the output
// hashing and the choice between intrinsics and the scalar twins.
// Plain C11 and libc only.
#ifndef CAPBOX_TESTS_REALPROGS_SIMD_SIMDKERNEL_H_
#define CAPBOX_TESTS_REALPROGS_SIMD_SIMDKERNEL_H_

#include <stddef.h>
#include <stdint.h>

#if defined(__wasm_simd128__) && !defined(SIMDKERNEL_SCALAR)
#include <wasm_simd128.h>
#define USE_SIMD 1
#else
#define USE_SIMD 0
#endif

enum { kW = 256, kH = 64, kN = 4096, kF = 1024, kT = 8192, kM = 16 };

extern uint8_t img[kW * kH];
extern int16_t a16[kN], b16[kN];
extern float xf[kF], yf[kF];
extern uint8_t text[kT];
extern uint64_t x64[kN / 4], y64[kN / 4];
extern int32_t mat[kM * kM];

void report(const char* name, const void* data, size_t size);
uint32_t f32_bits(float f);
float bits_f32(uint32_t u);

void kernel_floats(void);
void kernel_bytes(void);
void kernel_lanes(void);

#endif  // CAPBOX_TESTS_REALPROGS_SIMD_SIMDKERNEL_H_
