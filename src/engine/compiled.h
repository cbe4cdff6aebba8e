// SPDX-License-Identifier: Apache-2.0
// The compiled form of a validated module: each function body translated
// once into the interpreter's internal code (see interp.h for its format).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <unordered_map>
#include <vector>

#include "engine/module.h"

namespace capbox::engine {

// Allocates large code buffers as reserved address space (mmap
// MAP_NORESERVE): a lazily compiled module reserves room for all the code
// it may ever hold up front, so the buffer never moves while code in it
// runs, and only the pages written become resident. Small buffers come
// from operator new.
template <typename T>
struct CodeAllocator {
  using value_type = T;
  CodeAllocator() = default;
  template <typename U>
  CodeAllocator(const CodeAllocator<U>&) {}
  T* allocate(size_t n);
  void deallocate(T* p, size_t n);
  bool operator==(const CodeAllocator&) const { return true; }
};
extern template struct CodeAllocator<uint32_t>;
using CodeWords = std::vector<uint32_t, CodeAllocator<uint32_t>>;

struct CompiledFunction {
  uint32_t func_index = 0;   // in the module's function index space
  uint32_t code_start = 0;   // word offset into CompiledModule::code
  uint32_t param_slots = 0;  // parameters occupy slots [0, param_slots)
  uint32_t local_slots = 0;  // declared locals follow, zeroed on entry
  uint32_t frame_slots = 0;  // params + locals + deepest operand stack
  uint32_t result_slots = 0;
};

// Maps a code word offset to the wasm byte offset of the instruction that
// produced it; sorted by code offset. Used only to locate traps.
struct SourceMapEntry {
  uint32_t code_offset;
  uint32_t wasm_offset;
};

// The first entry of `map` past code word `code_offset`.
inline std::vector<SourceMapEntry>::const_iterator source_entry_after(
    const std::vector<SourceMapEntry>& map,
    uint32_t code_offset) {
  return std::upper_bound(map.begin(), map.end(), code_offset,
                          [](uint32_t off, const SourceMapEntry& e) {
                            return off < e.code_offset;
                          });
}

// The wasm offset of the instruction that produced code word
// `code_offset` (0 before the first entry).
inline uint32_t wasm_offset_at(const std::vector<SourceMapEntry>& map,
                               uint32_t code_offset) {
  auto it = source_entry_after(map, code_offset);
  return it == map.begin() ? 0 : std::prev(it)->wasm_offset;
}

struct CompiledModule {
  Module module;
  // Interned id of each entry of module.types; equal ids mean equal types
  // across all modules in the process (call_indirect compares these).
  std::vector<uint32_t> type_ids;
  std::vector<CompiledFunction> functions;  // one per defined function
  CodeWords code;                           // every function's code
  std::vector<SourceMapEntry> source_map;
  // Compiled with fuel checks at function entries and loop heads.
  bool metered = false;
  // Lazy compilation (compiler.h): code[0, stub_words) holds one
  // kLazyStubWords stub per defined function, and code_order the defined
  // functions compiled so far in the order of their code (so by
  // code_start). Eager: no stubs, code_order is 0..n-1.
  uint32_t stub_words = 0;
  std::vector<uint32_t> code_order;
  // Call sites whose callee was not compiled yet, by callee: the word of
  // each site's code start operand (ops.def), which with the frame slots
  // after it is patched when the callee is compiled. Until then the site
  // runs the callee's lazy stub (eager: the site cannot run yet).
  std::unordered_map<uint32_t, std::vector<uint32_t>> pending_calls;
};

// A not yet compiled function's code: the LazyCompile op and its index.
inline constexpr uint32_t kLazyStubWords = 3;

// Interns a function type; equal types get equal ids. Thread-safe.
uint32_t intern_func_type(const FuncType& type);

}  // namespace capbox::engine
