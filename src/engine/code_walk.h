// SPDX-License-Identifier: Apache-2.0
// Reading a function's finished internal code an instruction at a time,
// for the passes that run once it is complete (compiler_tails.cc,
// compiler_acc.cc). Depends on ops.h only.
#pragma once

#include <cstdint>

#include "engine/ops.h"

namespace capbox::engine {

// The op whose handler (in `handlers`, interp_handlers()) is `handler`;
// Op::kCount when it is none of them.
Op op_of_handler(const void* const* handlers, const void* handler);

// Words of the instruction at `at` running `op`: its handler, operands
// and, for the three table branches, their n + 1 offsets.
uint32_t instruction_words(Op op, const uint32_t* at);

}  // namespace capbox::engine
