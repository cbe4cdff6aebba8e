// SPDX-License-Identifier: Apache-2.0
// BrokeredFs -> Client -> socketpair -> BrokerHost (in a thread) ->
// DirectFs over a temporary tree: the operations DirectFs's own tests run
// work through the broker, escapes are refused, and a read-only grant
// never yields a descriptor that can write or a changed file.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "sandbox/brokered_fs.h"
#include "tests/unit/sandbox/broker_fixture.h"

namespace capbox::sandbox {
namespace {

using testing::rights_of;
using testing::ServedHost;
using wasi::DirHandle;
using wasi::Follow;
using wasi::OpenRequest;

class Brokered {
 public:
  explicit Brokered(wasi::Rights rights = {wasi::right::kAll},
                    broker::Resolver resolver = broker::Resolver::Kernel)
      : host_(rights, "policy.toml:3", resolver),
        client_(std::make_unique<broker::Client>(host_.take_child())),
        fs_(std::make_unique<BrokeredFs>(*client_)) {
    auto preopens = fetch_preopens(*client_);
    REQUIRE(preopens.has_value());
    REQUIRE(preopens->size() == 1);
    preopens_ = std::move(*preopens);
  }

  BrokeredFs& fs() { return *fs_; }
  broker::Client& client() { return *client_; }
  // Drops the child's side and waits for the host to stop.
  ServedHost& finished_host() {
    fs_.reset();
    client_.reset();
    host_.finish();
    return host_;
  }
  DirHandle dir() const { return preopens_[0].dir.dir; }
  const wasi::Preopen& preopen() const { return preopens_[0]; }
  std::string path(const std::string& rel) const { return host_.dir() / rel; }

  void put(const std::string& rel, const std::string& text) const {
    std::ofstream(path(rel)) << text;
  }
  std::string get(const std::string& rel) const {
    std::ifstream in(path(rel));
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }

 private:
  ServedHost host_;
  std::unique_ptr<broker::Client> client_;
  std::unique_ptr<BrokeredFs> fs_;
  std::vector<wasi::Preopen> preopens_;
};

OpenRequest reading() {
  OpenRequest r;
  r.read = true;
  return r;
}

int access_mode(int fd) {
  return ::fcntl(fd, F_GETFL) & O_ACCMODE;
}

TEST_CASE("preopens come from the host with name, rights and a dir fd") {
  wasi::Rights rights = rights_of("ro");
  Brokered b(rights);
  CHECK(b.preopen().guest_name == "/data");
  CHECK(b.preopen().base == rights);
  CHECK(b.preopen().inheriting == rights);
  CHECK(b.preopen().dir.is_directory);
  CHECK(b.dir().id != 0);
  struct stat st {};
  REQUIRE(::fstat(b.preopen().dir.fd.get(), &st) == 0);
  CHECK(S_ISDIR(st.st_mode));
  CHECK(access_mode(b.preopen().dir.fd.get()) == O_RDONLY);
}

TEST_CASE("files are created, written, read and stat'ed through the broker") {
  Brokered b;
  OpenRequest create;
  create.write = true;
  create.create = true;
  auto opened = b.fs().open_at(b.dir(), "new", create);
  REQUIRE(opened.has_value());
  CHECK(!opened->is_directory);
  CHECK(access_mode(opened->fd.get()) == O_WRONLY);
  REQUIRE(::write(opened->fd.get(), "hello", 5) == 5);
  CHECK(b.get("new") == "hello");

  auto st = b.fs().stat_at(b.dir(), "new", Follow::Yes);
  REQUIRE(st.has_value());
  CHECK(st->st_size == 5);
  CHECK(S_ISREG(st->st_mode));
  struct stat host {};
  REQUIRE(::stat(b.path("new").c_str(), &host) == 0);
  CHECK(st->st_ino == host.st_ino);
  CHECK(st->st_mtim.tv_nsec == host.st_mtim.tv_nsec);

  auto missing = b.fs().open_at(b.dir(), "absent", reading());
  REQUIRE(!missing.has_value());
  CHECK(missing.error() == ENOENT);
}

TEST_CASE("directory operations, links and times through the broker") {
  Brokered b;
  auto& fs = b.fs();
  REQUIRE(fs.mkdir_at(b.dir(), "d").has_value());
  CHECK(fs.mkdir_at(b.dir(), "d").error() == EEXIST);
  b.put("d/f", "text");
  auto sub = fs.open_at(b.dir(), "d", reading());
  REQUIRE(sub.has_value());
  REQUIRE(sub->is_directory);
  CHECK(sub->dir.id != b.dir().id);
  REQUIRE(fs.rename_at(sub->dir, "f", b.dir(), "g").has_value());
  CHECK(b.get("g") == "text");
  REQUIRE(fs.link_at(b.dir(), "g", Follow::No, sub->dir, "h").has_value());
  CHECK(b.get("d/h") == "text");
  REQUIRE(fs.symlink_at("../g", sub->dir, "s").has_value());
  auto target = fs.readlink_at(sub->dir, "s");
  REQUIRE(target.has_value());
  CHECK(*target == "../g");
  wasi::TimeSpec when;
  when.kind = wasi::TimeSpec::Kind::Set;
  when.value = {1000, 5};
  REQUIRE(fs.set_times_at(b.dir(), "g", Follow::Yes, when, {}).has_value());
  struct stat st {};
  REQUIRE(::stat(b.path("g").c_str(), &st) == 0);
  CHECK(st.st_atim.tv_sec == 1000);
  CHECK(st.st_atim.tv_nsec == 5);
  REQUIRE(fs.truncate_at(b.dir(), "g", 2).has_value());
  CHECK(b.get("g") == "te");
  CHECK(fs.rmdir_at(b.dir(), "d").error() == ENOTEMPTY);
  REQUIRE(fs.unlink_at(sub->dir, "h").has_value());
  REQUIRE(fs.unlink_at(sub->dir, "s").has_value());
  fs.close_dir(sub->dir);
  REQUIRE(fs.rmdir_at(b.dir(), "d").has_value());
  CHECK(!b.client().broken());
}

TEST_CASE("a FIFO cannot block the host; O_NONBLOCK only when asked") {
  Brokered b;
  REQUIRE(::mkfifo(b.path("fifo").c_str(), 0600) == 0);
  auto reader = b.fs().open_at(b.dir(), "fifo", reading());
  REQUIRE(reader.has_value());
  CHECK((::fcntl(reader->fd.get(), F_GETFL) & O_NONBLOCK) == 0);
  OpenRequest nonblock = reading();
  nonblock.nonblock = true;
  auto second = b.fs().open_at(b.dir(), "fifo", nonblock);
  REQUIRE(second.has_value());
  CHECK((::fcntl(second->fd.get(), F_GETFL) & O_NONBLOCK) != 0);
  reader->fd.reset();
  second->fd.reset();
  OpenRequest write;
  write.write = true;
  CHECK(b.fs().open_at(b.dir(), "fifo", write).error() == ENXIO);
  CHECK(!b.client().broken());
}

void check_escapes_refused(broker::Resolver resolver) {
  Brokered b({wasi::right::kAll}, resolver);
  REQUIRE(::symlink("../..", b.path("up").c_str()) == 0);
  REQUIRE(::symlink("/etc/passwd", b.path("abs").c_str()) == 0);
  for (const char* path : {"../x", "/etc/passwd", "up/etc/passwd", "abs"}) {
    auto opened = b.fs().open_at(b.dir(), path, reading());
    REQUIRE(!opened.has_value());
    CHECK_MESSAGE(opened.error() == EPERM, path);
  }
  CHECK(b.fs().stat_at(b.dir(), "..", Follow::Yes).error() == EPERM);
  CHECK(b.fs().mkdir_at(b.dir(), "../escaped").error() == EPERM);
  CHECK(::access(b.path("../escaped").c_str(), F_OK) != 0);
  CHECK(!b.client().broken());
}

TEST_CASE("escapes are refused by the host's resolution, both resolvers") {
  check_escapes_refused(broker::Resolver::Kernel);
  check_escapes_refused(broker::Resolver::Walk);
}

TEST_CASE("a read-only grant never yields a writable fd or a change") {
  Brokered b(rights_of("ro"));
  b.put("f", "keep");
  int opened_count = 0;
  for (uint32_t bits = 0; bits < (1u << 11); ++bits) {
    OpenRequest r;
    r.read = bits & 1;
    r.write = bits & 2;
    r.create = bits & 4;
    r.exclusive = bits & 8;
    r.truncate = bits & 16;
    r.directory = bits & 32;
    r.append = bits & 64;
    r.nonblock = bits & 128;
    r.sync_flags = (bits & 256 ? O_DSYNC : 0) | (bits & 512 ? O_SYNC : 0);
    r.follow = bits & 1024 ? Follow::Yes : Follow::No;
    for (const char* path : {"f", "created", "."}) {
      auto opened = b.fs().open_at(b.dir(), path, r);
      if (!opened)
        continue;
      ++opened_count;
      CHECK(access_mode(opened->fd.get()) == O_RDONLY);
      CHECK((::fcntl(opened->fd.get(), F_GETFL) & O_APPEND) == 0);
      if (opened->is_directory)
        b.fs().close_dir(opened->dir);
    }
  }
  CHECK(opened_count > 0);
  CHECK(b.get("f") == "keep");
  CHECK(::access(b.path("created").c_str(), F_OK) != 0);
  CHECK(!b.client().broken());
}

TEST_CASE("denials give EACCES and name the op, path, right and source") {
  Brokered b(rights_of("read,create"));
  b.put("f", "keep");
  OpenRequest write;
  write.write = true;
  CHECK(b.fs().open_at(b.dir(), "f", write).error() == EACCES);
  CHECK(b.fs().unlink_at(b.dir(), "f").error() == EACCES);
  CHECK(b.fs().rename_at(b.dir(), "f", b.dir(), "g").error() == EACCES);
  CHECK(b.fs().truncate_at(b.dir(), "f", 0).error() == EACCES);
  CHECK(b.fs().mkdir_at(b.dir(), "ok").has_value());
  CHECK(b.get("f") == "keep");
  ServedHost& host = b.finished_host();
  CHECK(host.finish().status == ServeStatus::ChildClosed);
  const auto& denials = host.denials();
  REQUIRE(denials.size() == 4);
  CHECK(denials[0].operation == "open");
  CHECK(denials[0].guest_path == "/data/f");
  CHECK(denials[0].missing == "write");
  CHECK(denials[0].source == "policy.toml:3");
  CHECK(denials[1].operation == "unlink");
  CHECK(denials[1].missing == "delete");
  CHECK(denials[2].missing == "rename");
  CHECK(denials[3].operation == "truncate");
  CHECK(describe_denial(denials[1]) ==
        "capbox: denied unlink of \"/data/f\": the grant lacks \"delete\"; "
        "add it at policy.toml:3");
}

}  // namespace
}  // namespace capbox::sandbox

namespace capbox::sandbox {
namespace {

TEST_CASE("print_denials_once writes each rule's denial once") {
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  UniqueFd read_end(fds[0]), write_end(fds[1]);
  DenialHook hook = print_denials_once(write_end.get());
  hook({"open", "/data/a", "write", "policy.toml:3"});
  hook({"open", "/data/b", "write", "policy.toml:3"});  // same rule
  hook({"unlink", "/data/a", "delete", "policy.toml:3"});
  hook({"open", "/logs/a", "write", "--dir flag"});
  write_end.reset();
  char buffer[1024];
  ssize_t n = ::read(read_end.get(), buffer, sizeof(buffer));
  REQUIRE(n > 0);
  CHECK(std::string(buffer, static_cast<size_t>(n)) ==
        "capbox: denied open of \"/data/a\": the grant lacks \"write\"; add "
        "it at policy.toml:3\n"
        "capbox: denied unlink of \"/data/a\": the grant lacks \"delete\"; "
        "add it at policy.toml:3\n"
        "capbox: denied open of \"/logs/a\": the grant lacks \"write\"; add "
        "it at --dir flag\n");
}

}  // namespace
}  // namespace capbox::sandbox
