// SPDX-License-Identifier: Apache-2.0
#include "wasi/fd_table.h"

namespace capbox::wasi {

FdTable::FdTable(FsAuthority* fs, uint32_t max_fds)
    : fs_(fs), max_fds_(max_fds) {}

FdTable::~FdTable() {
  for (auto& [number, entry] : entries_)
    release(entry);
}

Result<FdEntry*, Errno> FdTable::get(uint32_t fd,
                                     uint64_t base,
                                     uint64_t inheriting) {
  auto it = entries_.find(fd);
  if (it == entries_.end())
    return Unexpected(Errno::Badf);
  FdEntry& entry = it->second;
  if (!entry.base.contains(base) || !entry.inheriting.contains(inheriting))
    return Unexpected(Errno::Notcapable);
  return &entry;
}

Result<uint32_t, Errno> FdTable::insert(FdEntry entry) {
  if (full())
    return Unexpected(Errno::Mfile);
  peak_ = peak();
  // The lowest free number, as POSIX open() picks it: walk the ordered keys
  // until a gap appears.
  uint32_t number = 0;
  for (const auto& [used, unused] : entries_) {
    if (used != number)
      break;
    ++number;
  }
  entries_.emplace(number, std::move(entry));
  return number;
}

void FdTable::insert_at(uint32_t fd, FdEntry entry) {
  auto it = entries_.find(fd);
  if (it != entries_.end()) {
    release(it->second);
    it->second = std::move(entry);
  } else {
    entries_.emplace(fd, std::move(entry));
  }
}

Result<void, Errno> FdTable::close(uint32_t fd) {
  auto it = entries_.find(fd);
  if (it == entries_.end())
    return Unexpected(Errno::Badf);
  release(it->second);
  entries_.erase(it);
  return {};
}

Result<void, Errno> FdTable::renumber(uint32_t from, uint32_t to) {
  auto source = entries_.find(from);
  auto target = entries_.find(to);
  if (source == entries_.end() || target == entries_.end())
    return Unexpected(Errno::Badf);
  if (from == to)
    return {};
  release(target->second);
  target->second = std::move(source->second);
  entries_.erase(source);
  return {};
}

void FdTable::release(FdEntry& entry) {
  if (entry.dir && fs_)
    fs_->close_dir(*entry.dir);
  entry.dir.reset();
  entry.fd.reset();
}

}  // namespace capbox::wasi
