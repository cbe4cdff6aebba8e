// SPDX-License-Identifier: Apache-2.0
// Out-of-bounds accesses trap precisely whichever way bounds are enforced
// (guard pages or explicit checks), and with guard pages a fault that is
// not a guest access still kills the process.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "api_helpers.h"
#include "engine/mem_access.h"

namespace capbox::engine::api_test {
namespace {

constexpr std::string_view kAccesses = R"(
  (module
    (memory (export "memory") 1)
    (func $load (param i32) (result i64)
      (i64.load offset=16 (local.get 0)))
    (func $copy (param i32)
      (i32.store (local.get 0) (i32.load (i32.const 0))))
    (func (export "load") (param i32) (result i64)
      (call $load (local.get 0)))
    (func (export "copy") (param i32)
      (call $copy (local.get 0)))
    (func (export "grow_then_load") (param i32) (result i64)
      (drop (memory.grow (i32.const 1)))
      (i64.load (local.get 0))))
)";

Trap trap_of(Store& store, FuncInst* f, uint32_t arg) {
  std::vector<Value> args = {Value::i32(arg)};
  auto r = store.call(f, args);
  REQUIRE_FALSE(r.has_value());
  return r.error();
}

TEST_CASE("out-of-bounds accesses trap at the access, with a backtrace") {
  Store store;
  Instance* inst = instantiate(store, kAccesses);
  FuncInst* load = export_func(store, inst, "load");
  // The last in-bounds i64 at offset 16 is at 65536 - 8 - 16.
  CHECK(call1(store, load, {Value::i32(65512)}).bits == 0);
  for (uint32_t addr : {65513u, 65536u, 0x7fffffffu, 0xffffffffu}) {
    Trap t = trap_of(store, load, addr);
    CHECK(t.kind == TrapKind::MemoryOutOfBounds);
    CHECK(t.function == 0);
    REQUIRE(t.backtrace.size() == 2);
    CHECK(t.backtrace[1].function == 2);
  }
  // The fused load+store reports the store half: a different offset.
  FuncInst* copy = export_func(store, inst, "copy");
  Trap store_trap = trap_of(store, copy, 65535);
  CHECK(store_trap.kind == TrapKind::MemoryOutOfBounds);
  CHECK(store_trap.function == 1);
  CHECK(store_trap.offset != trap_of(store, load, 65536).offset);
  // Memory that grew is accessible at once.
  FuncInst* grow = export_func(store, inst, "grow_then_load");
  CHECK(call1(store, grow, {Value::i32(65536)}).bits == 0);
  Trap beyond = trap_of(store, grow, 3 * 65536);
  CHECK(beyond.kind == TrapKind::MemoryOutOfBounds);
}

#if CAPBOX_GUARD_PAGES
// In a child, because the point is that it dies.
int status_of_child(void (*body)()) {
  pid_t pid = fork();
  if (pid == 0) {
    body();
    _exit(0);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  return status;
}

TEST_CASE("a fault that is not a guest access still crashes") {
  // Host code reading past a guest memory, inside its reservation: the
  // address is one we registered, but the instruction is not a guest's.
  int status = status_of_child([] {
    Store store;
    Instance* inst = instantiate(store, kAccesses);
    (void)store.call(export_func(store, inst, "load"),
                     std::vector<Value>{Value::i32(0)});
    auto memory = store.find_export(inst, "memory");
    const uint8_t* base =
        Store::memory_view(memory->memory).bytes(0, 1)->data();
    volatile uint8_t byte = base[65536];
    (void)byte;
  });
  CHECK(WIFSIGNALED(status));
  CHECK(WTERMSIG(status) == SIGSEGV);
  // A wild pointer while the handler is installed.
  status = status_of_child([] {
    Store store;
    (void)instantiate(store, kAccesses);
    // Laundered through a volatile so the compiler cannot see it is wild.
    volatile uintptr_t address = 16;
    *reinterpret_cast<volatile int*>(address) = 1;
  });
  CHECK(WIFSIGNALED(status));
  CHECK(WTERMSIG(status) == SIGSEGV);
  // A SIGSEGV sent by kill is not a guest fault either.
  status = status_of_child([] {
    Store store;
    (void)instantiate(store, kAccesses);
    raise(SIGSEGV);
  });
  CHECK(WIFSIGNALED(status));
  CHECK(WTERMSIG(status) == SIGSEGV);
}
#endif

}  // namespace
}  // namespace capbox::engine::api_test
