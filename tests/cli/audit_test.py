#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# --audit and --report end to end (suite cli): a WAT guest that creates,
# writes, renames and is denied (a read-only grant written to, a delete
# the grant lacks) gives exactly the expected JSONL records (timestamps
# aside), layer "wasi" records once each, rule/source/rights_at pointing
# at the policy's lines; reports for a clean exit, exit 3, a trap, the
# fuel, output and wall-time limits, a bad module (126), a missing one
# (127) and a bad policy (125); `capbox exec cat` on a granted and a
# refused file; the default audit path under XDG_STATE_HOME; unwritable
# --audit and --report paths (125 before the guest starts).
# Usage: audit_test.py CAPBOX WAT2WASM
import json
import os
import re
import stat
import subprocess
import sys
import tempfile

CAPBOX, WAT2WASM = os.path.abspath(sys.argv[1]), sys.argv[2]

FSOPS = """
(module
  (import "wasi_snapshot_preview1" "path_open"
    (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_rename"
    (func $path_rename (param i32 i32 i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_unlink_file"
    (func $path_unlink_file (param i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 100) "a.txt")
  (data (i32.const 110) "b.txt")
  (data (i32.const 120) "in.txt")
  (data (i32.const 200) "hi\\n")
  (func $write (param $fd i32)
    (i32.store (i32.const 0) (i32.const 200))
    (i32.store (i32.const 4) (i32.const 3))
    (drop (call $fd_write (local.get $fd) (i32.const 0) (i32.const 1)
                          (i32.const 8))))
  (func (export "_start")
    ;; /out/a.txt created to write (oflags CREAT, rights fd_write), twice
    ;; written, renamed to b.txt
    (drop (call $path_open (i32.const 3) (i32.const 0) (i32.const 100)
      (i32.const 5) (i32.const 1) (i64.const 64) (i64.const 0) (i32.const 0)
      (i32.const 16)))
    (call $write (i32.load (i32.const 16)))
    (call $write (i32.load (i32.const 16)))
    (drop (call $path_rename (i32.const 3) (i32.const 100) (i32.const 5)
      (i32.const 3) (i32.const 110) (i32.const 5)))
    ;; /in/in.txt opened to write under a read-only grant: denied
    (drop (call $path_open (i32.const 4) (i32.const 0) (i32.const 120)
      (i32.const 6) (i32.const 0) (i64.const 64) (i64.const 0) (i32.const 0)
      (i32.const 16)))
    ;; no delete right: denied twice, recorded once, counted twice
    (drop (call $path_unlink_file (i32.const 3) (i32.const 110) (i32.const 5)))
    (drop (call $path_unlink_file (i32.const 3) (i32.const 110)
      (i32.const 5)))))
"""

WAT = {
    "fsops": FSOPS,
    "exit3": """
(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (func (export "_start") (call $exit (i32.const 3))))
""",
    "trap": """
(module (memory (export "memory") 2) (func (export "_start") unreachable))
""",
    "spin": """
(module (memory (export "memory") 1)
  (func (export "_start") (loop $l br $l)))
""",
    "chatty": """
(module
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "0123456789")
  (func (export "_start")
    (i32.store (i32.const 0) (i32.const 16))
    (i32.store (i32.const 4) (i32.const 10))
    (loop $l
      (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1)
                            (i32.const 8)))
      (br $l))))
""",
}

POLICY = """version = 1

[[fs.dir]]
host = "./out"
guest = "/out"
rights = ["read", "write", "create", "rename"]

[[fs.dir]]
host = "./in"
guest = "/in"
rights = ["read"]
"""

TS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


class Tests:
    def __init__(self, tmp):
        self.tmp = tmp
        self.passed = 0
        self.failed = 0
        self.env = dict(os.environ, XDG_CONFIG_HOME=os.path.join(tmp, "cfg"),
                        XDG_STATE_HOME=os.path.join(tmp, "state"),
                        HOME=os.path.join(tmp, "home"), LC_ALL="C")
        self.env.pop("NO_COLOR", None)

    def check(self, name, problems, proc=None):
        if problems:
            self.failed += 1
            print(f"FAIL {name}")
            for p in problems:
                print(f"     {p}")
            if proc is not None:
                print(f"     stderr: {proc.stderr!r}")
        else:
            self.passed += 1
            print(f"ok   {name}")

    def capbox(self, args, cwd=None):
        return subprocess.run([CAPBOX] + args, capture_output=True,
                              text=True, env=self.env, cwd=cwd or self.tmp,
                              timeout=60)

    def fresh_dirs(self):
        for d in ("in", "out"):
            path = os.path.join(self.tmp, d)
            subprocess.run(["rm", "-rf", path], check=True)
            os.mkdir(path)
        with open(os.path.join(self.tmp, "in", "in.txt"), "w") as f:
            f.write("hello\n")


def build(tmp):
    paths = {}
    for name, wat in WAT.items():
        src = os.path.join(tmp, name + ".wat")
        paths[name] = os.path.join(tmp, name + ".wasm")
        with open(src, "w") as f:
            f.write(wat)
        subprocess.run([WAT2WASM, src, "-o", paths[name]], check=True)
    with open(os.path.join(tmp, "bad.wasm"), "wb") as f:
        f.write(b"\0asm\x01\0\0\0\x7f")
    return paths


def read_jsonl(path):
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [json.loads(line) for line in f]


def read_json(path):
    if not os.path.exists(path):
        return {}
    with open(path) as f:
        return json.load(f)


def expected_fsops(tmp, policy):
    out, inn = os.path.join(tmp, "out"), os.path.join(tmp, "in")
    g_out = {"grant": "/out", "rule": "fs.dir[0]", "source": policy + ":3:1",
             "rights_at": policy + ":6:10"}
    g_in = {"grant": "/in", "rule": "fs.dir[1]", "source": policy + ":8:1",
            "rights_at": policy + ":11:10"}

    def rec(layer, op, guest, host, rights, grant, result="ok", **extra):
        r = {"layer": layer, "op": op, "guest": guest}
        if "target" in extra:
            r["target"] = extra.pop("target")
        r.update({"host": host, "rights": rights,
                  "decision": extra.pop("decision", "allow")})
        if "missing" in extra:
            r["missing"] = extra.pop("missing")
        r.update(grant)
        r["result"] = result
        r.update(extra)
        return r

    return [
        rec("wasi", "path_open", "/out/a.txt", out + "/a.txt",
            ["write", "create"], g_out),
        rec("broker", "open", "/out/a.txt", out + "/a.txt",
            ["write", "create"], g_out),
        rec("wasi", "fd_write", "/out/a.txt", out + "/a.txt", ["write"],
            g_out),
        rec("wasi", "path_rename", "/out/a.txt", out + "/a.txt", ["rename"],
            g_out),
        rec("wasi", "path_rename", "/out/b.txt", out + "/b.txt", ["rename"],
            g_out),
        rec("broker", "rename", "/out/a.txt", out + "/a.txt", ["rename"],
            g_out, target="/out/b.txt"),
        rec("wasi", "path_open", "/in/in.txt", inn + "/in.txt", ["write"],
            g_in, "ENOTCAPABLE", decision="deny", missing=["write"],
            fix=f'add "write" to rights at {policy}:11:10'),
        rec("wasi", "path_unlink_file", "/out/b.txt", out + "/b.txt",
            ["delete"], g_out, "ENOTCAPABLE", decision="deny",
            missing=["delete"], fix=f'add "delete" to rights at {policy}:6:10'),
    ]


def test_fsops(t, paths):
    t.fresh_dirs()
    policy = os.path.join(t.tmp, "p.toml")
    with open(policy, "w") as f:
        f.write(POLICY)
    audit = os.path.join(t.tmp, "a.jsonl")
    report = os.path.join(t.tmp, "r.json")
    proc = t.capbox(["run", "-p", policy, "--audit=" + audit,
                     "--report=" + report, paths["fsops"]])
    problems = []
    if proc.returncode != 0:
        problems.append(f"status {proc.returncode}")
    records = read_jsonl(audit)
    for r in records:
        if not TS.match(r.pop("ts", "")):
            problems.append(f"bad ts in {r}")
    want = expected_fsops(t.tmp, policy)
    if records != want:
        problems.append("records differ:")
        problems += ["  got  " + json.dumps(r) for r in records]
        problems += ["  want " + json.dumps(r) for r in want]
    mode = stat.S_IMODE(os.stat(audit).st_mode)
    if mode != 0o600:
        problems.append(f"audit mode {mode:o}")
    if "audit log:" in proc.stderr:
        problems.append("named an audit file the user chose")
    t.check("run: exact audit records, wasi layer deduplicated", problems,
            proc)

    r = read_json(report)
    problems = []
    want = {"program": paths["fsops"], "command": "run", "policy": policy,
            "status": 0, "reason": "exit", "exit_code": 0, "signal": None,
            "denials": 3}
    for key, value in want.items():
        if r.get(key) != value:
            problems.append(f"{key}: {r.get(key)!r}, want {value!r}")
    lim = r["limits"]
    if lim["memory"] != {"max": None, "peak": 65536}:
        problems.append(f"memory {lim['memory']}")
    if lim["file_output"] != {"max": None, "used": 6}:
        problems.append(f"file_output {lim['file_output']}")
    if lim["output"] != {"max": None, "used": 0}:
        problems.append(f"output {lim['output']}")
    # stdio, two preopens, a.txt; the denied open made nothing.
    if lim["open_files"] != {"max": None, "peak": 6}:
        problems.append(f"open_files {lim['open_files']}")
    if lim["fuel"] != {"max": None, "used": None}:
        problems.append(f"fuel {lim['fuel']}")
    denied = [(d["op"], d["guest"], d["missing"], d["rule"], d["count"])
              for d in r["denied"]]
    if denied != [("path_open", "/in/in.txt", ["write"], "fs.dir[1]", 1),
                  ("path_unlink_file", "/out/b.txt", ["delete"], "fs.dir[0]",
                   2)]:
        problems.append(f"denied {denied}")
    if not isinstance(r["wall_ms"], (int, float)) or r["wall_ms"] <= 0:
        problems.append(f"wall_ms {r['wall_ms']}")
    if stat.S_IMODE(os.stat(report).st_mode) != 0o600:
        problems.append("report not 0600")
    leftovers = [n for n in os.listdir(t.tmp) if n.startswith(".capbox-")]
    if leftovers:
        problems.append(f"temporary files left: {leftovers}")
    t.check("run: report of a clean exit with denials", problems, proc)


def test_flag_grant(t, paths):
    t.fresh_dirs()
    audit = os.path.join(t.tmp, "flag.jsonl")
    proc = t.capbox(["run", "--no-policy", "--dir", "./out::/out::rw",
                     "--dir", "./in::/in::ro", "--audit=" + audit,
                     paths["fsops"]])
    records = read_jsonl(audit)
    problems = []
    deny_in = [r for r in records if r["guest"] == "/in/in.txt"]
    if len(deny_in) != 1 or deny_in[0]["rule"] != "--dir[1]" or \
            deny_in[0]["source"] != "--dir ./in::/in::ro" or \
            "rights_at" in deny_in[0]:
        problems.append(f"flag grant record {deny_in}")
    if any(r["decision"] == "deny" and r["guest"] == "/out/b.txt"
           for r in records):
        problems.append("rw allowed no delete")
    t.check("run: a --dir grant's rule and source", problems, proc)


def report_of(t, args, module):
    report = os.path.join(t.tmp, "r.json")
    if os.path.exists(report):
        os.unlink(report)
    proc = t.capbox(["run", "--report=" + report] + args + [module])
    if not os.path.exists(report):
        return proc, None
    return proc, read_json(report)


def expect_report(t, name, args, module, fields, limits=None):
    proc, r = report_of(t, args, module)
    problems = []
    if r is None:
        problems.append("no report written")
    else:
        for key, value in fields.items():
            if r.get(key) != value:
                problems.append(f"{key}: {r.get(key)!r}, want {value!r}")
        for key, value in (limits or {}).items():
            if r["limits"].get(key) != value:
                problems.append(f"limits.{key}: {r['limits'].get(key)!r}, "
                                f"want {value!r}")
        if r.get("status") != proc.returncode:
            problems.append(f"status {r.get('status')} but capbox exited "
                            f"{proc.returncode}")
    t.check(name, problems, proc)


def test_reports(t, paths):
    expect_report(t, "report: exit 3", [], paths["exit3"],
                  {"status": 3, "reason": "exit", "exit_code": 3,
                   "denials": 0, "denied": []})
    expect_report(t, "report: a trap", [], paths["trap"],
                  {"status": 134, "reason": "trap:unreachable",
                   "exit_code": None},
                  {"memory": {"max": None, "peak": 131072}})
    expect_report(t, "report: out of fuel", ["-W", "fuel=1000"],
                  paths["spin"],
                  {"status": 134, "reason": "trap:out_of_fuel",
                   "exit_code": None},
                  {"fuel": {"max": 1000, "used": 1000}})
    expect_report(t, "report: output limit", ["--limit", "output=25"],
                  paths["chatty"],
                  {"status": 134, "reason": "limit:output"},
                  {"output": {"max": 25, "used": 25}})
    proc, r = report_of(t, ["-W", "timeout=300ms"], paths["spin"])
    problems = []
    if r is None or r["reason"] != "limit:wall_time" or r["status"] != 134:
        problems.append(f"report {r}")
    elif not 300 <= r["limits"]["wall_time_ms"]["used"] < 5000 or \
            r["limits"]["wall_time_ms"]["max"] != 300:
        problems.append(f"wall_time_ms {r['limits']['wall_time_ms']}")
    t.check("report: wall-time limit", problems, proc)
    # The CPU time the sandbox used: a spin stopped by the cpu-time limit
    # of a second. The kernel's rusage (utime + stime) is scaled from
    # sampled ticks and read 844 ms once for a second's limit: at least
    # half, and not much more.
    proc, r = report_of(t, ["--limit", "cpu-time=1s"], paths["spin"])
    cpu = r["limits"]["cpu_time_ms"] if r else None
    t.check("report: cpu-time used",
            [] if cpu and cpu["max"] == 1000 and
            500 <= (cpu["used"] or 0) < 5000 else [f"cpu_time_ms {cpu}"],
            proc)
    proc, r = report_of(t, [], paths["exit3"])
    cpu = r["limits"]["cpu_time_ms"] if r else None
    t.check("report: cpu-time used by a short run is small, not null",
            [] if cpu and cpu["max"] is None and
            cpu["used"] is not None and cpu["used"] < 500
            else [f"cpu_time_ms {cpu}"], proc)
    expect_report(t, "report: a bad module is 126", [],
                  os.path.join(t.tmp, "bad.wasm"),
                  {"status": 126, "reason": "EX_DATAERR", "exit_code": None})
    expect_report(t, "report: a missing module is 127", [],
                  os.path.join(t.tmp, "nothere.wasm"),
                  {"status": 127, "reason": "EX_NOINPUT"})
    expect_report(t, "report: a missing policy is 125", ["-p", "./none.toml"],
                  paths["exit3"], {"status": 125, "reason": "EX_CONFIG"})


def test_default_audit_path(t, paths):
    t.fresh_dirs()
    proc = t.capbox(["run", "--dir", "./out::/out", "--dir", "./in::/in::ro",
                     "--audit", paths["exit3"]])
    problems = []
    if proc.returncode != 3:
        problems.append(f"status {proc.returncode}")
    audit_dir = os.path.join(t.tmp, "state", "capbox", "audit")
    m = re.search(r"^capbox: audit log: (.*)$", proc.stderr, re.M)
    name = re.compile(r"^exit3-\d{8}T\d{6}Z-\d+\.jsonl$")
    if not m:
        problems.append("no 'capbox: audit log:' line")
    elif os.path.dirname(m.group(1)) != audit_dir or \
            not name.match(os.path.basename(m.group(1))):
        problems.append(f"path {m.group(1)}")
    elif not os.path.exists(m.group(1)):
        problems.append("the named file does not exist")
    for d in (os.path.join(t.tmp, "state", "capbox"), audit_dir):
        if os.path.isdir(d) and stat.S_IMODE(os.stat(d).st_mode) != 0o700:
            problems.append(f"{d} is not 0700")
    t.check("audit: default path under XDG_STATE_HOME", problems, proc)


def test_unwritable(t, paths):
    t.fresh_dirs()
    for flag, path, what in [
            ("--report=", "/nonexistent/dir/r.json", "report"),
            ("--audit=", "/nonexistent/dir/a.jsonl", "audit log"),
            ("--report=", t.tmp, "report")]:
        proc = t.capbox(["run", "-p", "./p.toml", flag + path,
                         paths["fsops"]])
        problems = []
        if proc.returncode != 125:
            problems.append(f"status {proc.returncode}")
        want = f"capbox: error: cannot write the {what} {path}: "
        if not proc.stderr.startswith(want):
            problems.append(f"stderr {proc.stderr!r}, want {want!r}...")
        if os.listdir(os.path.join(t.tmp, "out")):
            problems.append("the guest ran")
        t.check(f"unwritable {flag}{path}: 125 before the guest", problems,
                proc)


def exec_works(t):
    proc = t.capbox(["exec", "--no-policy", "true"])
    return proc.returncode == 0


def test_exec(t):
    if not exec_works(t):
        print("skip exec: capbox exec cannot run here (Landlock?)")
        return
    t.fresh_dirs()
    data = os.path.join(t.tmp, "in")
    audit = os.path.join(t.tmp, "e.jsonl")
    report = os.path.join(t.tmp, "e.json")
    proc = t.capbox(["exec", "--no-policy", "--dir", data + "::/d::ro",
                     "--audit=" + audit, "--report=" + report, "cat",
                     "/d/in.txt"])
    problems = []
    if proc.returncode != 0 or proc.stdout != "hello\n":
        problems.append(f"status {proc.returncode}, stdout {proc.stdout!r}")
    opens = [r for r in read_jsonl(audit)
             if r["op"] == "open" and r["guest"] == "/d/in.txt"]
    want = {"layer": "broker", "op": "open", "guest": "/d/in.txt",
            "host": data + "/in.txt", "rights": ["read"],
            "decision": "allow", "grant": "/d", "rule": "--dir[0]",
            "source": "--dir " + data + "::/d::ro", "result": "ok"}
    if len(opens) != 1 or {k: v for k, v in opens[0].items()
                           if k != "ts"} != want:
        problems.append(f"open records {opens}")
    r = read_json(report)
    if (r.get("command"), r.get("reason"), r.get("exit_code"),
            r.get("denials")) != ("exec", "exit", 0, 0) or \
            r["limits"]["fuel"]["used"] is not None:
        problems.append(f"report {r}")
    t.check("exec: cat of a granted file, allowed and recorded", problems,
            proc)
    processes = r["limits"]["processes"]
    t.check("exec: the report's processes peak of a lone cat is 1",
            [] if processes == {"max": 256, "peak": 1} else [f"{processes}"])

    # A shell that starts two programs at once: a peak of three.
    proc = t.capbox(["exec", "--no-policy", "--report=" + report,
                     "--limit", "processes=5", "/bin/sh", "-c",
                     "/bin/sleep 0.3 & /bin/sleep 0.3; wait"])
    r = read_json(report) if os.path.exists(report) else {}
    processes = r.get("limits", {}).get("processes")
    t.check("exec: the report's processes peak counts programs alive at once",
            [] if proc.returncode == 0 and processes == {"max": 5, "peak": 3}
            else [f"status {proc.returncode}, processes {processes}"], proc)

    proc = t.capbox(["exec", "--no-policy", "--dir", data + "::/d::write",
                     "--audit=" + audit, "--report=" + report, "cat",
                     "/d/in.txt"])
    problems = []
    if proc.returncode != 1:
        problems.append(f"status {proc.returncode}")
    denials = [r for r in read_jsonl(audit) if r["decision"] == "deny"]
    want = {"layer": "broker", "op": "open", "guest": "/d/in.txt",
            "host": data + "/in.txt", "rights": ["read"],
            "decision": "deny", "missing": ["read"], "grant": "/d",
            "rule": "--dir[0]", "source": "--dir " + data + "::/d::write",
            "result": "EACCES",
            "fix": 'add "read" to rights at --dir ' + data + "::/d::write"}
    if len(denials) != 1 or {k: v for k, v in denials[0].items()
                             if k != "ts"} != want:
        problems.append(f"denial records {denials}")
    r = read_json(report)
    if (r.get("status"), r.get("reason"), r.get("exit_code"),
            r.get("denials")) != (1, "exit", 1, 1) or \
            r["denied"][0]["missing"] != ["read"]:
        problems.append(f"report {r}")
    t.check("exec: cat of a file the grant cannot read, denied and recorded",
            problems, proc)


def main():
    with tempfile.TemporaryDirectory(prefix="capbox-audit-") as tmp:
        t = Tests(tmp)
        paths = build(tmp)
        test_fsops(t, paths)
        test_flag_grant(t, paths)
        test_reports(t, paths)
        test_default_audit_path(t, paths)
        test_unwritable(t, paths)
        test_exec(t)
        print(f"{t.passed} passed, {t.failed} failed")
        return 1 if t.failed else 0


if __name__ == "__main__":
    sys.exit(main())
