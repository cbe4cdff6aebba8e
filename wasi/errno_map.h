// SPDX-License-Identifier: Apache-2.0
// Host errno -> WASI errno, in one place. Depends on wasi/types.h.
#pragma once

#include "wasi/types.h"

namespace capbox::wasi {

// Maps a host errno value (ENOENT, ...) to its WASI counterpart; values
// with none become Errno::Io.
Errno from_host_errno(int host_errno);

}  // namespace capbox::wasi
