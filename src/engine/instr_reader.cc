// SPDX-License-Identifier: Apache-2.0
// Instruction decoding from opcodes.def: opcode dispatch tables built at
// compile time, immediates read by shape.
#include "engine/instr_reader.h"

#include <array>
#include <span>
#include <string>

namespace capbox::engine {
namespace {

// Immediate shapes, named as in opcodes.def's Imm column.
namespace imm {
enum Shape : int {
  None,
  BlockType,
  Label,
  BrTable,
  FuncIdx,
  CallIndirect,
  LocalIdx,
  GlobalIdx,
  TableIdx,
  MemArg,
  MemIdx,
  I32Const,
  I64Const,
  F32Const,
  F64Const,
  RefType,
  SelectT,
  DataIdx,
  ElemIdx,
  MemoryInit,
  MemoryCopy,
  TableInit,
  TableCopy,
  V128Const,
  Shuffle,
  Lane,
  MemArgLane
};
}  // namespace imm

struct OpInfo {
  bool known = false;
  Opcode op = Opcode::Nop;
  int imm = imm::None;
};

struct Tables {
  std::array<OpInfo, 256> plain{};
  std::array<OpInfo, 32> misc{};   // 0xFC prefix
  std::array<OpInfo, 256> simd{};  // 0xFD prefix
};

constexpr Tables make_tables() {
  Tables t;
#define CAPBOX_OPCODE(prefix, code, Name, text, Imm, Kind, A, B, R) \
  if (prefix == 0)                                                  \
    t.plain[code] = {true, Opcode::Name, imm::Imm};                 \
  else if (prefix == 0xFC)                                          \
    t.misc[code] = {true, Opcode::Name, imm::Imm};                  \
  else                                                              \
    t.simd[code] = {true, Opcode::Name, imm::Imm};
#include "engine/opcodes.def"
#undef CAPBOX_OPCODE
  return t;
}

constexpr Tables kTables = make_tables();

constexpr const char* kNames[] = {
#define CAPBOX_OPCODE(prefix, code, Name, text, Imm, Kind, A, B, R) text,
#include "engine/opcodes.def"
#undef CAPBOX_OPCODE
};

bool is_val_type_byte(uint8_t b) {
  return b == 0x7F || b == 0x7E || b == 0x7D || b == 0x7C || b == 0x7B ||
         b == 0x70 || b == 0x6F;
}

bool read_block_type(Reader& r, BlockType& out) {
  uint8_t first = r.peek();
  if (first == 0x40) {
    r.u8();
    out.kind = BlockType::Kind::Empty;
    return r.ok();
  }
  if (is_val_type_byte(first)) {
    r.u8();
    out.kind = BlockType::Kind::Value;
    out.value = static_cast<ValType>(first);
    return r.ok();
  }
  int64_t index = r.s33();
  if (!r.ok())
    return false;
  if (index < 0) {
    r.fail("malformed block type");
    return false;
  }
  out.kind = BlockType::Kind::TypeIndex;
  out.type_index = static_cast<uint32_t>(index);
  return true;
}

bool zero_byte(Reader& r) {
  uint32_t at = r.offset();
  if (r.u8() != 0 && r.ok())
    r.fail_at(at, "zero byte expected");
  return r.ok();
}

// "I8x16ExtractLaneS" -> "i8x16.extract_lane_s"; wasm text (with a dot or
// lower case first letter) is returned unchanged.
std::string wasm_text_of(const char* name) {
  std::string in(name);
  if (in.empty() || !(in[0] >= 'A' && in[0] <= 'Z'))
    return in;
  size_t shape_end = 4;  // "V128"
  if (in.rfind("V128", 0) != 0)  // "I8x16", "F64x2": up to the lane count
    shape_end = in.find_first_not_of("0123456789", in.find('x') + 1);
  std::string out;
  for (size_t k = 0; k < in.size(); ++k) {
    char ch = in[k];
    bool upper = ch >= 'A' && ch <= 'Z';
    if (k == shape_end)
      out += '.';
    else if (upper && k > shape_end)
      out += '_';
    out += upper ? static_cast<char>(ch - 'A' + 'a') : ch;
  }
  return out;
}

}  // namespace

const char* opcode_name(Opcode op) {
  auto i = static_cast<size_t>(op);
  if (i >= std::size(kNames))
    return "?";
  // simd.def rows carry their C++ name; their wasm text is derived once.
  static const auto* const kTexts = [] {
    auto* texts = new std::array<std::string, std::size(kNames)>;
    for (size_t k = 0; k < std::size(kNames); ++k)
      (*texts)[k] = wasm_text_of(kNames[k]);
    return texts;
  }();
  return (*kTexts)[i].c_str();
}

bool read_val_type(Reader& reader, ValType& out) {
  uint32_t at = reader.offset();
  uint8_t b = reader.u8();
  if (!reader.ok())
    return false;
  if (!is_val_type_byte(b)) {
    reader.fail_at(at, "malformed value type");
    return false;
  }
  out = static_cast<ValType>(b);
  return true;
}

bool InstrReader::next(Instr& out) {
  Reader& r = reader_;
  out.offset = r.offset();
  uint8_t byte = r.u8();
  if (!r.ok())
    return false;
  OpInfo info;
  if (byte == 0xFC || byte == 0xFD) {
    uint32_t code = r.u32();
    if (!r.ok())
      return false;
    const auto& table = byte == 0xFC ? std::span<const OpInfo>(kTables.misc)
                                     : std::span<const OpInfo>(kTables.simd);
    if (code < table.size())
      info = table[code];
  } else {
    info = kTables.plain[byte];
  }
  if (!info.known) {
    r.fail_at(out.offset, "illegal opcode");
    return false;
  }
  out.op = info.op;
  return read_immediates(out, info.imm);
}

bool InstrReader::read_immediates(Instr& out, int shape) {
  Reader& r = reader_;
  switch (shape) {
    case imm::None:
      break;
    case imm::BlockType:
      return read_block_type(r, out.block_type);
    case imm::Label:
    case imm::FuncIdx:
    case imm::LocalIdx:
    case imm::GlobalIdx:
    case imm::TableIdx:
    case imm::DataIdx:
    case imm::ElemIdx:
      out.index = r.u32();
      break;
    case imm::BrTable: {
      uint32_t n = r.u32();
      // Each target takes at least one byte: bound the allocation by what
      // is left to read.
      if (r.ok() && n > r.remaining())
        r.fail("unexpected end");
      out.targets.clear();
      for (uint32_t i = 0; i < n && r.ok(); ++i)
        out.targets.push_back(r.u32());
      out.index = r.u32();
      break;
    }
    case imm::CallIndirect:
      out.index = r.u32();
      out.index2 = r.u32();
      break;
    case imm::MemArg:
      out.align = r.u32();
      out.mem_offset = r.u32();
      break;
    case imm::MemIdx:
      return zero_byte(r);
    case imm::I32Const:
      out.bits = static_cast<uint32_t>(r.s32());
      break;
    case imm::I64Const:
      out.bits = static_cast<uint64_t>(r.s64());
      break;
    case imm::F32Const:
      out.bits = r.f32_bits();
      break;
    case imm::F64Const:
      out.bits = r.f64_bits();
      break;
    case imm::RefType: {
      uint32_t at = r.offset();
      uint8_t b = r.u8();
      if (r.ok() && b != 0x70 && b != 0x6F)
        r.fail_at(at, "malformed reference type");
      out.ref_type = static_cast<ValType>(b);
      break;
    }
    case imm::SelectT: {
      uint32_t n = r.u32();
      if (r.ok() && n > r.remaining())
        r.fail("unexpected end");
      out.select_types.clear();
      for (uint32_t i = 0; i < n && r.ok(); ++i) {
        ValType t;
        if (read_val_type(r, t))
          out.select_types.push_back(t);
      }
      break;
    }
    case imm::MemoryInit:
      out.index = r.u32();
      return r.ok() && zero_byte(r);
    case imm::MemoryCopy:
      return zero_byte(r) && zero_byte(r);
    case imm::TableInit:
    case imm::TableCopy:
      out.index = r.u32();
      out.index2 = r.u32();
      break;
    case imm::V128Const:
    case imm::Shuffle:
      for (uint8_t& b : out.v128)
        b = r.u8();
      break;
    case imm::Lane:
      out.lane = r.u8();
      break;
    case imm::MemArgLane:
      out.align = r.u32();
      out.mem_offset = r.u32();
      out.lane = r.u8();
      break;
  }
  return r.ok();
}

}  // namespace capbox::engine
