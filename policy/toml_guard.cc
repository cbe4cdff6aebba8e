// SPDX-License-Identifier: Apache-2.0
// See toml_guard.h.
#include "policy/toml_guard.h"

#include <cctype>
#include <cstdint>

namespace capbox::policy {
namespace {

Location location_of(std::string_view text,
                     size_t at,
                     const std::string& file) {
  uint32_t line = 1, column = 1;
  for (size_t i = 0; i < at; ++i) {
    ++column;
    if (text[i] == '\n') {
      ++line;
      column = 1;
    }
  }
  return Location{file, line, column};
}

bool starts_key(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' ||
         c == '"' || c == '\'';
}

}  // namespace

std::optional<Error> nul_byte_error(std::string_view text,
                                    const std::string& file) {
  const size_t at = text.find('\0');
  if (at == std::string_view::npos)
    return std::nullopt;
  return Error{location_of(text, at, file),
               "a NUL byte, which TOML does not allow",
               "a policy is a UTF-8 text file"};
}

// Inside a multi-line array a line may open with "[{" and be valid TOML,
// but this runs only once toml++ has already failed.
Error failed_toml_check(std::string_view text, const std::string& file) {
  for (size_t line_start = 0; line_start < text.size();) {
    size_t end = text.find('\n', line_start);
    if (end == std::string_view::npos)
      end = text.size();
    const size_t open = text.find_first_not_of(" \t", line_start);
    if (open < end && text[open] == '[') {
      const size_t after =
          open + 1 < end && text[open + 1] == '[' ? open + 2 : open + 1;
      const size_t key = text.find_first_not_of(" \t", after);
      if (key < end && text[key] != ']' && !starts_key(text[key]))
        return Error{location_of(text, key, file),
                     "a table header must start with a key, saw '" +
                         std::string(1, text[key]) + "'",
                     "write it as [name] or [[name]], for example [[fs.dir]]"};
    }
    line_start = end + 1;
  }
  return Error{Location{file, 1, 1},
               "not valid TOML (toml++ could not place the error)",
               "check the table headers and keys"};
}

}  // namespace capbox::policy
