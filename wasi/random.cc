// SPDX-License-Identifier: Apache-2.0
// PLACEHOLDER: being written.
#include "wasi/preview1.h"

namespace capbox::wasi::preview1 {

Ret random_get(Call&, u32, u32) {
  return Errno::Nosys;
}

}  // namespace capbox::wasi::preview1
