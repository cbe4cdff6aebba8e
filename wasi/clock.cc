// SPDX-License-Identifier: Apache-2.0
// clock_res_get and clock_time_get: the four preview1 clocks over the
// host's clock_getres/clock_gettime. Identical in wasi_unstable. The
// precision argument is only a hint, so it is ignored: the host clock is
// read at its best resolution. Depends on wasi/ only.
#include <time.h>

#include <cerrno>
#include <optional>

#include "wasi/errno_map.h"
#include "wasi/preview1.h"

namespace capbox::wasi::preview1 {
namespace {

std::optional<clockid_t> host_clock(u32 id) {
  switch (static_cast<ClockId>(id)) {
    case ClockId::Realtime:
      return CLOCK_REALTIME;
    case ClockId::Monotonic:
      return CLOCK_MONOTONIC;
    case ClockId::ProcessCputime:
      return CLOCK_PROCESS_CPUTIME_ID;
    case ClockId::ThreadCputime:
      return CLOCK_THREAD_CPUTIME_ID;
  }
  return std::nullopt;
}

// Timestamps are u64 nanoseconds; the host's are never negative for these
// clocks, and a realtime clock set before 1970 reads as 0 rather than wrap.
uint64_t nanoseconds(const timespec& ts) {
  if (ts.tv_sec < 0)
    return 0;
  return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000u +
         static_cast<uint64_t>(ts.tv_nsec);
}

}  // namespace

Ret clock_res_get(Call& call, u32 id, u32 out) {
  const auto clock = host_clock(id);
  if (!clock)
    return Errno::Inval;
  timespec ts{};
  if (::clock_getres(*clock, &ts) != 0)
    return from_host_errno(errno);
  if (!call.mem.store<uint64_t>(out, nanoseconds(ts)))
    return Errno::Fault;
  return Errno::Success;
}

Ret clock_time_get(Call& call, u32 id, u64 /*precision*/, u32 out) {
  const auto clock = host_clock(id);
  if (!clock)
    return Errno::Inval;
  timespec ts{};
  if (::clock_gettime(*clock, &ts) != 0)
    return from_host_errno(errno);
  if (!call.mem.store<uint64_t>(out, nanoseconds(ts)))
    return Errno::Fault;
  return Errno::Success;
}

}  // namespace capbox::wasi::preview1
