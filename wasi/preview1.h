// SPDX-License-Identifier: Apache-2.0
// The host side of every wasi_snapshot_preview1 function, under its spec
// name, with its wasm32 signature: u32 for i32 parameters (pointers,
// lengths, fds, small flag words), u64/i64 for i64 ones. Each returns an
// Errno for the guest or a Trap that ends it (two channels: a failed call
// is the guest's business, a trap is not). link.cc derives each import's
// wasm type from these declarations. Implementations are split by group:
// args_environ.cc clock.cc fd.cc path.cc poll.cc proc.cc random.cc sock.cc.
#pragma once

#include <cstdint>
#include <string_view>

#include "base/result.h"
#include "engine/trap.h"
#include "wasi/context.h"
#include "wasi/guest.h"
#include "wasi/types.h"

namespace capbox::wasi {

// One call's view: the guest's context, its memory, and which import module
// (preview1 or wasi_unstable) it came through.
struct Call {
  Context& ctx;
  Guest mem;
  Abi abi;
  std::string_view function = "";  // "path_open": for denial reports
};

// An errno for the guest, or a trap (proc_exit, a broken invariant).
using Ret = Result<Errno, engine::Trap>;

namespace preview1 {
using u32 = uint32_t;
using u64 = uint64_t;
using i64 = int64_t;

Ret args_get(Call&, u32 argv, u32 argv_buf);
Ret args_sizes_get(Call&, u32 argc_out, u32 buf_size_out);
Ret environ_get(Call&, u32 environ, u32 environ_buf);
Ret environ_sizes_get(Call&, u32 count_out, u32 buf_size_out);
Ret clock_res_get(Call&, u32 id, u32 out);
Ret clock_time_get(Call&, u32 id, u64 precision, u32 out);
Ret fd_advise(Call&, u32 fd, u64 offset, u64 len, u32 advice);
Ret fd_allocate(Call&, u32 fd, u64 offset, u64 len);
Ret fd_close(Call&, u32 fd);
Ret fd_datasync(Call&, u32 fd);
Ret fd_fdstat_get(Call&, u32 fd, u32 out);
Ret fd_fdstat_set_flags(Call&, u32 fd, u32 flags);
Ret fd_fdstat_set_rights(Call&, u32 fd, u64 base, u64 inheriting);
Ret fd_filestat_get(Call&, u32 fd, u32 out);
Ret fd_filestat_set_size(Call&, u32 fd, u64 size);
Ret fd_filestat_set_times(Call&, u32 fd, u64 atim, u64 mtim, u32 fst_flags);
Ret fd_pread(Call&, u32 fd, u32 iovs, u32 iovs_len, u64 offset, u32 out);
Ret fd_prestat_get(Call&, u32 fd, u32 out);
Ret fd_prestat_dir_name(Call&, u32 fd, u32 path, u32 path_len);
Ret fd_pwrite(Call&, u32 fd, u32 iovs, u32 iovs_len, u64 offset, u32 out);
Ret fd_read(Call&, u32 fd, u32 iovs, u32 iovs_len, u32 out);
Ret fd_readdir(Call&, u32 fd, u32 buf, u32 buf_len, u64 cookie, u32 out);
Ret fd_renumber(Call&, u32 fd, u32 to);
Ret fd_seek(Call&, u32 fd, i64 offset, u32 whence, u32 out);
Ret fd_sync(Call&, u32 fd);
Ret fd_tell(Call&, u32 fd, u32 out);
Ret fd_write(Call&, u32 fd, u32 iovs, u32 iovs_len, u32 out);
Ret path_create_directory(Call&, u32 fd, u32 path, u32 path_len);
Ret path_filestat_get(Call&,
                      u32 fd,
                      u32 flags,
                      u32 path,
                      u32 path_len,
                      u32 out);
Ret path_filestat_set_times(Call&,
                            u32 fd,
                            u32 flags,
                            u32 path,
                            u32 path_len,
                            u64 atim,
                            u64 mtim,
                            u32 fst_flags);
Ret path_link(Call&,
              u32 old_fd,
              u32 old_flags,
              u32 old_path,
              u32 old_path_len,
              u32 new_fd,
              u32 new_path,
              u32 new_path_len);
Ret path_open(Call&,
              u32 fd,
              u32 dirflags,
              u32 path,
              u32 path_len,
              u32 oflags,
              u64 rights_base,
              u64 rights_inheriting,
              u32 fdflags,
              u32 out);
Ret path_readlink(Call&,
                  u32 fd,
                  u32 path,
                  u32 path_len,
                  u32 buf,
                  u32 buf_len,
                  u32 out);
Ret path_remove_directory(Call&, u32 fd, u32 path, u32 path_len);
Ret path_rename(Call&,
                u32 fd,
                u32 old_path,
                u32 old_path_len,
                u32 new_fd,
                u32 new_path,
                u32 new_path_len);
Ret path_symlink(Call&,
                 u32 old_path,
                 u32 old_path_len,
                 u32 fd,
                 u32 new_path,
                 u32 new_path_len);
Ret path_unlink_file(Call&, u32 fd, u32 path, u32 path_len);
Ret poll_oneoff(Call&, u32 in, u32 out, u32 nsubscriptions, u32 nevents_out);
// proc_exit has no result in wasm: it always ends the guest.
engine::Trap proc_exit(Call&, u32 code);
Ret proc_raise(Call&, u32 sig);
Ret sched_yield(Call&);
Ret random_get(Call&, u32 buf, u32 buf_len);
Ret sock_accept(Call&, u32 fd, u32 flags, u32 out);
Ret sock_recv(Call&,
              u32 fd,
              u32 ri_data,
              u32 ri_data_len,
              u32 ri_flags,
              u32 ro_datalen_out,
              u32 ro_flags_out);
Ret sock_send(Call&,
              u32 fd,
              u32 si_data,
              u32 si_data_len,
              u32 si_flags,
              u32 out);
Ret sock_shutdown(Call&, u32 fd, u32 how);
}  // namespace preview1

}  // namespace capbox::wasi
