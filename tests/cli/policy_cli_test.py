#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# End-to-end tests of `capbox policy check` and `capbox policy show`: exit
# statuses (0, 64, 66, 78), located messages on stderr, lookup by name
# through XDG_CONFIG_HOME and never the working directory, extends, and a
# locked policy refusing flags. Usage: policy_cli_test.py CAPBOX FIXTURES
import os
import subprocess
import sys
import tempfile

CAPBOX, FIXTURES = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
VALID = os.path.join(FIXTURES, "valid")
INVALID = os.path.join(FIXTURES, "invalid")
failures = 0


def run(args, cwd=None, env=None):
    full_env = dict(os.environ)
    full_env.update(env or {})
    return subprocess.run([CAPBOX] + args, capture_output=True, text=True,
                          cwd=cwd, env=full_env, timeout=30)


def expect(name, result, status, stdout=None, stderr=None, no_stdout=False):
    global failures
    problems = []
    if result.returncode != status:
        problems.append(f"status {result.returncode}, wanted {status}")
    for text, wanted, label in ((result.stdout, stdout, "stdout"),
                                (result.stderr, stderr, "stderr")):
        for piece in ([wanted] if isinstance(wanted, str) else wanted or []):
            if piece not in text:
                problems.append(f"{label} lacks {piece!r}")
    if no_stdout and result.stdout:
        problems.append("stdout is not empty")
    if problems:
        failures += 1
        print(f"FAIL {name}: {'; '.join(problems)}\n  stdout: "
              f"{result.stdout!r}\n  stderr: {result.stderr!r}")
    else:
        print(f"ok   {name}")


def main():
    full = os.path.join(VALID, "full.toml")
    expect("check ok", run(["policy", "check", full, os.path.join(
        VALID, "child.toml")]), 0, stdout=[full + ": ok\n", "child.toml: ok"])
    bad = os.path.join(INVALID, "unknown_key.toml")
    expect("check bad key", run(["policy", "check", bad]), 78,
           stderr=["capbox: error: policy ", "unknown key 'memroy' in "
                   "[limits]", "unknown_key.toml:6:1\n",
                   "= help: did you mean 'memory'?"], no_stdout=True)
    expect("check bad and good", run(["policy", "check", bad, full]), 78,
           stdout=full + ": ok")
    expect("check missing file", run(["policy", "check", "/nonexistent/p.toml"]),
           66, stderr="/nonexistent/p.toml: no such file")
    expect("invalid beats missing", run(["policy", "check", "/no/p.toml", bad]),
           78)
    expect("check no args", run(["policy", "check"]), 64,
           stderr="needs at least one")
    expect("check option", run(["policy", "check", "--strict", full]), 64,
           stderr="unknown option '--strict'")
    expect("no verb", run(["policy"]), 64)
    expect("typo verb", run(["policy", "shwo", full]), 64,
           stderr="did you mean 'show'?")
    expect("help", run(["policy", "--help"]), 0, stdout="policy check")
    expect("help policy", run(["help", "policy"]), 0, stdout="policy show")
    expect("cycle", run(["policy", "check", os.path.join(INVALID,
                                                          "cycle_a.toml")]),
           78, stderr="extends cycle:")
    expect("unquoted size", run(["policy", "check", os.path.join(
        INVALID, "bare_size.toml")]), 78,
        stderr='= help: sizes and durations are strings: memory = "256MiB"')

    with tempfile.TemporaryDirectory() as tmp:
        policies = os.path.join(tmp, "config", "capbox", "policies")
        os.makedirs(policies)
        with open(os.path.join(policies, "app.toml"), "w") as f:
            f.write('version = 1\nextends = "base"\n[limits]\nfuel = 9\n')
        with open(os.path.join(policies, "base.toml"), "w") as f:
            f.write('version = 1\n[[fs.dir]]\nhost = "/srv"\nguest = "/srv"\n'
                    'rights = ["read"]\n')
        with open(os.path.join(tmp, "here.toml"), "w") as f:
            f.write("version = 1\n")
        env = {"XDG_CONFIG_HOME": os.path.join(tmp, "config")}
        shown = run(["policy", "show", "app"], env=env)
        expect("show by name", shown, 0,
               stdout=["fuel = 9  # " + os.path.join(policies, "app.toml") +
                       ":4:8", 'guest = "/srv"', 'rights = ["read"]  # ' +
                       os.path.join(policies, "base.toml") + ":5:10"])
        with open(os.path.join(tmp, "shown.toml"), "w") as f:
            f.write(shown.stdout)
        expect("show output checks", run(["policy", "check", os.path.join(
            tmp, "shown.toml")]), 0)
        expect("show with flags", run(["policy", "show", "--dir",
                                       "/tmp::/t::ro", "--env=A=1", "-S",
                                       "inherit-env", "app"], env=env), 0,
               stdout=["[[fs.dir]]  # --dir /tmp::/t::ro", "A = \"1\"  # "
                       "--env A=1", "inherit_all = true  # -S inherit-env"])
        expect("show with limit flags",
               run(["policy", "show", "-W", "fuel=100,timeout=2s", "--limit",
                    "output=1MiB", "app"], env=env), 0,
               stdout=["fuel = 100  # -W fuel=100",
                       "wall_time = \"2s\"  # -W timeout=2s",
                       "output = \"1MiB\"  # --limit output=1MiB"])
        expect("show with a bad limit flag",
               run(["policy", "show", "--limit", "fule=1", "app"], env=env),
               64, stderr="did you mean 'fuel'?")
        expect("name not from cwd", run(["policy", "show", "here"], cwd=tmp,
                                        env=env), 66,
               stderr=["no policy named 'here'", "./here.toml"])
        expect("path from cwd", run(["policy", "show", "./here.toml"],
                                    cwd=tmp, env=env), 0)
        expect("show unknown option", run(["policy", "show", "--dri", "x",
                                           "app"], env=env), 64,
               stderr="did you mean '--dir'?")
        expect("show two names", run(["policy", "show", "app", "app"],
                                     env=env), 64)

    locked = os.path.join(VALID, "locked.toml")
    expect("locked without flags", run(["policy", "show", locked]), 0,
           stdout="locked = true  # ")
    expect("locked refuses flags", run(["policy", "show", "--env", "X=1",
                                        locked]), 78,
           stderr=["the policy is locked (locked = true): --env X=1",
                   "locked.toml:3:10"], no_stdout=True)
    if failures:
        print(f"{failures} failed")
        sys.exit(1)


main()
