// SPDX-License-Identifier: Apache-2.0
// Private to the validator (validator*.cc): the per-module context that
// function validation reads, and the function validator itself. Nothing
// outside the validator includes this; it depends only on module.h and the
// instruction reader.
#pragma once

#include <algorithm>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "base/result.h"
#include "engine/engine.h"
#include "engine/instr_reader.h"
#include "engine/module.h"

namespace capbox::engine::validation {

// The vocabulary of opcodes.def's Kind and type columns (validator_ops.cc
// and validator_fast.cc read its rows).
namespace def {
enum Kind : uint8_t { Special, Unary, Binary, Load, Store, Simd };
inline constexpr uint8_t I32 = 0x7F, I64 = 0x7E, F32 = 0x7D, F64 = 0x7C,
                         V128 = 0x7B, _ = 0;
}  // namespace def

// The polymorphic stack's bottom type: matches every type.
inline constexpr ValType kUnknown = static_cast<ValType>(0);

LoadError invalid_error(uint32_t offset, std::string message);
inline constexpr const char* kSimdDisabled = "SIMD is disabled (-W simd=n)";
LoadError malformed_error(uint32_t offset, std::string message);
// "unknown global 3": the spec's tests match messages by prefix, and some
// expect the index.
std::string with_index(const char* what, uint64_t index);

// Index spaces flattened once per module, so that instructions look types
// up in O(1) instead of walking the imports.
struct Context {
  const Module* module = nullptr;
  std::vector<uint32_t> func_types;  // type index of each function
  std::vector<TableType> tables;
  std::vector<GlobalType> globals;
  uint32_t memories = 0;
  // C.refs: functions referenced outside function bodies; only these may
  // be named by ref.func inside a body.
  std::vector<bool> refs;
  Features features;

  const FuncType& func_type(uint32_t index) const {
    return module->types[func_types[index]];
  }
};

// Every rule but the malformed-code rescan (validator.cc).
Result<void, LoadError> validate_all(const Module& module,
                                     const Features& features);

// A function body's message for running out of bytes before its final
// `end`, worded like the reference interpreter, which reads on into what
// follows the body.
const char* missing_end_message(const Module& module, ByteRange code);

// The operand type stack: what the generic path needs of a vector, and raw
// access for the fast path (validator_fast.cc), which keeps the top in a
// local and writes it back before handing over.
class TypeStack {
 public:
  size_t size() const { return size_; }
  ValType back() const { return data_[size_ - 1]; }
  ValType operator[](size_t i) const { return data_[i]; }
  void push_back(ValType t) {
    if (size_ == capacity_)
      grow(1);
    data_[size_++] = t;
  }
  void pop_back() { --size_; }
  void shrink(size_t n) { size_ = n; }  // n <= size()
  void clear() { size_ = 0; }
  void set_size(size_t n) { size_ = n; }  // n <= capacity()
  size_t capacity() const { return capacity_; }
  // Room for `n` more entries; the storage, valid until the next growth.
  ValType* reserve(size_t n) {
    if (capacity_ - size_ < n)
      grow(n);
    return data_.get();
  }

 private:
  // Not a vector: its resize() would zero what the stack overwrites anyway.
  void grow(size_t n) {
    size_t capacity = std::max<size_t>(64, 2 * (size_ + n));
    auto data = std::make_unique_for_overwrite<ValType[]>(capacity);
    std::copy_n(data_.get(), size_, data.get());
    data_ = std::move(data);
    capacity_ = capacity;
  }
  std::unique_ptr<ValType[]> data_;
  size_t capacity_ = 0;
  size_t size_ = 0;
};

// Validates function bodies one at a time, reusing its stacks so that no
// instruction allocates once they have grown.
class FuncValidator {
 public:
  explicit FuncValidator(const Context& context);
  // `defined_index` counts defined functions only (imports excluded).
  Result<void, LoadError> validate(uint32_t defined_index);

 private:
  struct Frame {
    Opcode op = Opcode::Block;
    std::span<const ValType> params;
    std::span<const ValType> results;
    size_t height = 0;
    bool unreachable = false;
  };

  // validator_fast.cc: validates the common instructions of valid code from
  // `pos` on, straight from the bytes, and stops (with `pos` at the
  // instruction) at the first it does not handle or would reject, which
  // step() then decides. Never fails by itself.
  void run_fast(const uint8_t*& pos, const uint8_t* end);
  bool step(const Instr& in);
  bool step_control(const Instr& in);
  bool step_branch(const Instr& in);
  bool step_call(const Instr& in);
  bool step_variable(const Instr& in);
  bool step_reference(const Instr& in);
  bool step_table(const Instr& in);
  bool step_table_bulk(const Instr& in);
  bool step_memory(const Instr& in);
  bool step_numeric(const Instr& in);
  bool step_simd(const Instr& in);  // validator_simd.cc
  bool step_simd_special(const Instr& in);
  bool step_end();

  void setup_locals(const FunctionBody& body);
  bool local_type(uint32_t index, ValType& out);
  bool block_sig(const BlockType& bt,
                 std::span<const ValType>& params,
                 std::span<const ValType>& results);
  bool check_label(uint32_t depth);
  bool check_table(uint32_t index);
  bool check_memory();
  bool check_data(uint32_t index);

  void push(ValType t) { vals_.push_back(t); }
  // A loop, not insert(): spans here are short, and insert's memmove call
  // showed up in profiles.
  void push_vals(std::span<const ValType> types) {
    for (ValType t : types)
      vals_.push_back(t);
  }
  bool pop_any(ValType& out);
  bool pop(ValType expect);
  bool pop_vals(std::span<const ValType> types);
  bool check_top(std::span<const ValType> types);
  void push_ctrl(Opcode op,
                 std::span<const ValType> params,
                 std::span<const ValType> results);
  bool pop_ctrl(Frame& out);
  std::span<const ValType> label_types(uint32_t depth) const;
  void set_unreachable();

  bool fail(const char* message);
  bool fail_index(const char* what, uint64_t index);
  bool fail_malformed(const char* message);

  const Context& ctx_;
  const Module& m_;
  TypeStack vals_;
  std::vector<Frame> ctrls_;
  std::span<const ValType> params_;
  std::vector<uint64_t> local_ends_;  // cumulative local counts per group
  std::vector<ValType> local_types_;
  // The first locals (parameters included), one entry each; at most as
  // many as the body has bytes, so a body declaring billions of locals
  // costs no more than its size. Beyond them, local_ends_ is searched.
  TypeStack flat_locals_;
  Instr instr_;
  uint32_t offset_ = 0;  // of the instruction being validated
  LoadError error_;
};

}  // namespace capbox::engine::validation
