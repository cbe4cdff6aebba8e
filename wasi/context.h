// SPDX-License-Identifier: Apache-2.0
// Context: everything one running WASI guest owns on the host side: its
// arguments, environment, descriptor table and the filesystem authority it
// reaches paths through. Built by the embedder (the CLI, the sandbox child,
// tests), then handed to link_wasi(). Also where the run's limits on open
// descriptors and written bytes are kept, since they span every call.
// Depends on wasi/ and base/ only.
#pragma once

#include <sys/uio.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
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

// A limit the embedder sets. `max` 0 means none. `described` names the
// limit and where it was set, for the message when it is hit, e.g.
// "output limit of 1 MiB (app.toml:12:10)".
struct ContextLimit {
  uint64_t max = 0;
  std::string described;
};

// A call the rights refused: the function, the guest path it named
// (the descriptor's, joined with the path argument when there is one) and
// the rights it needed and the descriptor lacked.
struct RightsDenial {
  std::string_view function;
  std::string guest_path;
  uint64_t missing = 0;
};

// A rights check on a descriptor that descends from a preopen, for
// --audit and `policy learn`: the function, the guest path, the rights it
// needed, and of those the ones the descriptor lacked (0: allowed).
struct RightsCheck {
  std::string_view function;
  std::string guest_path;
  uint64_t needed = 0;
  uint64_t missing = 0;
};

struct ContextOptions {
  std::vector<std::string> args;  // argv[0] first
  std::vector<std::string> env;   // "NAME=VALUE"
  // The table's own ceiling, whatever the policy says.
  uint32_t max_fds = 1024;
  // Descriptors the guest may hold at once, stdio and preopens included:
  // beyond it an open fails with Errno::Mfile.
  ContextLimit open_files;
  // Bytes written through the original stdio entries (whatever numbers
  // the guest moved them to), in total; reaching it ends the run.
  ContextLimit output;
  // Bytes written through every other descriptor that is a regular file,
  // in total; reaching it ends the run.
  ContextLimit file_output;
  // Told when the rights of a descriptor that descends from a preopen
  // refuse a call (Notcapable), so the embedder can say which grant to
  // widen; may be empty.
  std::function<void(const RightsDenial&)> on_denied;
  // Told of every such check, allowed or refused (checks needing no
  // rights are not told); may be empty, and then costs one test per check.
  // Every call is told: deduplicating is the embedder's business.
  std::function<void(const RightsCheck&)> on_rights_checked;
  // One-line notices for limits that do not end the run (open_files: the
  // first refusal only); may be empty.
  std::function<void(std::string_view)> notice;
  // --trace: the trace_groups.h bits of the functions to trace, and where
  // each line ("path_open(...) = 0 [fd 5]", no newline) goes.
  uint32_t trace_groups = 0;
  std::function<void(std::string_view line)> trace_sink;
};

// How much of one byte limit the run has used. Writes are clipped to what
// fits, so the guest's output is exactly `max` bytes when it is reached.
class ByteBudget {
 public:
  // `fallback` names the limit when `limit.described` is empty.
  ByteBudget(ContextLimit limit, std::string_view fallback);

  bool limited() const { return limit_.max != 0; }
  uint64_t remaining() const { return limit_.max - used_; }
  uint64_t used() const { return used_; }
  // Shortens `iov` to the bytes that still fit; true if it had to.
  bool clip(std::vector<struct iovec>& iov) const;
  void spend(uint64_t bytes);
  // What ends the run: "<described> reached".
  std::string reached() const;

 private:
  ContextLimit limit_;
  uint64_t used_ = 0;
};

// Guest-supplied text (a path) for a one-line message: quoted, control
// bytes and quotes escaped, long text shortened.
std::string quote_for_message(std::string_view guest_text);

// `dir` (a guest path) joined with `path` beneath it: "/data" + "a/b" is
// "/data/a/b"; an empty or "." path is `dir` itself.
std::string join_guest_path(std::string_view dir, std::string_view path);

class Context {
 public:
  // The authority must outlive the context. stdio (host 0, 1, 2, dup'd)
  // become fds 0-2, preopens 3.., then listeners.
  Context(ContextOptions options,
          FsAuthority& fs,
          std::vector<Preopen> preopens,
          std::vector<Listener> listeners);

  const std::vector<std::string>& args() const { return options_.args; }
  const std::vector<std::string>& env() const { return options_.env; }
  FsAuthority& fs() { return fs_; }
  FdTable& fds() { return fds_; }
  // fd_readdir's cookie table (wasi/dir_cookies.h).
  DirCookies& dir_cookies() { return dir_cookies_; }

  // The traced groups (ContextOptions::trace_groups), and one trace line.
  uint32_t trace_groups() const { return options_.trace_groups; }
  void trace(std::string_view line) const {
    if (options_.trace_sink)
      options_.trace_sink(line);
  }
  // A call that would make a new descriptor found fds().full(): returns
  // Mfile, and reports the first such refusal under
  // ContextOptions::open_files through `notice`. `what` names the call,
  // e.g. "path_open of 'a/b.txt'". Checked before the host opens anything,
  // so a refused open has no side effect.
  Errno refuse_fd(std::string_view what);
  // The byte limit a write through `entry` counts against: output for the
  // stdio entries, file_output for other regular files; null if none.
  // Returned when the limit is not set too (it counts, never clips).
  ByteBudget* write_budget(const FdEntry& entry);
  // Bytes written so far against the output and file_output limits
  // (counted whether or not a limit is set).
  uint64_t output_used() const { return output_.used(); }
  uint64_t file_output_used() const { return file_output_.used(); }
  // The most descriptors the guest held at once (stdio and preopens too).
  size_t fds_peak() const { return fds_.peak(); }
  // Tells ContextOptions::on_denied that `function` was refused on `entry`
  // (and `path` beneath it) for want of `missing`; nothing for entries that
  // descend from no preopen.
  // `needed` is all the rights asked for (0: just `missing`).
  void report_denial(std::string_view function,
                     const FdEntry& entry,
                     std::string_view path,
                     uint64_t missing,
                     uint64_t needed = 0);
  // Whether on_rights_checked wants allowed checks (so that callers read a
  // path argument only then).
  bool checks_wanted() const {
    return static_cast<bool>(options_.on_rights_checked);
  }
  // Tells on_rights_checked that `function` holding `needed` on `entry`
  // (and `path` beneath it) was allowed.
  void report_allowed(std::string_view function,
                      const FdEntry& entry,
                      std::string_view path,
                      uint64_t needed) {
    if (checks_wanted() && needed != 0 && !entry.guest_path.empty())
      report_check(function, entry, path, needed, 0);
  }

 private:
  void report_check(std::string_view function,
                    const FdEntry& entry,
                    std::string_view path,
                    uint64_t needed,
                    uint64_t missing);

  ContextOptions options_;
  FsAuthority& fs_;
  FdTable fds_;
  DirCookies dir_cookies_;
  ByteBudget output_;
  ByteBudget file_output_;
  bool open_files_noticed_ = false;
};

}  // namespace capbox::wasi
