// SPDX-License-Identifier: Apache-2.0
// Binary format decoder: bytes to Module, with the structural checks of the
// spec's binary grammar only (types are the validator's job). Malformed
// input yields a LoadError (kind Malformed) with the spec's wording and the
// byte offset; no input crashes it.
#pragma once

#include <span>
#include <vector>

#include "base/result.h"
#include "engine/engine.h"
#include "engine/module.h"

namespace capbox::engine {

Result<Module, LoadError> decode_module(std::span<const uint8_t> bytes);
// The same, keeping `bytes` as Module::bytes instead of copying them: a
// copy of a large module costs a page fault per 4 KiB at start-up.
Result<Module, LoadError> decode_module(std::vector<uint8_t>&& bytes);

}  // namespace capbox::engine
