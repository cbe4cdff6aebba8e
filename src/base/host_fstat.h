// SPDX-License-Identifier: Apache-2.0
// fstat(2) as the fstat system call. glibc 2.33+ implements fstat() as
// newfstatat(fd, "", AT_EMPTY_PATH), a path-taking call the sandbox's
// filter cannot tell from a real path lookup by its arguments, so it traps
// and emulates that form in a SIGSYS handler (sandbox/syscalls.def): right,
// but a signal per call. The WASI layer stats descriptors on every open,
// read of a directory and poll, so it asks for the plain fstat the filter
// allows. Depends on nothing.
#pragma once

#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace capbox {

inline int host_fstat(int fd, struct stat* st) {
  return static_cast<int>(::syscall(SYS_fstat, fd, st));
}

}  // namespace capbox
