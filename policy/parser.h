// SPDX-License-Identifier: Apache-2.0
// Parses one policy file's text (TOML, design/CLI.md 3b) into a Policy.
// Pure: the caller reads the file; `extends` is left unresolved (see
// merge.h). Every problem found is returned, each located at FILE:LINE:COL
// with a hint; a policy with any problem is refused, never partly used.
#pragma once

#include <string>
#include <string_view>

#include "base/result.h"
#include "policy/policy.h"

namespace capbox::policy {

// `file` names the text in messages and locations.
Result<Policy, Errors> parse_policy(std::string_view text,
                                    const std::string& file);

}  // namespace capbox::policy
