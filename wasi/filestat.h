// SPDX-License-Identifier: Apache-2.0
// What fd_* and path_* share about files: the WASI file type of a host
// st_mode, the guest filestat layout (which differs between preview1 and
// wasi_unstable), and fst_flags turned into the TimeSpecs FsAuthority and
// futimens take. Depends on wasi/ types and libc only.
#pragma once

#include <sys/stat.h>

#include <cstdint>

#include "base/result.h"
#include "wasi/fs_authority.h"
#include "wasi/guest.h"
#include "wasi/types.h"

namespace capbox::wasi {

// FIFOs have no WASI file type (Unknown); sockets found by path are
// reported as SocketStream, the only kind a path can name on Linux in
// practice (AF_UNIX stream sockets).
Filetype filetype_from_mode(mode_t mode);

// Nanoseconds since the epoch, as the ABI's u64 timestamps carry them.
// Times before 1970 wrap, as a two's-complement i64 would (wasmtime
// reports them the same way).
uint64_t timestamp_ns(const struct timespec& ts);

// The size of a filestat for `abi` (64 bytes preview1, 56 wasi_unstable).
uint32_t filestat_size(Abi abi);

// Writes `st` as a filestat at `out`; Fault if it does not fit. `type`
// overrides what st_mode says (an fd's entry knows its socket kind).
Errno store_filestat(const Guest& mem,
                     Abi abi,
                     uint32_t out,
                     const struct stat& st,
                     Filetype type);

// fst_flags with the two timestamps: ATIM with ATIM_NOW (or MTIM with
// MTIM_NOW) together, or a flag outside the four, is Inval.
struct TimePair {
  TimeSpec atime;
  TimeSpec mtime;
};
Result<TimePair, Errno> times_from_fst(uint64_t atim,
                                       uint64_t mtim,
                                       uint32_t fst_flags);

// A TimeSpec as futimens/utimensat take it (UTIME_OMIT, UTIME_NOW).
struct timespec host_timespec(const TimeSpec& spec);

}  // namespace capbox::wasi
