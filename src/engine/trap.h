// SPDX-License-Identifier: Apache-2.0
// Traps are values: a kind (no zero value, so zero can mean "no trap" in
// compact encodings) and where it happened. Messages use the spec's words.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace capbox::engine {

enum class TrapKind : uint8_t {
  Unreachable = 1,
  MemoryOutOfBounds,
  TableOutOfBounds,
  IntegerDivideByZero,
  IntegerOverflow,
  InvalidConversion,
  IndirectCallTypeMismatch,
  UndefinedElement,
  UninitializedElement,
  CallStackExhausted,
  // Raised by embedders, never by the engine itself.
  OutOfFuel,        // instruction budget used up
  Interrupted,      // stopped from outside (wall-clock limit)
  Exit,             // the guest asked to exit (WASI proc_exit); see exit_code
  HostError,        // a host function failed; see Trap::message
};

// The spec's wording for a trap kind ("integer divide by zero", ...).
const char* trap_message(TrapKind kind);

// One frame of a trap's backtrace: a call site (or the trap itself).
struct TraceFrame {
  uint32_t function = 0;      // index in its module's function space
  uint32_t offset = 0;        // byte offset in the module binary
  std::string function_name;  // "" if the module names it nowhere
};

struct Trap {
  TrapKind kind = TrapKind::Unreachable;
  // Function index (in its module's index space) and byte offset in the
  // module binary of the instruction that trapped; unknown when
  // function == kNoFunction.
  static constexpr uint32_t kNoFunction = UINT32_MAX;
  uint32_t function = kNoFunction;
  uint32_t offset = 0;
  std::string function_name;  // from the name section, or "" if unknown
  int32_t exit_code = 0;      // kind == Exit
  std::string message;        // kind == HostError: what failed
  // Innermost first: where it trapped, then each caller's call site, at
  // most kMaxBacktrace of them (deep recursion is summarised by
  // omitted_frames).
  static constexpr size_t kMaxBacktrace = 64;
  std::vector<TraceFrame> backtrace;
  size_t omitted_frames = 0;

  static Trap of(TrapKind k) {
    Trap t;
    t.kind = k;
    return t;
  }
  static Trap host_error(std::string what) {
    Trap t = of(TrapKind::HostError);
    t.message = std::move(what);
    return t;
  }

  // "integer divide by zero", plus " in function NAME at 0xOFF" when known.
  std::string describe() const;
};

}  // namespace capbox::engine
