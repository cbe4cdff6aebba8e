// SPDX-License-Identifier: Apache-2.0
// PT_INTERP from an ELF64 file's program headers, and exec's Landlock
// ruleset. Why beneath-path rules on files rather than directories where
// possible: the program may execute itself and its loader only, not its
// neighbours in /usr/bin.
#include "sandbox/exec_landlock.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstring>
#include <vector>

#include "sandbox/landlock_abi.h"

namespace capbox::sandbox {
namespace {

using landlock::kExecute;
using landlock::kReadDir;
using landlock::kReadFile;
using landlock::kTruncate;
using landlock::kWriteFile;

// More program headers than any real program has; bounds the read.
constexpr unsigned kMaxProgramHeaders = 4096;

Result<std::string, ExecPathError> not_elf(const char* what) {
  return Unexpected(ExecPathError{what, ENOEXEC});
}

// Reads exactly `size` bytes at `offset`; EIO for a short file.
int read_at(int fd, void* out, size_t size, uint64_t offset) {
  const ssize_t n = ::pread(fd, out, size, static_cast<off_t>(offset));
  if (n < 0)
    return errno;
  return static_cast<size_t>(n) == size ? 0 : EIO;
}

struct Rule {
  const char* path;
  uint64_t access;
  bool optional;  // a directory some systems lack
};

constexpr uint64_t kLibraryDir = kReadFile | kReadDir;
constexpr uint64_t kDevice = kReadFile | kWriteFile | kTruncate;

constexpr Rule kSystemRules[] = {
    {"/lib", kLibraryDir, true},
    {"/lib64", kLibraryDir, true},
    {"/usr/lib", kLibraryDir, true},
    {"/usr/lib64", kLibraryDir, true},
    {"/usr/local/lib", kLibraryDir, true},
    {"/etc/ld.so.cache", kReadFile, true},
    {"/dev/null", kDevice, false},
    {"/dev/zero", kDevice, false},
    {"/dev/full", kDevice, false},
    {"/dev/random", kDevice, false},
    {"/dev/urandom", kDevice, false},
};

// Adds one beneath-path rule. ENOENT for a missing optional path is
// success: nothing to allow.
int add_rule(int ruleset, const char* path, uint64_t access, bool optional) {
  const UniqueFd dir(::open(path, O_PATH | O_CLOEXEC));
  if (!dir)
    return optional && errno == ENOENT ? 0 : errno;
  landlock::PathBeneathAttr attr{access, dir.get()};
  if (::syscall(SYS_landlock_add_rule, ruleset, landlock::kRulePathBeneath,
                &attr, 0) != 0)
    return errno;
  return 0;
}

UniqueFd create_ruleset(int abi) {
  landlock::RulesetAttr attr{};
  attr.handled_access_fs = landlock::fs_rights(abi);
  // No rule for either: no TCP at all (bind, connect).
  attr.handled_access_net = landlock::kNetBindTcp | landlock::kNetConnectTcp;
  attr.scoped = landlock::kScopeAbstractUnixSocket | landlock::kScopeSignal;
  return UniqueFd(static_cast<int>(
      ::syscall(SYS_landlock_create_ruleset, &attr, sizeof attr, 0)));
}

}  // namespace

Result<std::string, ExecPathError> read_interpreter(int fd) {
  Elf64_Ehdr header;
  if (const int rc = read_at(fd, &header, sizeof header, 0); rc != 0)
    return rc == EIO ? not_elf("the program is not an ELF file")
                     : Unexpected(ExecPathError{"reading the program", rc});
  if (std::memcmp(header.e_ident, ELFMAG, SELFMAG) != 0)
    return not_elf("the program is not an ELF file");
  if (header.e_ident[EI_CLASS] != ELFCLASS64)
    return not_elf("the program is not a 64-bit ELF file");
  if (header.e_phentsize != sizeof(Elf64_Phdr) ||
      header.e_phnum > kMaxProgramHeaders)
    return not_elf("the program's ELF program headers are malformed");
  std::vector<Elf64_Phdr> headers(header.e_phnum);
  if (read_at(fd, headers.data(), headers.size() * sizeof(Elf64_Phdr),
              header.e_phoff) != 0)
    return not_elf("the program's ELF program headers are malformed");
  for (const Elf64_Phdr& ph : headers) {
    if (ph.p_type != PT_INTERP)
      continue;
    if (ph.p_filesz < 2 || ph.p_filesz > PATH_MAX)
      return not_elf("the program's ELF interpreter is malformed");
    std::string path(ph.p_filesz, '\0');
    if (read_at(fd, path.data(), path.size(), ph.p_offset) != 0 ||
        path.back() != '\0')
      return not_elf("the program's ELF interpreter is malformed");
    path.pop_back();
    if (path.find('\0') != std::string::npos || path.front() != '/')
      return not_elf("the program's ELF interpreter is malformed");
    return path;
  }
  return std::string();
}

Result<UniqueFd, ExecPathError> build_exec_ruleset(const ExecPaths& paths,
                                                   int abi) {
  if (abi < kExecLandlockAbi)
    return Unexpected(ExecPathError{"Landlock ABI 6 is required", ENOSYS});
  UniqueFd ruleset = create_ruleset(abi);
  if (!ruleset)
    return Unexpected(ExecPathError{"creating the Landlock ruleset", errno});
  for (const Rule& rule : kSystemRules) {
    if (const int rc =
            add_rule(ruleset.get(), rule.path, rule.access, rule.optional);
        rc != 0)
      return Unexpected(ExecPathError{"adding a system path to Landlock", rc});
  }
  const Rule own[] = {
      {paths.program.c_str(), kReadFile | kExecute, false},
      {paths.interpreter.c_str(), kReadFile | kExecute, false},
      {paths.preload.c_str(), kReadFile, false},
  };
  const char* whats[] = {"opening the program for Landlock",
                         "opening the ELF interpreter",
                         "opening the preload library"};
  for (size_t i = 0; i < std::size(own); ++i) {
    if (own[i].path[0] == '\0')
      continue;
    if (const int rc =
            add_rule(ruleset.get(), own[i].path, own[i].access, false);
        rc != 0)
      return Unexpected(ExecPathError{whats[i], rc});
  }
  return ruleset;
}

int landlock_restrict_to(int ruleset) {
  return ::syscall(SYS_landlock_restrict_self, ruleset, 0) == 0 ? 0 : -errno;
}

}  // namespace capbox::sandbox
