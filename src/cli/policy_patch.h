// SPDX-License-Identifier: Apache-2.0
// Unified diffs of a policy file for `capbox policy explain`: line edits in,
// a patch that `patch -p1` and `git apply` take out, and the one TOML-aware
// edit explain needs (adding words to a `rights` value where it is written,
// keeping the file's layout and comments). Pure: no I/O.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace capbox::cli {

// The lines of a file, without their '\n'; `final_newline` says whether
// the last one had one.
struct TextLines {
  std::vector<std::string> lines;
  bool final_newline = true;
};
TextLines split_lines(std::string_view text);

// Replaces `removed` lines from 0-based `line` with `added`; `line` may be
// lines.size() to append.
struct LineEdit {
  size_t line = 0;
  size_t removed = 0;
  std::vector<std::string> added;
};

// "--- a/NAME", "+++ b/NAME" and hunks with three lines of context. Edits
// must not overlap; an empty string when there are none.
std::string unified_diff(const std::string& name,
                         const TextLines& file,
                         std::vector<LineEdit> edits);

// The edit that adds `words` (each a quoted TOML string already) to the
// rights value starting at 1-based `line`:`column`: before the closing ']'
// of an array, or an "ro"/"rw" string replaced by `replacement`. Empty
// when the text there is not a rights value.
std::optional<LineEdit> widen_rights(const TextLines& file,
                                     size_t line,
                                     size_t column,
                                     const std::vector<std::string>& words,
                                     const std::string& replacement);

}  // namespace capbox::cli
