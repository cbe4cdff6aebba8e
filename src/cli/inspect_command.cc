// SPDX-License-Identifier: Apache-2.0
// capbox inspect: decodes a module with the engine's public API and reports
// its interface against what capbox provides (wasi/api.def, via
// wasi_group_of) and the policy sections that govern each WASI group.
#include "cli/inspect_command.h"
#include "cli/exit_codes.h"

#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <system_error>
#include <vector>

#include "cli/values.h"
#include "engine/engine.h"
#include "wasi/link.h"

namespace capbox::cli {
namespace {

using Json = nlohmann::ordered_json;

// sysexits.h values, named here so the file needs no BSD header.

int error(int status, const std::string& message) {
  std::cerr << "capbox: error: " << message << "\n";
  return status;
}

// Which policy section governs each api.def group, and why.
struct GroupSection {
  const char* group;
  const char* section;
  const char* why;
};
constexpr GroupSection kGroupSections[] = {
    {"args", "[program]", "args, argv0 and extra_args set its arguments"},
    {"environ", "[env]", "only the variables set or inherited there"},
    {"clocks", "[wasi] clocks", "false refuses the module"},
    {"fd", "[limits] output, open_files", "bound its writes and descriptors"},
    {"path", "[[fs.dir]]", "only granted directories, with their rights"},
    {"path", "[wasi] filesystem", "false refuses the module"},
    {"poll", "[wasi] poll", "false refuses the module"},
    {"random", "[wasi] random", "false refuses the module"},
    {"sockets", "[net] listen", "sock_accept needs a granted listening socket"},
    {"sockets", "[wasi] sockets", "false refuses the module"},
};

// The grant rights a path function needs (grant_rights.h's words).
const std::map<std::string, std::string, std::less<>> kPathRights = {
    {"path_open", "read"},          {"path_filestat_get", "read"},
    {"path_readlink", "read"},      {"path_create_directory", "create"},
    {"path_link", "create"},        {"path_symlink", "create"},
    {"path_unlink_file", "delete"}, {"path_remove_directory", "delete"},
    {"path_rename", "rename"},      {"path_filestat_set_times", "metadata"},
};

struct Report {
  std::string path;
  Json imports = Json::array();
  Json exports = Json::array();
  Json memories = Json::array();
  std::map<std::string, std::vector<std::string>> groups;
  std::vector<std::string> missing;  // "module::name: why"
  std::set<std::string> rights;
  bool command = false, reactor = false;
};

std::string limits_text(const engine::Limits& limits) {
  auto pages = [](uint64_t n) {
    return std::to_string(n) + (n == 1 ? " page" : " pages");
  };
  return pages(limits.min) + " initial, " +
         (limits.max ? "maximum " + pages(*limits.max) : "no maximum");
}

Json signature(const engine::FuncType& type) {
  Json params = Json::array(), results = Json::array();
  for (engine::ValType t : type.params)
    params.push_back(engine::to_string(t));
  for (engine::ValType t : type.results)
    results.push_back(engine::to_string(t));
  return Json{
      {"params", params}, {"results", results}, {"text", describe_type(type)}};
}

bool is_wasi(const std::string& module) {
  return module == wasi::kPreview1Module || module == wasi::kUnstableModule;
}

void add_import(Report& r, const engine::Module& m, const engine::Import& im) {
  Json entry{{"module", im.module},
             {"name", im.name},
             {"kind", engine::to_string(im.kind)}};
  if (im.kind == engine::ExternKind::Func)
    entry["signature"] = signature(m.types.at(im.func_type));
  if (im.kind == engine::ExternKind::Memory)
    r.memories.push_back(
        Json{{"imported", im.module + "::" + im.name},
             {"initial", im.memory.limits.min},
             {"maximum", im.memory.limits.max ? Json(*im.memory.limits.max)
                                              : Json(nullptr)}});
  const std::string group =
      is_wasi(im.module) ? std::string(wasi::wasi_group_of(im.name)) : "";
  if (!is_wasi(im.module))
    r.missing.push_back(im.module + "::" + im.name + ": capbox provides only " +
                        wasi::kPreview1Module + " and " +
                        wasi::kUnstableModule);
  else if (group.empty())
    r.missing.push_back(im.module + "::" + im.name +
                        ": not a WASI preview1 function");
  else if (im.kind != engine::ExternKind::Func)
    r.missing.push_back(im.module + "::" + im.name + ": imported as a " +
                        engine::to_string(im.kind) + ", but it is a function");
  else {
    r.groups[group].push_back(im.name);
    entry["wasi_group"] = group;
    if (auto it = kPathRights.find(im.name); it != kPathRights.end())
      r.rights.insert(it->second);
    if (im.name == "path_open") {
      r.rights.insert("write");
      r.rights.insert("create");
    }
  }
  r.imports.push_back(entry);
}

Report analyse(const std::string& path, const engine::Module& m) {
  Report r;
  r.path = path;
  for (const engine::Import& im : m.imports)
    add_import(r, m, im);
  for (const engine::MemoryType& mem : m.memories)
    r.memories.push_back(Json{
        {"imported", nullptr},
        {"initial", mem.limits.min},
        {"maximum", mem.limits.max ? Json(*mem.limits.max) : Json(nullptr)}});
  for (const engine::Export& ex : m.exports) {
    Json entry{{"name", ex.name}, {"kind", engine::to_string(ex.kind)}};
    if (ex.kind == engine::ExternKind::Func) {
      entry["signature"] = signature(m.func_type(ex.index));
      r.command |= ex.name == "_start";
      r.reactor |= ex.name == "_initialize";
    }
    r.exports.push_back(entry);
  }
  return r;
}

std::string kind_text(const Report& r) {
  if (r.command && r.reactor)
    return "command and reactor (exports _start and _initialize)";
  if (r.command)
    return "command (exports _start)";
  if (r.reactor)
    return "reactor (exports _initialize; run it with --invoke FUNC)";
  return "neither command nor reactor (no _start or _initialize; run it "
         "with --invoke FUNC)";
}

std::string joined(const std::vector<std::string>& words) {
  std::string out;
  for (const std::string& w : words)
    out += (out.empty() ? "" : ", ") + w;
  return out;
}

// Rights in grant_rights.h's order.
std::vector<std::string> ordered_rights(const std::set<std::string>& rights) {
  std::vector<std::string> out;
  for (const char* w :
       {"read", "write", "create", "delete", "rename", "metadata"})
    if (rights.contains(w))
      out.push_back(w);
  return out;
}

Json sections(const Report& r) {
  Json out = Json::array();
  for (const GroupSection& s : kGroupSections) {
    auto it = r.groups.find(s.group);
    if (it == r.groups.end())
      continue;
    Json entry{
        {"section", s.section}, {"why", s.why}, {"functions", it->second}};
    if (std::string(s.section) == "[[fs.dir]]")
      entry["rights"] = ordered_rights(r.rights);
    out.push_back(entry);
  }
  return out;
}

Json to_json(const Report& r) {
  Json groups = Json::object();
  for (const auto& [group, functions] : r.groups)
    groups[group] = functions;
  return Json{{"module", r.path},
              {"kind", r.command   ? (r.reactor ? "both" : "command")
                       : r.reactor ? "reactor"
                                   : "none"},
              {"memories", r.memories},
              {"imports", r.imports},
              {"exports", r.exports},
              {"wasi_groups", groups},
              {"policy_sections", sections(r)},
              {"not_provided", r.missing}};
}

void print_entries(const Json& entries, bool with_module) {
  for (const Json& e : entries) {
    std::cout << "  "
              << (with_module ? e["module"].get<std::string>() + "::" : "")
              << e["name"].get<std::string>() << "  "
              << e["kind"].get<std::string>();
    if (e.contains("signature"))
      std::cout << " " << e["signature"]["text"].get<std::string>();
    if (e.contains("wasi_group"))
      std::cout << "  [" << e["wasi_group"].get<std::string>() << "]";
    std::cout << "\n";
  }
}

void print_text(const Report& r) {
  std::cout << r.path << ": " << kind_text(r) << "\n";
  for (const Json& mem : r.memories) {
    engine::Limits limits;
    limits.min = mem["initial"].get<uint64_t>();
    if (!mem["maximum"].is_null())
      limits.max = mem["maximum"].get<uint64_t>();
    std::cout << "memory: " << limits_text(limits)
              << (mem["imported"].is_null()
                      ? ""
                      : " (imported as " + mem["imported"].get<std::string>() +
                            ")")
              << "\n";
  }
  if (r.memories.empty())
    std::cout << "memory: none\n";
  std::cout << "imports (" << r.imports.size() << "):\n";
  print_entries(r.imports, true);
  std::cout << "exports (" << r.exports.size() << "):\n";
  print_entries(r.exports, false);
  std::cout << "WASI groups:";
  for (const auto& [group, functions] : r.groups)
    std::cout << " " << group;
  std::cout << (r.groups.empty() ? " none\n" : "\n");
  std::cout << "policy sections that matter:\n";
  for (const Json& s : sections(r)) {
    std::cout << "  " << s["section"].get<std::string>() << ": "
              << s["why"].get<std::string>() << " ("
              << joined(s["functions"].get<std::vector<std::string>>()) << ")";
    if (s.contains("rights"))
      std::cout << "; rights it may need: "
                << joined(s["rights"].get<std::vector<std::string>>());
    std::cout << "\n";
  }
  if (!r.missing.empty()) {
    std::cout << "not provided by capbox (run refuses the module):\n";
    for (const std::string& m : r.missing)
      std::cout << "  " << m << "\n";
  }
}

}  // namespace

void print_inspect_help(std::ostream& out) {
  out << "Usage:\n"
         "  capbox inspect [--format=text|json] MODULE.wasm\n"
         "\n"
         "Prints the module's imports and exports with their types, its\n"
         "memory, whether it is a command (_start) or a reactor\n"
         "(_initialize), the WASI groups it uses, the policy sections that\n"
         "matter to it, and the imports capbox does not provide.\n"
         "\n"
         "Exit status: 0 ok, 64 usage error, 65 malformed or invalid module,\n"
         "66 module missing or unreadable.\n";
}

int inspect_command(std::span<const std::string> args) {
  std::string format = "text", path;
  bool options_done = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& word = args[i];
    if (options_done || !word.starts_with("-") || word == "-") {
      if (!path.empty())
        return error(kExUsage, "'inspect' takes one MODULE, got '" + path +
                                   "' and '" + word + "'");
      path = word;
    } else if (word == "--") {
      options_done = true;
    } else if (word == "--help" || word == "-h") {
      print_inspect_help(std::cout);
      return 0;
    } else if (word.starts_with("--format=")) {
      format = word.substr(9);
    } else if (word == "--format" && i + 1 < args.size()) {
      format = args[++i];
    } else {
      return error(kExUsage,
                   "unknown option '" + word +
                       "' for 'inspect'; it takes --format=text|json");
    }
  }
  if (format != "text" && format != "json")
    return error(kExUsage,
                 "--format must be text or json, not '" + format + "'");
  if (path.empty())
    return error(kExUsage, "'inspect' needs a MODULE.wasm");
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    return error(kExNoInput, "cannot read module " + path + ": is a directory");
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    const bool exists = std::filesystem::exists(path, ec);
    return error(kExNoInput,
                 exists ? "cannot read module " + path
                        : "module not found: " + path + " (no such file)");
  }
  const std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                                   std::istreambuf_iterator<char>());
  auto loaded = engine::load_module(bytes);
  if (!loaded)
    return error(kExDataErr, path + ": " + loaded.error().describe());
  const Report report = analyse(path, engine::module_of(**loaded));
  if (format == "json")
    std::cout << to_json(report).dump(2) << "\n";
  else
    print_text(report);
  return 0;
}

}  // namespace capbox::cli
