// SPDX-License-Identifier: Apache-2.0
// The broker host: one table row per op says which rights the grant behind
// each handle must hold and which member performs it, so checking,
// performing and replying are written once. Depends on broker/ (channel,
// message), wasi/direct_fs.h and wasi/grant_rights.h.
#include "sandbox/broker_host.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <set>

#include "broker/channel.h"
#include "wasi/grant_rights.h"

namespace capbox::sandbox {

using broker::Op;
using broker::Request;
namespace right = wasi::right;

// What a handler produced: an errno, or reply fields, data and a
// descriptor (owned, or borrowed from roots_).
struct BrokerHost::Outcome {
  int error = 0;
  broker::ReplyFields fields{};
  std::string data;
  UniqueFd fd;
  int borrowed_fd = -1;

  static Outcome failed(int error) {
    Outcome o;
    o.error = error;
    return o;
  }
  static Outcome from(const Result<void, int>& result) {
    return result ? Outcome() : failed(result.error());
  }
};

struct BrokerHost::OpRule {
  Op op;
  bool dir_is_handle;                 // RequestFields::dir names a handle
  bool dir2_is_handle;                // so does dir2
  uint64_t (*needs)(uint32_t flags);  // WASI rights on dir's grant
  uint64_t needs2;                    // and on dir2's
  Outcome (BrokerHost::*run)(const Request&);
};

namespace {

// A child can hold at most this many directory handles at once: each
// costs the supervisor a descriptor.
constexpr size_t kMaxHandles = 1024;

template <uint64_t kRights>
uint64_t fixed(uint32_t) {
  return kRights;
}

// Least access: each host access mode needs its right, and an open asking
// for neither reading nor writing still yields an O_RDONLY descriptor,
// so it needs read too unless it is a directory (opened for paths
// beneath it). O_APPEND alone writes nothing (it only places writes), so
// it needs no right of its own, and open_request drops it when the open
// does not write: wasi-libc asks for it on open(O_APPEND) under a
// read-only grant, and gets a plain read-only descriptor.
uint64_t open_needs(uint32_t f) {
  uint64_t needs = right::kPathOpen;
  bool write_like = (f & (broker::kOpenWrite | broker::kOpenTruncate)) != 0;
  if ((f & broker::kOpenRead) != 0 ||
      (!write_like && (f & broker::kOpenDirectory) == 0))
    needs |= right::kFdRead;
  if (write_like)
    needs |= right::kFdWrite;
  if ((f & broker::kOpenCreate) != 0)
    needs |= right::kPathCreateFile;
  return needs;
}

wasi::Follow follow_of(uint32_t flags) {
  return (flags & broker::kFollow) != 0 ? wasi::Follow::Yes : wasi::Follow::No;
}

wasi::OpenRequest open_request(uint32_t f) {
  wasi::OpenRequest r;
  r.read = (f & broker::kOpenRead) != 0;
  r.write = (f & broker::kOpenWrite) != 0;
  r.create = (f & broker::kOpenCreate) != 0;
  r.exclusive = (f & broker::kOpenExclusive) != 0;
  r.truncate = (f & broker::kOpenTruncate) != 0;
  r.directory = (f & broker::kOpenDirectory) != 0;
  r.append = (f & broker::kOpenAppend) != 0 && r.write;
  r.nonblock = (f & broker::kOpenNonblock) != 0;
  r.sync_flags = ((f & broker::kOpenDsync) != 0 ? O_DSYNC : 0) |
                 ((f & broker::kOpenRsync) != 0 ? O_RSYNC : 0) |
                 ((f & broker::kOpenSync) != 0 ? O_SYNC : 0);
  r.follow = follow_of(f);
  return r;
}

wasi::TimeSpec time_spec(const broker::TimeField& t) {
  wasi::TimeSpec spec;
  if (t.kind == broker::kTimeNow) {
    spec.kind = wasi::TimeSpec::Kind::Now;
  } else if (t.kind == broker::kTimeSet) {
    spec.kind = wasi::TimeSpec::Kind::Set;
    spec.value = {static_cast<time_t>(t.sec), static_cast<long>(t.nsec)};
  }
  return spec;
}

broker::StatFields stat_fields(const struct stat& st) {
  broker::StatFields s{};
  s.dev = st.st_dev;
  s.ino = st.st_ino;
  s.nlink = st.st_nlink;
  s.size = static_cast<uint64_t>(st.st_size);
  s.blocks = static_cast<uint64_t>(st.st_blocks);
  s.mode = st.st_mode;
  s.uid = st.st_uid;
  s.gid = st.st_gid;
  s.blksize = static_cast<uint32_t>(st.st_blksize);
  s.rdev = st.st_rdev;
  s.atime_sec = st.st_atim.tv_sec;
  s.atime_nsec = static_cast<uint32_t>(st.st_atim.tv_nsec);
  s.mtime_sec = st.st_mtim.tv_sec;
  s.mtime_nsec = static_cast<uint32_t>(st.st_mtim.tv_nsec);
  s.ctime_sec = st.st_ctim.tv_sec;
  s.ctime_nsec = static_cast<uint32_t>(st.st_ctim.tv_nsec);
  return s;
}

// The rights word that grants `bit`, for denial messages; the first word
// wins where words overlap (opening a path is in read, write and create).
const char* word_for(uint64_t bit) {
  static constexpr struct {
    const char* name;
    uint64_t bits;
  } kWords[] = {
      {"read", wasi::kGrantRead},     {"write", wasi::kGrantWrite},
      {"create", wasi::kGrantCreate}, {"delete", wasi::kGrantDelete},
      {"rename", wasi::kGrantRename}, {"metadata", wasi::kGrantMetadata},
  };
  for (const auto& word : kWords) {
    if ((word.bits & bit) != 0)
      return word.name;
  }
  return "a right no word grants";
}

std::string join(const std::string& dir, std::string_view path) {
  if (path.empty())
    return dir;
  if (dir.empty() || dir.back() == '/')
    return dir + std::string(path);
  return dir + "/" + std::string(path);
}

}  // namespace

const BrokerHost::OpRule& BrokerHost::rule_for(Op op) {
  using B = BrokerHost;
  static constexpr OpRule kRules[] = {
      {Op::Hello, false, false, fixed<0>, 0, &B::do_hello},
      {Op::Preopen, false, false, fixed<0>, 0, &B::do_preopen},
      {Op::Open, true, false, open_needs, 0, &B::do_open},
      {Op::Stat, true, false, fixed<right::kPathFilestatGet>, 0, &B::do_stat},
      {Op::Mkdir, true, false, fixed<right::kPathCreateDirectory>, 0,
       &B::do_mkdir},
      {Op::Unlink, true, false, fixed<right::kPathUnlinkFile>, 0,
       &B::do_unlink},
      {Op::Rmdir, true, false, fixed<right::kPathRemoveDirectory>, 0,
       &B::do_rmdir},
      {Op::Rename, true, true, fixed<right::kPathRenameSource>,
       right::kPathRenameTarget, &B::do_rename},
      {Op::Link, true, true, fixed<right::kPathLinkSource>,
       right::kPathLinkTarget, &B::do_link},
      {Op::Symlink, true, false, fixed<right::kPathSymlink>, 0, &B::do_symlink},
      {Op::Readlink, true, false, fixed<right::kPathReadlink>, 0,
       &B::do_readlink},
      {Op::SetTimes, true, false, fixed<right::kPathFilestatSetTimes>, 0,
       &B::do_set_times},
      {Op::Truncate, true, false, fixed<right::kPathFilestatSetSize>, 0,
       &B::do_truncate},
      {Op::CloseDir, true, false, fixed<0>, 0, &B::do_close_dir},
      {Op::Chmod, true, false, fixed<right::kPathFilestatSetTimes>, 0,
       &B::do_chmod},
      {Op::Note, false, false, fixed<0>, 0, &B::do_note},
  };
  static_assert(std::size(kRules) == broker::kLastOp - broker::kFirstOp + 1);
  static_assert([] {
    for (size_t i = 0; i < std::size(kRules); ++i) {
      if (static_cast<size_t>(kRules[i].op) != broker::kFirstOp + i)
        return false;
    }
    return true;
  }());
  // `op` was decoded, so it is in range.
  return kRules[static_cast<uint16_t>(op) - broker::kFirstOp];
}

std::string describe_denial(const Denial& d) {
  return "capbox: denied " + d.operation + " of \"" + d.guest_path +
         "\": the grant lacks \"" + d.missing + "\"; add it at " + d.source;
}

DenialHook print_denials_once(int fd) {
  auto seen = std::make_shared<std::set<std::string>>();
  return [fd, seen](const Denial& d) {
    std::string rule = d.source + '\n' + d.operation + '\n' + d.missing;
    if (!seen->insert(rule).second)
      return;
    std::string line = describe_denial(d) + "\n";
    // Best effort: a full or closed stderr must not stop the broker.
    (void)!::write(fd, line.data(), line.size());
  };
}

namespace {

// A grant's directory that cannot be opened, said the way the CLI says
// policy errors: the flag in the headline, or the policy file's place on a
// "-->" line, and for a missing directory what to do about it.
std::string open_failure(const Grant& grant, int error) {
  const bool flag = grant.source.starts_with("-");
  std::string text = "cannot open " + grant.host_path +
                     (flag ? " (granted at " + grant.source + ")" : "") + ": " +
                     std::strerror(error);
  if (!flag)
    text += "\n  --> " + grant.source;
  if (error == ENOENT)
    text += flag ? "\n   = help: create it, or fix the path in " + grant.source
                 : "\n   = help: create it, or set missing = \"create\" (or "
                   "\"skip\") in its [[fs.dir]]";
  return text;
}

}  // namespace

Result<std::unique_ptr<BrokerHost>, std::string> BrokerHost::create(
    std::span<const Grant> grants,
    DenialHook on_denial,
    broker::Resolver resolver) {
  std::unique_ptr<BrokerHost> host(new BrokerHost(
      {grants.begin(), grants.end()}, std::move(on_denial), resolver));
  for (size_t i = 0; i < host->grants_.size(); ++i) {
    const Grant& grant = host->grants_[i];
    auto root = host->fs_.open_root(grant.host_path);
    if (!root)
      return Unexpected(open_failure(grant, root.error()));
    host->handles_[root->dir.id] = Handle{i, grant.guest_name, grant.host_path};
    host->roots_.push_back(std::move(*root));
  }
  return host;
}

BrokerHost::BrokerHost(std::vector<Grant> grants,
                       DenialHook on_denial,
                       broker::Resolver resolver)
    : grants_(std::move(grants)),
      on_denial_(std::move(on_denial)),
      fs_(resolver) {}

ServeResult BrokerHost::misbehaved(const char* why) {
  stopped_ = {ServeStatus::Misbehaved, std::string("child misbehaved: ") + why};
  return stopped_;
}

const char* BrokerHost::check_order(const Request& request) {
  if (request.seq != seq_ + 1)
    return "sequence number out of order";
  seq_ = request.seq;
  if (request.op == Op::Hello)
    return said_hello_ ? "a second hello" : (said_hello_ = true, nullptr);
  if (!said_hello_)
    return "a request before hello";
  if (request.op == Op::Preopen) {
    if (started_)
      return "a preopen request after start-up";
    if (request.fields.dir != next_preopen_)
      return "preopens asked out of order";
    return nullptr;
  }
  started_ = true;
  const OpRule& rule = rule_for(request.op);
  if (rule.dir_is_handle && handles_.count(request.fields.dir) == 0)
    return "a directory handle the host did not issue";
  if (rule.dir2_is_handle && handles_.count(request.fields.dir2) == 0)
    return "a directory handle the host did not issue";
  return nullptr;
}

bool BrokerHost::allowed(const OpRule& rule,
                         const Request& request,
                         Decision* decision) {
  struct Check {
    bool used;
    uint32_t dir;
    uint64_t needs;
    std::string_view path;
  };
  const Check checks[] = {
      {rule.dir_is_handle, request.fields.dir, rule.needs(request.fields.flags),
       request.path},
      {rule.dir2_is_handle, request.fields.dir2, rule.needs2, request.path2},
  };
  if (decision != nullptr) {
    const Handle& handle = handles_.at(request.fields.dir);
    decision->operation = broker::op_name(request.op);
    decision->guest_path = join(handle.guest_dir, request.path);
    decision->host_path = join(handle.host_dir, request.path);
    decision->needed = checks[0].needs | (checks[1].used ? checks[1].needs : 0);
    decision->grant = handle.grant;
    decision->allowed = true;
    if (rule.dir2_is_handle)
      decision->target =
          join(handles_.at(request.fields.dir2).guest_dir, request.path2);
    else if (request.op == Op::Symlink)
      decision->target = std::string(request.path2);
  }
  for (const Check& check : checks) {
    if (!check.used)
      continue;
    const Handle& handle = handles_.at(check.dir);
    const Grant& grant = grants_[handle.grant];
    uint64_t missing = check.needs & ~grant.rights.bits;
    if (missing == 0)
      continue;
    if (decision != nullptr) {
      decision->allowed = false;
      decision->missing = missing;
      decision->grant = handle.grant;
      decision->error = EACCES;
    }
    if (on_denial_) {
      uint64_t first = missing & (~missing + 1);
      on_denial_(Denial{broker::op_name(request.op),
                        join(handle.guest_dir, check.path), word_for(first),
                        grant.source});
    }
    return false;
  }
  return true;
}

// Decoding checked the note's shape; what is left is whether the host
// asked for notes, and whether the claim is about the child's own view:
// a path under one of its grants, an allowed check within that grant's
// rights, one usage note. Their number is bounded as the child is
// trusted with nothing: an honest child sends each distinct check once.
const char* BrokerHost::take_note(const Request& r) {
  constexpr size_t kMaxNotes = 1 << 20;
  if (!on_note_)
    return "a note the host did not ask for";
  if (++notes_ > kMaxNotes)
    return "more notes than any run needs";
  NoteClaim claim;
  claim.kind = r.fields.flags;
  claim.word = r.path2;
  if (claim.kind == broker::kNoteUsage) {
    if (usage_noted_)
      return "a second usage note";
    usage_noted_ = true;
    claim.usage = *broker::parse_note_usage(r.path);
    on_note_(claim);
    return nullptr;
  }
  claim.guest_path = r.path;
  claim.rights = r.fields.size;
  size_t best = grants_.size();
  size_t best_length = 0;
  for (size_t i = 0; i < grants_.size(); ++i) {
    std::string_view name = grants_[i].guest_name;
    while (name.size() > 1 && name.ends_with('/'))
      name.remove_suffix(1);
    const bool under =
        r.path == name || (r.path.starts_with(name) &&
                           (name.ends_with('/') || r.path[name.size()] == '/'));
    if (under && (best == grants_.size() || name.size() > best_length)) {
      best = i;
      best_length = name.size();
    }
  }
  if (best == grants_.size())
    return "a note about a path outside the grants";
  if (claim.kind == broker::kNoteAllowed &&
      (claim.rights & ~grants_[best].rights.bits) != 0)
    return "a note that rights the grant lacks were allowed";
  claim.grant = best;
  on_note_(claim);
  return nullptr;
}

ServeResult BrokerHost::serve_one(int sock) {
  if (stopped_.status != ServeStatus::Served)
    return stopped_;
  auto received = broker::receive_message(sock, buffer_);
  if (!received) {
    switch (received.error()) {
      case ECONNRESET:
        return stopped_ = {ServeStatus::ChildClosed, "child closed"};
      case EMSGSIZE:
        return misbehaved("an oversized message");
      case EPROTO:
        return misbehaved("descriptors or control data sent to the host");
      default:
        return stopped_ = {ServeStatus::ChannelError,
                           std::string("broker receive: ") +
                               std::strerror(received.error())};
    }
  }
  if (received->fd.valid())
    return misbehaved("a descriptor sent to the host");
  auto request = broker::decode_request(std::span(buffer_, received->size));
  if (!request)
    return misbehaved(request.error());
  if (const char* why = check_order(*request))
    return misbehaved(why);
  if (request->op == Op::Note)
    if (const char* why = take_note(*request))
      return misbehaved(why);
  const OpRule& rule = rule_for(request->op);
  // Hello, preopens, close_dir and notes decide nothing.
  const bool decides = rule.dir_is_handle && request->op != Op::CloseDir;
  Decision decision;
  Decision* recorded = decides && on_decision_ ? &decision : nullptr;
  Outcome outcome = allowed(rule, *request, recorded)
                        ? (this->*rule.run)(*request)
                        : Outcome::failed(EACCES);
  if (recorded != nullptr) {
    if (decision.allowed)
      decision.error = outcome.error;
    on_decision_(decision);
  }
  return reply(sock, *request, outcome);
}

ServeResult BrokerHost::serve(int sock) {
  for (;;) {
    ServeResult result = serve_one(sock);
    if (result.status != ServeStatus::Served)
      return result;
  }
}

ServeResult BrokerHost::reply(int sock,
                              const Request& request,
                              Outcome& outcome) {
  broker::Reply reply;
  reply.op = request.op;
  reply.seq = request.seq;
  int fd = outcome.fd.valid() ? outcome.fd.get() : outcome.borrowed_fd;
  if (outcome.error == 0) {
    reply.fields = outcome.fields;
    reply.fields.flags |= fd >= 0 ? broker::kReplyFd : 0;
    reply.data = outcome.data;
  }
  auto size = broker::encode_reply(reply, reply_buffer_);
  if (outcome.error != 0 || !size) {
    int error = outcome.error != 0 ? outcome.error : size.error();
    reply.fields = broker::ReplyFields{};
    reply.fields.status = -error;
    reply.data = {};
    fd = -1;
    size = broker::encode_reply(reply, reply_buffer_);
  }
  // An honest client waits for each reply, so there is always room for
  // it; a child that lets replies pile up must not block the supervisor.
  auto sent = broker::send_message(sock, std::span(reply_buffer_, *size), fd,
                                   MSG_DONTWAIT);
  if (!sent && (sent.error() == EAGAIN || sent.error() == EWOULDBLOCK))
    return misbehaved("replies left unread");
  if (!sent && (sent.error() == EPIPE || sent.error() == ECONNRESET))
    return stopped_ = {ServeStatus::ChildClosed, "child closed"};
  if (!sent)
    return stopped_ = {
               ServeStatus::ChannelError,
               std::string("broker send: ") + std::strerror(sent.error())};
  return {};
}

BrokerHost::Outcome BrokerHost::do_hello(const Request&) {
  return Outcome();
}

BrokerHost::Outcome BrokerHost::do_preopen(const Request& r) {
  uint32_t index = r.fields.dir;
  if (index >= roots_.size())
    return Outcome::failed(ENOENT);
  ++next_preopen_;
  Outcome o;
  o.fields.handle = roots_[index].dir.id;
  o.fields.flags = broker::kReplyDir;
  o.fields.rights = grants_[index].rights.bits;
  o.data = grants_[index].guest_name;
  o.borrowed_fd = roots_[index].fd.get();
  return o;
}

// Opens always O_NONBLOCK, so that a FIFO (or a device) cannot block the
// supervisor, and clears it afterwards unless the child asked for it. A
// FIFO opened to write with no reader therefore fails with ENXIO instead
// of waiting for one.
BrokerHost::Outcome BrokerHost::do_open(const Request& r) {
  wasi::DirHandle dir{r.fields.dir};
  wasi::OpenRequest request = open_request(r.fields.flags);
  bool nonblock = request.nonblock;
  request.nonblock = true;
  auto opened = (r.fields.flags & broker::kMode) != 0
                    ? open_creating(dir, r.path, request, r.fields.mode)
                    : fs_.open_at(dir, r.path, request);
  if (!opened)
    return Outcome::failed(opened.error());
  int fl = ::fcntl(opened->fd.get(), F_GETFL);
  if (!nonblock &&
      (fl < 0 || ::fcntl(opened->fd.get(), F_SETFL, fl & ~O_NONBLOCK) != 0)) {
    int error = errno;
    if (opened->is_directory)
      fs_.close_dir(opened->dir);
    return Outcome::failed(error);
  }
  Outcome o;
  if (opened->is_directory && (r.fields.flags & broker::kOpenNoHandle) != 0) {
    fs_.close_dir(opened->dir);
  } else if (opened->is_directory) {
    if (handles_.size() >= kMaxHandles) {
      fs_.close_dir(opened->dir);
      return Outcome::failed(EMFILE);
    }
    const Handle& parent = handles_.at(dir.id);
    handles_[opened->dir.id] =
        Handle{parent.grant, join(parent.guest_dir, r.path),
               join(parent.host_dir, r.path)};
    o.fields.handle = opened->dir.id;
    o.fields.flags = broker::kReplyDir;
  }
  o.fd = std::move(opened->fd);
  return o;
}

BrokerHost::Outcome BrokerHost::do_stat(const Request& r) {
  auto st = fs_.stat_at({r.fields.dir}, r.path, follow_of(r.fields.flags));
  if (!st)
    return Outcome::failed(st.error());
  Outcome o;
  o.fields.stat = stat_fields(*st);
  return o;
}

// The decoder allows a mode only with create, so `request.create` holds.
// The file is first created exclusively: only a file this open made gets
// the mode (after creation: DirectFs creates 0666 minus our umask), and an
// existing one is opened as it is. A file removed between the two tries
// is tried again, a few times. Unlike O_CREAT alone, a dangling symlink
// is not followed to create its target (EEXIST, then ENOENT).
Result<wasi::Opened, int> BrokerHost::open_creating(wasi::DirHandle dir,
                                                    std::string_view path,
                                                    wasi::OpenRequest request,
                                                    uint32_t mode) {
  for (int attempt = 0; attempt < 4; ++attempt) {
    wasi::OpenRequest exclusive = request;
    exclusive.exclusive = true;
    auto made = fs_.open_at(dir, path, exclusive);
    if (made) {
      if (::fchmod(made->fd.get(), mode) != 0) {
        int error = errno;
        if (made->is_directory)
          fs_.close_dir(made->dir);
        return Unexpected(error);
      }
      return made;
    }
    if (made.error() != EEXIST || request.exclusive)
      return made;
    wasi::OpenRequest existing = request;
    existing.create = false;
    auto opened = fs_.open_at(dir, path, existing);
    if (opened || opened.error() != ENOENT)
      return opened;
  }
  return Unexpected(ENOENT);
}

Result<void, int> BrokerHost::chmod_at(wasi::DirHandle dir,
                                       std::string_view path,
                                       wasi::Follow follow,
                                       uint32_t mode) {
  wasi::OpenRequest request;
  request.follow = follow;
  request.nonblock = true;  // a FIFO must not block the supervisor
  auto opened = fs_.open_at(dir, path, request);
  if (!opened) {
    // O_NOFOLLOW meets a symlink: Linux cannot chmod a symlink itself.
    return Unexpected(follow == wasi::Follow::No && opened.error() == ELOOP
                          ? EOPNOTSUPP
                          : opened.error());
  }
  int result = ::fchmod(opened->fd.get(), mode);
  int error = errno;
  if (opened->is_directory)
    fs_.close_dir(opened->dir);
  if (result != 0)
    return Unexpected(error);
  return {};
}

BrokerHost::Outcome BrokerHost::do_mkdir(const Request& r) {
  auto made = fs_.mkdir_at({r.fields.dir}, r.path);
  if (!made || (r.fields.flags & broker::kMode) == 0)
    return Outcome::from(made);
  return Outcome::from(
      chmod_at({r.fields.dir}, r.path, wasi::Follow::No, r.fields.mode));
}

BrokerHost::Outcome BrokerHost::do_unlink(const Request& r) {
  return Outcome::from(fs_.unlink_at({r.fields.dir}, r.path));
}

BrokerHost::Outcome BrokerHost::do_rmdir(const Request& r) {
  return Outcome::from(fs_.rmdir_at({r.fields.dir}, r.path));
}

BrokerHost::Outcome BrokerHost::do_rename(const Request& r) {
  return Outcome::from(
      fs_.rename_at({r.fields.dir}, r.path, {r.fields.dir2}, r.path2));
}

BrokerHost::Outcome BrokerHost::do_link(const Request& r) {
  return Outcome::from(fs_.link_at({r.fields.dir}, r.path,
                                   follow_of(r.fields.flags), {r.fields.dir2},
                                   r.path2));
}

BrokerHost::Outcome BrokerHost::do_symlink(const Request& r) {
  return Outcome::from(fs_.symlink_at(r.path2, {r.fields.dir}, r.path));
}

BrokerHost::Outcome BrokerHost::do_readlink(const Request& r) {
  auto target = fs_.readlink_at({r.fields.dir}, r.path);
  if (!target)
    return Outcome::failed(target.error());
  Outcome o;
  o.data = std::move(*target);
  return o;
}

BrokerHost::Outcome BrokerHost::do_set_times(const Request& r) {
  return Outcome::from(
      fs_.set_times_at({r.fields.dir}, r.path, follow_of(r.fields.flags),
                       time_spec(r.fields.atime), time_spec(r.fields.mtime)));
}

BrokerHost::Outcome BrokerHost::do_truncate(const Request& r) {
  return Outcome::from(fs_.truncate_at({r.fields.dir}, r.path, r.fields.size));
}

BrokerHost::Outcome BrokerHost::do_chmod(const Request& r) {
  return Outcome::from(chmod_at({r.fields.dir}, r.path,
                                follow_of(r.fields.flags), r.fields.mode));
}

BrokerHost::Outcome BrokerHost::do_note(const Request&) {
  return Outcome();  // take_note has passed it on
}

BrokerHost::Outcome BrokerHost::do_close_dir(const Request& r) {
  fs_.close_dir({r.fields.dir});
  handles_.erase(r.fields.dir);
  return Outcome();
}

}  // namespace capbox::sandbox
