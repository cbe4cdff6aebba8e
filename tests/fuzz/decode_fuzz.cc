// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: decode and validate any bytes; when they load, and the
// module imports nothing, instantiate it and call every exported function
// without parameters, fuel-bounded so each input finishes quickly.
// Built only with -Dfuzzing=true and clang; see run.sh for the command.
// CAPBOX_FUZZ_NO_RUN=1 in the environment stops after load_module (to fuzz
// decoding and compiling while an execution crash awaits its fix).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>

#include "engine/decoder.h"
#include "engine/engine.h"
#include "engine/validator.h"

namespace {

using namespace capbox::engine;

constexpr uint64_t kFuel = 100000;
constexpr uint64_t kMaxPages = 256;  // 16 MiB per memory
constexpr uint64_t kMaxTableElements = 100000;

// load_module runs the same decoder and validator, so it must agree with
// them; a disagreement is a bug worth a crash report.
void check_agrees(bool decoded_and_valid, bool loaded) {
  if (decoded_and_valid && !loaded) {
    std::fprintf(stderr, "load_module refused a module that validates\n");
    std::abort();
  }
  if (!decoded_and_valid && loaded) {
    std::fprintf(stderr, "load_module accepted a module that does not\n");
    std::abort();
  }
}

void run_exports(std::shared_ptr<const CompiledModule> compiled) {
  const Module& m = module_of(*compiled);
  if (!m.imports.empty())
    return;
  Store store;
  StoreLimits limits;
  limits.fuel = kFuel;
  limits.max_memory_pages = kMaxPages;
  limits.max_table_elements = kMaxTableElements;
  store.set_limits(limits);
  auto instance = store.instantiate(compiled, Imports{});
  if (!instance)
    return;
  for (const Export& e : m.exports) {
    if (e.kind != ExternKind::Func)
      continue;
    auto ext = store.find_export(*instance, e.name);
    if (!ext || ext->kind != ExternKind::Func)
      continue;
    if (!Store::type_of(ext->func).params.empty())
      continue;
    (void)store.call(ext->func, {});
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::span<const uint8_t> bytes(data, size);
  auto decoded = decode_module(bytes);
  bool valid = decoded && validate_module(*decoded).has_value();
  LoadOptions options;
  options.fuel_metering = true;
  auto loaded = load_module(bytes, options);
  check_agrees(valid, loaded.has_value());
  static const bool run = std::getenv("CAPBOX_FUZZ_NO_RUN") == nullptr;
  if (loaded && run)
    run_exports(*loaded);
  return 0;
}
