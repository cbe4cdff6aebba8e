// SPDX-License-Identifier: Apache-2.0
// The groups of `--trace=GROUPS` (strace's -e classes, in WASI's words) as
// bits of one mask, with their names. Shared by the CLI (parsing), the WASI
// tracer and libcapbox-preload, which gets the mask as a number in its
// environment; so constexpr only: no allocation, no libstdc++ at run time.
// Depends on nothing.
#pragma once

#include <cstdint>
#include <string_view>

namespace capbox::wasi {

enum class TraceGroup : uint8_t {
  Args,
  Env,
  Clock,
  Random,
  Fd,
  Path,
  Poll,
  Proc,
  Sock,
};

inline constexpr std::string_view kTraceGroupNames[] = {
    "args", "env", "clock", "random", "fd", "path", "poll", "proc", "sock",
};
inline constexpr uint32_t kTraceAll = (1u << std::size(kTraceGroupNames)) - 1;

constexpr uint32_t trace_bit(TraceGroup group) {
  return 1u << static_cast<unsigned>(group);
}

// The bit of a group name, or 0 when there is no such group.
constexpr uint32_t trace_bit_of(std::string_view name) {
  for (size_t i = 0; i < std::size(kTraceGroupNames); ++i) {
    if (kTraceGroupNames[i] == name)
      return 1u << i;
  }
  return 0;
}

// The trace group of an api.def group ("environ" -> env, "sched" -> proc):
// api.def's names are the policy's [wasi] keys, these are strace's.
constexpr uint32_t trace_bit_of_api_group(std::string_view api_group) {
  if (api_group == "environ")
    return trace_bit(TraceGroup::Env);
  if (api_group == "clocks")
    return trace_bit(TraceGroup::Clock);
  if (api_group == "sockets")
    return trace_bit(TraceGroup::Sock);
  if (api_group == "sched")
    return trace_bit(TraceGroup::Proc);
  return trace_bit_of(api_group);
}

}  // namespace capbox::wasi
