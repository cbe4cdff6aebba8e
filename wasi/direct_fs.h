// SPDX-License-Identifier: Apache-2.0
// DirectFs: the FsAuthority that performs operations itself, in this
// process, with broker/resolve.h's beneath-resolution. Used when there is
// no supervisor (unit tests, the unsandboxed engine run) and by the
// supervisor's broker host to do the actual work. Handles map to
// O_PATH|O_DIRECTORY descriptors it owns. Not thread-safe. Depends on
// broker/resolve.h and libc; the only file in wasi/ that resolves paths.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "base/unique_fd.h"
#include "broker/resolve.h"
#include "wasi/fs_authority.h"

namespace capbox::wasi {

class DirectFs final : public FsAuthority {
 public:
  // `resolver` is for tests that run the component walk on a kernel that
  // has openat2; everything else takes the default.
  explicit DirectFs(broker::Resolver resolver = broker::Resolver::Kernel)
      : resolver_(resolver) {}

  // Opens a host directory the user named (--dir HOST): the host path
  // itself is trusted and resolved normally. The result's fd is the
  // guest's readable descriptor for it, `dir` the handle for paths beneath.
  Result<Opened, int> open_root(const std::string& host_path);

  Result<Opened, int> open_at(DirHandle dir,
                              std::string_view path,
                              const OpenRequest& request) override;
  Result<struct stat, int> stat_at(DirHandle dir,
                                   std::string_view path,
                                   Follow follow) override;
  Result<void, int> mkdir_at(DirHandle dir, std::string_view path) override;
  Result<void, int> unlink_at(DirHandle dir, std::string_view path) override;
  Result<void, int> rmdir_at(DirHandle dir, std::string_view path) override;
  Result<void, int> rename_at(DirHandle from_dir,
                              std::string_view from,
                              DirHandle to_dir,
                              std::string_view to) override;
  Result<void, int> link_at(DirHandle from_dir,
                            std::string_view from,
                            Follow follow,
                            DirHandle to_dir,
                            std::string_view to) override;
  Result<void, int> symlink_at(std::string_view target,
                               DirHandle dir,
                               std::string_view path) override;
  Result<std::string, int> readlink_at(DirHandle dir,
                                       std::string_view path) override;
  Result<void, int> set_times_at(DirHandle dir,
                                 std::string_view path,
                                 Follow follow,
                                 TimeSpec atime,
                                 TimeSpec mtime) override;
  Result<void, int> truncate_at(DirHandle dir,
                                std::string_view path,
                                uint64_t size) override;
  void close_dir(DirHandle dir) override;

 private:
  // The O_PATH descriptor behind a handle, or -1 (EBADF to the caller).
  int dir_fd(DirHandle dir) const;
  // Gives the directory open as `fd` a handle of its own (an O_PATH
  // descriptor for it), or an errno.
  Result<DirHandle, int> add_dir(int fd);
  Result<broker::Parent, int> parent_of(DirHandle dir,
                                        std::string_view path,
                                        Follow follow) const;

  broker::Resolver resolver_;
  std::map<uint32_t, UniqueFd> dirs_;
  uint32_t next_id_ = 1;
};

}  // namespace capbox::wasi
