// SPDX-License-Identifier: Apache-2.0
// A Policy printed back as policy TOML, for `capbox policy show`: every
// value is followed by a "# FILE:LINE:COL" comment saying where it came
// from (like `systemctl cat`), and what is unset is printed as the default
// in force. The output parses back to the same grants. Depends on
// policy/policy.h and wasi/grant_rights.h; no I/O.
#pragma once

#include <string>

#include "policy/policy.h"

namespace capbox::policy {

std::string to_toml(const Policy& policy);

}  // namespace capbox::policy
