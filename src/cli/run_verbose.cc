// SPDX-License-Identifier: Apache-2.0
#include "cli/run_verbose.h"

#include <string_view>
#include <utility>
#include <vector>

#include "cli/audit_log.h"
#include "cli/policy_audit_log.h"

namespace capbox::cli {
namespace {

void print_policy_files(std::ostream& out, const policy::Policy& policy) {
  if (policy.read_from.empty()) {
    out << "capbox: policy: none; the grants come from the flags\n";
    return;
  }
  out << "capbox: policy: ";
  for (size_t i = 0; i < policy.read_from.size(); ++i)
    out << (i == 0 ? "" : ", then ") << policy.read_from[i];
  out << "\n";
}

void print_grants(std::ostream& out, const RunPlan& plan) {
  if (plan.grants.empty())
    out << "capbox: grants: no directories\n";
  for (size_t i = 0; i < plan.grants.size(); ++i) {
    const sandbox::Grant& grant = plan.grants[i];
    const GrantOrigin& from = plan.grant_origins[i];
    out << "capbox: grant: " << grant.guest_name << " is " << grant.host_path
        << ", " << join_words(rights_words(grant.rights)) << " (" << from.rule
        << ", " << from.source << ")\n";
  }
  for (const policy::Located<std::string>& address : plan.listen)
    out << "capbox: grant: listening socket " << address.value << " ("
        << origin(address.where) << ")\n";
}

void print_environment(std::ostream& out, const RunPlan& plan) {
  if (plan.env.empty()) {
    out << "capbox: environment: empty\n";
    return;
  }
  out << "capbox: environment:";
  for (const std::string& entry : plan.env)
    out << " " << std::string_view(entry).substr(0, entry.find('='));
  out << "\n";
}

void print_limits(std::ostream& out, const RunPlan& plan, CommandKind kind) {
  const bool exec = kind == CommandKind::kExec;
  const std::vector<std::pair<const char*, const PlannedLimit*>> limits = {
      {"memory", &plan.memory},
      {exec ? nullptr : "fuel", &plan.fuel},
      {"cpu-time", &plan.cpu_time},
      {"wall-time", &plan.wall_time},
      {"open-files", &plan.open_files},
      {exec ? nullptr : "output", &plan.output},
      {"file-output", &plan.file_output},
      {exec ? "processes" : nullptr, &plan.processes}};
  std::string unlimited;
  for (const auto& [name, limit] : limits) {
    if (name == nullptr)
      continue;
    if (limit->value != 0)
      out << "capbox: limit: " << limit->described << "\n";
    else
      unlimited += (unlimited.empty() ? "" : ", ") + std::string(name);
  }
  if (!unlimited.empty())
    out << "capbox: no limit: " << unlimited << "\n";
}

}  // namespace

void print_plan(std::ostream& out,
                const policy::Policy& policy,
                const RunPlan& plan,
                CommandKind kind) {
  print_policy_files(out, policy);
  print_grants(out, plan);
  print_environment(out, plan);
  print_limits(out, plan, kind);
  for (const auto& [group, why] : plan.disabled_groups)
    out << "capbox: wasi: " << group << " calls off (" << why << ")\n";
}

std::string allowed_line(const sandbox::Decision& decision,
                         const std::vector<sandbox::Grant>& grants,
                         const std::vector<GrantOrigin>& origins) {
  std::string line = "capbox: allowed " + std::string(decision.operation) +
                     " of \"" + decision.guest_path + "\"";
  if (decision.target)
    line += " to \"" + *decision.target + "\"";
  const std::vector<std::string> words = rights_words(decision.needed);
  if (!words.empty())
    line += " (" + join_words(words) + ")";
  if (decision.grant < grants.size() && decision.grant < origins.size())
    line += " under " + grants[decision.grant].guest_name + " (" +
            origins[decision.grant].rule + ")";
  return line;
}

}  // namespace capbox::cli
