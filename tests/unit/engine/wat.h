// SPDX-License-Identifier: Apache-2.0
// Test helper: WebAssembly text to binary through Debian's `wat2wasm`, run
// at test time so tests can be written in readable WAT. Test-only; the
// engine never depends on it.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace capbox::engine::testing {

// The binary for `wat` (extended-const and tail calls enabled), or an empty
// vector if wat2wasm rejected it or could not be run. `validate = false` lets
// invalid modules through, for testing the engine's own validation.
std::vector<uint8_t> wat_to_wasm(std::string_view wat, bool validate = true);

}  // namespace capbox::engine::testing
