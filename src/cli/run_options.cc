// SPDX-License-Identifier: Apache-2.0
// Splits `run`'s words into capbox options and the guest's words, then
// hands the options to Boost.Program_options. The CLI may use exceptions
// (Boost.PO throws); they never leave this file. Depends on Boost.PO and
// cli/suggest.h and policy/values.h (sizes, durations) only.
#include "cli/run_options.h"

#include <boost/program_options.hpp>

#include <algorithm>
#include <charconv>
#include <tuple>

#include "cli/suggest.h"
#include "policy/values.h"
#include "wasi/trace_groups.h"

namespace po = boost::program_options;

namespace capbox::cli {
namespace {

po::options_description make_options(CommandKind kind) {
  const bool exec = kind == CommandKind::kExec;
  const char* who = exec ? "program" : "guest";
  po::options_description options("Options");
  // clang-format off
  options.add_options()
    ("policy,p", po::value<std::string>()->value_name("NAME|FILE"),
     (std::string("use this policy: a NAME is looked up in "
     "$XDG_CONFIG_HOME/capbox/policies, /etc/capbox/policies and "
     "/usr/share/capbox/policies; a path (with a '/' or ending in .toml) is "
     "read as is (default: the policy named after the ") +
     (exec ? "program" : "module") + ", else stdio only)").c_str())
    ("no-policy", (std::string("ignore policy files: the ") + who +
     " gets only what the flags give").c_str())
    ("dir", po::value<std::vector<std::string>>()->composing()
              ->value_name("HOST[::GUEST[::RIGHTS]]"),
     (std::string("give the ") + who + " the host directory HOST, seen as "
     "GUEST (default: " +
     (exec ? "HOST's canonical path" : "HOST as written") + "), with "
     "RIGHTS: ro, rw, or a comma list of read, write, create, delete, "
     "rename, metadata (default: all)").c_str())
    ("env", po::value<std::vector<std::string>>()->composing()
              ->value_name("NAME[=VALUE]"),
     (std::string("set NAME in the ") + who + "'s environment; NAME alone "
     "passes this process's value (the " + who + " sees passed variables "
     "first, then set ones by name)").c_str());
  options.add_options()
    ("trace", po::value<std::string>()->implicit_value("", "")
                ->value_name("GROUPS"),
     exec ? "write one line per path call the program makes (open, stat, "
            "opendir, rename ...) with its arguments and result to stderr; "
            "GROUPS (default: all): path, fd, or !GROUP to leave one out"
          : "write one line per WASI call with its decoded arguments and "
            "result to stderr, like strace; GROUPS (default: all) is a comma "
            "list of args, env, clock, random, fd, path, poll, proc, sock, "
            "or !GROUP to leave one out")
    ("trace-file", po::value<std::string>()->value_name("FILE"),
     "write the --trace lines to FILE instead (implies --trace)")
    ("audit", po::value<std::string>()->implicit_value("", "")
                ->value_name("FILE"),
     "record every decision on the grants, allowed or denied, as one JSON "
     "line each in FILE (default: $XDG_STATE_HOME/capbox/audit/"
     "NAME-TIME-PID.jsonl, named on stderr at the end)")
    ("report", po::value<std::string>()->value_name("FILE"),
     "write a JSON summary of the run to FILE when it ends, however it "
     "ends: status, reason, limits and what was used of them, denials")
    ("verbose,v", "print the policy files read, the grants, the "
     "environment's names and the limits before the run; -vv also every "
     "decision on the grants as it is made")
    ("quiet,q", "print errors only: no warnings, no denials");
  if (exec) {
    options.add_options()
      ("wasi,S", po::value<std::vector<std::string>>()->composing()
                   ->value_name("inherit-env"),
       "inherit-env: pass this process's whole environment")
      ("limit", po::value<std::vector<std::string>>()->composing()
                  ->value_name("KEY=VALUE"),
       "override a policy limit: memory=SIZE (address space), "
       "cpu-time=DURATION, wall-time=DURATION, open-files=N, "
       "file-output=SIZE (the largest file it may write), processes=N "
       "(alive at once, the program included); SIZE as 64MiB, DURATION as "
       "500ms, 10s, 2m")
      ("argv0", po::value<std::string>()->value_name("NAME"),
       "the program's argv[0] (default: PROGRAM as written)")
      ("help,h", "print this help and exit");
    return options;
  }
  options.add_options()
    ("wasi,S", po::value<std::vector<std::string>>()->composing()
                 ->value_name("KEY[=VALUE][,...]"),
     "WASI options: inherit-env (pass this process's whole environment), "
     "tcplisten=ADDR:PORT (a listening TCP socket the guest can accept "
     "on)")
    ("wasm,W", po::value<std::vector<std::string>>()->composing()
                 ->value_name("KEY=VALUE[,...]"),
     "wasmtime's limits: fuel=N (one unit per call and loop iteration), "
     "max-memory-size=SIZE "
     "(memory.grow fails beyond it), timeout=DURATION (wall time); and its "
     "proposal switches, y or n (default y): simd, tail-call, "
     "extended-const")
    ("limit", po::value<std::vector<std::string>>()->composing()
                ->value_name("KEY=VALUE"),
     "override a policy limit: memory=SIZE, fuel=N, cpu-time=DURATION, "
     "wall-time=DURATION, open-files=N, output=SIZE (stdout and stderr), "
     "file-output=SIZE (bytes written to files); SIZE as 64MiB, "
     "DURATION as 500ms, 10s, 2m")
    ("argv0", po::value<std::string>()->value_name("NAME"),
     "the guest's argv[0] (default: MODULE as written)")
    ("invoke", po::value<std::string>()->value_name("FUNC"),
     "call the exported function FUNC with ARGS (numbers parsed by its "
     "parameter types) and print its results, one per line; without it, "
     "_start is called")
    ("help,h", "print this help and exit");
  // clang-format on
  return options;
}

// Does the option word `word` (e.g. "--invoke", "-h") take the next word as
// its value? Unknown options take none; Boost.PO reports them later.
bool takes_separate_value(const po::options_description& options,
                          const std::string& word) {
  if (word.find('=') != std::string::npos)
    return false;
  const bool is_long = word.rfind("--", 0) == 0;
  if (!is_long && word.size() > 2)
    return false;  // "-xVALUE"
  const std::string key = is_long ? word.substr(2) : word;
  const po::option_description* found = options.find_nothrow(key, false);
  // An optional value (--trace) is only ever attached: --trace=GROUPS.
  return found != nullptr && found->semantic()->min_tokens() > 0;
}

std::string unknown_option_message(const po::options_description& options,
                                   const std::string& name,
                                   CommandKind kind) {
  std::vector<std::string> known;
  for (const auto& option : options.options())
    known.push_back("--" + option->long_name());
  std::string message = "unknown option '" + name + "'";
  if (auto near = nearest(name, known))
    message += "; did you mean '" + *near + "'?";
  else
    message += kind == CommandKind::kExec ? "; see 'capbox exec --help'"
                                          : "; see 'capbox run --help'";
  return message;
}

// Boost.PO's own wording ("the required argument for option '--invoke' is
// missing") names no fix: say what the option takes, as --help shows it.
std::string option_error_message(const po::options_description& options,
                                 const po::error_with_option_name& e) {
  const std::string name = e.get_option_name();
  std::string key = name;
  while (key.starts_with("-"))
    key.erase(0, 1);
  const po::option_description* found = options.find_nothrow(key, false);
  const std::string value =
      found != nullptr ? found->semantic()->name() : std::string("VALUE");
  if (const auto* syntax =
          dynamic_cast<const po::invalid_command_line_syntax*>(&e)) {
    if (syntax->kind() == po::invalid_syntax::missing_parameter)
      return name + " needs a value: " + name + " " + value;
    if (syntax->kind() == po::invalid_syntax::empty_adjacent_parameter)
      return name + " needs a value: " + name + "=" + value;
  }
  if (dynamic_cast<const po::multiple_occurrences*>(&e) != nullptr)
    return name + " is given more than once; give it once";
  return e.what();
}

// -S KEY[=VALUE][,...]: wasmtime's spelling. Keys that only make sense in
// wasmtime (preview2 networking) get an explanation, not "unknown".
std::string parse_wasi_keys(const std::vector<std::string>& words,
                            RunOptions& result) {
  static const std::vector<std::string> kKeys = {"inherit-env", "tcplisten"};
  for (const std::string& word : words) {
    size_t start = 0;
    while (start <= word.size()) {
      size_t comma = word.find(',', start);
      if (comma == std::string::npos)
        comma = word.size();
      const std::string item = word.substr(start, comma - start);
      start = comma + 1;
      const size_t eq = item.find('=');
      const std::string key = item.substr(0, eq);
      const std::string value =
          eq == std::string::npos ? "" : item.substr(eq + 1);
      if (key == "inherit-env") {
        if (value.empty() || value == "y" || value == "yes" || value == "true")
          result.inherit_env = true;
        else if (value == "n" || value == "no" || value == "false")
          result.inherit_env = false;
        else
          return "-S inherit-env takes y or n, not '" + value + "'";
      } else if (key == "tcplisten") {
        if (value.empty())
          return "-S tcplisten needs an address: -S tcplisten=127.0.0.1:8080";
        result.tcplisten.push_back(value);
      } else if (key == "inherit-network" || key == "tcp" || key == "udp" ||
                 key == "allow-ip-name-lookup" || key == "network") {
        return "-S " + key +
               " needs WASI preview2 sockets; capbox implements preview1, "
               "use -S tcplisten=ADDR:PORT for a listening socket";
      } else {
        std::string message = "unknown WASI option '-S " + key + "'";
        if (auto near = nearest(key, kKeys))
          message += "; did you mean '" + *near + "'?";
        else
          message += "; known: inherit-env, tcplisten=ADDR:PORT";
        return message;
      }
      if (comma == word.size())
        break;
    }
  }
  return "";
}

// --trace's GROUPS: "" or "all" for every group, else a comma list of
// group names, each of which may be negated ("!fd": all but fd).
Result<uint32_t, std::string> parse_trace_groups(const std::string& text) {
  if (text.empty() || text == "all")
    return wasi::kTraceAll;
  uint32_t on = 0;
  uint32_t off = 0;
  size_t start = 0;
  for (;;) {
    const size_t comma = std::min(text.find(',', start), text.size());
    std::string name = text.substr(start, comma - start);
    const bool negated = name.starts_with('!');
    if (negated)
      name.erase(0, 1);
    const uint32_t bit =
        name == "all" ? wasi::kTraceAll : wasi::trace_bit_of(name);
    if (bit == 0) {
      std::vector<std::string> known;
      for (std::string_view group : wasi::kTraceGroupNames)
        known.emplace_back(group);
      std::string message =
          "unknown trace group '" + name + "' in --trace=" + text;
      if (auto near = nearest(name, known))
        return Unexpected(message + "; did you mean '" + *near + "'?");
      return Unexpected(message +
                        "; known: args, env, clock, random, fd, path, poll, "
                        "proc, sock");
    }
    (negated ? off : on) |= bit;
    if (comma == text.size())
      break;
    start = comma + 1;
  }
  // Only negations: everything else.
  return (on == 0 ? wasi::kTraceAll : on) & ~off;
}

enum class LimitValue { kCount, kSize, kDuration };

struct LimitKey {
  const char* flag_key;    // as written after -W or --limit
  const char* policy_key;  // the [limits] key it overrides
  LimitValue kind;
};

// -W keys take wasmtime's names; --limit keys are the policy's, dashed.
constexpr LimitKey kWasmKeys[] = {
    {"fuel", "fuel", LimitValue::kCount},
    {"max-memory-size", "memory", LimitValue::kSize},
    {"timeout", "wall_time", LimitValue::kDuration},
};
constexpr LimitKey kLimitKeys[] = {
    {"memory", "memory", LimitValue::kSize},
    {"fuel", "fuel", LimitValue::kCount},
    {"cpu-time", "cpu_time", LimitValue::kDuration},
    {"wall-time", "wall_time", LimitValue::kDuration},
    {"open-files", "open_files", LimitValue::kCount},
    {"output", "output", LimitValue::kSize},
    {"file-output", "file_output", LimitValue::kSize},
    {"processes", "processes", LimitValue::kCount},
};
// exec's --limit: a native program has no fuel, and its stdout and stderr
// are its own descriptors, not counted by capbox.
constexpr LimitKey kExecLimitKeys[] = {
    {"memory", "memory", LimitValue::kSize},
    {"cpu-time", "cpu_time", LimitValue::kDuration},
    {"wall-time", "wall_time", LimitValue::kDuration},
    {"open-files", "open_files", LimitValue::kCount},
    {"file-output", "file_output", LimitValue::kSize},
    {"processes", "processes", LimitValue::kCount},
};

// -W's proposal switches, by wasmtime's names.
struct FeatureKey {
  const char* flag_key;
  bool WasmFeatures::*member;
};
constexpr FeatureKey kFeatureKeys[] = {
    {"simd", &WasmFeatures::simd},
    {"tail-call", &WasmFeatures::tail_call},
    {"extended-const", &WasmFeatures::extended_const},
};

// KEY, KEY=y or KEY=n of a proposal switch into `result.features`. ""
// when done, nullopt when KEY is no switch, else the message.
std::optional<std::string> parse_feature_item(const std::string& item,
                                              RunOptions& result) {
  const size_t eq = item.find('=');
  const std::string key = item.substr(0, eq);
  for (const FeatureKey& known : kFeatureKeys) {
    if (key != known.flag_key)
      continue;
    const std::string value =
        eq == std::string::npos ? "y" : item.substr(eq + 1);
    if (value == "y" || value == "yes" || value == "true")
      result.features.*known.member = true;
    else if (value == "n" || value == "no" || value == "false")
      result.features.*known.member = false;
    else
      return "-W " + item + ": give y or n (write -W " + key + "=n to " +
             "turn it off)";
    return "";
  }
  return std::nullopt;
}

Result<uint64_t, std::string> parse_limit_value(LimitValue kind,
                                                const std::string& text) {
  if (kind == LimitValue::kSize)
    return policy::parse_size(text);
  if (kind == LimitValue::kDuration)
    return policy::parse_duration_ms(text);
  uint64_t value = 0;
  const auto [end, ec] =
      std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty())
    return Unexpected("'" + text + "' is not a whole number");
  return value;
}

// One KEY=VALUE of -W or --limit into `result.limits`; "" or a message.
std::string parse_limit_item(std::span<const LimitKey> keys,
                             const std::string& flag,
                             const std::string& item,
                             RunOptions& result) {
  const size_t eq = item.find('=');
  const std::string key = item.substr(0, eq);
  const std::string text = flag + " " + item;
  if (flag == "-W") {
    if (std::optional<std::string> error = parse_feature_item(item, result))
      return *error;
  }
  for (const LimitKey& known : keys) {
    if (key != known.flag_key)
      continue;
    if (eq == std::string::npos || eq + 1 == item.size())
      return text + ": no value; write " + flag + " " + key + "=VALUE";
    auto value = parse_limit_value(known.kind, item.substr(eq + 1));
    if (!value)
      return text + ": " + value.error();
    if (*value == 0)
      return text + ": a limit must be above 0 (leave it out for none)";
    result.limits.push_back({known.policy_key, *value, text});
    return "";
  }
  if (keys.data() == kExecLimitKeys && key == "fuel")
    return text + ": fuel counts wasm instructions; a native program is " +
           "held by --limit cpu-time=DURATION";
  if (keys.data() == kExecLimitKeys && key == "output")
    return text + ": capbox does not see a native program's stdout and " +
           "stderr; --limit file-output=SIZE bounds the files it writes";
  if (flag == "-W" && key == "max-wasm-stack")
    return text + ": capbox's call depth is fixed (a deeper guest traps " +
           "with 'call stack exhausted'); use --limit memory=SIZE for memory";
  if (flag == "-W" && key.starts_with("unknown-imports"))
    return text + ": capbox refuses a module with an unknown import at " +
           "start (exit 126) and does not define stand-ins";
  std::vector<std::string> names;
  for (const LimitKey& known : keys)
    names.emplace_back(known.flag_key);
  if (flag == "-W") {
    for (const FeatureKey& known : kFeatureKeys)
      names.emplace_back(known.flag_key);
  }
  std::string message = "unknown key in " + text;
  if (auto near = nearest(key, names))
    return message + "; did you mean '" + *near + "'?";
  message += "; known:";
  for (const std::string& name : names)
    message += " " + name;
  return message;
}

std::string parse_limit_words(std::span<const LimitKey> keys,
                              const std::string& flag,
                              const std::vector<std::string>& words,
                              RunOptions& result) {
  for (const std::string& word : words) {
    size_t start = 0;
    for (;;) {
      const size_t comma = std::min(word.find(',', start), word.size());
      std::string error = parse_limit_item(
          keys, flag, word.substr(start, comma - start), result);
      if (!error.empty())
        return error;
      if (comma == word.size())
        break;
      start = comma + 1;
    }
  }
  return "";
}

// -v, -vv, --verbose: how many v's; -q, --quiet: -1; anything else: 0.
// Boost.PO cannot count a repeated switch, so these words are counted here;
// a grouped form such as -vp is left to Boost.PO and counts once.
int verbosity_word(const std::string& word) {
  if (word == "--verbose")
    return 1;
  if (word == "-q" || word == "--quiet")
    return -1;
  if (word.size() >= 2 && word[0] == '-' &&
      word.find_first_not_of('v', 1) == std::string::npos)
    return static_cast<int>(word.size()) - 1;
  return 0;
}

}  // namespace

Result<RunOptions, std::string> parse_run_options(
    std::span<const std::string> args,
    CommandKind kind) {
  const po::options_description options = make_options(kind);
  const bool exec = kind == CommandKind::kExec;
  RunOptions result;
  result.kind = kind;
  std::vector<std::string> option_words;
  bool quiet = false;
  bool verbose = false;
  size_t i = 0;
  for (; i < args.size(); ++i) {
    const std::string& word = args[i];
    if (word == "--") {
      ++i;
      break;
    }
    if (word.size() < 2 || word[0] != '-')
      break;
    if (int level = verbosity_word(word); level != 0) {
      (level < 0 ? quiet : verbose) = true;
      result.verbosity += std::max(level, 0);
      continue;
    }
    option_words.push_back(word);
    if (takes_separate_value(options, word) && i + 1 < args.size())
      option_words.push_back(args[++i]);
  }
  po::variables_map vm;
  try {
    const int style = po::command_line_style::default_style &
                      ~po::command_line_style::allow_guessing;
    po::store(po::command_line_parser(option_words)
                  .options(options)
                  .style(style)
                  .run(),
              vm);
    po::notify(vm);
  } catch (const po::unknown_option& e) {
    return Unexpected(
        unknown_option_message(options, e.get_option_name(), kind));
  } catch (const po::error_with_option_name& e) {
    return Unexpected(option_error_message(options, e));
  } catch (const po::error& e) {
    return Unexpected(std::string(e.what()));
  }
  result.help = vm.count("help") != 0;
  quiet = quiet || vm.count("quiet") != 0;
  verbose = verbose || vm.count("verbose") != 0;
  if (quiet && verbose)
    return Unexpected(std::string("-q and -v contradict each other; give one"));
  if (quiet)
    result.verbosity = -1;
  else if (verbose)
    result.verbosity = std::max(result.verbosity, 1);
  if (vm.count("policy"))
    result.policy = vm["policy"].as<std::string>();
  result.no_policy = vm.count("no-policy") != 0;
  if (result.policy && result.no_policy)
    return Unexpected(std::string(
        "--policy and --no-policy contradict each other; give one"));
  for (const auto& [name, flag, keys] :
       {std::tuple{"wasm", "-W", std::span<const LimitKey>(kWasmKeys)},
        std::tuple{"limit", "--limit",
                   exec ? std::span<const LimitKey>(kExecLimitKeys)
                        : std::span<const LimitKey>(kLimitKeys)}}) {
    if (!vm.count(name))
      continue;
    auto error = parse_limit_words(
        keys, flag, vm[name].as<std::vector<std::string>>(), result);
    if (!error.empty())
      return Unexpected(error);
  }
  if (vm.count("invoke"))
    result.invoke = vm["invoke"].as<std::string>();
  if (vm.count("argv0"))
    result.argv0 = vm["argv0"].as<std::string>();
  if (vm.count("trace"))
    result.trace = vm["trace"].as<std::string>();
  if (vm.count("trace-file")) {
    result.trace_file = vm["trace-file"].as<std::string>();
    if (result.trace_file->empty())
      return Unexpected(std::string("--trace-file needs a file name"));
    if (!result.trace)
      result.trace = "";
  }
  if (result.trace) {
    auto groups = parse_trace_groups(*result.trace);
    if (!groups)
      return Unexpected(groups.error());
    result.trace_groups = *groups;
  }
  if (vm.count("audit"))
    result.audit = vm["audit"].as<std::string>();
  if (vm.count("report")) {
    result.report = vm["report"].as<std::string>();
    if (result.report->empty())
      return Unexpected(std::string("--report needs a file name"));
  }
  if (vm.count("dir"))
    result.dirs = vm["dir"].as<std::vector<std::string>>();
  if (vm.count("env"))
    result.envs = vm["env"].as<std::vector<std::string>>();
  if (vm.count("wasi")) {
    auto error =
        parse_wasi_keys(vm["wasi"].as<std::vector<std::string>>(), result);
    if (!error.empty())
      return Unexpected(error);
    if (exec && !result.tcplisten.empty())
      return Unexpected(std::string(
          "-S tcplisten is for wasm modules; capbox exec gives a native "
          "program no sockets"));
  }
  if (result.help)
    return result;
  if (i >= args.size())
    return Unexpected(std::string(
        exec ? "no program given; usage: capbox exec [OPTIONS] [--] PROGRAM "
               "[ARGS...]"
             : "no module given; usage: capbox run [OPTIONS] MODULE.wasm "
               "[ARGS...]"));
  result.module_path = args[i];
  result.module_args.assign(args.begin() + static_cast<ptrdiff_t>(i) + 1,
                            args.end());
  return result;
}

std::string parse_limit_flag(const std::string& flag,
                             const std::string& value,
                             RunOptions& options) {
  const bool wasm = flag == "-W" || flag == "--wasm";
  return parse_limit_words(wasm ? std::span<const LimitKey>(kWasmKeys)
                                : std::span<const LimitKey>(kLimitKeys),
                           wasm ? "-W" : "--limit", {value}, options);
}

void print_run_options(std::ostream& out, CommandKind kind) {
  out << make_options(kind);
}

}  // namespace capbox::cli
