// SPDX-License-Identifier: Apache-2.0
// Reading a function's finished internal code an instruction at a time,
// for the passes that run once it is complete (compiler_tails.cc,
// compiler_acc.cc). Depends on ops.h only.
#pragma once

#include <cstdint>
#include <vector>

#include "engine/ops.h"

namespace capbox::engine {

// The op whose handler (in `handlers`, interp_handlers()) is `handler`;
// Op::kCount when it is none of them.
Op op_of_handler(const void* const* handlers, const void* handler);

// Words of the instruction at `at` running `op`: its handler, operands
// and, for the three table branches, their n + 1 offsets.
uint32_t instruction_words(Op op, const uint32_t* at);

struct CodeInstruction {
  uint32_t start;  // word offset of its handler
  Op op;
  uint32_t words;
};

// The instructions of code[start, end), in order; empty if a word where
// one should start is no handler, or the last runs past `end` (the walk
// lost step, and a pass should leave the code as it is).
std::vector<CodeInstruction> decode_instructions(const void* const* handlers,
                                                 const uint32_t* code,
                                                 uint32_t start,
                                                 uint32_t end);

}  // namespace capbox::engine
