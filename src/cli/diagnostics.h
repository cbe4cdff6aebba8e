// SPDX-License-Identifier: Apache-2.0
// Colour for capbox's own diagnostics. Every message keeps one shape
// (`capbox: error: ...`, `  --> FILE:LINE:COL`, `   = help: ...`), so
// colour is added where the lines are written rather than at each of the
// many places that compose them: std::cerr's buffer is swapped for one that
// styles each whole line by its prefix. The guest's own output never passes
// through std::cerr and is never touched. Depends on the standard library.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace capbox::cli {

enum class ColorMode { kAuto, kAlways, kNever };

// "auto", "always" or "never" (also "yes"/"no" as GNU tools accept).
std::optional<ColorMode> parse_color_mode(std::string_view text);

// Whether to colour what goes to `fd`: always/never as asked; auto only on
// a terminal whose TERM is not "dumb", and never when NO_COLOR is set to a
// non-empty value (no-color.org: an explicit --color=always still wins).
bool color_wanted(ColorMode mode, int fd);

// One line of diagnostic output (without its newline), styled by prefix:
// "capbox: error:" red, "capbox: warning:" yellow, "capbox: denied" magenta,
// "-->" locations blue, "= help:"/"help:" cyan. Other lines unchanged.
std::string colorize_line(std::string_view line);

// Makes std::cerr colour its lines (a line-buffered wrapper of fd 2), or
// restores plain output. Called once in main() and again when a
// subcommand's --color changes the answer.
void set_stderr_color(bool on);

// -q: std::cerr keeps errors only. A "capbox: " line other than
// "capbox: error: ..." (a warning, a denial, -v's lines) is dropped with
// the indented lines that carry it on; every other line is kept.
void set_stderr_quiet(bool on);

}  // namespace capbox::cli
