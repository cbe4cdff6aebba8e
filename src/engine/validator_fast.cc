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

// What the fast path does with a one-byte opcode: a typed kind of
// opcodes.def, one case of its own, or nothing (kOther: the generic path).
enum Fast : uint8_t {
  kOther,
  kUnary,
  kBinary,
  kLoad,
  kStore,
  kUnreachable,
  kNop,
  kBlock,
  kLoop,
  kIf,
  kElse,
  kEnd,
  kBr,
  kBrIf,
  kBrTable,
  kReturn,
  kCall,
  kCallIndirect,
  kDrop,
  kSelect,
  kLocalGet,
  kLocalSet,
  kLocalTee,
  kGlobalGet,
  kGlobalSet,
  kMemorySize,
  kMemoryGrow,
  kI32Const,
  kI64Const,
  kF32Const,
  kF64Const,
};

constexpr Fast special_case(Opcode op) {
  switch (op) {
    case Opcode::Unreachable:
      return kUnreachable;
    case Opcode::Nop:
      return kNop;
    case Opcode::Block:
      return kBlock;
    case Opcode::Loop:
      return kLoop;
    case Opcode::If:
      return kIf;
    case Opcode::Else:
      return kElse;
    case Opcode::End:
      return kEnd;
    case Opcode::Br:
      return kBr;
    case Opcode::BrIf:
      return kBrIf;
    case Opcode::BrTable:
      return kBrTable;
    case Opcode::Return:
      return kReturn;
    case Opcode::Call:
      return kCall;
    case Opcode::CallIndirect:
      return kCallIndirect;
    case Opcode::Drop:
      return kDrop;
    case Opcode::Select:
      return kSelect;
    case Opcode::LocalGet:
      return kLocalGet;
    case Opcode::LocalSet:
      return kLocalSet;
    case Opcode::LocalTee:
      return kLocalTee;
    case Opcode::GlobalGet:
      return kGlobalGet;
    case Opcode::GlobalSet:
      return kGlobalSet;
    case Opcode::MemorySize:
      return kMemorySize;
    case Opcode::MemoryGrow:
      return kMemoryGrow;
    case Opcode::I32Const:
      return kI32Const;
    case Opcode::I64Const:
      return kI64Const;
    case Opcode::F32Const:
      return kF32Const;
    case Opcode::F64Const:
      return kF64Const;
    default:
      return kOther;
  }
}

struct ByteSig {
  Fast fast = kOther;
  ValType a = kUnknown;
  uint8_t b = 0;  // Binary: a type; Load/Store: natural alignment (log2)
  ValType r = kUnknown;
};

constexpr ByteSig byte_sig(Opcode op,
                           uint8_t kind,
                           uint8_t a,
                           uint8_t b,
                           uint8_t r) {
  constexpr Fast kByKind[] = {kOther, kUnary, kBinary, kLoad, kStore, kOther};
  Fast fast = kind == def::Special ? special_case(op) : kByKind[kind];
  return {fast, static_cast<ValType>(a), b, static_cast<ValType>(r)};
}

// One-byte opcodes only: the prefixed ones all go to the generic path.
constexpr std::array<ByteSig, 256> make_byte_sigs() {
  using namespace def;
  std::array<ByteSig, 256> sigs{};
#define CAPBOX_OPCODE(prefix, code, Name, text, Imm, Kind, A, B, R) \
  if (prefix == 0)                                                  \
    sigs[code] = byte_sig(Opcode::Name, Kind, A, B, R);
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
bool skip_signed_long(const uint8_t*& q, const uint8_t* end, unsigned bits) {
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

inline bool skip_signed(const uint8_t*& q, const uint8_t* end, unsigned bits) {
  if (q != end && *q < 0x80) {
    ++q;
    return true;
  }
  return skip_signed_long(q, end, bits);
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
// bytes unread and the stack as before it, to the generic path. The stack
// has room for one entry per byte left plus one: no case but those that
// push several (calls, else) needs a check, as every other pushes at most
// one entry net and takes at least one byte.
void FuncValidator::run_fast(const uint8_t*& pos, const uint8_t* end) {
  if (ctrls_.empty())
    return;
  const uint8_t* p = pos;
  size_t sp = vals_.size();
  ValType* st = vals_.reserve(static_cast<size_t>(end - p) + 1);
  size_t fh = ctrls_.back().height;
  const ValType* const locals = flat_locals_.reserve(0);
  const size_t local_count = flat_locals_.size();
  const GlobalType* const globals = ctx_.globals.data();
  const size_t global_count = ctx_.globals.size();
  const size_t func_count = ctx_.func_types.size();
  const bool memory = ctx_.memories > 0;
  // Room for `n` more entries on top of the invariant's, q being the end
  // of the instruction.
  auto room = [&](const uint8_t* q, size_t n) {
    vals_.set_size(sp);
    st = vals_.reserve(n + static_cast<size_t>(end - q) + 1);
  };
  // Threaded: each case ends by dispatching the next instruction itself.
  static const void* const kLabels[] = {
      &&op_other,      &&op_unary,       &&op_binary,
      &&op_load,       &&op_store,       &&op_unreachable,
      &&op_nop,        &&op_block,       &&op_loop,
      &&op_if,         &&op_else,        &&op_end,
      &&op_br,         &&op_br_if,       &&op_br_table,
      &&op_return,     &&op_call,        &&op_call_indirect,
      &&op_drop,       &&op_select,      &&op_local_get,
      &&op_local_set,  &&op_local_tee,   &&op_global_get,
      &&op_global_set, &&op_memory_size, &&op_memory_grow,
      &&op_i32_const,  &&op_i64_const,   &&op_f32_const,
      &&op_f64_const};
  static_assert(std::size(kLabels) == kF64Const + 1);
  const ByteSig* sig;
  const uint8_t* q;
#define CAPBOX_NEXT()         \
  do {                        \
    p = q;                    \
    if (p == end)             \
      goto out;               \
    sig = &kByteSigs[*p];     \
    q = p + 1;                \
    goto* kLabels[sig->fast]; \
  } while (0)
  q = p;
  CAPBOX_NEXT();
op_other:
  goto out;
op_unary:
  if (sp == fh || st[sp - 1] != sig->a)
    goto out;
  st[sp - 1] = sig->r;
  CAPBOX_NEXT();
op_binary:
  if (sp - fh < 2 || st[sp - 1] != static_cast<ValType>(sig->b) ||
      st[sp - 2] != sig->a)
    goto out;
  st[--sp - 1] = sig->r;
  CAPBOX_NEXT();
op_load : {
  uint32_t align, offset;
  if (!memory || !read_u32(q, end, align) || align > sig->b ||
      !read_u32(q, end, offset) || sp == fh || st[sp - 1] != ValType::I32)
    goto out;
  st[sp - 1] = sig->a;
  CAPBOX_NEXT();
}
op_store : {
  uint32_t align, offset;
  if (!memory || !read_u32(q, end, align) || align > sig->b ||
      !read_u32(q, end, offset) || sp - fh < 2 || st[sp - 1] != sig->a ||
      st[sp - 2] != ValType::I32)
    goto out;
  sp -= 2;
  CAPBOX_NEXT();
}
op_unreachable:
  sp = fh;
  ctrls_.back().unreachable = true;
  CAPBOX_NEXT();
op_nop:
  CAPBOX_NEXT();
op_if:
  if (sp == fh || st[sp - 1] != ValType::I32)
    goto out;
op_block:
op_loop : {
  std::span<const ValType> results;
  if (!block_results(q, end, results))
    goto out;
  Opcode op = Opcode::Block;
  if (sig->fast == kIf) {
    op = Opcode::If;
    --sp;
  } else if (sig->fast == kLoop) {
    op = Opcode::Loop;
  }
  ctrls_.push_back({op, {}, results, sp, false});
  fh = sp;
  CAPBOX_NEXT();
}
op_else : {
  Frame& frame = ctrls_.back();
  if (frame.op != Opcode::If || sp - fh != frame.results.size() ||
      !top_is(st, sp, fh, frame.results))
    goto out;
  sp = fh;
  room(q, frame.params.size());
  for (ValType t : frame.params)
    st[sp++] = t;
  frame.op = Opcode::Else;
  frame.unreachable = false;
  CAPBOX_NEXT();
}
op_end : {  // the results stay where they are
  const Frame& frame = ctrls_.back();
  if (sp - fh != frame.results.size() || !top_is(st, sp, fh, frame.results))
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
  CAPBOX_NEXT();
}
op_br:
op_br_if : {
  uint32_t depth;
  if (!read_u32(q, end, depth) || depth >= ctrls_.size())
    goto out;
  const Frame& target = ctrls_.end()[-1 - static_cast<ptrdiff_t>(depth)];
  size_t top = sp;
  if (sig->fast == kBrIf) {
    if (sp == fh || st[sp - 1] != ValType::I32)
      goto out;
    --top;
  }
  if (!top_is(st, top, fh,
              target.op == Opcode::Loop ? target.params : target.results))
    goto out;
  if (sig->fast == kBrIf) {
    sp = top;
  } else {
    sp = fh;
    ctrls_.back().unreachable = true;
  }
  CAPBOX_NEXT();
}
op_br_table : {
  // Every label (the default last) exactly on the stack below the index,
  // all of one arity.
  uint32_t count, depth;
  if (sp == fh || st[sp - 1] != ValType::I32 || !read_u32(q, end, count))
    goto out;
  size_t arity = 0;
  for (uint64_t i = 0; i <= count; ++i) {
    if (!read_u32(q, end, depth) || depth >= ctrls_.size())
      goto out;
    const Frame& target = ctrls_.end()[-1 - static_cast<ptrdiff_t>(depth)];
    auto types = target.op == Opcode::Loop ? target.params : target.results;
    if (i == 0)
      arity = types.size();
    if (types.size() != arity || !top_is(st, sp - 1, fh, types))
      goto out;
  }
  sp = fh;
  ctrls_.back().unreachable = true;
  CAPBOX_NEXT();
}
op_return:
  if (!top_is(st, sp, fh, ctrls_.front().results))
    goto out;
  sp = fh;
  ctrls_.back().unreachable = true;
  CAPBOX_NEXT();
op_call:
op_call_indirect : {
  uint32_t index;
  if (!read_u32(q, end, index))
    goto out;
  const FuncType* type;
  size_t top = sp;
  if (sig->fast == kCall) {
    if (index >= func_count)
      goto out;
    type = &ctx_.func_type(index);
  } else {
    uint32_t table;
    if (!read_u32(q, end, table) || table >= ctx_.tables.size() ||
        ctx_.tables[table].element != ValType::FuncRef ||
        index >= m_.types.size() || sp == fh || st[sp - 1] != ValType::I32)
      goto out;
    type = &m_.types[index];
    --top;
  }
  if (!top_is(st, top, fh, type->params))
    goto out;
  sp = top - type->params.size();
  if (type->results.size() > 1)
    room(q, type->results.size());
  for (ValType t : type->results)
    st[sp++] = t;
  CAPBOX_NEXT();
}
op_drop:
  if (sp == fh)
    goto out;
  --sp;
  CAPBOX_NEXT();
op_select:
  if (sp - fh < 3 || st[sp - 1] != ValType::I32 || st[sp - 2] != st[sp - 3] ||
      !is_value(st[sp - 2]))
    goto out;
  sp -= 2;
  CAPBOX_NEXT();
op_local_get : {
  uint32_t index;
  if (!read_u32(q, end, index) || index >= local_count)
    goto out;
  st[sp++] = locals[index];
  CAPBOX_NEXT();
}
op_local_set:
op_local_tee : {
  uint32_t index;
  if (!read_u32(q, end, index) || index >= local_count || sp == fh ||
      st[sp - 1] != locals[index])
    goto out;
  sp -= sig->fast == kLocalSet;
  CAPBOX_NEXT();
}
op_global_get : {
  uint32_t index;
  if (!read_u32(q, end, index) || index >= global_count)
    goto out;
  st[sp++] = globals[index].type;
  CAPBOX_NEXT();
}
op_global_set : {
  uint32_t index;
  if (!read_u32(q, end, index) || index >= global_count ||
      globals[index].mutability != Mutability::Var || sp == fh ||
      st[sp - 1] != globals[index].type)
    goto out;
  --sp;
  CAPBOX_NEXT();
}
op_memory_size:
  if (!memory || q == end || *q != 0)
    goto out;
  ++q;
  st[sp++] = ValType::I32;
  CAPBOX_NEXT();
op_memory_grow:
  if (!memory || q == end || *q != 0 || sp == fh || st[sp - 1] != ValType::I32)
    goto out;
  ++q;
  CAPBOX_NEXT();
op_i32_const:
  if (!skip_signed(q, end, 32))
    goto out;
  st[sp++] = ValType::I32;
  CAPBOX_NEXT();
op_i64_const:
  if (!skip_signed(q, end, 64))
    goto out;
  st[sp++] = ValType::I64;
  CAPBOX_NEXT();
op_f32_const:
op_f64_const : {
  size_t size = sig->fast == kF32Const ? 4 : 8;
  if (static_cast<size_t>(end - q) < size)
    goto out;
  q += size;
  st[sp++] = sig->fast == kF32Const ? ValType::F32 : ValType::F64;
  CAPBOX_NEXT();
}
#undef CAPBOX_NEXT
out:
  vals_.set_size(sp);
  pos = p;
}

}  // namespace capbox::engine::validation
