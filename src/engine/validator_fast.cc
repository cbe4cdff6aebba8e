// SPDX-License-Identifier: Apache-2.0
// The validator's fast path: the common instructions of valid code, read
// straight from the bytes and typed on a raw stack. It never reports an
// error: an instruction it does not handle, or that anything would make it
// doubt (an unusual encoding, a stack underflow, an unexpected type), is left
// at its first byte for the generic path (InstrReader + step), which decides
// with the spec's wording, so the fast path cannot change what is accepted.
// Typed from opcodes.def's columns like the generic path; no compiler code.
#include <array>

#include "engine/validator_internal.h"

namespace capbox::engine::validation {
namespace {

// The vocabulary of opcodes.def's Kind and type columns.
namespace def {
enum Kind : uint8_t { Special, Unary, Binary, Load, Store, Simd };
constexpr uint8_t I32 = 0x7F, I64 = 0x7E, F32 = 0x7D, F64 = 0x7C, V128 = 0x7B,
                  _ = 0;
}  // namespace def

// One-byte opcodes only: the prefixed ones all go to the generic path.
struct ByteSig {
  uint8_t kind = def::Special;
  ValType a = kUnknown;
  uint8_t b = 0;  // Binary: a type; Load/Store: natural alignment (log2)
  ValType r = kUnknown;
};

constexpr std::array<ByteSig, 256> make_byte_sigs() {
  using namespace def;
  std::array<ByteSig, 256> sigs{};
#define CAPBOX_OPCODE(prefix, code, Name, text, Imm, Kind, A, B, R) \
  if (prefix == 0)                                                  \
    sigs[code] =                                                    \
        ByteSig{Kind, static_cast<ValType>(A), B, static_cast<ValType>(R)};
#include "engine/opcodes.def"
#undef CAPBOX_OPCODE
  return sigs;
}

constexpr auto kByteSigs = make_byte_sigs();

constexpr ValType kSingleTypes[] = {
    ValType::I32,  ValType::I64,     ValType::F32,      ValType::F64,
    ValType::V128, ValType::FuncRef, ValType::ExternRef};

// A block type of no value (0x40) or one value type byte; false for a type
// index, which the generic path reads.
bool block_results(const uint8_t*& q,
                   const uint8_t* end,
                   std::span<const ValType>& out) {
  if (q == end)
    return false;
  if (*q == 0x40) {
    out = {};
    ++q;
    return true;
  }
  for (const ValType& t : kSingleTypes) {
    if (*q == static_cast<uint8_t>(t)) {
      out = {&t, 1};
      ++q;
      return true;
    }
  }
  return false;
}

// A u32 LEB128 as the generic reader accepts it; false (q unmoved) for
// anything it might not.
bool read_u32_long(const uint8_t*& q, const uint8_t* end, uint32_t& out) {
  const uint8_t* r = q;
  uint32_t v = 0;
  for (unsigned shift = 0; shift < 28; shift += 7) {
    if (r == end)
      return false;
    uint8_t b = *r++;
    v |= uint32_t{b & 0x7Fu} << shift;
    if (b < 0x80) {
      out = v;
      q = r;
      return true;
    }
  }
  if (r == end || *r >= 0x10)  // a continuation, or bits beyond 32
    return false;
  out = v | uint32_t{*r} << 28;
  q = r + 1;
  return true;
}

inline bool read_u32(const uint8_t*& q, const uint8_t* end, uint32_t& out) {
  if (q != end && *q < 0x80) {
    out = *q++;
    return true;
  }
  return read_u32_long(q, end, out);
}

// Skips a signed LEB128 of `bits` bits with the generic reader's checks.
bool skip_signed(const uint8_t*& q, const uint8_t* end, unsigned bits) {
  const uint8_t* r = q;
  for (unsigned shift = 0;; shift += 7) {
    if (r == end)
      return false;
    uint8_t b = *r++;
    unsigned remaining = bits - shift;
    if (remaining < 7) {
      unsigned high = (b & 0x7Fu) >> (remaining - 1);
      if ((b & 0x80) || (high != 0 && high != (0x7Fu >> (remaining - 1))))
        return false;
      q = r;
      return true;
    }
    if (b < 0x80) {
      q = r;
      return true;
    }
    if (remaining == 7)
      return false;
  }
}

bool is_value(ValType t) {
  return t == ValType::I32 || t == ValType::I64 || t == ValType::F32 ||
         t == ValType::F64 || t == ValType::V128;
}

// Whether the `types.size()` entries below st[top] are exactly `types`.
bool top_is(const ValType* st,
            size_t top,
            size_t floor,
            std::span<const ValType> types) {
  size_t n = types.size();
  if (top - floor < n)
    return false;
  const ValType* at = st + top - n;
  for (size_t i = 0; i < n; ++i) {
    if (at[i] != types[i])
      return false;
  }
  return true;
}

}  // namespace

// One loop, like the interpreter's: its cases share the stack in locals.
// `break` commits an instruction (q is past it); `goto out` leaves it, its
// bytes unread and the stack as before it, to the generic path.
void FuncValidator::run_fast(const uint8_t*& pos, const uint8_t* end) {
  if (ctrls_.empty())
    return;
  const uint8_t* p = pos;
  size_t sp = vals_.size();
  ValType* st = vals_.reserve(1);
  size_t cap = vals_.capacity();
  size_t fh = ctrls_.back().height;
  const ValType* locals = flat_locals_.data();
  const size_t local_count = flat_locals_.size();
  const size_t global_count = ctx_.globals.size();
  const bool memory = ctx_.memories > 0;
  // Room for `n` more entries (rare: calls and block ends push many).
  auto room = [&](size_t n) {
    if (cap - sp < n) {
      vals_.set_size(sp);
      st = vals_.reserve(n);
      cap = vals_.capacity();
    }
  };
  while (p != end) {
    if (sp == cap)
      room(1);
    const uint8_t op = *p;
    const uint8_t* q = p + 1;
    const ByteSig& sig = kByteSigs[op];
    switch (sig.kind) {
      case def::Unary:
        if (sp == fh || st[sp - 1] != sig.a)
          goto out;
        st[sp - 1] = sig.r;
        break;
      case def::Binary:
        if (sp - fh < 2 || st[sp - 1] != static_cast<ValType>(sig.b) ||
            st[sp - 2] != sig.a)
          goto out;
        st[--sp - 1] = sig.r;
        break;
      case def::Load: {
        uint32_t align, offset;
        if (!memory || !read_u32(q, end, align) || align > sig.b ||
            !read_u32(q, end, offset) || sp == fh || st[sp - 1] != ValType::I32)
          goto out;
        st[sp - 1] = sig.a;
        break;
      }
      case def::Store: {
        uint32_t align, offset;
        if (!memory || !read_u32(q, end, align) || align > sig.b ||
            !read_u32(q, end, offset) || sp - fh < 2 || st[sp - 1] != sig.a ||
            st[sp - 2] != ValType::I32)
          goto out;
        sp -= 2;
        break;
      }
      default:
        switch (op) {
          case 0x00:  // unreachable
            sp = fh;
            ctrls_.back().unreachable = true;
            break;
          case 0x01:  // nop
            break;
          case 0x02:    // block
          case 0x03:    // loop
          case 0x04: {  // if
            std::span<const ValType> results;
            if (op == 0x04 && (sp == fh || st[sp - 1] != ValType::I32))
              goto out;
            if (!block_results(q, end, results))
              goto out;
            sp -= op == 0x04;
            ctrls_.push_back({op == 0x02   ? Opcode::Block
                              : op == 0x03 ? Opcode::Loop
                                           : Opcode::If,
                              {},
                              results,
                              sp,
                              false});
            fh = sp;
            break;
          }
          case 0x05: {  // else
            Frame& frame = ctrls_.back();
            if (frame.op != Opcode::If || sp - fh != frame.results.size() ||
                !top_is(st, sp, fh, frame.results))
              goto out;
            sp = fh;
            room(frame.params.size());
            for (ValType t : frame.params)
              st[sp++] = t;
            frame.op = Opcode::Else;
            frame.unreachable = false;
            break;
          }
          case 0x0B: {  // end: the results stay where they are
            const Frame& frame = ctrls_.back();
            if (sp - fh != frame.results.size() ||
                !top_is(st, sp, fh, frame.results))
              goto out;
            if (frame.op == Opcode::If &&
                !std::equal(frame.params.begin(), frame.params.end(),
                            frame.results.begin(), frame.results.end()))
              goto out;
            ctrls_.pop_back();
            if (ctrls_.empty()) {
              p = q;
              goto out;
            }
            fh = ctrls_.back().height;
            break;
          }
          case 0x0C:    // br
          case 0x0D: {  // br_if
            uint32_t depth;
            if (!read_u32(q, end, depth) || depth >= ctrls_.size())
              goto out;
            size_t top = sp;
            if (op == 0x0D) {
              if (sp == fh || st[sp - 1] != ValType::I32)
                goto out;
              --top;
            }
            if (!top_is(st, top, fh, label_types(depth)))
              goto out;
            if (op == 0x0D) {
              sp = top;
            } else {
              sp = fh;
              ctrls_.back().unreachable = true;
            }
            break;
          }
          case 0x0F:  // return
            if (!top_is(st, sp, fh, ctrls_.front().results))
              goto out;
            sp = fh;
            ctrls_.back().unreachable = true;
            break;
          case 0x10:    // call
          case 0x11: {  // call_indirect
            uint32_t index;
            if (!read_u32(q, end, index))
              goto out;
            const FuncType* type;
            size_t top = sp;
            if (op == 0x10) {
              if (index >= ctx_.func_types.size())
                goto out;
              type = &ctx_.func_type(index);
            } else {
              uint32_t table;
              if (!read_u32(q, end, table) || table >= ctx_.tables.size() ||
                  ctx_.tables[table].element != ValType::FuncRef ||
                  index >= m_.types.size() || sp == fh ||
                  st[sp - 1] != ValType::I32)
                goto out;
              type = &m_.types[index];
              --top;
            }
            if (!top_is(st, top, fh, type->params))
              goto out;
            sp = top - type->params.size();
            room(type->results.size());
            for (ValType t : type->results)
              st[sp++] = t;
            break;
          }
          case 0x1A:  // drop
            if (sp == fh)
              goto out;
            --sp;
            break;
          case 0x1B:  // select
            if (sp - fh < 3 || st[sp - 1] != ValType::I32 ||
                st[sp - 2] != st[sp - 3] || !is_value(st[sp - 2]))
              goto out;
            sp -= 2;
            break;
          case 0x20:    // local.get
          case 0x21:    // local.set
          case 0x22: {  // local.tee
            uint32_t index;
            if (!read_u32(q, end, index) || index >= local_count)
              goto out;
            ValType t = locals[index];
            if (op == 0x20) {
              st[sp++] = t;
              break;
            }
            if (sp == fh || st[sp - 1] != t)
              goto out;
            sp -= op == 0x21;
            break;
          }
          case 0x23:    // global.get
          case 0x24: {  // global.set
            uint32_t index;
            if (!read_u32(q, end, index) || index >= global_count)
              goto out;
            const GlobalType& global = ctx_.globals[index];
            if (op == 0x23) {
              st[sp++] = global.type;
              break;
            }
            if (global.mutability != Mutability::Var || sp == fh ||
                st[sp - 1] != global.type)
              goto out;
            --sp;
            break;
          }
          case 0x3F:  // memory.size
          case 0x40:  // memory.grow
            if (!memory || q == end || *q != 0)
              goto out;
            if (op == 0x40 && (sp == fh || st[sp - 1] != ValType::I32))
              goto out;
            ++q;
            st[sp] = ValType::I32;
            sp += op == 0x3F;
            break;
          case 0x41:  // i32.const
          case 0x42:  // i64.const
            if (!skip_signed(q, end, op == 0x41 ? 32 : 64))
              goto out;
            st[sp++] = op == 0x41 ? ValType::I32 : ValType::I64;
            break;
          case 0x43:  // f32.const
          case 0x44:  // f64.const
            if (static_cast<size_t>(end - q) < (op == 0x43 ? 4u : 8u))
              goto out;
            q += op == 0x43 ? 4 : 8;
            st[sp++] = op == 0x43 ? ValType::F32 : ValType::F64;
            break;
          default:
            goto out;
        }
        break;
    }
    p = q;
  }
out:
  vals_.set_size(sp);
  pos = p;
}

}  // namespace capbox::engine::validation
