// SPDX-License-Identifier: Apache-2.0
// A BrokerHost served from a thread over a real SOCK_SEQPACKET pair, with
// receive timeouts on both ends so a test that goes wrong fails instead of
// hanging. Grants are temporary directories; denials are collected.
#pragma once

#include <doctest/doctest.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "broker/channel.h"
#include "sandbox/broker_host.h"
#include "tests/unit/wasi/wasi_fixture.h"
#include "wasi/grant_rights.h"

namespace capbox::sandbox::testing {

inline void set_timeout(int sock, int seconds) {
  struct timeval tv = {seconds, 0};
  REQUIRE(::setsockopt(sock, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) == 0);
  REQUIRE(::setsockopt(sock, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) == 0);
}

inline wasi::Rights rights_of(const char* words) {
  auto rights = wasi::parse_grant_rights(words);
  REQUIRE(rights.has_value());
  return *rights;
}

// One grant of a fresh temporary directory as "/data", served.
class ServedHost {
 public:
  explicit ServedHost(wasi::Rights rights = {wasi::right::kAll},
                      std::string source = "policy.toml:3",
                      broker::Resolver resolver = broker::Resolver::Kernel) {
    REQUIRE(broker::make_socket_pair(child_, host_sock_) == 0);
    set_timeout(child_.get(), 10);
    set_timeout(host_sock_.get(), 10);
    Grant grant{dir_.path(), "/data", rights, std::move(source)};
    auto host = BrokerHost::create(
        std::span(&grant, 1), [this](auto& d) { denials_.push_back(d); },
        resolver);
    REQUIRE(host.has_value());
    host_ = std::move(*host);
    thread_ = std::thread([this] { result_ = host_->serve(host_sock_.get()); });
  }
  ~ServedHost() { finish(); }

  // The child's end; tests hand it to a Client or write raw bytes to it.
  UniqueFd take_child() { return std::move(child_); }
  int child() const { return child_.get(); }
  const wasi::testing::TempDir& dir() const { return dir_; }

  // Closes the child's end if still held, waits for the host to stop and
  // returns how it stopped. Denials are readable after this.
  const ServeResult& finish() {
    child_.reset();
    if (thread_.joinable())
      thread_.join();
    return result_;
  }
  const std::vector<Denial>& denials() const { return denials_; }

 private:
  wasi::testing::TempDir dir_;
  UniqueFd child_, host_sock_;
  std::unique_ptr<BrokerHost> host_;
  std::vector<Denial> denials_;
  ServeResult result_;
  std::thread thread_;
};

}  // namespace capbox::sandbox::testing
