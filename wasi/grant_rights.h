// SPDX-License-Identifier: Apache-2.0
// The rights vocabulary users write (--dir HOST::GUEST::RIGHTS and policy
// files): ro, rw, or a comma list of read, write, create, delete, rename,
// metadata. Each word stands for a set of WASI rights; a grant's set is
// both the preopen's base and inheriting rights, so nothing opened beneath
// it can hold more. Pure: no I/O.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "wasi/types.h"

namespace capbox::wasi {

// The WASI rights of one word ("read", ...); nullopt-like error names the
// unknown word and lists the known ones.
Result<Rights, std::string> parse_grant_rights(std::string_view text);

// The words whose rights `rights` holds whole, in the vocabulary's order
// ({"read", "write"}); none for no rights or only part of every word's.
std::vector<std::string_view> grant_words(Rights rights);

// Each word's WASI rights. Opening a path (kPathOpen) comes with read,
// write and create, so a write-only grant can still open files to write.
inline constexpr uint64_t kGrantRead =
    right::kFdRead | right::kFdSeek | right::kFdTell | right::kFdAdvise |
    right::kFdReaddir | right::kPathOpen | right::kFdFilestatGet |
    right::kPathFilestatGet | right::kPathReadlink | right::kPollFdReadwrite |
    right::kFdFdstatSetFlags | right::kFdSync;
inline constexpr uint64_t kGrantWrite =
    right::kFdWrite | right::kFdDatasync | right::kFdSync | right::kFdAllocate |
    right::kFdFilestatSetSize | right::kPathFilestatSetSize |
    right::kFdFdstatSetFlags | right::kPollFdReadwrite | right::kPathOpen;
inline constexpr uint64_t kGrantCreate =
    right::kPathCreateFile | right::kPathCreateDirectory | right::kPathSymlink |
    right::kPathLinkSource | right::kPathLinkTarget | right::kPathOpen;
inline constexpr uint64_t kGrantDelete =
    right::kPathUnlinkFile | right::kPathRemoveDirectory;
inline constexpr uint64_t kGrantRename =
    right::kPathRenameSource | right::kPathRenameTarget;
inline constexpr uint64_t kGrantMetadata =
    right::kFdFilestatSetTimes | right::kPathFilestatSetTimes;

}  // namespace capbox::wasi
