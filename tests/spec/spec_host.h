// SPDX-License-Identifier: Apache-2.0
// The `spectest` host module every spec script may import (print functions,
// globals, a table and a memory), and the registry of named exports that
// scripts link against. Uses only the engine's public API.
#pragma once

#include <map>
#include <string>
#include <utility>

#include "engine/engine.h"

namespace capbox::spec {

// Exports visible to imports, by (module name, export name). Kept by the
// runner rather than in one engine::Imports so that a later `register`
// replaces earlier definitions whatever Imports::define does with duplicates.
using Registry = std::map<std::pair<std::string, std::string>, engine::Extern>;

// Creates the spectest objects in `store` and adds them to `registry`.
// False if the store could not create them.
bool define_spectest(engine::Store& store, Registry& registry);

// The imports `module` asks for that `registry` has; missing ones are left
// out so that instantiation reports them.
engine::Imports imports_for(const engine::Module& module,
                            const Registry& registry);

}  // namespace capbox::spec
