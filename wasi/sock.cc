// SPDX-License-Identifier: Apache-2.0
// PLACEHOLDER: being written.
#include "wasi/preview1.h"

namespace capbox::wasi::preview1 {

Ret sock_accept(Call&, u32, u32, u32) {
  return Errno::Nosys;
}

Ret sock_recv(Call&, u32, u32, u32, u32, u32, u32) {
  return Errno::Nosys;
}

Ret sock_send(Call&, u32, u32, u32, u32, u32) {
  return Errno::Nosys;
}

Ret sock_shutdown(Call&, u32, u32) {
  return Errno::Nosys;
}

}  // namespace capbox::wasi::preview1
