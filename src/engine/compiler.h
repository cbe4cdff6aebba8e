// SPDX-License-Identifier: Apache-2.0
// Translates each validated function body into internal code: operands
// addressed as frame slots, branch targets resolved, no LEB128 left.
#pragma once

#include "base/result.h"
#include "engine/compiled.h"
#include "engine/engine.h"

namespace capbox::engine {

// Precondition: validate_module(module) succeeded. Fails only on
// implementation limits (a function too large for the internal code).
Result<void, LoadError> compile_module(CompiledModule& out);

// Lazy compilation: instead of compiling every body, gives each defined
// function a stub (Op::LazyCompile) as its code; the interpreter compiles
// a body with compile_function the first time the stub runs and patches
// the function's code_start, so later calls go straight to the body.
// Reserves address space for all the code up front so the buffer never
// moves. False (nothing changed) when the reservation fails or the module
// is too large to bound its code: then compile_module instead.
bool prepare_lazy(CompiledModule& out);
// Compiles defined function `defined_index` if it is still a stub. False
// on an implementation limit (the code would not fit the reservation);
// the module then stays as it was.
bool compile_function(CompiledModule& out, uint32_t defined_index);

}  // namespace capbox::engine
