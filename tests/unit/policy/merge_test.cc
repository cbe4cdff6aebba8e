// SPDX-License-Identifier: Apache-2.0
// extends (over an in-memory loader) and command-line flags.
#include <doctest/doctest.h>

#include <map>

#include "policy/merge.h"
#include "policy/parser.h"
#include "wasi/grant_rights.h"

namespace capbox::policy {
namespace {

Policy parse_ok(const std::string& text, const std::string& file) {
  auto parsed = parse_policy(text, file);
  if (!parsed)
    FAIL(format_error(parsed.error().front()));
  return std::move(*parsed);
}

// Policies by name, as if each were a file of that name.
struct MemoryLoader {
  std::map<std::string, std::string> files;
  Result<Policy, Errors> operator()(const Located<std::string>& ref,
                                    const Policy&) const {
    auto it = files.find(ref.value);
    if (it == files.end())
      return Unexpected(Errors{{ref.where, "no " + ref.value, {}}});
    return parse_policy(it->second, it->first);
  }
};

TEST_CASE("extends: base first, the child overrides") {
  MemoryLoader files{{
      {"base",
       "version = 1\n"
       "[[fs.dir]]\nhost = \"/b\"\nguest = \"/shared\"\n"
       "rights = \"ro\"\n"
       "[[fs.dir]]\nhost = \"/z\"\nguest = \"/zone\"\n"
       "rights = \"ro\"\n"
       "[env]\ninherit = [\"LANG\"]\nset = { A = \"1\", B = \"2\" }\n"
       "[limits]\nfuel = 10\nmemory = \"1MiB\"\n"
       "[wasi]\nclocks = false\n"},
  }};
  Policy child = parse_ok(
      "version = 1\nextends = \"base\"\n"
      "[[fs.dir]]\nhost = \"/c\"\nguest = \"/shared\"\nrights = \"rw\"\n"
      "[env]\ninherit = [\"TZ\", \"LANG\"]\nset = { B = \"3\" }\n"
      "[limits]\nfuel = 20\n",
      "child");
  auto merged = resolve_extends(child, files);
  REQUIRE(merged.has_value());
  CHECK(merged->file == "child");
  REQUIRE(merged->dirs.size() == 2);
  // The child's grant for /shared replaces the base's, in its place.
  CHECK(merged->dirs[0].guest == "/shared");
  CHECK(merged->dirs[0].host == "/c");
  CHECK(merged->dirs[0].where.file == "child");
  CHECK(merged->dirs[1].guest == "/zone");
  CHECK(merged->dirs[1].where.file == "base");
  REQUIRE(merged->env.inherit.size() == 2);
  CHECK(merged->env.inherit[0].value == "LANG");
  CHECK(merged->env.inherit[1].value == "TZ");
  CHECK(merged->env.set.at("A").value == "1");
  CHECK(merged->env.set.at("B").value == "3");
  CHECK(merged->limits.fuel->value == 20);
  CHECK(merged->limits.fuel->where.file == "child");
  CHECK(merged->limits.memory->value == 1 << 20);
  CHECK_FALSE(group_enabled(merged->wasi.clocks));
}

TEST_CASE("extends: [audit] keys override one by one") {
  MemoryLoader files{{
      {"base",
       "version = 1\n[audit]\ndenials = \"off\"\nlog = \"/var/b.jsonl\"\n"},
  }};
  Policy child =
      parse_ok("version = 1\nextends = \"base\"\n[audit]\ndenials = \"file\"\n",
               "child");
  auto merged = resolve_extends(child, files);
  REQUIRE(merged.has_value());
  CHECK(merged->audit.denials->value == DenialReport::kFile);
  CHECK(merged->audit.denials->where.file == "child");
  // The base's log stays: the child did not name one.
  CHECK(merged->audit.log->value == "/var/b.jsonl");
  CHECK(merged->audit.log->where.file == "base");
}

TEST_CASE("extends: several bases in order, the later one wins") {
  MemoryLoader files{{
      {"one", "version = 1\n[limits]\nfuel = 1\nopen_files = 5\n"},
      {"two", "version = 1\n[limits]\nfuel = 2\n"},
  }};
  Policy child = parse_ok("version = 1\nextends = [\"one\", \"two\"]\n", "c");
  auto merged = resolve_extends(child, files);
  REQUIRE(merged.has_value());
  CHECK(merged->limits.fuel->value == 2);
  CHECK(merged->limits.open_files->value == 5);
}

TEST_CASE("extends: a cycle is an error at the entry that closes it") {
  MemoryLoader files{{
      {"a", "version = 1\nextends = \"b\"\n"},
      {"b", "version = 1\n\nextends = [\"a\"]\n"},
  }};
  Policy root = parse_ok(files.files["a"], "a");
  auto merged = resolve_extends(root, files);
  REQUIRE_FALSE(merged.has_value());
  const Error& error = merged.error().front();
  CHECK(to_string(error.where) == "b:3:12");
  CHECK(error.message == "extends cycle: a -> b -> a");
}

TEST_CASE("extends: a policy extending itself") {
  MemoryLoader files{{{"self", "version = 1\nextends = \"self\"\n"}}};
  Policy root = parse_ok(files.files["self"], "self");
  auto merged = resolve_extends(root, files);
  REQUIRE_FALSE(merged.has_value());
  CHECK(merged.error().front().message == "extends cycle: self -> self");
}

TEST_CASE("extends: a missing base is reported") {
  Policy root = parse_ok("version = 1\nextends = \"gone\"\n", "r");
  auto merged = resolve_extends(root, MemoryLoader{});
  REQUIRE_FALSE(merged.has_value());
  CHECK(to_string(merged.error().front().where) == "r:2:11");
}

Flags some_flags() {
  Flags flags;
  DirGrant grant;
  grant.host = "/tmp";
  grant.guest = "/tmp";
  grant.rights.bits = wasi::kGrantRead;
  grant.where = {"--dir /tmp::/tmp::ro", 0, 0};
  flags.dirs.push_back(grant);
  flags.env.push_back({"X=1", {"--env X=1", 0, 0}});
  flags.env.push_back({"HOME", {"--env HOME", 0, 0}});
  flags.limits.fuel = Located<uint64_t>{99, {"-W fuel=99", 0, 0}};
  return flags;
}

TEST_CASE("flags add grants and override limits") {
  Policy p = parse_ok(
      "version = 1\n[[fs.dir]]\nhost = \"a\"\nguest = \"/a\"\n"
      "rights = \"ro\"\n[limits]\nfuel = 5\nmemory = 65536\n",
      "p");
  auto applied = apply_flags(p, some_flags());
  REQUIRE(applied.has_value());
  REQUIRE(applied->dirs.size() == 2);
  CHECK(applied->dirs[1].where.file == "--dir /tmp::/tmp::ro");
  CHECK(applied->env.set.at("X").value == "1");
  CHECK(applied->env.inherit.at(0).value == "HOME");
  CHECK(applied->limits.fuel->value == 99);
  CHECK(applied->limits.memory->value == 65536);
  // A flag for a guest path the policy grants replaces that grant.
  Flags same;
  DirGrant grant;
  grant.host = "/elsewhere";
  grant.guest = "/a/";
  grant.where = {"--dir /elsewhere::/a/", 0, 0};
  same.dirs.push_back(grant);
  auto replaced = apply_flags(p, same);
  REQUIRE(replaced.has_value());
  REQUIRE(replaced->dirs.size() == 1);
  CHECK(replaced->dirs[0].host == "/elsewhere");
  CHECK(apply_flags(p, Flags{}).has_value());
}

TEST_CASE("a locked policy refuses every flag, naming its locked line") {
  Policy p = parse_ok("version = 1\n# no more\nlocked = true\n", "l.toml");
  auto applied = apply_flags(p, some_flags());
  REQUIRE_FALSE(applied.has_value());
  const Errors& errors = applied.error();
  REQUIRE(errors.size() == 4);
  for (const Error& error : errors)
    CHECK(to_string(error.where) == "l.toml:3:10");
  CHECK(errors[0].message ==
        "the policy is locked (locked = true): --dir /tmp::/tmp::ro may not "
        "add to it");
  CHECK(errors[3].message.find("-W fuel=99") != std::string::npos);
  CHECK(errors[0].hint.find("locked = false at l.toml:3:10") !=
        std::string::npos);
  // No flags: a locked policy is used as it is.
  CHECK(apply_flags(p, Flags{}).has_value());
}

TEST_CASE("a child may unlock what its base locked, and the reverse") {
  MemoryLoader files{{{"base", "version = 1\nlocked = true\n"}}};
  auto unlocked = resolve_extends(
      parse_ok("version = 1\nextends = \"base\"\nlocked = false\n", "c"),
      files);
  REQUIRE(unlocked.has_value());
  CHECK_FALSE(unlocked->is_locked());
  auto inherited = resolve_extends(
      parse_ok("version = 1\nextends = \"base\"\n", "c"), files);
  REQUIRE(inherited.has_value());
  CHECK(inherited->is_locked());
}

}  // namespace
}  // namespace capbox::policy
