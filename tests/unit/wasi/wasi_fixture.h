// SPDX-License-Identifier: Apache-2.0
// A WASI context over a real temporary directory (DirectFs) and a plain
// byte buffer standing in for linear memory, so tests can call the
// preview1 functions directly and inspect both sides.
#pragma once

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "wasi/context.h"
#include "wasi/direct_fs.h"
#include "wasi/preview1.h"

namespace capbox::wasi::testing {

// A fresh directory under $TMPDIR, removed with everything in it.
class TempDir {
 public:
  TempDir() {
    std::string tmpl =
        (std::filesystem::temp_directory_path() / "capbox-test-XXXXXX")
            .string();
    path_ = ::mkdtemp(tmpl.data());
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  const std::string& path() const { return path_; }
  std::string operator/(const std::string& rel) const {
    return path_ + "/" + rel;
  }

 private:
  std::string path_;
};

// fd 3 is the temporary directory, preopened as "/sandbox" with `rights`.
class WasiFixture {
 public:
  static constexpr uint32_t kPreopenFd = 3;

  explicit WasiFixture(Rights rights = {right::kAll},
                       Rights inheriting = {right::kAll},
                       Abi abi = Abi::Preview1,
                       ContextOptions options = {})
      : memory_(65536), abi_(abi) {
    std::vector<Preopen> preopens;
    auto root = fs_.open_root(dir_.path());
    if (root) {
      Preopen p;
      p.guest_name = "/sandbox";
      p.dir = std::move(*root);
      p.base = rights;
      p.inheriting = inheriting;
      preopens.push_back(std::move(p));
    }
    options.args = {"prog", "arg1"};
    options.env = {"A=1"};
    ctx_ = std::make_unique<Context>(std::move(options), fs_,
                                     std::move(preopens),
                                     std::vector<Listener>{});
  }

  Call call() {
    return Call{*ctx_, Guest(engine::GuestMemory(memory_.data(),
                                                 memory_.size())),
                abi_};
  }
  Context& ctx() { return *ctx_; }
  const TempDir& dir() const { return dir_; }
  uint8_t* mem() { return memory_.data(); }
  uint32_t mem_size() const { return static_cast<uint32_t>(memory_.size()); }

  // Writes bytes into guest memory at `ptr` and returns ptr.
  uint32_t put(uint32_t ptr, const void* data, size_t len) {
    std::memcpy(memory_.data() + ptr, data, len);
    return ptr;
  }
  uint32_t put_string(uint32_t ptr, const std::string& s) {
    return put(ptr, s.data(), s.size());
  }
  template <typename T>
  T get(uint32_t ptr) const {
    T value;
    std::memcpy(&value, memory_.data() + ptr, sizeof(T));
    return value;
  }
  template <typename T>
  void set(uint32_t ptr, T value) {
    std::memcpy(memory_.data() + ptr, &value, sizeof(T));
  }

 private:
  TempDir dir_;
  DirectFs fs_;
  std::vector<uint8_t> memory_;
  Abi abi_;
  std::unique_ptr<Context> ctx_;
};

// Unwraps a Ret that must be an errno (not a trap).
inline Errno errno_of(const Ret& r) {
  return r ? *r : Errno::Io;
}

}  // namespace capbox::wasi::testing
