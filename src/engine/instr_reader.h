// SPDX-License-Identifier: Apache-2.0
// Reads one instruction (opcode and immediates) at a time from a function
// body or constant expression, per opcodes.def. Binary-format errors only
// ("illegal opcode", "zero byte expected", LEB128 errors); what the
// immediates mean is the validator's business. Shared by the decoder (for
// constant expressions), the validator and the compiler.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "engine/module.h"
#include "engine/reader.h"

namespace capbox::engine {

enum class Opcode : uint16_t {
#define CAPBOX_OPCODE(prefix, code, Name, text, Imm, Kind, A, B, R) Name,
#include "engine/opcodes.def"
#undef CAPBOX_OPCODE
  kCount
};

const char* opcode_name(Opcode op);

// A block type: no value, one value type, or a type index (multi-value).
struct BlockType {
  enum class Kind : uint8_t { Empty, Value, TypeIndex };
  Kind kind = Kind::Empty;
  ValType value = ValType::I32;
  uint32_t type_index = 0;
};

struct Instr {
  Opcode op = Opcode::Nop;
  uint32_t offset = 0;  // of the opcode byte, in the module
  // Meaning by immediate shape (see opcodes.def):
  //   Label / LocalIdx / GlobalIdx / FuncIdx / TableIdx / MemIdx /
  //   DataIdx / ElemIdx: index.  CallIndirect: index = type, index2 =
  //   table.  TableInit: index = elem, index2 = table.  TableCopy: index =
  //   destination table, index2 = source table.  MemoryInit: index = data.
  //   BrTable: targets, and index = the default label.
  uint32_t index = 0;
  uint32_t index2 = 0;
  BlockType block_type;
  uint32_t align = 0;       // MemArg: log2 of the alignment
  uint32_t mem_offset = 0;  // MemArg: the static offset
  uint64_t bits = 0;        // I32Const (zero-extended), I64Const, F32/F64 bits
  ValType ref_type = ValType::FuncRef;  // RefType
  std::vector<uint32_t> targets;        // BrTable
  std::vector<ValType> select_types;    // SelectT
  std::array<uint8_t, 16> v128{};       // V128Const bytes; Shuffle lanes
  uint32_t lane = 0;                    // Lane, MemArgLane
};

// Reads a value type byte; "malformed value type" otherwise... the spec's
// tests word the reference-type case as "malformed reference type".
bool read_val_type(Reader& reader, ValType& out);

class InstrReader {
 public:
  explicit InstrReader(Reader& reader) : reader_(reader) {}
  // Reads the next instruction into `out` (reusing its vectors). Returns
  // false on a read error; reader().error() says which.
  bool next(Instr& out);
  Reader& reader() { return reader_; }

 private:
  bool read_immediates(Instr& out, int shape);
  Reader& reader_;
};

}  // namespace capbox::engine
