// SPDX-License-Identifier: Apache-2.0
// load_prebuilt_filter: the child's seccomp filter from the BPF that
// seccomp_gen generated at build time (seccomp_bpf.h), with the child's
// pid put in. Runs in the forked child: no allocation, no libseccomp.
#include <errno.h>
#include <linux/seccomp.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <iterator>

#include "sandbox/seccomp.h"
#include "sandbox/seccomp_bpf.h"

namespace capbox::sandbox {
namespace {

template <size_t N>
int load(const sock_filter (&prebuilt)[N], pid_t self) {
  sock_filter program[N];
  std::copy(std::begin(prebuilt), std::end(prebuilt), program);
  for (sock_filter& insn : program) {
    // seccomp_gen checked that the placeholder is only ever this compare.
    if (insn.k == kSelfPlaceholder && insn.code == (BPF_JMP | BPF_JEQ | BPF_K))
      insn.k = static_cast<uint32_t>(self);
  }
  sock_fprog fprog{static_cast<unsigned short>(N), program};
  if (::syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fprog) != 0)
    return -errno;
  return 0;
}

}  // namespace

int load_prebuilt_filter(const SeccompOptions& options) {
  if (options.self <= 0 ||
      static_cast<uint32_t>(options.self) == kSelfPlaceholder)
    return -EINVAL;
  return options.addendum == Addendum::Sanitizer
             ? load(prebuilt::kFilterSanitizer, options.self)
             : load(prebuilt::kFilterNone, options.self);
}

}  // namespace capbox::sandbox
