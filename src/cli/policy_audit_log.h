// SPDX-License-Identifier: Apache-2.0
// Reading the audit log (JSONL) and run report (JSON) that `capbox run` and
// `capbox exec` write with --audit and --report, for `policy learn` and
// `policy explain` (the format is /tmp/notes/audit_schema.md and
// capbox(1)). Pure parsing plus file reading; no policy logic here.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "wasi/types.h"

namespace capbox::cli {

// One line of an audit log. Optional fields are empty when absent or null.
struct AuditRecord {
  size_t line = 0;    // 1-based line in the log
  std::string layer;  // "broker" or "wasi"
  std::string op;
  std::string guest;
  std::string target;
  std::optional<std::string> host;
  std::vector<std::string> rights;  // policy rights words
  bool allowed = false;
  std::vector<std::string> missing;
  std::optional<std::string> grant;  // the grant's guest name
  std::optional<std::string> rule;   // "fs.dir[N]" or "--dir[N]"
  std::string source;
  std::string rights_at;
  std::string result;
};

// The six rights words in their canonical order, and each one's WASI bits.
struct RightsWord {
  std::string_view word;
  uint64_t bits;
};
extern const std::vector<RightsWord> kRightsWords;

// The words `rights` holds in full, canonical order.
std::vector<std::string> rights_words(wasi::Rights rights);
// Words sorted into canonical order, duplicates removed.
std::vector<std::string> canonical_words(std::vector<std::string> words);
// "read, write" for messages; `quote` gives "\"read\", \"write\"".
std::string join_words(const std::vector<std::string>& words,
                       bool quote = false);

// The host directory of the grant a record falls under: the record's host
// path without the part below the grant's guest name; empty if unknown.
std::string grant_host(const AuditRecord& record);

// Parses the log's text. An error names the line: "line 3: no 'op'".
Result<std::vector<AuditRecord>, std::string> parse_audit_log(
    std::string_view text);

// Reads a whole file (at most 256 MiB). The error is strerror's text;
// `missing` is set when the file does not exist.
struct ReadError {
  std::string message;
  bool missing = false;
};
Result<std::string, ReadError> read_text_file(const std::string& path);

// The numbers `policy learn` suggests limits from, out of a run report;
// each is empty when the report has no value for it.
struct RunUsage {
  std::optional<uint64_t> memory_peak;  // bytes
  std::optional<uint64_t> fuel_used;
  std::optional<uint64_t> wall_ms;
  std::optional<uint64_t> cpu_ms;
  std::optional<uint64_t> processes_peak;
  std::optional<int> status;  // capbox's exit status
  std::string reason;
};
Result<RunUsage, std::string> parse_run_report(std::string_view text);

}  // namespace capbox::cli
