// SPDX-License-Identifier: Apache-2.0
// The spectest host module, as the spec's reference interpreter defines it:
// print functions that do nothing visible, globals of value 666 / 666.6, a
// funcref table 10..20 and a memory 1..2 pages. Engine public API only.
#include "spec_host.h"

#include <bit>
#include <cstdint>
#include <vector>

namespace capbox::spec {

namespace {

using engine::Extern;
using engine::ExternKind;
using engine::FuncType;
using engine::GlobalType;
using engine::ValType;
using engine::Value;

Extern make_extern(ExternKind kind, void* object) {
  Extern e;
  e.kind = kind;
  e.any = object;
  return e;
}

bool define_prints(engine::Store& store, Registry& registry) {
  const ValType i32 = ValType::I32, i64 = ValType::I64, f32 = ValType::F32,
                f64 = ValType::F64;
  const std::pair<const char*, std::vector<ValType>> prints[] = {
      {"print", {}},
      {"print_i32", {i32}},
      {"print_i64", {i64}},
      {"print_f32", {f32}},
      {"print_f64", {f64}},
      {"print_i32_f32", {i32, f32}},
      {"print_f64_f64", {f64, f64}},
  };
  for (const auto& [name, params] : prints) {
    // Printing nothing keeps the runner's output to results only.
    engine::FuncInst* func = store.create_host_function(
        FuncType{params, {}},
        [](engine::HostCall&, const uint64_t*,
           uint64_t*) -> std::optional<engine::Trap> { return std::nullopt; });
    if (func == nullptr)
      return false;
    registry[{"spectest", name}] = make_extern(ExternKind::Func, func);
  }
  return true;
}

bool define_globals(engine::Store& store, Registry& registry) {
  const std::pair<const char*, Value> globals[] = {
      {"global_i32", Value::i32(666)},
      {"global_i64", Value::i64(666)},
      {"global_f32", Value::f32_bits(std::bit_cast<uint32_t>(666.6f))},
      {"global_f64", Value::f64_bits(std::bit_cast<uint64_t>(666.6))},
  };
  for (const auto& [name, value] : globals) {
    engine::GlobalInst* global = store.create_global(
        GlobalType{value.type, engine::Mutability::Const}, value);
    if (global == nullptr)
      return false;
    registry[{"spectest", name}] = make_extern(ExternKind::Global, global);
  }
  return true;
}

}  // namespace

bool define_spectest(engine::Store& store, Registry& registry) {
  if (!define_prints(store, registry) || !define_globals(store, registry))
    return false;
  engine::TableType table_type;
  table_type.element = ValType::FuncRef;
  table_type.limits = {10, 20};
  engine::TableInst* table = store.create_table(table_type);
  engine::MemoryInst* memory =
      store.create_memory(engine::MemoryType{engine::Limits{1, 2}});
  if (table == nullptr || memory == nullptr)
    return false;
  registry[{"spectest", "table"}] = make_extern(ExternKind::Table, table);
  registry[{"spectest", "memory"}] = make_extern(ExternKind::Memory, memory);
  return true;
}

engine::Imports imports_for(const engine::Module& module,
                            const Registry& registry) {
  engine::Imports imports;
  for (const engine::Import& import : module.imports) {
    auto it = registry.find({import.module, import.name});
    if (it != registry.end())
      imports.define(import.module, import.name, it->second);
  }
  return imports;
}

}  // namespace capbox::spec
