// SPDX-License-Identifier: Apache-2.0
// Validation as the spec defines it: module-level rules and, per function,
// the operand and control stack algorithm of the spec's appendix. The
// compiler runs only on modules this accepted, and re-checks nothing.
#pragma once

#include "base/result.h"
#include "engine/engine.h"
#include "engine/module.h"

namespace capbox::engine {

// Errors are LoadError{Invalid, offset, message} with the spec's wording
// ("type mismatch", "unknown local", ...), or LoadError{Malformed} for the
// few binary-format errors only found while reading code (illegal opcode,
// "data count section required", ...).
// A module that uses a proposal `features` turns off is Invalid too.
Result<void, LoadError> validate_module(const Module& module,
                                        const Features& features = {});

}  // namespace capbox::engine
