// SPDX-License-Identifier: Apache-2.0
// Trap wording, as the spec's reference interpreter and tests spell it.
#include "engine/trap.h"

#include <cstdio>

namespace capbox::engine {

const char* trap_message(TrapKind kind) {
  switch (kind) {
    case TrapKind::Unreachable: return "unreachable";
    case TrapKind::MemoryOutOfBounds: return "out of bounds memory access";
    case TrapKind::TableOutOfBounds: return "out of bounds table access";
    case TrapKind::IntegerDivideByZero: return "integer divide by zero";
    case TrapKind::IntegerOverflow: return "integer overflow";
    case TrapKind::InvalidConversion: return "invalid conversion to integer";
    case TrapKind::IndirectCallTypeMismatch:
      return "indirect call type mismatch";
    case TrapKind::UndefinedElement: return "undefined element";
    case TrapKind::UninitializedElement: return "uninitialized element";
    case TrapKind::CallStackExhausted: return "call stack exhausted";
    case TrapKind::OutOfFuel: return "all fuel consumed";
    case TrapKind::Interrupted: return "interrupted";
    case TrapKind::Exit: return "exit";
    case TrapKind::HostError: return "host error";
  }
  return "unknown trap";
}

std::string Trap::describe() const {
  std::string text = kind == TrapKind::HostError && !message.empty()
                         ? message
                         : std::string(trap_message(kind));
  if (function != kNoFunction) {
    char where[64];
    std::snprintf(where, sizeof where, " at 0x%x", offset);
    text += " in function ";
    text += function_name.empty() ? "#" + std::to_string(function)
                                  : function_name;
    text += where;
  }
  return text;
}

}  // namespace capbox::engine
