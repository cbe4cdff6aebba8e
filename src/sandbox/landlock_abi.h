// SPDX-License-Identifier: Apache-2.0
// Landlock's user ABI as far as capbox uses it (include/uapi/linux/
// landlock.h up to ABI 6), declared here because Debian 12's headers stop
// at ABI 2. Shared by lockdown.cc (`run`: no rules at all) and
// exec_landlock.cc (`exec`: a few beneath-path rules). Constants only.
#pragma once

#include <cstdint>

namespace capbox::sandbox::landlock {

constexpr unsigned kCreateRulesetVersion = 1u << 0;
constexpr int kRulePathBeneath = 1;  // LANDLOCK_RULE_PATH_BENEATH

// The attribute grew by one field at ABI 4 (net) and ABI 6 (scoped); the
// size passed tells the kernel which fields exist.
struct RulesetAttr {
  uint64_t handled_access_fs;
  uint64_t handled_access_net;
  uint64_t scoped;
};

struct [[gnu::packed]] PathBeneathAttr {
  uint64_t allowed_access;
  int32_t parent_fd;
};

// Filesystem rights (ABI 1 unless noted).
constexpr uint64_t kExecute = 1ull << 0;
constexpr uint64_t kWriteFile = 1ull << 1;
constexpr uint64_t kReadFile = 1ull << 2;
constexpr uint64_t kReadDir = 1ull << 3;
constexpr uint64_t kTruncate = 1ull << 14;  // ABI 3

// Every filesystem right up to `abi`: handled with no rule, a right is
// denied on every path, even through a descriptor opened later.
constexpr uint64_t fs_rights(int abi) {
  uint64_t rights = (1ull << 13) - 1;  // ABI 1: EXECUTE .. MAKE_SYM
  if (abi >= 2)
    rights |= 1ull << 13;  // REFER
  if (abi >= 3)
    rights |= kTruncate;
  if (abi >= 5)
    rights |= 1ull << 15;  // IOCTL_DEV
  return rights;
}

constexpr uint64_t kNetBindTcp = 1ull << 0;               // ABI 4
constexpr uint64_t kNetConnectTcp = 1ull << 1;            // ABI 4
constexpr uint64_t kScopeAbstractUnixSocket = 1ull << 0;  // ABI 6
constexpr uint64_t kScopeSignal = 1ull << 1;              // ABI 6

}  // namespace capbox::sandbox::landlock
