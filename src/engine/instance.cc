// SPDX-License-Identifier: Apache-2.0
// Instantiation in the WebAssembly 2.0 order: link imports, allocate
// functions, tables, memories and globals, resolve segments, apply active
// element then data segments, run the start function. What was written
// before a failure stays written, as the spec requires.
// Depends on the Executor only to run the start function.
#include <cstring>
#include <string>

#include "engine/instance.h"

namespace capbox::engine {

namespace {

using InstResult = Result<void, InstantiateError>;

InstantiateError unlinkable(std::string message) {
  return {InstantiateError::Kind::Unlinkable, std::move(message), Trap{}};
}

InstantiateError trapped(Trap trap) {
  std::string message = trap.describe();
  return {InstantiateError::Kind::Trapped, std::move(message), std::move(trap)};
}

InstantiateError trapped(TrapKind kind, std::string message = "") {
  Trap trap;
  trap.kind = kind;
  trap.message = std::move(message);
  return trapped(std::move(trap));
}

std::string quoted(const Import& import) {
  return "\"" + import.module + "\" \"" + import.name + "\"";
}

std::string func_type_string(const FuncType& type) {
  std::string text = "(func";
  if (!type.params.empty()) {
    text += " (param";
    for (ValType t : type.params)
      text += std::string(" ") + to_string(t);
    text += ")";
  }
  if (!type.results.empty()) {
    text += " (result";
    for (ValType t : type.results)
      text += std::string(" ") + to_string(t);
    text += ")";
  }
  return text + ")";
}

std::string limits_string(const Limits& limits) {
  std::string text = std::to_string(limits.min);
  if (limits.max)
    text += " " + std::to_string(*limits.max);
  return text;
}

// The spec's limits matching: at least as large, and at most the max.
bool limits_match(const Limits& actual, const Limits& declared) {
  if (actual.min < declared.min)
    return false;
  if (!declared.max)
    return true;
  return actual.max && *actual.max <= *declared.max;
}

bool is_null(const Extern& value) {
  switch (value.kind) {
    case ExternKind::Func:
      return value.func == nullptr;
    case ExternKind::Table:
      return value.table == nullptr;
    case ExternKind::Memory:
      return value.memory == nullptr;
    case ExternKind::Global:
      return value.global == nullptr;
  }
  return true;
}

// What differs between the import's type and the value offered, or "" if
// they match. Tables and memories are compared at their current size.
std::string import_mismatch(const Module& m,
                            const Import& import,
                            const Extern& value) {
  if (is_null(value))
    return "the value offered is null";
  if (value.kind != import.kind) {
    return std::string("expected ") + to_string(import.kind) + ", got " +
           to_string(value.kind);
  }
  switch (import.kind) {
    case ExternKind::Func: {
      const FuncType& want = m.types[import.func_type];
      const FuncType& got = *value.func->type;
      if (want == got)
        return "";
      return "expected " + func_type_string(want) + ", got " +
             func_type_string(got);
    }
    case ExternKind::Table: {
      Limits got{value.table->size(), value.table->type.limits.max};
      ValType got_type = value.table->type.element;
      if (got_type == import.table.element &&
          limits_match(got, import.table.limits))
        return "";
      return std::string("expected table ") +
             limits_string(import.table.limits) + " " +
             to_string(import.table.element) + ", got table " +
             limits_string(got) + " " + to_string(got_type);
    }
    case ExternKind::Memory: {
      Limits got{value.memory->pages(), value.memory->type.limits.max};
      if (limits_match(got, import.memory.limits))
        return "";
      return "expected memory " + limits_string(import.memory.limits) +
             ", got memory " + limits_string(got);
    }
    case ExternKind::Global: {
      const GlobalType& want = import.global;
      const GlobalType& got = value.global->type;
      if (want.type == got.type && want.mutability == got.mutability)
        return "";
      auto spell = [](const GlobalType& g) {
        std::string t = to_string(g.type);
        return g.mutability == Mutability::Var ? "(mut " + t + ")" : t;
      };
      return "expected global " + spell(want) + ", got global " + spell(got);
    }
  }
  return "unknown import kind";
}

InstResult link_imports(const Module& m,
                        const Imports& imports,
                        Instance& inst) {
  for (const Import& import : m.imports) {
    std::optional<Extern> value = imports.find(import.module, import.name);
    if (!value)
      return Unexpected(unlinkable("unknown import " + quoted(import)));
    std::string mismatch = import_mismatch(m, import, *value);
    if (!mismatch.empty()) {
      return Unexpected(unlinkable("incompatible import type for " +
                                   quoted(import) + ": " + mismatch));
    }
    switch (import.kind) {
      case ExternKind::Func:
        inst.funcs.push_back(value->func);
        break;
      case ExternKind::Table:
        inst.tables.push_back(value->table);
        break;
      case ExternKind::Memory:
        inst.memories.push_back(value->memory);
        break;
      case ExternKind::Global:
        inst.globals.push_back(value->global);
        break;
    }
  }
  return {};
}

void allocate_functions(StoreState& store,
                        const CompiledModule& compiled,
                        Instance& inst) {
  const Module& m = compiled.module;
  for (size_t i = 0; i < m.functions.size(); ++i) {
    auto func = std::make_unique<FuncInst>();
    uint32_t type_index = m.functions[i];
    func->code = &compiled.functions[i];
    func->instance = &inst;
    func->type_id = compiled.type_ids[type_index];
    func->type = &m.types[type_index];
    func->index = m.imported_funcs + static_cast<uint32_t>(i);
    inst.funcs.push_back(func.get());
    store.funcs.push_back(std::move(func));
  }
}

InstResult allocate_state(StoreState& store, const Module& m, Instance& inst) {
  for (const TableType& type : m.tables) {
    TableInst* table = store.new_table(type, 0);
    if (!table) {
      return Unexpected(trapped(TrapKind::HostError,
                                "table of " + std::to_string(type.limits.min) +
                                    " elements exceeds the store's limit"));
    }
    inst.tables.push_back(table);
  }
  for (const MemoryType& type : m.memories) {
    MemoryInst* memory = store.new_memory(type);
    if (!memory) {
      return Unexpected(trapped(TrapKind::HostError,
                                "memory of " + std::to_string(type.limits.min) +
                                    " pages exceeds the store's limit"));
    }
    inst.memories.push_back(memory);
  }
  for (const Global& global : m.globals) {
    uint64_t hi = 0;
    auto value = eval_const_expr(m, global.init, inst, &hi);
    if (!value)
      return Unexpected(trapped(TrapKind::HostError, "bad global initializer"));
    auto g = std::make_unique<GlobalInst>();
    g->type = global.type;
    g->value = *value;
    g->hi = hi;
    inst.globals.push_back(g.get());
    store.globals.push_back(std::move(g));
  }
  return {};
}

InstResult resolve_segments(const Module& m, Instance& inst) {
  for (const ElemSegment& seg : m.elems) {
    ElemInst elem;
    elem.refs.reserve(seg.size());
    for (uint32_t i = 0; i < seg.size(); ++i) {
      if (!seg.uses_exprs) {
        uint32_t index = seg.func_indices[i];
        if (index >= inst.funcs.size())
          return Unexpected(trapped(TrapKind::HostError, "bad element"));
        elem.refs.push_back(ref_bits(inst.funcs[index]));
        continue;
      }
      auto ref = eval_const_expr(m, seg.exprs[i], inst);
      if (!ref)
        return Unexpected(trapped(TrapKind::HostError, "bad element"));
      elem.refs.push_back(*ref);
    }
    inst.elems.push_back(std::move(elem));
  }
  for (const DataSegment& seg : m.datas) {
    if (seg.bytes.offset > m.bytes.size() ||
        seg.bytes.size > m.bytes.size() - seg.bytes.offset)
      return Unexpected(trapped(TrapKind::HostError, "bad data segment"));
    inst.datas.push_back({m.bytes.data() + seg.bytes.offset, seg.bytes.size});
  }
  return {};
}

// Active segments act as table.init/memory.init followed by a drop;
// declarative ones are dropped at once.
InstResult apply_elems(const Module& m, Instance& inst) {
  for (size_t i = 0; i < m.elems.size(); ++i) {
    const ElemSegment& seg = m.elems[i];
    ElemInst& elem = inst.elems[i];
    if (seg.mode == SegmentMode::Passive)
      continue;
    if (seg.mode == SegmentMode::Active) {
      auto offset = eval_const_expr(m, seg.offset, inst);
      if (!offset || seg.table >= inst.tables.size())
        return Unexpected(trapped(TrapKind::HostError, "bad element segment"));
      TableInst& table = *inst.tables[seg.table];
      uint64_t start = static_cast<uint32_t>(*offset);
      if (start + elem.refs.size() > table.size())
        return Unexpected(trapped(TrapKind::TableOutOfBounds));
      std::copy(elem.refs.begin(), elem.refs.end(),
                table.elements.begin() + static_cast<ptrdiff_t>(start));
    }
    elem.refs.clear();
    elem.refs.shrink_to_fit();
  }
  return {};
}

InstResult apply_datas(const Module& m, Instance& inst) {
  for (size_t i = 0; i < m.datas.size(); ++i) {
    const DataSegment& seg = m.datas[i];
    DataInst& data = inst.datas[i];
    if (seg.mode != SegmentMode::Active)
      continue;
    auto offset = eval_const_expr(m, seg.offset, inst);
    if (!offset || seg.memory >= inst.memories.size())
      return Unexpected(trapped(TrapKind::HostError, "bad data segment"));
    MemoryInst& memory = *inst.memories[seg.memory];
    uint64_t start = static_cast<uint32_t>(*offset);
    if (start + data.size > memory.size)
      return Unexpected(trapped(TrapKind::MemoryOutOfBounds));
    if (data.size != 0)
      std::memcpy(memory.base + start, data.bytes, data.size);
    data.size = 0;
  }
  return {};
}

}  // namespace

Result<Instance*, InstantiateError> instantiate_module(
    StoreState& store,
    std::shared_ptr<const CompiledModule> module,
    const Imports& imports) {
  if (module == nullptr)
    return Unexpected(unlinkable("no module"));
  const Module& m = module->module;
  if (module->functions.size() != m.functions.size() ||
      module->type_ids.size() != m.types.size())
    return Unexpected(unlinkable("module is not compiled"));

  auto owned = std::make_unique<Instance>();
  owned->module = module;
  if (auto linked = link_imports(m, imports, *owned); !linked)
    return Unexpected(std::move(linked).error());
  // From here on the instance belongs to the store: functions it creates
  // may end up in shared tables even if a later step fails.
  Instance& inst = *owned;
  store.instances.push_back(std::move(owned));

  allocate_functions(store, *module, inst);
  InstResult done = allocate_state(store, m, inst);
  if (done)
    done = resolve_segments(m, inst);
  if (done)
    done = apply_elems(m, inst);
  if (done)
    done = apply_datas(m, inst);
  if (!done)
    return Unexpected(std::move(done).error());
  if (m.start) {
    uint64_t slots[1] = {0};  // the start function takes and returns nothing
    if (auto trap = store.executor.invoke(inst.funcs[*m.start], slots))
      return Unexpected(trapped(std::move(*trap)));
  }
  return &inst;
}

}  // namespace capbox::engine
