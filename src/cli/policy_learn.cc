// SPDX-License-Identifier: Apache-2.0
// The learning run and the files around it. The run is a child `capbox run`
// or `capbox exec` (this binary, /proc/self/exe) rather than an in-process
// call, so learning goes through exactly the sandbox a later run uses and
// the audit log is the one --audit writes. Depends on policy_learn_text.h
// for the policy's text and on policy/parser.h to check it.
#include "cli/policy_learn.h"
#include "cli/exit_codes.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <optional>
#include <set>

#include "cli/dir_spec.h"
#include "cli/policy_learn_text.h"
#include "cli/sha256.h"
#include "cli/suggest.h"
#include "engine/decoder.h"
#include "policy/parser.h"
#include "wasi/link.h"

namespace fs = std::filesystem;

namespace capbox::cli {
namespace {

struct LearnOptions {
  std::string output;  // empty: stdout
  std::vector<std::string> dirs;
  std::vector<std::string> envs;
  std::vector<std::string> listen;  // -S tcplisten=ADDR:PORT
  std::string from_log;
  std::string from_report;
  bool help = false;
  std::vector<std::string> command;  // PROGRAM ARGS...
};

int usage(const std::string& message) {
  std::cerr << "capbox: error: " << message
            << "\n   = help: see 'capbox policy learn --help'\n";
  return kExUsage;
}

Result<LearnOptions, std::string> parse_options(
    std::span<const std::string> args) {
  LearnOptions options;
  const std::vector<std::string> known = {
      "--output", "--dir", "--env", "--from-log", "--report", "--help", "-S"};
  size_t i = 0;
  for (; i < args.size(); ++i) {
    std::string word = args[i], value;
    if (word == "--") {
      ++i;
      break;
    }
    if (!word.starts_with("-") || word == "-")
      break;
    if (word == "-h" || word == "--help") {
      options.help = true;
      continue;
    }
    if (word == "-o")
      word = "--output";
    const size_t eq = word.find('=');
    const bool inline_value = word.starts_with("--") && eq != std::string::npos;
    if (inline_value) {
      value = word.substr(eq + 1);
      word = word.substr(0, eq);
    }
    if (std::find(known.begin(), known.end(), word) == known.end()) {
      auto near = nearest(word, known);
      return Unexpected("unknown option '" + word + "' for 'policy learn'" +
                        (near ? "; did you mean '" + *near + "'?" : ""));
    }
    if (!inline_value) {
      if (i + 1 >= args.size())
        return Unexpected(word + " needs a value");
      value = args[++i];
    }
    if (value.empty())
      return Unexpected(word + " needs a value");
    if (word == "--output")
      options.output = value;
    else if (word == "--dir")
      options.dirs.push_back(value);
    else if (word == "--env" &&
             (value[0] == '=' || value.find('\0') != std::string::npos))
      return Unexpected("--env " + value +
                        ": no variable name; use --env NAME[=VALUE]");
    else if (word == "--env")
      options.envs.push_back(value);
    else if (word == "-S" && value.starts_with("tcplisten=") &&
             value.size() > 10 && value.find(',') == std::string::npos)
      options.listen.push_back(value.substr(10));
    else if (word == "-S")
      return Unexpected(
          "'policy learn' takes -S tcplisten=ADDR:PORT only, "
          "not -S " +
          value);
    else if (word == "--from-log")
      options.from_log = value;
    else
      options.from_report = value;
  }
  options.command.assign(args.begin() + i, args.end());
  return options;
}

bool is_wasm(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  char magic[4] = {};
  return in.read(magic, 4) && std::memcmp(magic, "\0asm", 4) == 0;
}

// The program a name runs, as execvp would find it; empty if none.
std::string resolve_program(const std::string& name) {
  if (name.find('/') != std::string::npos)
    return ::access(name.c_str(), F_OK) == 0 ? name : "";
  const char* path = std::getenv("PATH");
  std::string search = path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin";
  size_t start = 0;
  while (start <= search.size()) {
    const size_t colon = std::min(search.find(':', start), search.size());
    std::string dir = search.substr(start, colon - start);
    start = colon + 1;
    std::string candidate = (dir.empty() ? "." : dir) + "/" + name;
    if (::access(candidate.c_str(), X_OK) == 0)
      return candidate;
  }
  return "";
}

std::string today() {
  std::time_t now = std::time(nullptr);
  // Reproducible output for tests and packagers (reproducible-builds.org).
  if (const char* epoch = std::getenv("SOURCE_DATE_EPOCH"))
    now = static_cast<std::time_t>(std::strtoll(epoch, nullptr, 10));
  std::tm tm{};
  gmtime_r(&now, &tm);
  char text[16];
  std::strftime(text, sizeof text, "%Y-%m-%d", &tm);
  return text;
}

std::string shell_word(const std::string& word) {
  if (!word.empty() && word.find_first_not_of(
                           "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRS"
                           "TUVWXYZ0123456789_-./:=,+@%") == std::string::npos)
    return word;
  std::string quoted = "'";
  for (char c : word)
    quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

// The words of the learning run, from "run"/"exec" on, without the
// --audit and --report flags learn adds.
std::vector<std::string> run_words(const LearnOptions& options, bool exec) {
  std::vector<std::string> words = {exec ? "exec" : "run", "--no-policy"};
  for (const std::string& dir : options.dirs)
    words.insert(words.end(), {"--dir", dir});
  for (const std::string& env : options.envs)
    words.insert(words.end(), {"--env", env});
  for (const std::string& address : options.listen)
    words.insert(words.end(), {"-S", "tcplisten=" + address});
  words.push_back("--");
  words.insert(words.end(), options.command.begin(), options.command.end());
  return words;
}

// Runs capbox with `words`; without an output file the program's stdout
// goes to stderr, so that stdout carries the policy alone.
int run_child(const std::vector<std::string>& words, bool stdout_to_stderr) {
  std::vector<char*> argv;
  static char name[] = "capbox";
  argv.push_back(name);
  for (const std::string& word : words)
    argv.push_back(const_cast<char*>(word.c_str()));
  argv.push_back(nullptr);
  std::cout.flush();
  const pid_t pid = ::fork();
  if (pid < 0) {
    std::cerr << "capbox: error: fork: " << std::strerror(errno) << "\n";
    return kExSoftware;
  }
  if (pid == 0) {
    if (stdout_to_stderr)
      ::dup2(2, 1);
    ::execv("/proc/self/exe", argv.data());
    ::_exit(127);
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFSIGNALED(status))
    return 128 + WTERMSIG(status);
  return WEXITSTATUS(status);
}

struct Output {
  std::string path;
  std::string temp;
  int fd = -1;
};

// The temporary file beside -o FILE, made before the run so that an
// unwritable destination fails before the program runs.
Result<Output, std::string> open_output(const std::string& path) {
  Output out{path, {}, -1};
  fs::path target(path);
  std::string dir = target.has_parent_path() ? target.parent_path().string()
                                             : std::string(".");
  out.temp = dir + "/." + target.filename().string() + ".XXXXXX";
  out.fd = ::mkstemp(out.temp.data());
  if (out.fd < 0)
    return Unexpected("cannot write " + path + ": " + std::strerror(errno));
  ::fchmod(out.fd, 0644);
  return out;
}

int finish_output(Output& out, const std::string& text) {
  size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(out.fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      break;
    done += static_cast<size_t>(n);
  }
  const bool ok = done == text.size() && ::fsync(out.fd) == 0;
  const int error = errno;
  ::close(out.fd);
  if (!ok || ::rename(out.temp.c_str(), out.path.c_str()) != 0) {
    const int why = ok ? errno : error;
    ::unlink(out.temp.c_str());
    std::cerr << "capbox: error: cannot write " << out.path << ": "
              << std::strerror(why) << "\n";
    return kExCantCreat;
  }
  return 0;
}

void discard_output(Output& out) {
  if (out.fd < 0)
    return;
  ::close(out.fd);
  ::unlink(out.temp.c_str());
}

std::string joined(const std::vector<std::string>& words) {
  std::string text;
  for (const std::string& word : words)
    text += (text.empty() ? "" : " ") + shell_word(word);
  return text;
}

// The WASI groups (wasi/api.def) a module imports functions of; nullopt
// when it cannot be read or decoded (the run then says why).
std::optional<std::set<std::string>> wasi_imports_of(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  const std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                                   std::istreambuf_iterator<char>());
  auto module = engine::decode_module(bytes);
  if (!module)
    return std::nullopt;
  std::set<std::string> groups;
  for (const engine::Import& import : module->imports) {
    if (import.module == wasi::kPreview1Module)
      groups.emplace(wasi::wasi_group_of(import.name));
  }
  return groups;
}

// The inputs every mode shares: grants, env, program and its pin.
Result<LearnInput, std::string> base_input(const LearnOptions& options) {
  LearnInput input;
  input.program = options.command[0];
  const std::string found = resolve_program(input.program);
  input.exec =
      found.empty() ? !input.program.ends_with(".wasm") : !is_wasm(found);
  if (!found.empty()) {
    std::error_code ec;
    fs::path canonical = fs::canonical(found, ec);
    input.program_path = ec ? found : canonical.string();
    auto digest = sha256_file(input.program_path);
    if (digest)
      input.sha256 = *digest;
  }
  for (size_t i = 0; i < options.dirs.size(); ++i) {
    auto spec = parse_dir_spec(options.dirs[i]);
    if (!spec)
      return Unexpected(spec.error());
    input.grants.push_back(
        {spec->host, spec->guest, "--dir " + options.dirs[i]});
  }
  input.env = options.envs;
  input.listen = options.listen;
  if (!input.exec && !found.empty())
    input.wasi_imports = wasi_imports_of(found);
  input.date = today();
  return input;
}

// Reads the log (and report): 0, or the status with its message printed.
int read_records(const std::string& log,
                 const std::string& report,
                 LearnInput& input) {
  auto text = read_text_file(log);
  if (!text) {
    std::cerr << "capbox: error: cannot read the audit log " << log << ": "
              << text.error().message << "\n";
    return text.error().missing ? kExNoInput : kExSoftware;
  }
  auto records = parse_audit_log(*text);
  if (!records) {
    std::cerr << "capbox: error: " << log << ": " << records.error() << "\n";
    return kExDataErr;
  }
  input.records = std::move(*records);
  if (report.empty())
    return 0;
  auto report_text = read_text_file(report);
  if (!report_text) {
    std::cerr << "capbox: error: cannot read the run report " << report << ": "
              << report_text.error().message << "\n";
    return report_text.error().missing ? kExNoInput : kExSoftware;
  }
  auto usage_read = parse_run_report(*report_text);
  if (!usage_read) {
    std::cerr << "capbox: error: " << report << ": " << usage_read.error()
              << "\n";
    return kExDataErr;
  }
  input.usage = *usage_read;
  return 0;
}

int emit(const LearnInput& input, Output* out) {
  const Learned learned = learn_policy(input);
  auto checked = policy::parse_policy(learned.toml, "learned policy");
  if (!checked) {
    for (const policy::Error& error : checked.error())
      std::cerr << policy::format_error(error);
    std::cerr << "capbox: error: the learned policy does not pass the check "
                 "(a bug in capbox); nothing written\n";
    return kExSoftware;
  }
  std::cerr << learned.summary;
  if (out == nullptr) {
    std::cout << learned.toml << std::flush;
    return std::cout ? 0 : kExCantCreat;
  }
  const int status = finish_output(*out, learned.toml);
  if (status == 0)
    std::cerr << "capbox: wrote " << out->path << "\n";
  return status;
}

}  // namespace

int policy_learn_command(std::span<const std::string> args) {
  auto options = parse_options(args);
  if (!options)
    return usage(options.error());
  if (options->help) {
    print_learn_help(std::cout);
    return 0;
  }
  if (options->command.empty())
    return usage("'policy learn' needs the MODULE or PROGRAM to run");
  if (!options->from_report.empty() && options->from_log.empty())
    return usage("--report goes with --from-log");
  auto input = base_input(*options);
  if (!input)
    return usage(input.error());
  std::optional<Output> out;
  if (!options->output.empty()) {
    auto opened = open_output(options->output);
    if (!opened) {
      std::cerr << "capbox: error: " << opened.error() << "\n";
      return kExCantCreat;
    }
    out = *opened;
  }
  const std::vector<std::string> words = run_words(*options, input->exec);
  input->invocation = "capbox " + joined(words);
  if (!options->from_log.empty()) {
    input->invocation = "capbox policy learn --from-log " +
                        shell_word(options->from_log) + " (a recorded run)";
    if (int status =
            read_records(options->from_log, options->from_report, *input)) {
      if (out)
        discard_output(*out);
      return status;
    }
    return emit(*input, out ? &*out : nullptr);
  }
  std::error_code ec;
  std::string dir_template =
      (fs::temp_directory_path(ec) / "capbox-learn-XXXXXX").string();
  const char* dir = ::mkdtemp(dir_template.data());
  if (dir == nullptr) {
    std::cerr << "capbox: error: mkdtemp: " << std::strerror(errno) << "\n";
    return kExSoftware;
  }
  const std::string log = std::string(dir) + "/audit.jsonl";
  const std::string report = std::string(dir) + "/report.json";
  std::vector<std::string> child = words;
  child.insert(child.begin() + 2, {"--audit=" + log, "--report=" + report});
  const int run_status = run_child(child, !out);
  int status = 0;
  if (!fs::exists(report)) {
    std::cerr << "capbox: error: the learning run failed before the program "
                 "ran (status "
              << run_status << "); no policy written\n";
    status = run_status == 0 ? kExSoftware : run_status;
  } else {
    status = read_records(log, report, *input);
    if (status == 0 && input->usage->status && *input->usage->status >= 125 &&
        *input->usage->status <= 127) {
      std::cerr << "capbox: error: capbox could not start " << input->program
                << " (status " << run_status << "); no policy written\n";
      status = run_status;
    }
  }
  fs::remove_all(dir, ec);
  if (status != 0) {
    if (out)
      discard_output(*out);
    return status;
  }
  status = emit(*input, out ? &*out : nullptr);
  if (status == 0 && run_status != 0) {
    std::cerr << "capbox: warning: " << input->program << " ended with status "
              << run_status << "; the policy allows what it did until then\n";
    return run_status;
  }
  return status;
}

void print_learn_help(std::ostream& out) {
  out << "Usage: capbox policy learn [-o FILE] [--dir HOST[::GUEST[::RIGHTS]]]"
         "...\n"
         "                          [--env NAME[=VALUE]]... [--] "
         "MODULE|PROGRAM [ARGS...]\n"
         "       capbox policy learn --from-log AUDIT.jsonl [--report "
         "REPORT.json]\n"
         "                          [-o FILE] [--dir ...] MODULE|PROGRAM\n"
         "\n"
         "Runs MODULE (capbox run) or PROGRAM (capbox exec) once with only "
         "the given\n"
         "directories (all rights unless RIGHTS says less) and --env "
         "variables, records\n"
         "every access, and writes the smallest policy that allows that run: "
         "one\n"
         "[[fs.dir]] per directory used, with the rights used and a comment "
         "on what used\n"
         "them, the --env names, limits at twice the use, and the program's "
         "sha256.\n"
         "The program may change anything granted while it learns: learn on "
         "a scratch\n"
         "copy of your data.\n"
         "\n"
         "  -o, --output FILE    write the policy to FILE (atomically), not "
         "stdout;\n"
         "                       without it the program's stdout goes to "
         "stderr\n"
         "      --dir SPEC       a directory for the run, as in 'capbox run'\n"
         "      --env NAME[=V]   a variable for the run; kept in [env]\n"
         "  -S tcplisten=ADDR:PORT  a listening socket for the run (wasm); "
         "kept in [net]\n"
         "      --from-log FILE  learn from an audit log written by 'capbox "
         "run --audit'\n"
         "                       instead of running\n"
         "      --report FILE    with --from-log: the run's --report, for "
         "limits\n"
         "\n"
         "Exit status: 0, or the program's status when its run failed (the "
         "policy is\n"
         "still written); 64 usage, 65 malformed log, 66 no such log, 73 "
         "FILE cannot be\n"
         "written; 125-127 capbox could not start the program (nothing "
         "written).\n";
}

}  // namespace capbox::cli
