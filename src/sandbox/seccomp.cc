// SPDX-License-Identifier: Apache-2.0
// Builds the child's filter from syscalls.def with libseccomp, and the
// SIGSYS handler behind its default action. Why SECCOMP_RET_TRAP and not
// KILL_PROCESS: the kernel tells only the trapped thread which call it was
// (si_syscall), and the supervisor must name it; the call never runs
// either way. The handler cannot be swapped (rt_sigaction on SIGSYS with
// an action is itself blocked), and a SIGSYS that arrives while blocked is
// forced fatal by the kernel, which the supervisor reports without a name.
#include "sandbox/seccomp.h"

#include <errno.h>
#include <fcntl.h>
#include <seccomp.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <termios.h>
#include <ucontext.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

#include "base/raw_die.h"

namespace capbox::sandbox {
namespace {

constexpr SyscallRow kTable[] = {
#define CAPBOX_SYSCALL(name, rule, reason) {#name, Rule::rule, reason},
#include "sandbox/syscalls.def"
#undef CAPBOX_SYSCALL
};

// isatty() is TCGETS; poll_oneoff asks how much is readable (FIONREAD) and
// how much of a socket's send buffer is used (TIOCOUTQ).
constexpr unsigned long kIoctlRequests[] = {TCGETS, FIONREAD, TIOCOUTQ};

// Flags and duplication of descriptors the child already holds; no locks
// (F_SETLK reaches other processes' files), no owners or leases (signals).
constexpr int kFcntlCommands[] = {F_GETFL, F_SETFL, F_DUPFD_CLOEXEC,
                                  F_GETPIPE_SZ};

int add(scmp_filter_ctx ctx, int nr, unsigned count, const scmp_arg_cmp* args) {
  return seccomp_rule_add_array(ctx, SCMP_ACT_ALLOW, nr, count, args);
}

// One rule per allowed value: libseccomp ORs the rules of one syscall.
template <typename T>
int add_each(scmp_filter_ctx ctx, int nr, unsigned arg, std::span<const T> v) {
  for (const T value : v) {
    const scmp_arg_cmp cmp = {arg, SCMP_CMP_EQ,
                              static_cast<scmp_datum_t>(value), 0};
    if (const int rc = add(ctx, nr, 1, &cmp); rc != 0)
      return rc;
  }
  return 0;
}

// Argument `arg` compared with `op` to `value`. libseccomp's
// SCMP_An(op, value) macros leave the second datum out, which clang's
// -Wmissing-field-initializers rejects, so the fields are spelled out.
constexpr scmp_arg_cmp arg_is(unsigned arg,
                              scmp_compare op,
                              scmp_datum_t value) {
  return scmp_arg_cmp{arg, op, value, 0};
}

int add_row(scmp_filter_ctx ctx,
            int nr,
            Rule rule,
            const SeccompOptions& options) {
  switch (rule) {
    case Rule::Always:
    case Rule::Sanitizer:
      return add(ctx, nr, 0, nullptr);
    case Rule::NoExec: {
      // (prot & PROT_EXEC) == 0: datum_a is the mask, datum_b the value.
      const scmp_arg_cmp no_exec = {2, SCMP_CMP_MASKED_EQ, PROT_EXEC, 0};
      return add(ctx, nr, 1, &no_exec);
    }
    case Rule::SelfOnly: {
      const scmp_arg_cmp self =
          arg_is(0, SCMP_CMP_EQ, static_cast<scmp_datum_t>(options.self));
      return add(ctx, nr, 1, &self);
    }
    case Rule::IoctlListed:
      return add_each(ctx, nr, 1, allowed_ioctl_requests());
    case Rule::FcntlListed:
      return add_each(ctx, nr, 1, allowed_fcntl_commands());
    case Rule::NotSigsys: {
      const scmp_arg_cmp other = arg_is(0, SCMP_CMP_NE, SIGSYS);
      const scmp_arg_cmp query[] = {arg_is(0, SCMP_CMP_EQ, SIGSYS),
                                    arg_is(1, SCMP_CMP_EQ, 0)};
      const int rc = add(ctx, nr, 1, &other);
      return rc != 0 ? rc : add(ctx, nr, 2, query);
    }
    case Rule::NullPath: {
      const scmp_arg_cmp null_path = arg_is(1, SCMP_CMP_EQ, 0);
      return add(ctx, nr, 1, &null_path);
    }
    case Rule::Emulated:
      return 0;  // traps like everything unlisted; the handler decides
  }
  return -EINVAL;
}

// --- The SIGSYS handler (async-signal-safe from here on) ---

ChildReport* g_report = nullptr;
int g_fstatat_nr = -1;

// newfstatat(fd, "", buf, AT_EMPTY_PATH) is fstat(fd, buf): performs it
// and stores the result as the trapped call's. Any other form (a real
// path, AT_FDCWD with "" included via fstat's EBADF) is not emulated.
bool emulate_fstatat(ucontext_t* uc) {
#if defined(__x86_64__)
  greg_t* regs = uc->uc_mcontext.gregs;
  const long fd = regs[REG_RDI];
  const auto* path = reinterpret_cast<const char*>(regs[REG_RSI]);
  const long buf = regs[REG_RDX];
  const long flags = regs[REG_R10];
#elif defined(__aarch64__)
  auto* regs = uc->uc_mcontext.regs;
  const long fd = static_cast<long>(regs[0]);
  const auto* path = reinterpret_cast<const char*>(regs[1]);
  const long buf = static_cast<long>(regs[2]);
  const long flags = static_cast<long>(regs[3]);
#else
  return false;
#endif
  constexpr long kHarmless = AT_EMPTY_PATH | AT_NO_AUTOMOUNT;
  if (path == nullptr || path[0] != '\0' || (flags & AT_EMPTY_PATH) == 0 ||
      (flags & ~kHarmless) != 0)
    return false;
  const long rc = ::syscall(SYS_fstat, fd, buf);
  const long result = rc == -1 ? -errno : rc;
#if defined(__x86_64__)
  regs[REG_RAX] = result;
#elif defined(__aarch64__)
  regs[0] = static_cast<unsigned long long>(result);
#endif
  return true;
}

void on_sigsys(int, siginfo_t* info, void* uctx) {
  const int saved_errno = errno;
  if (info->si_syscall == g_fstatat_nr &&
      emulate_fstatat(static_cast<ucontext_t*>(uctx))) {
    errno = saved_errno;
    return;
  }
  if (g_report != nullptr) {
    g_report->syscall_nr = info->si_syscall;
    g_report->arch = info->si_arch;
    g_report->kind = ChildReport::kBlockedSyscall;
    ::_exit(kBlockedSyscallStatus);
  }
  char text[64] = "blocked system call ";
  const size_t at = ::strlen(text);
  text[at + raw_format_int(info->si_syscall, text + at)] = '\0';
  raw_die(text, 0, kBlockedSyscallStatus);
}

}  // namespace

Addendum default_addendum() {
#ifdef CAPBOX_SANITIZER_BUILD
  return Addendum::Sanitizer;
#else
  return Addendum::None;
#endif
}

std::span<const SyscallRow> syscall_table() {
  return kTable;
}

std::span<const unsigned long> allowed_ioctl_requests() {
  return kIoctlRequests;
}

std::span<const int> allowed_fcntl_commands() {
  return kFcntlCommands;
}

Filter::Filter(Filter&& other) noexcept : ctx_(other.ctx_) {
  other.ctx_ = nullptr;
}

Filter& Filter::operator=(Filter&& other) noexcept {
  if (this != &other) {
    if (ctx_ != nullptr)
      seccomp_release(ctx_);
    ctx_ = other.ctx_;
    other.ctx_ = nullptr;
  }
  return *this;
}

Filter::~Filter() {
  if (ctx_ != nullptr)
    seccomp_release(ctx_);
}

int Filter::build(const SeccompOptions& options) {
  if (ctx_ != nullptr)
    seccomp_release(ctx_);
  ctx_ = seccomp_init(SCMP_ACT_TRAP);
  if (ctx_ == nullptr)
    return -ENOMEM;
  // An x32 or i386 entry would see other numbers: never allowed.
  if (const int rc = seccomp_attr_set(ctx_, SCMP_FLTATR_ACT_BADARCH,
                                      SCMP_ACT_KILL_PROCESS);
      rc != 0)
    return rc;
  for (const SyscallRow& row : kTable) {
    if (row.rule == Rule::Sanitizer && options.addendum != Addendum::Sanitizer)
      continue;
    // Unknown here (poll on aarch64): nothing to allow. A name unknown
    // on every architecture is caught by a test, not silently skipped.
    const int nr = seccomp_syscall_resolve_name(row.name);
    if (nr < 0)
      continue;
    if (const int rc = add_row(ctx_, nr, row.rule, options); rc != 0)
      return rc;
  }
  return 0;
}

int Filter::load() const {
  return ctx_ != nullptr ? seccomp_load(ctx_) : -EINVAL;
}

int Filter::export_pfc(int fd) const {
  return ctx_ != nullptr ? seccomp_export_pfc(ctx_, fd) : -EINVAL;
}

int Filter::export_bpf(int fd) const {
  return ctx_ != nullptr ? seccomp_export_bpf(ctx_, fd) : -EINVAL;
}

int install_sigsys_handler(ChildReport* report) {
  g_report = report;
#ifdef SYS_newfstatat
  g_fstatat_nr = SYS_newfstatat;  // libseccomp's name lookup costs a search
#else
  g_fstatat_nr = seccomp_syscall_resolve_name("newfstatat");
#endif
  struct sigaction action {};
  action.sa_sigaction = on_sigsys;
  action.sa_flags = SA_SIGINFO;
  // Nothing else runs inside the handler: a SIGSEGV handler would find
  // the report half written.
  sigfillset(&action.sa_mask);
  if (::sigaction(SIGSYS, &action, nullptr) != 0)
    return -errno;
  sigset_t sigsys;
  sigemptyset(&sigsys);
  sigaddset(&sigsys, SIGSYS);
  return ::sigprocmask(SIG_UNBLOCK, &sigsys, nullptr) == 0 ? 0 : -errno;
}

std::string syscall_name(int32_t nr, uint32_t arch) {
  const uint32_t token = arch != 0 ? arch : seccomp_arch_native();
  char* name = seccomp_syscall_resolve_num_arch(token, nr);
  if (name == nullptr)
    return "syscall " + std::to_string(nr);
  std::string result(name);
  std::free(name);
  return result;
}

}  // namespace capbox::sandbox
