// SPDX-License-Identifier: Apache-2.0
// Guards around toml++ 3.3 (Debian 12), whose parser reaches undefined
// behaviour on some invalid text (found by policy_fuzz): such text is
// refused here first, by name and position. Pure; no toml++.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "policy/policy.h"

namespace capbox::policy {

// A NUL byte anywhere, or a non-ASCII character outside quoted strings and
// comments (where TOML allows none, and where toml++ 3.3's whitespace test
// reaches __builtin_unreachable for much of Latin, Greek, Cyrillic and CJK).
std::optional<Error> refuse_before_toml(std::string_view text,
                                        const std::string& file);

// After one of toml++'s own precondition checks failed (parser.cc makes
// them throw): the position of the one known cause, a table header opened
// with something other than a key, else the start of the file.
Error failed_toml_check(std::string_view text, const std::string& file);

}  // namespace capbox::policy
