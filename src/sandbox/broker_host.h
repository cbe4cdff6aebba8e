// SPDX-License-Identifier: Apache-2.0
// BrokerHost: the supervisor's side of one child's broker connection. It
// treats the child as hostile: every message is decoded strictly, must
// come in order (hello, the preopens, then operations with increasing
// sequence numbers) and may name only handles this host issued. A
// malformed or out-of-order message ends the service with a Misbehaved
// result naming why, so the supervisor can kill the child and go on with
// its other duties. Well-formed requests are checked against the host's
// own grant table (each handle remembers the grant it descends from),
// performed by a wasi::DirectFs (resolution strictly beneath) with the
// least host access the rights allow, and answered with -errno or a
// descriptor over SCM_RIGHTS. Not thread-safe. Depends on broker/,
// wasi/direct_fs.h and wasi/grant_rights.h; never forks or parses policy.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "base/result.h"
#include "broker/message.h"
#include "sandbox/grants.h"
#include "wasi/direct_fs.h"

namespace capbox::sandbox {

// An operation the grants did not allow. The child gets EACCES, the errno
// Linux gives when permission bits refuse an operation, so guest programs
// report it the ordinary way ("Permission denied"); the WASI layer has
// normally refused such a call already with ENOTCAPABLE, so a denial here
// means the rights vocabulary and the guest's view disagree, or a
// compromised child.
struct Denial {
  std::string operation;   // "open", "unlink" ...
  std::string guest_path;  // the grant's guest name joined with the path
  std::string missing;     // the rights word(s) missing: "write"
  std::string source;      // the grant's source: "policy.toml:12"
};
using DenialHook = std::function<void(const Denial&)>;

// One line for stderr, naming what to change.
std::string describe_denial(const Denial& denial);

// A hook that writes describe_denial(d) and a newline to `fd` the first
// time each rule (source, operation, missing right) denies something, and
// stays quiet for its later denials. `fd` must outlive the hook.
DenialHook print_denials_once(int fd);

// Every decision on an operation the child asked for, allowed or denied
// (hello, preopens, close_dir and notes are not decisions), for --audit.
struct Decision {
  const char* operation = "";  // broker::op_name: "open", "rename" ...
  std::string guest_path;      // the handle's guest dir joined with the path
  // rename, link: the destination's guest path; symlink: the target text.
  std::optional<std::string> target;
  std::string host_path;  // the grant's host dir joined likewise
  uint64_t needed = 0;    // the WASI rights the op needs (both paths')
  uint64_t missing = 0;   // of those, what the grant lacks (denials)
  bool allowed = false;
  size_t grant = 0;  // index into the grants the host was made with
  int error = 0;     // the host result's errno (0: done); EACCES if denied
};
using DecisionHook = std::function<void(const Decision&)>;

// An Op::Note the child sent, decoded strictly; its text is the child's
// claim, views valid during the call. For kNoteAllowed/kNoteDenied the
// host has checked that `guest_path` lies under one of its grants (the
// child's own view) and that an allowed check's rights are the grant's.
struct NoteClaim {
  uint32_t kind = 0;      // broker::kNote*
  std::string_view word;  // the WASI function, or how the run ended
  std::string_view guest_path;
  uint64_t rights = 0;
  size_t grant = 0;  // for rights notes: the grant the path lies under
  broker::NoteUsage usage;
};
using NoteHook = std::function<void(const NoteClaim&)>;

enum class ServeStatus : uint8_t {
  Served,       // one request answered; keep serving
  ChildClosed,  // the child closed its end: it exited or dropped the broker
  Misbehaved,   // malformed or out-of-order: kill the child
  ChannelError  // the socket failed (or a receive timeout passed)
};

struct ServeResult {
  ServeStatus status = ServeStatus::Served;
  std::string why;  // for Misbehaved and ChannelError: "child misbehaved: .."
};

class BrokerHost {
 public:
  // Opens every grant's host directory; an error names the grant, its
  // source and the errno. `on_denial` may be empty.
  static Result<std::unique_ptr<BrokerHost>, std::string> create(
      std::span<const Grant> grants,
      DenialHook on_denial,
      broker::Resolver resolver = broker::Resolver::Kernel);

  // Every decision, allowed or denied; may be empty (the default).
  void set_decision_hook(DecisionHook hook) { on_decision_ = std::move(hook); }
  // Accept Op::Note from the child: without a hook, a note is misbehaviour
  // (a plain run never asked for one).
  void set_note_hook(NoteHook hook) { on_note_ = std::move(hook); }

  // Receives and answers exactly one request from `sock` (blocking; poll
  // it first to serve other duties meanwhile). Once it returned anything
  // but Served it returns that again without reading.
  ServeResult serve_one(int sock);
  // serve_one until it returns anything but Served.
  ServeResult serve(int sock);

 private:
  struct Handle {
    size_t grant = 0;
    std::string guest_dir;  // the grant's guest name joined with the path
    std::string host_dir;   // the grant's host path joined likewise
  };
  struct Outcome;
  struct OpRule;
  static const OpRule& rule_for(broker::Op op);

  BrokerHost(std::vector<Grant> grants,
             DenialHook on_denial,
             broker::Resolver resolver);
  ServeResult misbehaved(const char* why);
  // The checks no honest client fails: sequence, phase, handles.
  const char* check_order(const broker::Request& request);
  // The grant's rights against the rule; false after reporting a denial.
  // Fills `decision` when a decision hook is set.
  bool allowed(const OpRule& rule,
               const broker::Request& request,
               Decision* decision);
  // A note's checks beyond decoding; nullptr or why it is misbehaviour.
  const char* take_note(const broker::Request& request);
  ServeResult reply(int sock, const broker::Request& request, Outcome& outcome);

  Outcome do_hello(const broker::Request& r);
  Outcome do_preopen(const broker::Request& r);
  Outcome do_open(const broker::Request& r);
  Outcome do_stat(const broker::Request& r);
  Outcome do_mkdir(const broker::Request& r);
  Outcome do_unlink(const broker::Request& r);
  Outcome do_rmdir(const broker::Request& r);
  Outcome do_rename(const broker::Request& r);
  Outcome do_link(const broker::Request& r);
  Outcome do_symlink(const broker::Request& r);
  Outcome do_readlink(const broker::Request& r);
  Outcome do_set_times(const broker::Request& r);
  Outcome do_truncate(const broker::Request& r);
  Outcome do_close_dir(const broker::Request& r);
  Outcome do_note(const broker::Request& r);
  Outcome do_chmod(const broker::Request& r);
  // A creating open that sets `mode` on the file only if it made it.
  Result<wasi::Opened, int> open_creating(wasi::DirHandle dir,
                                          std::string_view path,
                                          wasi::OpenRequest request,
                                          uint32_t mode);
  // fchmod of the file at `path` beneath `dir`, opened without following
  // a last symlink when `follow` is No.
  Result<void, int> chmod_at(wasi::DirHandle dir,
                             std::string_view path,
                             wasi::Follow follow,
                             uint32_t mode);

  std::vector<Grant> grants_;
  std::vector<wasi::Opened> roots_;  // grants_[i]'s readdir fd and handle
  DenialHook on_denial_;
  DecisionHook on_decision_;
  NoteHook on_note_;
  size_t notes_ = 0;
  bool usage_noted_ = false;
  wasi::DirectFs fs_;
  std::map<uint32_t, Handle> handles_;  // every handle the child may name
  ServeResult stopped_;
  uint32_t seq_ = 0;
  bool said_hello_ = false;
  bool started_ = false;  // an operation came: no more preopens
  uint32_t next_preopen_ = 0;
  uint8_t buffer_[broker::kMaxMessage];
  uint8_t reply_buffer_[broker::kMaxMessage];
};

}  // namespace capbox::sandbox
