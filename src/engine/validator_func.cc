// SPDX-License-Identifier: Apache-2.0
// Function body validation, the algorithm of the spec's appendix: an
// operand stack of value types (kUnknown below an unreachable point) and a
// control stack of frames. This file holds the stacks, the driver loop and
// the control instructions; validator_ops.cc holds the rest. Reads bytes
// only through InstrReader; knows nothing of the compiler.
#include <algorithm>

#include "engine/validator_internal.h"

namespace capbox::engine::validation {
namespace {

// Storage for the one-value block types, so frames can hold spans.
constexpr ValType kSingles[] = {
    ValType::I32,  ValType::I64,     ValType::F32,      ValType::F64,
    ValType::V128, ValType::FuncRef, ValType::ExternRef};

std::span<const ValType> single(ValType t) {
  for (const ValType& s : kSingles) {
    if (s == t)
      return {&s, 1};
  }
  return {};
}

bool is_num(ValType t) {
  return t == ValType::I32 || t == ValType::I64 || t == ValType::F32 ||
         t == ValType::F64 || t == kUnknown;
}

bool is_vec(ValType t) {
  return t == ValType::V128 || t == kUnknown;
}

bool matches(ValType actual, ValType expect) {
  return actual == expect || actual == kUnknown || expect == kUnknown;
}

}  // namespace

const char* missing_end_message(const Module& module, ByteRange code) {
  uint64_t end = uint64_t{code.offset} + code.size;
  if (end >= module.bytes.size())
    return "unexpected end of section or function";
  // The reference takes a following 0x0B (say, the data section's id) for
  // the missing `end`, then finds the code section longer than declared.
  if (module.bytes[end] == 0x0B)
    return "section size mismatch";
  return "END opcode expected";
}

FuncValidator::FuncValidator(const Context& context)
    : ctx_(context), m_(*context.module) {}

Result<void, LoadError> FuncValidator::validate(uint32_t defined_index) {
  const FunctionBody& body = m_.codes[defined_index];
  const FuncType& type = m_.types[m_.functions[defined_index]];
  if (uint64_t{body.code.offset} + body.code.size > m_.bytes.size())
    return Unexpected(malformed_error(body.code.offset, "unexpected end"));
  params_ = type.params;
  setup_locals(body);
  vals_.clear();
  ctrls_.clear();
  ctrls_.push_back({Opcode::Block, {}, type.results, 0, false});

  // The fast path takes what it can; each instruction it leaves goes through
  // the instruction reader and step(), which give every error.
  const uint8_t* const start = m_.bytes.data() + body.code.offset;
  const uint8_t* const end = start + body.code.size;
  const uint8_t* pos = start;
  for (;;) {
    run_fast(pos, end);
    if (ctrls_.empty())
      break;
    uint32_t at = body.code.offset + static_cast<uint32_t>(pos - start);
    if (pos == end) {
      return Unexpected(
          malformed_error(at, missing_end_message(m_, body.code)));
    }
    Reader reader(std::span<const uint8_t>(pos, end), at);
    InstrReader instrs(reader);
    if (!instrs.next(instr_))
      return Unexpected(malformed_error(reader.error_offset(), reader.error()));
    offset_ = instr_.offset;
    if (!step(instr_))
      return Unexpected(error_);
    pos += reader.offset() - at;
  }
  if (pos != end) {
    return Unexpected(malformed_error(
        body.code.offset + static_cast<uint32_t>(pos - start),
        "section size mismatch"));
  }
  return {};
}

void FuncValidator::setup_locals(const FunctionBody& body) {
  local_ends_.clear();
  local_types_.clear();
  const size_t limit = body.code.size + 16;
  flat_locals_.clear();
  ValType* flat = flat_locals_.reserve(limit);
  size_t flat_count = std::min(params_.size(), limit);
  std::copy_n(params_.begin(), flat_count, flat);
  uint64_t end = 0;
  for (const LocalGroup& group : body.locals) {
    if (group.count == 0)
      continue;
    end += group.count;
    local_ends_.push_back(end);
    local_types_.push_back(group.type);
    size_t n = std::min<uint64_t>(group.count, limit - flat_count);
    std::fill_n(flat + flat_count, n, group.type);
    flat_count += n;
  }
  flat_locals_.set_size(flat_count);
}

bool FuncValidator::local_type(uint32_t index, ValType& out) {
  if (index < flat_locals_.size()) {
    out = flat_locals_[index];
    return true;
  }
  if (index < params_.size()) {
    out = params_[index];
    return true;
  }
  uint64_t i = index - params_.size();
  // Groups, not one entry per local: a body may declare billions of them.
  auto it = std::upper_bound(local_ends_.begin(), local_ends_.end(), i);
  if (it == local_ends_.end())
    return fail_index("unknown local", index);
  out = local_types_[static_cast<size_t>(it - local_ends_.begin())];
  return true;
}

bool FuncValidator::fail(const char* message) {
  error_ = invalid_error(offset_, message);
  return false;
}

bool FuncValidator::fail_index(const char* what, uint64_t index) {
  error_ = invalid_error(offset_, with_index(what, index));
  return false;
}

bool FuncValidator::fail_malformed(const char* message) {
  error_ = malformed_error(offset_, message);
  return false;
}

bool FuncValidator::pop_any(ValType& out) {
  const Frame& frame = ctrls_.back();
  if (vals_.size() == frame.height) {
    if (!frame.unreachable)
      return fail("type mismatch");
    out = kUnknown;
    return true;
  }
  out = vals_.back();
  vals_.pop_back();
  return true;
}

bool FuncValidator::pop(ValType expect) {
  ValType actual;
  if (!pop_any(actual))
    return false;
  return matches(actual, expect) || fail("type mismatch");
}

bool FuncValidator::pop_vals(std::span<const ValType> types) {
  for (size_t i = types.size(); i-- > 0;) {
    if (!pop(types[i]))
      return false;
  }
  return true;
}

// As pop_vals followed by pushing back what was popped, without moving
// anything: below an unreachable point, kUnknown would come back anyway.
bool FuncValidator::check_top(std::span<const ValType> types) {
  const Frame& frame = ctrls_.back();
  size_t available = vals_.size() - frame.height;
  for (size_t i = 0; i < types.size(); ++i) {
    if (i == available)
      return frame.unreachable || fail("type mismatch");
    ValType expect = types[types.size() - 1 - i];
    if (!matches(vals_[vals_.size() - 1 - i], expect))
      return fail("type mismatch");
  }
  return true;
}

void FuncValidator::push_ctrl(Opcode op,
                              std::span<const ValType> params,
                              std::span<const ValType> results) {
  ctrls_.push_back({op, params, results, vals_.size(), false});
  push_vals(params);
}

bool FuncValidator::pop_ctrl(Frame& out) {
  const Frame& frame = ctrls_.back();
  if (!pop_vals(frame.results))
    return false;
  if (vals_.size() != frame.height)
    return fail("type mismatch");
  out = frame;
  ctrls_.pop_back();
  return true;
}

std::span<const ValType> FuncValidator::label_types(uint32_t depth) const {
  const Frame& frame = ctrls_[ctrls_.size() - 1 - depth];
  return frame.op == Opcode::Loop ? frame.params : frame.results;
}

void FuncValidator::set_unreachable() {
  vals_.shrink(ctrls_.back().height);
  ctrls_.back().unreachable = true;
}

bool FuncValidator::block_sig(const BlockType& bt,
                              std::span<const ValType>& params,
                              std::span<const ValType>& results) {
  params = {};
  results = {};
  switch (bt.kind) {
    case BlockType::Kind::Empty:
      return true;
    case BlockType::Kind::Value:
      results = single(bt.value);
      return true;
    case BlockType::Kind::TypeIndex:
      if (bt.type_index >= m_.types.size())
        return fail_index("unknown type", bt.type_index);
      params = m_.types[bt.type_index].params;
      results = m_.types[bt.type_index].results;
      return true;
  }
  return fail("malformed block type");
}

bool FuncValidator::check_label(uint32_t depth) {
  return depth < ctrls_.size() || fail_index("unknown label", depth);
}

bool FuncValidator::step(const Instr& in) {
  // opcodes.def lists every SIMD instruction last, from v128.load on.
  if (in.op >= Opcode::V128Load && !ctx_.features.simd)
    return fail(kSimdDisabled);
  switch (in.op) {
    case Opcode::Unreachable:
    case Opcode::Nop:
    case Opcode::Block:
    case Opcode::Loop:
    case Opcode::If:
    case Opcode::Else:
    case Opcode::End:
    case Opcode::Drop:
    case Opcode::Select:
    case Opcode::SelectT:
      return step_control(in);
    case Opcode::Br:
    case Opcode::BrIf:
    case Opcode::BrTable:
    case Opcode::Return:
      return step_branch(in);
    case Opcode::Call:
    case Opcode::CallIndirect:
    case Opcode::ReturnCall:
    case Opcode::ReturnCallIndirect:
      return step_call(in);
    default:
      return step_numeric(in);
  }
}

bool FuncValidator::step_control(const Instr& in) {
  std::span<const ValType> params, results;
  switch (in.op) {
    case Opcode::Unreachable:
      set_unreachable();
      return true;
    case Opcode::Nop:
      return true;
    case Opcode::If:
      if (!pop(ValType::I32))
        return false;
      [[fallthrough]];
    case Opcode::Block:
    case Opcode::Loop:
      if (!block_sig(in.block_type, params, results) || !pop_vals(params))
        return false;
      push_ctrl(in.op, params, results);
      return true;
    case Opcode::Else: {
      // The binary grammar only has `else` inside `if`.
      Frame frame;
      if (ctrls_.back().op != Opcode::If)
        return fail_malformed("END opcode expected");
      if (!pop_ctrl(frame))
        return false;
      push_ctrl(Opcode::Else, frame.params, frame.results);
      return true;
    }
    case Opcode::End:
      return step_end();
    case Opcode::Drop: {
      ValType ignored;
      return pop_any(ignored);
    }
    default:
      break;
  }
  // select: untyped only for numeric (and vector) operands.
  if (in.op == Opcode::SelectT) {
    if (in.select_types.size() != 1)
      return fail("invalid result arity");
    ValType t = in.select_types[0];
    if (!pop(ValType::I32) || !pop(t) || !pop(t))
      return false;
    push(t);
    return true;
  }
  ValType t1, t2;
  if (!pop(ValType::I32) || !pop_any(t1) || !pop_any(t2))
    return false;
  bool both_num = is_num(t1) && is_num(t2);
  bool both_vec = is_vec(t1) && is_vec(t2);
  if (!(both_num || both_vec) || !matches(t1, t2))
    return fail("type mismatch");
  push(t1 == kUnknown ? t2 : t1);
  return true;
}

bool FuncValidator::step_end() {
  Frame frame;
  if (!pop_ctrl(frame))
    return false;
  // An `if` without `else` has an implicit empty else branch, which
  // passes its parameters through as its results.
  if (frame.op == Opcode::If &&
      !std::equal(frame.params.begin(), frame.params.end(),
                  frame.results.begin(), frame.results.end())) {
    return fail("type mismatch");
  }
  push_vals(frame.results);
  return true;
}

bool FuncValidator::step_branch(const Instr& in) {
  switch (in.op) {
    case Opcode::Br:
      if (!check_label(in.index) || !pop_vals(label_types(in.index)))
        return false;
      set_unreachable();
      return true;
    case Opcode::BrIf: {
      if (!pop(ValType::I32) || !check_label(in.index))
        return false;
      auto types = label_types(in.index);
      if (!pop_vals(types))
        return false;
      push_vals(types);
      return true;
    }
    case Opcode::BrTable: {
      if (!pop(ValType::I32) || !check_label(in.index))
        return false;
      size_t arity = label_types(in.index).size();
      for (uint32_t target : in.targets) {
        if (!check_label(target))
          return false;
        if (label_types(target).size() != arity)
          return fail("type mismatch");
        if (!check_top(label_types(target)))
          return false;
      }
      if (!pop_vals(label_types(in.index)))
        return false;
      set_unreachable();
      return true;
    }
    default:  // return
      if (!pop_vals(ctrls_.front().results))
        return false;
      set_unreachable();
      return true;
  }
}

// call, call_indirect, and their tail forms return_call and
// return_call_indirect, which return the callee's results as the function's
// own: those must be exactly the function's result types.
bool FuncValidator::step_call(const Instr& in) {
  const bool tail =
      in.op == Opcode::ReturnCall || in.op == Opcode::ReturnCallIndirect;
  if (tail && !ctx_.features.tail_call)
    return fail("tail calls are disabled (-W tail-call=n)");
  const FuncType* type = nullptr;
  if (in.op == Opcode::Call || in.op == Opcode::ReturnCall) {
    if (in.index >= ctx_.func_types.size())
      return fail_index("unknown function", in.index);
    type = &ctx_.func_type(in.index);
  } else {
    if (!check_table(in.index2))
      return false;
    if (ctx_.tables[in.index2].element != ValType::FuncRef)
      return fail("type mismatch");
    if (in.index >= m_.types.size())
      return fail_index("unknown type", in.index);
    type = &m_.types[in.index];
    if (!pop(ValType::I32))
      return false;
  }
  if (!pop_vals(type->params))
    return false;
  if (!tail) {
    push_vals(type->results);
    return true;
  }
  if (!std::equal(type->results.begin(), type->results.end(),
                  ctrls_.front().results.begin(), ctrls_.front().results.end()))
    return fail("type mismatch");
  set_unreachable();
  return true;
}

}  // namespace capbox::engine::validation
