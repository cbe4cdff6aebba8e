// SPDX-License-Identifier: Apache-2.0
// clock_res_get, clock_time_get, random_get, sched_yield and poll_oneoff,
// called directly on a byte buffer standing in for guest memory. Timeouts
// are checked against the host's monotonic clock: never shorter than asked,
// and only generous upper bounds.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstring>
#include <thread>

#include "tests/unit/wasi/wasi_fixture.h"

namespace capbox::wasi {
namespace {

using testing::errno_of;
using testing::WasiFixture;
namespace p1 = preview1;

constexpr uint64_t kMs = 1'000'000;  // nanoseconds
constexpr uint32_t kSubs = 0x100;
constexpr uint32_t kEvents = 0x1000;
constexpr uint32_t kCount = 0x2000;

uint64_t host_now(clockid_t clock) {
  timespec ts{};
  ::clock_gettime(clock, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000u +
         static_cast<uint64_t>(ts.tv_nsec);
}

// Writes one subscription in the fixture's ABI layout at `ptr`.
void put_clock(WasiFixture& f,
               uint32_t ptr,
               uint64_t userdata,
               uint32_t id,
               uint64_t timeout,
               uint16_t flags,
               Abi abi = Abi::Preview1) {
  const uint32_t size = abi == Abi::Unstable ? layout::kUnstableSubscriptionSize
                                             : layout::kSubscriptionSize;
  std::memset(f.mem() + ptr, 0xAA, size);  // padding must not matter
  f.set<uint64_t>(ptr, userdata);
  f.set<uint8_t>(ptr + 8, static_cast<uint8_t>(EventType::Clock));
  const uint32_t clock = ptr + (abi == Abi::Unstable ? 24 : 16);
  f.set<uint32_t>(clock, id);
  f.set<uint64_t>(clock + 8, timeout);
  f.set<uint64_t>(clock + 16, 0);  // precision
  f.set<uint16_t>(clock + 24, flags);
}

void put_fd(WasiFixture& f,
            uint32_t ptr,
            uint64_t userdata,
            EventType type,
            uint32_t fd,
            Abi abi = Abi::Preview1) {
  const uint32_t size = abi == Abi::Unstable ? layout::kUnstableSubscriptionSize
                                             : layout::kSubscriptionSize;
  std::memset(f.mem() + ptr, 0xAA, size);
  f.set<uint64_t>(ptr, userdata);
  f.set<uint8_t>(ptr + 8, static_cast<uint8_t>(type));
  f.set<uint32_t>(ptr + 16, fd);
}

struct Ev {
  uint64_t userdata;
  uint16_t error;
  uint8_t type;
  uint64_t nbytes;
  uint16_t flags;
};

Ev event(WasiFixture& f, uint32_t i) {
  const uint32_t at = kEvents + i * layout::kEventSize;
  return {f.get<uint64_t>(at), f.get<uint16_t>(at + 8), f.get<uint8_t>(at + 10),
          f.get<uint64_t>(at + 16), f.get<uint16_t>(at + 24)};
}

Ret poll(WasiFixture& f, uint32_t n) {
  Call call = f.call();
  std::memset(f.mem() + kEvents, 0xEE, n * layout::kEventSize);
  return p1::poll_oneoff(call, kSubs, kEvents, n, kCount);
}

// Inserts a host fd into the guest's table; returns the guest fd.
uint32_t add_fd(WasiFixture& f,
                int host_fd,
                Filetype type,
                uint64_t rights = right::kAll) {
  FdEntry entry;
  entry.fd = UniqueFd(host_fd);
  entry.type = type;
  entry.base = {rights};
  return *f.ctx().fds().insert(std::move(entry));
}

struct Pipe {
  int read = -1;
  int write = -1;
  Pipe() {
    int fds[2];
    REQUIRE(::pipe2(fds, O_CLOEXEC) == 0);
    read = fds[0];
    write = fds[1];
  }
};

TEST_CASE("clock_time_get: each clock, unknown id, bad pointer") {
  WasiFixture f;
  Call call = f.call();
  const uint64_t before = host_now(CLOCK_REALTIME);
  REQUIRE(errno_of(p1::clock_time_get(call, 0, 0, 8)) == Errno::Success);
  const uint64_t real = f.get<uint64_t>(8);
  CHECK(real >= before);
  CHECK(real <= host_now(CLOCK_REALTIME));

  REQUIRE(errno_of(p1::clock_time_get(call, 1, 1, 8)) == Errno::Success);
  const uint64_t mono1 = f.get<uint64_t>(8);
  REQUIRE(errno_of(p1::clock_time_get(call, 1, 1, 8)) == Errno::Success);
  CHECK(f.get<uint64_t>(8) >= mono1);
  CHECK(mono1 <= host_now(CLOCK_MONOTONIC));

  // CPU time: burn a little so the process and thread clocks move.
  REQUIRE(errno_of(p1::clock_time_get(call, 2, 0, 16)) == Errno::Success);
  REQUIRE(errno_of(p1::clock_time_get(call, 3, 0, 24)) == Errno::Success);
  CHECK(f.get<uint64_t>(16) > 0);
  CHECK(f.get<uint64_t>(24) > 0);
  CHECK(f.get<uint64_t>(24) <= host_now(CLOCK_PROCESS_CPUTIME_ID));

  f.set<uint64_t>(32, 77);
  CHECK(errno_of(p1::clock_time_get(call, 4, 0, 32)) == Errno::Inval);
  CHECK(errno_of(p1::clock_time_get(call, 0xFFFFFFFF, 0, 32)) == Errno::Inval);
  CHECK(f.get<uint64_t>(32) == 77);
  CHECK(errno_of(p1::clock_time_get(call, 0, 0, f.mem_size() - 4)) ==
        Errno::Fault);
  CHECK(errno_of(p1::clock_time_get(call, 0, 0, 0xFFFFFFFC)) == Errno::Fault);
  CHECK(errno_of(p1::clock_time_get(call, 1, 0, f.mem_size() - 8)) ==
        Errno::Success);
}

TEST_CASE("clock_res_get: the host's resolutions") {
  WasiFixture f;
  Call call = f.call();
  const std::array<clockid_t, 4> host = {CLOCK_REALTIME, CLOCK_MONOTONIC,
                                         CLOCK_PROCESS_CPUTIME_ID,
                                         CLOCK_THREAD_CPUTIME_ID};
  for (uint32_t id = 0; id < 4; ++id) {
    CAPTURE(id);
    timespec ts{};
    REQUIRE(::clock_getres(host[id], &ts) == 0);
    REQUIRE(errno_of(p1::clock_res_get(call, id, 40)) == Errno::Success);
    CHECK(f.get<uint64_t>(40) ==
          static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000u +
              static_cast<uint64_t>(ts.tv_nsec));
    CHECK(f.get<uint64_t>(40) > 0);
  }
  CHECK(errno_of(p1::clock_res_get(call, 4, 40)) == Errno::Inval);
  CHECK(errno_of(p1::clock_res_get(call, 1, f.mem_size())) == Errno::Fault);
}

TEST_CASE("random_get: fills the buffer, large ones too; bad range") {
  WasiFixture f;
  Call call = f.call();
  std::memset(f.mem() + 100, 0, 64);
  REQUIRE(errno_of(p1::random_get(call, 100, 64)) == Errno::Success);
  const uint8_t* bytes = f.mem() + 100;
  CHECK(std::any_of(bytes, bytes + 64, [](uint8_t b) { return b != 0; }));
  std::array<uint8_t, 64> first;
  std::memcpy(first.data(), bytes, 64);
  REQUIRE(errno_of(p1::random_get(call, 100, 64)) == Errno::Success);
  CHECK(std::memcmp(first.data(), bytes, 64) != 0);
  // A buffer that ends exactly at the end of memory, untouched before it.
  f.set<uint8_t>(999, 0x5A);
  REQUIRE(errno_of(p1::random_get(call, 1000, f.mem_size() - 1000)) ==
          Errno::Success);
  CHECK(f.get<uint8_t>(999) == 0x5A);
  CHECK(errno_of(p1::random_get(call, f.mem_size(), 0)) == Errno::Success);

  std::memset(f.mem() + f.mem_size() - 10, 0, 10);
  CHECK(errno_of(p1::random_get(call, f.mem_size() - 10, 11)) == Errno::Fault);
  CHECK(std::all_of(f.mem() + f.mem_size() - 10, f.mem() + f.mem_size(),
                    [](uint8_t b) { return b == 0; }));
  CHECK(errno_of(p1::random_get(call, 0xFFFFFFF0, 0x20)) == Errno::Fault);
}

TEST_CASE("sched_yield succeeds") {
  WasiFixture f;
  Call call = f.call();
  CHECK(errno_of(p1::sched_yield(call)) == Errno::Success);
}

TEST_CASE("poll_oneoff: no subscriptions, bad ranges, malformed input") {
  WasiFixture f;
  Call call = f.call();
  CHECK(errno_of(p1::poll_oneoff(call, kSubs, kEvents, 0, kCount)) ==
        Errno::Inval);
  // A 10 s timeout: each range is refused before anything waits.
  put_clock(f, kSubs, 1, 1, 10'000 * kMs, 0);
  const uint64_t start = host_now(CLOCK_MONOTONIC);
  CHECK(errno_of(p1::poll_oneoff(call, f.mem_size() - 40, kEvents, 1,
                                 kCount)) == Errno::Fault);
  CHECK(errno_of(p1::poll_oneoff(call, kSubs, f.mem_size() - 16, 1, kCount)) ==
        Errno::Fault);
  CHECK(errno_of(p1::poll_oneoff(call, kSubs, kEvents, 1, f.mem_size() - 2)) ==
        Errno::Fault);
  // 2 subscriptions fit but the out array needs room for 2 events.
  put_clock(f, kSubs + 48, 2, 1, 0, 0);
  CHECK(errno_of(p1::poll_oneoff(call, kSubs, f.mem_size() - 48, 2, kCount)) ==
        Errno::Fault);
  CHECK(errno_of(p1::poll_oneoff(call, kSubs, kEvents, 0x10000000, kCount)) ==
        Errno::Fault);
  CHECK(host_now(CLOCK_MONOTONIC) - start < 5'000 * kMs);

  put_clock(f, kSubs, 1, 1, 0, 0);
  f.set<uint8_t>(kSubs + 8, 3);  // no such tag
  CHECK(errno_of(poll(f, 1)) == Errno::Inval);
  put_clock(f, kSubs, 1, 1, 0, 2);  // no such flag bit
  CHECK(errno_of(poll(f, 1)) == Errno::Inval);
}

TEST_CASE("poll_oneoff: a relative timeout waits at least that long") {
  WasiFixture f;
  put_clock(f, kSubs, 0x1122334455667788, 1, 50 * kMs, 0);
  f.set<uint32_t>(kCount, 99);
  const uint64_t start = host_now(CLOCK_MONOTONIC);
  REQUIRE(errno_of(poll(f, 1)) == Errno::Success);
  const uint64_t elapsed = host_now(CLOCK_MONOTONIC) - start;
  CHECK(elapsed >= 50 * kMs);
  CHECK(elapsed < 5'000 * kMs);
  REQUIRE(f.get<uint32_t>(kCount) == 1);
  const Ev e = event(f, 0);
  CHECK(e.userdata == 0x1122334455667788);
  CHECK(e.error == 0);
  CHECK(e.type == static_cast<uint8_t>(EventType::Clock));
  CHECK(e.nbytes == 0);  // the whole event is written, padding zeroed
  CHECK(e.flags == 0);

  // A relative realtime timeout is a duration too.
  put_clock(f, kSubs, 5, 0, 30 * kMs, 0);
  const uint64_t start2 = host_now(CLOCK_MONOTONIC);
  REQUIRE(errno_of(poll(f, 1)) == Errno::Success);
  CHECK(host_now(CLOCK_MONOTONIC) - start2 >= 30 * kMs);
  CHECK(event(f, 0).userdata == 5);

  put_clock(f, kSubs, 6, 1, 0, 0);
  REQUIRE(errno_of(poll(f, 1)) == Errno::Success);
  CHECK(f.get<uint32_t>(kCount) == 1);
  CHECK(event(f, 0).userdata == 6);
}

TEST_CASE("poll_oneoff: absolute monotonic and realtime deadlines") {
  WasiFixture f;
  const uint64_t start = host_now(CLOCK_MONOTONIC);
  put_clock(f, kSubs, 1, 1, start + 60 * kMs, kSubclockAbstime);
  REQUIRE(errno_of(poll(f, 1)) == Errno::Success);
  CHECK(host_now(CLOCK_MONOTONIC) >= start + 60 * kMs);
  CHECK(host_now(CLOCK_MONOTONIC) - start < 5'000 * kMs);
  CHECK(event(f, 0).userdata == 1);

  const uint64_t real = host_now(CLOCK_REALTIME);
  put_clock(f, kSubs, 2, 0, real + 60 * kMs, kSubclockAbstime);
  REQUIRE(errno_of(poll(f, 1)) == Errno::Success);
  CHECK(host_now(CLOCK_REALTIME) >= real + 60 * kMs);
  CHECK(event(f, 0).userdata == 2);
  CHECK(event(f, 0).error == 0);

  // A deadline in the past is due at once, even one of 0.
  put_clock(f, kSubs, 3, 1, 0, kSubclockAbstime);
  const uint64_t t0 = host_now(CLOCK_MONOTONIC);
  REQUIRE(errno_of(poll(f, 1)) == Errno::Success);
  CHECK(host_now(CLOCK_MONOTONIC) - t0 < 5'000 * kMs);
  CHECK(event(f, 0).userdata == 3);
}

TEST_CASE("poll_oneoff: clocks that cannot be waited on are Inval events") {
  WasiFixture f;
  put_clock(f, kSubs, 1, 9, 10'000 * kMs, 0);            // unknown clock
  put_clock(f, kSubs + 48, 2, 2, 10'000 * kMs, 0);       // process CPU
  put_clock(f, kSubs + 96, 3, 1, 10'000 * kMs, 0);       // not due
  put_clock(f, kSubs + 144, 4, 3, 1, kSubclockAbstime);  // thread CPU
  REQUIRE(errno_of(poll(f, 4)) == Errno::Success);
  REQUIRE(f.get<uint32_t>(kCount) == 3);
  CHECK(event(f, 0).userdata == 1);
  CHECK(event(f, 1).userdata == 2);
  CHECK(event(f, 2).userdata == 4);
  for (uint32_t i = 0; i < 3; ++i) {
    CHECK(event(f, i).error == static_cast<uint16_t>(Errno::Inval));
    CHECK(event(f, i).type == static_cast<uint8_t>(EventType::Clock));
  }
}

TEST_CASE("poll_oneoff: the earliest of several clocks fires alone") {
  WasiFixture f;
  put_clock(f, kSubs, 1, 1, 10'000 * kMs, 0);
  put_clock(f, kSubs + 48, 2, 1, 20 * kMs, 0);
  put_clock(f, kSubs + 96, 3, 1, 9'000 * kMs, 0);
  const uint64_t start = host_now(CLOCK_MONOTONIC);
  REQUIRE(errno_of(poll(f, 3)) == Errno::Success);
  CHECK(host_now(CLOCK_MONOTONIC) - start >= 20 * kMs);
  CHECK(host_now(CLOCK_MONOTONIC) - start < 5'000 * kMs);
  REQUIRE(f.get<uint32_t>(kCount) == 1);
  CHECK(event(f, 0).userdata == 2);
}

TEST_CASE("poll_oneoff: a pipe that becomes readable ends the wait") {
  WasiFixture f;
  Pipe pipe;
  const uint32_t rfd = add_fd(f, pipe.read, Filetype::Unknown);
  put_fd(f, kSubs, 10, EventType::FdRead, rfd);
  put_clock(f, kSubs + 48, 11, 1, 10'000 * kMs, 0);
  const uint64_t start = host_now(CLOCK_MONOTONIC);
  std::thread writer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    REQUIRE(::write(pipe.write, "hello", 5) == 5);
  });
  const Ret r = poll(f, 2);
  writer.join();
  REQUIRE(errno_of(r) == Errno::Success);
  const uint64_t elapsed = host_now(CLOCK_MONOTONIC) - start;
  CHECK(elapsed >= 50 * kMs);
  CHECK(elapsed < 5'000 * kMs);
  REQUIRE(f.get<uint32_t>(kCount) == 1);
  const Ev e = event(f, 0);
  CHECK(e.userdata == 10);
  CHECK(e.error == 0);
  CHECK(e.type == static_cast<uint8_t>(EventType::FdRead));
  CHECK(e.nbytes == 5);
  CHECK(e.flags == 0);

  // Closing the write end: readable, with the hangup flag and the bytes
  // still unread.
  ::close(pipe.write);
  REQUIRE(errno_of(poll(f, 2)) == Errno::Success);
  REQUIRE(f.get<uint32_t>(kCount) == 1);
  CHECK(event(f, 0).flags == kEventFdReadwriteHangup);
  CHECK(event(f, 0).nbytes == 5);
}

TEST_CASE("poll_oneoff: several fd subscriptions report every ready one") {
  WasiFixture f;
  Pipe a;
  Pipe b;
  REQUIRE(::write(a.write, "abc", 3) == 3);
  const uint32_t a_read = add_fd(f, a.read, Filetype::Unknown);
  const uint32_t b_read = add_fd(f, b.read, Filetype::Unknown);
  const uint32_t b_write = add_fd(f, b.write, Filetype::Unknown);
  put_fd(f, kSubs, 1, EventType::FdRead, b_read);  // nothing to read
  put_fd(f, kSubs + 48, 2, EventType::FdRead, a_read);
  put_fd(f, kSubs + 96, 3, EventType::FdWrite, b_write);
  put_clock(f, kSubs + 144, 4, 1, 10'000 * kMs, 0);
  REQUIRE(errno_of(poll(f, 4)) == Errno::Success);
  REQUIRE(f.get<uint32_t>(kCount) == 2);
  CHECK(event(f, 0).userdata == 2);
  CHECK(event(f, 0).nbytes == 3);
  CHECK(event(f, 1).userdata == 3);
  CHECK(event(f, 1).type == static_cast<uint8_t>(EventType::FdWrite));
  CHECK(event(f, 1).nbytes > 0);  // the pipe's free space
  ::close(a.write);
}

TEST_CASE("poll_oneoff: bad fds and missing rights are error events") {
  WasiFixture f;
  Pipe pipe;
  REQUIRE(::write(pipe.write, "x", 1) == 1);
  const uint32_t no_right =
      add_fd(f, pipe.read, Filetype::Unknown, right::kFdRead);
  put_fd(f, kSubs, 1, EventType::FdRead, 99);
  put_fd(f, kSubs + 48, 2, EventType::FdWrite, no_right);
  put_clock(f, kSubs + 96, 3, 1, 10'000 * kMs, 0);
  const uint64_t start = host_now(CLOCK_MONOTONIC);
  REQUIRE(errno_of(poll(f, 3)) == Errno::Success);
  CHECK(host_now(CLOCK_MONOTONIC) - start < 5'000 * kMs);
  REQUIRE(f.get<uint32_t>(kCount) == 2);
  CHECK(event(f, 0).userdata == 1);
  CHECK(event(f, 0).error == static_cast<uint16_t>(Errno::Badf));
  CHECK(event(f, 0).type == static_cast<uint8_t>(EventType::FdRead));
  CHECK(event(f, 1).userdata == 2);
  CHECK(event(f, 1).error == static_cast<uint16_t>(Errno::Notcapable));
  CHECK(event(f, 1).type == static_cast<uint8_t>(EventType::FdWrite));
  ::close(pipe.write);
}

TEST_CASE("poll_oneoff: regular files are ready; reads report bytes left") {
  WasiFixture f;
  const std::string path = f.dir() / "ten";
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  REQUIRE(fd >= 0);
  REQUIRE(::write(fd, "0123456789", 10) == 10);
  REQUIRE(::lseek(fd, 3, SEEK_SET) == 3);
  const uint32_t file = add_fd(f, fd, Filetype::RegularFile);
  put_fd(f, kSubs, 1, EventType::FdRead, file);
  put_fd(f, kSubs + 48, 2, EventType::FdWrite, file);
  REQUIRE(errno_of(poll(f, 2)) == Errno::Success);
  REQUIRE(f.get<uint32_t>(kCount) == 2);
  CHECK(event(f, 0).nbytes == 7);
  CHECK(event(f, 0).flags == 0);
  CHECK(event(f, 1).nbytes == 0);
  CHECK(event(f, 1).type == static_cast<uint8_t>(EventType::FdWrite));
  // At or past the end: still ready, nothing left.
  REQUIRE(::lseek(fd, 20, SEEK_SET) == 20);
  REQUIRE(errno_of(poll(f, 1)) == Errno::Success);
  CHECK(f.get<uint32_t>(kCount) == 1);
  CHECK(event(f, 0).nbytes == 0);
}

TEST_CASE("poll_oneoff: events may overwrite the subscriptions") {
  WasiFixture f;
  put_clock(f, kSubs, 42, 1, 0, 0);
  put_clock(f, kSubs + 48, 43, 1, 0, 0);
  Call call = f.call();
  REQUIRE(errno_of(p1::poll_oneoff(call, kSubs, kSubs, 2, kCount)) ==
          Errno::Success);
  REQUIRE(f.get<uint32_t>(kCount) == 2);
  CHECK(f.get<uint64_t>(kSubs) == 42);
  CHECK(f.get<uint64_t>(kSubs + layout::kEventSize) == 43);
}

TEST_CASE("poll_oneoff: wasi_unstable's 56-byte subscriptions") {
  WasiFixture f({right::kAll}, {right::kAll}, Abi::Unstable);
  // A preview1 decoder would take the identifier at 16 for the clock id
  // (9: none) and answer at once with an Inval event.
  put_clock(f, kSubs, 7, 1, 40 * kMs, 0, Abi::Unstable);
  f.set<uint64_t>(kSubs + 16, 9);  // identifier
  const uint64_t start = host_now(CLOCK_MONOTONIC);
  REQUIRE(errno_of(poll(f, 1)) == Errno::Success);
  const uint64_t elapsed = host_now(CLOCK_MONOTONIC) - start;
  CHECK(elapsed >= 40 * kMs);
  CHECK(elapsed < 5'000 * kMs);
  CHECK(event(f, 0).userdata == 7);
  CHECK(event(f, 0).error == 0);

  // The second subscription starts at 56; an absolute realtime deadline
  // with the flag at offset 48.
  Pipe pipe;
  REQUIRE(::write(pipe.write, "xy", 2) == 2);
  const uint32_t rfd = add_fd(f, pipe.read, Filetype::Unknown);
  put_clock(f, kSubs, 8, 0, host_now(CLOCK_REALTIME) + 10'000 * kMs,
            kSubclockAbstime, Abi::Unstable);
  put_fd(f, kSubs + 56, 9, EventType::FdRead, rfd, Abi::Unstable);
  REQUIRE(errno_of(poll(f, 2)) == Errno::Success);
  REQUIRE(f.get<uint32_t>(kCount) == 1);
  CHECK(event(f, 0).userdata == 9);
  CHECK(event(f, 0).nbytes == 2);
  ::close(pipe.write);

  // The range check uses 56 bytes a subscription.
  Call call = f.call();
  CHECK(errno_of(p1::poll_oneoff(call, f.mem_size() - 100, kEvents, 2,
                                 kCount)) == Errno::Fault);
}

void ignore_signal(int) {}

TEST_CASE("poll_oneoff: a signal does not cut the wait short") {
  struct sigaction action {};
  struct sigaction old {};
  action.sa_handler = ignore_signal;  // no SA_RESTART: ppoll sees EINTR
  REQUIRE(::sigaction(SIGUSR2, &action, &old) == 0);
  WasiFixture f;
  put_clock(f, kSubs, 1, 1, 150 * kMs, 0);
  const pthread_t self = ::pthread_self();
  std::thread kicker([self] {
    for (int i = 0; i < 3; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      ::pthread_kill(self, SIGUSR2);
    }
  });
  const uint64_t start = host_now(CLOCK_MONOTONIC);
  const Ret r = poll(f, 1);
  const uint64_t elapsed = host_now(CLOCK_MONOTONIC) - start;
  kicker.join();
  ::sigaction(SIGUSR2, &old, nullptr);
  REQUIRE(errno_of(r) == Errno::Success);
  CHECK(elapsed >= 150 * kMs);
  CHECK(f.get<uint32_t>(kCount) == 1);
}

}  // namespace
}  // namespace capbox::wasi
