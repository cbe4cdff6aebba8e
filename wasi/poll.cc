// SPDX-License-Identifier: Apache-2.0
// poll_oneoff: clock and fd subscriptions over one ppoll(2), which waits
// for real (wasi-libc's poll(), select() and nanosleep() all end here).
// The whole call fails only for what makes the request unreadable: no
// subscriptions (Inval, as wasmtime), bad in/out ranges (Fault), an unknown
// tag or flag bit (Inval). A subscription that cannot be served (bad fd,
// missing right, a clock that cannot be waited on) becomes an event
// carrying that error, so the others still count. wasi_unstable differs
// only in its 56-byte subscription (see layout:: in types.h). Depends on
// wasi/ only.
#include <fcntl.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>
#include <vector>

#include "base/host_fstat.h"
#include "wasi/errno_map.h"
#include "wasi/preview1.h"

namespace capbox::wasi::preview1 {
namespace {

constexpr uint64_t kNanosPerSecond = 1'000'000'000;

template <typename T>
T read_le(const uint8_t* at) {
  T value;
  std::memcpy(&value, at, sizeof(T));
  return value;
}

template <typename T>
void write_le(uint8_t* at, T value) {
  std::memcpy(at, &value, sizeof(T));
}

uint64_t now_ns(clockid_t clock) {
  timespec ts{};
  ::clock_gettime(clock, &ts);  // cannot fail for these two clocks
  return static_cast<uint64_t>(ts.tv_sec) * kNanosPerSecond +
         static_cast<uint64_t>(ts.tv_nsec);
}

struct Event {
  uint64_t userdata = 0;
  Errno error = Errno::Success;
  EventType type = EventType::Clock;
  uint64_t nbytes = 0;
  uint16_t flags = 0;
};

// One decoded subscription and what it waits on.
struct Sub {
  uint64_t userdata = 0;
  EventType type = EventType::Clock;
  // Served at once with this error (bad fd, missing right, bad clock).
  Errno error = Errno::Success;
  // Clock: the deadline, in nanoseconds on `clock`. Relative timeouts are
  // measured on the monotonic clock whichever clock they name; absolute
  // realtime ones stay on the realtime clock, so a clock step is honoured.
  clockid_t clock = CLOCK_MONOTONIC;
  uint64_t deadline = 0;
  // fd_read / fd_write.
  int host_fd = -1;
  bool regular_file = false;  // always ready; never handed to ppoll
  size_t poll_index = 0;
};

struct ClockFields {
  uint32_t id;
  uint64_t timeout;
  uint16_t flags;
};

ClockFields clock_fields(const uint8_t* sub, Abi abi) {
  // wasi_unstable puts a u64 `identifier` first in the clock member.
  const uint8_t* clock = sub + (abi == Abi::Unstable ? 24 : 16);
  return {read_le<uint32_t>(clock), read_le<uint64_t>(clock + 8),
          read_le<uint16_t>(clock + 24)};
}

// Inval for an unknown flag bit (the whole call fails, as a malformed
// request); an unsupported clock only marks this subscription.
Result<void, Errno> decode_clock(const uint8_t* at, Abi abi, Sub& sub) {
  const ClockFields clock = clock_fields(at, abi);
  if ((clock.flags & ~kSubclockAbstime) != 0)
    return Unexpected(Errno::Inval);
  const bool absolute = (clock.flags & kSubclockAbstime) != 0;
  const auto id = static_cast<ClockId>(clock.id);
  // The CPU-time clocks do not advance while the guest waits, so waiting
  // on them is refused, as wasmtime does.
  if (id != ClockId::Realtime && id != ClockId::Monotonic) {
    sub.error = Errno::Inval;
    return {};
  }
  if (absolute) {
    sub.clock = id == ClockId::Realtime ? CLOCK_REALTIME : CLOCK_MONOTONIC;
    sub.deadline = clock.timeout;
    return {};
  }
  sub.clock = CLOCK_MONOTONIC;
  const uint64_t now = now_ns(CLOCK_MONOTONIC);
  sub.deadline =
      clock.timeout > UINT64_MAX - now ? UINT64_MAX : now + clock.timeout;
  return {};
}

void decode_fd(const uint8_t* at, Context& ctx, Sub& sub) {
  auto entry =
      ctx.fds().get(read_le<uint32_t>(at + 16), right::kPollFdReadwrite);
  if (!entry) {
    sub.error = entry.error();
    return;
  }
  sub.host_fd = (*entry)->fd.get();
  struct stat st {};
  if (sub.host_fd < 0 || host_fstat(sub.host_fd, &st) != 0) {
    sub.error = Errno::Badf;
    return;
  }
  sub.regular_file = S_ISREG(st.st_mode);
}

// The caller has checked the whole array's range.
Result<std::vector<Sub>, Errno> decode(const Guest& mem,
                                       uint32_t in,
                                       uint32_t count,
                                       Abi abi,
                                       Context& ctx) {
  const uint32_t size = abi == Abi::Unstable ? layout::kUnstableSubscriptionSize
                                             : layout::kSubscriptionSize;
  std::vector<Sub> subs(count);
  for (uint32_t i = 0; i < count; ++i) {
    const uint8_t* at = mem.bytes(in + i * size, size)->data();
    Sub& sub = subs[i];
    sub.userdata = read_le<uint64_t>(at);
    const uint8_t tag = at[8];
    if (tag > static_cast<uint8_t>(EventType::FdWrite))
      return Unexpected(Errno::Inval);
    sub.type = static_cast<EventType>(tag);
    if (sub.type != EventType::Clock) {
      decode_fd(at, ctx, sub);
      continue;
    }
    if (auto ok = decode_clock(at, abi, sub); !ok)
      return Unexpected(ok.error());
  }
  return subs;
}

int queued_bytes(int fd) {
  int n = 0;
  return ::ioctl(fd, FIONREAD, &n) == 0 && n > 0 ? n : 0;
}

// Room left in a pipe or socket send buffer; 0 where the host cannot say.
uint64_t writable_bytes(int fd) {
  struct stat st {};
  if (host_fstat(fd, &st) != 0)
    return 0;
  if (S_ISFIFO(st.st_mode)) {
    const int size = ::fcntl(fd, F_GETPIPE_SZ);
    const int used = queued_bytes(fd);
    return size > used ? static_cast<uint64_t>(size - used) : 0;
  }
  if (S_ISSOCK(st.st_mode)) {
    int size = 0;
    socklen_t len = sizeof size;
    int used = 0;
    if (::getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, &len) != 0 ||
        ::ioctl(fd, TIOCOUTQ, &used) != 0)
      return 0;
    return size > used ? static_cast<uint64_t>(size - used) : 0;
  }
  return 0;
}

// A regular file is always ready; a read reports the bytes left to EOF.
Event file_event(const Sub& sub) {
  Event event{sub.userdata, Errno::Success, sub.type};
  if (sub.type == EventType::FdRead) {
    struct stat st {};
    const off_t pos = ::lseek(sub.host_fd, 0, SEEK_CUR);
    if (pos >= 0 && host_fstat(sub.host_fd, &st) == 0 && st.st_size > pos)
      event.nbytes = static_cast<uint64_t>(st.st_size - pos);
  }
  return event;
}

std::optional<Event> fd_event(const Sub& sub, short revents) {
  if (revents == 0)
    return std::nullopt;
  Event event{sub.userdata, Errno::Success, sub.type};
  if (revents & POLLNVAL) {
    event.error = Errno::Badf;
  } else if ((revents & POLLERR) && !(revents & POLLHUP)) {
    // A pending socket error or a pipe with no reader left: the next
    // read or write reports the real errno.
    event.error = Errno::Io;
  } else {
    if (revents & POLLHUP)
      event.flags = kEventFdReadwriteHangup;
    event.nbytes = sub.type == EventType::FdRead
                       ? static_cast<uint64_t>(queued_bytes(sub.host_fd))
                       : writable_bytes(sub.host_fd);
  }
  return event;
}

// Every event that is ready now, in subscription order.
std::vector<Event> collect(const std::vector<Sub>& subs,
                           const std::vector<pollfd>& fds) {
  std::vector<Event> events;
  const uint64_t mono = now_ns(CLOCK_MONOTONIC);
  const uint64_t real = now_ns(CLOCK_REALTIME);
  for (const Sub& sub : subs) {
    if (sub.error != Errno::Success) {
      events.push_back({sub.userdata, sub.error, sub.type});
    } else if (sub.type == EventType::Clock) {
      const uint64_t now = sub.clock == CLOCK_REALTIME ? real : mono;
      if (now >= sub.deadline)
        events.push_back({sub.userdata, Errno::Success, sub.type});
    } else if (sub.regular_file) {
      events.push_back(file_event(sub));
    } else if (auto event = fd_event(sub, fds[sub.poll_index].revents)) {
      events.push_back(*event);
    }
  }
  return events;
}

// How long to wait before some subscription is due: 0 if one already is,
// nullopt for no limit (fd subscriptions only).
std::optional<uint64_t> wait_time(const std::vector<Sub>& subs) {
  std::optional<uint64_t> wait;
  const uint64_t mono = now_ns(CLOCK_MONOTONIC);
  const uint64_t real = now_ns(CLOCK_REALTIME);
  for (const Sub& sub : subs) {
    uint64_t left;
    if (sub.error != Errno::Success || sub.regular_file) {
      left = 0;
    } else if (sub.type == EventType::Clock) {
      const uint64_t now = sub.clock == CLOCK_REALTIME ? real : mono;
      left = sub.deadline > now ? sub.deadline - now : 0;
    } else {
      continue;
    }
    if (!wait || left < *wait)
      wait = left;
  }
  return wait;
}

// Waits until at least one event is ready. ppoll's timeout never ends
// early, but a signal (EINTR) or a realtime clock step can, so the loop
// recomputes what is left rather than trusting one sleep.
Result<std::vector<Event>, Errno> wait_for_events(std::vector<Sub>& subs) {
  std::vector<pollfd> fds;
  for (Sub& sub : subs) {
    if (sub.type == EventType::Clock || sub.error != Errno::Success ||
        sub.regular_file)
      continue;
    sub.poll_index = fds.size();
    const short events = sub.type == EventType::FdRead ? POLLIN : POLLOUT;
    fds.push_back({sub.host_fd, events, 0});
  }
  for (;;) {
    const std::optional<uint64_t> wait = wait_time(subs);
    timespec ts{};
    if (wait) {
      ts.tv_sec = static_cast<time_t>(*wait / kNanosPerSecond);
      ts.tv_nsec = static_cast<long>(*wait % kNanosPerSecond);
    }
    if (::ppoll(fds.data(), fds.size(), wait ? &ts : nullptr, nullptr) < 0) {
      if (errno == EINTR)
        continue;
      return Unexpected(from_host_errno(errno));
    }
    std::vector<Event> events = collect(subs, fds);
    if (!events.empty())
      return events;
  }
}

// The caller has checked room for one event per subscription.
void write_events(const Guest& mem,
                  uint32_t out,
                  const std::vector<Event>& events) {
  for (size_t i = 0; i < events.size(); ++i) {
    const uint32_t offset = static_cast<uint32_t>(i * layout::kEventSize);
    uint8_t* at = mem.bytes(out + offset, layout::kEventSize)->data();
    std::memset(at, 0, layout::kEventSize);
    write_le<uint64_t>(at, events[i].userdata);
    write_le<uint16_t>(at + 8, static_cast<uint16_t>(events[i].error));
    at[10] = static_cast<uint8_t>(events[i].type);
    if (events[i].type != EventType::Clock) {
      write_le<uint64_t>(at + 16, events[i].nbytes);
      write_le<uint16_t>(at + 24, events[i].flags);
    }
  }
}

}  // namespace

Ret poll_oneoff(Call& call,
                u32 in,
                u32 out,
                u32 nsubscriptions,
                u32 nevents_out) {
  if (nsubscriptions == 0)
    return Errno::Inval;
  const uint64_t sub_size = call.abi == Abi::Unstable
                                ? layout::kUnstableSubscriptionSize
                                : layout::kSubscriptionSize;
  const engine::GuestMemory& memory = call.mem.memory();
  // Every range is checked before anything waits or is written: in and
  // out may overlap, so the subscriptions are decoded in full first.
  if (!memory.contains(in, nsubscriptions * sub_size) ||
      !memory.contains(out, nsubscriptions * uint64_t{layout::kEventSize}) ||
      !memory.contains(nevents_out, sizeof(uint32_t)))
    return Errno::Fault;
  auto subs = decode(call.mem, in, nsubscriptions, call.abi, call.ctx);
  if (!subs)
    return subs.error();
  auto events = wait_for_events(*subs);
  if (!events)
    return events.error();
  write_events(call.mem, out, *events);
  if (!call.mem.store<uint32_t>(nevents_out,
                                static_cast<uint32_t>(events->size())))
    return Errno::Fault;
  return Errno::Success;
}

}  // namespace capbox::wasi::preview1
