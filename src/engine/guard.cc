// SPDX-License-Identifier: Apache-2.0
// The SIGSEGV handler behind guard pages. A fault is a guest trap only when
// all three hold: a target is armed on this thread (the interpreter is
// running), the faulting instruction is one of the guarded accesses listed
// in the capbox_memfault section, and the faulting address lies in a
// registered memory reservation. Anything else goes to the previous handler
// (or the default action), so host bugs still crash loudly.
#include "engine/guard.h"

#include <signal.h>
#include <ucontext.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <mutex>
#include <vector>

#if CAPBOX_GUARD_PAGES
extern "C" {
// Provided by the linker for the section the access records live in.
extern const capbox::engine::MemFaultRecord __start_capbox_memfault[];
extern const capbox::engine::MemFaultRecord __stop_capbox_memfault[];
}
#endif

namespace capbox::engine::guard {
namespace {

// Reservations: a fixed array of slots, so that the handler can scan it
// without locks. 4096 live memories of 8 GiB is 32 TiB, within the 128 TiB
// a process has.
constexpr size_t kMaxReservations = 4096;
std::atomic<uintptr_t> g_reservations[kMaxReservations];

struct Site {
  uintptr_t insn;
  int greg;      // index into uc_mcontext.gregs
  int32_t delta;
};
std::vector<Site> g_sites;  // sorted by insn; written once, before install
struct sigaction g_previous;
std::once_flag g_install_once;

[[maybe_unused]] int greg_of(const char* name) {
  static const struct {
    const char* name;
    int greg;
  } kRegs[] = {{"%rax", REG_RAX}, {"%rbx", REG_RBX}, {"%rcx", REG_RCX},
               {"%rdx", REG_RDX}, {"%rsi", REG_RSI}, {"%rdi", REG_RDI},
               {"%rbp", REG_RBP}, {"%r8", REG_R8},   {"%r9", REG_R9},
               {"%r10", REG_R10}, {"%r11", REG_R11}, {"%r12", REG_R12},
               {"%r13", REG_R13}, {"%r14", REG_R14}, {"%r15", REG_R15}};
  for (const auto& r : kRegs) {
    if (std::strcmp(name, r.name) == 0)
      return r.greg;
  }
  return -1;
}

void load_sites() {
#if CAPBOX_GUARD_PAGES
  for (const MemFaultRecord* r = __start_capbox_memfault;
       r < __stop_capbox_memfault; ++r) {
    const auto* base = reinterpret_cast<const char*>(r);
    const auto insn = reinterpret_cast<uintptr_t>(base + r->insn);
    const char* reg = base + offsetof(MemFaultRecord, pc_reg) + r->pc_reg;
    const int greg = greg_of(reg);
    if (greg >= 0)
      g_sites.push_back(Site{insn, greg, r->pc_delta});
  }
  std::sort(g_sites.begin(), g_sites.end(),
            [](const Site& a, const Site& b) { return a.insn < b.insn; });
#endif
}

const Site* find_site(uintptr_t rip) {
  auto it = std::lower_bound(
      g_sites.begin(), g_sites.end(), rip,
      [](const Site& s, uintptr_t value) { return s.insn < value; });
  return it != g_sites.end() && it->insn == rip ? &*it : nullptr;
}

bool in_reservation(uintptr_t addr) {
  for (const auto& slot : g_reservations) {
    const uintptr_t base = slot.load(std::memory_order_relaxed);
    if (base != 0 && addr >= base && addr - base < kReservation)
      return true;
  }
  return false;
}

void pass_on(int sig, siginfo_t* info, void* uctx) {
  if (g_previous.sa_flags & SA_SIGINFO) {
    if (g_previous.sa_sigaction != nullptr) {
      g_previous.sa_sigaction(sig, info, uctx);
      return;
    }
  } else if (g_previous.sa_handler != SIG_DFL &&
             g_previous.sa_handler != SIG_IGN) {
    g_previous.sa_handler(sig);
    return;
  }
  // Default action: the process dies with SIGSEGV, as it would without
  // capbox (raise for a signal that was sent; a real fault would also
  // fault again on return).
  signal(sig, SIG_DFL);
  raise(sig);
}

void on_segv(int sig, siginfo_t* info, void* uctx) {
  FaultTarget* target = current_target();
  auto* uc = static_cast<ucontext_t*>(uctx);
  const auto rip = static_cast<uintptr_t>(uc->uc_mcontext.gregs[REG_RIP]);
  const Site* site = target != nullptr ? find_site(rip) : nullptr;
  if (site == nullptr ||
      !in_reservation(reinterpret_cast<uintptr_t>(info->si_addr))) {
    pass_on(sig, info, uctx);
    return;
  }
  const auto pc = reinterpret_cast<const uint32_t*>(
      uc->uc_mcontext.gregs[site->greg]);
  target->pc = pc + site->delta;
  if (target->capture != nullptr)
    target->capture(target);
  siglongjmp(target->jump, 1);
}

}  // namespace

bool add_reservation(const uint8_t* base) {
  const auto value = reinterpret_cast<uintptr_t>(base);
  for (auto& slot : g_reservations) {
    uintptr_t expected = 0;
    if (slot.compare_exchange_strong(expected, value))
      return true;
  }
  return false;
}

void remove_reservation(const uint8_t* base) {
  const auto value = reinterpret_cast<uintptr_t>(base);
  for (auto& slot : g_reservations) {
    uintptr_t expected = value;
    if (slot.compare_exchange_strong(expected, 0))
      return;
  }
}

void install_handler() {
  std::call_once(g_install_once, load_sites);
  struct sigaction current {};
  if (sigaction(SIGSEGV, nullptr, &current) == 0 &&
      (current.sa_flags & SA_SIGINFO) && current.sa_sigaction == on_segv)
    return;
  // Someone (an embedder, a test framework) installed a handler after us:
  // go back on top and chain to theirs for faults that are not ours.
  struct sigaction action {};
  action.sa_sigaction = on_segv;
  // SA_NODEFER: we leave by siglongjmp without restoring the mask, so
  // SIGSEGV must not stay blocked afterwards.
  action.sa_flags = SA_SIGINFO | SA_NODEFER | SA_ONSTACK;
  sigemptyset(&action.sa_mask);
  sigaction(SIGSEGV, &action, &g_previous);
}

FaultTarget*& current_target() {
  static thread_local FaultTarget* target = nullptr;
  return target;
}

}  // namespace capbox::engine::guard
