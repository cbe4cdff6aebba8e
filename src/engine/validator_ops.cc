// SPDX-License-Identifier: Apache-2.0
// Function body validation, continued: variables, references, tables,
// memories, and every numeric, load and store instruction, typed from
// opcodes.def's Kind/A/B/R columns rather than by hand.
#include <array>

#include "engine/validator_internal.h"

namespace capbox::engine::validation {
namespace {

struct OpSig {
  uint8_t kind = def::Special;
  uint8_t a = 0;
  uint8_t b = 0;  // Load/Store: natural alignment (log2)
  uint8_t r = 0;
};

constexpr std::array<OpSig, static_cast<size_t>(Opcode::kCount)> make_sigs() {
  using namespace def;
  std::array<OpSig, static_cast<size_t>(Opcode::kCount)> sigs{};
  size_t i = 0;
#define CAPBOX_OPCODE(prefix, code, Name, text, Imm, Kind, A, B, R) \
  sigs[i++] = OpSig{Kind, A, B, R};
#include "engine/opcodes.def"
#undef CAPBOX_OPCODE
  return sigs;
}

constexpr auto kSigs = make_sigs();

ValType val(uint8_t t) {
  return static_cast<ValType>(t);
}

}  // namespace

bool FuncValidator::check_table(uint32_t index) {
  return index < ctx_.tables.size() || fail_index("unknown table", index);
}

bool FuncValidator::check_memory() {
  return ctx_.memories > 0 || fail_index("unknown memory", 0);
}

bool FuncValidator::check_data(uint32_t index) {
  // Without a data count section the code cannot name data segments in one
  // pass; the binary format makes this a decode error. With no data
  // segments at all, though, every index is unknown, and the spec's tests
  // (whose text modules wast2json encodes without a data count section)
  // expect that validation error.
  if (!m_.data_count) {
    if (!m_.datas.empty())
      return fail_malformed("data count section required");
    return fail_index("unknown data segment", index);
  }
  return index < *m_.data_count || fail_index("unknown data segment", index);
}

bool FuncValidator::step_numeric(const Instr& in) {
  const OpSig& sig = kSigs[static_cast<size_t>(in.op)];
  switch (sig.kind) {
    case def::Unary:
      if (!pop(val(sig.a)))
        return false;
      push(val(sig.r));
      return true;
    case def::Binary:
      if (!pop(val(sig.b)) || !pop(val(sig.a)))
        return false;
      push(val(sig.r));
      return true;
    case def::Load:
    case def::Store:
      if (!check_memory())
        return false;
      if (in.align > sig.b)
        return fail("alignment must not be larger than natural");
      if (sig.kind == def::Store)
        return pop(val(sig.a)) && pop(ValType::I32);
      if (!pop(ValType::I32))
        return false;
      push(val(sig.a));
      return true;
    case def::Simd:
      return step_simd(in);
    default:
      break;
  }
  switch (in.op) {
    case Opcode::I32Const:
      push(ValType::I32);
      return true;
    case Opcode::I64Const:
      push(ValType::I64);
      return true;
    case Opcode::F32Const:
      push(ValType::F32);
      return true;
    case Opcode::F64Const:
      push(ValType::F64);
      return true;
    default:
      return step_variable(in);
  }
}

bool FuncValidator::step_variable(const Instr& in) {
  ValType t;
  switch (in.op) {
    case Opcode::LocalGet:
      if (!local_type(in.index, t))
        return false;
      push(t);
      return true;
    case Opcode::LocalSet:
      return local_type(in.index, t) && pop(t);
    case Opcode::LocalTee:
      if (!local_type(in.index, t) || !pop(t))
        return false;
      push(t);
      return true;
    case Opcode::GlobalGet:
      if (in.index >= ctx_.globals.size())
        return fail_index("unknown global", in.index);
      push(ctx_.globals[in.index].type);
      return true;
    case Opcode::GlobalSet:
      if (in.index >= ctx_.globals.size())
        return fail_index("unknown global", in.index);
      if (ctx_.globals[in.index].mutability != Mutability::Var)
        return fail("global is immutable");
      return pop(ctx_.globals[in.index].type);
    default:
      return step_reference(in);
  }
}

bool FuncValidator::step_reference(const Instr& in) {
  switch (in.op) {
    case Opcode::RefNull:
      push(in.ref_type);
      return true;
    case Opcode::RefIsNull: {
      ValType t;
      if (!pop_any(t))
        return false;
      if (!is_ref(t) && t != kUnknown)
        return fail("type mismatch");
      push(ValType::I32);
      return true;
    }
    case Opcode::RefFunc:
      if (in.index >= ctx_.func_types.size())
        return fail_index("unknown function", in.index);
      if (!ctx_.refs[in.index])
        return fail("undeclared function reference");
      push(ValType::FuncRef);
      return true;
    default:
      return step_table(in);
  }
}

bool FuncValidator::step_table(const Instr& in) {
  switch (in.op) {
    case Opcode::TableGet:
      if (!check_table(in.index) || !pop(ValType::I32))
        return false;
      push(ctx_.tables[in.index].element);
      return true;
    case Opcode::TableSet:
      return check_table(in.index) && pop(ctx_.tables[in.index].element) &&
             pop(ValType::I32);
    case Opcode::TableSize:
      if (!check_table(in.index))
        return false;
      push(ValType::I32);
      return true;
    case Opcode::TableGrow:
      if (!check_table(in.index) || !pop(ValType::I32) ||
          !pop(ctx_.tables[in.index].element))
        return false;
      push(ValType::I32);
      return true;
    case Opcode::TableFill:
      return check_table(in.index) && pop(ValType::I32) &&
             pop(ctx_.tables[in.index].element) && pop(ValType::I32);
    default:
      return step_table_bulk(in);
  }
}

bool FuncValidator::step_table_bulk(const Instr& in) {
  switch (in.op) {
    case Opcode::TableCopy:
      if (!check_table(in.index) || !check_table(in.index2))
        return false;
      if (ctx_.tables[in.index].element != ctx_.tables[in.index2].element)
        return fail("type mismatch");
      break;
    case Opcode::TableInit:
      if (!check_table(in.index2))
        return false;
      if (in.index >= m_.elems.size())
        return fail_index("unknown elem segment", in.index);
      if (m_.elems[in.index].type != ctx_.tables[in.index2].element)
        return fail("type mismatch");
      break;
    case Opcode::ElemDrop:
      return in.index < m_.elems.size() ||
             fail_index("unknown elem segment", in.index);
    default:
      return step_memory(in);
  }
  return pop(ValType::I32) && pop(ValType::I32) && pop(ValType::I32);
}

bool FuncValidator::step_memory(const Instr& in) {
  switch (in.op) {
    case Opcode::MemorySize:
      if (!check_memory())
        return false;
      push(ValType::I32);
      return true;
    case Opcode::MemoryGrow:
      if (!check_memory() || !pop(ValType::I32))
        return false;
      push(ValType::I32);
      return true;
    case Opcode::MemoryFill:
    case Opcode::MemoryCopy:
      if (!check_memory())
        return false;
      break;
    case Opcode::MemoryInit:
      if (!m_.data_count && !m_.datas.empty())
        return fail_malformed("data count section required");
      if (!check_memory() || !check_data(in.index))
        return false;
      break;
    case Opcode::DataDrop:
      return check_data(in.index);
    default:
      return step_simd(in);
  }
  return pop(ValType::I32) && pop(ValType::I32) && pop(ValType::I32);
}

}  // namespace capbox::engine::validation
