// SPDX-License-Identifier: Apache-2.0
// Runtime objects (the spec's "store" contents): function, table, memory and
// global instances, and module instances. Internal to the engine; embedders
// hold them only as opaque pointers through engine.h.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "engine/compiled.h"
#include "engine/engine.h"
#include "engine/host_api.h"
#include "engine/module.h"

namespace capbox::engine {

struct FuncInst {
  // Exactly one of `code` (a wasm function) and `host` (a host function) is
  // set. For wasm functions `instance` is the owning instance.
  const CompiledFunction* code = nullptr;
  Instance* instance = nullptr;
  uint32_t type_id = 0;  // interned type, compared by call_indirect
  const FuncType* type = nullptr;
  uint32_t index = 0;  // in its module's function index space
  HostCallback host;
};

struct MemoryInst {
  MemoryType type;
  uint8_t* base = nullptr;     // start of the reservation; never moves
  uint64_t size = 0;           // accessible bytes = pages * 65536
  uint64_t max_pages = 65536;  // declared max, capped by the store limit
  uint64_t reserved = 0;       // bytes of address space reserved at base
  // The declared max alone (65536 when none), so a refusal can be blamed
  // on the store's limit when the declared max would have allowed it.
  uint64_t declared_max_pages = 65536;
  uint64_t grows_refused_by_limit = 0;

  MemoryInst() = default;
  ~MemoryInst();
  MemoryInst(const MemoryInst&) = delete;
  MemoryInst& operator=(const MemoryInst&) = delete;

  uint64_t pages() const { return size / kPageSize; }
  // Grows by `delta` pages; returns the old size in pages, or -1 if the
  // memory cannot grow that far (the guest sees -1, nothing traps).
  int64_t grow(uint64_t delta);
  // Reserves address space for max_pages and commits `initial` pages.
  // False if the host refuses the mapping.
  bool allocate(uint64_t initial_pages);

  static constexpr uint64_t kPageSize = 65536;
};

struct TableInst {
  TableType type;
  std::vector<uint64_t> elements;  // Ref bits: 0 is null
  uint64_t max = UINT32_MAX;       // declared max, capped by the store limit

  uint32_t size() const { return static_cast<uint32_t>(elements.size()); }
  // Returns the old size, or -1 if it cannot grow that far.
  int64_t grow(uint32_t delta, uint64_t init);
};

struct GlobalInst {
  GlobalType type;
  uint64_t value = 0;  // same encoding as Value::bits
  uint64_t hi = 0;     // a v128's high 64 bits, as Value::hi
};

// A passive element segment's references, resolved at instantiation;
// emptied by elem.drop (and after an active segment is applied).
struct ElemInst {
  std::vector<uint64_t> refs;
};

// A data segment's bytes; size 0 after data.drop.
struct DataInst {
  const uint8_t* bytes = nullptr;
  uint32_t size = 0;
};

struct Instance {
  std::shared_ptr<const CompiledModule> module;
  // Index spaces, imports first. The objects are owned by the Store.
  std::vector<FuncInst*> funcs;
  std::vector<TableInst*> tables;
  std::vector<MemoryInst*> memories;
  std::vector<GlobalInst*> globals;
  std::vector<ElemInst> elems;
  std::vector<DataInst> datas;
};

}  // namespace capbox::engine
