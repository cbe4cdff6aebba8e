// SPDX-License-Identifier: Apache-2.0
// The supervisor's record of a run's decisions: --audit's JSONL file (one
// object per decision, flushed per line, so a crash loses nothing; fields
// in capbox(1) AUDIT LOG) and the denials --report counts. Broker
// decisions come from sandbox::BrokerHost; layer "wasi" records from the
// child's notes, which are its claims about its own view: deduplicated
// here and bounded. Supervisor only: the child never holds the file.
// Depends on sandbox/broker_host.h, cli/run_plan.h and nlohmann_json.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "base/result.h"
#include "base/unique_fd.h"
#include "broker/message.h"
#include "cli/run_plan.h"
#include "sandbox/broker_host.h"

namespace capbox::cli {

// The rights words (wasi/grant_rights.h) that cover `bits`, in the
// vocabulary's order: each right's first word. Opening a path comes with
// every word, so it adds none of its own unless it is all there is
// ("read").
std::vector<std::string> rights_words(uint64_t bits);

// "2026-11-27T03:40:01.123Z": now, UTC, milliseconds.
std::string utc_timestamp();

// $XDG_STATE_HOME/capbox/audit/NAME-YYYYmmddTHHMMSSZ-PID.jsonl
// (~/.local/state when XDG_STATE_HOME is unset), NAME the program's file
// name without ".wasm"; the directories are made 0700. The error names
// the directory and the errno.
Result<std::string, std::string> default_audit_path(const std::string& program);

// One line of the report's "denied": the same denial, counted.
struct DeniedCount {
  std::string op;
  std::string guest;
  std::vector<std::string> missing;
  std::optional<std::string> rule;
  std::optional<std::string> source;
  uint64_t count = 0;
};

class RunRecorder {
 public:
  // `grants` and `origins` as the run plan has them (exec: with the
  // absolute guest names the program sees), before the first record.
  void set_grants(std::vector<sandbox::Grant> grants,
                  std::vector<GrantOrigin> origins);

  // Creates `path` 0600 (truncating it) for the JSONL records; the error
  // names the file and the errno.
  Result<void, std::string> open_audit(const std::string& path);
  bool auditing() const { return file_.valid(); }

  const std::vector<sandbox::Grant>& grants() const { return grants_; }
  const std::vector<GrantOrigin>& origins() const { return origins_; }

  void decision(const sandbox::Decision& decision);
  void note(const sandbox::NoteClaim& note);

  uint64_t denials() const { return denials_; }
  std::vector<DeniedCount> denied() const;
  // The child's usage note and end reason, if it sent them.
  const std::optional<broker::NoteUsage>& usage() const { return usage_; }
  const std::string& end_reason() const { return end_reason_; }

 private:
  void write_line(const std::string& line);
  void count_denial(const std::string& op,
                    const std::string& guest,
                    const std::vector<std::string>& missing,
                    size_t grant);

  std::vector<sandbox::Grant> grants_;
  std::vector<GrantOrigin> origins_;
  UniqueFd file_;
  bool write_failed_ = false;
  // Layer "wasi" records already written: (op, guest, rights, decision).
  std::set<std::tuple<std::string, std::string, uint64_t, bool>> seen_;
  uint64_t denials_ = 0;
  std::map<std::tuple<std::string, std::string, std::string, size_t>,
           DeniedCount>
      denied_;
  std::optional<broker::NoteUsage> usage_;
  std::string end_reason_;
};

}  // namespace capbox::cli
