// SPDX-License-Identifier: Apache-2.0
// Module-level validation: indices, limits, constant expressions, segments,
// exports and the start function, in the reference interpreter's order, then
// each function body through FuncValidator. Works on the decoded Module
// only; knows nothing of compilation or instantiation.
#include <algorithm>
#include <string_view>

#include "engine/validator_internal.h"

namespace capbox::engine::validation {
namespace {

constexpr uint64_t kMaxPages = 65536;
constexpr uint64_t kMaxTableSize = 0xFFFFFFFFu;
// Begins with the spec's wording, which the 2.0 tests match by prefix.
constexpr const char* kExtendedConstOff =
    "constant expression required: extended constant expressions are "
    "disabled (-W extended-const=n)";

class ModuleValidator {
 public:
  ModuleValidator(const Module& module, const Features& features) : m_(module) {
    ctx_.features = features;
  }
  Result<void, LoadError> run();

 private:
  void build_context();
  bool check_simd_types();
  bool check_imports();
  bool check_definitions();
  bool check_elems();
  bool check_datas();
  bool check_functions();
  bool check_start();
  bool check_exports();
  bool check_const_expr(const ConstExpr& expr, ValType expected);
  bool check_const_instr(const Instr& in);
  bool const_binary(const Instr& in, ValType t);
  bool check_type_index(uint32_t index);
  bool check_table_limits(const Limits& limits);
  bool check_memory_limits(const Limits& limits);

  bool fail(uint32_t offset, std::string message) {
    error_ = invalid_error(offset, std::move(message));
    return false;
  }
  bool fail_malformed(uint32_t offset, std::string message) {
    error_ = malformed_error(offset, std::move(message));
    return false;
  }

  const Module& m_;
  Context ctx_;
  std::vector<ValType> stack_;  // of the constant expression being checked
  Instr instr_;
  LoadError error_;
};

Result<void, LoadError> ModuleValidator::run() {
  build_context();
  // Types last: a SIMD instruction in a body is the more precise refusal.
  bool ok = check_imports() && check_definitions() && check_elems() &&
            check_datas() && check_functions() && check_start() &&
            check_exports() && check_simd_types();
  if (!ok)
    return Unexpected(std::move(error_));
  return {};
}

// With SIMD off, v128 may not appear in any type: function types, globals
// and locals (wasmtime refuses them too, not only the instructions).
bool ModuleValidator::check_simd_types() {
  if (ctx_.features.simd)
    return true;
  auto has_v128 = [](const std::vector<ValType>& types) {
    return std::find(types.begin(), types.end(), ValType::V128) != types.end();
  };
  bool used = false;
  for (const FuncType& t : m_.types)
    used = used || has_v128(t.params) || has_v128(t.results);
  for (const Global& g : m_.globals)
    used = used || g.type.type == ValType::V128;
  for (const Import& i : m_.imports)
    used = used ||
           (i.kind == ExternKind::Global && i.global.type == ValType::V128);
  for (const FunctionBody& body : m_.codes)
    for (const LocalGroup& g : body.locals)
      used = used || g.type == ValType::V128;
  return !used || fail(0, kSimdDisabled);
}

void ModuleValidator::build_context() {
  ctx_.module = &m_;
  for (const Import& import : m_.imports) {
    switch (import.kind) {
      case ExternKind::Func:
        ctx_.func_types.push_back(import.func_type);
        break;
      case ExternKind::Table:
        ctx_.tables.push_back(import.table);
        break;
      case ExternKind::Memory:
        ++ctx_.memories;
        break;
      case ExternKind::Global:
        ctx_.globals.push_back(import.global);
        break;
    }
  }
  ctx_.func_types.insert(ctx_.func_types.end(), m_.functions.begin(),
                         m_.functions.end());
  ctx_.tables.insert(ctx_.tables.end(), m_.tables.begin(), m_.tables.end());
  ctx_.memories += static_cast<uint32_t>(m_.memories.size());
  for (const Global& global : m_.globals)
    ctx_.globals.push_back(global.type);
  ctx_.refs.assign(ctx_.func_types.size(), false);
}

bool ModuleValidator::check_type_index(uint32_t index) {
  return index < m_.types.size() || fail(0, with_index("unknown type", index));
}

bool ModuleValidator::check_table_limits(const Limits& limits) {
  if (limits.min > kMaxTableSize || limits.max.value_or(0) > kMaxTableSize)
    return fail(0, "table size must be at most 2^32-1");
  if (limits.max && limits.min > *limits.max)
    return fail(0, "size minimum must not be greater than maximum");
  return true;
}

bool ModuleValidator::check_memory_limits(const Limits& limits) {
  if (limits.min > kMaxPages || limits.max.value_or(0) > kMaxPages)
    return fail(0, "memory size must be at most 65536 pages (4GiB)");
  if (limits.max && limits.min > *limits.max)
    return fail(0, "size minimum must not be greater than maximum");
  return true;
}

bool ModuleValidator::check_imports() {
  for (const Import& import : m_.imports) {
    bool ok = true;
    if (import.kind == ExternKind::Func)
      ok = check_type_index(import.func_type);
    else if (import.kind == ExternKind::Table)
      ok = check_table_limits(import.table.limits);
    else if (import.kind == ExternKind::Memory)
      ok = check_memory_limits(import.memory.limits);
    if (!ok)
      return false;
  }
  return true;
}

bool ModuleValidator::check_definitions() {
  for (uint32_t type_index : m_.functions) {
    if (!check_type_index(type_index))
      return false;
  }
  for (const TableType& table : m_.tables) {
    if (!check_table_limits(table.limits))
      return false;
  }
  for (const MemoryType& memory : m_.memories) {
    if (!check_memory_limits(memory.limits))
      return false;
  }
  if (ctx_.memories > 1)
    return fail(0, "multiple memories");
  for (const Global& global : m_.globals) {
    if (!check_const_expr(global.init, global.type.type))
      return false;
  }
  return true;
}

bool ModuleValidator::check_elems() {
  for (const ElemSegment& seg : m_.elems) {
    if (!is_ref(seg.type))
      return fail_malformed(seg.offset.code.offset, "malformed reference type");
    for (uint32_t index : seg.func_indices) {
      if (index >= ctx_.func_types.size())
        return fail(0, with_index("unknown function", index));
      ctx_.refs[index] = true;
    }
    for (const ConstExpr& expr : seg.exprs) {
      if (!check_const_expr(expr, seg.type))
        return false;
    }
    if (seg.mode != SegmentMode::Active)
      continue;
    if (seg.table >= ctx_.tables.size())
      return fail(seg.offset.code.offset,
                  with_index("unknown table", seg.table));
    if (ctx_.tables[seg.table].element != seg.type)
      return fail(seg.offset.code.offset, "type mismatch");
    if (!check_const_expr(seg.offset, ValType::I32))
      return false;
  }
  return true;
}

bool ModuleValidator::check_datas() {
  for (const DataSegment& seg : m_.datas) {
    if (seg.mode != SegmentMode::Active)
      continue;
    if (seg.memory >= ctx_.memories)
      return fail(seg.offset.code.offset,
                  with_index("unknown memory", seg.memory));
    if (!check_const_expr(seg.offset, ValType::I32))
      return false;
  }
  return true;
}

bool ModuleValidator::check_functions() {
  if (m_.codes.size() != m_.functions.size())
    return fail_malformed(0,
                          "function and code section have inconsistent "
                          "lengths");
  // Exports count as references too (C.refs); their indices are checked
  // later, in the reference interpreter's order.
  for (const Export& e : m_.exports) {
    if (e.kind == ExternKind::Func && e.index < ctx_.refs.size())
      ctx_.refs[e.index] = true;
  }
  FuncValidator validator(ctx_);
  for (uint32_t i = 0; i < m_.codes.size(); ++i) {
    auto result = validator.validate(i);
    if (!result) {
      error_ = std::move(result).error();
      return false;
    }
  }
  return true;
}

bool ModuleValidator::check_start() {
  if (!m_.start)
    return true;
  if (*m_.start >= ctx_.func_types.size())
    return fail(0, with_index("unknown function", *m_.start));
  const FuncType& type = ctx_.func_type(*m_.start);
  if (!type.params.empty() || !type.results.empty())
    return fail(0, "start function");
  return true;
}

bool ModuleValidator::check_exports() {
  for (const Export& e : m_.exports) {
    bool ok = true;
    switch (e.kind) {
      case ExternKind::Func:
        ok = e.index < ctx_.func_types.size() ||
             fail(0, with_index("unknown function", e.index));
        break;
      case ExternKind::Table:
        ok = e.index < ctx_.tables.size() ||
             fail(0, with_index("unknown table", e.index));
        break;
      case ExternKind::Memory:
        ok = e.index < ctx_.memories ||
             fail(0, with_index("unknown memory", e.index));
        break;
      case ExternKind::Global:
        ok = e.index < ctx_.globals.size() ||
             fail(0, with_index("unknown global", e.index));
        break;
    }
    if (!ok)
      return false;
  }
  std::vector<std::string_view> names;
  names.reserve(m_.exports.size());
  for (const Export& e : m_.exports)
    names.push_back(e.name);
  std::sort(names.begin(), names.end());
  if (std::adjacent_find(names.begin(), names.end()) != names.end())
    return fail(0, "duplicate export name");
  return true;
}

bool ModuleValidator::check_const_expr(const ConstExpr& expr,
                                       ValType expected) {
  ByteRange code = expr.code;
  if (uint64_t{code.offset} + code.size > m_.bytes.size())
    return fail_malformed(code.offset, "unexpected end");
  Reader reader(
      std::span<const uint8_t>(m_.bytes).subspan(code.offset, code.size),
      code.offset);
  InstrReader instrs(reader);
  stack_.clear();
  for (;;) {
    if (reader.at_end())
      return fail_malformed(reader.offset(), "unexpected end");
    if (!instrs.next(instr_))
      return fail_malformed(reader.error_offset(), reader.error());
    if (instr_.op == Opcode::End)
      break;
    if (!check_const_instr(instr_))
      return false;
  }
  if (!reader.at_end())
    return fail(reader.offset(), "constant expression required");
  if (stack_.size() != 1 || stack_[0] != expected)
    return fail(instr_.offset, "type mismatch");
  return true;
}

// Wasm 2.0's constant instructions plus extended-const arithmetic when
// that feature is on. The 2.0 test suite alone expects it off (core
// elem.wast rejects i32.add in an element expression).
bool ModuleValidator::check_const_instr(const Instr& in) {
  switch (in.op) {
    case Opcode::I32Add:
    case Opcode::I32Sub:
    case Opcode::I32Mul:
      return ctx_.features.extended_const ? const_binary(in, ValType::I32)
                                          : fail(in.offset, kExtendedConstOff);
    case Opcode::I64Add:
    case Opcode::I64Sub:
    case Opcode::I64Mul:
      return ctx_.features.extended_const ? const_binary(in, ValType::I64)
                                          : fail(in.offset, kExtendedConstOff);
    case Opcode::I32Const:
      stack_.push_back(ValType::I32);
      return true;
    case Opcode::I64Const:
      stack_.push_back(ValType::I64);
      return true;
    case Opcode::F32Const:
      stack_.push_back(ValType::F32);
      return true;
    case Opcode::F64Const:
      stack_.push_back(ValType::F64);
      return true;
    case Opcode::V128Const:
      stack_.push_back(ValType::V128);
      return true;
    case Opcode::RefNull:
      stack_.push_back(in.ref_type);
      return true;
    case Opcode::RefFunc:
      if (in.index >= ctx_.func_types.size())
        return fail(in.offset, with_index("unknown function", in.index));
      ctx_.refs[in.index] = true;
      stack_.push_back(ValType::FuncRef);
      return true;
    case Opcode::GlobalGet:
      // Only imported globals are visible to constant expressions.
      if (in.index >= m_.imported_globals || in.index >= ctx_.globals.size())
        return fail(in.offset, with_index("unknown global", in.index));
      if (ctx_.globals[in.index].mutability != Mutability::Const)
        return fail(in.offset, "constant expression required");
      stack_.push_back(ctx_.globals[in.index].type);
      return true;
    default:
      return fail(in.offset, "constant expression required");
  }
}

bool ModuleValidator::const_binary(const Instr& in, ValType t) {
  size_t n = stack_.size();
  if (n < 2 || stack_[n - 1] != t || stack_[n - 2] != t)
    return fail(in.offset, "type mismatch");
  stack_.pop_back();
  return true;
}

}  // namespace

Result<void, LoadError> validate_all(const Module& module,
                                     const Features& features) {
  return ModuleValidator(module, features).run();
}

}  // namespace capbox::engine::validation
