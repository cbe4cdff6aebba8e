// SPDX-License-Identifier: Apache-2.0
// Finding policies: by name in the three directories in order, by path as
// written, never in the working directory by name; extends by name and by
// path relative to the including file.
#include <doctest/doctest.h>

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "cli/policy_lookup.h"

namespace capbox::cli {
namespace {

namespace fs = std::filesystem;

struct TempDir {
  TempDir() {
    std::string pattern =
        (fs::temp_directory_path() / "capbox-policy-XXXXXX").string();
    REQUIRE(::mkdtemp(pattern.data()) != nullptr);
    path = pattern;
  }
  ~TempDir() { fs::remove_all(path); }
  void write(const std::string& name, const std::string& text) const {
    fs::create_directories((path / name).parent_path());
    std::ofstream(path / name) << text;
  }
  fs::path path;
};

TEST_CASE("search directories") {
  CHECK(policy_search_dirs("/x", "/home/u") ==
        std::vector<std::string>{"/x/capbox/policies", "/etc/capbox/policies",
                                 "/usr/share/capbox/policies"});
  CHECK(policy_search_dirs(nullptr, "/home/u").front() ==
        "/home/u/.config/capbox/policies");
  // A relative XDG_CONFIG_HOME is invalid (XDG spec): use the default.
  CHECK(policy_search_dirs("rel", "/home/u").front() ==
        "/home/u/.config/capbox/policies");
  CHECK(policy_search_dirs(nullptr, nullptr).size() == 2);
}

TEST_CASE("capbox/NAME names a shipped base, not a path") {
  CHECK(is_shipped_name("capbox/wasi-command"));
  CHECK_FALSE(names_a_path("capbox/wasi-command"));
  CHECK_FALSE(is_shipped_name("capbox/"));
  CHECK_FALSE(is_shipped_name("capbox/a/b"));
  CHECK_FALSE(is_shipped_name("capbox/x.toml"));
  CHECK_FALSE(is_shipped_name("capbox/../etc"));
  CHECK(names_a_path("capbox/x.toml"));
  CHECK(names_a_path("./capbox/wasi-command"));
}

TEST_CASE("a capbox/NAME is also looked for where capbox ships its bases") {
  // The test runs from the build tree, so the source tree's bases count.
  auto found = find_policy("capbox/wasi-command", {});
  REQUIRE(found.has_value());
  CHECK(found->ends_with("/policy/shipped/capbox/wasi-command.toml"));
  // Only capbox/ names: a plain name never reaches the shipped directory.
  CHECK_FALSE(find_policy("wasi-command", {}).has_value());
  CHECK_FALSE(find_policy("capbox/no-such-base", {}).has_value());
}

TEST_CASE("names and paths") {
  CHECK(names_a_path("./p"));
  CHECK(names_a_path("p.toml"));
  CHECK(names_a_path("/etc/capbox/policies/p.toml"));
  CHECK_FALSE(names_a_path("imgconv"));
}

TEST_CASE("a name: the first directory that has it wins") {
  TempDir t;
  t.write("user/app.toml", "version = 1\n[limits]\nfuel = 1\n");
  t.write("etc/app.toml", "version = 1\n[limits]\nfuel = 2\n");
  t.write("etc/other.toml", "version = 1\n[limits]\nfuel = 3\n");
  const std::vector<std::string> dirs = {(t.path / "user").string(),
                                         (t.path / "etc").string(),
                                         (t.path / "share").string()};
  CHECK(load_policy("app", dirs)->limits.fuel->value == 1);
  CHECK(load_policy("other", dirs)->limits.fuel->value == 3);
  auto missing = load_policy("nope", dirs);
  REQUIRE_FALSE(missing.has_value());
  CHECK(missing.error()[0].not_found);
  CHECK(missing.error()[0].message == "no policy named 'nope'");
  CHECK(missing.error()[0].hint.find("share/nope.toml") != std::string::npos);
}

TEST_CASE("a name is never looked up in the working directory") {
  TempDir t;
  t.write("here.toml", "version = 1\n");
  const fs::path old = fs::current_path();
  fs::current_path(t.path);
  auto by_name = load_policy("here", {(t.path / "empty").string()});
  auto by_path = load_policy("here.toml", {});
  fs::current_path(old);
  REQUIRE_FALSE(by_name.has_value());
  CHECK(by_name.error()[0].not_found);
  CHECK(by_path.has_value());
  CHECK_FALSE(load_policy(".hidden", {t.path.string()}).has_value());
}

TEST_CASE("extends by name and by relative path") {
  TempDir t;
  t.write("dirs/base.toml", "version = 1\n[limits]\nfuel = 7\n");
  t.write("elsewhere/sub/mid.toml",
          "version = 1\nextends = \"base\"\n[limits]\nopen_files = 3\n");
  t.write("elsewhere/top.toml", "version = 1\nextends = \"sub/mid.toml\"\n");
  auto loaded = load_policy((t.path / "elsewhere/top.toml").string(),
                            {(t.path / "dirs").string()});
  REQUIRE(loaded.has_value());
  CHECK(loaded->limits.fuel->value == 7);
  CHECK(loaded->limits.open_files->value == 3);
  CHECK(loaded->file == (t.path / "elsewhere/top.toml").string());
}

TEST_CASE("a missing path, a directory") {
  TempDir t;
  auto missing = load_policy((t.path / "no.toml").string(), {});
  REQUIRE_FALSE(missing.has_value());
  CHECK(missing.error()[0].not_found);
  auto dir = load_policy(t.path.string() + "/", {});
  REQUIRE_FALSE(dir.has_value());
  CHECK_FALSE(dir.error()[0].not_found);
  CHECK(dir.error()[0].message == "not a regular file");
}

TEST_CASE("load_effective_policy reads XDG_CONFIG_HOME") {
  TempDir t;
  t.write("capbox/policies/mine.toml",
          "version = 1\nlocked = true\n[limits]\nfuel = 4\n");
  const char* old = std::getenv("XDG_CONFIG_HOME");
  const std::string saved = old ? old : "";
  ::setenv("XDG_CONFIG_HOME", t.path.c_str(), 1);
  auto plain = load_effective_policy("mine", {});
  policy::Flags flags;
  flags.env.push_back({"A=1", {"--env A=1", 0, 0}});
  auto flagged = load_effective_policy("mine", flags);
  if (old)
    ::setenv("XDG_CONFIG_HOME", saved.c_str(), 1);
  else
    ::unsetenv("XDG_CONFIG_HOME");
  REQUIRE(plain.has_value());
  CHECK(plain->limits.fuel->value == 4);
  REQUIRE_FALSE(flagged.has_value());
  CHECK(flagged.error()[0].where.line == 2);
}

TEST_CASE("a module's policy, or the default") {
  CHECK(policy_name_for_module("/opt/imgconv.wasm") == "imgconv");
  CHECK(policy_name_for_module("tool") == "tool");
  CHECK(policy_name_for_module("dir/a.b.wasm") == "a.b");
  TempDir t;
  t.write("capbox/policies/known.toml", "version = 1\n[limits]\nfuel = 6\n");
  t.write("capbox/policies/broken.toml", "version = 1\nfuel = 6\n");
  const char* old = std::getenv("XDG_CONFIG_HOME");
  const std::string saved = old ? old : "";
  ::setenv("XDG_CONFIG_HOME", t.path.c_str(), 1);
  policy::Flags flags;
  flags.env.push_back({"A=1", {"--env A=1", 0, 0}});
  auto known = load_policy_for_module("/x/known.wasm", flags);
  auto unknown = load_policy_for_module("/x/unknown.wasm", flags);
  auto broken = load_policy_for_module("broken.wasm", {});
  if (old)
    ::setenv("XDG_CONFIG_HOME", saved.c_str(), 1);
  else
    ::unsetenv("XDG_CONFIG_HOME");
  REQUIRE(known.has_value());
  CHECK(known->limits.fuel->value == 6);
  CHECK(known->env.set.at("A").value == "1");
  REQUIRE(unknown.has_value());
  CHECK(unknown->dirs.empty());
  CHECK_FALSE(unknown->limits.fuel);
  CHECK(unknown->env.set.at("A").value == "1");
  REQUIRE_FALSE(broken.has_value());
  CHECK(broken.error()[0].message == "unknown key 'fuel' at the top level");
}

TEST_CASE("run's options become flags") {
  RunOptions options;
  options.dirs = {"/srv::/data::ro"};
  options.envs = {"A=1"};
  options.inherit_env = true;
  options.tcplisten = {"127.0.0.1:80"};
  auto flags = policy_flags(options);
  REQUIRE(flags.has_value());
  CHECK(flags->dirs[0].guest == "/data");
  CHECK(flags->dirs[0].where.file == "--dir /srv::/data::ro");
  CHECK(flags->env[0].where.file == "--env A=1");
  CHECK(flags->inherit_env->file == "-S inherit-env");
  CHECK(flags->listen[0].value == "127.0.0.1:80");
  options.dirs = {"/srv::/data::bogus"};
  CHECK_FALSE(policy_flags(options).has_value());
}

}  // namespace
}  // namespace capbox::cli
