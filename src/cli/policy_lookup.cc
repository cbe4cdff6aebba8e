// SPDX-License-Identifier: Apache-2.0
#include "cli/policy_lookup.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "cli/dir_spec.h"
#include "policy/parser.h"

namespace fs = std::filesystem;

namespace capbox::cli {
namespace {

// Policies are small; a bound keeps a wrong path (a device, a log) from
// being read whole.
constexpr std::uintmax_t kMaxPolicyBytes = 1 << 20;

policy::Error file_error(const std::string& file,
                         std::string message,
                         bool not_found) {
  policy::Error error{policy::Location{file, 0, 0}, std::move(message), {}};
  error.not_found = not_found;
  return error;
}

Result<std::string, policy::Error> read_file(const std::string& path) {
  std::error_code ec;
  const fs::file_status status = fs::status(path, ec);
  if (ec || !fs::exists(status))
    return Unexpected(file_error(path, "no such file", true));
  if (!fs::is_regular_file(status)) {
    policy::Error error = file_error(path, "not a regular file", false);
    error.hint = "give the path of a policy file (NAME.toml)";
    return Unexpected(std::move(error));
  }
  if (fs::file_size(path, ec) > kMaxPolicyBytes) {
    policy::Error error = file_error(path, "larger than 1 MiB", false);
    error.hint =
        "a policy is a short TOML file; check that this is the one "
        "you meant";
    return Unexpected(std::move(error));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return Unexpected(file_error(path, std::strerror(errno), false));
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Parses the file at `path` (not following its extends).
Result<policy::Policy, policy::Errors> parse_file(const std::string& path) {
  std::error_code ec;
  fs::path canonical = fs::weakly_canonical(path, ec);
  const std::string file = ec ? path : canonical.string();
  auto text = read_file(file);
  if (!text)
    return Unexpected(policy::Errors{text.error()});
  return policy::parse_policy(*text, file);
}

}  // namespace

bool names_a_path(const std::string& name_or_path) {
  if (is_shipped_name(name_or_path))
    return false;
  return name_or_path.find('/') != std::string::npos ||
         name_or_path.ends_with(".toml");
}

bool is_shipped_name(const std::string& name) {
  constexpr std::string_view kPrefix = "capbox/";
  if (!name.starts_with(kPrefix) || name.size() == kPrefix.size())
    return false;
  const std::string_view rest = std::string_view(name).substr(kPrefix.size());
  return rest.find('/') == std::string_view::npos && !rest.ends_with(".toml") &&
         rest[0] != '.';
}

std::vector<std::string> shipped_policy_dirs() {
  std::vector<std::string> dirs;
  const std::string installed = CAPBOX_POLICY_DATADIR;
  if (installed != "/usr/share/capbox/policies")
    dirs.push_back(installed);
  // Run from the build tree (tests, ./dev run), the shipped bases are
  // found where they are written, so `extends = ["capbox/..."]` works
  // before `meson install`.
  std::error_code error;
  const fs::path self = fs::read_symlink("/proc/self/exe", error);
  const std::string build_root = CAPBOX_BUILD_ROOT;
  if (!error && self.string().starts_with(build_root + "/"))
    dirs.push_back(std::string(CAPBOX_SOURCE_ROOT) + "/policy/shipped");
  return dirs;
}

std::vector<std::string> policy_search_dirs(const char* xdg_config_home,
                                            const char* home) {
  std::vector<std::string> dirs;
  // The XDG spec says a relative $XDG_CONFIG_HOME is invalid: ignore it.
  if (xdg_config_home != nullptr && xdg_config_home[0] == '/')
    dirs.push_back(std::string(xdg_config_home) + "/capbox/policies");
  else if (home != nullptr && home[0] == '/')
    dirs.push_back(std::string(home) + "/.config/capbox/policies");
  dirs.push_back("/etc/capbox/policies");
  dirs.push_back("/usr/share/capbox/policies");
  return dirs;
}

Result<std::string, policy::Error> find_policy(
    const std::string& name_or_path,
    const std::vector<std::string>& dirs) {
  if (names_a_path(name_or_path)) {
    std::error_code ec;
    if (!fs::exists(name_or_path, ec))
      return Unexpected(file_error(name_or_path, "no such file", true));
    return name_or_path;
  }
  if (name_or_path.empty() || name_or_path[0] == '.')
    return Unexpected(file_error(
        name_or_path, "'" + name_or_path + "' is not a policy name", false));
  std::vector<std::string> searched = dirs;
  if (is_shipped_name(name_or_path)) {
    for (std::string& shipped : shipped_policy_dirs())
      searched.push_back(std::move(shipped));
  }
  std::string looked;
  for (const std::string& dir : searched) {
    const std::string candidate = dir + "/" + name_or_path + ".toml";
    std::error_code ec;
    if (fs::exists(candidate, ec))
      return candidate;
    looked += (looked.empty() ? "" : ", ") + candidate;
  }
  policy::Error error =
      file_error(name_or_path, "no policy named '" + name_or_path + "'", true);
  error.hint = "looked for " + looked +
               "; a file in the working directory is used only when given "
               "as a path (./" +
               name_or_path + ".toml)";
  return Unexpected(std::move(error));
}

Result<policy::Policy, policy::Errors> load_policy(
    const std::string& name_or_path,
    const std::vector<std::string>& dirs) {
  auto path = find_policy(name_or_path, dirs);
  if (!path)
    return Unexpected(policy::Errors{path.error()});
  auto root = parse_file(*path);
  if (!root)
    return root;
  const policy::Loader load = [&dirs](const policy::Located<std::string>& ref,
                                      const policy::Policy& from)
      -> Result<policy::Policy, policy::Errors> {
    std::string target = ref.value;
    if (names_a_path(target) && !target.starts_with("/"))
      target = (fs::path(from.file).parent_path() / target).string();
    auto found = find_policy(target, dirs);
    auto parsed = found ? parse_file(*found)
                        : Result<policy::Policy, policy::Errors>(
                              Unexpected(policy::Errors{found.error()}));
    if (parsed)
      return parsed;
    // A missing or unreadable base is the including file's mistake.
    policy::Errors errors = std::move(parsed).error();
    for (policy::Error& error : errors) {
      if (error.where.line != 0)
        continue;
      error.message = "extends \"" + ref.value + "\": " + error.message;
      error.where = ref.where;
      error.not_found = false;
      if (error.hint.empty())
        error.hint =
            "a path in extends is relative to the file that names it; a "
            "name is looked up like a policy name";
    }
    return Unexpected(std::move(errors));
  };
  return policy::resolve_extends(std::move(*root), load);
}

Result<policy::Policy, policy::Errors> load_effective_policy(
    const std::string& name_or_path,
    const policy::Flags& flags) {
  auto loaded = load_policy(
      name_or_path,
      policy_search_dirs(std::getenv("XDG_CONFIG_HOME"), std::getenv("HOME")));
  if (!loaded)
    return loaded;
  return policy::apply_flags(std::move(*loaded), flags);
}

std::string policy_name_for_module(const std::string& module_path) {
  std::string name = fs::path(module_path).filename().string();
  if (name.ends_with(".wasm"))
    name.resize(name.size() - 5);
  return name;
}

Result<policy::Policy, policy::Errors> load_policy_for_module(
    const std::string& module_path,
    const policy::Flags& flags) {
  const std::string name = policy_name_for_module(module_path);
  const std::vector<std::string> dirs =
      policy_search_dirs(std::getenv("XDG_CONFIG_HOME"), std::getenv("HOME"));
  // A module name that reads as a path ("x.toml") or cannot be a policy
  // name (".x") names no policy; nor does a name found nowhere.
  if (names_a_path(name) || !find_policy(name, dirs))
    return policy::apply_flags(policy::Policy{}, flags);
  auto loaded = load_policy(name, dirs);
  if (!loaded)
    return loaded;
  return policy::apply_flags(std::move(*loaded), flags);
}

Result<policy::Flags, std::string> policy_flags(const RunOptions& options) {
  policy::Flags flags;
  for (const std::string& text : options.dirs) {
    auto spec = parse_dir_spec(text);
    if (!spec)
      return Unexpected(spec.error());
    policy::DirGrant grant;
    grant.host = spec->host;
    grant.guest = spec->guest;
    // exec shows a native program a directory at its own path; the
    // canonical one, so that realpath() in the program (which walks the
    // host's symlinks through the kernel) lands inside the grant again.
    if (options.kind == CommandKind::kExec && spec->guest == spec->host) {
      std::error_code error;
      const auto canonical = std::filesystem::canonical(spec->host, error);
      if (!error)
        grant.guest = canonical.string();
    }
    grant.rights = spec->rights;
    grant.where = policy::Location{"--dir " + text, 0, 0};
    grant.rights_where = grant.where;
    flags.dirs.push_back(std::move(grant));
  }
  for (const std::string& entry : options.envs)
    flags.env.push_back({entry, policy::Location{"--env " + entry, 0, 0}});
  if (options.inherit_env)
    flags.inherit_env = policy::Location{"-S inherit-env", 0, 0};
  for (const std::string& address : options.tcplisten)
    flags.listen.push_back(
        {address, policy::Location{"-S tcplisten=" + address, 0, 0}});
  for (const LimitFlag& limit : options.limits) {
    for (const policy::LimitField& field : policy::kLimitFields) {
      if (field.key == limit.key)
        flags.limits.*field.member =
            policy::Located<uint64_t>{limit.value, {limit.text, 0, 0}};
    }
  }
  return flags;
}

}  // namespace capbox::cli
