// SPDX-License-Identifier: Apache-2.0
// The policy parser's class, shared by parser.cc (the document, [program]
// and [[fs.dir]]) and parser_sections.cc ([env], [limits], [net], [wasi],
// [audit]). Every table's keys and every value's type are checked; errors
// are collected, located, and returned together. Depends on toml++
// (through policy/toml_include.h) and policy/policy.h.
#pragma once

#include "policy/toml_include.h"

#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "policy/policy.h"

namespace capbox::policy::parsing {

using Keys = std::span<const std::string_view>;

inline std::string_view type_name(toml::node_type type) {
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

// "section.key", or "key" at the top level.
std::string qualified(std::string_view section, std::string_view key);

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

}  // namespace capbox::policy::parsing
