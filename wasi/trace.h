// SPDX-License-Identifier: Apache-2.0
// --trace for WASI: one line per call, strace-like, `name(args) = result`,
// handed to ContextOptions::trace_sink. link.cc makes a TracedCall around
// a call only when the function's group (trace_groups.h) is traced, so a
// run without --trace pays one bit test per call. Arguments are decoded by
// the per-function table trace.def. Depends on wasi/ and engine/trap.h.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "engine/trap.h"
#include "wasi/preview1.h"

namespace capbox::wasi {

inline constexpr size_t kMaxTraceSlots = 10;

// How one parameter (or pointer, length pair) is shown; see trace.def.
enum class TraceKind : uint8_t {
  End,
  Fd,
  Path,
  Ptr,
  U32,
  U64,
  I64,
  Lookup,
  Oflags,
  Fdflags,
  Rights,
  Inherit,
  Whence,
  Clock,
  Advice,
  Fst,
  Signal,
  Sdflags,
  Riflags,
  Subs,
  Ciov,
  Iov,
  Buf,
  Name,
  LinkBuf,
  OutU32,
  OutU64,
  OutSize,
  OutFd,
  OutArgs,
  OutEnv,
  OutFdstat,
  OutFilestat,
  OutPrestat,
};

struct TraceSpec {
  std::string_view name;
  std::array<TraceKind, kMaxTraceSlots> kinds;
};

// The table row of a preview1 function; null for an unknown name.
const TraceSpec* trace_spec(std::string_view function);

// The guest descriptor as a trace shows it: "3</in>" when it has a guest
// path, else the number.
std::string trace_fd(Context& ctx, uint32_t fd);

// One call being traced: built before it runs (descriptors are named then,
// before fd_close or fd_renumber changes them; proc_exit is written then,
// as it never returns), finished after.
class TracedCall {
 public:
  TracedCall(Call& call, const uint64_t* args, size_t arity);
  void finish(const Ret& outcome);
  void finish(const engine::Trap& trap);  // proc_exit: written already

 private:
  std::string arguments(Errno result) const;
  std::string outs() const;

  Call& call_;
  const TraceSpec* spec_;
  std::array<uint64_t, kMaxTraceSlots> args_{};
  std::array<std::string, kMaxTraceSlots> fd_names_;
};

// Why the rights refused a call, as the embedder knows it: the rights
// words the grant lacks ("write,create", comma-separated, as policies spell
// them) and where that grant's rights were set ("app.toml:9:10", or the
// flag). A call whose denial has a reason ends its NOTCAPABLE trace line
// with ` (denied: "write", "create" not granted, app.toml:9:10)`.
struct TraceDenialReason {
  std::string missing_words;
  std::string where;
};
using TraceDenialReasoner =
    std::function<std::optional<TraceDenialReason>(const RightsDenial&)>;

// Chains `options.on_denied` (called as before) and `options.trace_sink`
// so that the reason of each denial reaches the line of the call that was
// refused. Call after both are set; nothing changes when trace_sink is
// empty.
void trace_denial_reasons(ContextOptions& options, TraceDenialReasoner reason);

// ` (denied: "write", "create" not granted, app.toml:9:10)`.
std::string trace_denial_suffix(const TraceDenialReason& reason);

// Decoders shared by trace.cc and trace_format.cc.
namespace trace_detail {
// The text of argument `slot` of kind `kind` (the ones that need no
// memory read after the call); `fd_name` is the snapshot for Fd.
std::string scalar(TraceKind kind, uint64_t value, Abi abi);
// The bytes of a (pointer, length) pair, quoted and shortened like strace
// (32 bytes, then "..."), or "..." when the guest's pointer is bad.
// `text` (the first bytes of `total`) quoted like strace: escapes for
// quotes, backslashes, \n, \t and other bytes outside printable ASCII, at
// most `limit` bytes shown, "..." when `total` is longer.
std::string quote_trace_text(std::string_view text,
                             uint64_t total,
                             size_t limit);
std::string quoted_bytes(const Guest& mem,
                         uint32_t ptr,
                         uint32_t len,
                         size_t limit = 32);
// The upper-case WASI name of an errno ("NOENT", "NOTCAPABLE").
std::string_view errno_name(Errno e);
// Subscriptions of poll_oneoff: "[clock(MONOTONIC, 1000000), fd_read(0)]".
std::string subscriptions(const Guest& mem, Abi abi, uint32_t in, uint32_t n);
// fdstat, filestat, prestat at `ptr`, after a successful call.
std::string fdstat(const Guest& mem, uint32_t ptr);
std::string filestat(const Guest& mem, Abi abi, uint32_t ptr);
std::string prestat(const Guest& mem, uint32_t ptr);
}  // namespace trace_detail

}  // namespace capbox::wasi
