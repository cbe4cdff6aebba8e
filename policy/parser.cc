// SPDX-License-Identifier: Apache-2.0
// Policy text to Policy through toml++: the document, [program] and
// [[fs.dir]] (the other tables are in parser_sections.cc). toml++ accepts
// any key and any type, so every table's keys and every value's type are
// checked here; nothing is skipped. toml++ reports syntax errors by
// exception (Debian builds it with exceptions), caught in parse_policy and
// turned into a located Error. Depends on toml++, wasi/grant_rights.h and
// policy/values.h; no I/O.
#include "policy/parser.h"

#include "policy/parser_internal.h"

#include <algorithm>
#include <array>

#include "policy/toml_guard.h"
#include "policy/values.h"
#include "wasi/grant_rights.h"

namespace capbox::policy::parsing {
namespace {

constexpr std::array<std::string_view, 11> kTopKeys = {
    "version", "description", "extends", "locked", "program", "fs",
    "env",     "limits",      "net",     "wasi",   "audit"};
constexpr std::array<std::string_view, 5> kProgramKeys = {
    "module", "sha256", "argv0", "args", "extra_args"};
constexpr std::array<std::string_view, 1> kFsKeys = {"dir"};
constexpr std::array<std::string_view, 4> kDirKeys = {"host", "guest", "rights",
                                                      "missing"};
constexpr std::array<std::string_view, 8> kRightWords = {
    "read", "write", "create", "delete", "rename", "metadata", "ro", "rw"};

}  // namespace

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

}  // namespace capbox::policy::parsing

namespace capbox::policy {
namespace {

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
  if (auto nul = nul_byte_error(text, file))
    return Unexpected(Errors{*nul});
  toml::table root;
  try {
    root = toml::parse(text, file);
  } catch (const toml::parse_error& e) {
    return Unexpected(Errors{syntax_error(e, text, file)});
  } catch (const detail::TomlCheckFailed&) {
    return Unexpected(Errors{failed_toml_check(text, file)});
  }
  return parsing::Parser(file).run(root);
}

namespace detail {
void toml_check_failed(const char* check) {
  throw TomlCheckFailed{check};
}
}  // namespace detail

}  // namespace capbox::policy
