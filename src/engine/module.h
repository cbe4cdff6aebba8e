// SPDX-License-Identifier: Apache-2.0
// Module: the decoded form of a WebAssembly binary, as plain data. The decoder
// fills it (structural checks only); the validator checks types; the compiler
// turns function bodies into internal code. Knows nothing of WASI.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace capbox::engine {

// Value types, with their binary encodings.
enum class ValType : uint8_t {
  I32 = 0x7F,
  I64 = 0x7E,
  F32 = 0x7D,
  F64 = 0x7C,
  V128 = 0x7B,
  FuncRef = 0x70,
  ExternRef = 0x6F,
};

inline bool is_ref(ValType t) {
  return t == ValType::FuncRef || t == ValType::ExternRef;
}
const char* to_string(ValType t);

struct FuncType {
  std::vector<ValType> params;
  std::vector<ValType> results;
  bool operator==(const FuncType&) const = default;
};

struct Limits {
  uint64_t min = 0;
  std::optional<uint64_t> max;
};

struct TableType {
  ValType element = ValType::FuncRef;
  Limits limits;
};

struct MemoryType {
  Limits limits;  // in 64 KiB pages
};

enum class Mutability : uint8_t { Const = 0, Var = 1 };

struct GlobalType {
  ValType type = ValType::I32;
  Mutability mutability = Mutability::Const;
};

enum class ExternKind : uint8_t { Func = 0, Table = 1, Memory = 2, Global = 3 };
const char* to_string(ExternKind k);

// A byte range of Module::bytes.
struct ByteRange {
  uint32_t offset = 0;
  uint32_t size = 0;
};

// A constant expression: its instructions including the final `end`, as a
// range of Module::bytes. The validator checks it; instantiation evaluates it.
struct ConstExpr {
  ByteRange code;
};

struct Import {
  std::string module;
  std::string name;
  ExternKind kind = ExternKind::Func;
  uint32_t func_type = 0;  // kind == Func: index into Module::types
  TableType table;         // kind == Table
  MemoryType memory;       // kind == Memory
  GlobalType global;       // kind == Global
};

struct Export {
  std::string name;
  ExternKind kind = ExternKind::Func;
  uint32_t index = 0;
};

struct Global {
  GlobalType type;
  ConstExpr init;
};

enum class SegmentMode : uint8_t { Active, Passive, Declarative };

struct ElemSegment {
  SegmentMode mode = SegmentMode::Passive;
  uint32_t table = 0;  // active only
  ConstExpr offset;    // active only
  ValType type = ValType::FuncRef;
  // Exactly one of these is used: the function-index encodings (flags 0-3)
  // fill func_indices, the expression encodings (flags 4-7) fill exprs.
  std::vector<uint32_t> func_indices;
  std::vector<ConstExpr> exprs;
  bool uses_exprs = false;
  uint32_t size() const {
    return static_cast<uint32_t>(uses_exprs ? exprs.size()
                                            : func_indices.size());
  }
};

struct DataSegment {
  SegmentMode mode = SegmentMode::Passive;  // Active or Passive
  uint32_t memory = 0;                      // active only
  ConstExpr offset;                         // active only
  ByteRange bytes;
};

struct LocalGroup {
  uint32_t count = 0;
  ValType type = ValType::I32;
};

// The body of a defined function. `code` starts after the local
// declarations and ends after the function's final `end` opcode.
struct FunctionBody {
  std::vector<LocalGroup> locals;
  uint32_t local_count = 0;  // sum of locals[i].count (params excluded)
  ByteRange code;
  uint32_t body_offset = 0;  // offset of the body's size field, for errors
};

struct CustomSection {
  std::string name;
  ByteRange contents;  // after the name
};

struct Module {
  // The whole binary; ByteRanges point into it.
  std::vector<uint8_t> bytes;

  std::vector<FuncType> types;
  std::vector<Import> imports;
  std::vector<uint32_t> functions;  // type index of each defined function
  std::vector<TableType> tables;    // defined tables
  std::vector<MemoryType> memories; // defined memories
  std::vector<Global> globals;      // defined globals
  std::vector<Export> exports;
  std::optional<uint32_t> start;
  std::vector<ElemSegment> elems;
  std::optional<uint32_t> data_count;
  std::vector<FunctionBody> codes;  // one per entry of `functions`
  std::vector<DataSegment> datas;
  std::vector<CustomSection> customs;

  // From the "name" custom section, when present and well formed: function
  // index (imports included) to name. Used in trap messages.
  std::unordered_map<uint32_t, std::string> function_names;
  std::string module_name;

  // Counts of imports by kind; index spaces put imports first.
  uint32_t imported_funcs = 0;
  uint32_t imported_tables = 0;
  uint32_t imported_memories = 0;
  uint32_t imported_globals = 0;

  uint32_t total_funcs() const {
    return imported_funcs + static_cast<uint32_t>(functions.size());
  }
  uint32_t total_tables() const {
    return imported_tables + static_cast<uint32_t>(tables.size());
  }
  uint32_t total_memories() const {
    return imported_memories + static_cast<uint32_t>(memories.size());
  }
  uint32_t total_globals() const {
    return imported_globals + static_cast<uint32_t>(globals.size());
  }

  // Type of function `index` in the function index space (imports first).
  // Precondition: index < total_funcs() and the type index is valid.
  const FuncType& func_type(uint32_t index) const;
  uint32_t func_type_index(uint32_t index) const;
  TableType table_type(uint32_t index) const;
  MemoryType memory_type(uint32_t index) const;
  GlobalType global_type(uint32_t index) const;
};

}  // namespace capbox::engine
