// SPDX-License-Identifier: Apache-2.0
// FsAuthority calls as broker requests. Nothing is checked here that the
// host does not check again: the host is the authority, this side only
// packs fields. Depends on broker/client.h and wasi/fs_authority.h.
#include "sandbox/brokered_fs.h"

#include <fcntl.h>

#include <cerrno>

namespace capbox::sandbox {
namespace {

using broker::Op;
using broker::Request;

Request make(Op op, wasi::DirHandle dir, std::string_view path) {
  Request r;
  r.op = op;
  r.fields.dir = dir.id;
  r.path = path;
  return r;
}

uint32_t follow_bit(wasi::Follow follow) {
  return follow == wasi::Follow::Yes ? broker::kFollow : 0;
}

uint32_t open_flags(const wasi::OpenRequest& r) {
  auto bit = [](bool on, uint32_t flag) { return on ? flag : 0u; };
  return bit(r.read, broker::kOpenRead) | bit(r.write, broker::kOpenWrite) |
         bit(r.create, broker::kOpenCreate) |
         bit(r.exclusive, broker::kOpenExclusive) |
         bit(r.truncate, broker::kOpenTruncate) |
         bit(r.directory, broker::kOpenDirectory) |
         bit(r.append, broker::kOpenAppend) |
         bit(r.nonblock, broker::kOpenNonblock) |
         bit(r.sync_flags & O_DSYNC, broker::kOpenDsync) |
         bit(r.sync_flags & O_RSYNC, broker::kOpenRsync) |
         bit((r.sync_flags & O_SYNC) == O_SYNC, broker::kOpenSync) |
         follow_bit(r.follow);
}

broker::TimeField time_field(const wasi::TimeSpec& t) {
  switch (t.kind) {
    case wasi::TimeSpec::Kind::Omit:
      return {0, 0, broker::kTimeOmit};
    case wasi::TimeSpec::Kind::Now:
      return {0, 0, broker::kTimeNow};
    case wasi::TimeSpec::Kind::Set:
      return {t.value.tv_sec, static_cast<uint32_t>(t.value.tv_nsec),
              broker::kTimeSet};
  }
  return {0, 0, broker::kTimeOmit};
}

struct stat host_stat(const broker::StatFields& s) {
  struct stat st {};
  st.st_dev = s.dev;
  st.st_ino = s.ino;
  st.st_nlink = s.nlink;
  st.st_size = static_cast<off_t>(s.size);
  st.st_blocks = static_cast<blkcnt_t>(s.blocks);
  st.st_mode = s.mode;
  st.st_uid = s.uid;
  st.st_gid = s.gid;
  st.st_blksize = s.blksize;
  st.st_rdev = s.rdev;
  st.st_atim = {s.atime_sec, s.atime_nsec};
  st.st_mtim = {s.mtime_sec, s.mtime_nsec};
  st.st_ctim = {s.ctime_sec, s.ctime_nsec};
  return st;
}

// A reply that should carry a descriptor, turned into Opened.
wasi::Opened opened_from(broker::Answer& answer) {
  wasi::Opened opened;
  opened.fd = std::move(answer.fd);
  opened.is_directory = (answer.fields.flags & broker::kReplyDir) != 0;
  opened.dir = wasi::DirHandle{answer.fields.handle};
  return opened;
}

}  // namespace

Result<void, int> BrokeredFs::simple(Request request) {
  auto answer = client_.call(request);
  if (!answer)
    return Unexpected(answer.error());
  return {};
}

Result<wasi::Opened, int> BrokeredFs::open_at(
    wasi::DirHandle dir,
    std::string_view path,
    const wasi::OpenRequest& request) {
  Request r = make(Op::Open, dir, path);
  r.fields.flags = open_flags(request);
  auto answer = client_.call(r);
  if (!answer)
    return Unexpected(answer.error());
  if (!answer->fd.valid())
    return Unexpected(EIO);
  return opened_from(*answer);
}

Result<struct stat, int> BrokeredFs::stat_at(wasi::DirHandle dir,
                                             std::string_view path,
                                             wasi::Follow follow) {
  Request r = make(Op::Stat, dir, path);
  r.fields.flags = follow_bit(follow);
  auto answer = client_.call(r);
  if (!answer)
    return Unexpected(answer.error());
  return host_stat(answer->fields.stat);
}

Result<void, int> BrokeredFs::mkdir_at(wasi::DirHandle dir,
                                       std::string_view path) {
  return simple(make(Op::Mkdir, dir, path));
}

Result<void, int> BrokeredFs::unlink_at(wasi::DirHandle dir,
                                        std::string_view path) {
  return simple(make(Op::Unlink, dir, path));
}

Result<void, int> BrokeredFs::rmdir_at(wasi::DirHandle dir,
                                       std::string_view path) {
  return simple(make(Op::Rmdir, dir, path));
}

Result<void, int> BrokeredFs::rename_at(wasi::DirHandle from_dir,
                                        std::string_view from,
                                        wasi::DirHandle to_dir,
                                        std::string_view to) {
  Request r = make(Op::Rename, from_dir, from);
  r.fields.dir2 = to_dir.id;
  r.path2 = to;
  return simple(r);
}

Result<void, int> BrokeredFs::link_at(wasi::DirHandle from_dir,
                                      std::string_view from,
                                      wasi::Follow follow,
                                      wasi::DirHandle to_dir,
                                      std::string_view to) {
  Request r = make(Op::Link, from_dir, from);
  r.fields.flags = follow_bit(follow);
  r.fields.dir2 = to_dir.id;
  r.path2 = to;
  return simple(r);
}

Result<void, int> BrokeredFs::symlink_at(std::string_view target,
                                         wasi::DirHandle dir,
                                         std::string_view path) {
  Request r = make(Op::Symlink, dir, path);
  r.path2 = target;
  return simple(r);
}

Result<std::string, int> BrokeredFs::readlink_at(wasi::DirHandle dir,
                                                 std::string_view path) {
  auto answer = client_.call(make(Op::Readlink, dir, path));
  if (!answer)
    return Unexpected(answer.error());
  return std::string(answer->data);
}

Result<void, int> BrokeredFs::set_times_at(wasi::DirHandle dir,
                                           std::string_view path,
                                           wasi::Follow follow,
                                           wasi::TimeSpec atime,
                                           wasi::TimeSpec mtime) {
  Request r = make(Op::SetTimes, dir, path);
  r.fields.flags = follow_bit(follow);
  r.fields.atime = time_field(atime);
  r.fields.mtime = time_field(mtime);
  return simple(r);
}

Result<void, int> BrokeredFs::truncate_at(wasi::DirHandle dir,
                                          std::string_view path,
                                          uint64_t size) {
  Request r = make(Op::Truncate, dir, path);
  r.fields.size = size;
  return simple(r);
}

void BrokeredFs::close_dir(wasi::DirHandle dir) {
  // Nothing to report to the guest: a failure here leaves the client
  // broken, and the next call says EIO.
  (void)simple(make(Op::CloseDir, dir, {}));
}

Result<std::vector<wasi::Preopen>, int> fetch_preopens(broker::Client& client) {
  Request hello;
  hello.op = Op::Hello;
  if (auto answer = client.call(hello); !answer)
    return Unexpected(answer.error());
  std::vector<wasi::Preopen> preopens;
  // The host is trusted, but a bound keeps a confused one from making
  // start-up loop forever.
  constexpr uint32_t kMaxPreopens = 4096;
  for (uint32_t index = 0; index < kMaxPreopens; ++index) {
    Request r;
    r.op = Op::Preopen;
    r.fields.dir = index;
    auto answer = client.call(r);
    if (!answer && answer.error() == ENOENT)
      return preopens;
    if (!answer)
      return Unexpected(answer.error());
    if ((answer->fields.flags & broker::kReplyDir) == 0)
      return Unexpected(EIO);
    wasi::Preopen preopen;
    preopen.guest_name = std::string(answer->data);
    preopen.base = preopen.inheriting = wasi::Rights{answer->fields.rights};
    preopen.dir = opened_from(*answer);
    preopens.push_back(std::move(preopen));
  }
  return Unexpected(EIO);
}

}  // namespace capbox::sandbox
