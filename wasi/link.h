// SPDX-License-Identifier: Apache-2.0
// Makes a Context's functions importable: defines every function of
// api.def under both "wasi_snapshot_preview1" and "wasi_unstable" as host
// functions of the store. Depends on engine/engine.h and wasi/.
#pragma once

#include <set>
#include <string>
#include <string_view>

#include "engine/engine.h"
#include "wasi/context.h"

namespace capbox::wasi {

inline constexpr const char* kPreview1Module = "wasi_snapshot_preview1";
inline constexpr const char* kUnstableModule = "wasi_unstable";

struct LinkOptions {
  // Groups of api.def to leave out entirely (a policy's "sockets = false"):
  // a module importing one of their functions then fails to link, naming
  // the import.
  std::set<std::string> disabled_groups;
};

// The api.def group of a preview1 function ("random_get" -> "random"), or
// "" when preview1 has no function of that name.
std::string_view wasi_group_of(std::string_view function);

// The context must outlive every call into the store.
void link_wasi(engine::Store& store,
               engine::Imports& imports,
               Context& ctx,
               const LinkOptions& options = {});

}  // namespace capbox::wasi
