// SPDX-License-Identifier: Apache-2.0
// A capbox policy as data: what one program may use. Every value keeps the
// file:line:column it came from, so that a denial or a refused flag can name
// the policy line that would have to change. Pure data: no I/O, no syscalls.
// Depends on base/result.h and wasi/types.h (the rights bits) only.
//
// The TOML layout (design/CLI.md 3b; capbox-policy(5)). Every key is
// optional except `version`; an unknown key, a wrong type or a bad value is
// an error, never ignored.
//
//   version = 1                          # required
//   description = "Reads ./in, writes ./out"
//   extends = ["base", "../common.toml"] # a name, or a path relative to
//                                        # this file; base first, then us
//   locked = true                        # command-line flags may not add
//                                        # grants or change limits
//   [program]
//   module = "/opt/imgconv/imgconv.wasm"
//   sha256 = "9f2c...7e6d"               # 64 hex digits
//   argv0 = "imgconv"
//   args = ["--strip-metadata"]          # passed before the user's
//   extra_args = true                    # may the user append arguments
//
//   [[fs.dir]]                           # one table per preopened dir
//   host = "./in"                        # relative to capbox's cwd
//   guest = "/in"                        # unique within the policy
//   rights = ["read"]                    # read write create delete rename
//                                        # metadata, or "ro" / "rw"
//   missing = "error"                    # error | create | skip
//
//   [env]
//   inherit = ["LANG", "TZ"]             # copied from the caller when set
//   set = { QUALITY = "85" }
//   inherit_all = false                  # the caller's whole environment
//
//   [limits]
//   memory = "256MiB"                    # B, KiB, MiB, GiB (or bytes)
//   fuel = 5_000_000_000                 # wasm instructions
//   cpu_time = "20s"                     # ms, s, m, h
//   wall_time = "60s"
//   open_files = 32
//   output = "16MiB"                     # bytes to stdout and stderr
//   file_output = "512MiB"               # bytes written to files
//   processes = 64                       # exec: live processes at once
//
//   [net]
//   listen = ["127.0.0.1:8080"]          # preopened listening TCP sockets
//
//   [wasi]                               # which WASI groups exist at all
//   filesystem = true                    # (each defaults to true)
//   clocks = true
//   random = true
//   poll = true
//   sockets = false
//
//   [audit]
//   denials = "stderr"                   # off | stderr | file
//   log = "~/capbox/app.jsonl"           # every run writes this audit log
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "wasi/types.h"

namespace capbox::policy {

// Where a value was written. `line` and `column` count from 1; 0 means
// "not from a file" (a command-line flag, whose `file` names the flag).
struct Location {
  std::string file;
  uint32_t line = 0;
  uint32_t column = 0;
};

// "file:line:column", or just `file` when there is no line.
std::string to_string(const Location& where);

template <typename T>
struct Located {
  T value{};
  Location where;
};

enum class Missing { kError, kCreate, kSkip };

struct DirGrant {
  std::string host;
  std::string guest;
  wasi::Rights rights;
  Missing missing = Missing::kError;
  Location where;         // the [[fs.dir]] table (or the --dir flag)
  Location rights_where;  // the `rights` value, the line to edit
};

// The form guest paths are compared in: "/data" and "/data/" are one
// directory to the guest.
inline std::string guest_key(std::string guest) {
  while (guest.size() > 1 && guest.back() == '/')
    guest.pop_back();
  return guest;
}

struct Program {
  std::optional<Located<std::string>> module;
  std::optional<Located<std::string>> sha256;  // lower-case hex
  std::optional<Located<std::string>> argv0;
  std::optional<Located<std::vector<std::string>>> args;
  std::optional<Located<bool>> extra_args;
};

struct Env {
  std::vector<Located<std::string>> inherit;
  std::map<std::string, Located<std::string>> set;
  std::optional<Located<bool>> inherit_all;
};

// Sizes are bytes, durations milliseconds.
struct Limits {
  std::optional<Located<uint64_t>> memory;
  std::optional<Located<uint64_t>> fuel;
  std::optional<Located<uint64_t>> cpu_time_ms;
  std::optional<Located<uint64_t>> wall_time_ms;
  std::optional<Located<uint64_t>> open_files;
  std::optional<Located<uint64_t>> output;
  std::optional<Located<uint64_t>> file_output;
  std::optional<Located<uint64_t>> processes;  // exec only
};

// The [limits] keys, for code that treats them alike (merging, printing).
enum class LimitKind { kSize, kCount, kDuration };
struct LimitField {
  std::string_view key;
  std::optional<Located<uint64_t>> Limits::*member;
  LimitKind kind;
};
inline constexpr std::array<LimitField, 8> kLimitFields = {{
    {"memory", &Limits::memory, LimitKind::kSize},
    {"fuel", &Limits::fuel, LimitKind::kCount},
    {"cpu_time", &Limits::cpu_time_ms, LimitKind::kDuration},
    {"wall_time", &Limits::wall_time_ms, LimitKind::kDuration},
    {"open_files", &Limits::open_files, LimitKind::kCount},
    {"output", &Limits::output, LimitKind::kSize},
    {"file_output", &Limits::file_output, LimitKind::kSize},
    {"processes", &Limits::processes, LimitKind::kCount},
}};

// Which WASI function groups the guest can link against; unset means on.
struct WasiGroups {
  std::optional<Located<bool>> filesystem;
  std::optional<Located<bool>> clocks;
  std::optional<Located<bool>> random;
  std::optional<Located<bool>> poll;
  std::optional<Located<bool>> sockets;
};

// How a run reports denials: kStderr prints each rule's first denial on
// stderr (the default); kOff prints none; kFile prints none and writes an
// audit log (the default file when neither [audit] log nor --audit names
// one). The audit log, when there is one, has every decision regardless.
enum class DenialReport { kOff, kStderr, kFile };

struct Audit {
  std::optional<Located<DenialReport>> denials;
  // As written: "~/" is $HOME's, a relative path is the invocation
  // directory's (as [[fs.dir]] host), resolved when the run opens it.
  std::optional<Located<std::string>> log;
};

// A default-constructed Policy is capbox's default: stdio only.
struct Policy {
  // The file this policy was read from (after extends: the child's).
  std::string file;
  // After extends: every file merged into it, in the order they apply
  // (bases first, the child last); empty until extends are resolved.
  std::vector<std::string> read_from;
  std::optional<Located<std::string>> description;
  std::vector<Located<std::string>> extends;
  std::optional<Located<bool>> locked;
  Program program;
  std::vector<DirGrant> dirs;
  Env env;
  Limits limits;
  std::vector<Located<std::string>> listen;  // "ADDR:PORT"
  WasiGroups wasi;
  Audit audit;

  bool is_locked() const { return locked && locked->value; }
};

inline bool group_enabled(const std::optional<Located<bool>>& group) {
  return !group || group->value;
}

// A problem with a policy, located for `FILE:LINE:COL` messages.
struct Error {
  Location where;
  std::string message;
  std::string hint;  // empty when there is nothing useful to add
  // The policy file itself does not exist (`policy check` exits 66 rather
  // than 65).
  bool not_found = false;
};
using Errors = std::vector<Error>;

// The message shape of design/CLI.md 3d:
//   capbox: error: policy FILE: MESSAGE
//     --> FILE:LINE:COL
//      = help: HINT
std::string format_error(const Error& error);

}  // namespace capbox::policy
