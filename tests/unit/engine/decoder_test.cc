// SPDX-License-Identifier: Apache-2.0
// Tests of decode_module: every section kind, the spec's malformed-module
// wordings with their offsets, the name section, and huge counts against
// short input. Modules are built byte by byte with the helpers below.
#include <doctest/doctest.h>

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "engine/decoder.h"

using namespace std::literals;

namespace capbox::engine {
namespace {

using Bytes = std::vector<uint8_t>;

Bytes leb(uint64_t v) {
  Bytes out;
  do {
    uint8_t b = v & 0x7f;
    v >>= 7;
    out.push_back(v ? (b | 0x80) : b);
  } while (v);
  return out;
}

Bytes cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const Bytes& p : parts)
    out.insert(out.end(), p.begin(), p.end());
  return out;
}

Bytes str(std::string_view s) {
  return cat({leb(s.size()), Bytes(s.begin(), s.end())});
}

Bytes section(uint8_t id, const Bytes& contents) {
  return cat({{id}, leb(contents.size()), contents});
}

// The header followed by `sections`.
Bytes wasm(std::initializer_list<Bytes> sections) {
  Bytes out = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00};
  for (const Bytes& s : sections)
    out.insert(out.end(), s.begin(), s.end());
  return out;
}

// A vector: count, then the items.
Bytes vec(std::initializer_list<Bytes> items) {
  Bytes out = leb(items.size());
  for (const Bytes& i : items)
    out.insert(out.end(), i.begin(), i.end());
  return out;
}

const Bytes kI32Const0 = {0x41, 0x00, 0x0b};
const Bytes kVoidType = section(1, vec({{0x60, 0x00, 0x00}}));
const Bytes kOneFunc = section(3, vec({{0x00}}));
const Bytes kEmptyBody = section(10, vec({{0x02, 0x00, 0x0b}}));

Module decode_ok(const Bytes& bytes) {
  auto r = decode_module(bytes);
  if (!r)
    FAIL("unexpected error: ", r.error().message, " at ", r.error().offset);
  REQUIRE(r);
  return std::move(r).value();
}

struct Error {
  std::string message;
  uint32_t offset = 0;
};

Error decode_error(const Bytes& bytes) {
  auto r = decode_module(bytes);
  REQUIRE(!r);
  CHECK(r.error().kind == LoadError::Kind::Malformed);
  return {r.error().message, r.error().offset};
}

// A macro so that failures report the caller's line.
#define CHECK_ERROR(msg, at, ...)                \
  do {                                           \
    Error e_ = decode_error(Bytes(__VA_ARGS__)); \
    CHECK(e_.message == (msg));                  \
    CHECK(e_.offset == uint32_t{at});            \
  } while (false)

std::string_view text(const Module& m, ByteRange range) {
  return {reinterpret_cast<const char*>(m.bytes.data()) + range.offset,
          range.size};
}

TEST_CASE("header") {
  Module m = decode_ok(wasm({}));
  CHECK(m.types.empty());
  CHECK(m.bytes.size() == 8);
  CHECK_ERROR("unexpected end", 0, {});
  CHECK_ERROR("unexpected end", 0, {0x00, 0x61, 0x73});
  CHECK_ERROR("unexpected end", 4, {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00});
  CHECK_ERROR("magic header not detected", 0,
              {0x00, 0x41, 0x53, 0x4d, 0x01, 0x00, 0x00, 0x00});
  CHECK_ERROR("unknown binary version", 4,
              {0x00, 0x61, 0x73, 0x6d, 0x02, 0x00, 0x00, 0x00});
}

TEST_CASE("type, function, table, memory and global sections") {
  Module m = decode_ok(wasm({
      section(1, vec({{0x60, 0x02, 0x7f, 0x7e, 0x01, 0x7d},
                      {0x60, 0x00, 0x02, 0x7c, 0x6f}})),
      section(3, vec({{0x01}, {0x00}})),
      section(4, vec({{0x70, 0x00, 0x05}, {0x6f, 0x01, 0x01, 0x80, 0x01}})),
      section(5, vec({{0x01, 0x02, 0x03}})),
      section(6, vec({cat({{0x7f, 0x01}, kI32Const0}),
                      {0x70, 0x00, 0xd0, 0x70, 0x0b}})),
      section(10, vec({{0x02, 0x00, 0x0b}, {0x02, 0x00, 0x0b}})),
  }));
  REQUIRE(m.types.size() == 2);
  CHECK(m.types[0].params == std::vector{ValType::I32, ValType::I64});
  CHECK(m.types[0].results == std::vector{ValType::F32});
  CHECK(m.types[1].params.empty());
  CHECK(m.types[1].results == std::vector{ValType::F64, ValType::ExternRef});
  CHECK(m.functions == std::vector<uint32_t>{1, 0});
  REQUIRE(m.tables.size() == 2);
  CHECK(m.tables[0].element == ValType::FuncRef);
  CHECK(m.tables[0].limits.min == 5);
  CHECK(!m.tables[0].limits.max);
  CHECK(m.tables[1].element == ValType::ExternRef);
  CHECK(m.tables[1].limits.max == 128u);
  REQUIRE(m.memories.size() == 1);
  CHECK(m.memories[0].limits.min == 2);
  CHECK(m.memories[0].limits.max == 3u);
  REQUIRE(m.globals.size() == 2);
  CHECK(m.globals[0].type.type == ValType::I32);
  CHECK(m.globals[0].type.mutability == Mutability::Var);
  CHECK(m.globals[1].type.mutability == Mutability::Const);
  CHECK(text(m, m.globals[0].init.code) == "\x41\x00\x0b"sv);
  CHECK(text(m, m.globals[1].init.code) == "\xd0\x70\x0b");
  CHECK(m.total_funcs() == 2);
}

TEST_CASE("import, export and start sections") {
  Module m = decode_ok(wasm({
      kVoidType,
      section(2, vec({cat({str("env"), str("f"), {0x00, 0x00}}),
                      cat({str("env"), str("t"), {0x01, 0x70, 0x00, 0x01}}),
                      cat({str("env"), str("m"), {0x02, 0x01, 0x01, 0x02}}),
                      cat({str("env"), str("g"), {0x03, 0x7e, 0x00}}),
                      cat({str("env"), str("h"), {0x00, 0x00}})})),
      kOneFunc,
      section(7, vec({cat({str("run"), {0x00, 0x02}}),
                      cat({str("tab"), {0x01, 0x00}}),
                      cat({str("mem"), {0x02, 0x00}}),
                      cat({str("glob"), {0x03, 0x00}})})),
      section(8, {0x02}),
      kEmptyBody,
  }));
  REQUIRE(m.imports.size() == 5);
  CHECK(m.imports[0].module == "env");
  CHECK(m.imports[0].name == "f");
  CHECK(m.imports[0].kind == ExternKind::Func);
  CHECK(m.imports[1].kind == ExternKind::Table);
  CHECK(m.imports[1].table.limits.min == 1);
  CHECK(m.imports[2].kind == ExternKind::Memory);
  CHECK(m.imports[2].memory.limits.max == 2u);
  CHECK(m.imports[3].kind == ExternKind::Global);
  CHECK(m.imports[3].global.type == ValType::I64);
  CHECK(m.imported_funcs == 2);
  CHECK(m.imported_tables == 1);
  CHECK(m.imported_memories == 1);
  CHECK(m.imported_globals == 1);
  REQUIRE(m.exports.size() == 4);
  CHECK(m.exports[0].name == "run");
  CHECK(m.exports[0].index == 2);
  CHECK(m.exports[3].kind == ExternKind::Global);
  CHECK(m.start == 2u);
}

TEST_CASE("element segments: all eight encodings") {
  const Bytes ref_func0 = {0xd2, 0x00, 0x0b};
  Module m = decode_ok(wasm({
      kVoidType,
      kOneFunc,
      section(4, vec({{0x70, 0x00, 0x01}, {0x70, 0x00, 0x01}})),
      section(9, vec({cat({{0x00}, kI32Const0, vec({{0x00}})}),
                      cat({{0x01, 0x00}, vec({{0x00}, {0x00}})}),
                      cat({{0x02, 0x01}, kI32Const0, {0x00}, vec({})}),
                      cat({{0x03, 0x00}, vec({{0x00}})}),
                      cat({{0x04}, kI32Const0, vec({ref_func0})}),
                      cat({{0x05, 0x70}, vec({ref_func0, {0xd0, 0x70, 0x0b}})}),
                      cat({{0x06, 0x01}, kI32Const0, {0x70}, vec({})}),
                      cat({{0x07, 0x70}, vec({ref_func0})})})),
      kEmptyBody,
  }));
  REQUIRE(m.elems.size() == 8);
  const auto& e = m.elems;
  CHECK(e[0].mode == SegmentMode::Active);
  CHECK(e[0].table == 0);
  CHECK(text(m, e[0].offset.code) == "\x41\x00\x0b"sv);
  CHECK(e[0].func_indices == std::vector<uint32_t>{0});
  CHECK(!e[0].uses_exprs);
  CHECK(e[1].mode == SegmentMode::Passive);
  CHECK(e[1].size() == 2);
  CHECK(e[2].mode == SegmentMode::Active);
  CHECK(e[2].table == 1);
  CHECK(e[2].size() == 0);
  CHECK(e[3].mode == SegmentMode::Declarative);
  CHECK(e[4].mode == SegmentMode::Active);
  CHECK(e[4].uses_exprs);
  REQUIRE(e[4].exprs.size() == 1);
  CHECK(text(m, e[4].exprs[0].code) == "\xd2\x00\x0b"sv);
  CHECK(e[5].mode == SegmentMode::Passive);
  CHECK(e[5].type == ValType::FuncRef);
  CHECK(e[5].size() == 2);
  CHECK(e[6].table == 1);
  CHECK(e[6].uses_exprs);
  CHECK(e[7].mode == SegmentMode::Declarative);
  CHECK(e[7].size() == 1);
}

TEST_CASE("data segments, data count and code bodies") {
  Module m = decode_ok(wasm({
      kVoidType,
      kOneFunc,
      section(5, vec({{0x00, 0x01}})),
      section(12, {0x03}),
      section(10, vec({{0x07, 0x02, 0x02, 0x7f, 0x01, 0x7e, 0x01, 0x0b}})),
      section(11,
              vec({cat({{0x00}, kI32Const0, str("ab")}), cat({{0x01}, str("")}),
                   cat({{0x02, 0x00}, kI32Const0, str("xyz")})})),
  }));
  CHECK(m.data_count == 3u);
  REQUIRE(m.datas.size() == 3);
  CHECK(m.datas[0].mode == SegmentMode::Active);
  CHECK(text(m, m.datas[0].bytes) == "ab");
  CHECK(m.datas[1].mode == SegmentMode::Passive);
  CHECK(m.datas[1].bytes.size == 0);
  CHECK(m.datas[2].memory == 0);
  CHECK(text(m, m.datas[2].bytes) == "xyz");
  REQUIRE(m.codes.size() == 1);
  const FunctionBody& body = m.codes[0];
  REQUIRE(body.locals.size() == 2);
  CHECK(body.locals[0].count == 2);
  CHECK(body.locals[0].type == ValType::I32);
  CHECK(body.locals[1].type == ValType::I64);
  CHECK(body.local_count == 3);
  CHECK(text(m, body.code) == "\x01\x0b");   // nop, end
  CHECK(m.bytes[body.body_offset] == 0x07);  // the size field
}

TEST_CASE("custom sections anywhere, kept with their contents") {
  Module m = decode_ok(wasm({
      section(0, cat({str("first"), {1, 2, 3}})),
      kVoidType,
      section(0, str("empty")),
      kOneFunc,
      kEmptyBody,
      section(0, cat({str("last"), {9}})),
  }));
  REQUIRE(m.customs.size() == 3);
  CHECK(m.customs[0].name == "first");
  CHECK(text(m, m.customs[0].contents) == "\x01\x02\x03");
  CHECK(m.customs[1].contents.size == 0);
  CHECK(m.customs[2].name == "last");
  // A custom section's contents never make the module malformed.
  decode_ok(wasm({section(0, cat({str("name"), {0xff, 0xff, 0xff}}))}));
}

TEST_CASE("name section: module and function names") {
  Bytes names = cat(
      {str("name"), section(0, str("mod")),
       section(1, vec({cat({{0x00}, str("zero")}), cat({{0x02}, str("two")})})),
       section(2, {0x00})});
  Module m =
      decode_ok(wasm({kVoidType, kOneFunc, kEmptyBody, section(0, names)}));
  CHECK(m.module_name == "mod");
  REQUIRE(m.function_names.size() == 2);
  CHECK(m.function_names.at(0) == "zero");
  CHECK(m.function_names.at(2) == "two");
}

TEST_CASE("name section: malformed ones are ignored") {
  auto decode_names = [](const Bytes& contents) {
    return decode_ok(wasm({section(0, cat({str("name"), contents}))}));
  };
  // Unsorted function indices.
  Module m = decode_names(
      section(1, vec({cat({{0x02}, str("b")}), cat({{0x01}, str("a")})})));
  CHECK(m.function_names.empty());
  // Bad UTF-8 in a function name drops the module name too.
  m = decode_names(cat({section(0, str("mod")),
                        section(1, vec({cat({{0x00}, {0x01, 0xff}})}))}));
  CHECK(m.module_name.empty());
  CHECK(m.function_names.empty());
  // Subsections out of order, truncated, or with trailing bytes.
  m = decode_names(cat({section(1, vec({})), section(0, str("mod"))}));
  CHECK(m.module_name.empty());
  m = decode_names({0x00, 0x05, 0x03, 'm'});
  CHECK(m.module_name.empty());
  m = decode_names(section(0, cat({str("mod"), {0x00}})));
  CHECK(m.module_name.empty());
}

TEST_CASE("section order and ids") {
  // Sections at 8 and 11: the second, out of order, is refused.
  CHECK_ERROR("unexpected content after last section", 11,
              wasm({section(3, vec({})), section(1, vec({}))}));
  CHECK_ERROR("unexpected content after last section", 11,
              wasm({section(8, {0x00}), section(8, {0x00})}));
  // Data count goes before code, not after.
  CHECK_ERROR("unexpected content after last section", 11,
              wasm({section(10, vec({})), section(12, {0x00})}));
  decode_ok(
      wasm({section(12, {0x00}), section(10, vec({})), section(11, vec({}))}));
  CHECK_ERROR("malformed section id", 8, wasm({{0x0d, 0x00}}));
  CHECK_ERROR("malformed section id", 8, wasm({{0x80, 0x00, 0x01, 0x00}}));
}

TEST_CASE("section sizes") {
  // Declared larger than the rest of the file.
  CHECK_ERROR("length out of bounds", 9,
              wasm({{0x01, 0x07, 0x01, 0x60, 0x00, 0x00}}));
  // Contents shorter than declared.
  CHECK_ERROR("section size mismatch", 10,
              wasm({{0x01, 0x05, 0x01, 0x60, 0x00, 0x00, 0x00}}));
  // Contents longer than declared.
  CHECK_ERROR("section size mismatch", 10,
              wasm({{0x01, 0x03, 0x01, 0x60, 0x00, 0x00}, {0x03, 0x01, 0x00}}));
  // A vector that runs past the end of the module.
  CHECK_ERROR("unexpected end of section or function", 13,
              wasm({{0x05, 0x03, 0x02, 0x00, 0x00}}));
  // A custom section too short for its own name.
  CHECK_ERROR("unexpected end", 10, wasm({{0x00, 0x00, 0x00, 0x00}}));
  CHECK_ERROR("unexpected end", 9, wasm({{0x00}}));
  // Section size LEB128 errors.
  CHECK_ERROR("integer representation too long", 14,
              wasm({{0x01, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00}}));
}

TEST_CASE("huge counts against short input do not allocate") {
  const Bytes max_count = leb(0xffffffffu);
  for (uint8_t id : {1, 2, 3, 4, 5, 6, 7, 9, 10, 11}) {
    CAPTURE(id);
    CHECK_ERROR("length out of bounds", 10,
                wasm({section(id, cat({max_count, {0x00, 0x00}}))}));
  }
  // A string length, a body size and a local group count.
  CHECK_ERROR("length out of bounds", 10,
              wasm({section(0, cat({max_count, {'a'}}))}));
  CHECK_ERROR("length out of bounds", 21,
              wasm({kVoidType, kOneFunc,
                    section(10, cat({{0x01}, max_count, {0x00, 0x0b}}))}));
  CHECK_ERROR(
      "length out of bounds", 22,
      wasm({kVoidType, kOneFunc,
            section(10, cat({{0x01, 0x07}, max_count, {0x00, 0x0b}}))}));
}

TEST_CASE("locals: the spec's 2^32-1 and the engine's limit") {
  auto with_locals = [](const Bytes& groups) {
    Bytes body = cat({groups, {0x0b}});
    return wasm({kVoidType, kOneFunc,
                 section(10, cat({{0x01}, leb(body.size()), body}))});
  };
  CHECK_ERROR("too many locals", 22,
              with_locals(cat({{0x02}, leb(0xffffffffu), {0x7f, 0x02, 0x7e}})));
  CHECK_ERROR("too many locals", 22,
              with_locals(cat({{0x01}, leb(50001), {0x7f}})));
  Module m =
      decode_ok(with_locals(cat({{0x02}, leb(49999), {0x7f, 0x01, 0x7c}})));
  CHECK(m.codes[0].local_count == 50000);
  CHECK_ERROR("malformed value type", 24, with_locals({0x01, 0x01, 0x40}));
}

TEST_CASE("function bodies: lengths and the final end") {
  CHECK_ERROR("function and code section have inconsistent lengths", 19,
              wasm({kVoidType, section(3, vec({{0x00}, {0x00}}))}));
  CHECK_ERROR("function and code section have inconsistent lengths", 14,
              wasm({kEmptyBody}));
  // Instructions, even a missing final `end`, are the validator's: the
  // decoder keeps each body's code as a byte range after the locals.
  Module m = decode_ok(
      wasm({kVoidType, section(3, vec({{0x00}, {0x00}})),
            section(10, vec({{0x02, 0x00, 0x01}, {0x03, 0x00, 0x0b, 0x01}}))}));
  REQUIRE(m.codes.size() == 2);
  CHECK(m.codes[0].code.offset == 24);
  CHECK(m.codes[0].code.size == 1);
  CHECK(text(m, m.codes[1].code) == "\x0b\x01"sv);
  CHECK(m.codes[1].body_offset == 25);
  // A body too short for its local declarations.
  CHECK_ERROR("unexpected end of section or function", 23,
              wasm({kVoidType, kOneFunc, section(10, vec({{0x01, 0x01}}))}));
}

TEST_CASE("data count must match the data section") {
  CHECK_ERROR("data count and data section have inconsistent lengths", 11,
              wasm({section(12, {0x01})}));
  CHECK_ERROR(
      "data count and data section have inconsistent lengths", 16,
      wasm({section(12, {0x00}), section(11, vec({cat({{0x01}, str("")})}))}));
}

TEST_CASE("malformed kinds, types and flags") {
  Bytes import_prefix = cat({str("a"), str("b")});
  CHECK_ERROR("malformed import kind", 15,
              wasm({section(2, vec({cat({import_prefix, {0x04}})}))}));
  CHECK_ERROR(
      "malformed mutability", 17,
      wasm({section(2, vec({cat({import_prefix, {0x03, 0x7f, 0x02}})}))}));
  CHECK_ERROR("malformed mutability", 12,
              wasm({section(6, vec({cat({{0x7f, 0x81}, kI32Const0})}))}));
  CHECK_ERROR("malformed reference type", 11,
              wasm({section(4, vec({{0x7f, 0x00, 0x00}}))}));
  CHECK_ERROR("malformed reference type", 12,
              wasm({section(9, vec({cat({{0x05, 0x7f}, vec({})})}))}));
  CHECK_ERROR("malformed element kind", 12,
              wasm({section(9, vec({cat({{0x01, 0x01}, vec({})})}))}));
  CHECK_ERROR("malformed elements segment kind", 11,
              wasm({section(9, vec({{0x08}}))}));
  CHECK_ERROR("malformed data segment kind", 11,
              wasm({section(11, vec({{0x03}}))}));
  CHECK_ERROR("malformed export kind", 13,
              wasm({section(7, vec({cat({str("e"), {0x04, 0x00}})}))}));
  CHECK_ERROR("malformed function type", 11,
              wasm({section(1, vec({{0x61, 0x00, 0x00}}))}));
  CHECK_ERROR("integer representation too long", 12,
              wasm({section(1, vec({{0xe0, 0x7f, 0x00, 0x00}}))}));
  // Limits: 0x02/0x03 (shared) are not supported; the flag is a LEB128 bit.
  CHECK_ERROR("integer too large", 11, wasm({section(5, vec({{0x02, 0x00}}))}));
  CHECK_ERROR("integer representation too long", 12,
              wasm({section(5, vec({{0x81, 0x00, 0x00}}))}));
  CHECK_ERROR("integer too large", 17,
              wasm({section(5, vec({{0x00, 0x80, 0x80, 0x80, 0x80, 0x10}}))}));
}

TEST_CASE("constant expressions are read up to their end") {
  // An illegal opcode, a body-less expression and a bad immediate.
  CHECK_ERROR("illegal opcode", 13,
              wasm({section(6, vec({{0x7f, 0x00, 0xf3, 0x0b}}))}));
  CHECK_ERROR("unexpected end of section or function", 15,
              wasm({section(6, vec({{0x7f, 0x00, 0x41, 0x00}}))}));
  CHECK_ERROR("zero byte expected", 14,
              wasm({section(6, vec({{0x7f, 0x00, 0x3f, 0x01, 0x0b}}))}));
  // Nested blocks are invalid but end at the matching `end`.
  Module m = decode_ok(wasm(
      {section(6, vec({{0x7f, 0x00, 0x02, 0x40, 0x0b, 0x41, 0x00, 0x0b}}))}));
  CHECK(m.globals[0].init.code.size == 6);
}

TEST_CASE("names must be UTF-8") {
  auto custom_named = [](const Bytes& name) {
    return wasm({section(0, cat({leb(name.size()), name}))});
  };
  decode_ok(custom_named({'a', 0xc3, 0xa9, 0xe2, 0x82, 0xac, 0xf0, 0x9f, 0x98,
                          0x80, 0xf4, 0x8f, 0xbf, 0xbf}));
  const Bytes bad[] = {
      {0x80},                    // lone continuation byte
      {0xc0, 0x80},              // overlong NUL
      {0xe0, 0x80, 0xaf},        // overlong '/'
      {0xf0, 0x80, 0x80, 0xaf},  // overlong, 4 bytes
      {0xed, 0xa0, 0x80},        // surrogate U+D800
      {0xed, 0xbf, 0xbf},        // surrogate U+DFFF
      {0xf4, 0x90, 0x80, 0x80},  // U+110000
      {0xf8, 0x88, 0x80, 0x80, 0x80},
      {0xe2, 0x82},  // truncated
      {0xc3, 0x41},  // bad continuation
      {0xff},
  };
  for (const Bytes& name : bad) {
    CAPTURE(name.size());
    CHECK_ERROR("malformed UTF-8 encoding", 10, custom_named(name));
  }
  CHECK_ERROR(
      "malformed UTF-8 encoding", 11,
      wasm({section(2, vec({cat({{0x01, 0xc0}, str("f"), {0x00, 0x00}})}))}));
}

TEST_CASE("LEB128 errors inside sections carry their offset") {
  CHECK_ERROR("integer representation too long", 16,
              wasm({section(3, vec({{0x80, 0x80, 0x80, 0x80, 0x80, 0x00}}))}));
  CHECK_ERROR("integer too large", 15,
              wasm({section(8, {0xff, 0xff, 0xff, 0xff, 0x7f})}));
  CHECK_ERROR("integer representation too long", 19,
              wasm({section(6, vec({{0x7f, 0x00, 0x41, 0x80, 0x80, 0x80, 0x80,
                                     0x80, 0x00, 0x0b}}))}));
}

}  // namespace
}  // namespace capbox::engine
