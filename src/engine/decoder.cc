// SPDX-License-Identifier: Apache-2.0
// decode_module: the header, the section sequence (order, sizes) and the
// checks that span sections. The sections themselves are parsed in
// decoder_sections.cc and decoder_common.cc. Structural checks only; must
// not depend on the validator, the compiler or the runtime.
#include "engine/decoder.h"

#include <cstring>
#include <limits>

#include "engine/decoder_impl.h"

namespace capbox::engine {
namespace {

using decoder::kSizeMismatch;
using decoder::kUnexpectedEnd;
using decoder::kUnexpectedEndOfSection;

constexpr uint8_t kMagic[4] = {0x00, 0x61, 0x73, 0x6D};
constexpr uint8_t kVersion[4] = {0x01, 0x00, 0x00, 0x00};
constexpr uint8_t kLastSectionId = 12;

// Position of each known section id in the required order (custom
// sections, id 0, may appear anywhere). Data count (12) sits between
// element (9) and code (10).
constexpr int kSectionRank[] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 10};

bool read_header(Reader& r) {
  auto magic = r.take(4);
  if (!r.ok())
    return false;
  if (std::memcmp(magic.data(), kMagic, 4) != 0) {
    r.fail_at(0, "magic header not detected");
    return false;
  }
  auto version = r.take(4);
  if (!r.ok())
    return false;
  if (std::memcmp(version.data(), kVersion, 4) != 0) {
    r.fail_at(4, "unknown binary version");
    return false;
  }
  return true;
}

bool decode_section_contents(Reader& r,
                             Module& m,
                             uint8_t id,
                             uint32_t start,
                             uint32_t size) {
  using namespace decoder;
  switch (id) {
    case 0:
      return decode_custom_section(r, m, start, size);
    case 1:
      return decode_type_section(r, m);
    case 2:
      return decode_import_section(r, m);
    case 3:
      return decode_function_section(r, m);
    case 4:
      return decode_table_section(r, m);
    case 5:
      return decode_memory_section(r, m);
    case 6:
      return decode_global_section(r, m);
    case 7:
      return decode_export_section(r, m);
    case 8:
      return decode_start_section(r, m);
    case 9:
      return decode_elem_section(r, m);
    case 10:
      return decode_code_section(r, m);
    case 11:
      return decode_data_section(r, m);
    case 12:
      return decode_data_count_section(r, m);
    default:
      return false;
  }
}

struct SectionState {
  int last_rank = 0;         // enforces the order of known sections
  bool in_contents = false;  // the last error arose inside a section's body
  uint8_t id = 0;
};

// One section: id, size, contents.
bool decode_section(Reader& r, Module& m, SectionState& state) {
  uint32_t id_at = r.offset();
  uint8_t id = r.u8();
  if (!r.ok())
    return false;
  if (id > kLastSectionId) {
    r.fail_at(id_at, "malformed section id");
    return false;
  }
  uint32_t size = 0;
  if (!decoder::read_length(r, size))
    return false;
  if (id != 0) {
    if (kSectionRank[id] <= state.last_rank) {
      r.fail_at(id_at, "unexpected content after last section");
      return false;
    }
    state.last_rank = kSectionRank[id];
  }
  uint32_t start = r.offset();
  state.id = id;
  state.in_contents = true;
  if (!decode_section_contents(r, m, id, start, size))
    return false;
  state.in_contents = false;
  if (r.offset() - start != size) {
    r.fail_at(start, kSizeMismatch);
    return false;
  }
  return true;
}

LoadError malformed(uint32_t offset, std::string message) {
  return LoadError{LoadError::Kind::Malformed, offset, std::move(message)};
}

}  // namespace

Result<Module, LoadError> decode_module(std::span<const uint8_t> bytes) {
  return decode_module(
      std::vector<uint8_t>(bytes.data(), bytes.data() + bytes.size()));
}

Result<Module, LoadError> decode_module(std::vector<uint8_t>&& bytes) {
  // Offsets are 32-bit; such a module could not be valid anyway.
  if (bytes.size() > std::numeric_limits<uint32_t>::max())
    return Unexpected(malformed(0, "length out of bounds"));
  Module m;
  m.bytes = std::move(bytes);
  Reader r(m.bytes);
  SectionState state;
  if (read_header(r)) {
    while (!r.at_end() && decode_section(r, m, state)) {
    }
  }
  if (!r.ok()) {
    // Running out of bytes inside a section (custom ones aside) takes the
    // reference interpreter's longer wording.
    const char* message = r.error();
    if (state.in_contents && state.id != 0 &&
        std::strcmp(message, kUnexpectedEnd) == 0)
      message = kUnexpectedEndOfSection;
    return Unexpected(malformed(r.error_offset(), message));
  }
  auto end = static_cast<uint32_t>(m.bytes.size());
  if (m.functions.size() != m.codes.size())
    return Unexpected(
        malformed(end, "function and code section have inconsistent lengths"));
  if (m.data_count && *m.data_count != m.datas.size())
    return Unexpected(malformed(
        end, "data count and data section have inconsistent lengths"));
  return m;
}

}  // namespace capbox::engine
