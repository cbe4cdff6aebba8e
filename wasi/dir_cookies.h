// SPDX-License-Identifier: Apache-2.0
// fd_readdir's cookies. A cookie stands for a kernel directory position
// (getdents64's d_off, resumed with lseek), but ext4 positions are 63-bit
// hashes while wasi-libc's telldir/seekdir carry a cookie in a wasm32
// `long`: 32 bits. So positions below 2^31 are their own cookie, and
// larger ones get cookies from 2^31 up, remembered per directory (device
// and inode, so every fd open on it agrees) for the life of the context.
// Depends on wasi/types.h only.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <unordered_map>
#include <utility>
#include <vector>

#include "base/result.h"
#include "wasi/types.h"

namespace capbox::wasi {

class DirCookies {
 public:
  static constexpr uint64_t kFirstMapped = uint64_t{1} << 31;
  static constexpr uint64_t kEnd = uint64_t{1} << 32;  // never reached

  using DirId = std::pair<dev_t, ino_t>;

  // Whether `value` (a position or a cookie) needs the table.
  static bool mapped(uint64_t value) { return value >= kFirstMapped; }
  // The cookie for position `pos` (>= kFirstMapped) of directory `dir`:
  // the same cookie every time. Overflow once 2^31 positions are held.
  Result<uint64_t, Errno> cookie(DirId dir, uint64_t pos);
  // The position a mapped cookie stands for; Inval if it was never given
  // out for this directory.
  Result<uint64_t, Errno> position(DirId dir, uint64_t cookie) const;

 private:
  struct Table {
    std::vector<uint64_t> positions;  // cookie - kFirstMapped -> position
    std::unordered_map<uint64_t, uint64_t> cookies;  // position -> cookie
  };
  std::map<DirId, Table> tables_;
};

}  // namespace capbox::wasi
