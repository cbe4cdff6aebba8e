// SPDX-License-Identifier: Apache-2.0
// `--dir HOST[::GUEST[::RIGHTS]]` as written on the command line, parsed
// into its parts; policy_lookup.cc turns it into a policy grant. Depends
// on wasi/grant_rights.h (the rights words) only.
#pragma once

#include <string>

#include "base/result.h"
#include "wasi/types.h"

namespace capbox::cli {

struct DirSpec {
  std::string host;
  std::string guest;
  wasi::Rights rights = {wasi::right::kAll};
};

// A message for `capbox: error:` when the text is malformed.
Result<DirSpec, std::string> parse_dir_spec(const std::string& text);

}  // namespace capbox::cli
