// SPDX-License-Identifier: Apache-2.0
// Runs the SIMD spec tests' assert_returns against simd_ops.h directly,
// without the decoder or interpreter: for every exported function whose
// body is exactly "local.get 0..n-1; <one simd.def instruction>; end", each
// assert_return invoking it on constants is evaluated with the table's
// function. Reads wast2json output (the .json files listed, ':'-separated,
// in $CAPBOX_SIMD_SPEC_JSON, and the .wasm files beside them).
#include <doctest/doctest.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/simd_ops.h"

namespace capbox::engine::simd {
namespace {

using nlohmann::json;

enum class Sig : uint8_t {
  Unary,
  Binary,
  Ternary,
  Test,
  Shift,
  Splat,
  Extract,
  Replace
};

// One table row, with its function under the pointer of its signature.
struct Entry {
  Sig sig = Sig::Unary;
  V128 (*unary)(V128) = nullptr;
  V128 (*binary)(V128, V128) = nullptr;
  V128 (*ternary)(V128, V128, V128) = nullptr;
  uint32_t (*test)(V128) = nullptr;
  V128 (*shift)(V128, uint32_t) = nullptr;
  V128 (*splat)(uint64_t) = nullptr;
  uint64_t (*extract)(V128, uint32_t) = nullptr;
  V128 (*replace)(V128, uint64_t, uint32_t) = nullptr;
};
Entry entry_of(V128 (*f)(V128)) {
  Entry e;
  e.sig = Sig::Unary;
  e.unary = f;
  return e;
}
Entry entry_of(V128 (*f)(V128, V128)) {
  Entry e;
  e.sig = Sig::Binary;
  e.binary = f;
  return e;
}
Entry entry_of(V128 (*f)(V128, V128, V128)) {
  Entry e;
  e.sig = Sig::Ternary;
  e.ternary = f;
  return e;
}
Entry entry_of(uint32_t (*f)(V128)) {
  Entry e;
  e.sig = Sig::Test;
  e.test = f;
  return e;
}
Entry entry_of(V128 (*f)(V128, uint32_t)) {
  Entry e;
  e.sig = Sig::Shift;
  e.shift = f;
  return e;
}
Entry entry_of(V128 (*f)(uint64_t)) {
  Entry e;
  e.sig = Sig::Splat;
  e.splat = f;
  return e;
}
Entry entry_of(uint64_t (*f)(V128, uint32_t)) {
  Entry e;
  e.sig = Sig::Extract;
  e.extract = f;
  return e;
}
Entry entry_of(V128 (*f)(V128, uint64_t, uint32_t)) {
  Entry e;
  e.sig = Sig::Replace;
  e.replace = f;
  return e;
}

const std::map<uint32_t, Entry>& table() {
  static const std::map<uint32_t, Entry> t = {
#define CAPBOX_SIMD(Name, code, Shape, fn) {code, entry_of(&fn)},
#include "engine/simd.def"
#undef CAPBOX_SIMD
  };
  return t;
}

int param_count(Sig s) {
  switch (s) {
    case Sig::Ternary:
      return 3;
    case Sig::Binary:
    case Sig::Shift:
    case Sig::Replace:
      return 2;
    default:
      return 1;
  }
}

// A bounds-checked cursor over a wasm binary; any overrun sets failed.
struct Cursor {
  const std::vector<uint8_t>* bytes;
  size_t pos;
  size_t end;
  bool failed = false;
  uint8_t byte() {
    if (pos >= end) {
      failed = true;
      return 0;
    }
    return (*bytes)[pos++];
  }
  uint32_t leb() {
    uint32_t v = 0;
    for (int shift = 0; shift < 35; shift += 7) {
      uint8_t b = byte();
      v |= uint32_t(b & 0x7F) << shift;
      if (!(b & 0x80))
        return v;
    }
    failed = true;
    return 0;
  }
  std::string name() {
    uint32_t n = leb();
    std::string s;
    for (uint32_t i = 0; i < n && !failed; ++i)
      s += char(byte());
    return s;
  }
  void limits() {
    uint8_t flags = byte();
    leb();
    if (flags & 1)
      leb();
  }
};

// The table operation a function body performs, if it is exactly
// local.get 0..n-1, one row's instruction (with its lane immediate), end.
struct Op {
  uint32_t code = 0;
  uint32_t lane = 0;
};
std::optional<Op> match_body(Cursor c) {
  if (c.leb() != 0)  // no locals
    return std::nullopt;
  int gets = 0;
  uint8_t b = c.byte();
  while (b == 0x20 && c.leb() == uint32_t(gets)) {
    ++gets;
    b = c.byte();
  }
  if (b != 0xFD)
    return std::nullopt;
  Op op;
  op.code = c.leb();
  auto it = table().find(op.code);
  if (it == table().end() || param_count(it->second.sig) != gets)
    return std::nullopt;
  if (it->second.sig == Sig::Extract || it->second.sig == Sig::Replace)
    op.lane = c.byte();
  if (c.byte() != 0x0B || c.pos != c.end || c.failed)
    return std::nullopt;
  return op;
}

// Export name -> operation, for the exported functions that are one op.
std::map<std::string, Op> ops_of_module(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                             std::istreambuf_iterator<char>());
  std::map<std::string, Op> ops;
  if (bytes.size() < 8)
    return ops;
  Cursor c{&bytes, 8, bytes.size()};
  uint32_t imported_funcs = 0;
  std::map<std::string, uint32_t> exports;
  while (c.pos < c.end && !c.failed) {
    uint8_t id = c.byte();
    uint32_t size = c.leb();
    Cursor s{&bytes, c.pos, std::min(c.pos + size, c.end)};
    c.pos = s.end;
    if (id == 2) {  // imports: count the functions, skip the rest
      for (uint32_t n = s.leb(); n > 0 && !s.failed; --n) {
        s.name();
        s.name();
        uint8_t kind = s.byte();
        if (kind == 0) {
          s.leb();
          ++imported_funcs;
        } else if (kind == 1) {
          s.byte();
          s.limits();
        } else if (kind == 2) {
          s.limits();
        } else {
          s.byte();
          s.byte();
        }
      }
    } else if (id == 7) {
      for (uint32_t n = s.leb(); n > 0 && !s.failed; --n) {
        std::string name = s.name();
        uint8_t kind = s.byte();
        uint32_t index = s.leb();
        if (kind == 0 && index >= imported_funcs)
          exports[name] = index - imported_funcs;
      }
    } else if (id == 10) {
      std::map<uint32_t, Op> by_index;
      uint32_t n = s.leb();
      for (uint32_t i = 0; i < n && !s.failed; ++i) {
        uint32_t body_size = s.leb();
        Cursor body{&bytes, s.pos, std::min(s.pos + body_size, s.end)};
        s.pos = body.end;
        if (auto op = match_body(body))
          by_index[i] = *op;
      }
      for (const auto& [name, index] : exports)
        if (by_index.count(index))
          ops[name] = by_index[index];
    }
  }
  return ops;
}

uint64_t parse_u64(const std::string& s) {
  if (!s.empty() && s[0] == '-')
    return uint64_t(std::stoll(s));
  return std::stoull(s);
}

int lane_bytes(const std::string& type) {
  if (type == "i8")
    return 1;
  if (type == "i16")
    return 2;
  if (type == "i32" || type == "f32")
    return 4;
  return 8;
}

V128 v128_arg(const json& v) {
  int width = lane_bytes(v.at("lane_type").get<std::string>());
  uint8_t bytes[16] = {};
  int i = 0;
  for (const json& lane : v.at("value")) {
    uint64_t bits = parse_u64(lane.get<std::string>());
    std::memcpy(bytes + i * width, &bits, size_t(width));
    ++i;
  }
  V128 r;
  std::memcpy(&r, bytes, 16);
  return r;
}

// Does `bits` (of a `width`-byte float or int) match the expected lane?
bool lane_matches(const std::string& expected, uint64_t bits, int width) {
  const bool f64 = width == 8;
  const uint64_t exp_mask = f64 ? 0x7FF8000000000000u : 0x7FC00000u;
  const uint64_t abs_mask = f64 ? 0x7FFFFFFFFFFFFFFFu : 0x7FFFFFFFu;
  if (expected == "nan:canonical")
    return (bits & abs_mask) == exp_mask;
  if (expected == "nan:arithmetic")
    return (bits & exp_mask) == exp_mask;
  uint64_t mask = width == 8 ? ~uint64_t(0) : (uint64_t(1) << (8 * width)) - 1;
  return (parse_u64(expected) & mask) == bits;
}

bool v128_matches(const json& expected, V128 actual) {
  int width = lane_bytes(expected.at("lane_type").get<std::string>());
  int i = 0;
  for (const json& lane : expected.at("value")) {
    uint64_t bits = 0;
    std::memcpy(&bits, reinterpret_cast<const uint8_t*>(&actual) + i * width,
                size_t(width));
    if (!lane_matches(lane.get<std::string>(), bits, width))
      return false;
    ++i;
  }
  return true;
}

// Evaluates one invoke; returns whether its result matches `expected`.
bool run_op(const Entry& e,
            uint32_t lane,
            const json& args,
            const json& expected) {
  auto v = [&](size_t i) { return v128_arg(args.at(i)); };
  auto scalar = [&](size_t i) {
    return parse_u64(args.at(i).at("value").get<std::string>());
  };
  switch (e.sig) {
    case Sig::Unary:
      return v128_matches(expected, e.unary(v(0)));
    case Sig::Binary:
      return v128_matches(expected, e.binary(v(0), v(1)));
    case Sig::Ternary:
      return v128_matches(expected, e.ternary(v(0), v(1), v(2)));
    case Sig::Shift:
      return v128_matches(expected, e.shift(v(0), uint32_t(scalar(1))));
    case Sig::Splat:
      return v128_matches(expected, e.splat(scalar(0)));
    case Sig::Replace:
      return v128_matches(expected, e.replace(v(0), scalar(1), lane));
    case Sig::Test:
      return lane_matches(expected.at("value").get<std::string>(), e.test(v(0)),
                          4);
    case Sig::Extract: {
      std::string type = expected.at("type").get<std::string>();
      return lane_matches(expected.at("value").get<std::string>(),
                          e.extract(v(0), lane), lane_bytes(type));
    }
  }
  return false;
}

std::vector<std::string> json_files() {
  std::vector<std::string> files;
  const char* list = std::getenv("CAPBOX_SIMD_SPEC_JSON");
  if (!list)
    return files;
  std::stringstream ss(list);
  std::string f;
  while (std::getline(ss, f, ':'))
    if (!f.empty())
      files.push_back(f);
  return files;
}

TEST_CASE("spec simd_*.wast: assert_returns of single table operations") {
  std::vector<std::string> files = json_files();
  REQUIRE_MESSAGE(!files.empty(), "set CAPBOX_SIMD_SPEC_JSON (meson does)");
  int run = 0;
  int passed = 0;
  std::set<uint32_t> rows_run;
  for (const std::string& file : files) {
    std::ifstream in(file);
    REQUIRE_MESSAGE(in.good(), file);
    json script = json::parse(in);
    std::string dir = file.substr(0, file.find_last_of('/') + 1);
    std::map<std::string, Op> current;
    std::map<std::string, std::map<std::string, Op>> named;
    for (const json& cmd : script.at("commands")) {
      std::string type = cmd.at("type").get<std::string>();
      if (type == "module") {
        current = ops_of_module(dir + cmd.at("filename").get<std::string>());
        if (cmd.contains("name"))
          named[cmd.at("name").get<std::string>()] = current;
        continue;
      }
      if (type != "assert_return")
        continue;
      const json& action = cmd.at("action");
      if (action.at("type") != "invoke")
        continue;
      const auto& ops = action.contains("module")
                            ? named[action.at("module").get<std::string>()]
                            : current;
      auto it = ops.find(action.at("field").get<std::string>());
      if (it == ops.end())
        continue;
      const Entry& e = table().at(it->second.code);
      ++run;
      rows_run.insert(it->second.code);
      bool ok = run_op(e, it->second.lane, action.at("args"),
                       cmd.at("expected").at(0));
      passed += ok;
      CHECK_MESSAGE(ok, file, ":", cmd.at("line").get<int>(), " ",
                    action.dump());
    }
  }
  MESSAGE("simd spec assert_returns on table ops: ", passed, "/", run,
          " passed, covering ", rows_run.size(), " of ", table().size(),
          " rows");
  // The simd_*.wast files hold thousands of such cases; far fewer means
  // the module matching broke, not that the semantics are right.
  CHECK(run > 10000);
}

}  // namespace
}  // namespace capbox::engine::simd
