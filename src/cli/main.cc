// SPDX-License-Identifier: Apache-2.0
// capbox's entry point: picks the subcommand and answers --help/--version.
// A subcommand is required (a default one makes typos look like missing
// files, wasmtime#9586); an unknown one gets the nearest valid one. Must
// not depend on engine internals: subcommands use engine/engine.h.
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "cli/diagnostics.h"
#include "cli/exec_command.h"
#include "cli/exit_codes.h"
#include "cli/inspect_command.h"
#include "cli/policy_command.h"
#include "cli/run_command.h"
#include "cli/suggest.h"

#ifndef CAPBOX_VERSION
#define CAPBOX_VERSION "unknown"
#endif
#ifndef CAPBOX_BUILDTYPE
#define CAPBOX_BUILDTYPE "unknown"
#endif

namespace capbox::cli {
namespace {

// Subcommands that exist, and those the design plans but no issue has
// built yet (named so the answer is "not yet", not "did you mean").
const std::vector<std::string> kSubcommands = {"run",     "exec", "policy",
                                               "inspect", "help", "version"};
const std::vector<std::string> kPlanned = {};

std::string compiler() {
#if defined(__clang__)
  return "clang " + std::to_string(__clang_major__) + "." +
         std::to_string(__clang_minor__) + "." +
         std::to_string(__clang_patchlevel__);
#elif defined(__GNUC__)
  return std::string("g++ ") + __VERSION__;
#else
  return "unknown compiler";
#endif
}

bool built_with_asan() {
#if defined(__SANITIZE_ADDRESS__)
  return true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
  return true;
#else
  return false;
#endif
#else
  return false;
#endif
}

void print_version() {
  // One line; bench/run_bench.py reads the compiler and build type from it.
  std::cout << "capbox " CAPBOX_VERSION " (" << compiler()
            << ", buildtype " CAPBOX_BUILDTYPE
            << (built_with_asan() ? ", asan" : "") << ")\n";
}

void print_help(std::ostream& out) {
  out << "capbox " CAPBOX_VERSION
         ": a capability-oriented sandbox for untrusted WebAssembly\n"
         "\n"
         "Usage:\n"
         "  capbox run [OPTIONS] [--] MODULE.wasm [ARGS...]\n"
         "  capbox exec [OPTIONS] [--] PROGRAM [ARGS...]\n"
         "  capbox policy check NAME|FILE...\n"
         "  capbox policy show NAME|FILE\n"
         "  capbox policy learn [-o FILE] [--dir ...] -- MODULE|PROGRAM\n"
         "  capbox policy explain NAME|FILE --log AUDIT.jsonl\n"
         "  capbox inspect [OPTIONS] MODULE.wasm\n"
         "  capbox help [SUBCOMMAND]\n"
         "  capbox --version\n"
         "\n"
         "Subcommands:\n"
         "  run       run a WASI command module (preview1 or wasi_unstable)\n"
         "            with only the directories and environment you give it;\n"
         "            --invoke FUNC calls one export instead\n"
         "  exec      run a native program confined the same way: only the\n"
         "            granted directories, no sockets, no other programs\n"
         "  policy    check policy files, show the effective one, learn\n"
         "            one from a run, or explain a denial as a patch\n"
         "  inspect   show a module's imports, exports, WASI groups and the\n"
         "            policy sections that matter to it\n"
         "  help      print this help, or a subcommand's\n"
         "\n"
         "Run 'capbox run --help' or 'capbox exec --help' for their options\n"
         "and exit statuses.\n"
         "\n"
         "Before the subcommand:\n"
         "  --color=WHEN  colour capbox's own messages: auto (on a terminal,\n"
         "                unless NO_COLOR is set), always or never\n";
}

int usage_error(const std::string& message) {
  std::cerr << "capbox: error: " << message << "\n";
  return kExitUsage;
}

int unknown_subcommand(const std::string& word) {
  for (const std::string& planned : kPlanned) {
    if (word == planned)
      return usage_error("'" + word +
                         "' is not implemented yet; see 'capbox --help'");
  }
  std::error_code ec;
  if (word.ends_with(".wasm") || std::filesystem::is_regular_file(word, ec))
    return usage_error("'" + word + "' is not a subcommand; did you mean " +
                       "'capbox run " + word + "'?");
  std::vector<std::string> all = kSubcommands;
  all.insert(all.end(), kPlanned.begin(), kPlanned.end());
  if (auto near = nearest(word, all))
    return usage_error("'" + word + "' is not a subcommand; did you mean '" +
                       *near + "'?");
  return usage_error("'" + word + "' is not a subcommand; see 'capbox --help'");
}

int dispatch(const std::vector<std::string>& args) {
  if (args.empty()) {
    print_help(std::cerr);
    return kExitUsage;
  }
  const std::string& first = args[0];
  const std::span<const std::string> rest(args.begin() + 1, args.end());
  if (first == "run")
    return run_command(rest);
  if (first == "exec")
    return exec_command(rest);
  if (first == "policy")
    return policy_command(rest);
  if (first == "inspect")
    return inspect_command(rest);
  if (first == "--version" || first == "-V" || first == "version") {
    print_version();
    return kExitOk;
  }
  if (first == "--help" || first == "-h" || first == "help") {
    if (!rest.empty() && rest[0] == "run")
      print_run_help(std::cout);
    else if (!rest.empty() && rest[0] == "exec")
      print_exec_help(std::cout);
    else if (!rest.empty() && rest[0] == "policy")
      print_policy_help(std::cout);
    else if (!rest.empty() && rest[0] == "inspect")
      print_inspect_help(std::cout);
    else if (!rest.empty())
      return unknown_subcommand(rest[0]);
    else
      print_help(std::cout);
    return kExitOk;
  }
  if (first.starts_with("-")) {
    std::string message = "unknown option '" + first + "'";
    const std::vector<std::string> known = {"--help", "--version", "--color"};
    if (auto near = nearest(first.substr(0, first.find('=')), known))
      message += "; did you mean '" + *near + "'?";
    else
      message += "; options of 'run' go after it: capbox run [OPTIONS] MODULE";
    return usage_error(message);
  }
  return unknown_subcommand(first);
}

// `--color=WHEN` before the subcommand (`capbox --color=never run ...`)
// decides for everything after it; without it, colour only on a terminal.
int main_with_color(std::vector<std::string> args) {
  ColorMode mode = ColorMode::kAuto;
  while (!args.empty() && args[0].starts_with("--color")) {
    std::string value;
    if (args[0].starts_with("--color=")) {
      value = args[0].substr(8);
      args.erase(args.begin());
    } else if (args[0] == "--color" && args.size() > 1) {
      value = args[1];
      args.erase(args.begin(), args.begin() + 2);
    } else {
      break;  // a bare --color at the end: the unknown-option answer
    }
    auto parsed = parse_color_mode(value);
    if (!parsed)
      return usage_error("--color takes auto, always or never, not '" + value +
                         "'");
    mode = *parsed;
  }
  set_stderr_color(color_wanted(mode, 2));
  return dispatch(args);
}

}  // namespace
}  // namespace capbox::cli

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  return capbox::cli::main_with_color(args);
}
