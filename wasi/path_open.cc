// SPDX-License-Identifier: Apache-2.0
// path_open: turns oflags, fdflags and the requested rights into an
// OpenRequest with the least host access they need, has FsAuthority open
// the path beneath the directory's handle, and enters the result in the
// table with rights no larger than the directory could pass on. The same
// in wasi_unstable. Depends on wasi/ only.
#include <fcntl.h>
#include <sys/stat.h>

#include <cerrno>

#include "base/host_fstat.h"
#include "wasi/errno_map.h"
#include "wasi/fd_access.h"
#include "wasi/filestat.h"
#include "wasi/preview1.h"

namespace capbox::wasi::preview1 {
namespace {

// The rights that decide the host access mode, as wasi-libc's openat
// groups them for O_RDONLY / O_WRONLY, except FD_DATASYNC: fdatasync(2)
// works on a read-only descriptor, so it needs no write access (and a
// directory reopened with its own rights, which include it, stays
// read-only).
constexpr uint64_t kReadRights = right::kFdRead | right::kFdReaddir;
constexpr uint64_t kWriteRights =
    right::kFdWrite | right::kFdAllocate | right::kFdFilestatSetSize;

struct OpenArgs {
  OpenRequest request;
  uint64_t dir_base = 0;        // needed on the directory itself
  uint64_t dir_inheriting = 0;  // must be in its inheriting set
};

// Flags to OpenRequest plus the rights they need. Unknown bits are Inval;
// DIRECTORY with CREAT, EXCL or TRUNC is Inval, as in wasmtime (no
// directory is created or truncated by path_open).
Result<OpenArgs, Errno> open_args(u32 dirflags,
                                  u32 oflags,
                                  u64 base,
                                  u32 fdflags) {
  auto follow = follow_from_lookup(dirflags);
  if (!follow)
    return Unexpected(follow.error());
  using namespace oflag;
  if ((oflags & ~uint32_t{kCreat | kDirectory | kExcl | kTrunc}) != 0 ||
      (fdflags & ~uint32_t{fdflag::kAll}) != 0)
    return Unexpected(Errno::Inval);
  if ((oflags & kDirectory) && (oflags & (kCreat | kExcl | kTrunc)))
    return Unexpected(Errno::Inval);
  OpenArgs args;
  OpenRequest& r = args.request;
  r.follow = *follow;
  r.read = (base & kReadRights) != 0;
  r.write = (base & kWriteRights) != 0;
  r.create = oflags & kCreat;
  r.exclusive = oflags & kExcl;
  r.truncate = oflags & kTrunc;
  r.directory = oflags & kDirectory;
  r.append = fdflags & fdflag::kAppend;
  r.nonblock = fdflags & fdflag::kNonblock;
  args.dir_base = right::kPathOpen;
  if (r.create)
    args.dir_base |= right::kPathCreateFile;
  if (r.truncate)
    args.dir_base |= right::kPathFilestatSetSize;
  args.dir_inheriting = base & (kReadRights | kWriteRights);
  if (fdflags & fdflag::kDsync) {
    r.sync_flags |= O_DSYNC;
    args.dir_inheriting |= right::kFdDatasync;
  }
  if (fdflags & fdflag::kRsync) {
    r.sync_flags |= O_RSYNC;
    args.dir_inheriting |= right::kFdSync;
  }
  if (fdflags & fdflag::kSync) {
    r.sync_flags |= O_SYNC;
    args.dir_inheriting |= right::kFdSync;
  }
  return args;
}

// The table entry for what was opened: a file drops directory-only
// rights, a directory file-only ones and gets the authority's handle.
Result<FdEntry, Errno> entry_for(Opened& opened,
                                 Rights base,
                                 Rights inheriting) {
  FdEntry entry;
  entry.base = base;
  entry.inheriting = inheriting;
  if (opened.is_directory) {
    entry.type = Filetype::Directory;
    entry.dir = opened.dir;
    entry.base.bits &= ~right::kFileOnly;
  } else {
    struct stat st {};
    if (host_fstat(opened.fd.get(), &st) != 0)
      return Unexpected(from_host_errno(errno));
    entry.type = filetype_from_mode(st.st_mode);
    entry.base.bits &= ~right::kDirOnly;
  }
  entry.fd = std::move(opened.fd);
  return entry;
}

}  // namespace

// Rights: the directory needs PATH_OPEN (plus PATH_CREATE_FILE for CREAT,
// PATH_FILESTAT_SET_SIZE for TRUNC). Of the requested rights, those that
// decide host access (read, write) and those the sync fdflags need must be
// in the directory's inheriting set, else Notcapable: the open would
// otherwise succeed with an fd that cannot do what it was opened for.
// Every other requested right is narrowed to the inheriting set without
// complaint, as wasmtime's original implementation did and as Rust's std
// relies on (it asks for every right "and implementations may give us
// fewer rights silently"). uvwasi refuses instead, which makes Rust's
// File::open fail under any preopen with fewer than all rights. Either
// way rights only shrink. A file then drops directory-only rights, a
// directory file-only ones (fd_fdstat_get shows what really applies).
Ret path_open(Call& call,
              u32 fd,
              u32 dirflags,
              u32 path,
              u32 path_len,
              u32 oflags,
              u64 rights_base,
              u64 rights_inheriting,
              u32 fdflags,
              u32 out) {
  auto args = open_args(dirflags, oflags, rights_base, fdflags);
  if (!args)
    return args.error();
  auto dir = dir_fd_for_path(call, fd, args->dir_base, path, path_len,
                             /*report_allowed=*/false);
  if (!dir)
    return dir.error();
  const Rights allowed = (*dir)->inheriting;
  const uint64_t needed = args->dir_base | args->dir_inheriting;
  if (!allowed.contains(args->dir_inheriting)) {
    auto named = call.mem.path(path, path_len);
    call.ctx.report_denial(call.function, **dir, named ? *named : "",
                           args->dir_inheriting & ~allowed.bits, needed);
    return Errno::Notcapable;
  }
  if (call.ctx.checks_wanted()) {
    auto named = call.mem.path(path, path_len);
    call.ctx.report_allowed(call.function, **dir, named ? *named : "", needed);
  }
  auto p = guest_path(call, path, path_len);
  if (!p)
    return p.error();
  // Checked before opening so that a bad pointer cannot leak an fd.
  if (!call.mem.memory().contains(out, sizeof(uint32_t)))
    return Errno::Fault;
  // Before opening, as open(2) checks: a refused O_CREAT creates nothing.
  if (call.ctx.fds().full())
    return call.ctx.refuse_fd("path_open of " + quote_for_message(*p));
  auto opened = call.ctx.fs().open_at(*(*dir)->dir, *p, args->request);
  if (!opened)
    return from_host_errno(opened.error());
  // Asking to write a directory is Isdir, as open(2) says for O_WRONLY
  // (the authority may have fallen back to reading it).
  if (opened->is_directory && (rights_base & right::kFdWrite)) {
    call.ctx.fs().close_dir(opened->dir);
    return Errno::Isdir;
  }
  auto entry = entry_for(*opened, Rights{rights_base} & allowed,
                         Rights{rights_inheriting} & allowed);
  if (!entry)
    return entry.error();
  if (!(*dir)->guest_path.empty())
    entry->guest_path = join_guest_path((*dir)->guest_path, *p);
  auto number = call.ctx.fds().insert(std::move(*entry));
  if (!number) {
    // The table never took the entry, so it will not release the handle.
    if (opened->is_directory)
      call.ctx.fs().close_dir(opened->dir);
    return number.error();
  }
  (void)call.mem.store<uint32_t>(out, *number);
  return Errno::Success;
}

}  // namespace capbox::wasi::preview1
