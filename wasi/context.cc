// SPDX-License-Identifier: Apache-2.0
#include "wasi/context.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>

#include "base/host_fstat.h"

namespace capbox::wasi {
namespace {

Filetype filetype_of_fd(int fd) {
  struct stat st {};
  if (host_fstat(fd, &st) != 0)
    return Filetype::Unknown;
  switch (st.st_mode & S_IFMT) {
    case S_IFREG:
      return Filetype::RegularFile;
    case S_IFDIR:
      return Filetype::Directory;
    case S_IFCHR:
      return Filetype::CharacterDevice;
    case S_IFBLK:
      return Filetype::BlockDevice;
    case S_IFSOCK:
      return Filetype::SocketStream;
    case S_IFLNK:
      return Filetype::SymbolicLink;
    default:
      return Filetype::Unknown;  // FIFOs have no WASI type
  }
}

// stdio keeps every fd right but none of the path rights: it is not a
// directory, and a terminal or pipe cannot seek (the call then fails with
// the host's ESPIPE, as a native program sees it).
constexpr uint64_t kStdioRights =
    right::kFdDatasync | right::kFdRead | right::kFdSeek |
    right::kFdFdstatSetFlags | right::kFdSync | right::kFdTell |
    right::kFdWrite | right::kFdAdvise | right::kFdAllocate |
    right::kFdFilestatGet | right::kFdFilestatSetSize |
    right::kFdFilestatSetTimes | right::kPollFdReadwrite;

// The open-files limit narrows the table's own ceiling; it never widens it.
uint32_t table_ceiling(const ContextOptions& options) {
  if (options.open_files.max == 0)
    return options.max_fds;
  return static_cast<uint32_t>(
      std::min<uint64_t>(options.max_fds, options.open_files.max));
}

// "NAME limit of N UNIT" for a limit the embedder did not describe.
ContextLimit with_description(ContextLimit limit,
                              std::string_view name,
                              std::string_view unit) {
  if (limit.described.empty()) {
    limit.described = std::string(name) + " limit of " +
                      std::to_string(limit.max) + std::string(unit);
  }
  return limit;
}

// Enough of a path to recognise it; a guest can make one 4 KiB long.
constexpr size_t kMaxQuoted = 200;

}  // namespace

ByteBudget::ByteBudget(ContextLimit limit, std::string_view fallback)
    : limit_(with_description(std::move(limit), fallback, " bytes")) {}

bool ByteBudget::clip(std::vector<struct iovec>& iov) const {
  if (!limited())
    return false;
  uint64_t left = remaining();
  for (size_t i = 0; i < iov.size(); ++i) {
    if (iov[i].iov_len > left) {
      iov[i].iov_len = static_cast<size_t>(left);
      iov.resize(i + 1);
      return true;
    }
    left -= iov[i].iov_len;
  }
  return false;
}

void ByteBudget::spend(uint64_t bytes) {
  used_ += limited() ? std::min(bytes, remaining()) : bytes;
}

std::string ByteBudget::reached() const {
  return limit_.described + " reached";
}

std::string quote_for_message(std::string_view guest_text) {
  size_t cut = std::min(guest_text.size(), kMaxQuoted);
  // Never end inside a UTF-8 sequence.
  while (cut > 0 && cut < guest_text.size() &&
         (static_cast<unsigned char>(guest_text[cut]) & 0xC0) == 0x80)
    --cut;
  std::string out = "'";
  for (unsigned char c : guest_text.substr(0, cut)) {
    if (c == '\\' || c == '\'') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c == 0x7F) {
      char escaped[5];
      std::snprintf(escaped, sizeof escaped, "\\x%02x", c);
      out += escaped;
    } else {
      out += static_cast<char>(c);
    }
  }
  out += cut < guest_text.size() ? "...'" : "'";
  return out;
}

Context::Context(ContextOptions options,
                 FsAuthority& fs,
                 std::vector<Preopen> preopens,
                 std::vector<Listener> listeners)
    : options_(std::move(options)),
      fs_(fs),
      fds_(&fs, table_ceiling(options_)),
      output_(options_.output, "output"),
      file_output_(options_.file_output, "file-output") {
  for (uint32_t fd = 0; fd < 3; ++fd) {
    FdEntry entry;
    entry.fd = UniqueFd(::fcntl(static_cast<int>(fd), F_DUPFD_CLOEXEC, 0));
    if (!entry.fd)
      continue;  // the embedder runs us with that stdio stream closed
    entry.type = filetype_of_fd(entry.fd.get());
    entry.stdio = true;
    entry.base = {kStdioRights};
    // A terminal cannot seek; wasi-libc's isatty() also requires a
    // character device without FD_SEEK and FD_TELL, and line-buffers
    // stdout only then.
    if (::isatty(entry.fd.get()))
      entry.base.bits &= ~(right::kFdSeek | right::kFdTell);
    fds_.insert_at(fd, std::move(entry));
  }
  uint32_t next = 3;
  for (Preopen& preopen : preopens) {
    FdEntry entry;
    entry.type = Filetype::Directory;
    entry.base = preopen.base;
    entry.inheriting = preopen.inheriting;
    entry.dir = preopen.dir.dir;
    entry.fd = std::move(preopen.dir.fd);
    entry.guest_path = preopen.guest_name;
    entry.preopen_name = std::move(preopen.guest_name);
    fds_.insert_at(next++, std::move(entry));
  }
  for (Listener& listener : listeners) {
    FdEntry entry;
    entry.type = Filetype::SocketStream;
    entry.base = {right::kSockAccept | right::kPollFdReadwrite |
                  right::kFdFdstatSetFlags | right::kFdFilestatGet};
    entry.inheriting = {right::kFdRead | right::kFdWrite |
                        right::kPollFdReadwrite | right::kSockShutdown |
                        right::kFdFdstatSetFlags | right::kFdFilestatGet};
    entry.fd = std::move(listener.fd);
    fds_.insert_at(next++, std::move(entry));
  }
}

std::string join_guest_path(std::string_view dir, std::string_view path) {
  std::string joined(dir);
  if (path.empty() || path == ".")
    return joined;
  if (!joined.ends_with('/'))
    joined += '/';
  joined += path;
  return joined;
}

void Context::report_denial(std::string_view function,
                            const FdEntry& entry,
                            std::string_view path,
                            uint64_t missing,
                            uint64_t needed) {
  if (entry.guest_path.empty() || missing == 0)
    return;
  if (options_.on_rights_checked)
    report_check(function, entry, path, needed != 0 ? needed : missing,
                 missing);
  if (!options_.on_denied)
    return;
  options_.on_denied(
      RightsDenial{function, join_guest_path(entry.guest_path, path), missing});
}

void Context::report_check(std::string_view function,
                           const FdEntry& entry,
                           std::string_view path,
                           uint64_t needed,
                           uint64_t missing) {
  options_.on_rights_checked(RightsCheck{
      function, join_guest_path(entry.guest_path, path), needed, missing});
}

Errno Context::refuse_fd(std::string_view what) {
  const ContextLimit& limit = options_.open_files;
  // Only the policy's limit is reported: the table's own ceiling is not
  // something the user set.
  const bool policy = limit.max != 0 && limit.max <= options_.max_fds;
  if (policy && !open_files_noticed_ && options_.notice) {
    open_files_noticed_ = true;
    const ContextLimit named =
        with_description(limit, "open-files", " descriptors");
    options_.notice(named.described + " reached: " + std::string(what) +
                    " failed with EMFILE; later refusals are not reported");
  }
  return Errno::Mfile;
}

ByteBudget* Context::write_budget(const FdEntry& entry) {
  ByteBudget* budget = nullptr;
  if (entry.stdio)
    budget = &output_;
  else if (entry.type == Filetype::RegularFile)
    budget = &file_output_;
  // Returned unlimited too, so that reports can say what a run wrote.
  return budget;
}

}  // namespace capbox::wasi
