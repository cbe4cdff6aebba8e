// SPDX-License-Identifier: Apache-2.0
// Op::Note (protocol version 3) and the host's decision hook: notes decode
// strictly (kind, rights, words, the usage text's grammar), the host takes
// them only when it asked for them and only about its own grants, and
// every operation, allowed or denied, reaches the decision hook with its
// paths, rights and result.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "broker/client.h"
#include "broker/message.h"
#include "tests/unit/sandbox/broker_fixture.h"

namespace capbox::sandbox {
namespace {

using broker::Op;
using Bytes = std::vector<uint8_t>;

broker::Request note(uint32_t kind,
                     std::string_view path,
                     std::string_view word,
                     uint64_t rights) {
  broker::Request r;
  r.op = Op::Note;
  r.seq = 1;
  r.fields.flags = kind;
  r.fields.size = rights;
  r.path = path;
  r.path2 = word;
  return r;
}

// The bytes of `r`, written by hand so that the decoder alone judges them.
Bytes raw(const broker::Request& r) {
  Bytes out(sizeof(broker::Header) + sizeof(broker::RequestFields) +
            r.path.size() + r.path2.size());
  broker::Header header{broker::kMagic, broker::kVersion,
                        static_cast<uint16_t>(r.op), r.seq,
                        static_cast<uint32_t>(out.size() - sizeof header)};
  broker::RequestFields f = r.fields;
  f.path_len = static_cast<uint32_t>(r.path.size());
  f.path2_len = static_cast<uint32_t>(r.path2.size());
  std::memcpy(out.data(), &header, sizeof header);
  std::memcpy(out.data() + sizeof header, &f, sizeof f);
  std::memcpy(out.data() + sizeof header + sizeof f, r.path.data(),
              r.path.size());
  std::memcpy(out.data() + sizeof header + sizeof f + r.path.size(),
              r.path2.data(), r.path2.size());
  return out;
}

const char* decode_error(const broker::Request& r) {
  auto decoded = broker::decode_request(raw(r));
  return decoded ? nullptr : decoded.error();
}

constexpr const char* kUsage =
    "memory_peak=65536 fuel_used=0 output_used=12 file_output_used=3 "
    "open_files_peak=5";

TEST_CASE("notes round-trip and the version is 3") {
  CHECK(broker::kVersion == 3);
  CHECK(std::string(broker::op_name(Op::Note)) == "note");
  // The decoded request views the bytes: keep them alive.
  const Bytes bytes =
      raw(note(broker::kNoteAllowed, "/data/a", "path_open", 0x2000));
  auto allowed = broker::decode_request(bytes);
  REQUIRE(allowed.has_value());
  CHECK(allowed->path == "/data/a");
  CHECK(allowed->path2 == "path_open");
  CHECK(allowed->fields.size == 0x2000);
  CHECK(decode_error(note(broker::kNoteUsage, kUsage, "trap:out_of_fuel", 0)) ==
        nullptr);
  CHECK(decode_error(note(broker::kNoteUsage,
                          std::string(kUsage) + " exit_code=4294967295", "exit",
                          0)) == nullptr);
}

TEST_CASE("malformed notes are refused by name") {
  struct Case {
    broker::Request request;
    const char* why;
  };
  broker::Request with_dir = note(broker::kNoteDenied, "/d", "fd_read", 2);
  with_dir.fields.dir = 1;
  const std::string long_word(broker::kMaxNoteWord + 1, 'a');
  const Case cases[] = {
      {note(0, "/d", "fd_read", 2), "unknown note kind"},
      {note(4, "/d", "fd_read", 2), "flags outside the op's mask"},
      {note(broker::kNoteAllowed, "/d", "fd_read", 0), "note rights empty"},
      {note(broker::kNoteAllowed, "/d", "fd_read", 1ull << 30),
       "outside WASI's"},
      {note(broker::kNoteAllowed, "", "fd_read", 2), "without a guest path"},
      {note(broker::kNoteAllowed, "/d", "", 2), "note word"},
      {note(broker::kNoteAllowed, "/d", "fd read", 2), "note word"},
      {note(broker::kNoteAllowed, "/d", "fd\n", 2), "note word"},
      {note(broker::kNoteAllowed, "/d", long_word, 2), "note word"},
      {with_dir, "handle the op does not take"},
      {note(broker::kNoteUsage, kUsage, "exit", 2), "rights on a usage note"},
      {note(broker::kNoteUsage, "", "exit", 0), "malformed usage note"},
      {note(broker::kNoteUsage, "memory_peak=1", "exit", 0),
       "malformed usage note"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.why);
    const char* why = decode_error(c.request);
    REQUIRE(why != nullptr);
    CHECK(std::string(why).find(c.why) != std::string::npos);
  }
}

TEST_CASE("the usage text has one grammar") {
  broker::NoteUsage usage;
  usage.memory_peak = 1114112;
  usage.fuel_used = UINT64_MAX;
  usage.open_files_peak = 7;
  usage.exited = true;
  usage.exit_code = 3;
  char text[256];
  auto size = broker::format_note_usage(usage, text);
  REQUIRE(size.has_value());
  const std::string_view written(text, *size);
  CHECK(written ==
        "memory_peak=1114112 fuel_used=18446744073709551615 output_used=0 "
        "file_output_used=0 open_files_peak=7 exit_code=3");
  auto parsed = broker::parse_note_usage(written);
  REQUIRE(parsed.has_value());
  CHECK(parsed->fuel_used == UINT64_MAX);
  CHECK(parsed->exited);
  CHECK(parsed->exit_code == 3);
  char small[10];
  CHECK(!broker::format_note_usage(usage, small).has_value());
  const std::string base = kUsage;
  for (const std::string& bad : {
           base + " ",                          // trailing space
           base + " exit_code=",                // no value
           base + " exit_code=4294967296",      // past u32
           base + " exit_code=1 x=2",           // extra field
           std::string("fuel_used=0 ") + base,  // out of order
           "memory_peak=01" + base.substr(17),  // leading zero
           "memory_peak=18446744073709551616" + base.substr(17),  // overflow
           "memory_peak=-1" + base.substr(17),
           base.substr(0, base.size() - 18),  // open_files_peak missing
       }) {
    CAPTURE(bad);
    CHECK(!broker::parse_note_usage(bad).has_value());
  }
}

// A host over one grant ("/data", read only, or `rights`), with both
// hooks set (unless `notes` is false), served from a thread.
class HookedHost {
 public:
  explicit HookedHost(bool notes = true, const char* rights = "read") {
    REQUIRE(broker::make_socket_pair(child_, host_sock_) == 0);
    testing::set_timeout(child_.get(), 10);
    testing::set_timeout(host_sock_.get(), 10);
    Grant grant{dir_.path(), "/data", testing::rights_of(rights), "p.toml:3"};
    auto host = BrokerHost::create(std::span(&grant, 1), nullptr);
    REQUIRE(host.has_value());
    host_ = std::move(*host);
    host_->set_decision_hook(
        [this](const Decision& d) { decisions_.push_back(d); });
    if (notes)
      host_->set_note_hook([this](const NoteClaim& n) {
        notes_.push_back({n.kind, std::string(n.word),
                          std::string(n.guest_path), n.rights, n.grant});
      });
    // Closing the host's end when serve stops, as the supervisor does by
    // killing the child, answers a call the host refused with EOF at once
    // rather than after the 10 s timeout.
    thread_ = std::thread([this] {
      result_ = host_->serve(host_sock_.get());
      host_sock_.reset();
    });
    client_ = std::make_unique<broker::Client>(std::move(child_));
    broker::Request hello;
    hello.op = Op::Hello;
    REQUIRE(client_->call(hello).has_value());
    broker::Request preopen;
    preopen.op = Op::Preopen;
    REQUIRE(client_->call(preopen).has_value());
  }
  ~HookedHost() { finish(); }

  Result<broker::Answer, int> call(broker::Request r) {
    return client_->call(r);
  }
  const ServeResult& finish() {
    client_.reset();
    if (thread_.joinable())
      thread_.join();
    return result_;
  }
  const wasi::testing::TempDir& dir() const { return dir_; }

  struct Seen {
    uint32_t kind;
    std::string word, path;
    uint64_t rights;
    size_t grant;
  };
  std::vector<Decision> decisions_;
  std::vector<Seen> notes_;

 private:
  wasi::testing::TempDir dir_;
  UniqueFd child_, host_sock_;
  std::unique_ptr<BrokerHost> host_;
  std::unique_ptr<broker::Client> client_;
  ServeResult result_;
  std::thread thread_;
};

TEST_CASE("notes reach the hook only when the host asked for them") {
  {
    HookedHost host;
    REQUIRE(host.call(note(broker::kNoteAllowed, "/data/a.txt", "fd_read",
                           wasi::right::kFdRead)));
    REQUIRE(host.call(note(broker::kNoteDenied, "/data", "path_unlink_file",
                           wasi::right::kPathUnlinkFile)));
    REQUIRE(host.call(note(broker::kNoteUsage, kUsage, "exit", 0)));
    CHECK(host.finish().status == ServeStatus::ChildClosed);
    REQUIRE(host.notes_.size() == 3);
    CHECK(host.notes_[0].word == "fd_read");
    CHECK(host.notes_[0].path == "/data/a.txt");
    CHECK(host.notes_[0].rights == wasi::right::kFdRead);
    CHECK(host.notes_[1].kind == broker::kNoteDenied);
    CHECK(host.notes_[2].kind == broker::kNoteUsage);
    CHECK(host.decisions_.empty());  // notes are not decisions
  }
  struct Case {
    broker::Request request;
    bool notes;
    const char* why;
  };
  const Case cases[] = {
      {note(broker::kNoteAllowed, "/data/a", "fd_read", wasi::right::kFdRead),
       false, "a note the host did not ask for"},
      {note(broker::kNoteAllowed, "/etc/passwd", "fd_read",
            wasi::right::kFdRead),
       true, "a note about a path outside the grants"},
      {note(broker::kNoteAllowed, "/database", "fd_read", wasi::right::kFdRead),
       true, "a note about a path outside the grants"},
      {note(broker::kNoteAllowed, "/data/a", "fd_write", wasi::right::kFdWrite),
       true, "a note that rights the grant lacks were allowed"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.why);
    HookedHost host(c.notes);
    CHECK(!host.call(c.request).has_value());
    const ServeResult& result = host.finish();
    CHECK(result.status == ServeStatus::Misbehaved);
    CHECK(result.why == std::string("child misbehaved: ") + c.why);
    CHECK(host.notes_.empty());
  }
  HookedHost twice;
  REQUIRE(twice.call(note(broker::kNoteUsage, kUsage, "exit", 0)));
  CHECK(!twice.call(note(broker::kNoteUsage, kUsage, "exit", 0)));
  CHECK(twice.finish().why == "child misbehaved: a second usage note");
}

TEST_CASE("every operation reaches the decision hook, allowed or denied") {
  HookedHost host(true, "read");
  REQUIRE(::close(::creat((host.dir() / "a.txt").c_str(), 0600)) == 0);
  broker::Request stat;
  stat.op = Op::Stat;
  stat.fields.dir = 1;
  stat.path = "a.txt";
  REQUIRE(host.call(stat).has_value());
  stat.path = "missing";
  CHECK(host.call(stat).error() == ENOENT);
  broker::Request rename;
  rename.op = Op::Rename;
  rename.fields.dir = 1;
  rename.fields.dir2 = 1;
  rename.path = "a.txt";
  rename.path2 = "b.txt";
  CHECK(host.call(rename).error() == EACCES);
  host.finish();
  REQUIRE(host.decisions_.size() == 3);
  const Decision& ok = host.decisions_[0];
  CHECK(std::string(ok.operation) == "stat");
  CHECK(ok.guest_path == "/data/a.txt");
  CHECK(ok.host_path == host.dir() / "a.txt");
  CHECK(ok.allowed);
  CHECK(ok.error == 0);
  CHECK(ok.needed == wasi::right::kPathFilestatGet);
  CHECK(!ok.target);
  CHECK(host.decisions_[1].allowed);
  CHECK(host.decisions_[1].error == ENOENT);
  const Decision& denied = host.decisions_[2];
  CHECK(std::string(denied.operation) == "rename");
  CHECK(!denied.allowed);
  CHECK(denied.error == EACCES);
  CHECK(denied.target == std::optional<std::string>("/data/b.txt"));
  CHECK(denied.missing == wasi::right::kPathRenameSource);
  CHECK(denied.needed ==
        (wasi::right::kPathRenameSource | wasi::right::kPathRenameTarget));
}

}  // namespace
}  // namespace capbox::sandbox
