// SPDX-License-Identifier: Apache-2.0
// `capbox run`: read the module, load it, give it WASI preview1 (and
// wasi_unstable) over the --dir preopens, call `_initialize` when exported
// (a WASI reactor), then the --invoke function or `_start`. Every failure is one
// `capbox: error:` line and an exit status from cli/exit_codes.h. Uses only
// engine/engine.h of the engine.
#include "cli/run_command.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <iostream>
#include <vector>

#include "cli/exit_codes.h"
#include "cli/run_options.h"
#include "cli/values.h"
#include "cli/wasi_setup.h"
#include "engine/engine.h"
#include "wasi/context.h"
#include "wasi/direct_fs.h"
#include "wasi/link.h"

extern char** environ;

namespace capbox::cli {
namespace {

using engine::Extern;
using engine::ExternKind;
using engine::FuncInst;
using engine::Store;
using engine::Value;

int fail(int status, const std::string& message) {
  std::cerr << "capbox: error: " << message << "\n";
  return status;
}

// A failure with its exit status, so helpers can return it up the stack.
struct Failure {
  int status = kExitCannotStart;
  std::string message;
};

Failure failure(int status, std::string message) {
  return Failure{status, std::move(message)};
}

// Reads the whole file. Not found (ENOENT, ENOTDIR) is 127; anything else
// that stops the read (EACCES, a directory, an I/O error) is 126, as in
// shells, since the path names something that exists but cannot be used.
Result<std::vector<uint8_t>, Failure> read_module(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT || errno == ENOTDIR)
      return Unexpected(failure(
          kExitNotFound, "module not found: " + path + " (no such file)"));
    return Unexpected(
        failure(kExitCannotStart,
                "cannot read module " + path + ": " + std::strerror(errno)));
  }
  struct stat st {};
  if (::fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
    ::close(fd);
    return Unexpected(failure(
        kExitCannotStart, "cannot read module " + path + ": is a directory"));
  }
  std::vector<uint8_t> bytes;
  uint8_t chunk[65536];
  for (;;) {
    const ssize_t n = ::read(fd, chunk, sizeof chunk);
    if (n == 0)
      break;
    if (n < 0) {
      if (errno == EINTR)
        continue;
      const std::string reason = std::strerror(errno);
      ::close(fd);
      return Unexpected(failure(kExitCannotStart,
                                "cannot read module " + path + ": " + reason));
    }
    bytes.insert(bytes.end(), chunk, chunk + n);
  }
  ::close(fd);
  return bytes;
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
    text += "\n    ... " + std::to_string(trap.omitted_frames) +
            " more frames";
  return text;
}

Failure trapped(const std::string& path, const engine::Trap& trap) {
  if (trap.kind == engine::TrapKind::Exit) {
    // A guest that raised a terminating signal ends as a native program
    // killed by it would: 128 + N, with the WASI layer's explanation.
    if (!trap.message.empty())
      return failure(trap.exit_code, path + ": " + trap.message);
    // proc_exit: the guest's status passes through, as in wasmtime.
    if (trap.exit_code >= 0 && trap.exit_code < 126)
      return Failure{trap.exit_code, ""};
    return failure(kExitGuestStatusOutOfRange,
                   path + " exited with status " +
                       std::to_string(trap.exit_code) +
                       ", outside [0..126) (reported as 1, as wasmtime does)");
  }
  return failure(kExitTrap, path + " trapped: " + trap.describe() +
                                backtrace_text(path, trap));
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
    return Unexpected(failure(
        kExitUsage, func_name + " has type " + describe_type(type) +
                        " and takes " + std::to_string(type.params.size()) +
                        " argument(s), but " + std::to_string(words.size()) +
                        " were given"));
  }
  std::vector<Value> args;
  for (size_t i = 0; i < words.size(); ++i) {
    auto value = parse_value(type.params[i], words[i]);
    if (!value) {
      return Unexpected(
          failure(kExitUsage, "argument " + std::to_string(i + 1) + " of " +
                                  func_name + ": " + value.error()));
    }
    args.push_back(*value);
  }
  return args;
}

std::vector<std::string> caller_environment() {
  std::vector<std::string> env;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry)
    env.emplace_back(*entry);
  return env;
}

// Instantiates, runs _initialize if exported, then calls the target and
// prints its results. Returns the exit status.
Result<int, Failure> run_module(const RunOptions& options) {
  const std::string& path = options.module_path;
  auto bytes = read_module(path);
  if (!bytes)
    return Unexpected(bytes.error());
  auto compiled = engine::load_module(*bytes);
  if (!compiled)
    return Unexpected(
        failure(kExitCannotStart, path + ": " + compiled.error().describe()));
  const engine::Module& module = engine::module_of(**compiled);
  wasi::DirectFs fs;
  auto setup = prepare_wasi(options, fs, caller_environment());
  if (!setup)
    return Unexpected(failure(kExitUsage, setup.error()));
  // A write to a closed pipe is the guest's error (Errno::Pipe), not a
  // signal that kills capbox before it can report anything.
  ::signal(SIGPIPE, SIG_IGN);
  wasi::Context context(std::move(setup->options), fs,
                        std::move(setup->preopens),
                        std::move(setup->listeners));
  Store store;
  engine::Imports imports;
  wasi::link_wasi(store, imports, context);
  for (const engine::Import& import : module.imports) {
    if (!imports.find(import.module, import.name)) {
      return Unexpected(failure(
          kExitCannotStart, path + " imports " + import.module +
                                "::" + import.name +
                                ", which capbox does not provide"));
    }
  }
  auto instance = store.instantiate(*compiled, imports);
  if (!instance) {
    const engine::InstantiateError& e = instance.error();
    if (e.kind == engine::InstantiateError::Kind::Trapped)
      return Unexpected(trapped(path, e.trap));
    return Unexpected(failure(kExitCannotStart, path + ": " + e.message));
  }
  // As wasmtime: a WASI reactor's constructors run before any export.
  if (FuncInst* init = find_function(store, *instance, "_initialize");
      init != nullptr && Store::type_of(init).params.empty()) {
    if (auto r = store.call(init, {}); !r)
      return Unexpected(trapped(path, r.error()));
  }
  const std::string name = options.invoke.value_or("_start");
  FuncInst* func = find_function(store, *instance, name);
  if (func == nullptr) {
    std::string message =
        path + " does not export a function named '" + name + "'";
    if (!options.invoke)
      message += "; name one with --invoke FUNC";
    return Unexpected(
        failure(kExitCannotStart,
                message + " (exported: " + exported_functions(module) + ")"));
  }
  // With --invoke the words are the function's arguments; otherwise they
  // are the command's argv, already in the WASI context.
  std::vector<Value> args;
  if (options.invoke) {
    auto parsed = parse_args(Store::type_of(func), name, options.module_args);
    if (!parsed)
      return Unexpected(parsed.error());
    args = std::move(*parsed);
  }
  auto results = store.call(func, args);
  if (!results)
    return Unexpected(trapped(path, results.error()));
  for (const Value& v : *results)
    std::cout << format_value(v) << "\n";
  std::cout.flush();
  return kExitOk;
}

}  // namespace

int run_command(std::span<const std::string> args) {
  auto options = parse_run_options(args);
  if (!options)
    return fail(kExitUsage, options.error());
  if (options->help) {
    print_run_help(std::cout);
    return kExitOk;
  }
  auto status = run_module(*options);
  if (!status) {
    if (status.error().message.empty())
      return status.error().status;
    return fail(status.error().status, status.error().message);
  }
  return *status;
}

void print_run_help(std::ostream& out) {
  out << "Usage: capbox run [OPTIONS] [--] MODULE.wasm [ARGS...]\n"
         "\n"
         "Run the WASI command MODULE.wasm with ARGS: it sees only the\n"
         "directories given with --dir, the environment given with --env\n"
         "or -S inherit-env, and stdin, stdout and stderr. A reactor's\n"
         "_initialize runs first; --invoke FUNC calls FUNC instead of\n"
         "_start and prints its results, one per line. Options go before\n"
         "the module; every word after it belongs to the module.\n"
         "\n";
  print_run_options(out);
  out << "\n"
         "Exit status: the guest's own (proc_exit with 0..125; 126 and above\n"
         "are reported and give 1), or 125 bad usage or a --dir that cannot\n"
         "be opened, 126 the module cannot be started (unreadable, invalid,\n"
         "an import capbox does not provide, no such export), 127 module not\n"
         "found, 134 the guest trapped, 128+N the guest raised signal N.\n";
}

}  // namespace capbox::cli
