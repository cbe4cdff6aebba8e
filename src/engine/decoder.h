// SPDX-License-Identifier: Apache-2.0
// Binary format decoder: bytes to Module, with the structural checks of the
// spec's binary grammar only (types are the validator's job). Malformed
// input yields a LoadError (kind Malformed) with the spec's wording and the
// byte offset; no input crashes it.
#pragma once

#include <span>

#include "base/result.h"
#include "engine/engine.h"
#include "engine/module.h"

namespace capbox::engine {

Result<Module, LoadError> decode_module(std::span<const uint8_t> bytes);

}  // namespace capbox::engine
