// SPDX-License-Identifier: Apache-2.0
// The policy `capbox policy learn` writes, computed from what one run did:
// the grants the run was given, the audit log's records and the run
// report's usage. Pure: text in, text out; the run itself and the files are
// policy_learn.cc's. The text is checked by the policy parser before use.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "cli/policy_audit_log.h"

namespace capbox::cli {

// A directory the learning run was granted (a --dir flag).
struct LearnGrant {
  std::string host;
  std::string guest;
  std::string flag;  // "--dir src::/src", for comments
};

struct LearnInput {
  bool exec = false;         // capbox exec (a native program), else run
  std::string program;       // as the user wrote it
  std::string program_path;  // absolute, for [program]
  std::string sha256;        // empty: no pin
  std::vector<LearnGrant> grants;
  std::vector<std::string> env;     // --env NAME or NAME=VALUE
  std::vector<std::string> listen;  // -S tcplisten=ADDR:PORT, granted
  // The WASI groups the module imports (run mode); nullopt: unknown.
  std::optional<std::set<std::string>> wasi_imports;
  std::vector<AuditRecord> records;
  std::optional<RunUsage> usage;
  std::string date;        // "2026-11-27"
  std::string invocation;  // the learning run's command line
};

struct Learned {
  std::string toml;     // the policy
  std::string summary;  // the table of what was observed, for stderr
  size_t denied = 0;    // deny records in the log
};

Learned learn_policy(const LearnInput& input);

// Limit suggestions: twice the use, rounded up (exposed for unit tests).
uint64_t suggest_memory(uint64_t peak_bytes);
uint64_t suggest_count(uint64_t used);  // 1, 2 or 5 times a power of 10
uint64_t suggest_duration_ms(uint64_t used_ms, uint64_t floor_ms);

}  // namespace capbox::cli
