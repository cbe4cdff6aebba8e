// SPDX-License-Identifier: Apache-2.0
// Policy text to Policy through toml++. toml++ accepts any key and any type,
// so every table's keys and every value's type are checked here; nothing is
// skipped. toml++ reports syntax errors by exception (Debian builds it with
// exceptions), caught in parse_policy and turned into a located Error.
// Depends on toml++, wasi/grant_rights.h and policy/values.h; no I/O.
#include "policy/parser.h"

// toml++ 3.3 (Debian 12) states some of its parser's preconditions with
// TOML_ASSERT_ASSUME, and input can break one: a table header whose '[' is
// followed by a character that cannot start a key ("[[{", "[\0"; found by
// policy_fuzz). Under NDEBUG that is an assumption (undefined behaviour),
// otherwise an abort. In this file, the only one that includes toml++, every
// such check throws instead, so a broken one becomes a syntax error. Text
// that reaches toml++'s other undefined behaviour is refused before it
// parses (toml_guard.h).
namespace capbox::policy::detail {
struct TomlCheckFailed {
  const char* check;
};
[[noreturn]] void toml_check_failed(const char* check);
}  // namespace capbox::policy::detail
#pragma push_macro("NDEBUG")
#undef NDEBUG
#define TOML_ASSERT(expr) \
  ((expr) ? void(0) : ::capbox::policy::detail::toml_check_failed(#expr))
#include <toml++/toml.h>
#pragma pop_macro("NDEBUG")

#include <algorithm>
#include <array>
#include <cctype>
#include <map>
#include <optional>
#include <span>

#include "policy/toml_guard.h"
#include "policy/values.h"
#include "wasi/grant_rights.h"

namespace capbox::policy {
namespace {

using Keys = std::span<const std::string_view>;

constexpr std::array<std::string_view, 11> kTopKeys = {
    "version", "description", "extends", "locked", "program", "fs",
    "env",     "limits",      "net",     "wasi",   "audit"};
constexpr std::array<std::string_view, 5> kProgramKeys = {
    "module", "sha256", "argv0", "args", "extra_args"};
constexpr std::array<std::string_view, 1> kFsKeys = {"dir"};
constexpr std::array<std::string_view, 4> kDirKeys = {"host", "guest", "rights",
                                                      "missing"};
constexpr std::array<std::string_view, 3> kEnvKeys = {"inherit", "set",
                                                      "inherit_all"};
constexpr std::array<std::string_view, kLimitFields.size()> kLimitKeys = [] {
  std::array<std::string_view, kLimitFields.size()> keys;
  for (size_t i = 0; i < keys.size(); ++i)
    keys[i] = kLimitFields[i].key;
  return keys;
}();
constexpr std::array<std::string_view, 1> kNetKeys = {"listen"};
constexpr std::array<std::string_view, 5> kWasiKeys = {
    "filesystem", "clocks", "random", "poll", "sockets"};
constexpr std::array<std::string_view, 2> kAuditKeys = {"denials", "log"};
constexpr std::array<std::string_view, 3> kDenialWords = {"off", "stderr",
                                                          "file"};
constexpr std::array<std::string_view, 8> kRightWords = {
    "read", "write", "create", "delete", "rename", "metadata", "ro", "rw"};

std::string_view type_name(toml::node_type type) {
  switch (type) {
    case toml::node_type::table:
      return "a table";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a float";
    case toml::node_type::boolean:
      return "a boolean";
    default:
      return "a date or time";
  }
}

template <typename T>
std::string_view type_name() {
  if constexpr (std::is_same_v<T, toml::value<std::string>>)
    return "a string";
  else if constexpr (std::is_same_v<T, toml::value<int64_t>>)
    return "an integer";
  else if constexpr (std::is_same_v<T, toml::value<bool>>)
    return "a boolean";
  else if constexpr (std::is_same_v<T, toml::array>)
    return "an array";
  else
    return "a table";
}

bool valid_env_name(std::string_view name) {
  return !name.empty() && name.find('=') == std::string_view::npos &&
         name.find('\0') == std::string_view::npos;
}

// "ADDR:PORT" with a numeric port; the address itself is checked when the
// socket is made.
bool valid_listen(std::string_view text) {
  const size_t colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0)
    return false;
  const std::string_view port = text.substr(colon + 1);
  if (port.empty() || port.size() > 5 ||
      !std::all_of(port.begin(), port.end(),
                   [](char c) { return c >= '0' && c <= '9'; }))
    return false;
  return std::stoul(std::string(port)) <= 65535;
}

class Parser {
 public:
  explicit Parser(const std::string& file) : file_(file) {}

  Result<Policy, Errors> run(const toml::table& root);

 private:
  Location at(const toml::source_region& region) const {
    return Location{file_, region.begin.line, region.begin.column};
  }
  void error(Location where, std::string message, std::string hint = {}) {
    errors_.push_back(
        Error{std::move(where), std::move(message), std::move(hint)});
  }
  void check_keys(const toml::table& table,
                  std::string_view section,
                  Keys known);
  template <typename T>
  const T* expect(const toml::node& node,
                  std::string_view key,
                  std::string_view example);
  template <typename T>
  std::optional<Located<T>> get(const toml::table& table,
                                std::string_view section,
                                std::string_view key,
                                std::string_view example);
  std::optional<Located<uint64_t>> get_count(const toml::table& table,
                                             std::string_view key);
  std::optional<Located<uint64_t>> get_size(const toml::table& table,
                                            std::string_view key);
  std::optional<Located<uint64_t>> get_duration(const toml::table& table,
                                                std::string_view key);
  std::vector<Located<std::string>> strings_of(const toml::node& node,
                                               std::string_view name,
                                               std::string_view example,
                                               bool single_ok);
  std::vector<Located<std::string>> get_strings(const toml::table& table,
                                                std::string_view section,
                                                std::string_view key,
                                                std::string_view example,
                                                bool single_ok);
  const toml::table* section(const toml::table& root,
                             std::string_view key,
                             Keys known);

  void parse_version(const toml::table& root);
  void parse_program(const toml::table& root);
  void parse_fs(const toml::table& root);
  void parse_dir(const toml::table& table);
  std::optional<Located<std::string>> dir_path(const toml::table& table,
                                               const Location& where,
                                               std::string_view key,
                                               std::string_view example);
  Missing parse_missing(const toml::table& table);
  std::optional<wasi::Rights> parse_rights(const toml::node& node);
  void parse_env(const toml::table& root);
  void parse_env_set(const toml::table& set);
  void parse_limits(const toml::table& root);
  void parse_net(const toml::table& root);
  void parse_wasi(const toml::table& root);
  void parse_audit(const toml::table& root);

  std::string file_;
  Errors errors_;
  Policy policy_;
  std::map<std::string, Location> guests_;
};

std::string qualified(std::string_view section, std::string_view key) {
  return section.empty() ? std::string(key)
                         : std::string(section) + "." + std::string(key);
}

void Parser::check_keys(const toml::table& table,
                        std::string_view section,
                        Keys known) {
  for (const auto& [key, node] : table) {
    if (std::find(known.begin(), known.end(), key.str()) != known.end())
      continue;
    std::string where = section.empty() ? "at the top level"
                                        : "in [" + std::string(section) + "]";
    std::string hint;
    if (auto near = nearest_word(key.str(), known))
      hint = "did you mean '" + *near + "'?";
    else {
      hint = "known keys here:";
      for (const std::string_view name : known)
        hint += " " + std::string(name);
    }
    error(at(key.source()),
          "unknown key '" + std::string(key.str()) + "' " + where, hint);
  }
}

template <typename T>
const T* Parser::expect(const toml::node& node,
                        std::string_view key,
                        std::string_view example) {
  if (const T* value = node.as<T>())
    return value;
  error(
      at(node.source()),
      std::string(key) + " must be " + std::string(type_name<T>()) + ", not " +
          std::string(type_name(node.type())),
      example.empty() ? std::string() : "for example: " + std::string(example));
  return nullptr;
}

template <typename T>
std::optional<Located<T>> Parser::get(const toml::table& table,
                                      std::string_view section,
                                      std::string_view key,
                                      std::string_view example) {
  const toml::node* node = table.get(key);
  if (node == nullptr)
    return std::nullopt;
  const auto* value =
      expect<toml::value<T>>(*node, qualified(section, key), example);
  if (value == nullptr)
    return std::nullopt;
  return Located<T>{value->get(), at(node->source())};
}

const toml::table* Parser::section(const toml::table& root,
                                   std::string_view key,
                                   Keys known) {
  const toml::node* node = root.get(key);
  if (node == nullptr)
    return nullptr;
  const auto* table = expect<toml::table>(
      *node, key, "[" + std::string(key) + "] on a line of its own");
  if (table != nullptr)
    check_keys(*table, key, known);
  return table;
}

std::vector<Located<std::string>> Parser::strings_of(const toml::node& node,
                                                     std::string_view name,
                                                     std::string_view example,
                                                     bool single_ok) {
  std::vector<Located<std::string>> out;
  if (single_ok && node.is_string()) {
    out.push_back({node.as_string()->get(), at(node.source())});
    return out;
  }
  const auto* array = expect<toml::array>(node, name, example);
  if (array == nullptr)
    return out;
  for (const toml::node& item : *array) {
    if (const auto* text = expect<toml::value<std::string>>(
            item, std::string(name) + " entries", example))
      out.push_back({text->get(), at(item.source())});
  }
  return out;
}

std::vector<Located<std::string>> Parser::get_strings(const toml::table& table,
                                                      std::string_view section,
                                                      std::string_view key,
                                                      std::string_view example,
                                                      bool single_ok) {
  const toml::node* node = table.get(key);
  if (node == nullptr)
    return {};
  return strings_of(*node, qualified(section, key), example, single_ok);
}

Result<Policy, Errors> Parser::run(const toml::table& root) {
  policy_.file = file_;
  check_keys(root, "", kTopKeys);
  parse_version(root);
  policy_.description = get<std::string>(root, "", "description",
                                         "description = \"what it does\"");
  policy_.extends =
      get_strings(root, "", "extends", "extends = [\"base\"]", true);
  policy_.locked = get<bool>(root, "", "locked", "locked = true");
  parse_program(root);
  parse_fs(root);
  parse_env(root);
  parse_limits(root);
  parse_net(root);
  parse_wasi(root);
  parse_audit(root);
  if (!errors_.empty())
    return Unexpected(std::move(errors_));
  return std::move(policy_);
}

void Parser::parse_version(const toml::table& root) {
  const toml::node* node = root.get("version");
  if (node == nullptr) {
    error(Location{file_, 1, 1}, "missing 'version'",
          "start the file with: version = 1");
    return;
  }
  const auto* value =
      expect<toml::value<int64_t>>(*node, "version", "version = 1");
  if (value != nullptr && value->get() != 1)
    error(at(node->source()),
          "unsupported version " + std::to_string(value->get()),
          "this capbox reads version = 1");
}

void Parser::parse_program(const toml::table& root) {
  const toml::table* table = section(root, "program", kProgramKeys);
  if (table == nullptr)
    return;
  Program& program = policy_.program;
  program.module = get<std::string>(*table, "program", "module",
                                    "module = \"/opt/app/app.wasm\"");
  program.sha256 = get<std::string>(*table, "program", "sha256",
                                    "sha256 = \"<64 hex digits>\"");
  if (program.sha256) {
    std::string& hex = program.sha256->value;
    std::transform(hex.begin(), hex.end(), hex.begin(),
                   [](unsigned char c) { return std::tolower(c); });
    if (hex.size() != 64 ||
        hex.find_first_not_of("0123456789abcdef") != std::string::npos)
      error(program.sha256->where, "program.sha256 must be 64 hex digits",
            "print it with: sha256sum MODULE.wasm");
  }
  program.argv0 =
      get<std::string>(*table, "program", "argv0", "argv0 = \"app\"");
  if (const toml::node* node = table->get("args")) {
    auto args =
        get_strings(*table, "program", "args", "args = [\"--flag\"]", false);
    std::vector<std::string> words;
    for (auto& arg : args)
      words.push_back(std::move(arg.value));
    program.args =
        Located<std::vector<std::string>>{std::move(words), at(node->source())};
  }
  program.extra_args =
      get<bool>(*table, "program", "extra_args", "extra_args = false");
}

void Parser::parse_fs(const toml::table& root) {
  const toml::table* fs = section(root, "fs", kFsKeys);
  if (fs == nullptr)
    return;
  const toml::node* node = fs->get("dir");
  if (node == nullptr)
    return;
  const auto* array = node->as_array();
  if (array == nullptr) {
    error(at(node->source()), "fs.dir must be an array of tables",
          "write each directory as [[fs.dir]] (two brackets)");
    return;
  }
  for (const toml::node& item : *array) {
    if (const auto* table =
            expect<toml::table>(item, "fs.dir entries", "[[fs.dir]]"))
      parse_dir(*table);
  }
}

std::optional<Located<std::string>> Parser::dir_path(const toml::table& table,
                                                     const Location& where,
                                                     std::string_view key,
                                                     std::string_view example) {
  if (!table.contains(key)) {
    error(where, "[[fs.dir]] has no '" + std::string(key) + "'",
          "add: " + std::string(example));
    return std::nullopt;
  }
  auto path = get<std::string>(table, "fs.dir", key, example);
  if (path && path->value.empty()) {
    error(path->where, "fs.dir." + std::string(key) + " is empty",
          "for example: " + std::string(example));
    return std::nullopt;
  }
  return path;
}

Missing Parser::parse_missing(const toml::table& table) {
  auto missing =
      get<std::string>(table, "fs.dir", "missing", "missing = \"error\"");
  if (!missing || missing->value == "error")
    return Missing::kError;
  if (missing->value == "create")
    return Missing::kCreate;
  if (missing->value == "skip")
    return Missing::kSkip;
  error(missing->where,
        "fs.dir.missing must be \"error\", \"create\" or \"skip\", not " +
            toml_quote(missing->value),
        "error (the default) refuses to run without the directory, create "
        "makes it, skip leaves the grant out");
  return Missing::kError;
}

void Parser::parse_dir(const toml::table& table) {
  check_keys(table, "fs.dir", kDirKeys);
  DirGrant grant;
  grant.where = at(table.source());
  auto host = dir_path(table, grant.where, "host", "host = \"./in\"");
  auto guest = dir_path(table, grant.where, "guest", "guest = \"/in\"");
  grant.missing = parse_missing(table);
  const toml::node* rights = table.get("rights");
  std::optional<wasi::Rights> bits;
  if (rights == nullptr)
    error(grant.where, "[[fs.dir]] has no 'rights'",
          "spell them out, e.g. rights = [\"read\"]; rights: read, write, "
          "create, delete, rename, metadata, or \"ro\" / \"rw\"");
  else
    bits = parse_rights(*rights);
  if (!host || !guest || !bits)
    return;
  grant.host = host->value;
  grant.guest = guest->value;
  grant.rights = *bits;
  grant.rights_where = at(rights->source());
  auto [first, inserted] =
      guests_.emplace(guest_key(grant.guest), guest->where);
  if (!inserted) {
    error(guest->where,
          "guest path " + toml_quote(grant.guest) + " is granted twice",
          "the first grant is at " + to_string(first->second) +
              "; merge the rights into one [[fs.dir]]");
    return;
  }
  policy_.dirs.push_back(std::move(grant));
}

std::optional<wasi::Rights> Parser::parse_rights(const toml::node& node) {
  const size_t errors_before = errors_.size();
  const auto words =
      strings_of(node, "fs.dir.rights", "rights = [\"read\", \"write\"]", true);
  if (errors_.size() != errors_before)
    return std::nullopt;
  wasi::Rights rights;
  for (const auto& word : words) {
    const bool known = std::find(kRightWords.begin(), kRightWords.end(),
                                 word.value) != kRightWords.end();
    auto bits = known ? wasi::parse_grant_rights(word.value)
                      : Result<wasi::Rights, std::string>(Unexpected(""));
    if (!bits) {
      std::string hint =
          "rights are read, write, create, delete, rename, "
          "metadata, or \"ro\" / \"rw\"";
      if (auto near = nearest_word(word.value, kRightWords))
        hint = "did you mean '" + *near + "'? " + hint;
      error(word.where, "unknown right " + toml_quote(word.value), hint);
      continue;
    }
    rights.bits |= bits->bits;
  }
  if (errors_.size() != errors_before)
    return std::nullopt;
  return rights;
}

void Parser::parse_env_set(const toml::table& set) {
  for (const auto& [key, value] : set) {
    const auto* text = expect<toml::value<std::string>>(
        value, "env.set." + std::string(key.str()),
        std::string(key.str()) + " = \"value\"");
    if (text == nullptr)
      continue;
    if (!valid_env_name(key.str()))
      error(at(key.source()), "bad variable name " + toml_quote(key.str()),
            "a name is not empty and has no '='");
    else
      policy_.env.set[std::string(key.str())] = {text->get(), at(key.source())};
  }
}

void Parser::parse_env(const toml::table& root) {
  const toml::table* table = section(root, "env", kEnvKeys);
  if (table == nullptr)
    return;
  Env& env = policy_.env;
  for (auto& name :
       get_strings(*table, "env", "inherit", "inherit = [\"LANG\"]", false)) {
    if (!valid_env_name(name.value))
      error(name.where, "bad variable name " + toml_quote(name.value),
            "a name is not empty and has no '='");
    else
      env.inherit.push_back(std::move(name));
  }
  if (const toml::node* node = table->get("set")) {
    const auto* set =
        expect<toml::table>(*node, "env.set", "set = { NAME = \"value\" }");
    if (set != nullptr)
      parse_env_set(*set);
  }
  env.inherit_all =
      get<bool>(*table, "env", "inherit_all", "inherit_all = false");
}

std::optional<Located<uint64_t>> Parser::get_count(const toml::table& table,
                                                   std::string_view key) {
  auto value = get<int64_t>(table, "limits", key, std::string(key) + " = 1000");
  if (!value)
    return std::nullopt;
  if (value->value <= 0) {
    error(value->where, "limits." + std::string(key) + " must be positive",
          "to set no limit, leave " + std::string(key) + " out");
    return std::nullopt;
  }
  return Located<uint64_t>{static_cast<uint64_t>(value->value), value->where};
}

std::optional<Located<uint64_t>> Parser::get_size(const toml::table& table,
                                                  std::string_view key) {
  const toml::node* node = table.get(key);
  if (node == nullptr)
    return std::nullopt;
  const std::string name = "limits." + std::string(key);
  const std::string example = std::string(key) + " = \"256MiB\"";
  if (node->is_integer()) {
    if (node->as_integer()->get() >= 0)
      return Located<uint64_t>{static_cast<uint64_t>(node->as_integer()->get()),
                               at(node->source())};
    error(at(node->source()), name + " must not be negative",
          "for example: " + example);
    return std::nullopt;
  }
  const auto* text = expect<toml::value<std::string>>(*node, name, example);
  if (text == nullptr)
    return std::nullopt;
  auto bytes = parse_size(text->get());
  if (!bytes) {
    error(at(node->source()), name + ": " + bytes.error(),
          "for example: " + example);
    return std::nullopt;
  }
  return Located<uint64_t>{*bytes, at(node->source())};
}

std::optional<Located<uint64_t>> Parser::get_duration(const toml::table& table,
                                                      std::string_view key) {
  const std::string example = std::string(key) + " = \"10s\"";
  auto text = get<std::string>(table, "limits", key, example);
  if (!text)
    return std::nullopt;
  auto ms = parse_duration_ms(text->value);
  if (!ms) {
    error(text->where, "limits." + std::string(key) + ": " + ms.error(),
          "durations are a number and ms, s, m or h: " + example);
    return std::nullopt;
  }
  return Located<uint64_t>{*ms, text->where};
}

void Parser::parse_limits(const toml::table& root) {
  const toml::table* table = section(root, "limits", kLimitKeys);
  if (table == nullptr)
    return;
  for (const LimitField& field : kLimitFields) {
    auto& limit = policy_.limits.*field.member;
    switch (field.kind) {
      case LimitKind::kSize:
        limit = get_size(*table, field.key);
        break;
      case LimitKind::kCount:
        limit = get_count(*table, field.key);
        break;
      case LimitKind::kDuration:
        limit = get_duration(*table, field.key);
        break;
    }
  }
}

void Parser::parse_net(const toml::table& root) {
  const toml::table* table = section(root, "net", kNetKeys);
  if (table == nullptr)
    return;
  for (auto& address : get_strings(*table, "net", "listen",
                                   "listen = [\"127.0.0.1:8080\"]", false)) {
    if (!valid_listen(address.value))
      error(address.where,
            "net.listen: bad address " + toml_quote(address.value),
            "write ADDR:PORT, e.g. \"127.0.0.1:8080\" or \"[::1]:8080\"");
    else
      policy_.listen.push_back(std::move(address));
  }
}

void Parser::parse_wasi(const toml::table& root) {
  const toml::table* table = section(root, "wasi", kWasiKeys);
  if (table == nullptr)
    return;
  WasiGroups& wasi = policy_.wasi;
  wasi.filesystem =
      get<bool>(*table, "wasi", "filesystem", "filesystem = true");
  wasi.clocks = get<bool>(*table, "wasi", "clocks", "clocks = true");
  wasi.random = get<bool>(*table, "wasi", "random", "random = true");
  wasi.poll = get<bool>(*table, "wasi", "poll", "poll = true");
  wasi.sockets = get<bool>(*table, "wasi", "sockets", "sockets = false");
}

void Parser::parse_audit(const toml::table& root) {
  const toml::table* table = section(root, "audit", kAuditKeys);
  if (table == nullptr)
    return;
  if (auto denials = get<std::string>(*table, "audit", "denials",
                                      "denials = \"stderr\"")) {
    const auto word =
        std::find(kDenialWords.begin(), kDenialWords.end(), denials->value);
    if (word != kDenialWords.end()) {
      policy_.audit.denials = Located<DenialReport>{
          static_cast<DenialReport>(word - kDenialWords.begin()),
          denials->where};
    } else {
      std::string hint =
          "off prints no denials, stderr prints each rule's first, file "
          "writes them to the audit log only";
      if (auto near = nearest_word(denials->value, kDenialWords))
        hint = "did you mean '" + *near + "'? " + hint;
      error(denials->where,
            "audit.denials must be \"off\", \"stderr\" or \"file\", not " +
                toml_quote(denials->value),
            hint);
    }
  }
  auto log = get<std::string>(*table, "audit", "log",
                              "log = \"~/capbox/audit.jsonl\"");
  if (log && log->value.empty())
    error(log->where, "audit.log is empty",
          "name a file, e.g. log = \"~/capbox/audit.jsonl\", or leave log out");
  else if (log)
    policy_.audit.log = std::move(log);
}

// toml++'s own words for a syntax error, plus a hint for the most common
// one: a size or duration written without quotes (memory = 256MiB).
Error syntax_error(const toml::parse_error& e,
                   std::string_view text,
                   const std::string& file) {
  const toml::source_position at = e.source().begin;
  return Error{Location{file, at.line, at.column}, std::string(e.description()),
               unquoted_value_hint(text, at.line)};
}

}  // namespace

Result<Policy, Errors> parse_policy(std::string_view text,
                                    const std::string& file) {
  if (auto refused = refuse_before_toml(text, file))
    return Unexpected(Errors{*refused});
  toml::table root;
  try {
    root = toml::parse(text, file);
  } catch (const toml::parse_error& e) {
    return Unexpected(Errors{syntax_error(e, text, file)});
  } catch (const detail::TomlCheckFailed&) {
    return Unexpected(Errors{failed_toml_check(text, file)});
  }
  return Parser(file).run(root);
}

namespace detail {
void toml_check_failed(const char* check) {
  throw TomlCheckFailed{check};
}
}  // namespace detail

}  // namespace capbox::policy
