// SPDX-License-Identifier: Apache-2.0
// Splits `run`'s words into capbox options and the guest's words, then
// hands the options to Boost.Program_options. The CLI may use exceptions
// (Boost.PO throws); they never leave this file. Depends on Boost.PO and
// cli/suggest.h only.
#include "cli/run_options.h"

#include <boost/program_options.hpp>

#include "cli/suggest.h"

namespace po = boost::program_options;

namespace capbox::cli {
namespace {

po::options_description make_options() {
  po::options_description options("Options");
  // clang-format off
  options.add_options()
    ("dir", po::value<std::vector<std::string>>()->composing()
              ->value_name("HOST[::GUEST[::RIGHTS]]"),
     "give the guest the host directory HOST, seen as GUEST (default: "
     "HOST as written), with RIGHTS: ro, rw, or a comma list of read, "
     "write, create, delete, rename, metadata (default: all)")
    ("env", po::value<std::vector<std::string>>()->composing()
              ->value_name("NAME[=VALUE]"),
     "set NAME in the guest's environment; NAME alone passes this "
     "process's value")
    ("wasi,S", po::value<std::vector<std::string>>()->composing()
                 ->value_name("KEY[=VALUE][,...]"),
     "WASI options: inherit-env (pass this process's whole environment), "
     "tcplisten=ADDR:PORT (a listening TCP socket the guest can accept "
     "on)")
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
  return found != nullptr && found->semantic()->max_tokens() > 0;
}

std::string unknown_option_message(const po::options_description& options,
                                   const std::string& name) {
  std::vector<std::string> known;
  for (const auto& option : options.options())
    known.push_back("--" + option->long_name());
  std::string message = "unknown option '" + name + "'";
  if (auto near = nearest(name, known))
    message += "; did you mean '" + *near + "'?";
  else
    message += "; see 'capbox run --help'";
  return message;
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

}  // namespace

Result<RunOptions, std::string> parse_run_options(
    std::span<const std::string> args) {
  const po::options_description options = make_options();
  RunOptions result;
  std::vector<std::string> option_words;
  size_t i = 0;
  for (; i < args.size(); ++i) {
    const std::string& word = args[i];
    if (word == "--") {
      ++i;
      break;
    }
    if (word.size() < 2 || word[0] != '-')
      break;
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
    return Unexpected(unknown_option_message(options, e.get_option_name()));
  } catch (const po::error& e) {
    return Unexpected(std::string(e.what()));
  }
  result.help = vm.count("help") != 0;
  if (vm.count("invoke"))
    result.invoke = vm["invoke"].as<std::string>();
  if (vm.count("argv0"))
    result.argv0 = vm["argv0"].as<std::string>();
  if (vm.count("dir"))
    result.dirs = vm["dir"].as<std::vector<std::string>>();
  if (vm.count("env"))
    result.envs = vm["env"].as<std::vector<std::string>>();
  if (vm.count("wasi")) {
    auto error =
        parse_wasi_keys(vm["wasi"].as<std::vector<std::string>>(), result);
    if (!error.empty())
      return Unexpected(error);
  }
  if (result.help)
    return result;
  if (i >= args.size())
    return Unexpected(std::string(
        "no module given; usage: capbox run [OPTIONS] MODULE.wasm [ARGS...]"));
  result.module_path = args[i];
  result.module_args.assign(args.begin() + static_cast<ptrdiff_t>(i) + 1,
                            args.end());
  return result;
}

void print_run_options(std::ostream& out) {
  out << make_options();
}

}  // namespace capbox::cli
