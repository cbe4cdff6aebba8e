// SPDX-License-Identifier: Apache-2.0
// Policy to TOML text. Tables come after the top-level keys they would
// otherwise capture, and arrays are written one entry per line so each can
// carry its own provenance comment.
#include "policy/show.h"

#include <algorithm>
#include <cctype>
#include <sstream>

#include "policy/values.h"
#include "wasi/grant_rights.h"

namespace capbox::policy {
namespace {

std::string from(const Location& where) {
  return "  # " + to_string(where) + "\n";
}

std::string value_text(const std::string& text) {
  return toml_quote(text);
}
std::string value_text(bool value) {
  return value ? "true" : "false";
}

template <typename T>
void put(std::ostream& out,
         std::string_view key,
         const std::optional<Located<T>>& value) {
  if (value)
    out << key << " = " << value_text(value->value) << from(value->where);
}

void put_list(std::ostream& out,
              std::string_view key,
              const std::vector<Located<std::string>>& items) {
  if (items.empty())
    return;
  out << key << " = [\n";
  for (const auto& item : items)
    out << "  " << toml_quote(item.value) << "," << from(item.where);
  out << "]\n";
}

// A grant's rights as a TOML array of its words: `[]` for none, which
// parses back as no rights.
std::string rights_list(wasi::Rights rights) {
  std::string out = "[";
  for (const std::string_view word : wasi::grant_words(rights)) {
    if (out.size() > 1)
      out += ", ";
    out += toml_quote(word);
  }
  return out + "]";
}

void put_program(std::ostream& out, const Program& program) {
  if (!program.module && !program.sha256 && !program.argv0 && !program.args &&
      !program.extra_args)
    return;
  out << "\n[program]\n";
  put(out, "module", program.module);
  put(out, "sha256", program.sha256);
  put(out, "argv0", program.argv0);
  if (program.args) {
    out << "args = [";
    for (size_t i = 0; i < program.args->value.size(); ++i)
      out << (i ? ", " : "") << toml_quote(program.args->value[i]);
    out << "]" << from(program.args->where);
  }
  put(out, "extra_args", program.extra_args);
}

void put_dirs(std::ostream& out, const std::vector<DirGrant>& dirs) {
  static constexpr const char* kMissing[] = {"error", "create", "skip"};
  for (const DirGrant& dir : dirs) {
    out << "\n[[fs.dir]]" << from(dir.where);
    out << "host = " << toml_quote(dir.host) << "\n";
    out << "guest = " << toml_quote(dir.guest) << "\n";
    out << "rights = " << rights_list(dir.rights)
        << from(dir.rights_where.file.empty() ? dir.where : dir.rights_where);
    out << "missing = \"" << kMissing[static_cast<int>(dir.missing)] << "\"\n";
  }
}

// Environment names are usually bare TOML keys; quote the rest.
std::string toml_key(const std::string& name) {
  const bool bare = !name.empty() &&
                    std::all_of(name.begin(), name.end(), [](unsigned char c) {
                      return std::isalnum(c) || c == '_' || c == '-';
                    });
  return bare ? name : toml_quote(name);
}

void put_env(std::ostream& out, const Env& env) {
  if (env.inherit.empty() && env.set.empty() && !env.inherit_all)
    return;
  out << "\n[env]\n";
  put_list(out, "inherit", env.inherit);
  put(out, "inherit_all", env.inherit_all);
  if (env.set.empty())
    return;
  out << "\n[env.set]\n";
  for (const auto& [name, value] : env.set)
    out << toml_key(name) << " = " << toml_quote(value.value)
        << from(value.where);
}

void put_limits(std::ostream& out, const Limits& limits) {
  out << "\n[limits]\n";
  for (const LimitField& field : kLimitFields) {
    const auto& limit = limits.*field.member;
    if (!limit) {
      out << "# " << field.key << ": no limit\n";
      continue;
    }
    out << field.key << " = ";
    switch (field.kind) {
      case LimitKind::kSize:
        out << toml_quote(format_size(limit->value));
        break;
      case LimitKind::kCount:
        out << limit->value;
        break;
      case LimitKind::kDuration:
        out << toml_quote(format_duration_ms(limit->value));
        break;
    }
    out << from(limit->where);
  }
}

void put_wasi(std::ostream& out, const WasiGroups& wasi) {
  out << "\n[wasi]\n";
  const std::pair<std::string_view, const std::optional<Located<bool>>*>
      groups[] = {{"filesystem", &wasi.filesystem},
                  {"clocks", &wasi.clocks},
                  {"random", &wasi.random},
                  {"poll", &wasi.poll},
                  {"sockets", &wasi.sockets}};
  for (const auto& [name, group] : groups) {
    if (*group)
      put(out, name, *group);
    else
      out << name << " = true  # default\n";
  }
}

void put_audit(std::ostream& out, const Audit& audit) {
  if (!audit.denials && !audit.log)
    return;
  static constexpr const char* kDenials[] = {"off", "stderr", "file"};
  out << "\n[audit]\n";
  if (audit.denials)
    out << "denials = \"" << kDenials[static_cast<int>(audit.denials->value)]
        << "\"" << from(audit.denials->where);
  put(out, "log", audit.log);
}

}  // namespace

std::string to_toml(const Policy& policy) {
  std::ostringstream out;
  out << "# The effective policy";
  if (!policy.file.empty())
    out << " of " << policy.file;
  out << " (extends and flags applied).\n# Each comment says where the "
         "value came from.\nversion = 1\n";
  put(out, "description", policy.description);
  put(out, "locked", policy.locked);
  put_program(out, policy.program);
  put_dirs(out, policy.dirs);
  put_env(out, policy.env);
  put_limits(out, policy.limits);
  if (!policy.listen.empty()) {
    out << "\n[net]\n";
    put_list(out, "listen", policy.listen);
  }
  put_wasi(out, policy.wasi);
  put_audit(out, policy.audit);
  return out.str();
}

}  // namespace capbox::policy
