// SPDX-License-Identifier: Apache-2.0
// random_get: the kernel's CSPRNG (getrandom(2), blocking until it is
// seeded), straight into guest memory after the range is checked. Identical
// in wasi_unstable. Depends on wasi/ only.
#include <sys/random.h>

#include <cerrno>

#include "wasi/errno_map.h"
#include "wasi/preview1.h"

namespace capbox::wasi::preview1 {

Ret random_get(Call& call, u32 buf, u32 buf_len) {
  auto bytes = call.mem.bytes(buf, buf_len);
  if (!bytes)
    return bytes.error();
  // getrandom returns at most 32 MiB - 1 per call and may be interrupted
  // after a partial fill, so loop until the whole buffer is written.
  uint8_t* at = bytes->data();
  size_t left = bytes->size();
  while (left > 0) {
    const ssize_t n = ::getrandom(at, left, 0);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      return from_host_errno(errno);
    }
    at += n;
    left -= static_cast<size_t>(n);
  }
  return Errno::Success;
}

}  // namespace capbox::wasi::preview1
