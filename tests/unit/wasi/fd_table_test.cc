// SPDX-License-Identifier: Apache-2.0
// The descriptor table: numbering, rights checks, close and renumber.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <unistd.h>

#include "wasi/fd_table.h"

namespace capbox::wasi {
namespace {

FdEntry entry_with(uint64_t base, uint64_t inheriting = 0) {
  FdEntry e;
  e.fd = UniqueFd(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  e.type = Filetype::CharacterDevice;
  e.base = {base};
  e.inheriting = {inheriting};
  return e;
}

TEST_CASE("fd table: lowest free number, Badf and Notcapable") {
  FdTable table(nullptr, 8);
  table.insert_at(0, entry_with(right::kFdRead));
  table.insert_at(2, entry_with(right::kFdWrite));
  CHECK(*table.insert(entry_with(right::kFdRead)) == 1);
  CHECK(*table.insert(entry_with(right::kFdRead)) == 3);
  CHECK(table.get(9, 0).error() == Errno::Badf);
  CHECK(table.get(0, right::kFdWrite).error() == Errno::Notcapable);
  CHECK(table.get(0, right::kFdRead).has_value());
  CHECK(table.get(0, 0, right::kFdRead).error() == Errno::Notcapable);
  REQUIRE(table.close(1).has_value());
  CHECK(table.close(1).error() == Errno::Badf);
  CHECK(*table.insert(entry_with(0)) == 1);
}

TEST_CASE("fd table: Mfile when full") {
  FdTable table(nullptr, 2);
  CHECK(table.insert(entry_with(0)).has_value());
  CHECK(table.insert(entry_with(0)).has_value());
  CHECK(table.insert(entry_with(0)).error() == Errno::Mfile);
}

TEST_CASE("fd table: renumber replaces the target and frees the source") {
  FdTable table(nullptr, 8);
  table.insert_at(4, entry_with(right::kFdRead));
  table.insert_at(5, entry_with(right::kFdWrite));
  CHECK(table.renumber(4, 7).error() == Errno::Badf);  // 7 is not open
  CHECK(table.renumber(6, 5).error() == Errno::Badf);  // 6 is not open
  REQUIRE(table.renumber(4, 5).has_value());
  CHECK(table.get(4, 0).error() == Errno::Badf);
  CHECK(table.get(5, right::kFdRead).has_value());
  CHECK(table.get(5, right::kFdWrite).error() == Errno::Notcapable);
  CHECK(table.renumber(5, 5).has_value());
  CHECK(table.size() == 1);
}

}  // namespace
}  // namespace capbox::wasi
