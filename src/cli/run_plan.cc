// SPDX-License-Identifier: Apache-2.0
#include "cli/run_plan.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <map>
#include <system_error>

#include "cli/exit_codes.h"
#include "policy/values.h"
#include "sandbox/exec_sandbox.h"

namespace capbox::cli {
namespace {

namespace fs = std::filesystem;

PlanError usage(std::string message) {
  return PlanError{kExitUsage, std::move(message)};
}

// The lines under a headline: "  --> FILE:LINE:COL" for a place in a policy
// file (a flag has none: its headline names it), then the help.
std::string located(const std::vector<policy::Location>& places,
                    const std::string& help = "") {
  std::string lines;
  for (const policy::Location& where : places) {
    if (where.line != 0)
      lines += "\n  --> " + origin(where);
  }
  return lines + (help.empty() ? "" : "\n   = help: " + help);
}

// " (-S tcplisten=...)" for a value from a flag; "" for one from a file,
// whose place goes on a --> line.
std::string flag_note(const policy::Location& where) {
  return where.line == 0 ? " (" + origin(where) + ")" : "";
}

std::string limit_value_text(policy::LimitKind kind,
                             std::string_view key,
                             uint64_t value) {
  switch (kind) {
    case policy::LimitKind::kSize:
      return policy::format_size(value);
    case policy::LimitKind::kDuration:
      return policy::format_duration_ms(value);
    case policy::LimitKind::kCount:
      break;
  }
  // Fuel is charged per call and loop iteration (engine.h), not per
  // instruction, so it gets no unit word.
  if (key == "fuel")
    return std::to_string(value);
  return std::to_string(value) +
         (key == "processes" ? " processes" : " descriptors");
}

// The plan's limit for a [limits] key.
PlannedLimit* planned(RunPlan& plan, std::string_view key) {
  static const std::map<std::string_view, PlannedLimit RunPlan::*> kMembers = {
      {"memory", &RunPlan::memory},
      {"fuel", &RunPlan::fuel},
      {"cpu_time", &RunPlan::cpu_time},
      {"wall_time", &RunPlan::wall_time},
      {"open_files", &RunPlan::open_files},
      {"output", &RunPlan::output},
      {"file_output", &RunPlan::file_output},
      {"processes", &RunPlan::processes}};
  auto it = kMembers.find(key);
  return it == kMembers.end() ? nullptr : &(plan.*(it->second));
}

void plan_limits(const policy::Policy& policy, RunPlan& plan) {
  for (const policy::LimitField& field : policy::kLimitFields) {
    const auto& limit = policy.limits.*field.member;
    PlannedLimit* out = planned(plan, field.key);
    if (!limit || out == nullptr)
      continue;
    std::string name(field.key);
    for (char& c : name)
      c = c == '_' ? '-' : c;
    out->value = limit->value;
    out->described = name + " limit of " +
                     limit_value_text(field.kind, field.key, limit->value) +
                     " (from " + origin(limit->where) + ")";
    out->help =
        limit->where.line == 0
            ? "give a larger value to " + limit->where.file
            : "raise limits." + std::string(field.key) + " in " +
                  limit->where.file +
                  (policy.is_locked()
                       ? ""
                       : ", or override it with --limit " + name + "=VALUE");
  }
}

Result<std::vector<sandbox::Grant>, PlanError> plan_grants(
    const policy::Policy& policy,
    std::vector<GrantOrigin>& origins) {
  std::vector<sandbox::Grant> grants;
  size_t files = 0;
  size_t flags = 0;
  for (const policy::DirGrant& dir : policy.dirs) {
    const bool flag = dir.where.line == 0;
    const std::string rule = flag ? "--dir[" + std::to_string(flags++) + "]"
                                  : "fs.dir[" + std::to_string(files++) + "]";
    std::error_code error;
    const bool exists = fs::exists(dir.host, error);
    if (!exists && dir.missing == policy::Missing::kSkip)
      continue;
    if (!exists && dir.missing == policy::Missing::kCreate) {
      fs::create_directories(dir.host, error);
      if (error)
        return Unexpected(
            usage("cannot create " + dir.host + flag_note(dir.where) + ": " +
                  error.message() +
                  located({dir.where},
                          "create it yourself, or set missing = \"skip\"")));
    }
    grants.push_back(sandbox::Grant{dir.host, dir.guest, dir.rights,
                                    origin(dir.rights_where)});
    origins.push_back(GrantOrigin{
        rule, origin(dir.where),
        dir.rights_where.line == 0 ? "" : origin(dir.rights_where)});
  }
  return grants;
}

// inherit_all first, then the named variables the caller has, then the
// values the policy sets; a later setting of a name replaces its value.
std::vector<std::string> plan_env(const policy::Env& env,
                                  const std::vector<std::string>& caller) {
  std::map<std::string, std::string, std::less<>> caller_values;
  for (const std::string& entry : caller) {
    const size_t eq = entry.find('=');
    if (eq != std::string::npos)
      caller_values.emplace(entry.substr(0, eq), entry.substr(eq + 1));
  }
  std::vector<std::string> out;
  std::map<std::string, size_t> position;
  auto set = [&](const std::string& name, const std::string& value) {
    auto [it, fresh] = position.emplace(name, out.size());
    if (fresh)
      out.push_back(name + "=" + value);
    else
      out[it->second] = name + "=" + value;
  };
  if (env.inherit_all && env.inherit_all->value) {
    for (const auto& [name, value] : caller_values)
      set(name, value);
  }
  for (const auto& name : env.inherit) {
    if (auto it = caller_values.find(name.value); it != caller_values.end())
      set(name.value, it->second);
  }
  for (const auto& [name, value] : env.set)
    set(name, value.value);
  return out;
}

Result<std::vector<std::string>, PlanError> plan_args(
    const policy::Policy& policy,
    const RunOptions& options) {
  const policy::Program& program = policy.program;
  if (options.argv0 && policy.is_locked())
    return Unexpected(
        usage("the policy is locked: --argv0 may not change the guest's "
              "argv[0]" +
              located({policy.locked->where},
                      "leave out --argv0, or set argv0 in [program]")));
  if (options.invoke && !options.module_args.empty() && program.extra_args &&
      !program.extra_args->value)
    return Unexpected(
        usage("the policy does not let the user add arguments (extra_args = "
              "false), --invoke's included" +
              located({program.extra_args->where},
                      "run without arguments, or set extra_args = true in "
                      "[program]")));
  std::vector<std::string> args;
  if (options.argv0)
    args.push_back(*options.argv0);
  else if (program.argv0)
    args.push_back(program.argv0->value);
  else
    args.push_back(options.module_path);
  if (program.args)
    args.insert(args.end(), program.args->value.begin(),
                program.args->value.end());
  // --invoke's words are the function's arguments, not argv.
  if (!options.invoke && !options.module_args.empty()) {
    if (program.extra_args && !program.extra_args->value)
      return Unexpected(
          usage("the policy does not let the user add arguments (extra_args = "
                "false)" +
                located({program.extra_args->where},
                        "run without arguments, or set extra_args = true in "
                        "[program]")));
    args.insert(args.end(), options.module_args.begin(),
                options.module_args.end());
  }
  return args;
}

Result<std::map<std::string, std::string>, PlanError> plan_groups(
    const policy::Policy& policy) {
  const policy::WasiGroups& wasi = policy.wasi;
  std::map<std::string, std::string> disabled;
  auto turn_off = [&](const std::optional<policy::Located<bool>>& group,
                      const char* key, const char* api_group) {
    if (!policy::group_enabled(group))
      disabled[api_group] =
          "wasi." + std::string(key) + " = false at " + origin(group->where);
  };
  turn_off(wasi.filesystem, "filesystem", "path");
  turn_off(wasi.clocks, "clocks", "clocks");
  turn_off(wasi.random, "random", "random");
  turn_off(wasi.poll, "poll", "poll");
  turn_off(wasi.sockets, "sockets", "sockets");
  if (disabled.contains("path") && !policy.dirs.empty())
    return Unexpected(usage(
        "the policy grants directories" + flag_note(policy.dirs[0].where) +
        " but turns the filesystem off (wasi.filesystem = false)" +
        located({policy.dirs[0].where, wasi.filesystem->where},
                "remove one of them")));
  if (disabled.contains("sockets") && !policy.listen.empty())
    return Unexpected(
        usage("the policy listens on " + policy.listen[0].value +
              flag_note(policy.listen[0].where) +
              " but turns sockets off (wasi.sockets = false)" +
              located({policy.listen[0].where, wasi.sockets->where},
                      "remove one of them")));
  return disabled;
}

}  // namespace

std::string origin(const policy::Location& where) {
  return policy::to_string(where);
}

// Descriptors the sandboxed child holds beside the guest's: stdio as
// inherited (the guest's 0-2 are copies), the broker socket, a descriptor
// arriving from the broker, and room for the runtime's own.
constexpr uint64_t kChildOwnDescriptors = 16;

uint64_t RunPlan::memory_pages() const {
  if (memory.value == 0)
    return 0;
  return memory.value / 65536;  // make_run_plan refuses less than a page
}

sandbox::Rlimits RunPlan::rlimits() const {
  sandbox::Rlimits limits;
  // RLIMIT_CPU counts whole seconds: round up, so a limit is never cut.
  limits.cpu_seconds = (cpu_time.value + 999) / 1000;
  // The WASI layer enforces open-files exactly (EMFILE and a warning); the
  // kernel's limit is the backstop should the interpreter be subverted. The
  // child holds a few more descriptors than the guest sees (its own copies
  // of stdio, the broker socket, one in flight from the broker).
  if (open_files.value != 0)
    limits.open_files = open_files.value + kChildOwnDescriptors;
  return limits;
}

Result<RunPlan, PlanError> make_run_plan(
    const policy::Policy& policy,
    const RunOptions& options,
    const std::vector<std::string>& caller_env) {
  RunPlan plan;
  auto groups = plan_groups(policy);
  if (!groups)
    return Unexpected(groups.error());
  plan.disabled_groups = std::move(*groups);
  auto grants = plan_grants(policy, plan.grant_origins);
  if (!grants)
    return Unexpected(grants.error());
  plan.grants = std::move(*grants);
  auto args = plan_args(policy, options);
  if (!args)
    return Unexpected(args.error());
  plan.args = std::move(*args);
  plan.env = plan_env(policy.env, caller_env);
  plan.listen = policy.listen;
  plan_limits(policy, plan);
  if (options.kind == CommandKind::kExec && plan.processes.value == 0) {
    plan.processes.value = sandbox::kDefaultExecProcesses;
    plan.processes.described = "processes limit of " +
                               std::to_string(plan.processes.value) +
                               " processes (capbox exec's default)";
  }
  // stdio, then one descriptor per grant and per listening socket.
  const uint64_t at_start = 3 + plan.grants.size() + plan.listen.size();
  if (plan.open_files.value != 0 && plan.open_files.value <= at_start)
    return Unexpected(usage(
        "the " + plan.open_files.described + " leaves no room beside the " +
        std::to_string(at_start) +
        " descriptors the guest starts with (stdio, grants, sockets); give "
        "at least " +
        std::to_string(at_start + 1)));
  if (plan.memory.value != 0 && plan.memory.value < 65536)
    return Unexpected(usage("the " + plan.memory.described +
                            " is below one 64KiB wasm page; give at least "
                            "64KiB"));
  return plan;
}

}  // namespace capbox::cli
