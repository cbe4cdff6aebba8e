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
