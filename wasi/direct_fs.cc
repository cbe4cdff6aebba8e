// SPDX-License-Identifier: Apache-2.0
// PLACEHOLDER: being written.
#include "wasi/direct_fs.h"

#include <cerrno>

namespace capbox::wasi {
Result<Opened, int> DirectFs::open_root(const std::string&) { return Unexpected(ENOSYS); }
Result<Opened, int> DirectFs::open_at(DirHandle, std::string_view, const OpenRequest&) { return Unexpected(ENOSYS); }
Result<struct stat, int> DirectFs::stat_at(DirHandle, std::string_view, Follow) { return Unexpected(ENOSYS); }
Result<void, int> DirectFs::mkdir_at(DirHandle, std::string_view) { return Unexpected(ENOSYS); }
Result<void, int> DirectFs::unlink_at(DirHandle, std::string_view) { return Unexpected(ENOSYS); }
Result<void, int> DirectFs::rmdir_at(DirHandle, std::string_view) { return Unexpected(ENOSYS); }
Result<void, int> DirectFs::rename_at(DirHandle, std::string_view, DirHandle, std::string_view) { return Unexpected(ENOSYS); }
Result<void, int> DirectFs::link_at(DirHandle, std::string_view, Follow, DirHandle, std::string_view) { return Unexpected(ENOSYS); }
Result<void, int> DirectFs::symlink_at(std::string_view, DirHandle, std::string_view) { return Unexpected(ENOSYS); }
Result<std::string, int> DirectFs::readlink_at(DirHandle, std::string_view) { return Unexpected(ENOSYS); }
Result<void, int> DirectFs::set_times_at(DirHandle, std::string_view, Follow, TimeSpec, TimeSpec) { return Unexpected(ENOSYS); }
Result<void, int> DirectFs::truncate_at(DirHandle, std::string_view, uint64_t) { return Unexpected(ENOSYS); }
void DirectFs::close_dir(DirHandle) {}
int DirectFs::dir_fd(DirHandle) const { return -1; }
DirHandle DirectFs::add_dir(UniqueFd) { return {}; }
}  // namespace capbox::wasi
