// SPDX-License-Identifier: Apache-2.0
// compile_module: runs FunctionCompiler over every defined function, in
// order, into one code buffer per module; or, lazily, gives each function
// a stub that compiles it on its first call (compile_function).
#include "engine/compiler.h"

#include <sys/mman.h>

#include <cstring>
#include <new>

#include "engine/compiler_func.h"
#include "engine/ops.h"

namespace capbox::engine {
namespace {

// Buffers from this size on are mapped, not allocated.
constexpr size_t kMappedBytes = size_t{1} << 20;
// Room reserved for a lazily compiled module's code: 2^32 words (16 GiB of
// address space, none of it resident until written), twice what the
// compiler's own limit of 2^31 words lets a module's code reach before it
// refuses a function as too large.
constexpr size_t kLazyReserveWords = size_t{1} << 32;
// Lazy only up to this module size: the reservation then allows 128 words
// of code per byte of module, several times what any function compiles
// to, so compiling a body never outgrows it (compile_function checks).
constexpr size_t kLazyMaxModuleBytes = size_t{32} << 20;

void* map_reserved(size_t bytes) {
  void* p = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  return p == MAP_FAILED ? nullptr : p;
}

}  // namespace

template <typename T>
T* CodeAllocator<T>::allocate(size_t n) {
  if (n * sizeof(T) < kMappedBytes)
    return static_cast<T*>(::operator new(n * sizeof(T)));
  void* p = map_reserved(n * sizeof(T));
  if (p == nullptr)
    throw std::bad_alloc();  // as operator new would
  return static_cast<T*>(p);
}

template <typename T>
void CodeAllocator<T>::deallocate(T* p, size_t n) {
  if (n * sizeof(T) < kMappedBytes)
    ::operator delete(p);
  else
    ::munmap(p, n * sizeof(T));
}

template struct CodeAllocator<uint32_t>;

Result<void, LoadError> compile_module(CompiledModule& out) {
  out.functions.clear();
  out.code.clear();
  out.source_map.clear();
  out.code_order.clear();
  out.pending_calls.clear();
  out.stub_words = 0;
  const size_t n = out.module.functions.size();
  out.functions.reserve(n);
  out.code_order.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    FunctionCompiler fc(out, static_cast<uint32_t>(i), out.metered);
    auto r = fc.compile();
    if (!r)
      return r;
    out.code_order.push_back(static_cast<uint32_t>(i));
  }
  out.code.shrink_to_fit();
  out.source_map.shrink_to_fit();
  return {};
}

bool prepare_lazy(CompiledModule& out) {
  const Module& m = out.module;
  const size_t n = m.functions.size();
  if (m.bytes.size() > kLazyMaxModuleBytes)
    return false;
  // Probed first: reserve() could only report a failure by throwing.
  void* probe = map_reserved(kLazyReserveWords * sizeof(uint32_t));
  if (probe == nullptr)
    return false;
  ::munmap(probe, kLazyReserveWords * sizeof(uint32_t));
  out.code = CodeWords();
  out.code.reserve(kLazyReserveWords);
  out.source_map.clear();
  out.code_order.clear();
  out.pending_calls.clear();
  out.functions.assign(n, CompiledFunction{});
  const void* handler = interp_handlers()[static_cast<int>(Op::LazyCompile)];
  uint32_t handler_words[2];
  static_assert(sizeof handler_words == sizeof handler);
  std::memcpy(handler_words, &handler, sizeof handler);
  for (size_t i = 0; i < n; ++i) {
    const FuncType& type = m.types[m.functions[i]];
    CompiledFunction& f = out.functions[i];
    f.func_index = m.imported_funcs + static_cast<uint32_t>(i);
    f.code_start = static_cast<uint32_t>(out.code.size());
    // In slots, as FunctionCompiler counts them (a v128 takes two).
    f.param_slots = slot_count(type.params);
    f.local_slots = declared_local_slots(m.codes[i]);
    f.result_slots = slot_count(type.results);
    // What the stub itself needs (the call zeroes the locals); the
    // LazyCompile op checks the compiled body's frame.
    f.frame_slots = f.param_slots + f.local_slots;
    out.code.insert(out.code.end(), {handler_words[0], handler_words[1],
                                     static_cast<uint32_t>(i)});
  }
  out.stub_words = static_cast<uint32_t>(out.code.size());
  return true;
}

bool compile_function(CompiledModule& out, uint32_t defined_index) {
  if (out.functions[defined_index].code_start >= out.stub_words)
    return true;
  const uint32_t* base = out.code.data();
  const size_t code_size = out.code.size();
  const size_t map_size = out.source_map.size();
  FunctionCompiler fc(out, defined_index, out.metered);
  const bool compiled = static_cast<bool>(fc.compile());
  if (out.code.data() != base)
    return false;  // cannot happen within the reservation (see above)
  if (!compiled) {
    out.code.resize(code_size);
    out.source_map.resize(map_size);
    return false;
  }
  out.code_order.push_back(defined_index);
  return true;
}

}  // namespace capbox::engine
