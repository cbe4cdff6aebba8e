// SPDX-License-Identifier: Apache-2.0
// PLACEHOLDER: being written.
#include "wasi/preview1.h"

namespace capbox::wasi::preview1 {

Ret fd_advise(Call&, u32, u64, u64, u32) {
  return Errno::Nosys;
}

Ret fd_allocate(Call&, u32, u64, u64) {
  return Errno::Nosys;
}

Ret fd_close(Call&, u32) {
  return Errno::Nosys;
}

Ret fd_datasync(Call&, u32) {
  return Errno::Nosys;
}

Ret fd_fdstat_get(Call&, u32, u32) {
  return Errno::Nosys;
}

Ret fd_fdstat_set_flags(Call&, u32, u32) {
  return Errno::Nosys;
}

Ret fd_fdstat_set_rights(Call&, u32, u64, u64) {
  return Errno::Nosys;
}

Ret fd_filestat_get(Call&, u32, u32) {
  return Errno::Nosys;
}

Ret fd_filestat_set_size(Call&, u32, u64) {
  return Errno::Nosys;
}

Ret fd_filestat_set_times(Call&, u32, u64, u64, u32) {
  return Errno::Nosys;
}

Ret fd_pread(Call&, u32, u32, u32, u64, u32) {
  return Errno::Nosys;
}

Ret fd_prestat_get(Call&, u32, u32) {
  return Errno::Nosys;
}

Ret fd_prestat_dir_name(Call&, u32, u32, u32) {
  return Errno::Nosys;
}

Ret fd_pwrite(Call&, u32, u32, u32, u64, u32) {
  return Errno::Nosys;
}

Ret fd_read(Call&, u32, u32, u32, u32) {
  return Errno::Nosys;
}

Ret fd_readdir(Call&, u32, u32, u32, u64, u32) {
  return Errno::Nosys;
}

Ret fd_renumber(Call&, u32, u32) {
  return Errno::Nosys;
}

Ret fd_seek(Call&, u32, i64, u32, u32) {
  return Errno::Nosys;
}

Ret fd_sync(Call&, u32) {
  return Errno::Nosys;
}

Ret fd_tell(Call&, u32, u32) {
  return Errno::Nosys;
}

Ret fd_write(Call&, u32, u32, u32, u32) {
  return Errno::Nosys;
}

}  // namespace capbox::wasi::preview1
