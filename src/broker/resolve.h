// SPDX-License-Identifier: Apache-2.0
// Resolution strictly beneath a directory descriptor: the one place capbox
// turns an untrusted relative path into a host descriptor. openat2 with
// RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS where the kernel has it, else a
// component-by-component walk with O_NOFOLLOW. Absolute paths, `..` above
// the start and symlinks leading out fail with EXDEV... (see resolve.cc for
// the exact errno contract). Exception-free; async-signal-safe where noted.
// Depends on libc only.
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>

#include "base/result.h"
#include "base/unique_fd.h"

namespace capbox::broker {

// Opens `path` beneath `dirfd` with open(2) `flags` (O_NOFOLLOW applies to
// the last component only; O_CLOEXEC is always added) and `mode` for
// O_CREAT. Returns the descriptor or a host errno.
Result<UniqueFd, int> open_beneath(int dirfd, std::string_view path, int flags,
                                   mode_t mode = 0);

// For operations on a final component (mkdir, unlink, rename, symlink,
// link, readlink, lstat): opens the directory that contains it, beneath
// `dirfd`, and returns it with the last component's name.
struct Parent {
  UniqueFd dir;
  std::string name;
};
Result<Parent, int> open_parent_beneath(int dirfd, std::string_view path);

}  // namespace capbox::broker
