// SPDX-License-Identifier: Apache-2.0
// The guest's descriptor table: guest fd number -> host descriptor, file
// type, rights (base and inheriting) and, for directories, the FsAuthority
// handle that paths beneath it resolve against. 0-2 are stdio, preopens
// follow from 3. Every lookup names the rights the operation needs and
// fails with Badf (no such fd) or Notcapable (rights missing); rights never
// grow. Depends on wasi/types.h and wasi/fs_authority.h.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "base/result.h"
#include "base/unique_fd.h"
#include "wasi/fs_authority.h"
#include "wasi/types.h"

namespace capbox::wasi {

struct FdEntry {
  UniqueFd fd;
  Filetype type = Filetype::Unknown;
  Rights base;
  Rights inheriting;
  // Directories: what paths beneath this fd resolve against.
  std::optional<DirHandle> dir;
  // Preopened directories: the name the guest sees (fd_prestat_dir_name).
  std::optional<std::string> preopen_name;
  // What the guest opened, for denial reports: the preopen's name joined
  // with the path ("/data/in/a.txt"); empty for stdio and sockets.
  std::string guest_path;
  // One of the stdio streams the context started with, whatever number
  // the guest has moved it to: its writes count as the run's output.
  bool stdio = false;
};

class FdTable {
 public:
  // `max_fds` bounds the table (Errno::Mfile beyond it); `fs` is told when
  // a directory handle is no longer used.
  FdTable(FsAuthority* fs, uint32_t max_fds);
  ~FdTable();
  FdTable(const FdTable&) = delete;
  FdTable& operator=(const FdTable&) = delete;

  // The entry for `fd` if it exists (Badf) and has every right in `base`
  // and `inheriting` (Notcapable).
  Result<FdEntry*, Errno> get(uint32_t fd,
                              uint64_t base,
                              uint64_t inheriting = 0);
  // Places an entry at the lowest free number.
  Result<uint32_t, Errno> insert(FdEntry entry);
  // Places an entry at a given number (setup: stdio, preopens).
  void insert_at(uint32_t fd, FdEntry entry);
  Result<void, Errno> close(uint32_t fd);
  // fd_renumber: `to` must exist (Badf otherwise, as wasi-libc's dup2
  // emulation expects); it is closed and replaced by `from`.
  Result<void, Errno> renumber(uint32_t from, uint32_t to);
  size_t size() const { return entries_.size(); }
  // The most entries held at once so far (for run reports).
  size_t peak() const { return peak_ > size() ? peak_ : size(); }
  // insert() would fail with Mfile.
  bool full() const { return entries_.size() >= max_fds_; }

 private:
  void release(FdEntry& entry);

  FsAuthority* fs_;
  uint32_t max_fds_;
  std::map<uint32_t, FdEntry> entries_;
  size_t peak_ = 0;  // before the last insert()
};

}  // namespace capbox::wasi
