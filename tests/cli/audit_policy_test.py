#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# The policy's [audit] table end to end (suite cli): `log` writes the audit
# log of every run under the policy (relative to the working directory,
# "~/" under HOME) with the same records --audit gives; --audit overrides
# it, except under a locked policy (125); denials = "off" and "file" keep
# denials off stderr (run's WASI layer and broker, exec's broker), "file"
# with no log writes the default one and names it.
# Usage: audit_policy_test.py CAPBOX WAT2WASM
import os
import re
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from audit_test import (POLICY, TS, Tests, build, exec_works,  # noqa: E402
                        expected_fsops, read_jsonl)


def write_policy(t, audit_table, locked=False):
    policy = os.path.join(t.tmp, "p.toml")
    with open(policy, "w") as f:
        # [audit] goes last: the records' grant lines stay those of POLICY
        # (but for a locked one, which no test reads records of).
        f.write(("locked = true\n" if locked else "") + POLICY +
                "\n[audit]\n" + audit_table)
    return policy


def records_without_ts(path):
    records = read_jsonl(path)
    for r in records:
        if not TS.match(r.pop("ts", "")):
            return [f"bad ts in {r}"]
    return records


def test_policy_log(t, paths):
    t.fresh_dirs()
    policy = write_policy(t, 'log = "logs/p.jsonl"\n')
    os.makedirs(os.path.join(t.tmp, "logs"), exist_ok=True)
    proc = t.capbox(["run", "-p", policy, paths["fsops"]])
    log = os.path.join(t.tmp, "logs", "p.jsonl")
    problems = []
    if proc.returncode != 0:
        problems.append(f"status {proc.returncode}")
    got = records_without_ts(log)
    if got != expected_fsops(t.tmp, policy):
        problems.append(f"records {got}")
    if "capbox: denied path_open of \"/in/in.txt\"" not in proc.stderr:
        problems.append("denials = stderr (the default) printed nothing")
    if "audit log:" in proc.stderr:
        problems.append("named a log the policy chose")
    t.check("[audit] log: a relative path, the records --audit writes",
            problems, proc)

    os.makedirs(os.path.join(t.tmp, "home", "logs"), exist_ok=True)
    policy = write_policy(t, 'log = "~/logs/h.jsonl"\n')
    proc = t.capbox(["run", "-p", policy, paths["exit3"]])
    home_log = os.path.join(t.tmp, "home", "logs", "h.jsonl")
    problems = [] if proc.returncode == 3 else [f"status {proc.returncode}"]
    if not os.path.exists(home_log):
        problems.append("no log under HOME")
    t.check("[audit] log: ~/ is HOME", problems, proc)

    os.unlink(log)
    policy = write_policy(t, 'log = "logs/p.jsonl"\n')
    flag = os.path.join(t.tmp, "flag.jsonl")
    proc = t.capbox(["run", "-p", policy, "--audit=" + flag, paths["fsops"]])
    problems = []
    if os.path.exists(log):
        problems.append("the policy's log was written too")
    if records_without_ts(flag) != expected_fsops(t.tmp, policy):
        problems.append("the flag's log lacks the records")
    t.check("[audit] log: --audit=FILE overrides it", problems, proc)

    policy = write_policy(t, 'log = "logs/p.jsonl"\n', locked=True)
    proc = t.capbox(["run", "-p", policy, "--audit=" + flag, paths["exit3"]])
    problems = [] if proc.returncode == 125 else [f"status {proc.returncode}"]
    want = (f"capbox: error: the policy is locked (locked = true at "
            f"{policy}:1:10): --audit may not replace its audit log, "
            f"logs/p.jsonl ({policy}:15:7)\n")
    if proc.stderr != want:
        problems.append(f"stderr {proc.stderr!r}, want {want!r}")
    t.check("[audit] log: a locked policy refuses --audit", problems, proc)


def test_denials(t, paths):
    t.fresh_dirs()
    policy = write_policy(t, 'denials = "off"\nlog = "off.jsonl"\n')
    proc = t.capbox(["run", "-p", policy, paths["fsops"]])
    problems = [] if proc.returncode == 0 else [f"status {proc.returncode}"]
    if proc.stderr != "":
        problems.append("stderr is not empty")
    denied = [r for r in read_jsonl(os.path.join(t.tmp, "off.jsonl"))
              if r["decision"] == "deny"]
    if len(denied) != 2:
        problems.append(f"log denials {denied}")
    t.check("[audit] denials = off: nothing on stderr, all in the log",
            problems, proc)

    policy = write_policy(t, 'denials = "off"\n')
    proc = t.capbox(["run", "-p", policy, paths["fsops"]])
    problems = [] if proc.stderr == "" else ["stderr is not empty"]
    if os.path.exists(os.path.join(t.tmp, "state", "capbox")):
        problems.append("off without a log made one")
    t.check("[audit] denials = off without a log: silent, no file",
            problems, proc)

    policy = write_policy(t, 'denials = "file"\n')
    proc = t.capbox(["run", "-p", policy, paths["fsops"]])
    problems = []
    m = re.fullmatch(r"capbox: audit log: (\S+)\n", proc.stderr)
    if not m:
        problems.append("stderr is not just the log's name")
    elif len([r for r in read_jsonl(m.group(1))
              if r["decision"] == "deny"]) != 2:
        problems.append("the default log lacks the denials")
    t.check("[audit] denials = file: into the default log only", problems,
            proc)


def test_exec_denials(t):
    if not exec_works(t):
        print("skip exec: capbox exec cannot run here (Landlock?)")
        return
    t.fresh_dirs()
    data = os.path.join(t.tmp, "in")
    policy = os.path.join(t.tmp, "e.toml")
    with open(policy, "w") as f:
        f.write(f'version = 1\n[[fs.dir]]\nhost = "{data}"\nguest = "/d"\n'
                'rights = ["write"]\n[audit]\ndenials = "off"\n'
                'log = "e.jsonl"\n')
    proc = t.capbox(["exec", "-p", policy, "cat", "/d/in.txt"])
    problems = [] if proc.returncode == 1 else [f"status {proc.returncode}"]
    if "capbox: denied" in proc.stderr:
        problems.append("a denial was printed")
    if [r["op"] for r in read_jsonl(os.path.join(t.tmp, "e.jsonl"))
            if r["decision"] == "deny"] != ["open"]:
        problems.append("the log lacks the denial")
    t.check("exec: [audit] denials = off and log", problems, proc)


def main():
    with tempfile.TemporaryDirectory(prefix="capbox-audit-policy-") as tmp:
        t = Tests(tmp)
        paths = build(tmp)
        test_policy_log(t, paths)
        test_denials(t, paths)
        test_exec_denials(t)
        print(f"{t.passed} passed, {t.failed} failed")
        return 1 if t.failed else 0


if __name__ == "__main__":
    sys.exit(main())
