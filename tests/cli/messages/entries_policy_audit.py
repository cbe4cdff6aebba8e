# SPDX-License-Identifier: Apache-2.0
# Catalogue entries (see catalogue.py): the policy's [audit] table
# (policy/parser.cc parse_audit) and how run and exec use it
# (src/cli/run_outputs.cc), and learn's -S (src/cli/policy_learn.cc).
from catalogue import E, P

P("policy-audit-bad-values",
  'version = 1\n[audit]\ndenials = "stdrr"\nlog = ""\n',
  'capbox: error: policy {DIR}/p.toml: audit.denials must be "off", "stderr" or "file", not "stdrr"\n'
  '  --> {DIR}/p.toml:3:11\n'
  "   = help: did you mean 'stderr'? off prints no denials, stderr prints each rule's first, file writes them to the audit log only\n"
  'capbox: error: policy {DIR}/p.toml: audit.log is empty\n'
  '  --> {DIR}/p.toml:4:7\n'
  '   = help: name a file, e.g. log = "~/capbox/audit.jsonl", or leave log out\n')
P("policy-audit-wrong-types",
  'version = 1\n[audit]\ndenials = 1\nlog = 2\n',
  'capbox: error: policy {DIR}/p.toml: audit.denials must be a string, not an integer\n'
  '  --> {DIR}/p.toml:3:11\n'
  '   = help: for example: denials = "stderr"\n'
  'capbox: error: policy {DIR}/p.toml: audit.log must be a string, not an integer\n'
  '  --> {DIR}/p.toml:4:7\n'
  '   = help: for example: log = "~/capbox/audit.jsonl"\n')
E("policy-audit-locked-flag",
  ["run", "-p", "p.toml", "--audit=a.jsonl", "hello.wasm"], 125,
  "capbox: error: the policy is locked (locked = true at {DIR}/p.toml:2:10): "
  "--audit may not replace its audit log, p.jsonl ({DIR}/p.toml:4:7)\n",
  modules=["hello.wasm"],
  files={"p.toml": 'version = 1\nlocked = true\n[audit]\nlog = "p.jsonl"\n'})
E("policy-audit-no-home", ["run", "-p", "p.toml", "hello.wasm"], 125,
  "capbox: error: cannot place the audit log ~/a.jsonl ({DIR}/p.toml:3:7): "
  "HOME is not set\n",
  modules=["hello.wasm"], env={"HOME": ""},
  files={"p.toml": 'version = 1\n[audit]\nlog = "~/a.jsonl"\n'})
# src/cli/policy_learn.cc: learn grants only listening sockets with -S.
E("learn-S-not-tcplisten", ["policy", "learn", "-S", "inherit-env", "--",
                            "x.wasm"], 64,
  "capbox: error: 'policy learn' takes -S tcplisten=ADDR:PORT only, not -S "
  "inherit-env\n   = help: see 'capbox policy learn --help'\n")
