// SPDX-License-Identifier: Apache-2.0
// NoteSender: deduplicates in the child, so that a guest looping over one
// descriptor costs one round trip, not one per call. A broken broker
// ends the notes, never the guest: they only describe the run.
#include "cli/guest_notes.h"

#include <string.h>

namespace capbox::cli {
namespace {

// Denials are counted (the report says how many); past this many of one
// kind the count stops growing rather than the run slowing down.
constexpr uint32_t kMaxSameDenial = 256;
// Well under the supervisor's bound: past it, the child goes quiet.
constexpr uint64_t kMaxNotes = 1u << 19;

const char* trap_word(engine::TrapKind kind) {
  using engine::TrapKind;
  switch (kind) {
    case TrapKind::Unreachable:
      return "unreachable";
    case TrapKind::MemoryOutOfBounds:
      return "memory_out_of_bounds";
    case TrapKind::TableOutOfBounds:
      return "table_out_of_bounds";
    case TrapKind::IntegerDivideByZero:
      return "integer_divide_by_zero";
    case TrapKind::IntegerOverflow:
      return "integer_overflow";
    case TrapKind::InvalidConversion:
      return "invalid_conversion";
    case TrapKind::IndirectCallTypeMismatch:
      return "indirect_call_type_mismatch";
    case TrapKind::UndefinedElement:
      return "undefined_element";
    case TrapKind::UninitializedElement:
      return "uninitialized_element";
    case TrapKind::CallStackExhausted:
      return "call_stack_exhausted";
    case TrapKind::OutOfFuel:
      return "out_of_fuel";
    case TrapKind::Interrupted:
      return "interrupted";
    case TrapKind::Exit:
      return "exit";
    case TrapKind::HostError:
      return "host_error";
  }
  return "unknown";
}

}  // namespace

std::string trap_reason(const engine::Trap& trap) {
  return std::string("trap:") + trap_word(trap.kind);
}

std::string signal_reason(int signal) {
  const char* name = ::sigabbrev_np(signal);
  return name != nullptr ? std::string("signal:SIG") + name
                         : "signal:" + std::to_string(signal);
}

std::function<void(const wasi::RightsCheck&)> NoteSender::hook() {
  return [this](const wasi::RightsCheck& check) {
    const bool allowed = check.missing == 0;
    std::string key;
    key.reserve(check.function.size() + check.guest_path.size() + 24);
    key += allowed ? 'a' : 'd';
    key += std::to_string(check.needed);
    key += '\0';
    key += check.function;
    key += '\0';
    key += check.guest_path;
    uint32_t& times = sent_[key];
    if (times >= (allowed ? 1 : kMaxSameDenial))
      return;
    ++times;
    send(allowed ? broker::kNoteAllowed : broker::kNoteDenied, check.function,
         check.guest_path, check.needed);
  };
}

void NoteSender::usage(const broker::NoteUsage& usage,
                       std::string_view reason) {
  char text[256];
  auto size = broker::format_note_usage(usage, text);
  if (!size || client_.broken())
    return;
  broker::Request request;
  request.op = broker::Op::Note;
  request.fields.flags = broker::kNoteUsage;
  request.path = std::string_view(text, *size);
  request.path2 = reason;
  (void)client_.call(request);
}

void NoteSender::send(uint32_t kind,
                      std::string_view word,
                      std::string_view path,
                      uint64_t rights) {
  if (client_.broken() || ++total_ > kMaxNotes ||
      path.size() > broker::kMaxPath)
    return;
  broker::Request request;
  request.op = broker::Op::Note;
  request.fields.flags = kind;
  request.fields.size = rights & broker::kNoteRightsMask;
  request.path = path;
  request.path2 = word;
  (void)client_.call(request);
}

}  // namespace capbox::cli
