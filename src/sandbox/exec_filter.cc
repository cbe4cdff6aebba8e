// SPDX-License-Identifier: Apache-2.0
// Compiles exec_syscalls.def into the deny filter with libseccomp (kept as
// raw BPF so the child loads it without allocating), and the notify rules
// for the processes limit. Argument rules that libseccomp cannot express
// as one comparison are split into several rules, which it ORs.
#include "sandbox/exec_filter.h"

#include <errno.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <seccomp.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace capbox::sandbox {
namespace {

constexpr ExecSyscallRow kTable[] = {
#define CAPBOX_EXEC_SYSCALL(name, rule, error, reason) \
  {#name, ExecRule::rule, error, reason},
#include "sandbox/exec_syscalls.def"
#undef CAPBOX_EXEC_SYSCALL
};

constexpr uint64_t kSetidBits[] = {S_ISUID, S_ISGID};
constexpr uint64_t kPerLinux = 0;
constexpr uint64_t kPersonalityQuery = 0xffffffff;

// (arg & bit) == bit: the bit is set.
constexpr scmp_arg_cmp bit_set(unsigned arg, uint64_t bit) {
  return scmp_arg_cmp{arg, SCMP_CMP_MASKED_EQ, bit, bit};
}

int deny(scmp_filter_ctx ctx, int nr, int error, const scmp_arg_cmp* cmp) {
  return seccomp_rule_add_array(ctx,
                                SCMP_ACT_ERRNO(static_cast<uint32_t>(error)),
                                nr, cmp != nullptr ? 1 : 0, cmp);
}

// One rule per bit: libseccomp ORs the rules of a syscall, and allows
// one comparison per argument in a rule.
int deny_any_bit(scmp_filter_ctx ctx,
                 int nr,
                 int error,
                 unsigned arg,
                 uint64_t bits) {
  for (uint64_t bit = 1; bit != 0; bit <<= 1) {
    if ((bits & bit) == 0)
      continue;
    const scmp_arg_cmp cmp = bit_set(arg, bit);
    if (const int rc = deny(ctx, nr, error, &cmp); rc != 0)
      return rc;
  }
  return 0;
}

// Refuses any persona but PER_LINUX and the query. "Neither 0 nor the
// query" is two comparisons of one argument, which libseccomp refuses in
// a rule; so every persona but PER_LINUX is refused, and the query gets
// a more specific rule with LOG, the only action that lets a call run and
// is not the filter's default (libseccomp rejects ALLOW there). The kernel
// reads the persona as 32 bits; the comparison is of all 64, so a value
// with high bits set is refused, never let through.
int deny_personality(scmp_filter_ctx ctx, int nr, int error) {
  const scmp_arg_cmp not_linux = {0, SCMP_CMP_NE, kPerLinux, 0};
  if (const int rc = deny(ctx, nr, error, &not_linux); rc != 0)
    return rc;
  const scmp_arg_cmp query = {0, SCMP_CMP_EQ, kPersonalityQuery, 0};
  return seccomp_rule_add_array(ctx, SCMP_ACT_LOG, nr, 1, &query);
}

int add_row(scmp_filter_ctx ctx, int nr, const ExecSyscallRow& row) {
  switch (row.rule) {
    case ExecRule::Always:
      return deny(ctx, nr, row.error, nullptr);
    case ExecRule::NewNamespace:
      return deny_any_bit(ctx, nr, row.error, 0, kCloneNewFlags);
    case ExecRule::SetidModeArg1:
    case ExecRule::SetidModeArg2: {
      const unsigned arg = row.rule == ExecRule::SetidModeArg1 ? 1 : 2;
      for (const uint64_t bit : kSetidBits) {
        if (const int rc = deny_any_bit(ctx, nr, row.error, arg, bit); rc != 0)
          return rc;
      }
      return 0;
    }
    case ExecRule::PersonalityChange:
      return deny_personality(ctx, nr, row.error);
    case ExecRule::AllProcesses: {
      // The kernel reads a pid as 32 bits, whatever the register's top
      // half holds: compare the low half only.
      const scmp_arg_cmp all = {0, SCMP_CMP_MASKED_EQ, 0xffffffff, 0xffffffff};
      return deny(ctx, nr, row.error, &all);
    }
  }
  return -EINVAL;
}

Result<std::vector<sock_filter>, int> build_deny_filter() {
  scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
  if (ctx == nullptr)
    return Unexpected(ENOMEM);
  // An x32 or i386 entry would see other numbers, and dodge every row.
  int rc =
      seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
  for (size_t i = 0; rc == 0 && i < std::size(kTable); ++i) {
    const int nr = seccomp_syscall_resolve_name(kTable[i].name);
    if (nr >= 0)
      rc = add_row(ctx, nr, kTable[i]);
  }
  auto program = rc == 0
                     ? compile_seccomp(ctx)
                     : Result<std::vector<sock_filter>, int>(Unexpected(-rc));
  seccomp_release(ctx);
  return program;
}

std::vector<NotifyRule> process_rules() {
  std::vector<NotifyRule> rules;
#ifdef SYS_fork
  rules.push_back(NotifyRule{SYS_fork, 0});
#endif
#ifdef SYS_vfork
  rules.push_back(NotifyRule{SYS_vfork, 0});
#endif
  // A thread shares its process and is not counted: memory (the address
  // space limit) bounds how many a program can make.
  rules.push_back(NotifyRule{SYS_clone, CLONE_THREAD});
  return rules;
}

}  // namespace

std::span<const ExecSyscallRow> exec_syscall_table() {
  return kTable;
}

Result<ExecFilters, int> build_exec_filters() {
  auto deny = build_deny_filter();
  if (!deny)
    return Unexpected(deny.error());
  const std::vector<NotifyRule> rules = process_rules();
  auto processes = NotifyFilter::build(std::span<const NotifyRule>(rules));
  if (!processes)
    return Unexpected(processes.error());
  return ExecFilters{std::move(*deny), std::move(*processes)};
}

int load_bpf(std::span<const sock_filter> program) {
  sock_fprog prog{static_cast<unsigned short>(program.size()),
                  const_cast<sock_filter*>(program.data())};
  if (::syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) != 0)
    return -errno;
  return 0;
}

}  // namespace capbox::sandbox
