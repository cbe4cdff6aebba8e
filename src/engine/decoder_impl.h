// SPDX-License-Identifier: Apache-2.0
// Internals of the binary decoder (decoder*.cc only): the grammar pieces
// shared between sections, and one parser per section. Each parser reads
// from a Reader bounded by the whole module, as the reference interpreter
// does; the caller compares the end position with the section size.
// Depends on the Reader and InstrReader only; never on the validator.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "engine/module.h"
#include "engine/reader.h"

namespace capbox::engine::decoder {

// The spec's wordings that more than one file uses.
inline constexpr const char kUnexpectedEnd[] = "unexpected end";
inline constexpr const char kUnexpectedEndOfSection[] =
    "unexpected end of section or function";
inline constexpr const char kSizeMismatch[] = "section size mismatch";

// Engine limit: more locals than this in one function is refused.
inline constexpr uint64_t kMaxFunctionLocals = 50000;

// A length (vector count, string size, section or body size). Like the
// reference interpreter, it must not exceed the bytes left counted from the
// length's own first byte; "length out of bounds" otherwise. Every element
// takes at least one byte, so this also bounds any allocation by the input.
bool read_length(Reader& r, uint32_t& out);
// A name: a length, then that many bytes of valid UTF-8.
bool read_name(Reader& r, std::string& out);
bool is_valid_utf8(std::span<const uint8_t> bytes);
bool read_ref_type(Reader& r, ValType& out);
bool read_limits(Reader& r, Limits& out);
bool read_global_type(Reader& r, GlobalType& out);
// A constant expression up to and including its `end` at depth 0.
bool read_const_expr(Reader& r, ConstExpr& out);

// Section parsers; `r` sits at the first byte of the section's contents.
bool decode_type_section(Reader& r, Module& m);
bool decode_import_section(Reader& r, Module& m);
bool decode_function_section(Reader& r, Module& m);
bool decode_table_section(Reader& r, Module& m);
bool decode_memory_section(Reader& r, Module& m);
bool decode_global_section(Reader& r, Module& m);
bool decode_export_section(Reader& r, Module& m);
bool decode_start_section(Reader& r, Module& m);
bool decode_elem_section(Reader& r, Module& m);
bool decode_data_count_section(Reader& r, Module& m);
// Bodies are kept as byte ranges: their instructions, including the final
// `end`, are the validator's to read.
bool decode_code_section(Reader& r, Module& m);
bool decode_data_section(Reader& r, Module& m);
// `size`: the section's declared size; `start`: its first content byte.
bool decode_custom_section(Reader& r, Module& m, uint32_t start, uint32_t size);

// Fills Module::module_name and function_names from the contents of a
// "name" custom section; leaves them empty if it is malformed.
void decode_name_section(Module& m, ByteRange contents);

}  // namespace capbox::engine::decoder
