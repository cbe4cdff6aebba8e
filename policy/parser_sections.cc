// SPDX-License-Identifier: Apache-2.0
// The policy parser's [env], [limits], [net], [wasi] and [audit] tables
// (parser.cc has the document, [program] and [[fs.dir]]). Depends on
// toml++ and policy/values.h; no I/O.
#include "policy/parser_internal.h"

#include <algorithm>
#include <array>

#include "policy/values.h"

namespace capbox::policy::parsing {
namespace {

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

}  // namespace

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

}  // namespace capbox::policy::parsing
