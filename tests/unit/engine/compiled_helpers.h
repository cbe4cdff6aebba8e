// SPDX-License-Identifier: Apache-2.0
// Helpers for tests that look at the compiled code: an eagerly compiled
// instance of a WAT module, and how many of its instructions run given
// ops. Test-only.
#pragma once

#include <cstring>
#include <memory>
#include <string_view>
#include <vector>

#include "api_helpers.h"
#include "engine/compiled.h"
#include "engine/ops.h"

namespace capbox::engine::api_test {

// How many instructions of `m`'s code run one of the ops first..last.
inline int count_ops(const CompiledModule& m, Op first, Op last) {
  const void* const* handlers = interp_handlers();
  int n = 0;
  for (size_t i = 0; i + 1 < m.code.size(); ++i) {
    const void* h;
    std::memcpy(&h, &m.code[i], sizeof h);
    for (size_t op = static_cast<size_t>(first);
         op <= static_cast<size_t>(last); ++op)
      n += h == handlers[op];
  }
  return n;
}

inline int count_op(const CompiledModule& m, Op op) {
  return count_ops(m, op, op);
}

// Every function compiled before the first call, so the code is there
// to look at.
struct Loaded {
  std::shared_ptr<const CompiledModule> module;
  Store store;
  Instance* inst = nullptr;
  explicit Loaded(std::string_view wat) {
    LoadOptions eager;
    eager.lazy_compile = false;
    module = load(wat, eager);
    auto r = store.instantiate(module, {});
    REQUIRE(r.has_value());
    inst = *r;
  }
  // Calls export `name`, expecting one result.
  Value call(std::string_view name, std::vector<Value> args) {
    auto results = call_export(store, inst, name, std::move(args));
    REQUIRE(results.size() == 1);
    return results[0];
  }
};

}  // namespace capbox::engine::api_test
