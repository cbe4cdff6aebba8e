// SPDX-License-Identifier: Apache-2.0
// "Did you mean ...?" for mistyped subcommands and options: the nearest
// candidate by edit distance, when it is near enough to be a plausible typo.
// Depends only on the standard library.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace capbox::cli {

// Levenshtein distance, with an adjacent transposition counted as one edit.
size_t edit_distance(std::string_view a, std::string_view b);

// The candidate nearest to `word`, if its distance is at most a third of the
// word's length (at least 1, at most 3); ties go to the earlier candidate.
std::optional<std::string> nearest(std::string_view word,
                                   std::span<const std::string> candidates);

}  // namespace capbox::cli
