// SPDX-License-Identifier: Apache-2.0
// The internal instruction set shared by the compiler (which emits it) and
// the interpreter (which runs it): ops.def plus the numeric operators of
// opcodes.def, under their wasm names, then the accumulator variants of
// acc.def.
#pragma once

#include <cstdint>

namespace capbox::engine {

enum class Op : uint16_t {
#define CAPBOX_OP(Name, N) Name,
#include "engine/ops.def"
#undef CAPBOX_OP
#define CAPBOX_OPCODE(prefix, code, Name, text, Imm, Kind, A, B, R) \
  CAPBOX_NUMERIC_##Kind(Name)
#define CAPBOX_NUMERIC_Unary(Name) Name,
#define CAPBOX_NUMERIC_Binary(Name) Name,
#define CAPBOX_NUMERIC_Special(Name)
#define CAPBOX_NUMERIC_Load(Name)
#define CAPBOX_NUMERIC_Store(Name)
#define CAPBOX_NUMERIC_Simd(Name) Name,
#include "engine/opcodes.def"
#undef CAPBOX_OPCODE
#define CAPBOX_ACC_CONSUMER(Variant, Op, Kind, mask) Variant,
#include "engine/acc.def"
  kCount
};

// Handler address of each Op, in Op order; from the interpreter.
const void* const* interp_handlers();

}  // namespace capbox::engine
