// SPDX-License-Identifier: Apache-2.0
#include "cli/policy_learn_text.h"

#include <algorithm>
#include <map>
#include <set>
#include <sstream>

#include "policy/policy.h"
#include "policy/values.h"

namespace capbox::cli {
namespace {

using policy::toml_quote;

// How many paths a comment names before "and N more".
constexpr size_t kPathsShown = 3;
constexpr size_t kPathWidth = 60;

// What one grant was used for: per "OP (RIGHTS)", the paths and a count.
struct Use {
  std::set<std::string> paths;
  size_t count = 0;
};
struct GrantUse {
  LearnGrant grant;
  std::set<std::string> rights;
  std::map<std::string, Use> ops;
  size_t count = 0;
};

std::string shorten(const std::string& path) {
  if (path.size() <= kPathWidth)
    return path;
  const size_t keep = (kPathWidth - 3) / 2;
  return path.substr(0, keep) + "..." + path.substr(path.size() - keep);
}

std::string shown_path(const AuditRecord& record) {
  std::string text = shorten(record.guest);
  if (!record.target.empty())
    text += " -> " + shorten(record.target);
  return text;
}

std::string op_label(const AuditRecord& record) {
  const std::vector<std::string> words = canonical_words(record.rights);
  return record.op + " (" + (words.empty() ? "no rights" : join_words(words)) +
         ")";
}

// The grant a record falls under: its --dir flag by index, else by guest
// name, else a grant first seen here (learning from a log alone).
GrantUse* grant_for(const AuditRecord& record, std::vector<GrantUse>& uses) {
  if (record.rule && record.rule->starts_with("--dir[")) {
    const size_t index = std::strtoul(record.rule->c_str() + 6, nullptr, 10);
    if (index < uses.size()) {
      if (record.grant)
        uses[index].grant.guest = *record.grant;
      return &uses[index];
    }
  }
  if (!record.grant)
    return nullptr;
  const std::string key = policy::guest_key(*record.grant);
  for (GrantUse& use : uses) {
    if (policy::guest_key(use.grant.guest) == key)
      return &use;
  }
  GrantUse use;
  use.grant = {grant_host(record), *record.grant, ""};
  uses.push_back(std::move(use));
  return &uses.back();
}

std::string use_comment(const std::string& label, const Use& use) {
  std::string line = "# " + label + ": ";
  size_t shown = 0;
  for (const std::string& path : use.paths) {
    if (shown == kPathsShown)
      break;
    line += (shown++ == 0 ? "" : ", ") + path;
  }
  if (use.paths.size() > kPathsShown)
    line += " and " + std::to_string(use.paths.size() - kPathsShown) + " more";
  return line + "\n";
}

void write_grant(std::ostringstream& out, const GrantUse& use) {
  out << "\n[[fs.dir]]\n";
  if (use.grant.host.empty())
    out << "host = \"\"  # the run's log does not say; fill it in\n";
  else
    out << "host = " << toml_quote(use.grant.host) << "\n";
  out << "guest = " << toml_quote(use.grant.guest) << "\n";
  std::vector<std::string> words(use.rights.begin(), use.rights.end());
  out << "rights = [" << join_words(canonical_words(words), true) << "]\n";
  for (const auto& [label, op_use] : use.ops)
    out << use_comment(label, op_use);
}

std::string grouped(uint64_t value) {
  const std::string digits = std::to_string(value);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0)
      out += '_';
    out += digits[i];
  }
  return out;
}

void write_limits(std::ostringstream& out, const LearnInput& input) {
  if (!input.usage)
    return;
  const RunUsage& usage = *input.usage;
  std::ostringstream lines;
  if (usage.memory_peak && !input.exec)
    lines << "memory = \""
          << policy::format_size(suggest_memory(*usage.memory_peak))
          << "\"  # peak " << policy::format_size(*usage.memory_peak) << "\n";
  if (usage.fuel_used && !input.exec)
    lines << "fuel = " << grouped(suggest_count(*usage.fuel_used))
          << "  # used " << grouped(*usage.fuel_used) << "\n";
  if (usage.cpu_ms && input.exec)
    lines << "cpu_time = \""
          << policy::format_duration_ms(
                 suggest_duration_ms(*usage.cpu_ms, 1000))
          << "\"  # used " << *usage.cpu_ms << "ms\n";
  if (usage.wall_ms)
    lines << "wall_time = \""
          << policy::format_duration_ms(
                 suggest_duration_ms(*usage.wall_ms, 10000))
          << "\"  # used " << *usage.wall_ms << "ms; at least 10s, as load "
          << "varies\n";
  if (usage.processes_peak && input.exec)
    lines << "processes = " << std::max<uint64_t>(2 * *usage.processes_peak, 1)
          << "  # peak " << *usage.processes_peak << "\n";
  if (lines.str().empty())
    return;
  out << "\n# Twice what the run used, rounded up.\n[limits]\n" << lines.str();
}

void write_env(std::ostringstream& out, const std::vector<std::string>& env) {
  std::vector<std::string> inherit;
  std::vector<std::string> set;
  for (const std::string& entry : env) {
    const size_t eq = entry.find('=');
    if (eq == std::string::npos)
      inherit.push_back(toml_quote(entry));
    else
      set.push_back(toml_quote(entry.substr(0, eq)) + " = " +
                    toml_quote(entry.substr(eq + 1)));
  }
  if (inherit.empty() && set.empty())
    return;
  out << "\n# WASI hands over the whole environment at once, so only the "
         "--env names given\n# to learn are here, not what the program "
         "read.\n[env]\n";
  if (!inherit.empty())
    out << "inherit = [" << join_words(inherit) << "]\n";
  if (!set.empty())
    out << "set = { " << join_words(set) << " }\n";
}

void write_header(std::ostringstream& out, const LearnInput& input) {
  out << "# Learned by capbox policy learn on " << input.date
      << " from one run with broad grants:\n#   " << input.invocation
      << "\n# It grants what that run used and nothing more; a run that "
         "takes another path\n# through the program may need more (capbox "
         "policy explain). Review it before\n# use: while learning, the "
         "program could change anything granted to it, so\n# learn on a "
         "scratch copy of your data (capbox-policy(5)).\n";
  const bool relative = std::any_of(
      input.grants.begin(), input.grants.end(), [](const LearnGrant& grant) {
        return !grant.host.empty() && !grant.host.starts_with("/");
      });
  if (relative)
    out << "# Relative host paths resolve against the directory capbox runs "
           "in.\n";
  out << "version = 1\n"
      << "description = "
      << toml_quote("Learned from a run of " + input.program) << "\n";
  if (input.program_path.empty() && input.sha256.empty())
    return;
  out << "\n[program]\n";
  if (!input.program_path.empty())
    out << "module = " << toml_quote(input.program_path) << "\n";
  if (!input.sha256.empty())
    out << "sha256 = " << toml_quote(input.sha256)
        << "  # this build only: rebuilt, it must be pinned again\n";
}

// The sockets learn was told to grant (it cannot discover them), and the
// WASI groups the module never imports turned off: a smaller policy that
// still runs it.
void write_net_wasi(std::ostringstream& out, const LearnInput& input) {
  if (!input.listen.empty()) {
    std::vector<std::string> quoted;
    for (const std::string& address : input.listen)
      quoted.push_back(toml_quote(address));
    out << "\n# Granted to the run with -S tcplisten.\n[net]\nlisten = ["
        << join_words(quoted) << "]\n";
  }
  if (!input.wasi_imports)
    return;
  std::string off;
  for (const char* group : {"clocks", "random", "poll", "sockets"}) {
    if (!input.wasi_imports->contains(group))
      off += std::string(group) + " = false\n";
  }
  if (!off.empty())
    out << "\n# WASI groups the module does not import.\n[wasi]\n" << off;
}

std::string summary_table(const std::vector<GrantUse>& uses,
                          size_t records,
                          size_t outside,
                          size_t denied) {
  std::ostringstream out;
  out << "capbox: observed " << records << ' '
      << (records == 1 ? "access" : "accesses") << " (" << denied
      << " denied):\n";
  size_t width = 5;
  for (const GrantUse& use : uses)
    width = std::max(width, use.grant.guest.size());
  auto row = [&](const std::string& grant, const std::string& rights,
                 const std::string& ops) {
    std::string line =
        "  " + grant + std::string(width + 2 - grant.size(), ' ');
    line +=
        rights + std::string(rights.size() < 40 ? 40 - rights.size() : 1, ' ');
    out << line << ops << "\n";
  };
  row("GRANT", "RIGHTS USED", "OPS");
  for (const GrantUse& use : uses) {
    std::vector<std::string> words(use.rights.begin(), use.rights.end());
    row(use.grant.guest,
        use.count == 0 ? "(unused: left out)"
                       : join_words(canonical_words(words)),
        std::to_string(use.count));
  }
  if (outside > 0)
    row("-", "(under no grant, allowed)", std::to_string(outside));
  if (denied > 0)
    row("-", "(denied)", std::to_string(denied));
  return out.str();
}

}  // namespace

uint64_t suggest_memory(uint64_t peak_bytes) {
  uint64_t limit = uint64_t{1} << 20;
  while (limit < 2 * peak_bytes && limit < (uint64_t{1} << 62))
    limit *= 2;
  return limit;
}

uint64_t suggest_count(uint64_t used) {
  const uint64_t target = std::max<uint64_t>(2 * used, 1);
  for (uint64_t power = 1;; power *= 10) {
    for (uint64_t step : {1, 2, 5}) {
      if (step * power >= target || power > UINT64_MAX / 100)
        return step * power;
    }
  }
}

uint64_t suggest_duration_ms(uint64_t used_ms, uint64_t floor_ms) {
  return suggest_count(std::max(used_ms, floor_ms / 2));
}

Learned learn_policy(const LearnInput& input) {
  std::vector<GrantUse> uses;
  for (const LearnGrant& grant : input.grants) {
    GrantUse use;
    use.grant = grant;
    uses.push_back(std::move(use));
  }
  Learned learned;
  size_t outside = 0;
  std::map<std::string, Use> denials;
  for (const AuditRecord& record : input.records) {
    if (!record.allowed) {
      ++learned.denied;
      Use& use = denials[op_label(record)];
      use.paths.insert(shown_path(record));
      continue;
    }
    GrantUse* use = grant_for(record, uses);
    if (use == nullptr) {
      ++outside;
      continue;
    }
    use->rights.insert(record.rights.begin(), record.rights.end());
    Use& op = use->ops[op_label(record)];
    op.paths.insert(shown_path(record));
    ++op.count;
    ++use->count;
  }
  std::ostringstream out;
  write_header(out, input);
  std::vector<std::string> unused;
  for (const GrantUse& use : uses) {
    if (use.rights.empty())
      unused.push_back(use.grant.flag.empty() ? use.grant.guest
                                              : use.grant.flag);
    else
      write_grant(out, use);
  }
  if (!unused.empty()) {
    out << "\n# Granted to the run but not used, so left out:\n";
    for (const std::string& flag : unused)
      out << "#   " << flag << "\n";
  }
  if (!denials.empty()) {
    out << "\n# Denied during the run (under no grant), so not granted "
           "here:\n";
    for (const auto& [label, use] : denials)
      out << use_comment(label, use);
  }
  write_env(out, input.env);
  write_net_wasi(out, input);
  write_limits(out, input);
  learned.toml = out.str();
  learned.summary =
      summary_table(uses, input.records.size(), outside, learned.denied);
  return learned;
}

}  // namespace capbox::cli
