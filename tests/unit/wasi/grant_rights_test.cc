// SPDX-License-Identifier: Apache-2.0
// The rights words users write (--dir ...::RIGHTS): each word's WASI rights,
// their union, and refusals that name the bad word.
#include <doctest/doctest.h>

#include "wasi/grant_rights.h"

namespace capbox::wasi {
namespace {

TEST_CASE("grant rights: ro, rw and word lists") {
  CHECK(parse_grant_rights("ro")->bits == kGrantRead);
  Rights rw = *parse_grant_rights("rw");
  CHECK(rw.contains(kGrantWrite | kGrantCreate | kGrantDelete |
                    kGrantRename | kGrantMetadata));
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
  CHECK(describe_grant_rights(*parse_grant_rights("read,rename")) ==
        "read,rename");
  CHECK(describe_grant_rights(Rights{}) == "none");
}

}  // namespace
}  // namespace capbox::wasi
