// SPDX-License-Identifier: Apache-2.0
// Debian's lua5.4 patches luaconf.h to include this header, which its
// debian/rules generates; only the module search paths use the value.
#pragma once
#define DEB_HOST_MULTIARCH "wasm32-wasi"
