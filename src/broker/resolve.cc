// SPDX-License-Identifier: Apache-2.0
// PLACEHOLDER: being written.
#include "broker/resolve.h"

#include <cerrno>

namespace capbox::broker {

Result<UniqueFd, int> open_beneath(int, std::string_view, int, mode_t) {
  return Unexpected(ENOSYS);
}
Result<Parent, int> open_parent_beneath(int, std::string_view) {
  return Unexpected(ENOSYS);
}

}  // namespace capbox::broker
