// SPDX-License-Identifier: Apache-2.0
#include "cli/guest_run.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <iostream>
#include <string>

#include "cli/exit_codes.h"
#include "cli/guest_notes.h"
#include "cli/values.h"
#include "sandbox/broker_host.h"
#include "wasi/grant_rights.h"
#include "wasi/link.h"
#include "wasi/trace.h"

namespace capbox::cli {
namespace {

using engine::Extern;
using engine::ExternKind;
using engine::FuncInst;
using engine::Store;
using engine::Value;

// A failure with its exit status and, when a limit explains it, the way
// to raise that limit.
struct Failure {
  Failure(int status_,
          std::string message_,
          std::string help_,
          std::string reason_ = "EX_DATAERR",
          int guest_code_ = 0)
      : status(status_),
        message(std::move(message_)),
        help(std::move(help_)),
        reason(std::move(reason_)),
        guest_code(guest_code_) {}

  int status = kExitCannotStart;
  std::string message;  // empty: exit silently with `status`
  std::string help;
  std::string reason;  // for --report (run_report.h)
  int guest_code = 0;  // proc_exit's value when it is outside [0, 126)
};

int report(const Failure& failure) {
  if (!failure.message.empty())
    std::cerr << "capbox: error: " << failure.message << "\n";
  if (!failure.help.empty())
    std::cerr << "   = help: " << failure.help << "\n";
  return failure.status;
}

// The backtrace lines under a trap message, innermost first.
std::string backtrace_text(const std::string& path, const engine::Trap& trap) {
  if (trap.backtrace.empty())
    return "";
  std::string text = "\n  wasm backtrace:";
  for (size_t i = 0; i < trap.backtrace.size(); ++i) {
    const engine::TraceFrame& frame = trap.backtrace[i];
    char line[64];
    std::snprintf(line, sizeof line, "\n    %zu: 0x%x ", i, frame.offset);
    text += line;
    text += path + "!" +
            (frame.function_name.empty()
                 ? "<function " + std::to_string(frame.function) + ">"
                 : frame.function_name);
  }
  if (trap.omitted_frames > 0)
    text += "\n    ... " + std::to_string(trap.omitted_frames) + " more frames";
  return text;
}

Failure exited(const std::string& path, const engine::Trap& trap) {
  // A guest that raised a terminating signal ends as a native program
  // killed by it would: 128 + N, with the WASI layer's explanation.
  if (!trap.message.empty())
    return {trap.exit_code, path + ": " + trap.message, "",
            signal_reason(trap.exit_code - 128)};
  // proc_exit: the guest's status passes through, as in wasmtime.
  if (trap.exit_code >= 0 && trap.exit_code < 126)
    return {trap.exit_code, "", "", "exit"};
  return {kExitGuestStatusOutOfRange,
          path + " exited with status " + std::to_string(trap.exit_code) +
              ", outside [0..126) (reported as 1, as wasmtime does)",
          "", "exit", trap.exit_code};
}

// The WASI layer's limit traps say "<limit described> reached".
const PlannedLimit* limit_named_by(const RunPlan& plan,
                                   const engine::Trap& trap) {
  for (const PlannedLimit* limit : {&plan.output, &plan.file_output}) {
    if (limit->value != 0 && !limit->described.empty() &&
        trap.message.find(limit->described) != std::string::npos)
      return limit;
  }
  return nullptr;
}

Failure trapped(const GuestJob& job, const engine::Trap& trap) {
  const std::string& path = job.options.module_path;
  if (trap.kind == engine::TrapKind::Exit)
    return exited(path, trap);
  const std::string backtrace = backtrace_text(path, trap);
  if (trap.kind == engine::TrapKind::OutOfFuel)
    return {kExitTrap,
            path + " trapped: all fuel consumed: " + job.plan.fuel.described +
                backtrace,
            job.plan.fuel.help, trap_reason(trap)};
  if (const PlannedLimit* limit = limit_named_by(job.plan, trap))
    return {kExitTrap, path + " was stopped: " + trap.message + backtrace,
            limit->help,
            limit == &job.plan.output ? "limit:output" : "limit:file_output"};
  return {kExitTrap, path + " trapped: " + trap.describe() + backtrace, "",
          trap_reason(trap)};
}

FuncInst* find_function(Store& store,
                        const engine::Instance* instance,
                        std::string_view name) {
  std::optional<Extern> found = store.find_export(instance, name);
  if (!found || found->kind != ExternKind::Func)
    return nullptr;
  return found->func;
}

// The names of the exported functions, for "does not export" messages.
std::string exported_functions(const engine::Module& module) {
  std::string names;
  for (const engine::Export& e : module.exports) {
    if (e.kind != ExternKind::Func)
      continue;
    names += names.empty() ? "" : ", ";
    names += e.name;
  }
  return names.empty() ? "none" : names;
}

Result<std::vector<Value>, Failure> parse_args(
    const engine::FuncType& type,
    const std::string& func_name,
    const std::vector<std::string>& words) {
  if (words.size() != type.params.size()) {
    return Unexpected(
        Failure{kExitUsage,
                func_name + " has type " + describe_type(type) + " and takes " +
                    std::to_string(type.params.size()) +
                    (type.params.size() == 1 ? " argument" : " arguments") +
                    ", but " + std::to_string(words.size()) +
                    (words.size() == 1 ? " was given" : " were given"),
                ""});
  }
  std::vector<Value> args;
  for (size_t i = 0; i < words.size(); ++i) {
    auto value = parse_value(type.params[i], words[i]);
    if (!value) {
      return Unexpected(Failure{kExitUsage,
                                "argument " + std::to_string(i + 1) + " of " +
                                    func_name + ": " + value.error(),
                                ""});
    }
    args.push_back(*value);
  }
  return args;
}

wasi::ContextLimit context_limit(const PlannedLimit& limit) {
  return wasi::ContextLimit{limit.value, limit.described};
}

// The grant a guest path lies under: the longest guest name that is the
// path or a directory above it.
const sandbox::Grant* grant_of(const RunPlan& plan, std::string_view path) {
  const sandbox::Grant* best = nullptr;
  for (const sandbox::Grant& grant : plan.grants) {
    const std::string name = policy::guest_key(grant.guest_name);
    const bool under =
        path == name || (path.starts_with(name) &&
                         (name.ends_with('/') || path[name.size()] == '/'));
    if (under && (best == nullptr ||
                  name.size() > policy::guest_key(best->guest_name).size()))
      best = &grant;
  }
  return best;
}

// The rights words (wasi/grant_rights.h) that would give any of
// `missing`, comma-separated; "" when no word does.
std::string words_for(uint64_t missing) {
  static constexpr std::pair<const char*, uint64_t> kWords[] = {
      {"read", wasi::kGrantRead},       {"write", wasi::kGrantWrite},
      {"create", wasi::kGrantCreate},   {"delete", wasi::kGrantDelete},
      {"rename", wasi::kGrantRename},   {"metadata", wasi::kGrantMetadata}};
  std::string words;
  for (const auto& [word, bits] : kWords) {
    if ((missing & bits & ~wasi::right::kPathOpen) != 0)
      words += (words.empty() ? "" : ",") + std::string(word);
  }
  return words;
}

// Rights refusals become the same "capbox: denied ..." lines the broker
// prints, once per rule, naming the grant to widen. A refusal of rights
// the grant has (the guest narrowed its own descriptor) names no rule and
// is not reported.
std::function<void(const wasi::RightsDenial&)> denial_reporter(
    const RunPlan& plan) {
  auto print = sandbox::print_denials_once(STDERR_FILENO);
  return [&plan, print](const wasi::RightsDenial& denial) {
    const sandbox::Grant* grant = grant_of(plan, denial.guest_path);
    if (grant == nullptr)
      return;
    const std::string missing =
        words_for(denial.missing & ~grant->rights.bits);
    if (missing.empty())
      return;
    print(sandbox::Denial{std::string(denial.function), denial.guest_path,
                          missing, grant->source});
  };
}

// --trace: what the grant of a refused call lacks and where its rights
// were set, for the end of the call's trace line.
std::optional<wasi::TraceDenialReason> trace_reason(
    const RunPlan& plan,
    const wasi::RightsDenial& denial) {
  const sandbox::Grant* grant = grant_of(plan, denial.guest_path);
  if (grant == nullptr)
    return std::nullopt;
  const std::string missing = words_for(denial.missing & ~grant->rights.bits);
  if (missing.empty())
    return std::nullopt;
  const auto index = static_cast<size_t>(grant - plan.grants.data());
  const GrantOrigin* origin = index < plan.grant_origins.size()
                                  ? &plan.grant_origins[index]
                                  : nullptr;
  if (origin != nullptr && !origin->rights_at.empty())
    return wasi::TraceDenialReason{missing, origin->rights_at};
  return wasi::TraceDenialReason{missing, grant->source};
}

// --trace: "capbox[PID] LINE\n" in one write(2), so that lines stay whole
// beside the guest's own stderr. PID is capbox's (the supervisor's), the
// process the user started. Not counted as the guest's output.
std::function<void(std::string_view)> trace_writer(int fd, int pid) {
  const std::string prefix = "capbox[" + std::to_string(pid) + "] ";
  return [fd, prefix](std::string_view line) {
    std::string text = prefix;
    text.append(line);
    text += '\n';
    size_t done = 0;
    while (done < text.size()) {
      const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return;  // a trace that cannot be written must not end the run
      done += static_cast<size_t>(n);
    }
  };
}

wasi::ContextOptions context_options(const GuestJob& job) {
  const RunPlan& plan = job.plan;
  wasi::ContextOptions options;
  if (job.options.trace_groups != 0) {
    options.trace_groups = job.options.trace_groups;
    options.trace_sink = trace_writer(job.trace_fd, job.trace_pid);
  }
  options.args = plan.args;
  options.env = plan.env;
  options.open_files = context_limit(plan.open_files);
  options.output = context_limit(plan.output);
  options.file_output = context_limit(plan.file_output);
  if (job.print_denials)
    options.on_denied = denial_reporter(plan);
  if (job.notes != nullptr)
    options.on_rights_checked = job.notes->hook();
  wasi::trace_denial_reasons(options, [&plan](const wasi::RightsDenial& d) {
    return trace_reason(plan, d);
  });
  options.notice = [](std::string_view line) {
    std::cerr << "capbox: warning: " << line << "\n";
  };
  return options;
}

Failure instantiate_failure(const GuestJob& job,
                            const engine::InstantiateError& error) {
  const std::string& path = job.options.module_path;
  if (error.kind == engine::InstantiateError::Kind::Trapped &&
      error.trap.kind != engine::TrapKind::HostError)
    return trapped(job, error.trap);
  std::string message = error.kind == engine::InstantiateError::Kind::Trapped
                            ? error.trap.message
                            : error.message;
  if (message.find("memory") != std::string::npos && job.plan.memory.value != 0)
    return {kExitTrap, path + ": " + message + ": " + job.plan.memory.described,
            job.plan.memory.help, "limit:memory"};
  return {kExitCannotStart, path + ": " + message, ""};
}

Failure unknown_import(const GuestJob& job, const engine::Import& import) {
  const std::string what = job.options.module_path + " imports " +
                           import.module + "::" + import.name;
  if (import.module == wasi::kPreview1Module ||
      import.module == wasi::kUnstableModule) {
    auto off = job.plan.disabled_groups.find(
        std::string(wasi::wasi_group_of(import.name)));
    if (off != job.plan.disabled_groups.end())
      return {kExitCannotStart,
              what + ", which the policy turns off (" + off->second + ")",
              "allow it in the policy's [wasi] table, or give the guest a "
              "build that does not need it"};
  }
  return {kExitCannotStart, what + ", which capbox does not provide", ""};
}

// Instantiates, runs _initialize if exported, then calls the target and
// prints its results. Returns the exit status.
Result<int, Failure> run_instance(GuestJob& job,
                                  Store& store,
                                  const engine::Imports& imports,
                                  engine::Instance*& made) {
  const std::string& path = job.options.module_path;
  const engine::Module& module = engine::module_of(*job.module);
  for (const engine::Import& import : module.imports) {
    if (!imports.find(import.module, import.name))
      return Unexpected(unknown_import(job, import));
  }
  auto instance = store.instantiate(job.module, imports);
  if (!instance)
    return Unexpected(instantiate_failure(job, instance.error()));
  made = *instance;
  // As wasmtime: a WASI reactor's constructors run before any export.
  if (FuncInst* init = find_function(store, *instance, "_initialize");
      init != nullptr && Store::type_of(init).params.empty()) {
    if (auto r = store.call(init, {}); !r)
      return Unexpected(trapped(job, r.error()));
  }
  const std::string name = job.options.invoke.value_or("_start");
  FuncInst* func = find_function(store, *instance, name);
  if (func == nullptr) {
    std::string message =
        path + " does not export a function named '" + name + "'";
    if (!job.options.invoke)
      message += "; name one with --invoke FUNC";
    return Unexpected(Failure{
        kExitCannotStart,
        message + " (exported: " + exported_functions(module) + ")", ""});
  }
  // With --invoke the words are the function's arguments; otherwise they
  // are the command's argv, already in the WASI context.
  std::vector<Value> args;
  if (job.options.invoke) {
    auto parsed =
        parse_args(Store::type_of(func), name, job.options.module_args);
    if (!parsed)
      return Unexpected(parsed.error());
    args = std::move(*parsed);
  }
  auto results = store.call(func, args);
  if (!results)
    return Unexpected(trapped(job, results.error()));
  for (const Value& v : *results)
    std::cout << format_value(v) << "\n";
  std::cout.flush();
  return kExitOk;
}

// The usage note: what the run used of each limit and how it ended, as
// only the child knows them.
void send_usage(const GuestJob& job,
                const Store& store,
                const engine::Instance* instance,
                const wasi::Context& context,
                const Result<int, Failure>& status) {
  broker::NoteUsage usage;
  if (auto memory = store.find_export(instance, "memory");
      memory && memory->kind == ExternKind::Memory)
    usage.memory_peak = Store::memory_pages(memory->memory) * 65536;
  usage.fuel_used = store.fuel_consumed();
  usage.output_used = context.output_used();
  usage.file_output_used = context.file_output_used();
  usage.open_files_peak = context.fds_peak();
  std::string reason = "exit";
  if (status) {
    usage.exited = true;
  } else {
    reason = status.error().reason;
    if (status.error().status == kExitUsage && reason == "EX_DATAERR")
      reason = "EX_USAGE";
    usage.exited = reason == "exit";
  }
  usage.exit_code =
      static_cast<uint32_t>(status ? *status : status.error().status);
  if (!status && status.error().status == kExitGuestStatusOutOfRange)
    usage.exit_code = static_cast<uint32_t>(status.error().guest_code);
  job.notes->usage(usage, reason);
}

}  // namespace

int run_guest(GuestJob job, wasi::FsAuthority& fs) {
  wasi::Context context(context_options(job), fs, std::move(job.preopens),
                        std::move(job.listeners));
  Store store;
  engine::StoreLimits limits;
  limits.max_memory_pages = job.plan.memory_pages();
  limits.fuel = job.plan.fuel.value;
  store.set_limits(limits);
  engine::Imports imports;
  wasi::LinkOptions link_options;
  for (const auto& [group, where] : job.plan.disabled_groups)
    link_options.disabled_groups.insert(group);
  wasi::link_wasi(store, imports, context, link_options);
  engine::Instance* instance = nullptr;
  auto status = run_instance(job, store, imports, instance);
  if (const uint64_t refused = store.memory_grows_refused_by_limit()) {
    std::cerr << "capbox: warning: " << job.options.module_path
              << ": memory.grow was refused " << refused
              << (refused == 1 ? " time" : " times") << " by the "
              << job.plan.memory.described << "\n"
              << "   = help: " << job.plan.memory.help << "\n";
  }
  if (job.notes != nullptr)
    send_usage(job, store, instance, context, status);
  return status ? *status : report(status.error());
}

}  // namespace capbox::cli
