// SPDX-License-Identifier: Apache-2.0
#include "wasi/grant_rights.h"

#include <array>
#include <utility>

namespace capbox::wasi {
namespace {

constexpr std::array<std::pair<std::string_view, uint64_t>, 6> kWords = {{
    {"read", kGrantRead},
    {"write", kGrantWrite},
    {"create", kGrantCreate},
    {"delete", kGrantDelete},
    {"rename", kGrantRename},
    {"metadata", kGrantMetadata},
}};

constexpr uint64_t kGrantAll = kGrantRead | kGrantWrite | kGrantCreate |
                               kGrantDelete | kGrantRename | kGrantMetadata;
static_assert(kGrantAll ==
                  right::kAll - right::kSockShutdown - right::kSockAccept,
              "every file right belongs to some grant word");

}  // namespace

Result<Rights, std::string> parse_grant_rights(std::string_view text) {
  if (text == "ro")
    return Rights{kGrantRead};
  if (text == "rw")
    return Rights{kGrantAll};
  Rights rights;
  size_t start = 0;
  while (true) {
    const size_t comma = std::min(text.find(',', start), text.size());
    const std::string_view word = text.substr(start, comma - start);
    bool known = false;
    for (const auto& [name, bits] : kWords) {
      if (word == name) {
        rights.bits |= bits;
        known = true;
      }
    }
    if (!known)
      return Unexpected(
          "unknown right '" + std::string(word) +
          "'; use ro, rw, or a comma list of read, write, create, delete, "
          "rename, metadata");
    if (comma == text.size())
      break;
    start = comma + 1;
  }
  return rights;
}

std::vector<std::string_view> grant_words(Rights rights) {
  std::vector<std::string_view> words;
  for (const auto& [name, bits] : kWords)
    if (rights.contains(bits))
      words.push_back(name);
  return words;
}

}  // namespace capbox::wasi
