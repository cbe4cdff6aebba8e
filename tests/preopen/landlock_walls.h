// SPDX-License-Identifier: Apache-2.0
// A test-only Landlock ruleset shaped like `capbox exec`'s (issue 6,
// point 1), so the preload tests can also run with the kernel refusing
// every path but libraries, the program, its loader and /dev/null & co:
// brokered descriptors must keep working, and nothing else may. Applied by
// the forked child before exec. Depends on libc and linux/landlock.h.
#pragma once

#include <string>

namespace capbox::preload_test {

// The kernel's Landlock ABI version, 0 if it has none.
int landlock_abi();

// no_new_privs, then the ruleset: READ_FILE|READ_DIR beneath the library
// directories, READ_FILE on /etc/ld.so.cache and `preload`, READ_FILE|
// EXECUTE on `program` and the ELF loader, READ|WRITE(|TRUNCATE) on the
// /dev files programs write to. 0 or -errno.
int apply_landlock(const std::string& preload, const std::string& program);

}  // namespace capbox::preload_test
