// SPDX-License-Identifier: Apache-2.0
// compile_module: runs FunctionCompiler over every defined function, in
// order, into one code buffer per module.
#include "engine/compiler.h"

#include "engine/compiler_func.h"

namespace capbox::engine {

Result<void, LoadError> compile_module(CompiledModule& out) {
  out.functions.clear();
  out.code.clear();
  out.source_map.clear();
  const size_t n = out.module.functions.size();
  out.functions.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    FunctionCompiler fc(out, static_cast<uint32_t>(i), out.metered);
    auto r = fc.compile();
    if (!r)
      return r;
  }
  out.code.shrink_to_fit();
  out.source_map.shrink_to_fit();
  return {};
}

}  // namespace capbox::engine
