// SPDX-License-Identifier: Apache-2.0
// Resolution strictly beneath a directory descriptor: the one place capbox
// turns an untrusted relative path into a host descriptor. The kernel does
// the resolving (openat2 with RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS, or a
// component walk with O_NOFOLLOW where openat2 is missing), never string
// checks alone. Exception-free, not async-signal-safe (it allocates).
// Depends on libc and Linux uapi headers only.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.h"
#include "base/unique_fd.h"

namespace capbox::broker {

// Errors, common to every function here (host errno values):
//   EPERM         the path leads outside `dirfd`: it is absolute, `..` climbs
//                 above the start, or a symlink's target is absolute or
//                 climbs above it. (openat2 says EXDEV; cap-std and WASI
//                 test suites expect EPERM, so EXDEV is translated.)
//   ELOOP         more than 40 symlinks, a symlink last component under
//                 O_NOFOLLOW (as open(2)), or a procfs magic link
//                 (/proc/self/fd/N, /proc/self/root ...), which is refused.
//   ENOENT        an empty path or symlink, or a missing component.
//   ENOTDIR       a non-directory used as a directory, including "file/".
//   ENAMETOOLONG  the path is PATH_MAX bytes or longer, or a component is
//                 longer than NAME_MAX.
//   EINVAL        a NUL byte inside the path, unknown open flags or mode
//                 bits.
// A trailing slash means "must be a directory" and, as in Linux, follows a
// last-component symlink even under O_NOFOLLOW (beneath, like any other).
//
// Known race, shared with every walk-based resolver (cap-std, WAMR): if a
// directory the walk holds is moved outside the tree while the walk is in
// it, later `..` pops stay correct (they use the walk's own stack) but the
// moved directory's contents are outside. openat2 detects this and retries
// (EAGAIN); the walk does not.

// Which implementation resolves. Kernel is the only one production code
// uses; Walk exists so tests run both over the same matrix.
enum class Resolver : uint8_t {
  Kernel,  // openat2; the walk if the kernel lacks it (ENOSYS)
  Walk,    // always the component-by-component walk
};

// Opens `path` beneath `dirfd` with open(2) `flags` and `mode` (for O_CREAT
// and O_TMPFILE; the umask applies). O_NOFOLLOW applies to the last
// component only; O_CLOEXEC is always added. The caller keeps `dirfd`.
Result<UniqueFd, int> open_beneath(int dirfd,
                                   std::string_view path,
                                   int flags,
                                   mode_t mode = 0,
                                   Resolver resolver = Resolver::Kernel);

// The directory that holds a path's last component, opened O_PATH |
// O_DIRECTORY | O_CLOEXEC beneath `dirfd`, and that component's name.
//
// Intermediate symlinks are followed (beneath); the last component is not
// looked at. `name` never contains '/'; it can be "." or ".." ("a/.." gives
// dir "a" and name ".."), but a ".." that would climb above `dirfd` fails
// with EPERM here, so `dir` + `name` always names something beneath.
// A path ending in '/' sets `trailing_slash`.
//
// Use with the *at calls that never follow a last component: mkdirat,
// unlinkat, renameat, symlinkat, and linkat's new path. entry() gives them
// the name with its trailing slash, so Linux's own rules apply ("file/"
// gives ENOTDIR, rmdir "a/.." gives ENOTEMPTY, mkdir "." EEXIST). Calls that
// look a last component up (fstatat, readlinkat, utimensat, linkat's old
// path, openat) must get `name` without the slash and AT_SYMLINK_NOFOLLOW,
// because a trailing slash makes Linux follow a symlink there, unchecked.
struct Parent {
  UniqueFd dir;
  std::string name;
  bool trailing_slash = false;

  std::string entry() const { return trailing_slash ? name + "/" : name; }
};
Result<Parent, int> open_parent_beneath(int dirfd,
                                        std::string_view path,
                                        Resolver resolver = Resolver::Kernel);

// Like open_parent_beneath, but when the last component is a symlink it is
// followed, beneath, until the name is not one (at most 40 links in all):
// the result names what `path` refers to when followed, which may not exist
// (a dangling link gives its missing target's parent and name). With a
// trailing slash the final object must be a directory (ENOTDIR). For calls
// that must follow but cannot take a descriptor: linkat with
// AT_SYMLINK_FOLLOW, utimensat. Pass `name` with AT_SYMLINK_NOFOLLOW.
Result<Parent, int> open_target_parent_beneath(
    int dirfd,
    std::string_view path,
    Resolver resolver = Resolver::Kernel);

}  // namespace capbox::broker
