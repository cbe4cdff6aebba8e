// SPDX-License-Identifier: Apache-2.0
// The surface a host (WASI, the spec runner, tests) sees of a running guest:
// host function signatures and a bounds-checked view of linear memory.
// Depends only on engine value and trap types.
#pragma once

#include <cstdint>
#include <cstring>
#include <functional>
#include <optional>
#include <span>

#include "engine/module.h"
#include "engine/trap.h"

namespace capbox::engine {

struct MemoryInst;
struct Instance;

// A checked window onto one linear memory. Every accessor validates
// pointer + length (in 64 bits, so wrap-around cannot pass) against the
// memory's current size; an out-of-range access returns false / nullopt /
// an empty span and touches nothing. The view is invalidated by
// memory.grow: fetch a new one after calling back into the guest.
class GuestMemory {
 public:
  GuestMemory() = default;
  GuestMemory(uint8_t* base, uint64_t size) : base_(base), size_(size) {}

  uint64_t size() const { return size_; }
  bool contains(uint64_t ptr, uint64_t len) const {
    return ptr <= size_ && len <= size_ - ptr;
  }
  // A span of guest bytes, or an empty span with ok == false.
  std::optional<std::span<uint8_t>> bytes(uint32_t ptr, uint32_t len) const {
    if (!contains(ptr, len)) return std::nullopt;
    return std::span<uint8_t>(base_ + ptr, len);
  }
  template <typename T>
  std::optional<T> load(uint32_t ptr) const {
    if (!contains(ptr, sizeof(T))) return std::nullopt;
    T value;
    std::memcpy(&value, base_ + ptr, sizeof(T));
    return value;
  }
  template <typename T>
  bool store(uint32_t ptr, const T& value) const {
    if (!contains(ptr, sizeof(T))) return false;
    std::memcpy(base_ + ptr, &value, sizeof(T));
    return true;
  }

 private:
  uint8_t* base_ = nullptr;
  uint64_t size_ = 0;
};

// What a host function is given besides its arguments.
class HostCall {
 public:
  HostCall(Instance* caller, MemoryInst* memory)
      : caller_(caller), memory_(memory) {}
  // The calling instance (nullptr when called directly by the embedder).
  Instance* caller() const { return caller_; }
  // Memory 0 of the calling instance; an empty view if it has none.
  GuestMemory memory() const;

 private:
  Instance* caller_;
  MemoryInst* memory_;
};

// Arguments and results are raw 64-bit slots in the order of the function
// type: i32 zero-extended, f32/f64 as their bit patterns, references as
// their Ref bits. The results may alias the arguments' storage: read every
// argument before writing the first result. Return a Trap to abort the
// guest, or nullopt on success.
using HostCallback = std::function<std::optional<Trap>(
    HostCall& call, const uint64_t* args, uint64_t* results)>;

}  // namespace capbox::engine
