// SPDX-License-Identifier: Apache-2.0
// BrokeredFs: the FsAuthority of the sandboxed child. Each operation is one
// broker request to the supervisor, which checks it against the grants and
// performs it; this class only translates between wasi/fs_authority.h and
// broker/protocol.h. The only glue between the WASI layer and the broker.
// Depends on wasi/fs_authority.h, wasi/context.h and broker/client.h.
#pragma once

#include <vector>

#include "broker/client.h"
#include "wasi/context.h"
#include "wasi/fs_authority.h"

namespace capbox::sandbox {

class BrokeredFs final : public wasi::FsAuthority {
 public:
  // `client` must outlive this object.
  explicit BrokeredFs(broker::Client& client) : client_(client) {}

  Result<wasi::Opened, int> open_at(wasi::DirHandle dir,
                                    std::string_view path,
                                    const wasi::OpenRequest& request) override;
  Result<struct stat, int> stat_at(wasi::DirHandle dir,
                                   std::string_view path,
                                   wasi::Follow follow) override;
  Result<void, int> mkdir_at(wasi::DirHandle dir,
                             std::string_view path) override;
  Result<void, int> unlink_at(wasi::DirHandle dir,
                              std::string_view path) override;
  Result<void, int> rmdir_at(wasi::DirHandle dir,
                             std::string_view path) override;
  Result<void, int> rename_at(wasi::DirHandle from_dir,
                              std::string_view from,
                              wasi::DirHandle to_dir,
                              std::string_view to) override;
  Result<void, int> link_at(wasi::DirHandle from_dir,
                            std::string_view from,
                            wasi::Follow follow,
                            wasi::DirHandle to_dir,
                            std::string_view to) override;
  Result<void, int> symlink_at(std::string_view target,
                               wasi::DirHandle dir,
                               std::string_view path) override;
  Result<std::string, int> readlink_at(wasi::DirHandle dir,
                                       std::string_view path) override;
  Result<void, int> set_times_at(wasi::DirHandle dir,
                                 std::string_view path,
                                 wasi::Follow follow,
                                 wasi::TimeSpec atime,
                                 wasi::TimeSpec mtime) override;
  Result<void, int> truncate_at(wasi::DirHandle dir,
                                std::string_view path,
                                uint64_t size) override;
  void close_dir(wasi::DirHandle dir) override;

 private:
  // One request whose reply carries nothing but a status.
  Result<void, int> simple(broker::Request request);

  broker::Client& client_;
};

// The start-up exchange: says hello, then asks for each preopen in turn
// (guest name, handle, rights, readdir descriptor) until the host says
// there are no more. Errors: the client's (EIO for a broken channel).
Result<std::vector<wasi::Preopen>, int> fetch_preopens(broker::Client& client);

}  // namespace capbox::sandbox
