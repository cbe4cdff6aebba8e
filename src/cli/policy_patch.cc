// SPDX-License-Identifier: Apache-2.0
#include "cli/policy_patch.h"

#include <algorithm>

namespace capbox::cli {
namespace {

constexpr size_t kContext = 3;

std::string range(size_t start, size_t count) {
  // An empty range names the line before it (diffutils' convention).
  const size_t first = count == 0 ? start : start + 1;
  return std::to_string(first) +
         (count == 1 ? "" : "," + std::to_string(count));
}

// Scans TOML from (line, column) past strings and comments to the ']'
// closing the array that opens there; also reports the last significant
// character before it.
struct Close {
  size_t line = 0;
  size_t column = 0;  // 0-based index of ']'
  char before = '[';
};
std::optional<Close> find_close(const TextLines& file,
                                size_t line,
                                size_t column) {
  int depth = 0;
  char last = 0;
  for (size_t l = line; l < file.lines.size(); ++l) {
    const std::string& text = file.lines[l];
    for (size_t c = l == line ? column : 0; c < text.size(); ++c) {
      const char ch = text[c];
      if (ch == '#')
        break;
      if (ch == '"' || ch == '\'') {
        size_t end = c + 1;
        while (end < text.size() && text[end] != ch)
          end += (ch == '"' && text[end] == '\\') ? 2 : 1;
        if (end >= text.size())
          return std::nullopt;  // multi-line strings are not rights words
        c = end;
        last = ch;
        continue;
      }
      if (ch == '[')
        ++depth;
      if (ch == ']' && --depth == 0)
        return Close{l, c, last};
      if (ch != ' ' && ch != '\t')
        last = ch;
    }
  }
  return std::nullopt;
}

}  // namespace

TextLines split_lines(std::string_view text) {
  TextLines file;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) {
      file.lines.emplace_back(text.substr(start));
      file.final_newline = false;
      break;
    }
    file.lines.emplace_back(text.substr(start, end - start));
    start = end + 1;
  }
  return file;
}

std::string unified_diff(const std::string& name,
                         const TextLines& file,
                         std::vector<LineEdit> edits) {
  if (edits.empty())
    return "";
  std::sort(
      edits.begin(), edits.end(),
      [](const LineEdit& a, const LineEdit& b) { return a.line < b.line; });
  const size_t n = file.lines.size();
  std::string out = "--- a/" + name + "\n+++ b/" + name + "\n";
  long offset = 0;  // new-file lines minus old-file lines so far
  size_t e = 0;
  while (e < edits.size()) {
    // One hunk: edits whose contexts touch or overlap.
    size_t last = e;
    while (last + 1 < edits.size() &&
           edits[last + 1].line <=
               edits[last].line + edits[last].removed + 2 * kContext)
      ++last;
    const size_t start =
        edits[e].line > kContext ? edits[e].line - kContext : 0;
    const size_t end =
        std::min(n, edits[last].line + edits[last].removed + kContext);
    std::string body;
    size_t old_count = 0, new_count = 0;
    auto old_line = [&](size_t i, char mark) {
      const bool unterminated = i + 1 == n && !file.final_newline;
      if (unterminated && mark == ' ') {
        // The new file ends this line with '\n' (lines follow it, or its
        // terminator comes back): show it changed.
        body += "-" + file.lines[i] + "\n\\ No newline at end of file\n+" +
                file.lines[i] + "\n";
        ++old_count;
        ++new_count;
        return;
      }
      body += std::string(1, mark) + file.lines[i] + "\n";
      if (unterminated)
        body += "\\ No newline at end of file\n";
      ++old_count;
      new_count += mark == ' ' ? 1 : 0;
    };
    size_t at = start;
    for (size_t k = e; k <= last; ++k) {
      for (; at < edits[k].line; ++at)
        old_line(at, ' ');
      for (size_t r = 0; r < edits[k].removed; ++r, ++at)
        old_line(at, '-');
      for (const std::string& line : edits[k].added) {
        body += "+" + line + "\n";
        ++new_count;
      }
    }
    for (; at < end; ++at)
      old_line(at, ' ');
    const size_t new_start =
        static_cast<size_t>(static_cast<long>(start) + offset);
    out += "@@ -" + range(start, old_count) + " +" +
           range(new_start, new_count) + " @@\n" + body;
    offset += static_cast<long>(new_count) - static_cast<long>(old_count);
    e = last + 1;
  }
  return out;
}

std::optional<LineEdit> widen_rights(const TextLines& file,
                                     size_t line,
                                     size_t column,
                                     const std::vector<std::string>& words,
                                     const std::string& replacement) {
  if (line == 0 || line > file.lines.size())
    return std::nullopt;
  const std::string& text = file.lines[line - 1];
  const size_t at = column == 0 ? 0 : column - 1;
  if (at >= text.size())
    return std::nullopt;
  if (text[at] == '"' || text[at] == '\'') {
    const size_t end = text.find(text[at], at + 1);
    if (end == std::string::npos)
      return std::nullopt;
    std::string changed =
        text.substr(0, at) + replacement + text.substr(end + 1);
    return LineEdit{line - 1, 1, {changed}};
  }
  if (text[at] != '[')
    return std::nullopt;
  auto close = find_close(file, line - 1, at);
  if (!close)
    return std::nullopt;
  std::string list;
  for (const std::string& word : words)
    list += (list.empty() ? "" : ", ") + word;
  const std::string& closing = file.lines[close->line];
  size_t cut = close->column;
  std::string insert = list;
  if (close->before == ',') {
    if (cut > 0 && closing[cut - 1] != ' ' && closing[cut - 1] != '\t')
      insert = " " + list;
  } else if (close->before != '[') {
    // After the last word: drop the spaces before ']' ("[\"read\" ]").
    while (cut > 0 && (closing[cut - 1] == ' ' || closing[cut - 1] == '\t'))
      --cut;
    insert = ", " + list;
  }
  std::string changed =
      closing.substr(0, cut) + insert + closing.substr(close->column);
  return LineEdit{close->line, 1, {changed}};
}

}  // namespace capbox::cli
