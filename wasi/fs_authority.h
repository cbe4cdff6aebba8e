// SPDX-License-Identifier: Apache-2.0
// FsAuthority: the one narrow door through which the WASI layer reaches the
// host filesystem. Every path operation names a directory handle the
// authority gave out and a path relative to it; the authority resolves the
// path strictly beneath that directory (no absolute paths, no `..` above
// it, no symlink leading out) and performs the operation. In the sandbox it
// is a broker client talking to the supervisor; in unit tests and the
// unsandboxed path it is DirectFs. The WASI layer never opens a path itself.
//
// Errors are host errno values (ENOENT, ENOTCAPABLE is not one: rights are
// checked by the WASI layer before it calls, and again by the broker).
// Depends on nothing but libc types.
#pragma once

#include <sys/stat.h>
#include <time.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.h"
#include "base/unique_fd.h"

namespace capbox::wasi {

// A directory the authority can resolve paths beneath. Opaque to the WASI
// layer; valid until close_dir.
struct DirHandle {
  uint32_t id = 0;
  bool operator==(const DirHandle&) const = default;
};

enum class Follow : uint8_t { No, Yes };  // the last component's symlink

// What path_open asks for, in host terms (the WASI layer translates oflags,
// fdflags and rights into this).
struct OpenRequest {
  bool read = false;       // the rights allow reading
  bool write = false;      // the rights allow writing
  bool create = false;     // O_CREAT
  bool exclusive = false;  // O_EXCL
  bool truncate = false;   // O_TRUNC
  bool directory = false;  // must be a directory (O_DIRECTORY)
  bool append = false;     // O_APPEND
  bool nonblock = false;   // O_NONBLOCK
  int sync_flags = 0;      // O_DSYNC / O_RSYNC / O_SYNC bits
  Follow follow = Follow::Yes;
};

struct Opened {
  UniqueFd fd;          // the open file or directory, O_CLOEXEC
  bool is_directory = false;
  DirHandle dir;        // valid when is_directory: for paths beneath it
};

// A time to set: leave it, set it to now, or set it to a value.
struct TimeSpec {
  enum class Kind : uint8_t { Omit, Now, Set } kind = Kind::Omit;
  struct timespec value {};
};

class FsAuthority {
 public:
  virtual ~FsAuthority() = default;

  virtual Result<Opened, int> open_at(DirHandle dir, std::string_view path,
                                      const OpenRequest& request) = 0;
  virtual Result<struct stat, int> stat_at(DirHandle dir,
                                           std::string_view path,
                                           Follow follow) = 0;
  virtual Result<void, int> mkdir_at(DirHandle dir, std::string_view path) = 0;
  virtual Result<void, int> unlink_at(DirHandle dir,
                                      std::string_view path) = 0;
  virtual Result<void, int> rmdir_at(DirHandle dir, std::string_view path) = 0;
  virtual Result<void, int> rename_at(DirHandle from_dir,
                                      std::string_view from,
                                      DirHandle to_dir,
                                      std::string_view to) = 0;
  virtual Result<void, int> link_at(DirHandle from_dir, std::string_view from,
                                    Follow follow, DirHandle to_dir,
                                    std::string_view to) = 0;
  // Creates `path` beneath dir as a symlink whose contents are `target`
  // (stored verbatim; it is resolved, beneath, only when followed).
  virtual Result<void, int> symlink_at(std::string_view target, DirHandle dir,
                                       std::string_view path) = 0;
  virtual Result<std::string, int> readlink_at(DirHandle dir,
                                               std::string_view path) = 0;
  virtual Result<void, int> set_times_at(DirHandle dir, std::string_view path,
                                         Follow follow, TimeSpec atime,
                                         TimeSpec mtime) = 0;
  // Truncates or extends a file by path (path_filestat_set_size is not in
  // preview1, but libpreopen's truncate() needs it).
  virtual Result<void, int> truncate_at(DirHandle dir, std::string_view path,
                                        uint64_t size) = 0;
  // The guest closed its last use of a directory handle.
  virtual void close_dir(DirHandle dir) = 0;
};

}  // namespace capbox::wasi
