// SPDX-License-Identifier: Apache-2.0
// The filter as libseccomp renders it (export_pfc), checked in the test
// process without loading it: what the table allows appears, what it does
// not is absent, and the sanitizer addendum only when asked for.
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <span>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "base/unique_fd.h"
#include "sandbox/seccomp.h"
#include "sandbox/seccomp_bpf.h"

namespace capbox::sandbox {
namespace {

std::string pfc_of(Addendum addendum) {
  Filter filter;
  SeccompOptions options;
  options.addendum = addendum;
  options.self = ::getpid();
  REQUIRE(filter.build(options) == 0);
  const UniqueFd text(::memfd_create("pfc", MFD_CLOEXEC));
  REQUIRE(text.valid());
  REQUIRE(filter.export_pfc(text.get()) == 0);
  std::string out;
  char buf[4096];
  ssize_t n;
  ::lseek(text.get(), 0, SEEK_SET);
  while ((n = ::read(text.get(), buf, sizeof buf)) > 0)
    out.append(buf, static_cast<size_t>(n));
  return out;
}

bool mentions(const std::string& pfc, const char* name) {
  return pfc.find(std::string("\"") + name + "\"") != std::string::npos;
}

TEST_CASE("the exported filter allows the table and nothing named beside it") {
  const std::string pfc = pfc_of(Addendum::None);
  for (const SyscallRow& row : syscall_table()) {
    const std::string name = row.name;
    CAPTURE(name);
    const bool rule_expected =
        row.rule != Rule::Sanitizer && row.rule != Rule::Emulated;
    CHECK(mentions(pfc, row.name) == rule_expected);
  }
  for (const char* name : {"openat", "open", "socket", "execve", "clone"})
    CHECK_FALSE(mentions(pfc, name));
  CHECK(pfc.find("action TRAP") != std::string::npos);
  CHECK(pfc.find("action KILL_PROCESS") != std::string::npos);
}

TEST_CASE("the sanitizer addendum is added only when asked for") {
  const std::string with = pfc_of(Addendum::Sanitizer);
  const std::string without = pfc_of(Addendum::None);
  for (const SyscallRow& row : syscall_table()) {
    if (row.rule != Rule::Sanitizer)
      continue;
    const std::string name = row.name;
    CAPTURE(name);
    CHECK(mentions(with, row.name));
    CHECK_FALSE(mentions(without, row.name));
  }
}

TEST_CASE("syscall names for the report, also from a bogus report") {
#if defined(__x86_64__)
  CHECK(syscall_name(257, 0) == "openat");
  CHECK(syscall_name(257, 0xc000003e /* AUDIT_ARCH_X86_64 */) == "openat");
#endif
  CHECK(syscall_name(99999, 0) == "syscall 99999");
  CHECK(syscall_name(-5, 0) == "syscall -5");
  CHECK(syscall_name(1, 0x1234) == "syscall 1");
}

}  // namespace
}  // namespace capbox::sandbox

namespace capbox::sandbox {
namespace {

std::vector<sock_filter> bpf_of(Addendum addendum, pid_t self) {
  Filter filter;
  SeccompOptions options;
  options.addendum = addendum;
  options.self = self;
  REQUIRE(filter.build(options) == 0);
  const UniqueFd fd(::memfd_create("bpf", MFD_CLOEXEC));
  REQUIRE(fd.valid());
  REQUIRE(filter.export_bpf(fd.get()) == 0);
  const off_t size = ::lseek(fd.get(), 0, SEEK_CUR);
  std::vector<sock_filter> program(static_cast<size_t>(size) /
                                   sizeof(sock_filter));
  REQUIRE(::pread(fd.get(), program.data(), static_cast<size_t>(size), 0) ==
          size);
  return program;
}

bool same(std::span<const sock_filter> a, std::span<const sock_filter> b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(),
                    [](const sock_filter& x, const sock_filter& y) {
                      return x.code == y.code && x.jt == y.jt && x.jf == y.jf &&
                             x.k == y.k;
                    });
}

TEST_CASE("the prebuilt filters are libseccomp's, the pid a placeholder") {
  const auto placeholder = static_cast<pid_t>(kSelfPlaceholder);
  CHECK(same(prebuilt::kFilterNone, bpf_of(Addendum::None, placeholder)));
  CHECK(same(prebuilt::kFilterSanitizer,
             bpf_of(Addendum::Sanitizer, placeholder)));
  // The placeholder is where the pid goes: with a real pid, the programs
  // differ exactly in the instructions that held the placeholder.
  const std::vector<sock_filter> real = bpf_of(Addendum::None, 4242);
  REQUIRE(real.size() == std::size(prebuilt::kFilterNone));
  size_t patched = 0;
  for (size_t i = 0; i < real.size(); ++i) {
    const sock_filter& p = prebuilt::kFilterNone[i];
    if (p.k == kSelfPlaceholder) {
      CHECK(real[i].k == 4242u);
      ++patched;
    } else {
      CHECK(real[i].k == p.k);
    }
  }
  CHECK(patched > 0);
  CHECK(load_prebuilt_filter(SeccompOptions{Addendum::None, 0}) == -EINVAL);
}

}  // namespace
}  // namespace capbox::sandbox
