// SPDX-License-Identifier: Apache-2.0
#include "cli/sha256.h"

#include <fcntl.h>
#include <nettle/sha2.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace capbox::cli {
namespace {

std::string hex_digest(sha256_ctx& context) {
  uint8_t digest[SHA256_DIGEST_SIZE];
  sha256_digest(&context, sizeof digest, digest);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (uint8_t byte : digest) {
    hex += kHex[byte >> 4];
    hex += kHex[byte & 15];
  }
  return hex;
}

}  // namespace

std::string sha256_hex(std::span<const uint8_t> bytes) {
  sha256_ctx context;
  sha256_init(&context);
  sha256_update(&context, bytes.size(), bytes.data());
  return hex_digest(context);
}

Result<std::string, std::string> sha256_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return Unexpected(std::string(std::strerror(errno)));
  sha256_ctx context;
  sha256_init(&context);
  uint8_t chunk[65536];
  for (;;) {
    const ssize_t n = ::read(fd, chunk, sizeof chunk);
    if (n == 0)
      break;
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      const std::string reason = std::strerror(errno);
      ::close(fd);
      return Unexpected(reason);
    }
    sha256_update(&context, static_cast<size_t>(n), chunk);
  }
  ::close(fd);
  return hex_digest(context);
}

}  // namespace capbox::cli
