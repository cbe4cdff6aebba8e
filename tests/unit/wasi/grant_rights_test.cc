// SPDX-License-Identifier: Apache-2.0
// The rights words users write (--dir ...::RIGHTS): each word's WASI rights,
// their union, and refusals that name the bad word.
#include <doctest/doctest.h>

#include <string_view>
#include <vector>

#include "wasi/grant_rights.h"

namespace capbox::wasi {
namespace {

TEST_CASE("grant rights: ro, rw and word lists") {
  CHECK(parse_grant_rights("ro")->bits == kGrantRead);
  Rights rw = *parse_grant_rights("rw");
  CHECK(rw.contains(kGrantWrite | kGrantCreate | kGrantDelete | kGrantRename |
                    kGrantMetadata));
  CHECK_FALSE(rw.contains(right::kSockAccept));
  Rights list = *parse_grant_rights("read,write,create");
  CHECK(list.contains(right::kFdWrite | right::kPathCreateFile));
  CHECK_FALSE(list.contains(right::kPathUnlinkFile));
  CHECK_FALSE(list.contains(right::kPathRenameSource));
  // A write-only grant can still open files to write.
  CHECK(parse_grant_rights("write")->contains(right::kPathOpen));
  CHECK_FALSE(parse_grant_rights("write")->contains(right::kFdRead));
  CHECK_FALSE(parse_grant_rights("ro")->contains(right::kFdWrite));
}

TEST_CASE("grant rights: unknown or empty words are refused by name") {
  auto bad = parse_grant_rights("read,wirte");
  REQUIRE_FALSE(bad.has_value());
  CHECK(bad.error().find("'wirte'") != std::string::npos);
  CHECK_FALSE(parse_grant_rights("").has_value());
  CHECK_FALSE(parse_grant_rights("read,").has_value());
}

TEST_CASE("grant rights: described back in words") {
  using Words = std::vector<std::string_view>;
  CHECK(grant_words(*parse_grant_rights("read,rename")) ==
        Words{"read", "rename"});
  CHECK(grant_words(*parse_grant_rights("rw")) ==
        Words{"read", "write", "create", "delete", "rename", "metadata"});
  CHECK(grant_words(Rights{}).empty());
  // Part of a word's rights is not that word.
  CHECK(grant_words(Rights{right::kFdRead}).empty());
}

}  // namespace
}  // namespace capbox::wasi
