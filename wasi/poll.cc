// SPDX-License-Identifier: Apache-2.0
// PLACEHOLDER: being written.
#include "wasi/preview1.h"

namespace capbox::wasi::preview1 {

Ret poll_oneoff(Call&, u32, u32, u32, u32) {
  return Errno::Nosys;
}

}  // namespace capbox::wasi::preview1
