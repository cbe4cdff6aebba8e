// SPDX-License-Identifier: Apache-2.0
#include "cli/dir_spec.h"

#include "wasi/grant_rights.h"

namespace capbox::cli {

Result<DirSpec, std::string> parse_dir_spec(const std::string& text) {
  DirSpec spec;
  const size_t first = text.find("::");
  spec.host = text.substr(0, first);
  if (first != std::string::npos) {
    const size_t second = text.find("::", first + 2);
    spec.guest = text.substr(first + 2, second == std::string::npos
                                            ? std::string::npos
                                            : second - first - 2);
    // `--dir ./data::ro` would silently grant all rights at "/ro": a
    // second part that reads as rights is almost surely meant as rights.
    if (second == std::string::npos && !spec.guest.empty() &&
        spec.guest.front() != '/' && wasi::parse_grant_rights(spec.guest))
      return Unexpected("--dir " + text + ": '" + spec.guest +
                        "' would be the guest name, not rights; write --dir " +
                        spec.host + "::GUEST::" + spec.guest +
                        " (GUEST may be " + spec.host + "), or --dir " +
                        spec.host + "::/" + spec.guest +
                        " for a guest directory of that name");
    if (second != std::string::npos) {
      auto rights = wasi::parse_grant_rights(text.substr(second + 2));
      if (!rights)
        return Unexpected("--dir " + text + ": " + rights.error());
      spec.rights = *rights;
    }
  }
  if (spec.host.empty())
    return Unexpected("--dir " + text +
                      ": no host directory; use --dir HOST[::GUEST[::RIGHTS]]");
  if (spec.guest.empty())
    spec.guest = spec.host;
  return spec;
}

}  // namespace capbox::cli
