// SPDX-License-Identifier: Apache-2.0
#include "wasi/fd_access.h"

namespace capbox::wasi {
namespace {

// Notcapable unless `entry` holds `rights`; a refusal is reported to the
// context with `path` (best effort: read only for the report).
Result<FdEntry*, Errno> with_rights(Call& call,
                                    FdEntry* entry,
                                    uint64_t rights,
                                    std::string_view path = "") {
  if (entry->base.contains(rights)) {
    call.ctx.report_allowed(call.function, *entry, path, rights);
    return entry;
  }
  call.ctx.report_denial(call.function, *entry, path,
                         rights & ~entry->base.bits, rights);
  return Unexpected(Errno::Notcapable);
}

// The entry of a directory fd, its rights not yet checked.
Result<FdEntry*, Errno> any_dir(Call& call, uint32_t fd) {
  auto entry = call.ctx.fds().get(fd, 0);
  if (!entry)
    return entry;
  if (!(*entry)->dir)
    return Unexpected(Errno::Notdir);
  return entry;
}

}  // namespace

Result<FdEntry*, Errno> any_fd(Call& call, uint32_t fd, uint64_t rights) {
  auto entry = call.ctx.fds().get(fd, 0);
  if (!entry)
    return entry;
  return with_rights(call, *entry, rights);
}

Result<FdEntry*, Errno> file_fd(Call& call, uint32_t fd, uint64_t rights) {
  auto entry = call.ctx.fds().get(fd, 0);
  if (!entry)
    return entry;
  if ((*entry)->type == Filetype::Directory)
    return Unexpected(Errno::Badf);
  return with_rights(call, *entry, rights);
}

Result<FdEntry*, Errno> dir_fd(Call& call, uint32_t fd, uint64_t rights) {
  auto entry = any_dir(call, fd);
  if (!entry)
    return entry;
  return with_rights(call, *entry, rights);
}

Result<FdEntry*, Errno> dir_fd_for_path(Call& call,
                                        uint32_t fd,
                                        uint64_t rights,
                                        uint32_t ptr,
                                        uint32_t len,
                                        bool report_allowed) {
  auto entry = any_dir(call, fd);
  if (!entry || ((*entry)->base.contains(rights) &&
                 !(report_allowed && call.ctx.checks_wanted())))
    return entry;
  auto path = call.mem.path(ptr, len);
  return with_rights(call, *entry, rights, path ? *path : "");
}

Result<std::string, Errno> guest_path(Call& call, uint32_t ptr, uint32_t len) {
  auto path = call.mem.path(ptr, len);
  if (path && !path->empty() && path->front() == '/')
    return Unexpected(Errno::Perm);
  return path;
}

Result<PathBeneath, Errno> path_beneath(Call& call,
                                        uint32_t fd,
                                        uint64_t rights,
                                        uint32_t ptr,
                                        uint32_t len) {
  auto dir = dir_fd_for_path(call, fd, rights, ptr, len);
  if (!dir)
    return Unexpected(dir.error());
  auto path = guest_path(call, ptr, len);
  if (!path)
    return Unexpected(path.error());
  return PathBeneath{*(*dir)->dir, std::move(*path)};
}

Result<Follow, Errno> follow_from_lookup(uint32_t flags) {
  if ((flags & ~kLookupSymlinkFollow) != 0)
    return Unexpected(Errno::Inval);
  return (flags & kLookupSymlinkFollow) ? Follow::Yes : Follow::No;
}

}  // namespace capbox::wasi
