// SPDX-License-Identifier: Apache-2.0
// The embedding API's Store: ownership of runtime objects, host-created
// externals, type-checked calls into the interpreter and inspection. The
// instantiation steps live in instance.cc. Knows nothing of WASI.
#include <algorithm>
#include <string>

#include "engine/instance.h"

namespace capbox::engine {

struct Store::Impl : StoreState {};

void Imports::define(std::string module, std::string name, Extern value) {
  map_[{std::move(module), std::move(name)}] = value;
}

std::optional<Extern> Imports::find(std::string_view module,
                                    std::string_view name) const {
  auto it = map_.find(std::pair<std::string, std::string>(module, name));
  if (it == map_.end())
    return std::nullopt;
  return it->second;
}

MemoryInst* StoreState::new_memory(const MemoryType& type) {
  const uint64_t declared =
      std::min<uint64_t>(type.limits.max.value_or(65536), 65536);
  uint64_t max = declared;
  if (limits.max_memory_pages != 0)
    max = std::min(max, limits.max_memory_pages);
  if (type.limits.min > max)
    return nullptr;
  auto memory = std::make_unique<MemoryInst>();
  memory->type = type;
  memory->max_pages = max;
  memory->declared_max_pages = declared;
  if (!memory->allocate(type.limits.min))
    return nullptr;
  memories.push_back(std::move(memory));
  return memories.back().get();
}

TableInst* StoreState::new_table(const TableType& type, uint64_t init_ref) {
  uint64_t max =
      std::min<uint64_t>(type.limits.max.value_or(UINT32_MAX), UINT32_MAX);
  max =
      std::min(max, limits.max_table_elements != 0 ? limits.max_table_elements
                                                   : kDefaultMaxTableElements);
  if (type.limits.min > max)
    return nullptr;
  auto table = std::make_unique<TableInst>();
  table->type = type;
  table->max = max;
  table->elements.assign(type.limits.min, init_ref);
  tables.push_back(std::move(table));
  return tables.back().get();
}

Store::Store() : impl_(std::make_unique<Impl>()) {}
Store::~Store() = default;

void Store::set_limits(const StoreLimits& limits) {
  impl_->limits = limits;
  ExecutorLimits executor_limits;
  executor_limits.fuel = limits.fuel;
  impl_->executor.set_limits(executor_limits);
}

uint64_t Store::fuel_consumed() const {
  return impl_->executor.fuel_consumed();
}

uint64_t Store::memory_grows_refused_by_limit() const {
  uint64_t refused = 0;
  for (const auto& memory : impl_->memories)
    refused += memory->grows_refused_by_limit;
  return refused;
}

FuncInst* Store::create_host_function(FuncType type, HostCallback callback) {
  impl_->host_types.push_back(std::make_unique<FuncType>(std::move(type)));
  auto func = std::make_unique<FuncInst>();
  func->type = impl_->host_types.back().get();
  func->type_id = intern_func_type(*func->type);
  func->host = std::move(callback);
  impl_->funcs.push_back(std::move(func));
  return impl_->funcs.back().get();
}

MemoryInst* Store::create_memory(MemoryType type) {
  return impl_->new_memory(type);
}

TableInst* Store::create_table(TableType type, uint64_t init_ref) {
  return impl_->new_table(type, init_ref);
}

namespace {

// Slots hold i32 and f32 zero-extended; never let stray high bits in or out.
uint64_t canonical_bits(ValType type, uint64_t bits) {
  if (type == ValType::I32 || type == ValType::F32)
    return static_cast<uint32_t>(bits);
  return bits;
}

// Slot arrays hold a v128 in two slots, low half first (engine.h).
size_t slot_count(const std::vector<ValType>& types) {
  size_t n = 0;
  for (ValType t : types)
    n += t == ValType::V128 ? 2 : 1;
  return n;
}

Trap host_error(std::string message) {
  Trap trap;
  trap.kind = TrapKind::HostError;
  trap.message = std::move(message);
  return trap;
}

std::optional<Trap> check_args(const FuncType& type,
                               std::span<const Value> args) {
  if (args.size() != type.params.size()) {
    return host_error("argument count mismatch: expected " +
                      std::to_string(type.params.size()) + ", got " +
                      std::to_string(args.size()));
  }
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i].type != type.params[i]) {
      return host_error(
          "argument " + std::to_string(i) + " type mismatch: " + "expected " +
          to_string(type.params[i]) + ", got " + to_string(args[i].type));
    }
  }
  return std::nullopt;
}

}  // namespace

GlobalInst* Store::create_global(GlobalType type, Value init) {
  auto global = std::make_unique<GlobalInst>();
  global->type = type;
  global->value = canonical_bits(type.type, init.bits);
  global->hi = type.type == ValType::V128 ? init.hi : 0;
  impl_->globals.push_back(std::move(global));
  return impl_->globals.back().get();
}

Result<Instance*, InstantiateError> Store::instantiate(
    std::shared_ptr<const CompiledModule> module,
    const Imports& imports) {
  return instantiate_module(*impl_, std::move(module), imports);
}

Result<std::vector<Value>, Trap> Store::call(FuncInst* func,
                                             std::span<const Value> args) {
  if (func == nullptr || func->type == nullptr)
    return Unexpected(host_error("call of a null function"));
  const FuncType& type = *func->type;
  if (auto trap = check_args(type, args))
    return Unexpected(std::move(*trap));

  std::vector<uint64_t> slots(
      std::max<size_t>({slot_count(type.params), slot_count(type.results), 1}));
  size_t slot = 0;
  for (const Value& arg : args) {
    slots[slot++] = canonical_bits(arg.type, arg.bits);
    if (arg.type == ValType::V128)
      slots[slot++] = arg.hi;
  }
  if (auto trap = impl_->executor.invoke(func, slots.data()))
    return Unexpected(std::move(*trap));

  std::vector<Value> results;
  results.reserve(type.results.size());
  slot = 0;
  for (ValType t : type.results) {
    Value v{t, canonical_bits(t, slots[slot++])};
    if (t == ValType::V128)
      v.hi = slots[slot++];
    results.push_back(v);
  }
  return results;
}

std::optional<Extern> Store::find_export(const Instance* instance,
                                         std::string_view name) const {
  if (instance == nullptr || instance->module == nullptr)
    return std::nullopt;
  for (const Export& e : instance->module->module.exports) {
    if (e.name != name)
      continue;
    Extern result;
    result.kind = e.kind;
    switch (e.kind) {
      case ExternKind::Func:
        if (e.index >= instance->funcs.size())
          return std::nullopt;
        result.func = instance->funcs[e.index];
        break;
      case ExternKind::Table:
        if (e.index >= instance->tables.size())
          return std::nullopt;
        result.table = instance->tables[e.index];
        break;
      case ExternKind::Memory:
        if (e.index >= instance->memories.size())
          return std::nullopt;
        result.memory = instance->memories[e.index];
        break;
      case ExternKind::Global:
        if (e.index >= instance->globals.size())
          return std::nullopt;
        result.global = instance->globals[e.index];
        break;
    }
    return result;
  }
  return std::nullopt;
}

const FuncType& Store::type_of(const FuncInst* func) {
  return *func->type;
}

Value Store::global_value(const GlobalInst* global) {
  return {global->type.type, global->value, global->hi};
}

GuestMemory Store::memory_view(MemoryInst* memory) {
  if (memory == nullptr)
    return GuestMemory();
  return GuestMemory(memory->base, memory->size);
}

uint64_t Store::memory_pages(const MemoryInst* memory) {
  return memory == nullptr ? 0 : memory->pages();
}

}  // namespace capbox::engine
