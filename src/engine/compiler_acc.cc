// SPDX-License-Identifier: Apache-2.0
// The accumulator pass (acc.def): once a function's code is final, each
// instruction that reads the result of the one just before it, with no
// branch landing between them, becomes its variant that takes the value
// from the accumulator register instead of the slot. Run last, after
// every peephole, so no fusion has to know about variants.
#include <algorithm>
#include <array>
#include <bit>
#include <cstring>
#include <utility>
#include <vector>

#include "engine/code_walk.h"
#include "engine/compiler_func.h"

namespace capbox::engine {
namespace {

constexpr size_t kOps = static_cast<size_t>(Op::kCount);

// Which accumulators a producer fills (a bit each), or a variant reads.
namespace kind {
enum AccKind : uint8_t { None = 0, I = 1, F = 2, IF = 3 };
}
using kind::AccKind;

struct Producer {
  AccKind kind = kind::None;
  uint8_t dest = 0;
};
constexpr std::array<Producer, kOps> make_producers() {
  std::array<Producer, kOps> p{};
#define CAPBOX_ACC_PRODUCER(Base, Kind, d) \
  p[static_cast<size_t>(Op::Base)] = {kind::Kind, d};
#include "engine/acc.def"
  return p;
}
constexpr std::array<Producer, kOps> kProducers = make_producers();

// Operands each op writes before it reads what a variant takes from the
// accumulator.
constexpr std::array<uint8_t, kOps> make_early_writes() {
  std::array<uint8_t, kOps> w{};
#define CAPBOX_ACC_WRITES(Base, mask) w[static_cast<size_t>(Op::Base)] = mask;
#include "engine/acc.def"
  return w;
}
constexpr std::array<uint8_t, kOps> kEarlyWrites = make_early_writes();

struct Variant {
  Op base;
  Op variant;
  AccKind kind;
  uint8_t mask;
};
constexpr Variant kVariants[] = {
#define CAPBOX_ACC_CONSUMER(Name, Base, Kind, mask) \
  {Op::Base, Op::Name, kind::Kind, mask},
#include "engine/acc.def"
};
constexpr uint16_t kVariantCount = std::size(kVariants);

// Where each op's variants start in kVariants (kVariantCount: it has
// none). acc.def lists an op's variants together; checked below.
constexpr std::array<uint16_t, kOps> make_first_variants() {
  std::array<uint16_t, kOps> first{};
  first.fill(kVariantCount);
  for (uint16_t i = kVariantCount; i-- > 0;)
    first[static_cast<size_t>(kVariants[i].base)] = i;
  return first;
}
constexpr std::array<uint16_t, kOps> kFirstVariants = make_first_variants();
constexpr bool variants_grouped() {
  for (uint16_t i = 0; i < kVariantCount; ++i) {
    const uint16_t first =
        kFirstVariants[static_cast<size_t>(kVariants[i].base)];
    for (uint16_t j = first; j < i; ++j) {
      if (kVariants[j].base != kVariants[i].base)
        return false;
    }
  }
  return true;
}
static_assert(variants_grouped(), "acc.def: list an op's variants together");

// The variant of `consumer` (whose operands start at `operands`) reading
// the most operands from an accumulator of `kind` holding slot `slot`;
// kCount if none fits.
Op best_variant(Op consumer,
                const uint32_t* operands,
                AccKind kind,
                uint32_t slot) {
  Op best = Op::kCount;
  int best_reads = 0;
  const uint8_t early = kEarlyWrites[static_cast<size_t>(consumer)];
  for (uint32_t k = 0; k < 8; ++k) {
    if (((early >> k) & 1) && operands[k] == slot)
      return best;
  }
  for (uint16_t i = kFirstVariants[static_cast<size_t>(consumer)];
       i < kVariantCount && kVariants[i].base == consumer; ++i) {
    const Variant& v = kVariants[i];
    if (!(v.kind & kind))
      continue;
    bool fits = true;
    for (uint32_t k = 0; k < 8 && fits; ++k)
      fits = !((v.mask >> k) & 1) || operands[k] == slot;
    if (fits && std::popcount(v.mask) > best_reads) {
      best = v.variant;
      best_reads = std::popcount(v.mask);
    }
  }
  return best;
}

}  // namespace

void FunctionCompiler::forward_results() {
  std::sort(targets_.begin(), targets_.end());
  std::vector<std::pair<uint32_t, Op>> rewrites;
  size_t next_target = 0;
  Producer last;  // the instruction before, if it produced
  uint32_t last_dest = 0;
  for (const CodeInstruction& in :
       decode_instructions(handlers_, code_.data(), fn_.code_start, pos())) {
    const uint32_t at = in.start;
    while (next_target < targets_.size() && targets_[next_target] < at)
      ++next_target;
    const bool landed_on =
        next_target < targets_.size() && targets_[next_target] == at;
    if (last.kind != kind::None && !landed_on) {
      Op v = best_variant(in.op, &code_[at + 2], last.kind, last_dest);
      if (v != Op::kCount)
        rewrites.emplace_back(at, v);
    }
    last = kProducers[static_cast<size_t>(in.op)];
    if (last.kind != kind::None)
      last_dest = code_[at + 2 + last.dest];
  }
  // None if the walk lost step: then nothing is rewritten.
  for (const auto& [start, variant] : rewrites) {
    const void* h = handlers_[static_cast<size_t>(variant)];
    std::memcpy(&code_[start], &h, sizeof h);
  }
}

}  // namespace capbox::engine
