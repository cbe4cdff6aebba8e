// SPDX-License-Identifier: Apache-2.0
// PLACEHOLDER: being written.
#include "wasi/preview1.h"

namespace capbox::wasi::preview1 {

Ret path_create_directory(Call&, u32, u32, u32) {
  return Errno::Nosys;
}

Ret path_filestat_get(Call&, u32, u32, u32, u32, u32) {
  return Errno::Nosys;
}

Ret path_filestat_set_times(Call&, u32, u32, u32, u32, u64, u64, u32) {
  return Errno::Nosys;
}

Ret path_link(Call&, u32, u32, u32, u32, u32, u32, u32) {
  return Errno::Nosys;
}

Ret path_open(Call&, u32, u32, u32, u32, u32, u64, u64, u32, u32) {
  return Errno::Nosys;
}

Ret path_readlink(Call&, u32, u32, u32, u32, u32, u32) {
  return Errno::Nosys;
}

Ret path_remove_directory(Call&, u32, u32, u32) {
  return Errno::Nosys;
}

Ret path_rename(Call&, u32, u32, u32, u32, u32, u32) {
  return Errno::Nosys;
}

Ret path_symlink(Call&, u32, u32, u32, u32, u32) {
  return Errno::Nosys;
}

Ret path_unlink_file(Call&, u32, u32, u32) {
  return Errno::Nosys;
}

}  // namespace capbox::wasi::preview1
