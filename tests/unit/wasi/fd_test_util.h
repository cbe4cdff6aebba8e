// SPDX-License-Identifier: Apache-2.0
// Helpers for the fd_* and path_* tests: host descriptors entered in a
// fixture's table by hand (so fd tests need no FsAuthority), iovecs laid
// out in guest memory, and host-side file contents.
#pragma once

#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <string>

#include "tests/unit/wasi/wasi_fixture.h"

namespace capbox::wasi::testing {

// Guest addresses the tests use: an iovec array, an out slot, buffers.
inline constexpr uint32_t kIovs = 0x100;
inline constexpr uint32_t kOut = 0x200;
inline constexpr uint32_t kPath = 0x300;
inline constexpr uint32_t kPath2 = 0x400;
inline constexpr uint32_t kBuf = 0x1000;
// Far beyond the fixture's 64 KiB memory, and a pointer whose end wraps.
inline constexpr uint32_t kOutside = 0x20000;
inline constexpr uint32_t kWrapping = 0xFFFFFFF0;

inline uint32_t add_host_fd(WasiFixture& fx,
                            int host_fd,
                            Filetype type,
                            uint64_t base,
                            uint64_t inheriting = 0) {
  REQUIRE(host_fd >= 0);
  FdEntry entry;
  entry.fd = UniqueFd(host_fd);
  entry.type = type;
  entry.base = {base};
  entry.inheriting = {inheriting};
  auto number = fx.ctx().fds().insert(std::move(entry));
  REQUIRE(number.has_value());
  return *number;
}

// Opens `name` in the fixture's directory on the host side.
inline uint32_t add_file(WasiFixture& fx,
                         const std::string& name,
                         int flags,
                         uint64_t base) {
  const int fd = ::open((fx.dir() / name).c_str(), flags | O_CLOEXEC, 0644);
  return add_host_fd(fx, fd, Filetype::RegularFile, base);
}

inline uint32_t add_dir(WasiFixture& fx,
                        const std::string& host_path,
                        uint64_t base) {
  const int fd = ::open(host_path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  return add_host_fd(fx, fd, Filetype::Directory, base);
}

inline void put_iovec(WasiFixture& fx,
                      uint32_t index,
                      uint32_t buf,
                      uint32_t len) {
  fx.set<uint32_t>(kIovs + index * 8, buf);
  fx.set<uint32_t>(kIovs + index * 8 + 4, len);
}

inline void write_host(const std::string& path, const std::string& data) {
  UniqueFd fd(
      ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  REQUIRE(fd.valid());
  REQUIRE(::write(fd.get(), data.data(), data.size()) ==
          static_cast<ssize_t>(data.size()));
}

inline std::string read_host(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  REQUIRE(fd.valid());
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(fd.get(), buf, sizeof buf)) > 0)
    out.append(buf, static_cast<size_t>(n));
  return out;
}

inline struct stat lstat_host(const std::string& path) {
  struct stat st {};
  REQUIRE(::lstat(path.c_str(), &st) == 0);
  return st;
}

inline bool exists_host(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0;
}

}  // namespace capbox::wasi::testing
