// SPDX-License-Identifier: Apache-2.0
#include "wasi/filestat.h"

#include <array>
#include <cstring>

namespace capbox::wasi {
namespace {

constexpr uint64_t kNsPerSecond = 1'000'000'000u;

template <typename T>
void put(uint8_t* base, uint32_t offset, T value) {
  std::memcpy(base + offset, &value, sizeof(T));
}

TimeSpec time_spec(uint64_t ns, bool set, bool now) {
  TimeSpec spec;
  if (now) {
    spec.kind = TimeSpec::Kind::Now;
  } else if (set) {
    spec.kind = TimeSpec::Kind::Set;
    spec.value.tv_sec = static_cast<time_t>(ns / kNsPerSecond);
    spec.value.tv_nsec = static_cast<long>(ns % kNsPerSecond);
  }
  return spec;
}

}  // namespace

Filetype filetype_from_mode(mode_t mode) {
  switch (mode & S_IFMT) {
    case S_IFREG:
      return Filetype::RegularFile;
    case S_IFDIR:
      return Filetype::Directory;
    case S_IFLNK:
      return Filetype::SymbolicLink;
    case S_IFCHR:
      return Filetype::CharacterDevice;
    case S_IFBLK:
      return Filetype::BlockDevice;
    case S_IFSOCK:
      return Filetype::SocketStream;
    default:
      return Filetype::Unknown;
  }
}

uint64_t timestamp_ns(const struct timespec& ts) {
  return static_cast<uint64_t>(ts.tv_sec) * kNsPerSecond +
         static_cast<uint64_t>(ts.tv_nsec);
}

uint32_t filestat_size(Abi abi) {
  return abi == Abi::Unstable ? layout::kUnstableFilestatSize
                              : layout::kFilestatSize;
}

Errno store_filestat(const Guest& mem,
                     Abi abi,
                     uint32_t out,
                     const struct stat& st,
                     Filetype type) {
  auto span = mem.bytes(out, filestat_size(abi));
  if (!span)
    return Errno::Fault;
  // Built whole, padding zeroed, then copied: no host bytes leak into the
  // guest's padding.
  std::array<uint8_t, layout::kFilestatSize> bytes{};
  uint8_t* b = bytes.data();
  put<uint64_t>(b, 0, static_cast<uint64_t>(st.st_dev));
  put<uint64_t>(b, 8, static_cast<uint64_t>(st.st_ino));
  put<uint8_t>(b, 16, static_cast<uint8_t>(type));
  // wasi_unstable's nlink is a u32 at 20, which moves the rest up by 8.
  uint32_t at = 24;
  if (abi == Abi::Unstable) {
    put<uint32_t>(b, 20, static_cast<uint32_t>(st.st_nlink));
  } else {
    put<uint64_t>(b, 24, static_cast<uint64_t>(st.st_nlink));
    at = 32;
  }
  put<uint64_t>(b, at, static_cast<uint64_t>(st.st_size));
  put<uint64_t>(b, at + 8, timestamp_ns(st.st_atim));
  put<uint64_t>(b, at + 16, timestamp_ns(st.st_mtim));
  put<uint64_t>(b, at + 24, timestamp_ns(st.st_ctim));
  std::memcpy(span->data(), b, span->size());
  return Errno::Success;
}

Result<TimePair, Errno> times_from_fst(uint64_t atim,
                                       uint64_t mtim,
                                       uint32_t fst_flags) {
  using namespace fstflag;
  if ((fst_flags & ~uint32_t{kAtim | kAtimNow | kMtim | kMtimNow}) != 0)
    return Unexpected(Errno::Inval);
  const bool atim_set = fst_flags & kAtim, atim_now = fst_flags & kAtimNow;
  const bool mtim_set = fst_flags & kMtim, mtim_now = fst_flags & kMtimNow;
  if ((atim_set && atim_now) || (mtim_set && mtim_now))
    return Unexpected(Errno::Inval);
  return TimePair{time_spec(atim, atim_set, atim_now),
                  time_spec(mtim, mtim_set, mtim_now)};
}

struct timespec host_timespec(const TimeSpec& spec) {
  struct timespec ts {};
  switch (spec.kind) {
    case TimeSpec::Kind::Omit:
      ts.tv_nsec = UTIME_OMIT;
      break;
    case TimeSpec::Kind::Now:
      ts.tv_nsec = UTIME_NOW;
      break;
    case TimeSpec::Kind::Set:
      ts = spec.value;
      break;
  }
  return ts;
}

}  // namespace capbox::wasi
