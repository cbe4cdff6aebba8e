// SPDX-License-Identifier: Apache-2.0
// The load phase of one module in-process, for bench/load_bench.py: the
// median wall time of decode, decode + validate, and load_module (decode +
// validate + lazy preparation) over RUNS runs, printed as one JSON object.
// With RUNS = 1 it is the program callgrind counts. Uses only the engine.
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "engine/decoder.h"
#include "engine/engine.h"
#include "engine/validator.h"

namespace {

using Clock = std::chrono::steady_clock;

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

rusage usage_now() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage;
}

double cpu_seconds(const rusage& u) {
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) * 1e-6;
}

// Page faults of the timed calls: in a fresh process, first touches of
// memory cost as much as the work (see bench/README.md).
long faults[3] = {0, 0, 0};
// CPU seconds (user + sys) of the load_module calls: on a busy machine,
// steadier than their wall time.
std::vector<double> load_cpu;

// Seconds of one call of `fn`, which returns false on failure.
template <typename Fn>
bool time_once(Fn fn, double& seconds, long& fault_count) {
  rusage before = usage_now();
  auto start = Clock::now();
  bool ok = fn();
  seconds = std::chrono::duration<double>(Clock::now() - start).count();
  rusage after = usage_now();
  fault_count += after.ru_minflt - before.ru_minflt;
  if (&fault_count == &faults[2])
    load_cpu.push_back(cpu_seconds(after) - cpu_seconds(before));
  return ok;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: load_time MODULE.wasm [RUNS]\n");
    return 2;
  }
  int runs = argc > 2 ? std::max(1, std::atoi(argv[2])) : 1;
  std::ifstream in(argv[1], std::ios::binary);
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                             std::istreambuf_iterator<char>());
  if (!in.eof() && !in) {
    std::fprintf(stderr, "load_time: cannot read %s\n", argv[1]);
    return 2;
  }
  using namespace capbox::engine;
  std::vector<double> decode, validate, load;
  std::string error;
  for (int i = 0; i < runs && error.empty(); ++i) {
    double t = 0;
    // As `capbox run` does: the bytes read are handed over, not copied.
    std::vector<uint8_t> copy = bytes;
    if (!time_once([&] { return decode_module(std::move(copy)).has_value(); },
                   t, faults[0]))
      error = "decode failed";
    decode.push_back(t);
    auto module = decode_module(bytes);
    if (module &&
        !time_once([&] { return validate_module(*module).has_value(); }, t,
                   faults[1]))
      error = validate_module(*module).error().describe();
    validate.push_back(t);
    // The loaded module is freed outside the timed call: unmapping its
    // code reservation is the process's exit's business, not start-up's.
    std::shared_ptr<const CompiledModule> kept;
    copy = bytes;
    auto load_once = [&] {
      auto loaded = load_module(std::move(copy));
      if (loaded)
        kept = *loaded;
      return loaded.has_value();
    };
    if (!time_once(load_once, t, faults[2]) && error.empty())
      error = "load failed";
    load.push_back(t);
  }
  if (!error.empty()) {
    std::fprintf(stderr, "load_time: %s: %s\n", argv[1], error.c_str());
    return 1;
  }
  std::printf(
      "{\"bytes\": %zu, \"decode_ms\": %.3f, \"validate_ms\": %.3f, "
      "\"load_ms\": %.3f, \"decode_faults\": %ld, \"validate_faults\": %ld, "
      "\"load_faults\": %ld, \"load_cpu_ms\": %.3f}\n",
      bytes.size(), median(decode) * 1e3, median(validate) * 1e3,
      median(load) * 1e3, faults[0] / runs, faults[1] / runs, faults[2] / runs,
      median(load_cpu) * 1e3);
  return 0;
}
