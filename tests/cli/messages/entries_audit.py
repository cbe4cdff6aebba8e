# SPDX-License-Identifier: Apache-2.0
# Catalogue entries (see catalogue.py): --audit and --report of run and exec
# (audit_log.cc, run_outputs.cc, run_report.cc), reading audit logs and run
# reports (policy_audit_log.cc), `capbox policy explain` (policy_explain.cc)
# and `capbox policy learn` (policy_learn.cc). Setups follow
# tests/cli/audit_test.py, explain_test.py and learn_test.py.
import json

from catalogue import E

# --audit and --report.
E("audit-default-path", ["run", "--audit", "hello.wasm"], 0, "capbox: audit log: {DIR}/state/capbox/audit/hello-{ANY}.jsonl\n", modules=["hello.wasm"])
E("audit-no-home", ["run", "--audit", "hello.wasm"], 125, "capbox: error: cannot place the audit log: neither XDG_STATE_HOME nor HOME is set; give --audit=FILE\n",
  modules=["hello.wasm"], env={"HOME": "", "XDG_STATE_HOME": ""})
E("audit-dir-unwritable", ["run", "--audit", "hello.wasm"], 125, "capbox: error: cannot create the audit directory {DIR}/f/capbox/audit: Not a directory\n",
  modules=["hello.wasm"], env={"XDG_STATE_HOME": "{DIR}/f"}, files={"f": "a file"})
E("audit-file-unwritable", ["run", "--audit=no/a.jsonl", "hello.wasm"], 125, "capbox: error: cannot write the audit log no/a.jsonl: No such file or directory\n", modules=["hello.wasm"])
# /dev/full takes the open and refuses every write.
E("audit-disk-full", ["run", "--audit=/dev/full", "--dir", "data::/d", "probe.wasm", "read", "/d/f"],
  0, "capbox: warning: the audit log cannot be written (No space left on device); later records are lost\n",
  modules=["probe.wasm"], files={"data/f": "x"})
E("report-directory", ["run", "--report=d", "hello.wasm"], 125, "capbox: error: cannot write the report d: Is a directory\n",
  modules=["hello.wasm"], files={"d/": ""})
E("report-unwritable", ["run", "--report=no/r.json", "hello.wasm"], 125,
  "capbox: error: cannot write the report no/r.json: No such file or directory\n", modules=["hello.wasm"])

# Audit logs and run reports that cannot be read (policy_audit_log.cc);
# explain and learn read them alike.
POLICY = """\
version = 1
description = "test"

[[fs.dir]]
host = "in"
guest = "/in"
rights = "ro"

[[fs.dir]]
host = "out"
guest = "/out"
rights = ["read",
          "write"]  # no create yet
missing = "create"

[limits]
memory = "16MiB"
"""


def deny(op, guest, missing, grant, rule="fs.dir[0]", target=None,
         source="x"):
    record = {"ts": "2026-11-27T00:00:00.000Z", "layer": "wasi", "op": op,
              "guest": guest, "host": None, "rights": missing,
              "decision": "deny", "missing": missing, "grant": grant,
              "rule": rule if grant else None, "source": source,
              "result": "ENOTCAPABLE"}
    if target:
        record["target"] = target
    return json.dumps(record)


GOOD = '{"layer":"wasi","op":"x","guest":"/a","rights":[],"decision":"allow"}'
for id, line, said in [
        ("log-not-string", '{"layer":1,"op":"x","guest":"/a","rights":[],"decision":"allow"}',
         "line 1: 'layer' is not a string"),
        ("log-not-array", '{"layer":"wasi","op":"x","guest":"/a","rights":"read","decision":"allow"}',
         "line 1: 'rights' is not an array"),
        ("log-non-string", '{"layer":"wasi","op":"x","guest":"/a","rights":[1],"decision":"allow"}',
         "line 1: 'rights' holds a non-string"),
        ("log-unknown-right", '{"layer":"wasi","op":"x","guest":"/a","rights":["fly"],"decision":"allow"}',
         "line 1: 'rights' holds the unknown right 'fly'"),
        ("log-not-object", GOOD + "\n[1]", "line 2: not a JSON object"),
        ("log-decision", '{"layer":"wasi","op":"x","guest":"/a","rights":[],"decision":"maybe"}',
         "line 1: 'decision' is \"maybe\", not \"allow\" or \"deny\""),
        ("log-not-json", '{"layer": ', "line 1: not valid JSON"),
        ("log-no-key", '{"op": "x"}', "line 1: no 'layer'")]:
    E(id, ["policy", "explain", "p.toml", "--log", "a.jsonl"], 65,
      f"capbox: error: a.jsonl: {said}\n",
      files={"p.toml": POLICY, "a.jsonl": line + "\n"})
E("explain-no-denials", ["policy", "explain", "p.toml", "--log", "a.jsonl"], 0,
  "capbox: no denials in a.jsonl; nothing to change\n",
  files={"p.toml": POLICY, "a.jsonl": GOOD + "\n"})
E("log-missing", ["policy", "explain", "p.toml", "--log", "nosuch.jsonl"], 66,
  "capbox: error: cannot read the audit log nosuch.jsonl: no such file\n",
  files={"p.toml": POLICY})
E("log-directory", ["policy", "explain", "p.toml", "--log", "logs"], 66,
  "capbox: error: cannot read the audit log logs: it is a directory\n",
  files={"p.toml": POLICY, "logs/": None})
E("learn-report-not-object", ["policy", "learn", "--from-log", "a.jsonl", "--report", "r.json", "hello.wasm"], 65,
  "capbox: error: r.json: the run report is not a JSON object\n", files={"a.jsonl": GOOD + "\n", "r.json": "[1]"}, modules=["hello.wasm"])
E("learn-report-missing", ["policy", "learn", "--from-log", "a.jsonl", "--report", "r.json", "hello.wasm"], 66,
  "capbox: error: cannot read the run report r.json: No such file or directory\n", files={"a.jsonl": GOOD + "\n"}, modules=["hello.wasm"])
E("learn-log-missing", ["policy", "learn", "--from-log", "nosuch.jsonl", "hello.wasm"], 66,
  "capbox: error: cannot read the audit log nosuch.jsonl: No such file or directory\n")

# policy explain: usage (policy_explain.cc parse_options).
EXPLAIN_HELP = "   = help: see 'capbox policy explain --help'\n"
for id, args, said in [
        ("explain-no-policy", [], "'policy explain' needs a NAME or FILE"),
        ("explain-two-policies", ["p.toml", "q.toml"], "'policy explain' takes one NAME or FILE"),
        ("explain-no-question", ["p.toml"], "'policy explain' needs --log AUDIT.jsonl, --path GUEST_PATH --rights LIST or --env NAME (one of them)"),
        ("explain-env-with-value", ["p.toml", "--env", "A=1"], "--env takes a variable's name, not 'A=1'"),
        ("explain-path-alone", ["p.toml", "--path", "/x"], "--path and --rights go together"),
        ("explain-unknown-option", ["p.toml", "--lgo", "a"], "unknown option '--lgo' for 'policy explain'; did you mean '--log'?"),
        ("explain-format", ["p.toml", "--log", "a.jsonl", "--format=html"], "--format is diff or text, not 'html'"),
        ("explain-relative-path", ["p.toml", "--path", "x", "--rights", "read"], "--path takes an absolute guest path, not 'x'"),
        ("explain-needs-value", ["p.toml", "--log="], "--log needs a value")]:
    E(id, ["policy", "explain", *args], 64, f"capbox: error: {said}\n" + EXPLAIN_HELP,
      files={"p.toml": POLICY})

# policy explain: the changes for recorded denials, and the patch.
E("explain-log", ["policy", "explain", "p.toml", "--log", "a.jsonl"], 1,
  'capbox: /in: add "metadata" to rights at p.toml:7:10 (fs.dir[0]). denied: path_filestat_set_times /in/x (1 denial)\n'
  'capbox: /out: add "create", "rename" to rights at p.toml:12:10 (fs.dir[1]). denied: path_open /out/a.txt, path_open /out/c.txt and 1 more (3 denials)\n'
  'capbox: /etc: under no grant; a new [[fs.dir]] with "read": fill in its host (policy check refuses it empty). denied: path_open /etc/hosts, path_open /etc/ssl/x.pem (2 denials)\n'
  'capbox: apply with: patch -p1 < PATCH\n',
  files={"p.toml": POLICY, "a.jsonl": "\n".join([
      deny("path_open", "/out/a.txt", ["create"], "/out"),
      deny("path_rename", "/out/a.txt", ["rename"], "/out", target="/out/b.txt"),
      deny("path_open", "/out/c.txt", ["create"], "/out"),
      deny("path_filestat_set_times", "/in/x", ["metadata"], "/in"),
      deny("path_open", "/etc/hosts", ["read"], None),
      deny("path_open", "/etc/ssl/x.pem", ["read"], None)]) + "\n"},
  stdout='--- a/p.toml\n+++ b/p.toml\n@@ -4,14 +4,20 @@\n [[fs.dir]]\n host = "in"\n guest = "/in"\n-rights = "ro"\n+rights = ["read", "metadata"]\n \n [[fs.dir]]\n host = "out"\n guest = "/out"\n rights = ["read",\n-          "write"]  # no create yet\n+          "write", "create", "rename"]  # no create yet\n missing = "create"\n \n [limits]\n memory = "16MiB"\n+\n+# Added by capbox policy explain: path_open /etc/hosts, path_open /etc/ssl/x.pem (2 denials)\n+[[fs.dir]]\n+host = ""  # FIXME: the host directory to show as /etc (policy check refuses it empty)\n+guest = "/etc"\n+rights = ["read"]\n')
E("explain-already-granted", ["policy", "explain", "p.toml", "--log", "a.jsonl"], 0,
  "capbox: /out: already granted by fs.dir[1] ({DIR}/p.toml:9); the log is older than the policy. denied: path_open /out/a.txt (1 denial)\n",
  files={"p.toml": POLICY, "a.jsonl": deny("path_open", "/out/a.txt", ["write"], "/out") + "\n"})
# A grant from an extends'ed file gets an override (its missing = kept); one
# from a --dir flag, the flag to pass instead.
BASE = ('version = 1\n\n[[fs.dir]]\nhost = "data"\nguest = "/data"\nrights = ["read"]\nmissing = "skip"\n\n'
        '[[fs.dir]]\nhost = "logs"\nguest = "/logs"\nrights = ["write"]\nmissing = "create"\n')
E("explain-extends-and-flag", ["policy", "explain", "child.toml", "--log", "b.jsonl"], 1,
  'capbox: /data: granted by {DIR}/base.toml:3 through extends; a [[fs.dir]] for it in child.toml adds "create" and replaces that grant for this policy only. denied: path_open /data/n (1 denial)\n'
  'capbox: /logs: granted by {DIR}/base.toml:9 through extends; a [[fs.dir]] for it in child.toml adds "create" and replaces that grant for this policy only. denied: path_open /logs/l (1 denial)\n'
  "capbox: /tmp: granted by the flag '--dir scratch::/tmp::ro', not by the policy; run with --dir scratch::/tmp::read,write. denied: path_open /tmp/x (1 denial)\n"
  'capbox: apply with: patch -p1 < PATCH\n',
  files={"base.toml": BASE, "child.toml": 'version = 1\nextends = ["base.toml"]\n',
         "b.jsonl": deny("path_open", "/data/n", ["create"], "/data") + "\n" +
         deny("path_open", "/logs/l", ["create"], "/logs") + "\n" +
         deny("path_open", "/tmp/x", ["write"], "/tmp", rule="--dir[0]",
              source="--dir scratch::/tmp::ro") + "\n"},
  stdout='--- a/child.toml\n+++ b/child.toml\n@@ -1,2 +1,16 @@\n version = 1\n extends = ["base.toml"]\n'
  '+\n+# Added by capbox policy explain: replaces the grant from {DIR}/base.toml:3 here only, adding "create"\n'
  '+[[fs.dir]]\n+host = "data"\n+guest = "/data"\n+rights = ["read", "create"]\n+missing = "skip"\n'
  '+\n+# Added by capbox policy explain: replaces the grant from {DIR}/base.toml:9 here only, adding "create"\n'
  '+[[fs.dir]]\n+host = "logs"\n+guest = "/logs"\n+rights = ["write", "create"]\n+missing = "create"\n')
ENV_POLICY = ('version = 1\n[env]\ninherit = ["LANG"]\nset = { QUALITY = "85" }\n')
E("explain-env-set", ["policy", "explain", "p.toml", "--env", "QUALITY"], 0, "",
  files={"p.toml": ENV_POLICY}, stdout='allowed by env.set ({DIR}/p.toml:4): QUALITY="85"\n')
E("explain-env-inherit", ["policy", "explain", "p.toml", "--env", "LANG"], 0, "",
  files={"p.toml": ENV_POLICY}, stdout="allowed by env.inherit ({DIR}/p.toml:3): LANG is passed when capbox's environment has it\n")
E("explain-env-inherit-all", ["policy", "explain", "p.toml", "--env", "HOME"], 0, "",
  files={"p.toml": "version = 1\n[env]\ninherit_all = true\n"},
  stdout="allowed by env.inherit_all ({DIR}/p.toml:3): the whole environment is passed\n")
E("explain-env-denied", ["policy", "explain", "p.toml", "--env", "HOME"], 1, "",
  files={"p.toml": ENV_POLICY},
  stdout='denied: HOME is not passed; add "HOME" to env.inherit in {DIR}/p.toml to pass the caller\'s value, or give it one in env.set\n')
E("explain-path-allowed", ["policy", "explain", "p.toml", "--path", "/out/x", "--rights", "read,write"], 0, "",
  files={"p.toml": POLICY}, stdout="allowed by fs.dir[1] ({DIR}/p.toml:9)\n")
E("explain-path-denied", ["policy", "explain", "p.toml", "--path", "/out/x", "--rights", "delete"], 1,
  'capbox: /out: add "delete" to rights at p.toml:12:10 (fs.dir[1]). denied: access /out/x (1 denial)\n'
  'capbox: apply with: patch -p1 < PATCH\n',
  files={"p.toml": POLICY},
  stdout='denied: /out/x needs delete; fs.dir[1] ({DIR}/p.toml:9) grants read, write\n--- a/p.toml\n+++ b/p.toml\n@@ -10,7 +10,7 @@\n host = "out"\n guest = "/out"\n rights = ["read",\n-          "write"]  # no create yet\n+          "write", "delete"]  # no create yet\n missing = "create"\n \n [limits]\n')
E("explain-path-no-grant", ["policy", "explain", "p.toml", "--path", "/var/y", "--rights", "read", "--format=text"], 1, "",
  files={"p.toml": POLICY},
  stdout='denied: /var/y needs read; no grant covers it\n/var: under no grant; a new [[fs.dir]] with "read": fill in its host (policy check refuses it empty). denied: access /var/y (1 denial)\n')

# policy learn: usage (policy_learn.cc parse_options).
LEARN_HELP = "   = help: see 'capbox policy learn --help'\n"
for id, args, said in [
        ("learn-nothing", [], "'policy learn' needs the MODULE or PROGRAM to run"),
        ("learn-unknown-option", ["--dri", "x", "--", "a.wasm"], "unknown option '--dri' for 'policy learn'; did you mean '--dir'?"),
        ("learn-needs-value", ["-o"], "--output needs a value"),
        ("learn-report-alone", ["--report", "r.json", "a.wasm"], "--report goes with --from-log")]:
    E(id, ["policy", "learn", *args], 64, f"capbox: error: {said}\n" + LEARN_HELP)

# policy learn: writing the policy, and runs that fail.
OBSERVED = ("capbox: observed 1 access (0 denied):\n"
            "  GRANT  RIGHTS USED                             OPS\n"
            "  -      (under no grant, allowed)               1\n")
E("learn-from-log", ["policy", "learn", "--from-log", "a.jsonl", "hello.wasm"], 0, OBSERVED,
  files={"a.jsonl": GOOD + "\n"}, modules=["hello.wasm"], env={"SOURCE_DATE_EPOCH": "0"},
  stdout="# Learned by capbox policy learn on 1970-01-01 from one run with broad grants:\n"
  "#   capbox policy learn --from-log a.jsonl (a recorded run)\n"
  "# It grants what that run used and nothing more; a run that takes another path\n"
  "# through the program may need more (capbox policy explain). Review it before\n"
  "# use: while learning, the program could change anything granted to it, so\n"
  "# learn on a scratch copy of your data (capbox-policy(5)).\n"
  'version = 1\ndescription = "Learned from a run of hello.wasm"\n')
E("learn-wrote", ["policy", "learn", "-o", "p.toml", "--from-log", "a.jsonl", "hello.wasm"], 0,
  OBSERVED + "capbox: wrote p.toml\n", files={"a.jsonl": GOOD + "\n"}, modules=["hello.wasm"])
E("learn-cannot-write", ["policy", "learn", "-o", "no/p.toml", "--", "nosuch.wasm"], 73,
  "capbox: error: cannot write no/p.toml: No such file or directory\n")
E("learn-not-found", ["policy", "learn", "-o", "p.toml", "--", "nosuch.wasm"], 127,
  "capbox: error: module not found: nosuch.wasm (no such file)\n"
  "capbox: error: capbox could not start nosuch.wasm (status 127); no policy written\n")
E("learn-trap", ["policy", "learn", "-o", "p.toml", "--", "trap.wasm"], 134,
  "capbox: error: trap.wasm trapped: unreachable in function boom at 0x23\n"
  "  wasm backtrace:\n    0: 0x23 trap.wasm!boom\n"
  "capbox: observed 0 accesses (0 denied):\n"
  "  GRANT  RIGHTS USED                             OPS\n"
  "capbox: wrote p.toml\n"
  "capbox: warning: trap.wasm ended with status 134; the policy allows what it did until then\n",
  modules=["trap.wasm"])
# A bug in learn, kept visible: it passes an --env name the policy parser
# refuses ("") into the learned policy instead of refusing it as usage (64).
E("learn-bad-env", ["policy", "learn", "--env==x", "--", "hello.wasm"], 64,
  "capbox: error: --env =x: no variable name; use --env NAME[=VALUE]\n"
  "   = help: see 'capbox policy learn --help'\n",
  modules=["hello.wasm"])
