// SPDX-License-Identifier: Apache-2.0
// diff_driver: capbox's side of the differential fuzzer (difffuzz.py). Loads
// a module, links the fuzzing-support log imports to printing hosts, makes
// the calls a calls file lists, and prints what happened in the normalised
// form diff_adapter.py produces from wabt's output. Engine API only.
//
// Usage: diff_driver [--fuel N] MODULE.wasm CALLS
// CALLS: one call a line, "NAME RESULTS ARG...": RESULTS the export's
// original result types ("f64,i32", "-" for none; floats arrive as their
// bits from wrappers, a v128 as two i64 halves), ARG "TYPE:HEXBITS".
#include <bit>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include "engine/engine.h"

namespace capbox::difffuzz {

namespace {

using engine::ValType;
using engine::Value;

struct Call {
  std::string name;
  std::vector<std::string> results;  // original types, e.g. "f64"
  std::vector<Value> args;
};

bool is_nan(const std::string& type, uint64_t bits) {
  if (type == "f32")
    return (bits & 0x7f800000u) == 0x7f800000u && (bits & 0x7fffffu) != 0;
  if (type == "f64") {
    return (bits & 0x7ff0000000000000u) == 0x7ff0000000000000u &&
           (bits & 0xfffffffffffffu) != 0;
  }
  return false;
}

// "f64:0x3ff8000000000000", or "f64:nan": NaN payloads and signs are
// nondeterministic in the spec, so only "is a NaN" is compared.
std::string format_value(const std::string& type, uint64_t bits) {
  if (type == "i32" || type == "f32")
    bits &= 0xffffffffu;
  if (is_nan(type, bits))
    return type + ":nan";
  char hex[24];
  std::snprintf(hex, sizeof hex, "0x%" PRIx64, bits);
  return type + ":" + hex;
}

const char* trap_kind(engine::TrapKind kind) {
  using engine::TrapKind;
  switch (kind) {
    case TrapKind::Unreachable:
      return "unreachable";
    case TrapKind::MemoryOutOfBounds:
      return "memory-oob";
    case TrapKind::TableOutOfBounds:
      return "table-oob";
    case TrapKind::IntegerDivideByZero:
      return "div-zero";
    case TrapKind::IntegerOverflow:
      return "int-overflow";
    case TrapKind::InvalidConversion:
      return "bad-conversion";
    case TrapKind::IndirectCallTypeMismatch:
      return "indirect-type";
    case TrapKind::UndefinedElement:
      return "undefined-element";
    case TrapKind::UninitializedElement:
      return "uninitialized-element";
    case TrapKind::CallStackExhausted:
      return "stack-exhausted";
    default:
      return "other";
  }
}

bool parse_type(const std::string& name, ValType& type) {
  static const std::pair<const char*, ValType> kTypes[] = {
      {"i32", ValType::I32},
      {"i64", ValType::I64},
      {"f32", ValType::F32},
      {"f64", ValType::F64}};
  for (const auto& [text, t] : kTypes) {
    if (name == text) {
      type = t;
      return true;
    }
  }
  return false;
}

bool parse_call(const std::string& line, Call& call) {
  std::istringstream in(line);
  std::string results, arg;
  if (!(in >> call.name >> results))
    return false;
  std::istringstream types(results == "-" ? "" : results);
  for (std::string t; std::getline(types, t, ',');)
    call.results.push_back(t);
  while (in >> arg) {
    const size_t colon = arg.find(':');
    Value v;
    if (colon == std::string::npos || !parse_type(arg.substr(0, colon), v.type))
      return false;
    v.bits = std::strtoull(arg.c_str() + colon + 1, nullptr, 16);
    call.args.push_back(v);
  }
  return true;
}

// "log v128:0x..." as the wabt side prints it: the 128-bit value in hex.
std::string format_v128(uint64_t lo, uint64_t hi) {
  char hex[40];
  if (hi == 0)
    std::snprintf(hex, sizeof hex, "0x%" PRIx64, lo);
  else
    std::snprintf(hex, sizeof hex, "0x%" PRIx64 "%016" PRIx64, hi, lo);
  return std::string("v128:") + hex;
}

// The log-TYPE imports print their argument, as the wabt side does through
// spectest's print functions. A v128 argument arrives as two raw slots,
// low half first.
bool define_logs(engine::Store& store,
                 const engine::Module& module,
                 engine::Imports& imports) {
  for (const engine::Import& import : module.imports) {
    if (import.module != "fuzzing-support" ||
        import.kind != engine::ExternKind::Func ||
        import.name.rfind("log-", 0) != 0)
      continue;
    std::string type = import.name.substr(4);
    ValType vt;
    if (type == "v128")
      vt = ValType::V128;
    else if (!parse_type(type, vt))
      continue;
    engine::FuncInst* func = store.create_host_function(
        engine::FuncType{{vt}, {}},
        [type](engine::HostCall&, const uint64_t* args,
               uint64_t*) -> std::optional<engine::Trap> {
          const std::string text = type == "v128"
                                       ? format_v128(args[0], args[1])
                                       : format_value(type, args[0]);
          std::printf("log %s\n", text.c_str());
          return std::nullopt;
        });
    if (func == nullptr)
      return false;
    engine::Extern e;
    e.kind = engine::ExternKind::Func;
    e.func = func;
    imports.define(import.module, import.name, e);
  }
  return true;
}

void print_outcome(const Call& call,
                   const Result<std::vector<Value>, engine::Trap>& result) {
  std::printf("call %s =>", call.name.c_str());
  if (!result) {
    std::printf(" trap %s\n", trap_kind(result.error().kind));
    return;
  }
  // A v128 result comes from its wrapper as two i64 halves, low first.
  const std::vector<Value>& values = *result;
  for (size_t i = 0, r = 0; i < values.size(); ++i, ++r) {
    const std::string type = r < call.results.size() ? call.results[r] : "?";
    if (type == "v128" && i + 1 < values.size()) {
      std::printf(" %s",
                  format_v128(values[i].bits, values[i + 1].bits).c_str());
      ++i;
    } else {
      std::printf(" %s", format_value(type, values[i].bits).c_str());
    }
  }
  std::printf("\n");
}

int run(const char* module_path, const char* calls_path, uint64_t fuel) {
  std::ifstream in(module_path, std::ios::binary);
  std::ifstream calls_in(calls_path);
  if (!in || !calls_in) {
    std::fprintf(stderr, "diff_driver: cannot read %s or %s\n", module_path,
                 calls_path);
    return 2;
  }
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                             std::istreambuf_iterator<char>());
  engine::LoadOptions options;
  options.fuel_metering = fuel != 0;
  auto compiled = engine::load_module(bytes, options);
  if (!compiled) {
    std::printf("module invalid\n");
    std::fprintf(stderr, "%s\n", compiled.error().describe().c_str());
    return 0;
  }
  std::printf("module valid\n");
  engine::Store store;
  store.set_limits(engine::StoreLimits{.fuel = fuel});
  engine::Imports imports;
  if (!define_logs(store, engine::module_of(**compiled), imports))
    return 2;
  auto instance = store.instantiate(*compiled, imports);
  if (!instance) {
    const bool trapped =
        instance.error().kind == engine::InstantiateError::Kind::Trapped;
    std::printf("instantiate %s\n",
                trapped ? trap_kind(instance.error().trap.kind) : "unlinkable");
    return 0;
  }
  std::fflush(stdout);
  for (std::string line; std::getline(calls_in, line);) {
    Call call;
    if (line.empty())
      continue;
    if (!parse_call(line, call)) {
      std::fprintf(stderr, "diff_driver: bad call line: %s\n", line.c_str());
      return 2;
    }
    auto exported = store.find_export(*instance, call.name);
    if (!exported || exported->kind != engine::ExternKind::Func) {
      std::printf("call %s => missing\n", call.name.c_str());
      continue;
    }
    auto result = store.call(exported->func, call.args);
    if (!result && result.error().kind == engine::TrapKind::OutOfFuel) {
      // The state from here on is not comparable: stop.
      std::printf("call %s => exhausted\n", call.name.c_str());
      return 0;
    }
    print_outcome(call, result);
    std::fflush(stdout);
  }
  return 0;
}

}  // namespace

}  // namespace capbox::difffuzz

int main(int argc, char** argv) {
  uint64_t fuel = 0;
  int arg = 1;
  if (argc > 2 && std::strcmp(argv[1], "--fuel") == 0) {
    fuel = std::strtoull(argv[2], nullptr, 10);
    arg = 3;
  }
  if (argc - arg != 2) {
    std::fprintf(stderr, "usage: diff_driver [--fuel N] MODULE.wasm CALLS\n");
    return 2;
  }
  return capbox::difffuzz::run(argv[arg], argv[arg + 1], fuel);
}
