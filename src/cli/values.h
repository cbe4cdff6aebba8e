// SPDX-License-Identifier: Apache-2.0
// Command-line words to WebAssembly values and back, for `run --invoke`.
// Printing follows `wasmtime --invoke`: integers as signed decimals, floats
// in the shortest decimal form that reads back to the same bits. Depends on
// engine.h for the Value type only.
#pragma once

#include <string>
#include <string_view>

#include "base/result.h"
#include "engine/engine.h"

namespace capbox::cli {

// Parses `text` as a value of `type`. Integers: decimal or 0x hex, with an
// optional sign; both the signed and the unsigned range are accepted
// (-1 and 4294967295 are the same i32). Floats: decimal or exponent form,
// "nan", "inf", "-inf". References and v128 cannot be written on a command
// line. The error names the expected type, e.g. "'x' is not a valid i32".
Result<engine::Value, std::string> parse_value(engine::ValType type,
                                               std::string_view text);

// One result as `wasmtime --invoke` prints it (no newline).
std::string format_value(const engine::Value& value);

// "(i32, f64) -> (i64)", for messages.
std::string describe_type(const engine::FuncType& type);

}  // namespace capbox::cli
