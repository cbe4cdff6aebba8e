// SPDX-License-Identifier: Apache-2.0
// One parser per known section of the binary format, filling Module. Only
// the binary grammar is checked here: indices, types and the instructions of
// function bodies are the validator's (bodies are kept as byte ranges).
#include "engine/decoder_impl.h"
#include "engine/instr_reader.h"

namespace capbox::engine::decoder {
namespace {

bool read_val_types(Reader& r, std::vector<ValType>& out) {
  uint32_t n = 0;
  if (!read_length(r, n))
    return false;
  for (uint32_t i = 0; i < n; ++i) {
    ValType t;
    if (!read_val_type(r, t))
      return false;
    out.push_back(t);
  }
  return true;
}

bool read_func_type(Reader& r, FuncType& out) {
  uint32_t at = r.offset();
  uint8_t form = r.u8();
  if (!r.ok())
    return false;
  // The form is a signed LEB128 number (-0x20) in the reference grammar:
  // a continuation bit makes it too long for its 7 bits.
  if (form & 0x80) {
    r.fail_at(at + 1, "integer representation too long");
    return false;
  }
  if (form != 0x60) {
    r.fail_at(at, "malformed function type");
    return false;
  }
  return read_val_types(r, out.params) && read_val_types(r, out.results);
}

bool read_import_desc(Reader& r, Import& import, Module& m) {
  uint32_t at = r.offset();
  uint8_t kind = r.u8();
  if (!r.ok())
    return false;
  switch (kind) {
    case 0:
      import.func_type = r.u32();
      ++m.imported_funcs;
      break;
    case 1:
      if (!read_ref_type(r, import.table.element) ||
          !read_limits(r, import.table.limits))
        return false;
      ++m.imported_tables;
      break;
    case 2:
      if (!read_limits(r, import.memory.limits))
        return false;
      ++m.imported_memories;
      break;
    case 3:
      if (!read_global_type(r, import.global))
        return false;
      ++m.imported_globals;
      break;
    default:
      r.fail_at(at, "malformed import kind");
      return false;
  }
  import.kind = static_cast<ExternKind>(kind);
  return r.ok();
}

bool read_func_indices(Reader& r, std::vector<uint32_t>& out) {
  uint32_t n = 0;
  if (!read_length(r, n))
    return false;
  for (uint32_t i = 0; i < n && r.ok(); ++i)
    out.push_back(r.u32());
  return r.ok();
}

bool read_exprs(Reader& r, std::vector<ConstExpr>& out) {
  uint32_t n = 0;
  if (!read_length(r, n))
    return false;
  for (uint32_t i = 0; i < n; ++i) {
    ConstExpr e;
    if (!read_const_expr(r, e))
      return false;
    out.push_back(e);
  }
  return true;
}

// The element kind of flags 1-3: only 0x00 (funcref) exists.
bool read_elem_kind(Reader& r, ValType& out) {
  uint32_t at = r.offset();
  uint8_t kind = r.u8();
  if (!r.ok())
    return false;
  if (kind != 0) {
    r.fail_at(at, "malformed element kind");
    return false;
  }
  out = ValType::FuncRef;
  return true;
}

// Flags: bit 0 passive/declarative, bit 1 explicit table index (active) or
// declarative (otherwise), bit 2 expressions instead of function indices.
bool read_elem_segment(Reader& r, ElemSegment& seg) {
  uint32_t at = r.offset();
  uint32_t flags = r.u32();
  if (!r.ok())
    return false;
  if (flags > 7) {
    r.fail_at(at, "malformed elements segment kind");
    return false;
  }
  bool active = (flags & 1) == 0;
  bool explicit_type = flags & 3;  // all but the table-0 shorthands
  seg.uses_exprs = flags & 4;
  if (active) {
    seg.mode = SegmentMode::Active;
    if (flags & 2)
      seg.table = r.u32();
    if (!r.ok() || !read_const_expr(r, seg.offset))
      return false;
  } else {
    seg.mode = (flags & 2) ? SegmentMode::Declarative : SegmentMode::Passive;
  }
  seg.type = ValType::FuncRef;
  if (explicit_type) {
    bool ok = seg.uses_exprs ? read_ref_type(r, seg.type)
                             : read_elem_kind(r, seg.type);
    if (!ok)
      return false;
  }
  return seg.uses_exprs ? read_exprs(r, seg.exprs)
                        : read_func_indices(r, seg.func_indices);
}

bool read_data_segment(Reader& r, DataSegment& seg) {
  uint32_t at = r.offset();
  uint32_t flags = r.u32();
  if (!r.ok())
    return false;
  if (flags > 2) {
    r.fail_at(at, "malformed data segment kind");
    return false;
  }
  if (flags == 1) {
    seg.mode = SegmentMode::Passive;
  } else {
    seg.mode = SegmentMode::Active;
    if (flags == 2)
      seg.memory = r.u32();
    if (!r.ok() || !read_const_expr(r, seg.offset))
      return false;
  }
  uint32_t size = 0;
  if (!read_length(r, size))
    return false;
  seg.bytes = {r.offset(), size};
  r.skip(size);
  return r.ok();
}

// Local declarations: their total must fit the spec's u32 and our limit.
bool read_locals(Reader& r, FunctionBody& body) {
  uint32_t at = r.offset();
  uint32_t groups = 0;
  if (!read_length(r, groups))
    return false;
  uint64_t total = 0;
  for (uint32_t i = 0; i < groups; ++i) {
    LocalGroup group;
    group.count = r.u32();
    if (!read_val_type(r, group.type))
      return false;
    total += group.count;
    body.locals.push_back(group);
  }
  if (total > kMaxFunctionLocals) {  // also covers total > 2^32 - 1
    r.fail_at(at, "too many locals");
    return false;
  }
  body.local_count = static_cast<uint32_t>(total);
  return true;
}

bool read_body(Reader& r, FunctionBody& body) {
  body.body_offset = r.offset();
  uint32_t size = 0;
  if (!read_length(r, size))
    return false;
  uint32_t start = r.offset();
  auto bytes = r.take(size);
  if (!r.ok())
    return false;
  Reader br(bytes, start);
  if (!read_locals(br, body)) {
    r.fail_at(br.error_offset(), br.error());
    return false;
  }
  body.code = {br.offset(), start + size - br.offset()};
  return true;
}

}  // namespace

bool decode_type_section(Reader& r, Module& m) {
  uint32_t n = 0;
  if (!read_length(r, n))
    return false;
  for (uint32_t i = 0; i < n; ++i) {
    FuncType type;
    if (!read_func_type(r, type))
      return false;
    m.types.push_back(std::move(type));
  }
  return true;
}

bool decode_import_section(Reader& r, Module& m) {
  uint32_t n = 0;
  if (!read_length(r, n))
    return false;
  for (uint32_t i = 0; i < n; ++i) {
    Import import;
    if (!read_name(r, import.module) || !read_name(r, import.name) ||
        !read_import_desc(r, import, m))
      return false;
    m.imports.push_back(std::move(import));
  }
  return true;
}

bool decode_function_section(Reader& r, Module& m) {
  return read_func_indices(r, m.functions);
}

bool decode_table_section(Reader& r, Module& m) {
  uint32_t n = 0;
  if (!read_length(r, n))
    return false;
  for (uint32_t i = 0; i < n; ++i) {
    TableType table;
    if (!read_ref_type(r, table.element) || !read_limits(r, table.limits))
      return false;
    m.tables.push_back(table);
  }
  return true;
}

bool decode_memory_section(Reader& r, Module& m) {
  uint32_t n = 0;
  if (!read_length(r, n))
    return false;
  for (uint32_t i = 0; i < n; ++i) {
    MemoryType memory;
    if (!read_limits(r, memory.limits))
      return false;
    m.memories.push_back(memory);
  }
  return true;
}

bool decode_global_section(Reader& r, Module& m) {
  uint32_t n = 0;
  if (!read_length(r, n))
    return false;
  for (uint32_t i = 0; i < n; ++i) {
    Global global;
    if (!read_global_type(r, global.type) || !read_const_expr(r, global.init))
      return false;
    m.globals.push_back(global);
  }
  return true;
}

bool decode_export_section(Reader& r, Module& m) {
  uint32_t n = 0;
  if (!read_length(r, n))
    return false;
  for (uint32_t i = 0; i < n; ++i) {
    Export e;
    if (!read_name(r, e.name))
      return false;
    uint32_t at = r.offset();
    uint8_t kind = r.u8();
    if (r.ok() && kind > 3) {
      r.fail_at(at, "malformed export kind");
      return false;
    }
    e.kind = static_cast<ExternKind>(kind);
    e.index = r.u32();
    if (!r.ok())
      return false;
    m.exports.push_back(std::move(e));
  }
  return true;
}

bool decode_start_section(Reader& r, Module& m) {
  uint32_t index = r.u32();
  if (r.ok())
    m.start = index;
  return r.ok();
}

bool decode_elem_section(Reader& r, Module& m) {
  uint32_t n = 0;
  if (!read_length(r, n))
    return false;
  for (uint32_t i = 0; i < n; ++i) {
    ElemSegment seg;
    if (!read_elem_segment(r, seg))
      return false;
    m.elems.push_back(std::move(seg));
  }
  return true;
}

bool decode_data_count_section(Reader& r, Module& m) {
  uint32_t count = r.u32();
  if (r.ok())
    m.data_count = count;
  return r.ok();
}

bool decode_code_section(Reader& r, Module& m) {
  uint32_t n = 0;
  if (!read_length(r, n))
    return false;
  for (uint32_t i = 0; i < n; ++i) {
    FunctionBody body;
    if (!read_body(r, body))
      return false;
    m.codes.push_back(std::move(body));
  }
  return true;
}

bool decode_data_section(Reader& r, Module& m) {
  uint32_t n = 0;
  if (!read_length(r, n))
    return false;
  for (uint32_t i = 0; i < n; ++i) {
    DataSegment seg;
    if (!read_data_segment(r, seg))
      return false;
    m.datas.push_back(seg);
  }
  return true;
}

}  // namespace capbox::engine::decoder
