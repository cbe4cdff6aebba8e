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

}  // namespace capbox::engine
