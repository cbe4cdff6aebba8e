// SPDX-License-Identifier: Apache-2.0
// The test ruleset of landlock_walls.h, by raw system calls (glibc has no
// wrappers). ABI 3's TRUNCATE is defined here: Debian 12's headers stop at
// ABI 2. Rules for paths that do not exist (/lib64 on some systems) are
// skipped. Depends on libc and linux/landlock.h.
#include "tests/preopen/landlock_walls.h"

#include <fcntl.h>
#include <linux/landlock.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>

namespace capbox::preload_test {
namespace {

constexpr uint64_t kTruncate = 1ull << 14;  // ABI 3

int add_rule(int ruleset, const char* path, uint64_t access) {
  int fd = ::open(path, O_PATH | O_CLOEXEC);
  if (fd < 0)
    return errno == ENOENT ? 0 : -errno;
  struct landlock_path_beneath_attr attr = {access, fd};
  long r = ::syscall(SYS_landlock_add_rule, ruleset, LANDLOCK_RULE_PATH_BENEATH,
                     &attr, 0);
  int error = errno;
  ::close(fd);
  return r == 0 ? 0 : -error;
}

}  // namespace

int landlock_abi() {
  long abi = ::syscall(SYS_landlock_create_ruleset, nullptr, 0,
                       LANDLOCK_CREATE_RULESET_VERSION);
  return abi > 0 ? static_cast<int>(abi) : 0;
}

int apply_landlock(const std::string& preload, const std::string& program) {
  int abi = landlock_abi();
  if (abi < 1)
    return -ENOSYS;
  uint64_t handled = (LANDLOCK_ACCESS_FS_MAKE_SYM << 1) - 1;
  if (abi >= 2)
    handled |= LANDLOCK_ACCESS_FS_REFER;
  uint64_t truncate = abi >= 3 ? kTruncate : 0;
  handled |= truncate;
  struct landlock_ruleset_attr attr = {handled};
  int ruleset = static_cast<int>(
      ::syscall(SYS_landlock_create_ruleset, &attr, sizeof(attr), 0));
  if (ruleset < 0)
    return -errno;
  constexpr uint64_t kRead = LANDLOCK_ACCESS_FS_READ_FILE;
  constexpr uint64_t kReadDir = kRead | LANDLOCK_ACCESS_FS_READ_DIR;
  constexpr uint64_t kRun = kRead | LANDLOCK_ACCESS_FS_EXECUTE;
  const uint64_t kDev = kRead | LANDLOCK_ACCESS_FS_WRITE_FILE | truncate;
  const struct {
    const char* path;
    uint64_t access;
  } rules[] = {
      {"/lib", kReadDir},
      {"/lib64", kReadDir},
      {"/usr/lib", kReadDir},
      {"/usr/lib64", kReadDir},
      {"/usr/local/lib", kReadDir},
      {"/etc/ld.so.cache", kRead},
      {preload.c_str(), kRead},
      {program.c_str(), kRun},
      {"/lib64/ld-linux-x86-64.so.2", kRun},
      {"/lib/ld-linux-aarch64.so.1", kRun},
      {"/dev/null", kDev},
      {"/dev/zero", kDev},
      {"/dev/full", kDev},
      {"/dev/random", kDev},
      {"/dev/urandom", kDev},
  };
  int rc = 0;
  for (const auto& rule : rules) {
    if (rc == 0)
      rc = add_rule(ruleset, rule.path, rule.access);
  }
  if (rc == 0 && ::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
    rc = -errno;
  if (rc == 0 && ::syscall(SYS_landlock_restrict_self, ruleset, 0) != 0)
    rc = -errno;
  ::close(ruleset);
  return rc;
}

}  // namespace capbox::preload_test
