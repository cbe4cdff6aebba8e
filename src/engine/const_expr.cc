// SPDX-License-Identifier: Apache-2.0
// Evaluation of constant expressions (global initialisers, segment offsets
// and element expressions) at instantiation, including extended-const
// arithmetic. Trusts the validator for typing but still never reads out of
// bounds. Depends only on reader.h and the runtime objects.
#include <span>
#include <vector>

#include "engine/instance.h"
#include "engine/reader.h"

namespace capbox::engine {

namespace {

std::optional<uint64_t> binary_op(uint8_t op, uint64_t a, uint64_t b) {
  auto a32 = static_cast<uint32_t>(a);
  auto b32 = static_cast<uint32_t>(b);
  switch (op) {
    case 0x6A:
      return static_cast<uint32_t>(a32 + b32);  // i32.add
    case 0x6B:
      return static_cast<uint32_t>(a32 - b32);  // i32.sub
    case 0x6C:
      return static_cast<uint32_t>(a32 * b32);  // i32.mul
    case 0x7C:
      return a + b;  // i64.add
    case 0x7D:
      return a - b;  // i64.sub
    case 0x7E:
      return a * b;  // i64.mul
    default:
      return std::nullopt;
  }
}

// Pushes the value of one instruction other than `end` and its operands;
// nullopt if the instruction is not a constant one.
// `hi` receives the high half of a v128 result (0 for any other type).
std::optional<uint64_t> eval_op(uint8_t op,
                                Reader& reader,
                                const Instance& instance,
                                std::vector<uint64_t>& stack,
                                uint64_t& hi) {
  hi = 0;
  switch (op) {
    case 0xFD: {  // v128.const, the only SIMD constant instruction
      if (reader.u32() != 0x0C)
        return std::nullopt;
      uint64_t half[2];
      for (uint64_t& h : half) {
        h = 0;
        for (int i = 0; i < 8; ++i)
          h |= uint64_t{reader.u8()} << (8 * i);
      }
      hi = half[1];
      return half[0];
    }
    case 0x41:
      return static_cast<uint32_t>(reader.s32());
    case 0x42:
      return static_cast<uint64_t>(reader.s64());
    case 0x43:
      return reader.f32_bits();
    case 0x44:
      return reader.f64_bits();
    case 0xD0:  // ref.null t
      reader.u8();
      return 0;
    case 0xD2: {  // ref.func x
      uint32_t index = reader.u32();
      if (index >= instance.funcs.size())
        return std::nullopt;
      return ref_bits(instance.funcs[index]);
    }
    case 0x23: {  // global.get x
      uint32_t index = reader.u32();
      if (index >= instance.globals.size())
        return std::nullopt;
      hi = instance.globals[index]->hi;
      return instance.globals[index]->value;
    }
    default: {
      if (stack.size() < 2)
        return std::nullopt;
      uint64_t b = stack.back();
      stack.pop_back();
      uint64_t a = stack.back();
      stack.pop_back();
      return binary_op(op, a, b);
    }
  }
}

}  // namespace

std::optional<uint64_t> eval_const_expr(const Module& module,
                                        const ConstExpr& expr,
                                        const Instance& instance,
                                        uint64_t* v128_hi) {
  const ByteRange& code = expr.code;
  if (code.offset > module.bytes.size() ||
      code.size > module.bytes.size() - code.offset)
    return std::nullopt;
  Reader reader(std::span(module.bytes).subspan(code.offset, code.size),
                code.offset);
  std::vector<uint64_t> stack;
  uint64_t hi = 0;  // of the top value; v128 expressions are one instruction
  while (reader.ok() && !reader.at_end()) {
    uint8_t op = reader.u8();
    if (op == 0x0B) {  // end
      if (stack.size() != 1 || !reader.at_end())
        return std::nullopt;
      if (v128_hi != nullptr)
        *v128_hi = hi;
      return stack.back();
    }
    std::optional<uint64_t> value = eval_op(op, reader, instance, stack, hi);
    if (!value || !reader.ok())
      return std::nullopt;
    stack.push_back(*value);
  }
  return std::nullopt;
}

}  // namespace capbox::engine
