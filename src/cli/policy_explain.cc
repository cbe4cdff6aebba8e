// SPDX-License-Identifier: Apache-2.0
// explain: denials (from an audit log, or one asked about with --path)
// grouped per grant into changes, each rendered as an edit of the policy
// file the user named. A grant written in that file is widened where its
// rights are written; a grant from an extends'ed file gets an override in
// this file (a [[fs.dir]] for the same guest replaces the base's), so other
// policies built on that base do not widen too; a grant from a --dir flag
// can only be changed on the command line, which the message says.
#include "cli/policy_explain.h"
#include "cli/exit_codes.h"

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <map>
#include <set>

#include "cli/dir_spec.h"
#include "cli/policy_audit_log.h"
#include "cli/policy_lookup.h"
#include "cli/policy_patch.h"
#include "cli/suggest.h"
#include "policy/values.h"
#include "wasi/grant_rights.h"

namespace fs = std::filesystem;

namespace capbox::cli {
namespace {

constexpr int kExChanges = 1;
constexpr size_t kExamplesShown = 2;

struct ExplainOptions {
  std::string policy;
  std::string log;
  std::string path;
  std::string rights;
  std::string env;  // --env NAME
  bool text = false;
  bool help = false;
};

enum class Kind { kWiden, kOverride, kNewGrant, kFlag, kGranted };

struct Change {
  Kind kind = Kind::kNewGrant;
  std::string guest;
  std::string host;
  std::string flag;  // kFlag: the --dir text
  const policy::DirGrant* grant = nullptr;
  size_t index = 0;
  std::set<std::string> missing;
  std::set<std::string> examples;
  size_t count = 0;
};

int usage(const std::string& message) {
  std::cerr << "capbox: error: " << message
            << "\n   = help: see 'capbox policy explain --help'\n";
  return kExUsage;
}

Result<ExplainOptions, std::string> parse_options(
    std::span<const std::string> args) {
  ExplainOptions options;
  const std::vector<std::string> known = {"--log", "--path",   "--rights",
                                          "--env", "--format", "--help"};
  for (size_t i = 0; i < args.size(); ++i) {
    std::string word = args[i], value;
    if (word == "-h" || word == "--help") {
      options.help = true;
      continue;
    }
    if (!word.starts_with("-") || word == "-") {
      if (!options.policy.empty())
        return Unexpected(
            std::string("'policy explain' takes one NAME or FILE"));
      options.policy = word;
      continue;
    }
    const size_t eq = word.find('=');
    const bool inline_value = word.starts_with("--") && eq != std::string::npos;
    if (inline_value) {
      value = word.substr(eq + 1);
      word = word.substr(0, eq);
    }
    if (std::find(known.begin(), known.end(), word) == known.end()) {
      auto near = nearest(word, known);
      return Unexpected("unknown option '" + word + "' for 'policy explain'" +
                        (near ? "; did you mean '" + *near + "'?" : ""));
    }
    if (!inline_value && i + 1 < args.size())
      value = args[++i];
    if (value.empty())
      return Unexpected(word + " needs a value");
    if (word == "--log")
      options.log = value;
    else if (word == "--path")
      options.path = value;
    else if (word == "--rights")
      options.rights = value;
    else if (word == "--env")
      options.env = value;
    else if (value == "text" || value == "diff")
      options.text = value == "text";
    else
      return Unexpected("--format is diff or text, not '" + value + "'");
  }
  if (options.help)
    return options;
  if (options.policy.empty())
    return Unexpected(std::string("'policy explain' needs a NAME or FILE"));
  if (!options.log.empty() + !options.path.empty() + !options.env.empty() != 1)
    return Unexpected(
        std::string("'policy explain' needs --log AUDIT.jsonl, --path "
                    "GUEST_PATH --rights LIST or --env NAME (one of them)"));
  if (options.env.find('=') != std::string::npos)
    return Unexpected("--env takes a variable's name, not '" + options.env +
                      "'");
  if (options.path.empty() != options.rights.empty())
    return Unexpected(std::string("--path and --rights go together"));
  return options;
}

std::string example(const AuditRecord& record) {
  std::string text = record.op + " " + record.guest;
  if (!record.target.empty())
    text += " -> " + record.target;
  return text;
}

std::string parent_dir(const std::string& guest) {
  std::string parent = fs::path(guest).parent_path().string();
  return parent.empty() ? "/" : parent;
}

bool under(const std::string& path, const std::string& dir) {
  const std::string key = policy::guest_key(dir);
  return path == key || key == "/" || path.starts_with(key + "/");
}

// The grant a guest path falls under: the deepest one.
const policy::DirGrant* covering(const policy::Policy& effective,
                                 const std::string& path) {
  const policy::DirGrant* found = nullptr;
  for (const policy::DirGrant& dir : effective.dirs) {
    if (under(path, dir.guest) &&
        (found == nullptr || policy::guest_key(dir.guest).size() >
                                 policy::guest_key(found->guest).size()))
      found = &dir;
  }
  return found;
}

std::vector<std::string> quoted(const std::vector<std::string>& words) {
  std::vector<std::string> out;
  for (const std::string& word : words)
    out.push_back("\"" + word + "\"");
  return out;
}

std::vector<std::string> missing_words(const Change& change) {
  return canonical_words({change.missing.begin(), change.missing.end()});
}

// The change a denial calls for, keyed so that one grant gets one change.
void add_denial(const AuditRecord& record,
                const policy::Policy& effective,
                std::map<std::string, Change>& changes) {
  Change found;
  const std::vector<std::string>& words =
      record.missing.empty() ? record.rights : record.missing;
  std::set<std::string> need(words.begin(), words.end());
  std::string key;
  // A path under no grant when it was denied may be under one now.
  std::optional<std::string> grant = record.grant;
  if (!grant) {
    if (const policy::DirGrant* dir = covering(effective, record.guest))
      grant = dir->guest;
  }
  if (grant) {
    found.guest = *grant;
    key = "grant:" + policy::guest_key(*grant);
    for (size_t i = 0; i < effective.dirs.size(); ++i) {
      const policy::DirGrant& dir = effective.dirs[i];
      if (policy::guest_key(dir.guest) != policy::guest_key(*grant))
        continue;
      found.grant = &dir;
      found.index = i;
      found.host = dir.host;
      for (const std::string& held : rights_words(dir.rights))
        need.erase(held);
      found.kind = need.empty()                              ? Kind::kGranted
                   : dir.rights_where.file == effective.file ? Kind::kWiden
                                                             : Kind::kOverride;
    }
    if (found.grant == nullptr && record.rule &&
        record.rule->starts_with("--dir")) {
      found.kind = Kind::kFlag;
      found.flag = record.source;
    } else if (found.grant == nullptr) {
      found.host = grant_host(record);
    }
  } else {
    found.guest = parent_dir(record.guest);
    key = "new:" + found.guest;
  }
  auto [it, inserted] = changes.emplace(key, found);
  it->second.missing.insert(need.begin(), need.end());
  it->second.examples.insert(example(record));
  ++it->second.count;
}

// New grants for paths under no grant: one for a directory and the
// directories below it.
void merge_new_grants(std::map<std::string, Change>& changes) {
  for (auto outer = changes.begin(); outer != changes.end(); ++outer) {
    if (!outer->first.starts_with("new:"))
      continue;
    for (auto inner = changes.begin(); inner != changes.end();) {
      if (inner == outer || !inner->first.starts_with("new:") ||
          !under(inner->second.guest, outer->second.guest)) {
        ++inner;
        continue;
      }
      outer->second.missing.insert(inner->second.missing.begin(),
                                   inner->second.missing.end());
      outer->second.examples.insert(inner->second.examples.begin(),
                                    inner->second.examples.end());
      outer->second.count += inner->second.count;
      inner = changes.erase(inner);
    }
  }
}

std::string examples_text(const Change& change) {
  std::string text;
  size_t shown = 0;
  for (const std::string& example : change.examples) {
    if (shown == kExamplesShown)
      break;
    text += (shown++ == 0 ? "" : ", ") + example;
  }
  if (change.examples.size() > kExamplesShown)
    text += " and " + std::to_string(change.examples.size() - kExamplesShown) +
            " more";
  return text + " (" + std::to_string(change.count) +
         (change.count == 1 ? " denial)" : " denials)");
}

std::vector<std::string> new_table(const Change& change,
                                   const std::string& why) {
  std::vector<std::string> words = missing_words(change);
  if (change.grant != nullptr) {
    for (const std::string& held : rights_words(change.grant->rights))
      words.push_back(held);
    words = canonical_words(words);
  }
  std::vector<std::string> lines = {"", "# " + why, "[[fs.dir]]"};
  if (change.host.empty())
    lines.push_back("host = \"\"  # FIXME: the host directory to show as " +
                    change.guest + " (policy check refuses it empty)");
  else
    lines.push_back("host = " + policy::toml_quote(change.host));
  lines.push_back("guest = " + policy::toml_quote(change.guest));
  lines.push_back("rights = [" + join_words(words, true) + "]");
  if (change.grant != nullptr &&
      change.grant->missing != policy::Missing::kError)
    lines.push_back(change.grant->missing == policy::Missing::kCreate
                        ? "missing = \"create\""
                        : "missing = \"skip\"");
  return lines;
}

std::string where_line(const policy::Location& where) {
  return where.file + ":" + std::to_string(where.line);
}

// The message for one change, and its edit of the policy file if any.
std::string plan(const Change& change,
                 const TextLines& file,
                 const std::string& shown,
                 std::vector<LineEdit>& edits) {
  const std::string add = join_words(quoted(missing_words(change)));
  const std::string denied = "denied: " + examples_text(change);
  switch (change.kind) {
    case Kind::kGranted:
      return change.guest + ": already granted by fs.dir[" +
             std::to_string(change.index) + "] (" +
             where_line(change.grant->where) +
             "); the log is older than the policy. " + denied;
    case Kind::kFlag: {
      const std::string spec_text = change.flag.starts_with("--dir ")
                                        ? change.flag.substr(6)
                                        : change.flag;
      std::vector<std::string> all = missing_words(change);
      std::string host = spec_text.substr(0, spec_text.find("::"));
      if (auto spec = parse_dir_spec(spec_text)) {
        host = spec->host;
        for (const std::string& held : rights_words(spec->rights))
          all.push_back(held);
      }
      std::string list;
      for (const std::string& word : canonical_words(all))
        list += (list.empty() ? "" : ",") + word;
      return change.guest + ": granted by the flag '" + change.flag +
             "', not by the policy; run with --dir " + host +
             "::" + change.guest + "::" + list + ". " + denied;
    }
    case Kind::kWiden: {
      const policy::Location& at = change.grant->rights_where;
      std::vector<std::string> all = rights_words(change.grant->rights);
      all.insert(all.end(), change.missing.begin(), change.missing.end());
      auto edit =
          widen_rights(file, at.line, at.column, quoted(missing_words(change)),
                       "[" + join_words(canonical_words(all), true) + "]");
      if (!edit)
        return change.guest + ": add " + add + " to rights at " +
               policy::to_string(at) + " (capbox could not edit it there). " +
               denied;
      edits.push_back(*edit);
      return change.guest + ": add " + add + " to rights at " + shown + ":" +
             std::to_string(at.line) + ":" + std::to_string(at.column) +
             " (fs.dir[" + std::to_string(change.index) + "]). " + denied;
    }
    case Kind::kOverride:
      edits.push_back({file.lines.size(), 0,
                       new_table(change,
                                 "Added by capbox policy explain: replaces the "
                                 "grant from " +
                                     where_line(change.grant->where) +
                                     " here only, adding " + add)});
      return change.guest + ": granted by " + where_line(change.grant->where) +
             " through extends; a [[fs.dir]] for it in " + shown + " adds " +
             add +
             " and replaces that grant for this policy "
             "only. " +
             denied;
    case Kind::kNewGrant:
      edits.push_back({file.lines.size(), 0,
                       new_table(change, "Added by capbox policy explain: " +
                                             examples_text(change))});
      return change.guest + ": under no grant; a new [[fs.dir]] with " + add +
             (change.host.empty()
                  ? ": fill in its host (policy check refuses it empty). "
                  : ". ") +
             denied;
  }
  return "";
}

// The name the diff gives the file: relative to the working directory
// when it is below it (patch -p1 and git apply run there), else to its own
// directory, and `dir` says where to apply it.
std::string diff_name(const std::string& file, std::string& dir) {
  std::error_code ec;
  const fs::path cwd = fs::current_path(ec);
  const fs::path relative = fs::path(file).lexically_relative(cwd);
  if (!ec && !relative.empty() && *relative.begin() != "..")
    return relative.string();
  dir = fs::path(file).parent_path().string();
  return fs::path(file).filename().string();
}

int render(const std::map<std::string, Change>& changes,
           const policy::Policy& effective,
           bool text_only) {
  auto text = read_text_file(effective.file);
  if (!text) {
    std::cerr << "capbox: error: cannot read " << effective.file << ": "
              << text.error().message << "\n";
    return kExNoInput;
  }
  const TextLines file = split_lines(*text);
  std::string dir;
  const std::string name = diff_name(effective.file, dir);
  std::vector<LineEdit> edits;
  bool proposed = false;
  for (const auto& [key, change] : changes) {
    const std::string message = plan(change, file, name, edits);
    proposed = proposed || change.kind != Kind::kGranted;
    (text_only ? std::cout : std::cerr)
        << (text_only ? "" : "capbox: ") << message << "\n";
  }
  if (!text_only && !edits.empty()) {
    std::cout << unified_diff(name, file, edits);
    std::cerr << "capbox: apply with: patch -p1"
              << (dir.empty() ? "" : " -d " + dir) << " < PATCH\n";
  }
  return proposed ? kExChanges : 0;
}

Result<policy::Policy, int> load(const std::string& name) {
  const std::vector<std::string> dirs =
      policy_search_dirs(std::getenv("XDG_CONFIG_HOME"), std::getenv("HOME"));
  auto loaded = load_policy(name, dirs);
  if (loaded)
    return std::move(*loaded);
  int status = kExNoInput;
  for (const policy::Error& error : loaded.error()) {
    std::cerr << policy::format_error(error);
    if (!error.not_found)
      status = kExConfig;
  }
  return Unexpected(status);
}

int explain_log(const ExplainOptions& options,
                const policy::Policy& effective) {
  auto text = read_text_file(options.log);
  if (!text) {
    std::cerr << "capbox: error: cannot read the audit log " << options.log
              << ": " << text.error().message << "\n";
    return kExNoInput;
  }
  auto records = parse_audit_log(*text);
  if (!records) {
    std::cerr << "capbox: error: " << options.log << ": " << records.error()
              << "\n";
    return kExDataErr;
  }
  std::map<std::string, Change> changes;
  for (const AuditRecord& record : *records) {
    if (!record.allowed)
      add_denial(record, effective, changes);
  }
  merge_new_grants(changes);
  if (changes.empty()) {
    (options.text ? std::cout : std::cerr)
        << (options.text ? "" : "capbox: ") << "no denials in " << options.log
        << "; nothing to change\n";
    return 0;
  }
  return render(changes, effective, options.text);
}

int explain_path(const ExplainOptions& options,
                 const policy::Policy& effective) {
  if (!options.path.starts_with("/"))
    return usage("--path takes an absolute guest path, not '" + options.path +
                 "'");
  auto bits = wasi::parse_grant_rights(options.rights);
  if (!bits)
    return usage("--rights " + options.rights + ": " + bits.error());
  const std::string path = fs::path(options.path).lexically_normal().string();
  const policy::DirGrant* grant = covering(effective, path);
  const size_t index =
      grant == nullptr ? 0 : static_cast<size_t>(grant - &effective.dirs[0]);
  const std::string rule = "fs.dir[" + std::to_string(index) + "]";
  if (grant != nullptr && grant->rights.contains(*bits)) {
    std::cout << "allowed by " << rule << " (" << where_line(grant->where)
              << ")\n";
    return 0;
  }
  AuditRecord record;
  record.op = "access";
  record.guest = path;
  record.rights = rights_words(*bits);
  if (grant != nullptr)
    record.grant = grant->guest;
  std::cout << "denied: " << path << " needs " << join_words(record.rights)
            << "; "
            << (grant == nullptr
                    ? "no grant covers it"
                    : rule + " (" + where_line(grant->where) + ") grants " +
                          join_words(rights_words(grant->rights)))
            << "\n";
  std::map<std::string, Change> changes;
  add_denial(record, effective, changes);
  render(changes, effective, options.text);
  return kExChanges;
}

// Whether the guest gets the variable `options.env`, and the rule that
// gives it, or what to add.
int explain_env(const ExplainOptions& options,
                const policy::Policy& effective) {
  const std::string& name = options.env;
  const policy::Env& env = effective.env;
  if (auto set = env.set.find(name); set != env.set.end()) {
    std::cout << "allowed by env.set (" << where_line(set->second.where)
              << "): " << name << "=\"" << set->second.value << "\"\n";
    return 0;
  }
  for (const policy::Located<std::string>& inherited : env.inherit) {
    if (inherited.value != name)
      continue;
    std::cout << "allowed by env.inherit (" << where_line(inherited.where)
              << "): " << name << " is passed when capbox's environment has "
              << "it\n";
    return 0;
  }
  if (env.inherit_all && env.inherit_all->value) {
    std::cout << "allowed by env.inherit_all ("
              << where_line(env.inherit_all->where)
              << "): the whole environment is passed\n";
    return 0;
  }
  std::cout << "denied: " << name << " is not passed; add \"" << name
            << "\" to env.inherit in " << effective.file
            << " to pass the caller's value, or give it one in env.set\n";
  return kExChanges;
}

}  // namespace

int policy_explain_command(std::span<const std::string> args) {
  auto options = parse_options(args);
  if (!options)
    return usage(options.error());
  if (options->help) {
    print_explain_help(std::cout);
    return 0;
  }
  if (!options->log.empty() && !fs::exists(options->log)) {
    std::cerr << "capbox: error: cannot read the audit log " << options->log
              << ": no such file\n";
    return kExNoInput;
  }
  auto effective = load(options->policy);
  if (!effective)
    return effective.error();
  if (!options->env.empty())
    return explain_env(*options, *effective);
  return options->log.empty() ? explain_path(*options, *effective)
                              : explain_log(*options, *effective);
}

void print_explain_help(std::ostream& out) {
  out << "Usage: capbox policy explain NAME|FILE --log AUDIT.jsonl "
         "[--format=diff|text]\n"
         "       capbox policy explain NAME|FILE --path GUEST_PATH --rights "
         "LIST\n"
         "                             [--format=diff|text]\n"
         "       capbox policy explain NAME|FILE --env NAME\n"
         "\n"
         "With --log, reads the denials of an audit log ('capbox run "
         "--audit=FILE') and\n"
         "says, for each grant, which rights to add, or which [[fs.dir]] "
         "to add for a\n"
         "path under no grant: as a unified diff of the policy file on "
         "stdout (apply it\n"
         "with patch -p1 or git apply), one line per change on stderr. "
         "With --path,\n"
         "says whether GUEST_PATH may be used with LIST (read,write,create,"
         "delete,\n"
         "rename,metadata, ro, rw) and which grant allows it, or the patch "
         "that would.\n"
         "With --env, says whether the guest gets the variable NAME and "
         "which rule of\n"
         "[env] gives it, or what to add.\n"
         "\n"
         "      --log FILE       the audit log to explain\n"
         "      --path PATH      a guest path to ask about, with --rights\n"
         "      --rights LIST    the rights asked for PATH\n"
         "      --env NAME       an environment variable to ask about\n"
         "      --format FORMAT  diff (the default): the patch on stdout; "
         "text: the\n"
         "                       changes in words on stdout, no patch\n"
         "\n"
         "Exit status: 0 nothing to change, or allowed; 1 a change proposed, "
         "or denied;\n"
         "64 usage error, 65 malformed log, 66 no such log or policy, 78 "
         "invalid policy.\n";
}

}  // namespace capbox::cli
