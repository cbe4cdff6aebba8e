// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: any bytes as a policy file. The parser must never
// crash, and a policy it accepts must survive `policy show`: to_toml's
// output parses back to the same grants, or the target aborts. Seed with
// the fixtures (libFuzzer writes new inputs into the first directory):
//   policy_fuzz CORPUS tests/unit/policy/fixtures/valid \
//     tests/unit/policy/fixtures/invalid
// Built only with -Dfuzzing=true and clang (see run.sh for the setup).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "policy/merge.h"
#include "policy/parser.h"
#include "policy/show.h"

namespace {

using namespace capbox::policy;

[[noreturn]] void fail(const char* what, const std::string& text) {
  std::fprintf(stderr, "policy_fuzz: %s\n--- shown:\n%s\n", what, text.c_str());
  std::abort();
}

bool same_grants(const Policy& a, const Policy& b) {
  if (a.dirs.size() != b.dirs.size() || a.listen.size() != b.listen.size() ||
      a.env.inherit.size() != b.env.inherit.size() ||
      a.env.set.size() != b.env.set.size() || a.is_locked() != b.is_locked())
    return false;
  for (size_t i = 0; i < a.dirs.size(); ++i) {
    if (a.dirs[i].host != b.dirs[i].host ||
        a.dirs[i].guest != b.dirs[i].guest ||
        a.dirs[i].rights.bits != b.dirs[i].rights.bits ||
        a.dirs[i].missing != b.dirs[i].missing)
      return false;
  }
  for (const auto& [name, value] : a.env.set) {
    auto it = b.env.set.find(name);
    if (it == b.env.set.end() || it->second.value != value.value)
      return false;
  }
  for (const LimitField& field : kLimitFields) {
    const auto& x = a.limits.*field.member;
    const auto& y = b.limits.*field.member;
    if (x.has_value() != y.has_value() || (x && x->value != y->value))
      return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto parsed = parse_policy(text, "fuzz.toml");
  if (!parsed) {
    for (const Error& error : parsed.error())
      (void)format_error(error);
    return 0;
  }
  const std::string shown = to_toml(*parsed);
  auto again = parse_policy(shown, "shown.toml");
  if (!again)
    fail(format_error(again.error().front()).c_str(), shown);
  if (!same_grants(*parsed, *again))
    fail("show's output grants something else", shown);
  // A policy merged over itself grants what it granted.
  if (!same_grants(merge(*parsed, *parsed), *parsed))
    fail("merging a policy with itself changed it", shown);
  return 0;
}
