// SPDX-License-Identifier: Apache-2.0
// Grammar pieces the decoder's sections share (lengths, names, UTF-8,
// limits, reference and global types, constant expressions) and the custom
// sections, including the "name" section. Binary format only: nothing here
// looks at types or indices.
#include <string_view>
#include <unordered_map>

#include "engine/decoder_impl.h"
#include "engine/instr_reader.h"

namespace capbox::engine::decoder {

bool read_length(Reader& r, uint32_t& out) {
  uint32_t at = r.offset();
  size_t available = r.remaining();
  out = r.u32();
  if (!r.ok())
    return false;
  if (out > available) {
    r.fail_at(at, "length out of bounds");
    return false;
  }
  return true;
}

bool is_valid_utf8(std::span<const uint8_t> bytes) {
  size_t i = 0;
  const size_t n = bytes.size();
  while (i < n) {
    uint8_t b = bytes[i];
    if (b < 0x80) {
      ++i;
      continue;
    }
    size_t len = 0;
    uint32_t cp = 0;
    uint32_t min = 0;
    if ((b & 0xE0) == 0xC0) {
      len = 2, cp = b & 0x1Fu, min = 0x80;
    } else if ((b & 0xF0) == 0xE0) {
      len = 3, cp = b & 0x0Fu, min = 0x800;
    } else if ((b & 0xF8) == 0xF0) {
      len = 4, cp = b & 0x07u, min = 0x10000;
    } else {
      return false;  // a continuation byte or 0xF8..0xFF as a lead byte
    }
    if (n - i < len)
      return false;
    for (size_t k = 1; k < len; ++k) {
      uint8_t c = bytes[i + k];
      if ((c & 0xC0) != 0x80)
        return false;
      cp = (cp << 6) | (c & 0x3Fu);
    }
    // Overlong forms, UTF-16 surrogates and code points past U+10FFFF are
    // not Unicode scalar values.
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
      return false;
    i += len;
  }
  return true;
}

bool read_name(Reader& r, std::string& out) {
  uint32_t at = r.offset();
  uint32_t n = 0;
  if (!read_length(r, n))
    return false;
  auto bytes = r.take(n);
  if (!r.ok())
    return false;
  if (!is_valid_utf8(bytes)) {
    r.fail_at(at, "malformed UTF-8 encoding");
    return false;
  }
  out.assign(bytes.begin(), bytes.end());
  return true;
}

bool read_ref_type(Reader& r, ValType& out) {
  uint32_t at = r.offset();
  uint8_t b = r.u8();
  if (!r.ok())
    return false;
  if (b != static_cast<uint8_t>(ValType::FuncRef) &&
      b != static_cast<uint8_t>(ValType::ExternRef)) {
    r.fail_at(at, "malformed reference type");
    return false;
  }
  out = static_cast<ValType>(b);
  return true;
}

bool read_limits(Reader& r, Limits& out) {
  // The flag is a one-bit LEB128 number in the reference grammar, hence
  // the LEB128 wordings; 0x02/0x03 (shared memory) are not supported yet.
  uint32_t at = r.offset();
  uint8_t flag = r.u8();
  if (!r.ok())
    return false;
  if (flag & 0x80) {
    r.fail_at(at + 1, "integer representation too long");
    return false;
  }
  if (flag > 1) {
    r.fail_at(at, "integer too large");
    return false;
  }
  out.min = r.u32();
  if (flag == 1)
    out.max = r.u32();
  else
    out.max.reset();
  return r.ok();
}

bool read_global_type(Reader& r, GlobalType& out) {
  if (!read_val_type(r, out.type))
    return false;
  uint32_t at = r.offset();
  uint8_t mut = r.u8();
  if (!r.ok())
    return false;
  if (mut > 1) {
    r.fail_at(at, "malformed mutability");
    return false;
  }
  out.mutability = static_cast<Mutability>(mut);
  return true;
}

bool read_const_expr(Reader& r, ConstExpr& out) {
  uint32_t start = r.offset();
  InstrReader reader(r);
  Instr instr;
  uint32_t depth = 0;  // blocks are invalid here, but bound the extent
  while (reader.next(instr)) {
    switch (instr.op) {
      case Opcode::Block:
      case Opcode::Loop:
      case Opcode::If:
        ++depth;
        break;
      case Opcode::End:
        if (depth == 0) {
          out.code = {start, r.offset() - start};
          return true;
        }
        --depth;
        break;
      default:
        break;
    }
  }
  return false;
}

bool decode_custom_section(Reader& r,
                           Module& m,
                           uint32_t start,
                           uint32_t size) {
  CustomSection custom;
  if (!read_name(r, custom.name))
    return false;
  uint32_t used = r.offset() - start;
  if (used > size) {
    // The name runs past the section's end.
    r.fail_at(start + size, kUnexpectedEnd);
    return false;
  }
  custom.contents = {r.offset(), size - used};
  r.skip(custom.contents.size);
  if (!r.ok())
    return false;
  if (custom.name == "name")
    decode_name_section(m, custom.contents);
  m.customs.push_back(std::move(custom));
  return true;
}

namespace {

// Reads one name subsection's contents into `names` / `module_name`.
bool decode_name_subsection(Reader& r,
                            uint8_t id,
                            std::string& module_name,
                            std::unordered_map<uint32_t, std::string>& names) {
  if (id == 0)
    return read_name(r, module_name) && r.at_end();
  if (id != 1)
    return true;  // local names and others: not used
  uint32_t count = 0;
  if (!read_length(r, count))
    return false;
  uint32_t last = 0;
  for (uint32_t i = 0; i < count; ++i) {
    uint32_t index = r.u32();
    std::string name;
    if (!read_name(r, name))
      return false;
    // The name map is sorted by index, without duplicates.
    if (i > 0 && index <= last)
      return false;
    last = index;
    names.emplace(index, std::move(name));
  }
  return r.at_end();
}

}  // namespace

void decode_name_section(Module& m, ByteRange contents) {
  Reader r(
      std::span<const uint8_t>(m.bytes).subspan(contents.offset, contents.size),
      contents.offset);
  std::string module_name;
  std::unordered_map<uint32_t, std::string> names;
  int last_id = -1;
  while (!r.at_end()) {
    uint8_t id = r.u8();
    uint32_t size = 0;
    if (!read_length(r, size))
      return;
    uint32_t sub_start = r.offset();
    auto sub = r.take(size);
    if (!r.ok() || id <= last_id)
      return;  // subsections come once each, in order of id
    last_id = id;
    Reader sub_reader(sub, sub_start);
    if (!decode_name_subsection(sub_reader, id, module_name, names))
      return;
  }
  m.module_name = std::move(module_name);
  m.function_names = std::move(names);
}

}  // namespace capbox::engine::decoder
