// SPDX-License-Identifier: Apache-2.0
// Grant: one host directory the policy (or a --dir flag) gives the guest,
// with the WASI rights it carries and where it was written, so a denial
// can name the line to change. Plain data; depends on wasi/types.h.
#pragma once

#include <string>

#include "wasi/types.h"

namespace capbox::sandbox {

struct Grant {
  std::string host_path;   // opened by the supervisor, trusted as given
  std::string guest_name;  // what the guest sees, e.g. "/data"
  wasi::Rights rights;     // base and inheriting rights of the preopen
  std::string source;      // "policy.toml:12", "--dir flag"
};

}  // namespace capbox::sandbox
