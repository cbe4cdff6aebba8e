// SPDX-License-Identifier: Apache-2.0
// How fd_* and path_* functions find the descriptor they act on, in the
// order wasmtime checks: the fd exists (Badf), it is the right kind (file
// operations on a directory are Badf, path operations on a non-directory
// are Notdir), then it holds the rights the call needs (Notcapable). Also
// the guest path argument and which rights belong to which kind of fd.
// Depends on wasi/preview1.h's Call only.
#pragma once

#include <cstdint>
#include <string>

#include "base/result.h"
#include "wasi/preview1.h"

namespace capbox::wasi {

namespace right {
// Meaningful only on a directory: everything that names a path beneath it,
// and listing it.
inline constexpr uint64_t kDirOnly =
    kPathCreateDirectory | kPathCreateFile | kPathLinkSource | kPathLinkTarget |
    kPathOpen | kFdReaddir | kPathReadlink | kPathRenameSource |
    kPathRenameTarget | kPathFilestatGet | kPathFilestatSetSize |
    kPathFilestatSetTimes | kPathSymlink | kPathRemoveDirectory |
    kPathUnlinkFile;
// Meaningful only on a non-directory: its data and its offset. fsync,
// flags, stat and times apply to directories too.
inline constexpr uint64_t kFileOnly = kFdRead | kFdWrite | kFdSeek | kFdTell |
                                      kFdAdvise | kFdAllocate |
                                      kFdFilestatSetSize;
}  // namespace right

// An fd for an operation on file data or offset (read, write, seek, ...).
// A directory is Badf whatever its rights, as in wasmtime: lseek on a
// directory fd would move its readdir position, and read(2) would say
// EISDIR while write(2) says EBADF; one answer is simpler to rely on.
Result<FdEntry*, Errno> file_fd(Call& call, uint32_t fd, uint64_t rights);

// Any fd, with `rights` (Badf, Notcapable).
Result<FdEntry*, Errno> any_fd(Call& call, uint32_t fd, uint64_t rights);

// A directory fd that paths resolve beneath: Notdir if it is not one.
Result<FdEntry*, Errno> dir_fd(Call& call, uint32_t fd, uint64_t rights);
// The same for a call that names the path at ptr/len beneath it: the
// errors are dir_fd's, and a refusal's report names the path too.
// `report_allowed` false: a passing check is not reported (the caller
// reports it with more rights it checks itself).
Result<FdEntry*, Errno> dir_fd_for_path(Call& call,
                                        uint32_t fd,
                                        uint64_t rights,
                                        uint32_t ptr,
                                        uint32_t len,
                                        bool report_allowed = true);

// A path argument: Fault if out of bounds, Inval if it holds a NUL, Perm if
// absolute (wasmtime's answer; the authority refuses absolute paths as
// well, this only gives the guest the expected errno).
Result<std::string, Errno> guest_path(Call& call, uint32_t ptr, uint32_t len);

// A path beneath a directory fd: dir_fd's checks first, then guest_path's.
struct PathBeneath {
  DirHandle dir;
  std::string path;
};
Result<PathBeneath, Errno> path_beneath(Call& call,
                                        uint32_t fd,
                                        uint64_t rights,
                                        uint32_t ptr,
                                        uint32_t len);

// Lookup flags: only SYMLINK_FOLLOW is defined; anything else is Inval.
Result<Follow, Errno> follow_from_lookup(uint32_t flags);

}  // namespace capbox::wasi
