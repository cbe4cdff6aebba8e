// SPDX-License-Identifier: Apache-2.0
#include "wasi/dir_cookies.h"

namespace capbox::wasi {

Result<uint64_t, Errno> DirCookies::cookie(DirId dir, uint64_t pos) {
  Table& table = tables_[dir];
  auto it = table.cookies.find(pos);
  if (it != table.cookies.end())
    return it->second;
  const uint64_t next = kFirstMapped + table.positions.size();
  if (next >= kEnd)
    return Unexpected(Errno::Overflow);
  table.positions.push_back(pos);
  table.cookies.emplace(pos, next);
  return next;
}

Result<uint64_t, Errno> DirCookies::position(DirId dir, uint64_t cookie) const {
  auto it = tables_.find(dir);
  if (cookie < kFirstMapped || it == tables_.end() ||
      cookie - kFirstMapped >= it->second.positions.size())
    return Unexpected(Errno::Inval);
  return it->second.positions[cookie - kFirstMapped];
}

}  // namespace capbox::wasi
