// SPDX-License-Identifier: Apache-2.0
// Pieces shared by resolve.cc (openat2, parents) and resolve_walk.cc (the
// component walk). Not for use outside src/broker. Depends on libc only.
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>

#include "base/result.h"
#include "base/unique_fd.h"

namespace capbox::broker::internal {

// Linux's MAXSYMLINKS: symlinks followed in one resolution, in all.
inline constexpr int kMaxSymlinks = 40;

// The checks both resolvers make before touching the filesystem: 0 or the
// errno for an empty, absolute, over-long or NUL-containing path.
int check_path(std::string_view path);

// The target of the symlink `name` in `dir`, checked for use beneath:
// ELOOP for a procfs link (magic links have no meaningful text), ENOENT for
// an empty one, EPERM for an absolute one.
Result<std::string, int> read_link_beneath(int dir, const std::string& name);

// The component walk (resolve_walk.cc); `path` has passed check_path and
// `flags` include O_CLOEXEC.
Result<UniqueFd, int> open_beneath_walk(int dirfd,
                                        std::string_view path,
                                        int flags,
                                        mode_t mode);

}  // namespace capbox::broker::internal
