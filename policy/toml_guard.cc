// SPDX-License-Identifier: Apache-2.0
// See toml_guard.h. The scan knows just enough TOML to tell strings and
// comments from the rest: on text toml++ accepts it agrees with toml++,
// and toml++ stops at the first error, so it never reads past a point
// where the two could disagree.
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

bool is_non_ascii(char c) {
  return static_cast<unsigned char>(c) >= 0x80;
}

// In a multi-line basic string toml++ asks whether the character after a
// backslash, and the first one after a line-ending backslash's run of
// blanks and line breaks, is whitespace: the same unreachable point. So
// such a character may not be non-ASCII; `backslash` is the backslash's
// index, and the result the offending character's, if any.
std::optional<size_t> non_ascii_after_backslash(std::string_view text,
                                                size_t backslash) {
  size_t i = backslash + 1;
  if (i < text.size() && is_non_ascii(text[i]))
    return i;
  i = text.find_first_not_of(" \t\r\n", i);
  if (i != backslash + 1 && i != std::string_view::npos &&
      is_non_ascii(text[i]))
    return i;
  return std::nullopt;
}

// From the opening quote at `at` to just past the closing one (or to the
// end of the line of an unterminated one-line string, which toml++ then
// reports). A multi-line string may end with up to two more quotes.
size_t skip_string(std::string_view text,
                   size_t at,
                   std::optional<size_t>& after_backslash) {
  const char quote = text[at];
  const bool multi = text.substr(at, 3) == std::string(3, quote);
  size_t i = at + (multi ? 3 : 1);
  while (i < text.size()) {
    const char c = text[i];
    if (quote == '"' && c == '\\') {
      if (multi && !after_backslash)
        after_backslash = non_ascii_after_backslash(text, i);
      i += 2;
      continue;
    }
    if (!multi && c == '\n')
      return i;
    if (c == quote) {
      if (!multi)
        return i + 1;
      size_t run = 0;
      while (i + run < text.size() && text[i + run] == quote)
        ++run;
      i += run;
      if (run >= 3)
        return i;
      continue;
    }
    ++i;
  }
  return i;
}

// Where TOML lets a quote open a string: at the start of a line (a key),
// after '=' (a value), '[', '{' or ',' (an element, a header's key) and '.'
// (a dotted key's part). A quote anywhere else is already invalid, and
// toml++ does not read it as a string (it may scan a bare value past it),
// so the scan goes on treating what follows as outside a string.
bool opens_string_after(char last) {
  return last == '\n' || last == '=' || last == '[' || last == '{' ||
         last == ',' || last == '.';
}

struct NonAscii {
  size_t at;
  bool after_backslash;  // in a multi-line string, else outside any
};

std::optional<NonAscii> misplaced_non_ascii(std::string_view text) {
  size_t i = text.starts_with("\xEF\xBB\xBF") ? 3 : 0;  // a UTF-8 BOM
  char last = '\n';  // the last character outside a string, not blank
  std::optional<size_t> after_backslash;
  while (i < text.size()) {
    const char c = text[i];
    if (c == '#') {
      i = text.find('\n', i);
      if (i == std::string_view::npos)
        break;
    } else if ((c == '"' || c == '\'') && opens_string_after(last)) {
      i = skip_string(text, i, after_backslash);
      if (after_backslash)
        return NonAscii{*after_backslash, true};
      last = c;
    } else if (is_non_ascii(c)) {
      return NonAscii{i, false};
    } else {
      if (c != ' ' && c != '\t')
        last = c;
      ++i;
    }
  }
  return std::nullopt;
}

bool starts_key(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' ||
         c == '"' || c == '\'';
}

}  // namespace

std::optional<Error> refuse_before_toml(std::string_view text,
                                        const std::string& file) {
  if (size_t at = text.find('\0'); at != std::string_view::npos)
    return Error{location_of(text, at, file),
                 "a NUL byte, which TOML does not allow",
                 "a policy is a UTF-8 text file"};
  const auto found = misplaced_non_ascii(text);
  if (found && found->after_backslash)
    return Error{location_of(text, found->at, file),
                 "a non-ASCII character right after a backslash or a "
                 "line-ending backslash in a multi-line string, which the "
                 "TOML library (toml++ 3.3) cannot read safely",
                 "write it as an escape, \\uXXXX, or move it off the start "
                 "of the line"};
  if (found)
    return Error{location_of(text, found->at, file),
                 "a non-ASCII character outside a quoted string or comment, "
                 "which TOML does not allow",
                 "quote it: a key or value with such characters is a string "
                 "(\"...\")"};
  return std::nullopt;
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
