// SPDX-License-Identifier: Apache-2.0
// Context: everything one running WASI guest owns on the host side: its
// arguments, environment, descriptor table and the filesystem authority it
// reaches paths through. Built by the embedder (the CLI, the sandbox child,
// tests), then handed to link_wasi(). Depends on wasi/ and base/ only.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "wasi/dir_cookies.h"
#include "wasi/fd_table.h"
#include "wasi/fs_authority.h"
#include "wasi/types.h"

namespace capbox::wasi {

// A directory the guest starts with, already opened by the authority.
struct Preopen {
  std::string guest_name;  // what fd_prestat_dir_name reports, e.g. "/data"
  Opened dir;              // its descriptor and handle
  Rights base = {right::kAll};
  Rights inheriting = {right::kAll};
};

// A listening socket the user granted (-S tcplisten=ADDR:PORT).
struct Listener {
  UniqueFd fd;
};

struct ContextOptions {
  std::vector<std::string> args;  // argv[0] first
  std::vector<std::string> env;   // "NAME=VALUE"
  uint32_t max_fds = 1024;
};

class Context {
 public:
  // The authority must outlive the context. stdio (host 0, 1, 2, dup'd)
  // become fds 0-2, preopens 3.., then listeners.
  Context(ContextOptions options, FsAuthority& fs,
          std::vector<Preopen> preopens, std::vector<Listener> listeners);

  const std::vector<std::string>& args() const { return options_.args; }
  const std::vector<std::string>& env() const { return options_.env; }
  FsAuthority& fs() { return fs_; }
  FdTable& fds() { return fds_; }
  // fd_readdir's cookie table (wasi/dir_cookies.h).
  DirCookies& dir_cookies() { return dir_cookies_; }

 private:
  ContextOptions options_;
  FsAuthority& fs_;
  FdTable fds_;
  DirCookies dir_cookies_;
};

}  // namespace capbox::wasi
