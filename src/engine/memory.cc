// SPDX-License-Identifier: Apache-2.0
// Linear memories and tables: allocation and growth. A memory reserves its
// whole address space once, so `base` never moves and a grow only commits
// pages. With guard pages (mem_access.h) the reservation covers every
// address an access can form (guard::kReservation) and the interpreter
// does not check bounds; otherwise it covers max_pages and the interpreter
// checks against `size`. Depends on nothing above runtime.h and guard.h.
#include <sys/mman.h>

#include "engine/guard.h"
#include "engine/host_api.h"
#include "engine/runtime.h"

namespace capbox::engine {

bool MemoryInst::allocate(uint64_t initial_pages) {
  if (base != nullptr || initial_pages > max_pages || max_pages > 65536)
    return false;
  size = 0;
#if CAPBOX_GUARD_PAGES
  // Even a memory of zero pages needs its guard: accesses are unchecked.
  const uint64_t bytes = guard::kReservation;
#else
  if (max_pages == 0)
    return true;  // nothing to reserve; base stays null
  const uint64_t bytes = max_pages * kPageSize;
#endif
  void* p = mmap(nullptr, bytes, PROT_NONE,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED)
    return false;
  base = static_cast<uint8_t*>(p);
  reserved = bytes;
#if CAPBOX_GUARD_PAGES
  guard::install_handler();
  if (!guard::add_reservation(base)) {
    munmap(base, reserved);
    base = nullptr;
    return false;
  }
#endif
  return grow(initial_pages) == 0;
}

MemoryInst::~MemoryInst() {
  if (base == nullptr)
    return;
#if CAPBOX_GUARD_PAGES
  guard::remove_reservation(base);
#endif
  munmap(base, reserved);
}

int64_t MemoryInst::grow(uint64_t delta) {
  uint64_t old_pages = pages();
  if (delta == 0)
    return static_cast<int64_t>(old_pages);
  if (delta > max_pages - old_pages) {
    if (delta <= declared_max_pages - old_pages)
      ++grows_refused_by_limit;
    return -1;
  }
  uint64_t new_size = (old_pages + delta) * kPageSize;
  if (base == nullptr || new_size > max_pages * kPageSize ||
      new_size > reserved)
    return -1;
  if (mprotect(base + size, new_size - size, PROT_READ | PROT_WRITE) != 0)
    return -1;
  size = new_size;
  return static_cast<int64_t>(old_pages);
}

int64_t TableInst::grow(uint32_t delta, uint64_t init) {
  uint64_t old_size = elements.size();
  // Checked before resizing, so a huge request never reaches the allocator.
  if (old_size > max || delta > max - old_size)
    return -1;
  elements.resize(old_size + delta, init);
  return static_cast<int64_t>(old_size);
}

GuestMemory HostCall::memory() const {
  if (memory_ == nullptr)
    return GuestMemory();
  return GuestMemory(memory_->base, memory_->size);
}

}  // namespace capbox::engine
