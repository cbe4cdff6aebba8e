// SPDX-License-Identifier: Apache-2.0
// Errors about policy text that toml++ 3.3 (Debian 12) would name badly
// or not place at all (see toml_include.h for the undefined behaviour it has on
// some invalid text, and how that is taken out). Pure; no toml++.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "policy/policy.h"

namespace capbox::policy {

// TOML never allows a NUL byte: it is named as such rather than as
// whatever toml++ would make of it.
std::optional<Error> nul_byte_error(std::string_view text,
                                    const std::string& file);

// After one of toml++'s own precondition checks failed (toml_include.h makes
// them throw): the position of the one known cause, a table header opened
// with something other than a key, else the start of the file.
Error failed_toml_check(std::string_view text, const std::string& file);

}  // namespace capbox::policy
