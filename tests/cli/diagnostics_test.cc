// SPDX-License-Identifier: Apache-2.0
// Colour of capbox's diagnostics: which lines get which style, and when
// colour is wanted at all.
#include <doctest/doctest.h>
#include <stdlib.h>

#include "cli/diagnostics.h"

namespace capbox::cli {

TEST_CASE("colorize_line styles each kind of diagnostic line by its prefix") {
  CHECK(colorize_line("capbox: error: module not found: a.wasm") ==
        "\033[1mcapbox:\033[0m \033[1;31merror:\033[0m module not found: "
        "a.wasm");
  CHECK(colorize_line("capbox: warning: memory.grow refused") ==
        "\033[1mcapbox:\033[0m \033[1;33mwarning:\033[0m memory.grow "
        "refused");
  CHECK(colorize_line("capbox: denied path_open of \"/ro/x\"") ==
        "\033[1mcapbox:\033[0m \033[1;35mdenied\033[0m path_open of "
        "\"/ro/x\"");
  CHECK(colorize_line("  --> app.toml:3:9") ==
        "  \033[1;34m-->\033[0m app.toml:3:9");
  CHECK(colorize_line("   = help: did you mean 'memory'?") ==
        "   \033[1;36m= help:\033[0m did you mean 'memory'?");
  CHECK(colorize_line("help: run 'sh script'") ==
        "\033[1;36mhelp:\033[0m run 'sh script'");
}

TEST_CASE("colorize_line leaves every other line alone") {
  CHECK(colorize_line("") == "");
  CHECK(colorize_line("   ") == "   ");
  CHECK(colorize_line("hello from the guest") == "hello from the guest");
  CHECK(colorize_line("capbox 0.1 (g++)") == "capbox 0.1 (g++)");
  CHECK(colorize_line("error: not ours") == "error: not ours");
}

TEST_CASE("parse_color_mode takes the words of --color") {
  CHECK(parse_color_mode("auto") == ColorMode::kAuto);
  CHECK(parse_color_mode("always") == ColorMode::kAlways);
  CHECK(parse_color_mode("never") == ColorMode::kNever);
  CHECK_FALSE(parse_color_mode("sometimes").has_value());
  CHECK_FALSE(parse_color_mode("").has_value());
}

TEST_CASE("color_wanted: always and never win; auto needs a terminal") {
  ::setenv("NO_COLOR", "1", 1);
  CHECK(color_wanted(ColorMode::kAlways, -1));
  CHECK_FALSE(color_wanted(ColorMode::kNever, -1));
  // Not a terminal (a bad descriptor), whatever the environment says.
  ::unsetenv("NO_COLOR");
  ::setenv("TERM", "xterm", 1);
  CHECK_FALSE(color_wanted(ColorMode::kAuto, -1));
}

}  // namespace capbox::cli
