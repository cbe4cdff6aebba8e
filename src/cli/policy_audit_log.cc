// SPDX-License-Identifier: Apache-2.0
#include "cli/policy_audit_log.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "wasi/grant_rights.h"

namespace capbox::cli {

using nlohmann::json;

const std::vector<RightsWord> kRightsWords = {
    {"read", wasi::kGrantRead},     {"write", wasi::kGrantWrite},
    {"create", wasi::kGrantCreate}, {"delete", wasi::kGrantDelete},
    {"rename", wasi::kGrantRename}, {"metadata", wasi::kGrantMetadata},
};

namespace {

bool known_word(const std::string& word) {
  return std::any_of(kRightsWords.begin(), kRightsWords.end(),
                     [&](const RightsWord& w) { return w.word == word; });
}

// A string field; `required` ones must be present and strings, optional
// ones may also be null.
Result<std::optional<std::string>, std::string> string_field(const json& object,
                                                             const char* key,
                                                             bool required) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) {
    if (required)
      return Unexpected("no '" + std::string(key) + "'");
    return std::optional<std::string>();
  }
  if (!it->is_string())
    return Unexpected("'" + std::string(key) + "' is not a string");
  return std::optional<std::string>(it->get<std::string>());
}

Result<std::vector<std::string>, std::string> words_field(const json& object,
                                                          const char* key,
                                                          bool required) {
  std::vector<std::string> words;
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) {
    if (required)
      return Unexpected("no '" + std::string(key) + "'");
    return words;
  }
  if (!it->is_array())
    return Unexpected("'" + std::string(key) + "' is not an array");
  for (const json& item : *it) {
    if (!item.is_string())
      return Unexpected("'" + std::string(key) + "' holds a non-string");
    std::string word = item.get<std::string>();
    if (!known_word(word))
      return Unexpected("'" + std::string(key) + "' holds the unknown right '" +
                        word + "'");
    words.push_back(std::move(word));
  }
  return words;
}

Result<AuditRecord, std::string> parse_record(const json& object) {
  if (!object.is_object())
    return Unexpected(std::string("not a JSON object"));
  AuditRecord record;
  std::string decision;
  struct Field {
    const char* key;
    bool required;
    std::string* out;
  };
  const Field strings[] = {
      {"layer", true, &record.layer},
      {"op", true, &record.op},
      {"guest", true, &record.guest},
      {"decision", true, &decision},
      {"target", false, &record.target},
      {"source", false, &record.source},
      {"rights_at", false, &record.rights_at},
      {"result", false, &record.result},
  };
  for (const Field& field : strings) {
    auto value = string_field(object, field.key, field.required);
    if (!value)
      return Unexpected(value.error());
    *field.out = value->value_or("");
  }
  if (decision != "allow" && decision != "deny")
    return Unexpected("'decision' is \"" + decision +
                      "\", not \"allow\" or \"deny\"");
  record.allowed = decision == "allow";
  for (auto [key, out] :
       {std::pair{"host", &record.host}, std::pair{"grant", &record.grant},
        std::pair{"rule", &record.rule}}) {
    auto value = string_field(object, key, false);
    if (!value)
      return Unexpected(value.error());
    *out = *value;
  }
  auto rights = words_field(object, "rights", true);
  if (!rights)
    return Unexpected(rights.error());
  record.rights = std::move(*rights);
  auto missing = words_field(object, "missing", false);
  if (!missing)
    return Unexpected(missing.error());
  record.missing = std::move(*missing);
  return record;
}

std::optional<uint64_t> number_at(const json& limits,
                                  const char* key,
                                  const char* field) {
  auto it = limits.find(key);
  if (it == limits.end() || !it->is_object())
    return std::nullopt;
  auto value = it->find(field);
  if (value == it->end() || !value->is_number() || *value < 0)
    return std::nullopt;
  return static_cast<uint64_t>(std::ceil(value->get<double>()));
}

}  // namespace

std::vector<std::string> rights_words(wasi::Rights rights) {
  std::vector<std::string> words;
  for (const RightsWord& word : kRightsWords) {
    if ((rights.bits & word.bits) == word.bits)
      words.emplace_back(word.word);
  }
  return words;
}

std::vector<std::string> canonical_words(std::vector<std::string> words) {
  std::vector<std::string> out;
  for (const RightsWord& word : kRightsWords) {
    if (std::find(words.begin(), words.end(), word.word) != words.end())
      out.emplace_back(word.word);
  }
  return out;
}

std::string join_words(const std::vector<std::string>& words, bool quote) {
  std::string out;
  for (const std::string& word : words) {
    out += out.empty() ? "" : ", ";
    out += quote ? "\"" + word + "\"" : word;
  }
  return out;
}

std::string grant_host(const AuditRecord& record) {
  if (!record.host || !record.grant)
    return "";
  std::string key = *record.grant;
  while (key.size() > 1 && key.back() == '/')
    key.pop_back();
  if (!record.guest.starts_with(key))
    return "";
  const std::string rest = record.guest.substr(key == "/" ? 0 : key.size());
  if (!record.host->ends_with(rest))
    return "";
  std::string host = record.host->substr(0, record.host->size() - rest.size());
  return host.empty() ? "/" : host;
}

Result<std::vector<AuditRecord>, std::string> parse_audit_log(
    std::string_view text) {
  std::vector<AuditRecord> records;
  size_t line = 0;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos)
      end = text.size();
    std::string_view row = text.substr(start, end - start);
    start = end + 1;
    ++line;
    if (row.find_first_not_of(" \t\r") == std::string_view::npos)
      continue;
    json object = json::parse(row, nullptr, false);
    if (object.is_discarded())
      return Unexpected("line " + std::to_string(line) + ": not valid JSON");
    auto record = parse_record(object);
    if (!record)
      return Unexpected("line " + std::to_string(line) + ": " + record.error());
    record->line = line;
    records.push_back(std::move(*record));
  }
  return records;
}

Result<std::string, ReadError> read_text_file(const std::string& path) {
  // An ifstream opens a directory and reads it as empty: say what it is.
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    return Unexpected(ReadError{"it is a directory", false});
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    const int error = errno;
    return Unexpected(ReadError{std::strerror(error), error == ENOENT});
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad())
    return Unexpected(ReadError{"read error", false});
  return text.str();
}

Result<RunUsage, std::string> parse_run_report(std::string_view text) {
  json report = json::parse(text, nullptr, false);
  if (report.is_discarded() || !report.is_object())
    return Unexpected(std::string("the run report is not a JSON object"));
  RunUsage usage;
  if (auto it = report.find("status");
      it != report.end() && it->is_number_integer())
    usage.status = it->get<int>();
  if (auto it = report.find("reason"); it != report.end() && it->is_string())
    usage.reason = it->get<std::string>();
  auto limits = report.find("limits");
  if (limits == report.end() || !limits->is_object())
    return usage;
  usage.memory_peak = number_at(*limits, "memory", "peak");
  usage.fuel_used = number_at(*limits, "fuel", "used");
  usage.wall_ms = number_at(*limits, "wall_time_ms", "used");
  usage.cpu_ms = number_at(*limits, "cpu_time_ms", "used");
  usage.processes_peak = number_at(*limits, "processes", "peak");
  return usage;
}

}  // namespace capbox::cli
