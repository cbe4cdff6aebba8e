// SPDX-License-Identifier: Apache-2.0
// TracedCall: the line of one call, from its trace.def row. Arguments that
// live in guest memory are read after the call (what fd_read filled in,
// what path_open returned), as strace does; descriptors are named before.
#include "wasi/trace.h"

#include <algorithm>
#include <memory>

namespace capbox::wasi {
namespace {

using trace_detail::quote_trace_text;
using trace_detail::quoted_bytes;
using enum TraceKind;

constexpr TraceSpec kSpecs[] = {
#define TRACE_FN(name, ...) {#name, {__VA_ARGS__}},
#include "wasi/trace.def"
#undef TRACE_FN
};

// Kinds that take a (pointer, length) pair.
constexpr bool is_pair(TraceKind kind) {
  return kind == Path || kind == Ciov || kind == Iov || kind == Buf ||
         kind == Name || kind == LinkBuf;
}

constexpr bool is_out(TraceKind kind) {
  return kind >= OutU32;
}

// Every row must describe exactly the parameters preview1.h declares.
constexpr size_t slots(const TraceSpec& spec) {
  size_t n = 0;
  for (TraceKind kind : spec.kinds)
    n += kind == End ? 0 : is_pair(kind) ? 2 : 1;
  return n;
}
static_assert(slots(kSpecs[0]) == 2);
static_assert(std::size(kSpecs) == 46);

// The total of an iovec array, or nullopt when the guest's array is bad.
std::optional<uint64_t> iov_total(const Guest& mem, uint32_t iovs, uint32_t n) {
  auto spans = mem.iovecs(iovs, n);
  if (!spans)
    return std::nullopt;
  uint64_t total = 0;
  for (const auto& span : *spans)
    total += span.size();
  return total;
}

// The first `len` bytes an iovec array holds, quoted like strace.
std::string iov_data(const Guest& mem,
                     uint32_t iovs,
                     uint32_t n,
                     uint64_t len) {
  auto spans = mem.iovecs(iovs, n);
  if (!spans)
    return "...";
  std::string bytes;
  for (const auto& span : *spans) {
    if (bytes.size() >= len || bytes.size() > 32)
      break;
    const size_t take = std::min<uint64_t>(span.size(), len - bytes.size());
    bytes.append(span.begin(), span.begin() + static_cast<ptrdiff_t>(take));
  }
  // quoted_bytes reads guest memory; this text is already the host's.
  return quote_trace_text(bytes, len, 32);
}

std::string list(const std::vector<std::string>& items) {
  std::string out = "[";
  for (const std::string& item : items) {
    out += out.size() == 1 ? "" : ", ";
    out += "\"" + item + "\"";
  }
  return out + "]";
}

}  // namespace

const TraceSpec* trace_spec(std::string_view function) {
  for (const TraceSpec& spec : kSpecs) {
    if (spec.name == function)
      return &spec;
  }
  return nullptr;
}

std::string trace_fd(Context& ctx, uint32_t fd) {
  std::string out = std::to_string(fd);
  auto entry = ctx.fds().get(fd, 0);
  if (entry && !(*entry)->guest_path.empty())
    out += "<" + (*entry)->guest_path + ">";
  else if (entry && (*entry)->preopen_name)
    out += "<" + *(*entry)->preopen_name + ">";
  return out;
}

TracedCall::TracedCall(Call& call, const uint64_t* args, size_t arity)
    : call_(call), spec_(trace_spec(call.function)) {
  std::copy_n(args, std::min(arity, kMaxTraceSlots), args_.begin());
  if (spec_ == nullptr)
    return;
  size_t slot = 0;
  for (TraceKind kind : spec_->kinds) {
    if (kind == Fd)
      fd_names_[slot] = trace_fd(call.ctx, static_cast<uint32_t>(args_[slot]));
    slot += is_pair(kind) ? 2 : 1;
  }
  if (call.function == "proc_exit")
    call.ctx.trace("proc_exit(" + std::to_string(args_[0]) + ")");
}

void TracedCall::finish(const Ret& outcome) {
  if (spec_ == nullptr)
    return;
  std::string line = std::string(spec_->name) + "(";
  if (!outcome) {
    line += arguments(Errno::Io) +
            ") = ? (trap: " + outcome.error().describe() + ")";
  } else if (*outcome != Errno::Success) {
    line += arguments(*outcome) + ") = -1 " +
            std::string(trace_detail::errno_name(*outcome));
  } else {
    line += arguments(Errno::Success) + ") = 0";
    if (std::string o = outs(); !o.empty())
      line += " [" + o + "]";
  }
  call_.ctx.trace(line);
}

void TracedCall::finish(const engine::Trap&) {}

std::string TracedCall::arguments(Errno result) const {
  const Guest& mem = call_.mem;
  const bool ok = result == Errno::Success;
  std::string out;
  size_t slot = 0;
  // The size an Out* reports, for what fd_read and path_readlink filled.
  std::optional<uint64_t> done;
  for (size_t i = 0, s = 0; i < kMaxTraceSlots && spec_->kinds[i] != End; ++i) {
    if (spec_->kinds[i] == OutSize && ok) {
      if (auto n = mem.load<uint32_t>(static_cast<uint32_t>(args_[s])))
        done = *n;
    }
    s += is_pair(spec_->kinds[i]) ? 2 : 1;
  }
  for (TraceKind kind : spec_->kinds) {
    if (kind == End)
      break;
    const auto a = static_cast<uint32_t>(args_[slot]);
    const auto b =
        slot + 1 < kMaxTraceSlots ? static_cast<uint32_t>(args_[slot + 1]) : 0u;
    std::string text;
    switch (kind) {
      case Fd:
        text = fd_names_[slot];
        break;
      case Path:
        text = quoted_bytes(mem, a, b, 200);
        break;
      case Ptr:
        text = "...";
        break;
      case Subs:
        text = trace_detail::subscriptions(
            mem, call_.abi, a, static_cast<uint32_t>(args_[slot + 2]));
        break;
      case Ciov:
        if (auto total = iov_total(mem, a, b))
          text = iov_data(mem, a, b, *total) + ", " + std::to_string(*total);
        else
          text = "..., ?";
        break;
      case Iov: {
        auto total = iov_total(mem, a, b);
        text = (done ? iov_data(mem, a, b, *done) : "...") + ", " +
               (total ? std::to_string(*total) : "?");
        break;
      }
      case Buf:
        text = std::to_string(b);
        break;
      case Name:
        text = (ok ? quoted_bytes(mem, a, b, 200) : "...") + ", " +
               std::to_string(b);
        break;
      case LinkBuf:
        text = (ok && done
                    ? quoted_bytes(mem, a, static_cast<uint32_t>(*done), 200)
                    : "...") +
               ", " + std::to_string(b);
        break;
      default:
        if (!is_out(kind))
          text = trace_detail::scalar(kind, args_[slot], call_.abi);
        break;
    }
    if (!text.empty())
      out += (out.empty() ? "" : ", ") + text;
    slot += is_pair(kind) ? 2 : 1;
  }
  return out;
}

std::string TracedCall::outs() const {
  const Guest& mem = call_.mem;
  std::string out;
  size_t slot = 0;
  for (TraceKind kind : spec_->kinds) {
    if (kind == End)
      break;
    const auto ptr = static_cast<uint32_t>(args_[slot]);
    std::string text;
    switch (kind) {
      case OutU32:
      case OutSize:
        if (auto v = mem.load<uint32_t>(ptr))
          text = std::to_string(*v);
        break;
      case OutU64:
        if (auto v = mem.load<uint64_t>(ptr))
          text = std::to_string(*v);
        break;
      case OutFd:
        if (auto v = mem.load<uint32_t>(ptr))
          text = "fd " + trace_fd(call_.ctx, *v);
        break;
      case OutArgs:
        text = list(call_.ctx.args());
        break;
      case OutEnv:
        text = list(call_.ctx.env());
        break;
      case OutFdstat:
        text = trace_detail::fdstat(mem, ptr);
        break;
      case OutFilestat:
        text = trace_detail::filestat(mem, call_.abi, ptr);
        break;
      case OutPrestat:
        text = trace_detail::prestat(mem, ptr);
        break;
      default:
        break;
    }
    if (!text.empty())
      out += (out.empty() ? "" : ", ") + text;
    slot += is_pair(kind) ? 2 : 1;
  }
  return out;
}

std::string trace_denial_suffix(const TraceDenialReason& reason) {
  std::string words;
  std::string_view rest = reason.missing_words;
  while (!rest.empty()) {
    const size_t comma = std::min(rest.find(','), rest.size());
    words += (words.empty() ? "\"" : ", \"") +
             std::string(rest.substr(0, comma)) + "\"";
    rest.remove_prefix(std::min(comma + 1, rest.size()));
  }
  std::string out = " (denied: " + words + " not granted";
  if (!reason.where.empty())
    out += ", " + reason.where;
  return out + ")";
}

// The denial hook runs inside the call, its trace line is written after
// it: the reason waits in `pending` for the line of the same function.
// A denial of an untraced call is dropped at the next line.
void trace_denial_reasons(ContextOptions& options, TraceDenialReasoner reason) {
  if (!options.trace_sink || !reason)
    return;
  struct Pending {
    std::string function;
    std::string suffix;
  };
  auto pending = std::make_shared<Pending>();
  options.on_denied =
      [pending, reason = std::move(reason),
       next = std::move(options.on_denied)](const RightsDenial& denial) {
        if (auto why = reason(denial)) {
          pending->function = std::string(denial.function);
          pending->suffix = trace_denial_suffix(*why);
        }
        if (next)
          next(denial);
      };
  options.trace_sink =
      [pending, sink = std::move(options.trace_sink)](std::string_view line) {
        if (pending->suffix.empty())
          return sink(line);
        const bool ours = line.starts_with(pending->function + "(") &&
                          line.ends_with(") = -1 NOTCAPABLE");
        std::string text(line);
        if (ours)
          text += pending->suffix;
        pending->function.clear();
        pending->suffix.clear();
        sink(text);
      };
}

}  // namespace capbox::wasi
