// SPDX-License-Identifier: Apache-2.0
// run_spec: runs WebAssembly spec test scripts, as converted to JSON by
// wast2json, against the engine through its embedding API (engine.h) only.
// Prints "FILE: P passed, F failed" per file with failure details, then the
// totals; exits 1 if anything failed. A command it cannot run is a failure;
// only assert_malformed on text (a text-format syntax error, which a
// binary-only engine never sees) is counted apart, as not applicable.
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/engine.h"
#include "spec_host.h"
#include "spec_value.h"

namespace capbox::spec {

namespace {

using engine::CompiledModule;
using engine::Instance;
using engine::InstantiateError;
using engine::LoadError;
using nlohmann::json;

constexpr size_t kMaxDetails = 20;

struct FileResult {
  size_t passed = 0;
  size_t failed = 0;
  size_t text_modules = 0;  // assert_malformed on text: not applicable
  size_t notes = 0;
  std::vector<std::string> details;  // failures, capped unless verbose
  std::vector<std::string> note_details;
};

struct Loaded {
  std::shared_ptr<const CompiledModule> compiled;
  Instance* instance = nullptr;
};

// What an action did: could not be performed (error), trapped, or returned.
struct Outcome {
  std::string error;
  std::optional<engine::Trap> trap;
  std::vector<Value> values;
};

std::string str(const json& cmd, const char* key) {
  auto it = cmd.find(key);
  return it != cmd.end() && it->is_string() ? it->get<std::string>() : "";
}

// Spec trap texts are sometimes longer or shorter than ours ("uninitialized
// element 2"); a prefix either way is the same trap.
bool same_text(const std::string& expected, const std::string& ours) {
  size_t n = std::min(expected.size(), ours.size());
  return n > 0 && expected.compare(0, n, ours, 0, n) == 0;
}

class Runner {
 public:
  Runner(std::filesystem::path dir, bool verbose, uint64_t fuel)
      : dir_(std::move(dir)), verbose_(verbose) {
    if (fuel > 0) {
      load_options_.fuel_metering = true;
      engine::StoreLimits limits;
      limits.fuel = fuel;
      store_.set_limits(limits);
    }
  }

  FileResult run(const json& script) {
    if (!define_spectest(store_, registry_))
      fail(0, "could not create the spectest host module");
    const json& commands = script.at("commands");
    for (const json& cmd : commands) {
      try {
        line_ = cmd.value("line", 0);
        run_command(cmd);
      } catch (const json::exception& e) {
        fail(line_, std::string("malformed command: ") + e.what());
      }
    }
    return std::move(result_);
  }

 private:
  void run_command(const json& cmd) {
    const std::string type = str(cmd, "type");
    if (type == "module")
      return do_module(cmd);
    if (type == "register")
      return do_register(cmd);
    if (type == "action")
      return do_action(cmd);
    if (type == "assert_return")
      return do_assert_return(cmd);
    if (type == "assert_trap" || type == "assert_exhaustion")
      return do_assert_trap(cmd, type);
    if (type == "assert_invalid")
      return do_assert_load_fails(cmd, LoadError::Kind::Invalid);
    if (type == "assert_malformed")
      return do_assert_load_fails(cmd, LoadError::Kind::Malformed);
    if (type == "assert_unlinkable")
      return do_assert_instantiate_fails(cmd,
                                         InstantiateError::Kind::Unlinkable);
    if (type == "assert_uninstantiable")
      return do_assert_instantiate_fails(cmd, InstantiateError::Kind::Trapped);
    fail(line_, "unknown command \"" + type + "\"");
  }

  // --- reporting ---

  void pass() { ++result_.passed; }
  void fail(int line, const std::string& what) {
    ++result_.failed;
    if (verbose_ || result_.details.size() < kMaxDetails)
      result_.details.push_back("line " + std::to_string(line) + ": " + what);
  }
  void note(int line, const std::string& what) {
    ++result_.notes;
    if (verbose_ || result_.note_details.size() < kMaxDetails) {
      result_.note_details.push_back("line " + std::to_string(line) + ": " +
                                     what);
    }
  }

  // --- modules ---

  bool is_text(const json& cmd) { return str(cmd, "module_type") == "text"; }

  // Reads and loads the module file a command names.
  Result<std::shared_ptr<const CompiledModule>, LoadError> load(
      const json& cmd) {
    std::filesystem::path path = dir_ / str(cmd, "filename");
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      LoadError error;
      error.message = "cannot read " + path.string();
      return Unexpected(error);
    }
    std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                               std::istreambuf_iterator<char>());
    return engine::load_module(bytes, load_options_);
  }

  Result<Instance*, InstantiateError> instantiate(
      const std::shared_ptr<const CompiledModule>& compiled) {
    engine::Imports imports =
        imports_for(engine::module_of(*compiled), registry_);
    return store_.instantiate(compiled, imports);
  }

  void do_module(const json& cmd) {
    const std::string name = str(cmd, "name");
    current_.reset();
    if (!name.empty())
      named_.erase(name);
    if (is_text(cmd))
      return fail(line_, "module: a text module cannot be run");
    auto compiled = load(cmd);
    if (!compiled)
      return fail(line_, "module: load failed: " + compiled.error().describe());
    auto instance = instantiate(*compiled);
    if (!instance) {
      return fail(line_,
                  "module: instantiate failed: " + instance.error().message);
    }
    current_ = Loaded{*compiled, *instance};
    if (!name.empty())
      named_[name] = *current_;
    pass();
  }

  // The module an action or register names, or the current one.
  const Loaded* find_module(const std::string& name) const {
    if (name.empty())
      return current_ ? &*current_ : nullptr;
    auto it = named_.find(name);
    return it == named_.end() ? nullptr : &it->second;
  }

  void do_register(const json& cmd) {
    const Loaded* loaded = find_module(str(cmd, "name"));
    if (loaded == nullptr)
      return fail(line_, "register: no module \"" + str(cmd, "name") + "\"");
    const std::string as = str(cmd, "as");
    for (const engine::Export& e :
         engine::module_of(*loaded->compiled).exports) {
      std::optional<engine::Extern> ext =
          store_.find_export(loaded->instance, e.name);
      if (!ext)
        return fail(line_, "register: export \"" + e.name + "\" not found");
      registry_[{as, e.name}] = *ext;
    }
    // Not counted: register asserts nothing (as in spectest-interp).
  }

  void do_assert_load_fails(const json& cmd, LoadError::Kind kind) {
    const char* what = kind == LoadError::Kind::Invalid ? "assert_invalid"
                                                        : "assert_malformed";
    // Only text that does not parse is beyond a binary engine; anything
    // else this runner cannot run is a failure, never a silent skip.
    if (is_text(cmd)) {
      if (kind != LoadError::Kind::Malformed)
        return fail(line_, std::string(what) + ": a text module cannot be run");
      ++result_.text_modules;
      return;
    }
    auto compiled = load(cmd);
    if (compiled) {
      return fail(line_, std::string(what) + " (\"" + str(cmd, "text") +
                             "\"): module loaded");
    }
    // A different kind or wording is still a rejection: note it only.
    if (compiled.error().kind != kind ||
        !same_text(str(cmd, "text"), compiled.error().message)) {
      note(line_, std::string(what) + " (\"" + str(cmd, "text") +
                      "\"): rejected as " + compiled.error().describe());
    }
    pass();
  }

  void do_assert_instantiate_fails(const json& cmd,
                                   InstantiateError::Kind kind) {
    bool unlinkable = kind == InstantiateError::Kind::Unlinkable;
    std::string what = std::string(unlinkable ? "assert_unlinkable"
                                              : "assert_uninstantiable") +
                       " (\"" + str(cmd, "text") + "\")";
    if (is_text(cmd))
      return fail(line_, what + ": a text module cannot be run");
    auto compiled = load(cmd);
    if (!compiled)
      return fail(line_,
                  what + ": load failed: " + compiled.error().describe());
    auto instance = instantiate(*compiled);
    if (instance)
      return fail(line_, what + ": instantiated");
    const InstantiateError& error = instance.error();
    if (error.kind != kind) {
      return fail(line_, what + ": failed as " +
                             (unlinkable ? "trapped: " : "unlinkable: ") +
                             error.message);
    }
    if (unlinkable && !same_text(str(cmd, "text"), error.message))
      note(line_, what + ": unlinkable with " + error.message);
    if (!unlinkable &&
        !same_text(str(cmd, "text"), engine::trap_message(error.trap.kind))) {
      note(line_, what + ": trapped with " + error.trap.describe());
    }
    pass();
  }

  // --- actions ---

  // "invoke "f"(i32:1)" or "get "g"", with the module name when given.
  static std::string describe_action(const json& action) {
    std::string text = str(action, "type") + " ";
    if (!str(action, "module").empty())
      text += str(action, "module") + ".";
    text += "\"" + str(action, "field") + "\"";
    if (str(action, "type") == "invoke") {
      text += "(";
      const char* sep = "";
      std::string ignored;
      for (const json& arg : action.value("args", json::array())) {
        std::optional<Value> v = parse_value(arg, &ignored);
        text += sep + (v ? to_string(*v) : arg.dump());
        sep = ", ";
      }
      text += ")";
    }
    return text;
  }

  Outcome invoke(const Loaded& loaded, const json& action) {
    Outcome out;
    const std::string field = str(action, "field");
    std::optional<engine::Extern> ext =
        store_.find_export(loaded.instance, field);
    if (!ext || ext->kind != engine::ExternKind::Func) {
      out.error = "no exported function \"" + field + "\"";
      return out;
    }
    std::vector<Value> args;
    for (const json& arg : action.value("args", json::array())) {
      std::optional<Value> v = parse_value(arg, &out.error);
      if (!v)
        return out;
      args.push_back(*v);
    }
    auto called = store_.call(ext->func, args);
    if (called)
      out.values = std::move(*called);
    else
      out.trap = called.error();
    return out;
  }

  Outcome perform(const json& action) {
    Outcome out;
    const Loaded* loaded = find_module(str(action, "module"));
    if (loaded == nullptr) {
      out.error = "no module" + (str(action, "module").empty()
                                     ? std::string()
                                     : " \"" + str(action, "module") + "\"");
      return out;
    }
    const std::string type = str(action, "type");
    if (type == "invoke")
      return invoke(*loaded, action);
    if (type == "get") {
      std::optional<engine::Extern> ext =
          store_.find_export(loaded->instance, str(action, "field"));
      if (!ext || ext->kind != engine::ExternKind::Global)
        out.error = "no exported global \"" + str(action, "field") + "\"";
      else
        out.values.push_back(engine::Store::global_value(ext->global));
      return out;
    }
    out.error = "unknown action type \"" + type + "\"";
    return out;
  }

  void do_action(const json& cmd) {
    const json& action = cmd.at("action");
    Outcome out = perform(action);
    if (!out.error.empty())
      return fail(line_, describe_action(action) + ": " + out.error);
    if (out.trap) {
      return fail(line_, describe_action(action) +
                             ": trapped: " + out.trap->describe());
    }
    pass();
  }

  static std::string list(const std::vector<std::string>& items) {
    std::string text = "[";
    for (size_t i = 0; i < items.size(); ++i)
      text += (i ? ", " : "") + items[i];
    return text + "]";
  }

  void do_assert_return(const json& cmd) {
    const json& action = cmd.at("action");
    std::vector<Expected> expected;
    std::vector<std::string> expected_text;
    for (const json& e : cmd.value("expected", json::array())) {
      std::string error;
      std::optional<Expected> parsed = parse_expected(e, &error);
      if (!parsed)
        return fail(line_, describe_action(action) + ": " + error);
      expected.push_back(*parsed);
      expected_text.push_back(to_string(*parsed));
    }
    Outcome out = perform(action);
    std::string what =
        describe_action(action) + ": expected " + list(expected_text) + ", ";
    if (!out.error.empty())
      return fail(line_, what + out.error);
    if (out.trap)
      return fail(line_, what + "trapped: " + out.trap->describe());
    bool ok = out.values.size() == expected.size();
    std::vector<std::string> got;
    for (size_t i = 0; i < out.values.size(); ++i) {
      got.push_back(to_string(out.values[i]));
      if (ok && !matches(expected[i], out.values[i]))
        ok = false;
    }
    if (!ok)
      return fail(line_, what + "got " + list(got));
    pass();
  }

  void do_assert_trap(const json& cmd, const std::string& type) {
    if (cmd.contains("filename") && !cmd.contains("action")) {
      return do_assert_instantiate_fails(cmd, InstantiateError::Kind::Trapped);
    }
    const json& action = cmd.at("action");
    const std::string text = str(cmd, "text");
    std::string what =
        type + " " + describe_action(action) + " (\"" + text + "\"): ";
    Outcome out = perform(action);
    if (!out.error.empty())
      return fail(line_, what + out.error);
    if (!out.trap) {
      std::vector<std::string> got;
      for (const Value& v : out.values)
        got.push_back(to_string(v));
      return fail(line_, what + "returned " + list(got));
    }
    if (!same_text(text, engine::trap_message(out.trap->kind)))
      note(line_, what + "trapped with " + out.trap->describe());
    pass();
  }

  std::filesystem::path dir_;
  bool verbose_;
  engine::LoadOptions load_options_;
  int line_ = 0;
  engine::Store store_;
  Registry registry_;
  std::optional<Loaded> current_;
  std::map<std::string, Loaded> named_;
  FileResult result_;
};

// "core/i32.wast" from the script's source_filename, else the JSON path.
std::string display_name(const json& script, const std::string& json_path) {
  std::filesystem::path source = script.value("source_filename", json_path);
  std::filesystem::path parent = source.parent_path().filename();
  return parent.empty() ? source.filename().string()
                        : (parent / source.filename()).string();
}

void print_result(const std::string& name, const FileResult& r) {
  std::printf("%s: %zu passed, %zu failed\n", name.c_str(), r.passed, r.failed);
  for (const std::string& d : r.details)
    std::printf("  FAIL %s\n", d.c_str());
  if (r.failed > r.details.size()) {
    std::printf("  ... %zu more failures (-v shows all)\n",
                r.failed - r.details.size());
  }
  for (const std::string& n : r.note_details)
    std::printf("  note %s\n", n.c_str());
  if (r.notes > r.note_details.size())
    std::printf("  ... %zu more notes\n", r.notes - r.note_details.size());
  if (r.text_modules > 0) {
    std::printf("  %zu text (not applicable)\n", r.text_modules);
  }
}

FileResult run_file(const std::string& path, bool verbose, uint64_t fuel) {
  std::ifstream in(path);
  json script = json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (script.is_discarded() || !script.contains("commands") ||
      !script["commands"].is_array()) {
    FileResult r;
    r.failed = 1;
    r.details.push_back("cannot read a wast2json script from " + path);
    print_result(path, r);
    return r;
  }
  Runner runner(std::filesystem::path(path).parent_path(), verbose, fuel);
  FileResult r = runner.run(script);
  print_result(display_name(script, path), r);
  std::fflush(stdout);
  return r;
}

int usage() {
  std::fprintf(stderr,
               "usage: run_spec [-v] [--fuel N] SCRIPT.json...\n"
               "  -v        show every failure and note (default: first %zu)\n"
               "  --fuel N  instruction budget per call (default: none)\n",
               kMaxDetails);
  return 2;
}

}  // namespace

}  // namespace capbox::spec

int main(int argc, char** argv) {
  using namespace capbox::spec;
  bool verbose = false;
  uint64_t fuel = 0;
  std::vector<std::string> files;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "-v") == 0) {
      verbose = true;
    } else if (std::strcmp(argv[i], "--fuel") == 0 && i + 1 < argc) {
      fuel = std::strtoull(argv[++i], nullptr, 10);
    } else if (argv[i][0] == '-') {
      return usage();
    } else {
      files.push_back(argv[i]);
    }
  }
  if (files.empty())
    return usage();
  size_t passed = 0, failed = 0;
  for (const std::string& file : files) {
    FileResult r = run_file(file, verbose, fuel);
    passed += r.passed;
    failed += r.failed;
  }
  std::printf("%zu passed, %zu failed\n", passed, failed);
  return failed > 0 ? 1 : 0;
}
