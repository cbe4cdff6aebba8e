// SPDX-License-Identifier: Apache-2.0
// The policy subcommands: they read policy files and print; they never run
// a module. show takes run's grant and limit flags (--dir, --env, -S, -W,
// --limit) so an admin can see what a command line would add, or that a locked
// policy refuses it.
#include "cli/policy_command.h"
#include "cli/exit_codes.h"

#include <algorithm>
#include <cstdlib>
#include <iomanip>
#include <iostream>
#include <optional>
#include <sstream>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/policy_explain.h"
#include "cli/policy_learn.h"
#include "cli/policy_lookup.h"
#include "cli/policy_score.h"
#include "cli/suggest.h"
#include "policy/show.h"

namespace capbox::cli {
namespace {

// sysexits.h values, named here so the file needs no BSD header.

int usage(const std::string& message) {
  std::cerr << "capbox: error: " << message
            << "\n   = help: see 'capbox policy --help'\n";
  return kExUsage;
}

std::vector<std::string> search_dirs() {
  return policy_search_dirs(std::getenv("XDG_CONFIG_HOME"),
                            std::getenv("HOME"));
}

// Prints the errors; the status they call for (missing beats nothing,
// invalid beats missing).
int report(const policy::Errors& errors) {
  int status = kExNoInput;
  for (const policy::Error& error : errors) {
    std::cerr << policy::format_error(error);
    if (!error.not_found)
      status = kExConfig;
  }
  return status;
}

struct CheckOptions {
  std::vector<std::string> names;
  bool score = false;
  std::optional<double> threshold;
  std::vector<std::string> accepted;  // --accept IDs
  bool json = false;
};

Result<CheckOptions, std::string> parse_check_options(
    std::span<const std::string> args) {
  CheckOptions options;
  const std::vector<std::string> known = {"--score", "--threshold", "--accept",
                                          "--format"};
  for (size_t i = 0; i < args.size(); ++i) {
    std::string word = args[i], value;
    if (!word.starts_with("-")) {
      options.names.push_back(word);
      continue;
    }
    const size_t eq = word.find('=');
    if (word.starts_with("--") && eq != std::string::npos) {
      value = word.substr(eq + 1);
      word = word.substr(0, eq);
    } else if (word != "--score" && i + 1 < args.size()) {
      value = args[++i];
    }
    if (std::find(known.begin(), known.end(), word) == known.end()) {
      auto near = nearest(word, known);
      return Unexpected("unknown option '" + word + "' for 'policy check'" +
                        (near ? "; did you mean '" + *near + "'?" : ""));
    }
    if (word == "--score") {
      options.score = true;
      continue;
    }
    if (value.empty())
      return Unexpected(word + " needs a value");
    if (word == "--threshold") {
      char* end = nullptr;
      const double number = std::strtod(value.c_str(), &end);
      if (end == value.c_str() || *end != '\0' || !(number >= 0) || number > 10)
        return Unexpected("--threshold takes a number from 0 to 10, not '" +
                          value + "'");
      options.threshold = number;
    } else if (word == "--format") {
      if (value != "text" && value != "json")
        return Unexpected("--format is text or json, not '" + value + "'");
      options.json = value == "json";
    } else {
      const std::vector<std::string> ids = score_check_ids();
      for (size_t start = 0; start <= value.size();) {
        const size_t comma = std::min(value.find(',', start), value.size());
        const std::string id = value.substr(start, comma - start);
        if (std::find(ids.begin(), ids.end(), id) == ids.end()) {
          auto near = nearest(id, ids);
          return Unexpected("--accept: no check is called '" + id + "'" +
                            (near ? "; did you mean '" + *near + "'?"
                                  : "; see 'capbox policy --help'"));
        }
        options.accepted.push_back(id);
        start = comma + 1;
      }
    }
  }
  if (options.names.empty())
    return Unexpected(
        std::string("'policy check' needs at least one NAME or FILE"));
  if (!options.score &&
      (options.threshold || options.json || !options.accepted.empty()))
    return Unexpected(
        std::string("--threshold, --accept and --format go with --score"));
  return options;
}

std::string number_text(double value) {
  std::ostringstream out;
  out << std::fixed << std::setprecision(2) << value;
  return out.str();
}

void print_score(const std::string& name,
                 const Score& score,
                 const CheckOptions& options) {
  for (const Finding& f : score.findings) {
    const char* mark = !f.exposed ? "\u2713" : f.accepted ? "~" : "\u2717";
    std::cout << "  " << mark << " " << std::left << std::setw(18) << f.id
              << " " << std::right << std::setw(4)
              << (f.exposed ? number_text(f.weight) : "") << "  " << f.detail
              << (f.accepted ? " (accepted)" : "") << "\n";
  }
  std::cout << name << ": exposure " << number_text(score.exposure)
            << " of 10, " << score.level;
  if (options.threshold && score.exposure > *options.threshold)
    std::cout << ", over the threshold of " << number_text(*options.threshold);
  std::cout << "\n";
}

nlohmann::json score_json(const std::string& name,
                          const policy::Policy& policy,
                          const Score& score) {
  nlohmann::json findings = nlohmann::json::array();
  for (const Finding& f : score.findings)
    findings.push_back({{"id", f.id},
                        {"weight", f.weight},
                        {"exposed", f.exposed},
                        {"accepted", f.accepted},
                        {"detail", f.detail}});
  return {{"policy", name},
          {"file", policy.file},
          {"exposure", score.exposure},
          {"level", score.level},
          {"findings", findings}};
}

int check(std::span<const std::string> args) {
  auto options = parse_check_options(args);
  if (!options)
    return usage(options.error());
  const std::vector<std::string> dirs = search_dirs();
  const char* home = std::getenv("HOME");
  int status = 0;
  bool over = false;
  nlohmann::json scores = nlohmann::json::array();
  for (const std::string& name : options->names) {
    auto loaded = load_policy(name, dirs);
    if (!loaded) {
      const int failure = report(loaded.error());
      status = status == kExConfig ? status : failure;
      continue;
    }
    if (!options->json)
      std::cout << name << ": ok\n";
    if (!options->score)
      continue;
    const Score score =
        score_policy(*loaded, options->accepted,
                     home ? std::optional<std::string>(home) : std::nullopt);
    over = over || (options->threshold && score.exposure > *options->threshold);
    if (options->json)
      scores.push_back(score_json(name, *loaded, score));
    else
      print_score(name, score, *options);
  }
  if (options->json)
    std::cout << scores.dump(2) << "\n";
  return status != 0 ? status : over ? kExFindings : 0;
}

// show's options: "--dir X" or "--dir=X", "--env X", "-S X" / "--wasi X",
// "-W X" / "--wasm X", "--limit X".
Result<RunOptions, std::string> parse_show_options(
    std::span<const std::string> args) {
  RunOptions options;
  const std::vector<std::string> known = {"--dir", "--env", "--wasi", "--wasm",
                                          "--limit"};
  for (size_t i = 0; i < args.size(); ++i) {
    std::string word = args[i], value;
    if (!word.starts_with("-") || word == "-") {
      if (!options.module_path.empty())
        return Unexpected(std::string("'policy show' takes one NAME or FILE"));
      options.module_path = word;
      continue;
    }
    const size_t eq = word.find('=');
    if (word.starts_with("--") && eq != std::string::npos) {
      value = word.substr(eq + 1);
      word = word.substr(0, eq);
    } else if (i + 1 < args.size()) {
      value = args[++i];
    }
    if (word == "-S")
      word = "--wasi";
    if (word == "-W")
      word = "--wasm";
    if (std::find(known.begin(), known.end(), word) == known.end()) {
      auto near = nearest(word, known);
      return Unexpected("unknown option '" + word + "'" +
                        (near ? "; did you mean '" + *near + "'?" : ""));
    }
    if (value.empty())
      return Unexpected(word + " needs a value");
    if (word == "--wasm" || word == "--limit") {
      if (auto error = parse_limit_flag(word, value, options); !error.empty())
        return Unexpected(error);
    } else if (word == "--dir")
      options.dirs.push_back(value);
    else if (word == "--env")
      options.envs.push_back(value);
    else if (value == "inherit-env")
      options.inherit_env = true;
    else if (value.starts_with("tcplisten="))
      options.tcplisten.push_back(value.substr(10));
    else
      return Unexpected("-S " + value +
                        ": 'policy show' knows inherit-env and tcplisten=");
  }
  if (options.module_path.empty())
    return Unexpected(std::string("'policy show' needs a NAME or FILE"));
  return options;
}

int show(std::span<const std::string> args) {
  auto options = parse_show_options(args);
  if (!options)
    return usage(options.error());
  auto flags = policy_flags(*options);
  if (!flags)
    return usage(flags.error());
  auto loaded = load_policy(options->module_path, search_dirs());
  if (!loaded)
    return report(loaded.error());
  auto effective = policy::apply_flags(std::move(*loaded), *flags);
  if (!effective)
    return report(effective.error());
  std::cout << policy::to_toml(*effective);
  return 0;
}

}  // namespace

void print_policy_help(std::ostream& out) {
  out << "Usage:\n"
         "  capbox policy check [--score [--threshold=N] [--accept=ID,...]\n"
         "                      [--format=text|json]] NAME|FILE...\n"
         "  capbox policy show [--dir HOST::GUEST::RIGHTS] [--env NAME[=V]]\n"
         "                     [-S inherit-env|tcplisten=ADDR:PORT]\n"
         "                     [-W KEY=VALUE] [--limit KEY=VALUE] NAME|FILE\n"
         "  capbox policy learn [-o FILE] [--dir HOST[::GUEST[::RIGHTS]]]...\n"
         "                      [--env NAME[=V]]... [--] MODULE|PROGRAM "
         "[ARGS...]\n"
         "  capbox policy learn --from-log AUDIT.jsonl [--report REPORT.json]"
         "\n"
         "                      [-o FILE] [--dir ...] MODULE|PROGRAM\n"
         "  capbox policy explain NAME|FILE --log AUDIT.jsonl "
         "[--format=diff|text]\n"
         "  capbox policy explain NAME|FILE --path GUEST_PATH --rights LIST\n"
         "  capbox policy explain NAME|FILE --env NAME\n"
         "\n"
         "check validates each policy (extends included) and prints "
         "'FILE: ok'; with\n"
         "--score, also its exposure from 0 to 10 (as systemd-analyze "
         "security): the\n"
         "weights of the checks it fails, writable-grant, broad-grant,\n"
         "whole-environment, network, unpinned-module, unlocked, "
         "memory-limit,\n"
         "cpu-limit, wall-time-limit, output-limit, file-output-limit,\n"
         "open-files-limit; --accept leaves findings out, --threshold=N "
         "exits 1 when\n"
         "a policy is over N.\n"
         "show prints the effective policy as TOML, each value commented "
         "with\n"
         "the file and line it came from, after extends and the given "
         "flags.\n"
         "learn runs the program once with the given directories (all "
         "rights) and\n"
         "writes the smallest policy that allows that run "
         "(--output/-o FILE, else\n"
         "stdout); learn on a scratch copy of your data.\n"
         "explain turns the denials of an audit log (capbox run --audit) "
         "into a patch\n"
         "of the policy, or says whether --path may be used with --rights.\n"
         "'capbox policy learn --help' and 'capbox policy explain --help' "
         "say more.\n"
         "\n"
         "A FILE contains '/' or ends in .toml. A NAME is looked up as "
         "NAME.toml in\n"
         "$XDG_CONFIG_HOME/capbox/policies (default ~/.config/...), "
         "/etc/capbox/policies,\n"
         "then /usr/share/capbox/policies; never in the working "
         "directory.\n"
         "\n"
         "Exit status: 0 ok, 64 usage error, 66 policy not found, 78 invalid "
         "policy;\n"
         "learn: the program's status when its run failed, 73 -o FILE "
         "cannot be written;\n"
         "explain: 1 a change proposed or denied, 65 malformed log;\n"
         "check --score: 1 a policy over --threshold.\n";
}

int policy_command(std::span<const std::string> args) {
  if (args.empty())
    return usage(
        "'policy' needs a subcommand: check, show, learn or "
        "explain");
  const std::string& verb = args[0];
  const std::span<const std::string> rest = args.subspan(1);
  if (verb == "check")
    return check(rest);
  if (verb == "show")
    return show(rest);
  if (verb == "learn")
    return policy_learn_command(rest);
  if (verb == "explain")
    return policy_explain_command(rest);
  if (verb == "--help" || verb == "-h" || verb == "help") {
    print_policy_help(std::cout);
    return 0;
  }
  const std::vector<std::string> verbs = {"check", "show", "learn", "explain"};
  if (auto near = nearest(verb, verbs))
    return usage("'" + verb + "' is not a policy subcommand; did you mean '" +
                 *near + "'?");
  return usage("'" + verb +
               "' is not a policy subcommand; use check, show, learn or "
               "explain");
}

}  // namespace capbox::cli
