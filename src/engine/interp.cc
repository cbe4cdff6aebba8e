// SPDX-License-Identifier: Apache-2.0
// The dispatch loop. Written for speed, so it is the one long function of the
// engine: direct-threaded code (each instruction starts with its handler's
// address; computed goto, which g++ and clang both support), operands are
// frame-slot indices, and the hot state (pc, frame pointer, memory base and
// size) lives in locals the compiler keeps in registers. Calls push a Frame
// on our own call stack, never the host's: deep guest recursion ends in a
// "call stack exhausted" trap.
//
// Memory accesses are bounds-checked explicitly: one add and one compare
// against the size kept in a register, a branch that is always predicted.
// Measured against a build with the checks removed (unsafe, 3 runs, best
// user time, g++): sort 1.13 s vs 1.09, sha256 2.61 vs 2.51, hashmap 1.61
// vs 1.54, memops 3.67 vs 3.36, so the checks cost 4-8%. Guard pages would
// win that back, but a fault must then be turned into a precise trap (the
// wasm instruction's offset, with the interpreter's pc recovered from the
// signal context) and a fault that is not a guest access must still crash;
// that machinery is left for the engine's performance issue. Each memory
// already reserves its whole address range once (memory.cc), so the switch
// stays local to the handlers and the SIGSEGV path.
#include "engine/interp.h"

#include <sys/mman.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <memory>

#include "engine/bulk_loops.h"
#include "engine/compiled.h"
#include "engine/compiler.h"
#include "engine/guard.h"
#include "engine/mem_access.h"
#include "engine/ops.h"
#include "engine/runtime.h"
#include "engine/simd_mem.h"
#include "engine/simd_ops.h"
#include "engine/wasm_float.h"
#if CAPBOX_OP_PROFILE
#include "engine/op_profile.h"
#endif

namespace capbox::engine {
namespace {

struct Frame {
  const uint32_t* ret_pc;
  uint64_t* fp;
  Instance* inst;
};

inline float f32_of(uint64_t bits) {
  return std::bit_cast<float>(static_cast<uint32_t>(bits));
}
inline double f64_of(uint64_t bits) {
  return std::bit_cast<double>(bits);
}
inline uint64_t bits_of(float f) {
  return std::bit_cast<uint32_t>(f);
}
inline uint64_t bits_of(double d) {
  return std::bit_cast<uint64_t>(d);
}

// libm's rounding functions may return a signalling NaN unchanged; wasm
// requires the result to be a quiet (arithmetic) NaN.
template <typename F>
F quiet_nan_or(F x, F rounded) {
  return std::isnan(x) ? x + x : rounded;
}

// A memory with no pages, for instances without memory: every access is
// out of bounds without a null check on the hot path.
MemoryInst* empty_memory() {
  static MemoryInst* empty = new MemoryInst();
  return empty;
}

// Zeroes a new frame's declared locals. Most functions have a handful, for
// which a call to memset costs more than the stores.
inline void zero_locals(uint64_t* p, uint32_t n) {
  switch (n) {
    case 4:
      p[3] = 0;
      [[fallthrough]];
    case 3:
      p[2] = 0;
      [[fallthrough]];
    case 2:
      p[1] = 0;
      [[fallthrough]];
    case 1:
      p[0] = 0;
      [[fallthrough]];
    case 0:
      return;
    default:
      std::memset(p, 0, n * sizeof(uint64_t));
  }
}

// Zeroes the locals of a new frame at fp (the callee's slot counts, as in
// CompiledFunction). With at most four locals and room for four slots,
// four stores without a jump on the count (a switch's indirect jump,
// shared by every call, predicts badly): the slots past the locals are
// temps, written before they are read.
inline void zero_frame_locals(uint64_t* fp,
                              uint32_t param_slots,
                              uint32_t local_slots,
                              uint32_t frame_slots) {
  uint64_t* p = fp + param_slots;
  // [[likely]]: g++ laid these stores out of line, two taken jumps on most
  // calls (Lua 0.970 with them inline).
  if (local_slots <= 4 && frame_slots >= param_slots + 4) [[likely]] {
    p[0] = 0;
    p[1] = 0;
    p[2] = 0;
    p[3] = 0;
    return;
  }
  // Five to eight, a third of Lua's calls with more than four: eight
  // stores cost less than a call to memset.
  if (local_slots <= 8 && frame_slots >= param_slots + 8) {
    for (int i = 0; i < 8; ++i)
      p[i] = 0;
    return;
  }
  zero_locals(p, local_slots);
}

// The dispatch loop's state besides pc, fp and mem. run() keeps it in a
// local whose address escapes (to call_host and the fault handler), so
// both compilers leave it in memory, one L1 load away: with more live
// values in registers clang spills fp, which every handler reads.
struct RunContext {
  Frame* fsp;
  Frame* frames_end;
  uint64_t* stack_end;
  Instance* inst;
  const CompiledFunction* fcode;
  const uint32_t* code_base;
  FuncInst* const* funcs;
  GlobalInst* const* globals;
  MemoryInst* mem_inst;
};

// A copy of `v` the compiler cannot trace back to where it came from: a
// value read from facc (run()) is then an ordinary one, kept across calls,
// and never read again from the register a call may have clobbered.
inline double detach(double v) {
#if defined(__x86_64__)
  asm("" : "+x"(v));
#endif
  return v;
}

#ifndef CAPBOX_ACC_CHECK
#define CAPBOX_ACC_CHECK 0
#endif
#if CAPBOX_ACC_CHECK
// The checking build's guard on acc.def's contract: a variant's
// accumulator must hold what the slot it stands for holds. A mismatch is
// a compiler or handler bug, never the guest's doing.
[[noreturn, gnu::noinline]] void accumulator_mismatch(uint64_t acc,
                                                      uint64_t slot) {
  std::fprintf(stderr,
               "capbox: internal error: accumulator %#llx, slot %#llx\n",
               static_cast<unsigned long long>(acc),
               static_cast<unsigned long long>(slot));
  std::abort();
}
inline uint64_t acc_checked(uint64_t acc, uint64_t slot) {
  if (acc != slot)
    accumulator_mismatch(acc, slot);
  return acc;
}
inline double facc_checked(double facc, uint64_t slot) {
  if (std::bit_cast<uint64_t>(facc) != slot)
    accumulator_mismatch(std::bit_cast<uint64_t>(facc), slot);
  return facc;
}
#endif

inline const void* handler_at(const uint32_t* pc) {
  const void* h;
  std::memcpy(&h, pc, sizeof h);
  return h;
}

// The table branches' landing pads (interp_loop.inc): one per index below
// kBranchPads, X(h, l) for the index's two hex digits.
constexpr uint32_t kBranchPads = 256;
// clang-format off
#define CAPBOX_PADS16(X, h)                                               \
  X(h, 0) X(h, 1) X(h, 2) X(h, 3) X(h, 4) X(h, 5) X(h, 6) X(h, 7)         \
  X(h, 8) X(h, 9) X(h, A) X(h, B) X(h, C) X(h, D) X(h, E) X(h, F)
#define CAPBOX_PADS(X)                                                    \
  CAPBOX_PADS16(X, 0) CAPBOX_PADS16(X, 1) CAPBOX_PADS16(X, 2)             \
  CAPBOX_PADS16(X, 3) CAPBOX_PADS16(X, 4) CAPBOX_PADS16(X, 5)             \
  CAPBOX_PADS16(X, 6) CAPBOX_PADS16(X, 7) CAPBOX_PADS16(X, 8)             \
  CAPBOX_PADS16(X, 9) CAPBOX_PADS16(X, A) CAPBOX_PADS16(X, B)             \
  CAPBOX_PADS16(X, C) CAPBOX_PADS16(X, D) CAPBOX_PADS16(X, E)             \
  CAPBOX_PADS16(X, F)
// clang-format on

}  // namespace

struct Executor::State {
  ExecutorLimits limits;
  uint64_t* stack = nullptr;  // mmap'd value stack
  uint64_t* stack_end = nullptr;
  // Uninitialised on purpose: only the frames a run reaches are touched.
  std::unique_ptr<Frame[]> frames;
  size_t frame_count = 0;
  uint64_t fuel = 0;
  uint64_t fuel_consumed = 0;  // by the invokes that have returned
  bool running = false;
  Trap host_trap;  // a host function's trap, when kind == HostError etc.
  // Where a trap happened.
  const uint32_t* trap_pc = nullptr;
  Instance* trap_inst = nullptr;
  Frame* trap_fsp = nullptr;   // one past the innermost caller's frame
  uint32_t exit_code[2] = {};  // the ExitInterp instruction

  ~State() {
    if (stack)
      munmap(stack, limits.value_stack_slots * sizeof(uint64_t));
  }
};

namespace {

enum class RunResult : uint8_t { Ok, Trap, HostTrap };

// Calls a host function with its arguments and results in `slots`. Kept out
// of the dispatch loop: its locals have destructors, which computed goto
// must not jump over. False if it trapped (the trap is in st->host_trap).
[[gnu::noinline]] bool call_host(Executor::State* st,
                                 const FuncInst* callee,
                                 Instance* inst,
                                 MemoryInst* memory,
                                 uint64_t* slots,
                                 const void* context) {
  // `context` is the dispatch loop's state; taking it here keeps it in
  // memory (see run()).
  (void)context;
  HostCall call(inst, inst->memories.empty() ? nullptr : memory);
  std::optional<Trap> trap = callee->host(call, slots, slots);
  if (!trap)
    return true;
  st->host_trap = std::move(*trap);
  return false;
}

// Runs until the sentinel frame returns. With st == nullptr, returns the
// handler table through `table_out` instead (the compiler needs it).
RunResult run(Executor::State* st,
              Frame* frames,
              Instance* inst,
              const uint32_t* pc,
              uint64_t* fp,
              TrapKind* trap_kind,
              const void* const** table_out);

}  // namespace

const void* const* interp_handlers() {
  static const void* const* table = [] {
    const void* const* t = nullptr;
    run(nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, &t);
    return t;
  }();
  return table;
}

namespace {

#define CAPBOX_INTERP_BODY
#include "engine/interp_loop.inc"
#undef CAPBOX_INTERP_BODY

// Where `pc` is: function index, binary offset and name. False if pc is
// not in `inst`'s code.
bool locate_frame(TraceFrame& out, const Instance* inst, const uint32_t* pc) {
  if (inst == nullptr || pc == nullptr)
    return false;
  const CompiledModule& m = *inst->module;
  if (pc < m.code.data() || pc >= m.code.data() + m.code.size())
    return false;
  auto code_offset = static_cast<uint32_t>(pc - m.code.data());
  if (code_offset < m.stub_words) {
    out.function = m.module.imported_funcs + code_offset / kLazyStubWords;
  } else {
    // code_order lists the compiled functions by code_start.
    auto it = std::upper_bound(m.code_order.begin(), m.code_order.end(),
                               code_offset, [&m](uint32_t off, uint32_t f) {
                                 return off < m.functions[f].code_start;
                               });
    if (it == m.code_order.begin())
      return false;
    out.function = m.functions[*std::prev(it)].func_index;
  }
  out.offset = wasm_offset_at(m.source_map, code_offset);
  // The name section's name, else the name it is exported under.
  auto name = m.module.function_names.find(out.function);
  if (name != m.module.function_names.end()) {
    out.function_name = name->second;
    return true;
  }
  for (const Export& e : m.module.exports) {
    if (e.kind == ExternKind::Func && e.index == out.function) {
      out.function_name = e.name;
      break;
    }
  }
  return true;
}

// Fills the trap's location and backtrace: the trapping pc, then the call
// site of each frame below it. A frame's return pc is just past its call
// instruction, so pc - 1 lies inside that call.
void locate(Trap& trap,
            const Instance* inst,
            const uint32_t* pc,
            const Frame* first,
            const Frame* last) {
  TraceFrame here;
  if (trap.function == Trap::kNoFunction && locate_frame(here, inst, pc)) {
    trap.function = here.function;
    trap.offset = here.offset;
    trap.function_name = here.function_name;
  }
  if (trap.function != Trap::kNoFunction)
    trap.backtrace.push_back(
        TraceFrame{trap.function, trap.offset, trap.function_name});
  for (const Frame* f = last; f != nullptr && f > first;) {
    --f;
    if (trap.backtrace.size() == Trap::kMaxBacktrace) {
      trap.omitted_frames = static_cast<size_t>(f - first) + 1;
      break;
    }
    TraceFrame caller;
    if (locate_frame(caller, f->inst, f->ret_pc - 1))
      trap.backtrace.push_back(std::move(caller));
  }
}

#if CAPBOX_GUARD_PAGES
struct FaultCapture : guard::FaultTarget {
  Executor::State* st = nullptr;
};

// Called by the SIGSEGV handler on the faulting stack, while run()'s
// frame (and its RunContext) is still intact.
void capture_fault(guard::FaultTarget* target) {
  auto* capture = static_cast<FaultCapture*>(target);
  const auto* c = static_cast<const RunContext*>(target->context);
  capture->st->trap_pc = target->pc;
  capture->st->trap_inst = c->inst;
  capture->st->trap_fsp = c->fsp;
}
#endif

// run() with the guard-page fault handler armed on this thread: a guest
// access that faults comes back here as an out-of-bounds trap.
RunResult run_guarded(Executor::State* st,
                      Frame* frames,
                      Instance* inst,
                      const uint32_t* pc,
                      uint64_t* fp,
                      TrapKind* kind) {
#if CAPBOX_GUARD_PAGES
  guard::install_handler();
  FaultCapture capture;
  capture.capture = capture_fault;
  capture.st = st;
  guard::current_target() = &capture;
  RunResult r;
  if (sigsetjmp(capture.jump, 0) == 0) {
    r = run(st, frames, inst, pc, fp, kind, nullptr);
  } else {
    r = RunResult::Trap;
    *kind = TrapKind::MemoryOutOfBounds;
  }
  guard::current_target() = nullptr;
  return r;
#else
  return run(st, frames, inst, pc, fp, kind, nullptr);
#endif
}

}  // namespace

Executor::Executor(const ExecutorLimits& limits) : state_(new State) {
  set_limits(limits);
}

Executor::~Executor() = default;

uint64_t Executor::fuel_consumed() const {
  return state_->fuel_consumed;
}

void Executor::set_limits(const ExecutorLimits& limits) {
  State& st = *state_;
  if (st.stack && limits.value_stack_slots != st.limits.value_stack_slots) {
    munmap(st.stack, st.limits.value_stack_slots * sizeof(uint64_t));
    st.stack = nullptr;
  }
  st.limits = limits;
  st.frame_count = size_t{limits.max_call_depth} + 1;
  st.frames = std::make_unique_for_overwrite<Frame[]>(st.frame_count);
}

std::optional<Trap> Executor::invoke(FuncInst* func, uint64_t* slots) {
  State& st = *state_;
  if (func->code == nullptr) {
    HostCall call(nullptr, nullptr);
    return func->host(call, slots, slots);
  }
  if (st.running) {
    return Trap::host_error(
        "re-entrant calls into the guest are not supported");
  }
  if (st.stack == nullptr) {
    size_t bytes = st.limits.value_stack_slots * sizeof(uint64_t);
    void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) {
      return Trap::host_error("cannot allocate the value stack");
    }
    st.stack = static_cast<uint64_t*>(p);
    st.stack_end = st.stack + st.limits.value_stack_slots;
  }
  const CompiledFunction& cf = *func->code;
  uint32_t arity = std::max(cf.param_slots, cf.result_slots);
  if (cf.frame_slots > st.limits.value_stack_slots) {
    return Trap::of(TrapKind::CallStackExhausted);
  }
  std::memcpy(st.stack, slots, arity * sizeof(uint64_t));
  std::memset(st.stack + cf.param_slots, 0, cf.local_slots * sizeof(uint64_t));
  const void* exit_handler =
      interp_handlers()[static_cast<int>(Op::ExitInterp)];
  std::memcpy(st.exit_code, &exit_handler, sizeof exit_handler);
  st.frames[0] = Frame{st.exit_code, nullptr, nullptr};
  st.fuel = st.limits.fuel == 0 ? UINT64_MAX : st.limits.fuel;
  st.running = true;
  TrapKind kind = TrapKind::Unreachable;
  const uint32_t* entry = func->instance->module->code.data() + cf.code_start;
  const uint64_t fuel_given = st.fuel;
  RunResult r = run_guarded(&st, st.frames.get() + 1, func->instance, entry,
                            st.stack, &kind);
  st.running = false;
#if CAPBOX_OP_PROFILE
  op_profile::dump(interp_handlers(), static_cast<size_t>(Op::kCount));
#endif
  st.fuel_consumed += fuel_given - st.fuel;
  if (r == RunResult::Ok) {
    std::memcpy(slots, st.stack, cf.result_slots * sizeof(uint64_t));
    return std::nullopt;
  }
  Trap trap = r == RunResult::HostTrap ? st.host_trap : Trap::of(kind);
  locate(trap, st.trap_inst, st.trap_pc, st.frames.get() + 1, st.trap_fsp);
  return trap;
}

}  // namespace capbox::engine
