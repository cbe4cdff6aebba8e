// SPDX-License-Identifier: Apache-2.0
// broker_bench: the median cost of one path_open through the broker
// (BrokeredFs -> Client -> SOCK_SEQPACKET -> BrokerHost -> DirectFs ->
// reply with SCM_RIGHTS) against a plain openat and DirectFs's own
// beneath-open, in microseconds. The host runs in a thread of this process
// (the supervisor is a separate process in real runs: add one more
// scheduler wake-up per side there). Run by hand: build-X/bench/broker_bench
// [ITERATIONS]. Not a test.
#include <fcntl.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "broker/channel.h"
#include "broker/client.h"
#include "sandbox/broker_host.h"
#include "sandbox/brokered_fs.h"
#include "wasi/direct_fs.h"

namespace {

using namespace capbox;

double now_us() {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) * 1e6 +
         static_cast<double>(ts.tv_nsec) / 1e3;
}

// Median microseconds of `n` calls of `open_once`, which must return an
// open descriptor; each is closed untimed.
template <typename F>
double median_us(int n, F open_once) {
  std::vector<double> times;
  times.reserve(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) {
    double start = now_us();
    int fd = open_once();
    times.push_back(now_us() - start);
    if (fd < 0) {
      std::fprintf(stderr, "broker_bench: open failed\n");
      std::exit(1);
    }
    ::close(fd);
  }
  std::sort(times.begin(), times.end());
  return times[times.size() / 2];
}

int run(int n, const std::string& root) {
  UniqueFd child, host_sock;
  if (broker::make_socket_pair(child, host_sock) != 0)
    return 1;
  sandbox::Grant grant{root, "/data", {wasi::right::kAll}, "bench"};
  auto host = sandbox::BrokerHost::create(std::span(&grant, 1), {});
  if (!host)
    return 1;
  std::thread server([&] { (void)(*host)->serve(host_sock.get()); });
  double brokered, direct_fs, plain;
  {
    broker::Client client(std::move(child));
    sandbox::BrokeredFs fs(client);
    auto preopens = sandbox::fetch_preopens(client);
    if (!preopens || preopens->empty())
      return 1;
    wasi::DirHandle dir = (*preopens)[0].dir.dir;
    wasi::OpenRequest read;
    read.read = true;
    brokered = median_us(n, [&] {
      auto opened = fs.open_at(dir, "sub/file", read);
      return opened ? opened->fd.release() : -1;
    });
    wasi::DirectFs local;
    auto local_root = local.open_root(root);
    if (!local_root)
      return 1;
    direct_fs = median_us(n, [&] {
      auto opened = local.open_at(local_root->dir, "sub/file", read);
      return opened ? opened->fd.release() : -1;
    });
    plain = median_us(n, [&] {
      return ::openat(local_root->fd.get(), "sub/file", O_RDONLY | O_CLOEXEC);
    });
  }
  server.join();
  std::printf("median of %d opens of \"sub/file\", microseconds:\n", n);
  std::printf("  openat (no checks)          %8.2f\n", plain);
  std::printf("  DirectFs (resolve beneath)  %8.2f\n", direct_fs);
  std::printf("  brokered path_open          %8.2f  (%.1fx openat)\n", brokered,
              brokered / plain);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  int n = argc > 1 ? std::atoi(argv[1]) : 20000;
  if (n <= 0) {
    std::fprintf(stderr, "usage: broker_bench [ITERATIONS > 0]\n");
    return 2;
  }
  std::string tmpl =
      (std::filesystem::temp_directory_path() / "capbox-bench-XXXXXX").string();
  if (::mkdtemp(tmpl.data()) == nullptr)
    return 1;
  std::filesystem::create_directory(tmpl + "/sub");
  FILE* f = std::fopen((tmpl + "/sub/file").c_str(), "w");
  if (f != nullptr)
    std::fclose(f);
  int rc = run(n, tmpl);
  std::error_code ignored;
  std::filesystem::remove_all(tmpl, ignored);
  return rc;
}
