// SPDX-License-Identifier: Apache-2.0
#include "cli/wasi_setup.h"

#include <sys/stat.h>

#include <cstring>
#include <map>

#include "cli/listen.h"
#include "wasi/grant_rights.h"

namespace capbox::cli {
namespace {

Result<std::vector<wasi::Preopen>, std::string> open_preopens(
    const std::vector<std::string>& dirs, wasi::DirectFs& fs) {
  std::vector<wasi::Preopen> preopens;
  for (const std::string& text : dirs) {
    auto spec = parse_dir_spec(text);
    if (!spec)
      return Unexpected(spec.error());
    auto opened = fs.open_root(spec->host);
    if (!opened) {
      std::string message = "--dir " + text + ": cannot open host directory " +
                            spec->host + ": " + std::strerror(opened.error());
      struct stat st {};
      if (spec->guest != spec->host && ::stat(spec->guest.c_str(), &st) == 0)
        message +=
            " (capbox reads HOST::GUEST, host first, like wasmtime 14+ and "
            "docker -v; did you swap them?)";
      return Unexpected(message);
    }
    wasi::Preopen preopen;
    preopen.guest_name = spec->guest;
    preopen.dir = std::move(*opened);
    preopen.base = spec->rights;
    preopen.inheriting = spec->rights;
    preopens.push_back(std::move(preopen));
  }
  return preopens;
}

// --env NAME=VALUE sets, --env NAME copies the caller's value (and is
// skipped when the caller has none, as docker -e does); -S inherit-env
// starts from the caller's whole environment. Later settings win.
std::vector<std::string> build_env(const RunOptions& options,
                                   const std::vector<std::string>& caller) {
  std::map<std::string, std::string> caller_values;
  for (const std::string& entry : caller) {
    const size_t eq = entry.find('=');
    if (eq != std::string::npos)
      caller_values.emplace(entry.substr(0, eq), entry.substr(eq + 1));
  }
  std::vector<std::string> env;
  std::map<std::string, size_t> position;
  auto set = [&](const std::string& name, const std::string& value) {
    auto it = position.find(name);
    if (it != position.end()) {
      env[it->second] = name + "=" + value;
      return;
    }
    position.emplace(name, env.size());
    env.push_back(name + "=" + value);
  };
  if (options.inherit_env) {
    for (const auto& [name, value] : caller_values)
      set(name, value);
  }
  for (const std::string& entry : options.envs) {
    const size_t eq = entry.find('=');
    if (eq != std::string::npos) {
      set(entry.substr(0, eq), entry.substr(eq + 1));
    } else if (auto it = caller_values.find(entry);
               it != caller_values.end()) {
      set(entry, it->second);
    }
  }
  return env;
}

}  // namespace

Result<DirSpec, std::string> parse_dir_spec(const std::string& text) {
  DirSpec spec;
  const size_t first = text.find("::");
  spec.host = text.substr(0, first);
  if (first != std::string::npos) {
    const size_t second = text.find("::", first + 2);
    spec.guest = text.substr(first + 2, second == std::string::npos
                                            ? std::string::npos
                                            : second - first - 2);
    if (second != std::string::npos) {
      auto rights = wasi::parse_grant_rights(text.substr(second + 2));
      if (!rights)
        return Unexpected("--dir " + text + ": " + rights.error());
      spec.rights = *rights;
    }
  }
  if (spec.host.empty())
    return Unexpected("--dir " + text +
                      ": no host directory; use --dir HOST[::GUEST[::RIGHTS]]");
  if (spec.guest.empty())
    spec.guest = spec.host;
  return spec;
}

Result<WasiSetup, std::string> prepare_wasi(
    const RunOptions& options, wasi::DirectFs& fs,
    const std::vector<std::string>& caller_env) {
  WasiSetup setup;
  auto preopens = open_preopens(options.dirs, fs);
  if (!preopens)
    return Unexpected(preopens.error());
  setup.preopens = std::move(*preopens);
  for (const std::string& address : options.tcplisten) {
    auto listener = listen_tcp(address);
    if (!listener)
      return Unexpected("-S tcplisten: " + listener.error());
    setup.listeners.push_back(wasi::Listener{std::move(*listener)});
  }
  setup.options.args.push_back(options.argv0.value_or(options.module_path));
  setup.options.args.insert(setup.options.args.end(),
                            options.module_args.begin(),
                            options.module_args.end());
  setup.options.env = build_env(options, caller_env);
  return setup;
}

}  // namespace capbox::cli
