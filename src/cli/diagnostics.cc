// SPDX-License-Identifier: Apache-2.0
// Colour for capbox's diagnostics: the choice (--color, NO_COLOR, a
// terminal) and a std::streambuf that styles each line std::cerr writes,
// or drops it under -q.
#include "cli/diagnostics.h"

#include <errno.h>
#include <unistd.h>

#include <array>
#include <cstdlib>
#include <iostream>
#include <streambuf>

namespace capbox::cli {
namespace {

constexpr std::string_view kReset = "\033[0m";
constexpr std::string_view kBold = "\033[1m";

struct Style {
  std::string_view prefix;  // after leading spaces
  std::string_view styled;  // the part of the prefix that gets the colour
  std::string_view color;
};

// "capbox:" stays bold and the kind of message gets its colour, as
// rustc and clang do it.
constexpr std::array<Style, 6> kStyles = {{
    {"capbox: error:", "error:", "\033[1;31m"},
    {"capbox: warning:", "warning:", "\033[1;33m"},
    {"capbox: denied", "denied", "\033[1;35m"},
    {"-->", "-->", "\033[1;34m"},
    {"= help:", "= help:", "\033[1;36m"},
    {"help:", "help:", "\033[1;36m"},
}};

void write_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return;  // stderr is gone: nothing else can report it
    bytes.remove_prefix(static_cast<size_t>(n));
  }
}

// A line that carries on the message above it: "  --> FILE:LINE:COL",
// "   = help: ...".
bool continues_message(std::string_view line) {
  return line.starts_with(' ') || line.starts_with('\t');
}

// Collects one line, then writes it styled, or drops it under -q; a
// partial line is written as it is on flush (without -q), so nothing is
// held back from a crash report.
class DiagnosticLineBuf : public std::streambuf {
 public:
  ~DiagnosticLineBuf() override { flush_partial(); }
  bool color = false;
  bool quiet = false;

 protected:
  int_type overflow(int_type ch) override {
    if (traits_type::eq_int_type(ch, traits_type::eof()))
      return traits_type::not_eof(ch);
    line_.push_back(traits_type::to_char_type(ch));
    if (ch == '\n') {
      line_.pop_back();
      if (keep(line_))
        write_all(STDERR_FILENO, styled(line_) + "\n");
      line_.clear();
    }
    return ch;
  }
  std::streamsize xsputn(const char* text, std::streamsize count) override {
    for (std::streamsize i = 0; i < count; ++i)
      overflow(traits_type::to_int_type(text[i]));
    return count;
  }
  // std::cerr flushes after every <<, mid-line; under -q the line is held
  // until its end, since "capbox: " alone cannot say whether it is an
  // error.
  int sync() override {
    if (!quiet)
      flush_partial();
    return 0;
  }

 private:
  void flush_partial() {
    if (line_.empty())
      return;
    if (keep(line_))
      write_all(STDERR_FILENO, styled(line_));
    line_.clear();
  }
  std::string styled(const std::string& line) const {
    return color ? colorize_line(line) : line;
  }
  // Under -q a message other than an error is dropped whole: its
  // "capbox: ..." line and the lines that carry it on.
  bool keep(std::string_view line) {
    if (!quiet)
      return true;
    if (!continues_message(line))
      dropping_ =
          line.starts_with("capbox: ") && !line.starts_with("capbox: error:");
    return !dropping_;
  }
  std::string line_;
  bool dropping_ = false;
};

DiagnosticLineBuf& line_buf() {
  static DiagnosticLineBuf buf;
  return buf;
}

std::streambuf*& plain_buf() {
  static std::streambuf* plain = nullptr;
  return plain;
}

}  // namespace

std::optional<ColorMode> parse_color_mode(std::string_view text) {
  if (text == "auto" || text == "tty")
    return ColorMode::kAuto;
  if (text == "always" || text == "yes" || text == "force")
    return ColorMode::kAlways;
  if (text == "never" || text == "no" || text == "none")
    return ColorMode::kNever;
  return std::nullopt;
}

bool color_wanted(ColorMode mode, int fd) {
  if (mode != ColorMode::kAuto)
    return mode == ColorMode::kAlways;
  const char* no_color = std::getenv("NO_COLOR");
  if (no_color != nullptr && *no_color != '\0')
    return false;
  const char* term = std::getenv("TERM");
  if (term == nullptr || std::string_view(term) == "dumb")
    return false;
  return ::isatty(fd) == 1;
}

std::string colorize_line(std::string_view line) {
  size_t indent = line.find_first_not_of(' ');
  if (indent == std::string_view::npos)
    return std::string(line);
  std::string_view rest = line.substr(indent);
  for (const Style& style : kStyles) {
    if (!rest.starts_with(style.prefix))
      continue;
    size_t at = indent + style.prefix.size() - style.styled.size();
    std::string out(line.substr(0, at));
    if (at > indent)  // "capbox: " before the kind
      out = std::string(line.substr(0, indent)) + std::string(kBold) +
            std::string(line.substr(indent, at - indent - 1)) +
            std::string(kReset) + " ";
    out += std::string(style.color) + std::string(style.styled) +
           std::string(kReset);
    out += line.substr(indent + style.prefix.size());
    return out;
  }
  return std::string(line);
}

namespace {

void install_line_buf() {
  std::streambuf*& plain = plain_buf();
  if (plain == nullptr)
    plain = std::cerr.rdbuf();
  std::cerr.flush();
  DiagnosticLineBuf& buf = line_buf();
  std::cerr.rdbuf(buf.color || buf.quiet ? static_cast<std::streambuf*>(&buf)
                                         : plain);
}

}  // namespace

void set_stderr_color(bool on) {
  line_buf().color = on;
  install_line_buf();
}

void set_stderr_quiet(bool on) {
  line_buf().quiet = on;
  install_line_buf();
}

}  // namespace capbox::cli
