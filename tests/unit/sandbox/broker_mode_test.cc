// SPDX-License-Identifier: Apache-2.0
// Protocol v2 through a real BrokerHost: a creating open sets the mode
// only on a file it made, mkdir takes one, Chmod needs the metadata right
// and cannot change a symlink itself, kOpenNoHandle costs the host no
// handle. The preload library is what
// sends these; here a broker::Client speaks for it.
#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <string>

#include "broker/client.h"
#include "tests/unit/sandbox/broker_fixture.h"

namespace capbox::sandbox {
namespace {

using broker::Op;

// A client that has said hello and taken preopen 0; its handle in `root`.
struct Started {
  broker::Client client;
  uint32_t root = 0;
  explicit Started(testing::ServedHost& host) : client(host.take_child()) {
    broker::Request hello;
    hello.op = Op::Hello;
    REQUIRE(client.call(hello).has_value());
    broker::Request preopen;
    preopen.op = Op::Preopen;
    auto answer = client.call(preopen);
    REQUIRE(answer.has_value());
    root = answer->fields.handle;
  }
  Result<broker::Answer, int> call(Op op,
                                   const char* path,
                                   uint32_t flags,
                                   uint32_t mode) {
    broker::Request r;
    r.op = op;
    r.fields.dir = root;
    r.fields.flags = flags;
    r.fields.mode = mode;
    r.path = path;
    return client.call(r);
  }
};

mode_t mode_of(const std::string& path) {
  struct stat st {};
  REQUIRE(::lstat(path.c_str(), &st) == 0);
  return st.st_mode & 07777;
}

constexpr uint32_t kCreate =
    broker::kOpenWrite | broker::kOpenCreate | broker::kMode;

TEST_CASE("a creating open sets the mode of the file it made, only") {
  testing::ServedHost host;
  Started s(host);
  CHECK(s.call(Op::Open, "new", kCreate, 0640).has_value());
  CHECK(mode_of(host.dir() / "new") == 0640);
  CHECK(s.call(Op::Open, "zero", kCreate, 0).has_value());
  CHECK(mode_of(host.dir() / "zero") == 0);
  std::ofstream(host.dir() / "old") << "x";
  ::chmod((host.dir() / "old").c_str(), 0604);
  CHECK(s.call(Op::Open, "old", kCreate, 0600).has_value());
  CHECK(mode_of(host.dir() / "old") == 0604);
  auto excl = s.call(Op::Open, "old", kCreate | broker::kOpenExclusive, 0600);
  REQUIRE_FALSE(excl.has_value());
  CHECK(excl.error() == EEXIST);
  CHECK(mode_of(host.dir() / "old") == 0604);
}

TEST_CASE("mkdir takes a mode; chmod changes one, not a symlink's") {
  testing::ServedHost host;
  {
    Started s(host);
    CHECK(s.call(Op::Mkdir, "d", broker::kMode, 0705).has_value());
    CHECK(mode_of(host.dir() / "d") == 0705);
    CHECK(s.call(Op::Mkdir, "plain", 0, 0).has_value());
    std::ofstream(host.dir() / "f") << "x";
    uint32_t follow = broker::kMode | broker::kFollow;
    CHECK(s.call(Op::Chmod, "f", follow, 0600).has_value());
    CHECK(mode_of(host.dir() / "f") == 0600);
    CHECK(s.call(Op::Chmod, "d", follow, 0700).has_value());
    CHECK(mode_of(host.dir() / "d") == 0700);
    REQUIRE(::symlink("f", (host.dir() / "l").c_str()) == 0);
    auto link = s.call(Op::Chmod, "l", broker::kMode, 0644);
    REQUIRE_FALSE(link.has_value());
    CHECK(link.error() == EOPNOTSUPP);
    CHECK(s.call(Op::Chmod, "l", follow, 0644).has_value());
    CHECK(mode_of(host.dir() / "f") == 0644);
    auto missing = s.call(Op::Chmod, "nope", follow, 0644);
    REQUIRE_FALSE(missing.has_value());
    CHECK(missing.error() == ENOENT);
  }  // the client closes its end
  CHECK(host.finish().status == ServeStatus::ChildClosed);
}

TEST_CASE("chmod needs the metadata right") {
  testing::ServedHost host(testing::rights_of("read,write,create"));
  {
    Started s(host);
    std::ofstream(host.dir() / "f") << "x";
    ::chmod((host.dir() / "f").c_str(), 0644);
    auto denied = s.call(Op::Chmod, "f", broker::kMode | broker::kFollow, 0666);
    REQUIRE_FALSE(denied.has_value());
    CHECK(denied.error() == EACCES);
    CHECK(mode_of(host.dir() / "f") == 0644);
  }
  host.finish();
  REQUIRE(host.denials().size() == 1);
  CHECK(host.denials()[0].operation == "chmod");
  CHECK(host.denials()[0].missing == "metadata");
}

TEST_CASE("directories opened with kOpenNoHandle come without a handle") {
  testing::ServedHost host;
  {
    Started s(host);
    // More than the host's 1024 handles: none is kept.
    for (int i = 0; i < 1100; ++i) {
      auto opened =
          s.call(Op::Open, ".", broker::kOpenRead | broker::kOpenNoHandle, 0);
      REQUIRE(opened.has_value());
      CHECK(opened->fd.valid());
      CHECK(opened->fields.handle == 0);
      CHECK((opened->fields.flags & broker::kReplyDir) == 0);
    }
    auto with_handle = s.call(Op::Open, ".", broker::kOpenRead, 0);
    REQUIRE(with_handle.has_value());
    CHECK(with_handle->fields.handle != 0);
  }
  CHECK(host.finish().status == ServeStatus::ChildClosed);
}

}  // namespace
}  // namespace capbox::sandbox
