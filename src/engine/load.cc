// SPDX-License-Identifier: Apache-2.0
// Loading: decode, validate and compile a binary into a CompiledModule, and
// the process-wide function type interning that call_indirect relies on.
// Depends on the decoder, validator and compiler only through their headers;
// knows nothing of stores or instances.
#include <cstdio>
#include <mutex>
#include <string>
#include <unordered_map>

#include "engine/compiled.h"
#include "engine/compiler.h"
#include "engine/decoder.h"
#include "engine/engine.h"
#include "engine/validator.h"

namespace capbox::engine {

std::string LoadError::describe() const {
  char where[32];
  std::snprintf(where, sizeof where, " at 0x%x: ", offset);
  std::string text =
      kind == Kind::Malformed ? "malformed module" : "invalid module";
  return text + where + message;
}

namespace {

Result<std::shared_ptr<const CompiledModule>, LoadError> load_decoded(
    Result<Module, LoadError> decoded, const LoadOptions& options) {
  if (!decoded)
    return Unexpected(std::move(decoded).error());
  auto validated = validate_module(*decoded, options.features);
  if (!validated)
    return Unexpected(std::move(validated).error());

  auto compiled = std::make_shared<CompiledModule>();
  compiled->module = std::move(*decoded);
  compiled->type_ids.reserve(compiled->module.types.size());
  for (const FuncType& type : compiled->module.types)
    compiled->type_ids.push_back(intern_func_type(type));
  // Metering costs a check at every loop head and function entry, so it is
  // compiled in only when asked for (as wasmtime's consume_fuel).
  compiled->metered = options.fuel_metering;
  if (!options.lazy_compile || !prepare_lazy(*compiled)) {
    auto result = compile_module(*compiled);
    if (!result)
      return Unexpected(std::move(result).error());
  }
  return std::shared_ptr<const CompiledModule>(std::move(compiled));
}

}  // namespace

Result<std::shared_ptr<const CompiledModule>, LoadError> load_module(
    std::span<const uint8_t> bytes, const LoadOptions& options) {
  return load_decoded(decode_module(bytes), options);
}

Result<std::shared_ptr<const CompiledModule>, LoadError> load_module(
    std::vector<uint8_t>&& bytes, const LoadOptions& options) {
  return load_decoded(decode_module(std::move(bytes)), options);
}

const Module& module_of(const CompiledModule& compiled) {
  return compiled.module;
}

uint32_t intern_func_type(const FuncType& type) {
  // The key spells params, a separator that is no value type, then results.
  std::string key;
  key.reserve(type.params.size() + type.results.size() + 1);
  for (ValType t : type.params)
    key.push_back(static_cast<char>(t));
  key.push_back('\0');
  for (ValType t : type.results)
    key.push_back(static_cast<char>(t));

  // Leaked on purpose: ids must stay valid for modules alive at exit.
  static auto* ids = new std::unordered_map<std::string, uint32_t>();
  static std::mutex mutex;
  std::lock_guard<std::mutex> lock(mutex);
  auto [it, inserted] =
      ids->try_emplace(std::move(key), static_cast<uint32_t>(ids->size()));
  return it->second;
}

}  // namespace capbox::engine
