// SPDX-License-Identifier: Apache-2.0
// Lexical path normalisation behind capbox_preopen_find (po_find's job in
// libpreopen). Exception-free and allocation-free; depends on libc only, so
// the preload library can call it before anything else is set up.
#ifndef CAPBOX_PREOPEN_PREFIX_MAP_H_
#define CAPBOX_PREOPEN_PREFIX_MAP_H_

#include <cstddef>

namespace capbox::preopen {

inline constexpr size_t kPathMax = 4096;

// An absolute path with no ".", "..", repeated or trailing slash ("/" is
// length 1), built in a caller's fixed buffer of kPathMax bytes.
struct NormPath {
  char* buf;
  size_t len;
  // The last component appended was "" (trailing slash), "." or "..": the
  // path named a directory syntactically.
  bool dir_hint;
  // Components that did not fit and are not yet undone by "..".
  size_t overflow;
};

// Appends the components of `path` onto `out`, resolving "." and ".." as
// string operations ("/.." stays "/"). Returns false if the final result
// does not fit kPathMax with its NUL (a longer intermediate is fine).
bool append_components(NormPath& out, const char* path);

// True if some component of `path` is "." or "..".
bool has_dot_component(const char* path);

}  // namespace capbox::preopen

#endif  // CAPBOX_PREOPEN_PREFIX_MAP_H_
