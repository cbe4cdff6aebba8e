// SPDX-License-Identifier: Apache-2.0
// The load phase of one module in-process, for bench/load_bench.py: the
// median wall time of decode, decode + validate, and load_module (decode +
// validate + lazy preparation) over RUNS runs, printed as one JSON object.
// With RUNS = 1 it is the program callgrind counts. Uses only the engine.
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

// Seconds of one call of `fn`, which returns false on failure.
template <typename Fn>
bool time_once(Fn fn, double& seconds) {
  auto start = Clock::now();
  bool ok = fn();
  seconds = std::chrono::duration<double>(Clock::now() - start).count();
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
    if (!time_once([&] { return decode_module(bytes).has_value(); }, t))
      error = "decode failed";
    decode.push_back(t);
    auto module = decode_module(bytes);
    if (module &&
        !time_once([&] { return validate_module(*module).has_value(); }, t))
      error = validate_module(*module).error().describe();
    validate.push_back(t);
    // The loaded module is freed outside the timed call: unmapping its
    // code reservation is the process's exit's business, not start-up's.
    std::shared_ptr<const CompiledModule> kept;
    auto load_once = [&] {
      auto loaded = load_module(bytes);
      if (loaded)
        kept = *loaded;
      return loaded.has_value();
    };
    if (!time_once(load_once, t) &&
        error.empty())
      error = "load failed";
    load.push_back(t);
  }
  if (!error.empty()) {
    std::fprintf(stderr, "load_time: %s: %s\n", argv[1], error.c_str());
    return 1;
  }
  std::printf(
      "{\"bytes\": %zu, \"decode_ms\": %.3f, \"validate_ms\": %.3f, "
      "\"load_ms\": %.3f}\n",
      bytes.size(), median(decode) * 1e3, median(validate) * 1e3,
      median(load) * 1e3);
  return 0;
}
