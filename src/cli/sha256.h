// SPDX-License-Identifier: Apache-2.0
// The SHA-256 of a module, for the policy's [program] sha256 pin. Nettle
// (Debian nettle-dev) does the hashing: a pin is only as good as its hash,
// so it comes from a maintained cryptographic library, not our own code.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "base/result.h"

namespace capbox::cli {

// 64 lower-case hex digits, as sha256sum prints them.
std::string sha256_hex(std::span<const uint8_t> bytes);

// The same for a file read in chunks (a native program may be large); the
// error is strerror's text.
Result<std::string, std::string> sha256_file(const std::string& path);

}  // namespace capbox::cli
