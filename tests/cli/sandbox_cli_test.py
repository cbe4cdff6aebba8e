#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# End-to-end tests of the sandboxed `capbox run`: every limit hit on purpose
# (from flags and from a policy's [limits]), with its exact message and
# exit status; how the policy is found (XDG_CONFIG_HOME, never the working
# directory or the module's directory) and what its tables do; a denial
# by the broker; and a thousand sandboxes in a row leaving no process, file
# or descriptor behind. Guests: WAT built with wat2wasm and
# sandbox_fixtures/probe.c built with clang, both at test time.
# Usage: sandbox_cli_test.py CAPBOX WAT2WASM CLANG FIXTURES
import ctypes
import hashlib
import os
import re
import signal
import subprocess
import sys
import tempfile
import time

CAPBOX, WAT2WASM, CLANG, FIXTURES = (os.path.abspath(sys.argv[1]),
                                     sys.argv[2], sys.argv[3],
                                     os.path.abspath(sys.argv[4]))
# Sandboxes in a row for the leak check: 1000 took 45 to 51 s on a shared
# two-core machine (load 3 to 6), about 32 ms of CPU each. meson sets
# fewer for the sanitizer build.
STRESS_RUNS = int(os.environ.get("CAPBOX_STRESS_RUNS", "1000"))

WAT = {
    "hello": """
(module
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "hello, sandbox\\n")
  (func (export "_start")
    (i32.store (i32.const 0) (i32.const 16))
    (i32.store (i32.const 4) (i32.const 15))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1)
                          (i32.const 8)))))
""",
    # An endless loop, and memory.grow by N pages returning the old size.
    "spin": """
(module
  (func $spin (export "_start") (loop $l br $l))
  (func (export "grow") (param i32) (result i32)
    local.get 0 memory.grow)
  (memory 1))
""",
    # 20 pages (1.25MiB) of memory before any code runs.
    "bigmem": """
(module (memory 20) (func (export "_start")))
""",
    "random": """
(module
  (import "wasi_snapshot_preview1" "random_get"
    (func (param i32 i32) (result i32)))
  (func (export "_start")))
""",
}

# A trap's wasm backtrace, between the message and the help line.
TRACE = re.compile(r"^  wasm backtrace:$|^    \d+: 0x[0-9a-f]+ \S+!.+$|"
                   r"^    \.\.\. \d+ more frames$")


def build_modules(tmp):
    paths = {}
    for name, wat in WAT.items():
        wat_path = os.path.join(tmp, name + ".wat")
        paths[name] = os.path.join(tmp, name + ".wasm")
        with open(wat_path, "w") as f:
            f.write(wat)
        subprocess.run([WAT2WASM, "--debug-names", wat_path, "-o",
                        paths[name]], check=True)
    paths["probe"] = os.path.join(tmp, "probe.wasm")
    subprocess.run([CLANG, "--target=wasm32-wasi", "-O2", "-Wall", "-Wextra",
                    "-Werror", os.path.join(FIXTURES, "probe.c"), "-o",
                    paths["probe"]], check=True)
    return paths


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)
    return path


class Tests:
    def __init__(self, tmp):
        self.passed = 0
        self.failed = 0
        # No user's or machine's policy may leak into a run: the lookup
        # reads XDG_CONFIG_HOME (else HOME), so both point at empty dirs.
        self.config = os.path.join(tmp, "config")
        self.home = os.path.join(tmp, "home")
        os.makedirs(os.path.join(self.config, "capbox", "policies"))
        os.makedirs(self.home)
        self.env = dict(os.environ, XDG_CONFIG_HOME=self.config,
                        HOME=self.home)

    def run(self, args, env=None, cwd=None, timeout=60):
        full_env = dict(self.env)
        full_env.update(env or {})
        start = time.monotonic()
        proc = subprocess.run([CAPBOX, "run"] + args, capture_output=True,
                              env=full_env, cwd=cwd, timeout=timeout)
        proc.elapsed = time.monotonic() - start
        return proc

    def result(self, name, problems, proc=None):
        if problems:
            self.failed += 1
            print(f"FAIL {name}")
            for p in problems:
                print(f"     {p}")
            if proc is not None:
                print(f"     stdout: {proc.stdout[:300]!r}")
                print(f"     stderr: {proc.stderr.decode(errors='replace')!r}")
        else:
            self.passed += 1
            print(f"ok   {name}")

    def expect(self, name, args, status, stdout=b"", stderr=None,
               first=None, help=None, env=None, cwd=None):
        """Runs `capbox run ARGS`. stdout (bytes) is compared exactly;
        stderr (text) exactly when given; else `first` is the exact first
        line of stderr, `help` the exact last, and everything between must
        be a wasm backtrace."""
        proc = self.run(args, env=env, cwd=cwd)
        problems = []
        if proc.returncode != status:
            problems.append(f"exit status {proc.returncode}, "
                            f"expected {status}")
        if stdout is not None and proc.stdout != stdout:
            problems.append(f"stdout is not {stdout[:200]!r}")
        err = proc.stderr.decode(errors="replace")
        if stderr is not None and err != stderr:
            problems.append(f"stderr is not {stderr!r}")
        if first is not None:
            lines = err.splitlines()
            middle = lines[1:-1] if help is not None else lines[1:]
            if not lines or lines[0] != first:
                problems.append(f"first stderr line is not {first!r}")
            if help is not None and (len(lines) < 2 or lines[-1] != help):
                problems.append(f"last stderr line is not {help!r}")
            if not all(TRACE.match(line) for line in middle):
                problems.append("stderr has lines other than the message, "
                                "a backtrace and the help")
        self.result(name, problems, proc)
        return proc


def limits_from_flags(t, m, tmp):
    spin, probe = m["spin"], m["probe"]
    t.expect("fuel runs out (-W fuel)", ["-W", "fuel=1000", spin], 134,
             first=f"capbox: error: {spin} trapped: all fuel consumed: fuel "
                   f"limit of 1000 (from -W fuel=1000)",
             help="   = help: give a larger value to -W fuel=1000")
    t.expect("fuel runs out (--limit fuel)", ["--limit", "fuel=5000", spin],
             134,
             first=f"capbox: error: {spin} trapped: all fuel consumed: fuel "
                   f"limit of 5000 (from --limit fuel=5000)",
             help="   = help: give a larger value to --limit fuel=5000")
    t.expect("enough fuel is no limit", ["-W", "fuel=1000000",
                                         m["hello"]], 0,
             stdout=b"hello, sandbox\n", stderr="")
    for flag, words in ((["-W", "timeout=300ms"], "-W timeout=300ms"),
                        (["--limit", "wall-time=300ms"],
                         "--limit wall-time=300ms")):
        proc = t.expect(
            f"wall time ({words})", flag + [spin], 134,
            stderr=f"capbox: error: {spin} was stopped: wall-time limit of "
                   f"300ms (from {words}) exceeded\n"
                   f"   = help: give a larger value to {words}\n")
        t.result(f"wall time ({words}) ends the run after 300ms, not long "
                 "after", [] if 0.3 <= proc.elapsed < 10 else
                 [f"took {proc.elapsed:.2f}s"])
    # A guest blocked reading a stdin that never ends uses no CPU: the
    # wall-time limit still ends it.
    read_end, write_end = os.pipe()
    start = time.monotonic()
    proc = subprocess.run([CAPBOX, "run", "--limit", "wall-time=300ms",
                           probe, "stdin"], stdin=read_end,
                          capture_output=True, env=t.env, timeout=60)
    elapsed = time.monotonic() - start
    os.close(read_end)
    os.close(write_end)
    want = (f"capbox: error: {probe} was stopped: wall-time limit of 300ms "
            f"(from --limit wall-time=300ms) exceeded\n   = help: give a "
            f"larger value to --limit wall-time=300ms\n").encode()
    t.result("wall time ends a guest blocked on stdin",
             [] if (proc.returncode, proc.stdout, proc.stderr) ==
             (134, b"", want) and elapsed < 10 else
             [f"status {proc.returncode} after {elapsed:.2f}s"], proc)
    t.expect("cpu time", ["--limit", "cpu-time=1s", spin], 134,
             stderr=f"capbox: error: {spin} was stopped: cpu-time limit of "
                    f"1s (from --limit cpu-time=1s) exceeded\n"
                    f"   = help: give a larger value to --limit "
                    f"cpu-time=1s\n")
    # memory.grow refused by the limit: the guest sees -1, one warning.
    t.expect("memory.grow refused (-W max-memory-size)",
             ["-W", "max-memory-size=64KiB", "--invoke", "grow", spin, "1"],
             0, stdout=b"-1\n",
             stderr=f"capbox: warning: {spin}: memory.grow was refused 1 "
                    f"time by the memory limit of 64KiB (from -W "
                    f"max-memory-size=64KiB)\n"
                    f"   = help: give a larger value to -W "
                    f"max-memory-size=64KiB\n")
    t.expect("memory.grow within the limit",
             ["--limit", "memory=128KiB", "--invoke", "grow", spin, "1"],
             0, stdout=b"1\n", stderr="")
    t.expect("memory.grow one page past the limit",
             ["--limit", "memory=128KiB", "--invoke", "grow", spin, "2"],
             0, stdout=b"-1\n",
             first=f"capbox: warning: {spin}: memory.grow was refused 1 "
                   f"time by the memory limit of 128KiB (from --limit "
                   f"memory=128KiB)",
             help="   = help: give a larger value to --limit memory=128KiB")
    t.expect("initial memory above the limit",
             ["--limit", "memory=1MiB", m["bigmem"]], 134,
             stderr=f"capbox: error: {m['bigmem']}: memory of 20 pages "
                    f"exceeds the store's limit: memory limit of 1MiB "
                    f"(from --limit memory=1MiB)\n"
                    f"   = help: give a larger value to --limit "
                    f"memory=1MiB\n")
    t.expect("a memory limit below a page", ["--limit", "memory=1000",
                                            m["hello"]], 125,
             stderr="capbox: error: the memory limit of 1000B (from --limit "
                    "memory=1000) is below one 64KiB wasm page; give at "
                    "least 64KiB\n")
    # Output: exactly N bytes come out, then the run ends.
    t.expect("output up to the limit", ["--limit", "output=2500", probe,
                                        "flood", "2500"], 0,
             stdout=b"x" * 2500, stderr="")
    t.expect("output past the limit", ["--limit", "output=2500", probe,
                                       "flood", "2501"], 134,
             stdout=b"x" * 2500,
             first=f"capbox: error: {probe} was stopped: output limit of "
                   f"2500B (from --limit output=2500) reached",
             help="   = help: give a larger value to --limit output=2500")
    # stdout and stderr share the budget: 1500 + 1000 bytes, then the
    # message on stderr right after the last byte that fitted.
    proc = t.expect("output: stdout and stderr share the limit",
                    ["--limit", "output=2500", probe, "flood-both", "1500"],
                    134, stdout=b"x" * 1500)
    err = proc.stderr.decode(errors="replace")
    t.result("output: the stderr part ends where the limit does",
             [] if err.startswith("x" * 1000 + f"capbox: error: {probe} was "
                                  f"stopped: output limit of 2500B (from "
                                  f"--limit output=2500) reached\n") else
             ["stderr does not hold 1000 bytes, then the message"], proc)
    data = os.path.join(tmp, "fileout")
    os.makedirs(data)
    out = os.path.join(data, "f")
    proc = t.expect("file output past the limit",
                    ["--dir", f"{data}::/d", "--limit", "file-output=2500",
                     probe, "flood-file", "/d/f", "10000"], 134,
                    first=f"capbox: error: {probe} was stopped: file-output "
                          f"limit of 2500B (from --limit file-output=2500) "
                          f"reached",
                    help="   = help: give a larger value to --limit "
                         "file-output=2500")
    with open(out, "rb") as f:
        written = f.read()
    t.result("file output: exactly the limit reached the file",
             [] if written == b"x" * 2500 else
             [f"{len(written)} bytes in the file"])
    t.expect("file output within the limit",
             ["--dir", f"{data}::/d", "--limit", "file-output=2500",
              probe, "flood-file", "/d/f", "2500"], 0,
             stdout=b"flooded /d/f\n", stderr="")
    # stdio and the preopen take 4 of the 10 descriptors.
    t.expect("open files", ["--dir", f"{data}::/d::ro", "--limit",
                            "open-files=10", probe, "open-many", "/d/f"], 0,
             stdout=b"opened 6, then EMFILE\nafter a close: opened\n",
             stderr="capbox: warning: open-files limit of 10 descriptors "
                    "(from --limit open-files=10) reached: path_open of "
                    "'f' failed with EMFILE; later refusals are not "
                    "reported\n")
    t.expect("an open-files limit with no room is refused",
             ["--dir", f"{data}::/d::ro", "--limit", "open-files=4", probe,
              "open-many", "/d/f"], 125,
             stderr="capbox: error: the open-files limit of 4 descriptors "
                    "(from --limit open-files=4) leaves no room beside the 4 "
                    "descriptors the guest starts with (stdio, grants, "
                    "sockets); give at least 5\n")


def limits_from_policy(t, m, tmp):
    """Each limit from a [limits] line: the message names FILE:LINE:COL and
    the help says which key to raise."""
    data = os.path.join(tmp, "policyout")
    os.makedirs(data)
    spin, probe = m["spin"], m["probe"]
    cases = [
        # key, value, module and args, status, stdout, described value,
        # stopped or trapped words
        ("fuel", "1000", [spin], 134, b"", "1000",
         f"{spin} trapped: all fuel consumed: ", ""),
        ("wall_time", '"300ms"', [spin], 134, b"", "300ms",
         f"{spin} was stopped: ", " exceeded"),
        ("cpu_time", '"1s"', [spin], 134, b"", "1s",
         f"{spin} was stopped: ", " exceeded"),
        ("output", '"2KiB"', [probe, "flood", "5000"], 134, b"x" * 2048,
         "2KiB", f"{probe} was stopped: ", " reached"),
        ("file_output", '"2KiB"', [probe, "flood-file", "/d/f", "5000"], 134,
         b"", "2KiB", f"{probe} was stopped: ", " reached"),
    ]
    for key, value, run, status, stdout, shown, before, after in cases:
        path = write(os.path.join(tmp, "limits", key + ".toml"),
                     f'version = 1\n[[fs.dir]]\nhost = "{data}"\n'
                     f'guest = "/d"\nrights = "rw"\n[limits]\n'
                     f'{key} = {value}\n')
        dashed = key.replace("_", "-")
        where = f"{path}:7:{len(key) + 4}"
        t.expect(f"policy limit {key}", ["--policy", path] + run, status,
                 stdout=stdout,
                 first=f"capbox: error: {before}{dashed} limit of {shown} "
                       f"(from {where}){after}",
                 help=f"   = help: raise limits.{key} in {path}, or "
                      f"override it with --limit {dashed}=VALUE")
    path = write(os.path.join(tmp, "limits", "memory.toml"),
                 'version = 1\n[limits]\nmemory = "64KiB"\n')
    t.expect("policy limit memory", ["--policy", path, "--invoke", "grow",
                                     spin, "1"], 0, stdout=b"-1\n",
             stderr=f"capbox: warning: {spin}: memory.grow was refused 1 "
                    f"time by the memory limit of 64KiB (from {path}:3:10)\n"
                    f"   = help: raise limits.memory in {path}, or override "
                    f"it with --limit memory=VALUE\n")
    path = write(os.path.join(tmp, "limits", "open_files.toml"),
                 f'version = 1\n[[fs.dir]]\nhost = "{data}"\nguest = "/d"\n'
                 f'rights = "ro"\n[limits]\nopen_files = 8\n')
    t.expect("policy limit open_files", ["--policy", path, probe,
                                         "open-many", "/d/f"], 0,
             stdout=b"opened 4, then EMFILE\nafter a close: opened\n",
             stderr=f"capbox: warning: open-files limit of 8 descriptors "
                    f"(from {path}:7:14) reached: path_open of 'f' failed "
                    f"with EMFILE; later refusals are not reported\n")
    # A flag overrides an unlocked policy's limit, and says so.
    t.expect("--limit overrides the policy's", ["--policy", os.path.join(
        tmp, "limits", "fuel.toml"), "--limit", "fuel=2000", spin], 134,
             first=f"capbox: error: {spin} trapped: all fuel consumed: fuel "
                   f"limit of 2000 (from --limit fuel=2000)",
             help="   = help: give a larger value to --limit fuel=2000")
    # A locked policy's help cannot suggest a flag it would refuse.
    path = write(os.path.join(tmp, "limits", "locked.toml"),
                 "version = 1\nlocked = true\n[limits]\nfuel = 1000\n")
    t.expect("locked policy limit", ["--policy", path, spin], 134,
             first=f"capbox: error: {spin} trapped: all fuel consumed: fuel "
                   f"limit of 1000 (from {path}:4:8)",
             help=f"   = help: raise limits.fuel in {path}")


def policy_lookup(t, m, tmp):
    data = os.path.join(tmp, "lookup-data")
    write(os.path.join(data, "f"), "granted")
    grant = (f'version = 1\n[[fs.dir]]\nhost = "{data}"\nguest = "/data"\n'
             f'rights = "ro"\n')
    granted = b"read /data/f: granted\n"
    refused = b"open /data/f: ENOTCAPABLE\n"
    # The module and a policy named after it beside it, and one in the cwd.
    moddir = os.path.join(tmp, "lookup-mod")
    os.makedirs(moddir)
    module = os.path.join(moddir, "probe.wasm")
    with open(m["probe"], "rb") as src, open(module, "wb") as dst:
        dst.write(src.read())
    write(os.path.join(moddir, "probe.toml"), grant)
    cwd = os.path.join(tmp, "lookup-cwd")
    write(os.path.join(cwd, "probe.toml"), grant)
    write(os.path.join(cwd, "mine.toml"), grant)
    args = [module, "read", "/data/f"]
    t.expect("no policy installed: beside the module and in the cwd are "
             "not used", args, 1, stdout=refused, stderr="", cwd=cwd)
    t.expect("--policy ./path.toml reads the cwd's file",
             ["--policy", "./mine.toml"] + args, 0, stdout=granted,
             stderr="", cwd=cwd)
    t.expect("--policy NAME is not looked up in the cwd",
             ["--policy", "mine"] + args, 125, cwd=cwd,
             stderr=f"capbox: error: policy mine: no policy named 'mine'\n"
                    f"   = help: looked for {t.config}/capbox/policies/"
                    f"mine.toml, /etc/capbox/policies/mine.toml, /usr/share/"
                    f"capbox/policies/mine.toml; a file in the working "
                    f"directory is used only when given as a path "
                    f"(./mine.toml)\n")
    xdg = os.path.join(tmp, "lookup-config")
    write(os.path.join(xdg, "capbox", "policies", "probe.toml"), grant)
    write(os.path.join(xdg, "capbox", "policies", "other.toml"), grant)
    env = {"XDG_CONFIG_HOME": xdg}
    t.expect("the module's policy through XDG_CONFIG_HOME", args, 0,
             stdout=granted, stderr="", env=env, cwd=cwd)
    t.expect("--no-policy ignores the installed policy",
             ["--no-policy"] + args, 1, stdout=refused, stderr="", env=env,
             cwd=cwd)
    t.expect("--policy NAME", ["--policy", "other", m["probe"], "read",
                               "/data/f"], 0, stdout=granted, stderr="",
             env=env)
    t.expect("--policy with --no-policy", ["--policy", "other",
                                           "--no-policy", module], 125,
             stderr="capbox: error: --policy and --no-policy contradict "
                    "each other; give one\n")
    broken = write(os.path.join(tmp, "broken.toml"),
                   "version = 1\n[limits]\nmemroy = 5\n")
    t.expect("a broken policy", ["--policy", broken, m["hello"]], 125,
             stderr=f"capbox: error: policy {broken}: unknown key 'memroy' "
                    f"in [limits]\n  --> {broken}:3:1\n"
                    f"   = help: did you mean 'memory'?\n")
    installed = os.path.join(xdg, "capbox", "policies", "hello.toml")
    write(installed, "version = 1\nlimits = 3\n")
    t.expect("a broken installed policy is refused too", [m["hello"]], 125,
             env=env,
             stderr=f"capbox: error: policy {installed}: limits must be a "
                    f"table, not an integer\n  --> {installed}:2:10\n"
                    f"   = help: for example: [limits] on a line of its "
                    f"own\n")
    os.unlink(installed)


def policy_tables(t, m, tmp):
    probe, hello = m["probe"], m["hello"]
    locked = write(os.path.join(tmp, "locked.toml"),
                   'version = 1\nlocked = true\n')
    for flag in (["--dir", tmp], ["--env", "A=1"], ["-W", "fuel=5"]):
        words = " ".join(flag)
        t.expect(f"locked refuses {flag[0]}", ["--policy", locked] + flag +
                 [hello], 125,
                 stderr=f"capbox: error: policy {locked}: the policy is "
                        f"locked (locked = true): {words} may not add to "
                        f"it\n  --> {locked}:2:10\n   = help: grant it in "
                        f"the policy itself, or set locked = false at "
                        f"{locked}:2:10\n")
    t.expect("locked without flags runs", ["--policy", locked, hello], 0,
             stdout=b"hello, sandbox\n", stderr="")
    with open(hello, "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()
    wrong = "ab" * 32
    pin = write(os.path.join(tmp, "pin.toml"),
                f'version = 1\n[program]\nsha256 = "{wrong}"\n')
    t.expect("sha256 pin mismatch", ["--policy", pin, hello], 126,
             stderr=f"capbox: error: {hello} is not the module the policy "
                    f"pins: its sha256 is {digest}, the policy says {wrong}\n"
                    f"  --> {pin}:3:10\n   = help: if this build is trusted, "
                    f'set sha256 = "{digest}" in [program]\n')
    pin = write(os.path.join(tmp, "pin-ok.toml"),
                f'version = 1\n[program]\nsha256 = "{digest}"\n')
    t.expect("sha256 pin match", ["--policy", pin, hello], 0,
             stdout=b"hello, sandbox\n", stderr="")
    fixed = write(os.path.join(tmp, "fixed.toml"),
                  'version = 1\n[program]\nargv0 = "tool"\nargs = ["-q"]\n'
                  'extra_args = false\n')
    t.expect("extra_args = false refuses guest arguments",
             ["--policy", fixed, probe, "more"], 125,
             stderr=f"capbox: error: the policy does not let the user add "
                    f"arguments (extra_args = false)\n  --> {fixed}:5:14\n"
                    f"   = help: run without arguments, or set extra_args = "
                    f"true in [program]\n")
    t.expect("extra_args = false: the policy's own arguments",
             ["--policy", fixed, probe], 0,
             stdout=b"argv[0]=tool\nargv[1]=-q\n", stderr="")
    t.expect("extra_args = false covers --invoke's arguments",
             ["--policy", fixed, "--invoke", "_start", probe, "1"], 125,
             stderr=f"capbox: error: the policy does not let the user add "
                    f"arguments (extra_args = false), --invoke's included\n"
                    f"  --> {fixed}:5:14\n"
                    f"   = help: run without arguments, or set extra_args = "
                    f"true in [program]\n")
    t.expect("a locked policy keeps its argv[0]",
             ["--policy", locked, "--argv0", "other", probe], 125,
             stderr=f"capbox: error: the policy is locked: --argv0 may not "
                    f"change the guest's argv[0]\n  --> {locked}:2:10\n"
                    f"   = help: leave out --argv0, or set argv0 in "
                    f"[program]\n")
    env = write(os.path.join(tmp, "env.toml"),
                'version = 1\n[env]\ninherit = ["CB_A", "CB_UNSET"]\n'
                'set = { CB_B = "2", CB_C = "3" }\n')
    t.expect("[env] inherit and set, nothing else",
             ["--policy", env, probe, "env"], 0,
             stdout=b"CB_A=1\nCB_B=2\nCB_C=3\n", stderr="",
             env={"CB_A": "1", "CB_D": "4"})
    t.expect("--env replaces a value the policy sets",
             ["--policy", env, "--env", "CB_B=9", probe, "env"], 0,
             stdout=b"CB_A=1\nCB_B=9\nCB_C=3\n", stderr="",
             env={"CB_A": "1"})
    inherit_all = write(os.path.join(tmp, "inherit-all.toml"),
                        'version = 1\n[env]\ninherit_all = true\n')
    proc = t.run(["--policy", inherit_all, probe, "env"],
                 env={"CB_A": "1"})
    lines = set(proc.stdout.decode().splitlines())
    t.result("[env] inherit_all passes the caller's environment",
             [] if proc.returncode == 0 and "CB_A=1" in lines and
             f"HOME={t.home}" in lines else ["CB_A or HOME missing"], proc)
    missing_cases(t, m, tmp)
    random = write(os.path.join(tmp, "no-random.toml"),
                   "version = 1\n[wasi]\nrandom = false\n")
    t.expect("[wasi] random = false refuses a module importing random_get",
             ["--policy", random, m["random"]], 126,
             stderr=f"capbox: error: {m['random']} imports "
                    f"wasi_snapshot_preview1::random_get, which the policy "
                    f"turns off (wasi.random = false at {random}:3:10)\n"
                    f"   = help: allow it in the policy's [wasi] table, or "
                    f"give the guest a build that does not need it\n")
    t.expect("[wasi] random = false: a module without it runs",
             ["--policy", random, hello], 0, stdout=b"hello, sandbox\n",
             stderr="")
    t.expect("random_get is there by default", [m["random"]], 0,
             stderr="")
    sockets = write(os.path.join(tmp, "no-sockets.toml"),
                    'version = 1\n[net]\nlisten = ["127.0.0.1:0"]\n'
                    '[wasi]\nsockets = false\n')
    t.expect("sockets = false with listen", ["--policy", sockets, hello],
             125,
             stderr=f"capbox: error: the policy listens on 127.0.0.1:0 "
                    f"but turns sockets off (wasi.sockets = false)\n"
                    f"  --> {sockets}:3:11\n  --> {sockets}:5:11\n"
                    f"   = help: remove one of them\n")
    sockets = write(os.path.join(tmp, "no-sockets2.toml"),
                    "version = 1\n[wasi]\nsockets = false\n")
    t.expect("sockets = false with -S tcplisten",
             ["--policy", sockets, "-S", "tcplisten=127.0.0.1:0", hello],
             125,
             stderr=f"capbox: error: the policy listens on 127.0.0.1:0 "
                    f"(-S tcplisten=127.0.0.1:0) but turns sockets off "
                    f"(wasi.sockets = false)\n  --> {sockets}:3:11\n"
                    f"   = help: remove one of them\n")


def missing_cases(t, m, tmp):
    probe = m["probe"]
    for missing in ("create", "skip", "error"):
        host = os.path.join(tmp, "missing-" + missing, "sub")
        policy = write(os.path.join(tmp, f"missing-{missing}.toml"),
                       f'version = 1\n[[fs.dir]]\nhost = "{host}"\n'
                       f'guest = "/n"\nrights = "rw"\n'
                       f'missing = "{missing}"\n')
        args = ["--policy", policy, probe, "write", "/n/x", "made"]
        if missing == "create":
            t.expect('missing = "create" makes the directory', args, 0,
                     stdout=b"wrote 4 bytes to /n/x\n", stderr="")
            ok = os.path.isfile(os.path.join(host, "x"))
            t.result('missing = "create": the file is in the new directory',
                     [] if ok else [f"{host}/x does not exist"])
        elif missing == "skip":
            t.expect('missing = "skip" leaves the grant out', args, 1,
                     stdout=b"open /n/x: ENOTCAPABLE\n", stderr="")
        else:
            t.expect('missing = "error" refuses', args, 125,
                     stderr=f"capbox: error: cannot open {host}: No such "
                            f"file or directory\n  --> {policy}:5:10\n"
                            f'   = help: create it, or set missing = "create" '
                            f'(or "skip") in its [[fs.dir]]\n')
        if missing != "create":
            t.result(f'missing = "{missing}" creates nothing',
                     [] if not os.path.exists(os.path.dirname(host)) else
                     [f"{os.path.dirname(host)} exists"])


def denials(t, m, tmp):
    """The WASI layer refuses most things a grant lacks with ENOTCAPABLE
    before the broker is asked, and says so in the broker's words. An open
    that asks for no rights under a write-only grant passes the WASI layer
    (it wants nothing of the directory but PATH_OPEN) and reaches the
    broker, which would hand out an O_RDONLY descriptor and so needs
    "read"."""
    probe = m["probe"]
    data = os.path.join(tmp, "denied")
    write(os.path.join(data, "f"), "secret")
    write(os.path.join(data, "g"), "secret")
    spec = f"{data}::/d::write"
    t.expect("broker denial: one line naming the grant",
             ["--dir", spec, probe, "open-no-rights", "f", "g"], 0,
             stdout=b"path_open f: EACCES\npath_open g: EACCES\n",
             stderr=f'capbox: denied open of "/d/f": the grant lacks '
                    f'"read"; add it at --dir {spec}\n')
    policy = write(os.path.join(tmp, "denied.toml"),
                   f'version = 1\n[[fs.dir]]\nhost = "{data}"\n'
                   f'guest = "/d"\nrights = ["write"]\n')
    t.expect("broker denial names the policy line",
             ["--policy", policy, probe, "open-no-rights", "f"], 0,
             stdout=b"path_open f: EACCES\n",
             stderr=f'capbox: denied open of "/d/f": the grant lacks '
                    f'"read"; add it at {policy}:5:10\n')
    t.expect("read-only grant: the WASI layer refuses a write and says why",
             ["--dir", f"{data}::/d::ro", probe, "write", "/d/f", "x"], 1,
             stdout=b"open /d/f: ENOTCAPABLE\n",
             stderr=f'capbox: denied path_open of "/d/f": the grant lacks '
                    f'"write,create"; add it at --dir {data}::/d::ro\n')
    with open(os.path.join(data, "f")) as f:
        content = f.read()
    t.result("read-only grant: the file is unchanged",
             [] if content == "secret" else [f"it holds {content!r}"])


def verbosity(t, m, tmp):
    """-q keeps errors only (a denial, a warning and their help lines go);
    -v says what the run gets before it starts; -vv adds each allowed
    decision as it is made."""
    probe, spin = m["probe"], m["spin"]
    data = os.path.join(tmp, "quiet")
    write(os.path.join(data, "f"), "secret")
    t.expect("-q: no denial line",
             ["-q", "--dir", f"{data}::/d::write", probe, "open-no-rights",
              "f"], 0, stdout=b"path_open f: EACCES\n", stderr="")
    t.expect("-q: no warning, nor its help line",
             ["--quiet", "-W", "max-memory-size=64KiB", "--invoke", "grow",
              spin, "1"], 0, stdout=b"-1\n", stderr="")
    t.expect("-q: an error is still said, with its help line",
             ["-q", "--limit", "memory=1MiB", m["bigmem"]], 134,
             stderr=f"capbox: error: {m['bigmem']}: memory of 20 pages "
                    f"exceeds the store's limit: memory limit of 1MiB "
                    f"(from --limit memory=1MiB)\n"
                    f"   = help: give a larger value to --limit "
                    f"memory=1MiB\n")
    spec = f"{data}::/d::read"
    plan = (f"capbox: policy: none; the grants come from the flags\n"
            f"capbox: grant: /d is {data}, read (--dir[0], --dir {spec})\n"
            f"capbox: environment: empty\n"
            f"capbox: no limit: memory, fuel, cpu-time, wall-time, "
            f"open-files, output, file-output\n")
    t.expect("-v: the plan, no decisions",
             ["-v", "--dir", spec, probe, "read", "/d/f"], 0,
             stdout=b"read /d/f: secret\n", stderr=plan)
    t.expect("-vv: the plan, then each allowed decision",
             ["-vv", "--dir", spec, probe, "read", "/d/f"], 0,
             stdout=b"read /d/f: secret\n", stderr=plan + 'capbox: allowed open of '
             '"/d/f" (read) under /d (--dir[0])\n')
    t.expect("-vv in an option's value is the value",
             ["--argv0=-vv", "--dir", spec, probe, "read", "/d/f"], 0,
             stdout=b"read /d/f: secret\n", stderr="")


def descendants(root):
    """Pids of the live processes below `root` (from /proc's ppid)."""
    children = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        # The name may hold spaces and parentheses; ppid follows its ')'.
        fields = stat[stat.rindex(")") + 2:].split()
        children.setdefault(int(fields[1]), []).append(int(entry))
    found, todo = [], [root]
    while todo:
        for pid in children.get(todo.pop(), []):
            found.append(pid)
            todo.append(pid)
    return found


def running(pids):
    """Those of `pids` that are alive and not zombies."""
    alive = []
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        if stat[stat.rindex(")") + 2] != "Z":
            alive.append(pid)
    return alive


def reap_orphans():
    """Waits for the zombies re-parented to us (we are a subreaper)."""
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def supervisor_killed(t, m, tmp):
    """capbox killed by a signal takes its sandboxed child with it."""
    for sig in (signal.SIGKILL, signal.SIGTERM, signal.SIGINT):
        proc = subprocess.Popen([CAPBOX, "run", m["spin"]], env=t.env,
                                stderr=subprocess.DEVNULL)
        # The spinning child exists once the supervisor has forked it.
        deadline = time.monotonic() + 10
        child = []
        while not child and time.monotonic() < deadline:
            time.sleep(0.05)
            child = descendants(proc.pid)
        proc.send_signal(sig)
        status = proc.wait(timeout=30)
        deadline = time.monotonic() + 5
        while running(child) and time.monotonic() < deadline:
            time.sleep(0.05)
        left = running(child)
        for pid in left:  # a failed check must not leave a spinner behind
            os.kill(pid, signal.SIGKILL)
        reap_orphans()
        problems = [] if child else ["no sandboxed child was seen"]
        if status != -sig:
            problems.append(f"capbox ended with {status}")
        if left:
            problems.append(f"still running: {left}")
        t.result(f"capbox killed by {sig.name}: its sandbox ends too",
                 problems)


def stress(t, m, tmp):
    subreaper = become_subreaper()
    fresh_tmp = os.path.join(tmp, "stress-tmp")
    os.makedirs(fresh_tmp)
    fds_before = sorted(os.listdir("/proc/self/fd"))
    env = dict(t.env, TMPDIR=fresh_tmp)
    bad = []
    start = time.monotonic()
    for i in range(STRESS_RUNS):
        proc = subprocess.run([CAPBOX, "run", m["hello"]],
                              capture_output=True, env=env, timeout=30)
        if (proc.returncode, proc.stdout, proc.stderr) != (
                0, b"hello, sandbox\n", b""):
            bad.append(f"run {i}: status {proc.returncode}, stdout "
                       f"{proc.stdout!r}, stderr {proc.stderr!r}")
    elapsed = time.monotonic() - start
    print(f"     {STRESS_RUNS} sandboxes in {elapsed:.1f}s")
    t.result(f"{STRESS_RUNS} sandboxes in a row: each printed its line "
             "and exited 0", bad[:5] + ([f"{len(bad)} bad runs"] if bad
                                        else []))
    left = descendants(os.getpid())
    t.result("no process is left behind" + ("" if subreaper else
                                            " (no subreaper: direct only)"),
             [f"left: {left}"] if left else [])
    files = os.listdir(fresh_tmp)
    t.result("nothing is left in TMPDIR", [f"left: {files}"] if files else [])
    fds_after = sorted(os.listdir("/proc/self/fd"))
    t.result("the test's descriptors are unchanged",
             [] if fds_after == fds_before else
             [f"{fds_before} before, {fds_after} after"])


def become_subreaper():
    """Orphans of a capbox (a sandboxed child it failed to reap or kill)
    are then re-parented to us rather than to init, where descendants()
    finds them; other capbox runs on this machine are not ours."""
    libc = ctypes.CDLL(None, use_errno=True)
    pr_set_child_subreaper = 36
    return libc.prctl(pr_set_child_subreaper, 1, 0, 0, 0) == 0


def main():
    become_subreaper()
    with tempfile.TemporaryDirectory(prefix="capbox-sandbox-") as tmp:
        t = Tests(tmp)
        m = build_modules(tmp)
        for group in (limits_from_flags, limits_from_policy, policy_lookup,
                      policy_tables, denials, verbosity, supervisor_killed,
                      stress):
            start = time.monotonic()
            group(t, m, tmp)
            print(f"     ({group.__name__}: "
                  f"{time.monotonic() - start:.1f}s)")
    print(f"{t.passed} passed, {t.failed} failed")
    return 1 if t.failed else 0


if __name__ == "__main__":
    sys.exit(main())
