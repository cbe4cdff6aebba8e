// SPDX-License-Identifier: Apache-2.0
// extends and flags. Every merged value keeps the location it came from,
// so the effective policy still says which file and line granted what.
// Depends on policy/policy.h only; no I/O.
#include "policy/merge.h"

#include <algorithm>

namespace capbox::policy {
namespace {

// Deep chains are almost surely a mistake, and a bound keeps a diamond of
// extends from growing without end.
constexpr size_t kMaxDepth = 32;

template <typename T>
void override_with(std::optional<T>& base, const std::optional<T>& child) {
  if (child)
    base = child;
}

void add_dir(std::vector<DirGrant>& dirs, const DirGrant& grant) {
  auto same = std::find_if(dirs.begin(), dirs.end(), [&](const DirGrant& d) {
    return guest_key(d.guest) == guest_key(grant.guest);
  });
  if (same != dirs.end())
    *same = grant;
  else
    dirs.push_back(grant);
}

void add_unique(std::vector<Located<std::string>>& list,
                const Located<std::string>& item) {
  if (std::none_of(list.begin(), list.end(),
                   [&](const auto& x) { return x.value == item.value; }))
    list.push_back(item);
}

void merge_limits(Limits& base, const Limits& child) {
  for (const LimitField& field : kLimitFields)
    override_with(base.*field.member, child.*field.member);
}

bool limits_empty(const Limits& limits) {
  return std::none_of(kLimitFields.begin(), kLimitFields.end(),
                      [&](const LimitField& field) {
                        return (limits.*field.member).has_value();
                      });
}

Result<Policy, Errors> resolve(Policy policy,
                               const Loader& load,
                               std::vector<std::string>& chain) {
  chain.push_back(policy.file);
  std::optional<Policy> base;
  for (const Located<std::string>& ref : policy.extends) {
    auto parent = load(ref, policy);
    if (!parent)
      return Unexpected(std::move(parent).error());
    if (std::find(chain.begin(), chain.end(), parent->file) != chain.end()) {
      std::string cycle;
      for (const std::string& file : chain)
        cycle += file + " -> ";
      return Unexpected(
          Errors{{ref.where, "extends cycle: " + cycle + parent->file,
                  "remove one of these extends"}});
    }
    if (chain.size() >= kMaxDepth)
      return Unexpected(Errors{{ref.where,
                                "extends nests too deeply (" +
                                    std::to_string(kMaxDepth) + " levels)",
                                "extend fewer, larger base policies"}});
    auto resolved = resolve(std::move(*parent), load, chain);
    if (!resolved)
      return resolved;
    base = base ? merge(*base, *resolved) : std::move(*resolved);
  }
  chain.pop_back();
  Policy out = base ? merge(*base, policy) : std::move(policy);
  out.read_from.push_back(out.file);
  return out;
}

Error locked_error(const Policy& policy, const std::string& flag) {
  return Error{
      policy.locked->where,
      "the policy is locked (locked = true): " + flag + " may not add to it",
      "grant it in the policy itself, or set locked = false at " +
          to_string(policy.locked->where)};
}

}  // namespace

Policy merge(const Policy& base, const Policy& child) {
  Policy out = base;
  out.file = child.file;
  out.read_from.insert(out.read_from.end(), child.read_from.begin(),
                       child.read_from.end());
  out.extends = child.extends;
  override_with(out.description, child.description);
  override_with(out.locked, child.locked);
  override_with(out.program.module, child.program.module);
  override_with(out.program.sha256, child.program.sha256);
  override_with(out.program.argv0, child.program.argv0);
  override_with(out.program.args, child.program.args);
  override_with(out.program.extra_args, child.program.extra_args);
  for (const DirGrant& grant : child.dirs)
    add_dir(out.dirs, grant);
  for (const auto& name : child.env.inherit)
    add_unique(out.env.inherit, name);
  for (const auto& [name, value] : child.env.set)
    out.env.set[name] = value;
  override_with(out.env.inherit_all, child.env.inherit_all);
  merge_limits(out.limits, child.limits);
  for (const auto& address : child.listen)
    add_unique(out.listen, address);
  override_with(out.wasi.filesystem, child.wasi.filesystem);
  override_with(out.wasi.clocks, child.wasi.clocks);
  override_with(out.wasi.random, child.wasi.random);
  override_with(out.wasi.poll, child.wasi.poll);
  override_with(out.wasi.sockets, child.wasi.sockets);
  override_with(out.audit.denials, child.audit.denials);
  override_with(out.audit.log, child.audit.log);
  return out;
}

Result<Policy, Errors> resolve_extends(Policy root, const Loader& load) {
  std::vector<std::string> chain;
  return resolve(std::move(root), load, chain);
}

bool Flags::empty() const {
  return dirs.empty() && env.empty() && !inherit_env && listen.empty() &&
         limits_empty(limits);
}

Result<Policy, Errors> apply_flags(Policy policy, const Flags& flags) {
  if (policy.is_locked() && !flags.empty()) {
    Errors errors;
    for (const DirGrant& grant : flags.dirs)
      errors.push_back(locked_error(policy, grant.where.file));
    for (const auto& entry : flags.env)
      errors.push_back(locked_error(policy, entry.where.file));
    if (flags.inherit_env)
      errors.push_back(locked_error(policy, flags.inherit_env->file));
    for (const auto& address : flags.listen)
      errors.push_back(locked_error(policy, address.where.file));
    for (const LimitField& field : kLimitFields) {
      if (const auto& limit = flags.limits.*field.member)
        errors.push_back(locked_error(policy, limit->where.file));
    }
    return Unexpected(std::move(errors));
  }
  for (const DirGrant& grant : flags.dirs)
    add_dir(policy.dirs, grant);
  for (const auto& entry : flags.env) {
    const size_t eq = entry.value.find('=');
    if (eq == std::string::npos)
      add_unique(policy.env.inherit, entry);
    else
      policy.env.set[entry.value.substr(0, eq)] = {entry.value.substr(eq + 1),
                                                   entry.where};
  }
  if (flags.inherit_env)
    policy.env.inherit_all = Located<bool>{true, *flags.inherit_env};
  for (const auto& address : flags.listen)
    add_unique(policy.listen, address);
  merge_limits(policy.limits, flags.limits);
  return policy;
}

}  // namespace capbox::policy
