// SPDX-License-Identifier: Apache-2.0
// PLACEHOLDER: being written.
#include "wasi/preview1.h"

namespace capbox::wasi::preview1 {

engine::Trap proc_exit(Call&, u32) {
  return engine::Trap::host_error("proc_exit: not built yet");
}

Ret proc_raise(Call&, u32) {
  return Errno::Nosys;
}

Ret sched_yield(Call&) {
  return Errno::Nosys;
}

}  // namespace capbox::wasi::preview1
