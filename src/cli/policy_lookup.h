// SPDX-License-Identifier: Apache-2.0
// Finding and reading policy files: a NAME is looked up in
// $XDG_CONFIG_HOME/capbox/policies, /etc/capbox/policies, then
// /usr/share/capbox/policies (first match wins); a path (it contains '/'
// or ends in .toml) is used as written. Never the working directory or the
// module's directory by name: a repository must not grant itself rights.
// Parsing and merging are policy/'s; this file only touches the filesystem.
#pragma once

#include <string>
#include <vector>

#include "base/result.h"
#include "cli/run_options.h"
#include "policy/merge.h"
#include "policy/policy.h"

namespace capbox::cli {

// True when `name_or_path` is a path rather than a NAME to look up.
bool names_a_path(const std::string& name_or_path);

// "capbox/NAME": a base policy shipped with capbox (installed beneath
// DATADIR/capbox/policies/capbox/), looked up like a name despite its '/'.
bool is_shipped_name(const std::string& name);

// Where the shipped policies are beyond /usr/share/capbox/policies: the
// configured datadir when it differs (a /usr/local install), and the
// source tree's policy/shipped when capbox runs from its build tree.
std::vector<std::string> shipped_policy_dirs();

// The directories searched for a NAME, in order. `xdg_config_home` and
// `home` are the environment's values (null when unset); without either,
// the user directory is left out. A capbox/NAME is also looked for in
// shipped_policy_dirs(), after these.
std::vector<std::string> policy_search_dirs(const char* xdg_config_home,
                                            const char* home);

// The file a NAME or path stands for. A NAME found nowhere, or a path
// that does not exist, is an error with not_found set.
Result<std::string, policy::Error> find_policy(
    const std::string& name_or_path,
    const std::vector<std::string>& dirs);

// Reads and parses the policy, then follows its extends (a NAME through
// `dirs`, a path relative to the file that names it).
Result<policy::Policy, policy::Errors> load_policy(
    const std::string& name_or_path,
    const std::vector<std::string>& dirs);

// What `capbox run` will use: the policy found through this process's
// environment, extends resolved, `flags` applied.
Result<policy::Policy, policy::Errors> load_effective_policy(
    const std::string& name_or_path,
    const policy::Flags& flags);

// The policy NAME a module is found by: its file name without ".wasm"
// ("/opt/imgconv.wasm" -> "imgconv").
std::string policy_name_for_module(const std::string& module_path);

// What `capbox run MODULE` uses without --policy: the policy named after
// the module when one of the directories has it, else the default (stdio
// only); `flags` applied either way. A policy that exists but is invalid
// is an error, never skipped.
Result<policy::Policy, policy::Errors> load_policy_for_module(
    const std::string& module_path,
    const policy::Flags& flags);

// run's --dir, --env and -S options as policy flags; each remembers its
// flag's text for messages. Fails on a malformed --dir.
Result<policy::Flags, std::string> policy_flags(const RunOptions& options);

}  // namespace capbox::cli
