// SPDX-License-Identifier: Apache-2.0
// validate_module: runs the module and function validators, and gives
// binary-format errors in code precedence over validation errors, as a
// decoder that read all code before validating would. Depends only on the
// Module and the instruction reader.
#include "engine/validator.h"

#include <optional>

#include "engine/validator_internal.h"

namespace capbox::engine {
namespace validation {

LoadError invalid_error(uint32_t offset, std::string message) {
  return LoadError{LoadError::Kind::Invalid, offset, std::move(message)};
}

LoadError malformed_error(uint32_t offset, std::string message) {
  return LoadError{LoadError::Kind::Malformed, offset, std::move(message)};
}

std::string with_index(const char* what, uint64_t index) {
  return std::string(what) + " " + std::to_string(index);
}

namespace {

// Reads one instruction sequence up to its final `end`, checking only what
// the binary format requires.
std::optional<LoadError> scan_code(const Module& m,
                                   ByteRange code,
                                   bool is_body,
                                   Instr& instr) {
  if (uint64_t{code.offset} + code.size > m.bytes.size())
    return malformed_error(code.offset, "unexpected end");
  Reader reader(
      std::span<const uint8_t>(m.bytes).subspan(code.offset, code.size),
      code.offset);
  InstrReader instrs(reader);
  for (uint64_t depth = 1; depth > 0;) {
    if (reader.at_end()) {
      return malformed_error(reader.offset(), is_body
                                                  ? missing_end_message(m, code)
                                                  : "unexpected end");
    }
    if (!instrs.next(instr))
      return malformed_error(reader.error_offset(), reader.error());
    switch (instr.op) {
      case Opcode::Block:
      case Opcode::Loop:
      case Opcode::If:
        ++depth;
        break;
      case Opcode::End:
        --depth;
        break;
      case Opcode::MemoryInit:
      case Opcode::DataDrop:
        if (!m.data_count && !m.datas.empty())
          return malformed_error(instr.offset, "data count section required");
        break;
      default:
        break;
    }
  }
  if (is_body && !reader.at_end())
    return malformed_error(reader.offset(), "section size mismatch");
  return std::nullopt;
}

// Only runs once validation has failed, so the valid path stays one pass.
std::optional<LoadError> find_malformed(const Module& m) {
  Instr instr;
  std::optional<LoadError> error;
  auto scan = [&](ByteRange code, bool is_body) {
    if (!error)
      error = scan_code(m, code, is_body, instr);
  };
  for (const Global& global : m.globals)
    scan(global.init.code, false);
  for (const ElemSegment& seg : m.elems) {
    if (seg.mode == SegmentMode::Active)
      scan(seg.offset.code, false);
    for (const ConstExpr& expr : seg.exprs)
      scan(expr.code, false);
  }
  for (const DataSegment& seg : m.datas) {
    if (seg.mode == SegmentMode::Active)
      scan(seg.offset.code, false);
  }
  for (const FunctionBody& body : m.codes)
    scan(body.code, true);
  return error;
}

}  // namespace
}  // namespace validation

Result<void, LoadError> validate_module(const Module& module,
                                        const Features& features) {
  auto result = validation::validate_all(module, features);
  if (!result && result.error().kind == LoadError::Kind::Invalid) {
    if (auto malformed = validation::find_malformed(module))
      return Unexpected(std::move(*malformed));
  }
  return result;
}

}  // namespace capbox::engine
