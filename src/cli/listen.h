// SPDX-License-Identifier: Apache-2.0
// Listening sockets the user grants with -S tcplisten=ADDR:PORT. They are
// created here, on the CLI side, and handed to the guest as descriptors:
// the WASI layer never creates sockets. Depends on base/ and libc only.
#pragma once

#include <string>
#include <string_view>

#include "base/result.h"
#include "base/unique_fd.h"

namespace capbox::cli {

// A bound, listening, close-on-exec TCP socket for `spec`:
//   "192.0.2.1:8080"   a numeric IPv4 address,
//   "[::1]:8080"       a numeric IPv6 address in brackets (IPv6 only:
//                      "[::]:80" does not also take IPv4 connections),
//   "localhost:8080"   127.0.0.1, without asking any resolver.
// Port 0 picks a free port (getsockname tells which). Host names are
// refused: what a grant opens must not depend on DNS or /etc/hosts. On
// failure, one line naming the spec and the reason:
//   "cannot listen on 127.0.0.1:80: Permission denied".
Result<UniqueFd, std::string> listen_tcp(std::string_view spec);

}  // namespace capbox::cli
