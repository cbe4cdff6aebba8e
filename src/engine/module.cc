// SPDX-License-Identifier: Apache-2.0
// Index-space helpers of Module and names of enum values.
#include "engine/module.h"

namespace capbox::engine {

const char* to_string(ValType t) {
  switch (t) {
    case ValType::I32: return "i32";
    case ValType::I64: return "i64";
    case ValType::F32: return "f32";
    case ValType::F64: return "f64";
    case ValType::V128: return "v128";
    case ValType::FuncRef: return "funcref";
    case ValType::ExternRef: return "externref";
  }
  return "?";
}

const char* to_string(ExternKind k) {
  switch (k) {
    case ExternKind::Func: return "func";
    case ExternKind::Table: return "table";
    case ExternKind::Memory: return "memory";
    case ExternKind::Global: return "global";
  }
  return "?";
}

namespace {

// The n-th import of `kind`.
const Import& nth_import(const Module& m, ExternKind kind, uint32_t n) {
  for (const Import& import : m.imports) {
    if (import.kind == kind && n-- == 0) return import;
  }
  return m.imports.front();  // unreachable for in-range indices
}

}  // namespace

uint32_t Module::func_type_index(uint32_t index) const {
  if (index < imported_funcs)
    return nth_import(*this, ExternKind::Func, index).func_type;
  return functions[index - imported_funcs];
}

const FuncType& Module::func_type(uint32_t index) const {
  return types[func_type_index(index)];
}

TableType Module::table_type(uint32_t index) const {
  if (index < imported_tables)
    return nth_import(*this, ExternKind::Table, index).table;
  return tables[index - imported_tables];
}

MemoryType Module::memory_type(uint32_t index) const {
  if (index < imported_memories)
    return nth_import(*this, ExternKind::Memory, index).memory;
  return memories[index - imported_memories];
}

GlobalType Module::global_type(uint32_t index) const {
  if (index < imported_globals)
    return nth_import(*this, ExternKind::Global, index).global;
  return globals[index - imported_globals].type;
}

}  // namespace capbox::engine
