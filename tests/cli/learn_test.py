#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# `capbox policy learn`: the exact policy learned from a recorded log
# (learn_fixtures/, date fixed by SOURCE_DATE_EPOCH); then end to end for
# each example module that was built (and nativewc under capbox exec) and
# for zlib's minigzip of tests/realprogs: learn on a scratch copy, run
# again under the learned policy with --audit on a fresh copy, expect the
# same output and files and not one deny record; every error's wording
# and status; httpd learned with -S tcplisten while a client makes
# requests ([net] listen, [wasi] groups it does not import off), then
# served again under the learned policy with no deny record. Usage:
#   learn_test.py CAPBOX FIXTURES EXAMPLES_BUILD REALPROGS_OUT CLANG
import http.client
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

CAPBOX, FIXTURES, EXAMPLES, REALPROGS_OUT, CLANG = map(os.path.abspath,
                                                  sys.argv[1:6])
HERE = os.path.dirname(os.path.abspath(__file__))
passed = failed = 0


def check(ok, label, detail=""):
    global passed, failed
    if ok:
        passed += 1
        print(f"ok {label}")
    else:
        failed += 1
        print(f"FAIL {label}" + (f": {detail}" if detail else ""))
    return ok


def capbox(args, cwd, env=None, stdin=subprocess.DEVNULL):
    full_env = dict(os.environ, **(env or {}))
    return subprocess.run([CAPBOX, *args], cwd=cwd, env=full_env, stdin=stdin,
                          capture_output=True, text=True, timeout=120)


def tree(root):
    """Relative path -> bytes of every file below root."""
    files = {}
    for d, _, names in os.walk(root):
        for name in names:
            path = os.path.join(d, name)
            with open(path, "rb") as f:
                files[os.path.relpath(path, root)] = f.read()
    return files


def fixture_cases(work):
    env = {"SOURCE_DATE_EPOCH": "0"}
    proc = capbox(["policy", "learn", "--from-log", "copy.jsonl", "--report",
                   "copy.report.json", "--dir", "/tmp/x/in::/in", "--dir",
                   "/tmp/x/out::/out", "--dir", "/tmp/x/tmp::/tmp",
                   "copy.wasm"], FIXTURES, env)
    with open(os.path.join(FIXTURES, "copy.expected.toml")) as f:
        expected = f.read()
    check(proc.returncode == 0 and proc.stdout == expected,
          "learn --from-log: the exact policy for copy.jsonl",
          f"status {proc.returncode}\n{proc.stdout}{proc.stderr}")
    table = ("capbox: observed 9 accesses (1 denied):\n"
             "  GRANT  RIGHTS USED                             OPS\n"
             "  /in    read                                    6\n"
             "  /out   write, create, rename                   2\n"
             "  /tmp   (unused: left out)                      0\n"
             "  -      (denied)                                1\n")
    check(proc.stderr == table, "learn --from-log: the table of what was seen",
          proc.stderr)
    out = os.path.join(work, "copy.toml")
    proc = capbox(["policy", "learn", "--from-log", "copy.jsonl", "-o", out,
                   "--dir", "/tmp/x/in::/in", "copy.wasm"], FIXTURES, env)
    check(proc.returncode == 0 and proc.stdout == "" and
          proc.stderr.endswith(f"capbox: wrote {out}\n") and
          os.path.exists(out) and oct(os.stat(out).st_mode & 0o777) == "0o644",
          "learn -o FILE: written, nothing on stdout, 0644",
          f"{proc.returncode} {proc.stderr}")
    with open(out) as f:
        text = f.read()
    # /out came from the log alone: its host is the records' host root.
    check('host = "/tmp/x/out"\nguest = "/out"\nrights = ["write", '
          '"create", "rename"]' in text and "[limits]" not in text,
          "learn without --report: no limits; a grant seen only in the "
          "log gets its host from the records", text)
    check(capbox(["policy", "check", out], work).returncode == 0,
          "the learned file passes policy check")
    check(not [n for n in os.listdir(work) if n.startswith(".copy.toml")],
          "no temporary file left beside -o FILE")


def errors(work):
    cases = [
        (["policy", "learn"], 64,
         "capbox: error: 'policy learn' needs the MODULE or PROGRAM to run\n"),
        (["policy", "learn", "--dri", "x", "--", "a.wasm"], 64,
         "capbox: error: unknown option '--dri' for 'policy learn'; did you "
         "mean '--dir'?\n"),
        (["policy", "learn", "-o"], 64, "capbox: error: --output needs a "
         "value\n"),
        (["policy", "learn", "--report", "r.json", "a.wasm"], 64,
         "capbox: error: --report goes with --from-log\n"),
        (["policy", "learn", "--dir", "::/x", "a.wasm"], 64,
         "capbox: error: --dir ::/x: no host directory; use --dir "
         "HOST[::GUEST[::RIGHTS]]\n"),
        (["policy", "learn", "--from-log", "nosuch.jsonl", "a.wasm"], 66,
         "capbox: error: cannot read the audit log nosuch.jsonl: No such "
         "file or directory\n"),
        (["policy", "learn", "--from-log", "bad.jsonl", "a.wasm"], 65,
         "capbox: error: bad.jsonl: line 2: no 'op'\n"),
        (["policy", "learn", "--from-log", "badright.jsonl", "a.wasm"], 65,
         "capbox: error: badright.jsonl: line 1: 'rights' holds the unknown "
         "right 'fly'\n"),
        (["policy", "learn", "--from-log", "notjson.jsonl", "a.wasm"], 65,
         "capbox: error: notjson.jsonl: line 1: not valid JSON\n"),
        (["policy", "learn", "-o", "/nonexistent/dir/p.toml", "--",
          "nosuch.wasm"], 73,
         "capbox: error: cannot write /nonexistent/dir/p.toml: No such "
         "file or directory\n"),
    ]
    with open(os.path.join(work, "bad.jsonl"), "w") as f:
        f.write('{"layer":"wasi","op":"x","guest":"/a","rights":[],'
                '"decision":"allow"}\n{"layer":"wasi","guest":"/a"}\n')
    with open(os.path.join(work, "badright.jsonl"), "w") as f:
        f.write('{"layer":"wasi","op":"x","guest":"/a","rights":["fly"],'
                '"decision":"allow"}\n')
    with open(os.path.join(work, "notjson.jsonl"), "w") as f:
        f.write('{"layer": \n')
    for args, status, stderr in cases:
        proc = capbox(args, work)
        want = stderr if status != 64 else (
            stderr + "   = help: see 'capbox policy learn --help'\n")
        check(proc.returncode == status and proc.stderr == want and
              proc.stdout == "", "learn error: " + " ".join(args[2:]),
              f"status {proc.returncode}, stderr {proc.stderr!r}")


def learn_and_rerun(label, work, setup, make_args, exec_mode=False):
    """Learns on a scratch copy, then runs under the learned policy on a
    fresh copy in the same place (exec grants name canonical paths)."""
    scratch = os.path.join(work, "scratch")
    os.makedirs(scratch)
    setup(scratch)
    policy = os.path.join(work, "learned.toml")
    dirs, command = make_args(scratch)
    proc = capbox(["policy", "learn", "-o", policy, *dirs, "--", *command],
                  scratch)
    if not check(proc.returncode == 0 and os.path.exists(policy),
                 f"{label}: learn succeeds",
                 f"status {proc.returncode}: {proc.stderr}"):
        return None
    learned_tree = tree(scratch)
    shutil.rmtree(scratch)
    os.makedirs(scratch)
    setup(scratch)
    with open(policy) as f:
        text = f.read()
    check(text.startswith("# Learned by capbox policy learn on ") and
          "(capbox-policy(5))" in text and "[[fs.dir]]" in text,
          f"{label}: header and grants", text)
    audit = os.path.join(work, "audit.jsonl")
    verb = "exec" if exec_mode else "run"
    rerun = capbox([verb, "--policy", policy, f"--audit={audit}", "--",
                    *command], scratch)
    with open(audit) as f:
        records = [json.loads(line) for line in f if line.strip()]
    denied = [r for r in records if r["decision"] == "deny"]
    check(rerun.returncode == 0 and not denied and records,
          f"{label}: under the learned policy it succeeds with no denial",
          f"status {rerun.returncode}, {len(records)} records, denied "
          f"{denied[:3]}, stderr {rerun.stderr!r}")
    check(rerun.stdout == proc.stdout and tree(scratch) == learned_tree,
          f"{label}: same output and files as the learning run",
          f"{proc.stdout!r} vs {rerun.stdout!r}")
    return text


def example(name):
    path = os.path.join(EXAMPLES, name + ".wasm")
    return path if os.path.exists(path) else None


def examples(work):
    def src_tree(d):
        os.makedirs(os.path.join(d, "data", "sub"))
        for rel, data in (("a.txt", "one two\nthree\n"), ("sub/b.md", "# t\n"),
                          ("sub/c.txt", "x" * 300)):
            with open(os.path.join(d, "data", rel), "w") as f:
                f.write(data)
        os.makedirs(os.path.join(d, "out"))
        os.makedirs(os.path.join(d, "unused"))

    ran = 0
    if example("treewalk"):
        ran += 1
        text = learn_and_rerun(
            "treewalk", os.path.join(work, "treewalk"), src_tree,
            lambda d: (["--dir", "data::/src", "--dir", "unused::/tmp"],
                       [example("treewalk"), "/src"]))
        check(text and 'rights = ["read"]' in text and
              "#   --dir unused::/tmp" in text and "[program]" in text,
              "treewalk: read only, the unused grant left out, pinned", text)
    if example("logwriter"):
        ran += 1
        text = learn_and_rerun(
            "logwriter", os.path.join(work, "logwriter"), src_tree,
            lambda d: (["--dir", "out::/logs"],
                       [example("logwriter"), "hello", "there"]))
        check(text and 'rights = ["read", "write", "create"]' in text and
              "# fd_write (write): /logs/app.log" in text,
              "logwriter: read (its stat), write, create; no rename", text)
    if example("wordcount"):
        ran += 1
        learn_and_rerun("wordcount", os.path.join(work, "wordcount"),
                        src_tree,
                        lambda d: (["--dir", "data::/docs"],
                                   [example("wordcount")]))
    if example("convert"):
        ran += 1
        learn_and_rerun("convert", os.path.join(work, "convert"), src_tree,
                        lambda d: (["--dir", "data::/in", "--dir",
                                    "out::/out"], [example("convert")]))
    check(ran >= 2, f"at least treewalk and logwriter were built ({ran})")
    if shutil.which("wc"):
        text = learn_and_rerun(
            "nativewc (exec)", os.path.join(work, "nativewc"), src_tree,
            lambda d: (["--dir", os.path.join(d, "data")],
                       ["wc", "-l", os.path.join(d, "data", "a.txt")]),
            exec_mode=True)
        check(text and "sha256" in text and "fuel" not in text,
              "nativewc: pinned, no wasm-only limits", text)


def serve_two(proc, port):
    """GET / and GET /docs/notes.txt from httpd on port (retrying while
    capbox starts), then its (status, stdout, stderr); bodies or None."""
    bodies = []
    deadline = time.monotonic() + 20
    for target in ("/", "/docs/notes.txt"):
        while True:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port,
                                                  timeout=10)
                conn.request("GET", target)
                resp = conn.getresponse()
                bodies.append((resp.status, resp.read()))
                conn.close()
                break
            except ConnectionRefusedError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    bodies.append(None)
                    break
                time.sleep(0.05)
    try:
        out, err = proc.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
    return bodies, proc.returncode, out, err


def learn_httpd(work):
    """httpd learned while a client makes requests: the socket given with
    -S tcplisten goes into [net] listen, the WASI groups it never imports
    are turned off; then served again under the learned policy with not
    one deny record."""
    wasm = example("httpd")
    if not wasm:
        return
    www = os.path.join(work, "www")
    shutil.copytree(os.path.join(HERE, "..", "..", "examples", "httpd",
                                 "sample", "www"), www)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    policy = os.path.join(work, "httpd.toml")
    learn = subprocess.Popen(
        [CAPBOX, "policy", "learn", "-o", policy, "--dir", "www::/www",
         "-S", f"tcplisten=127.0.0.1:{port}", "--", wasm,
         "--max-requests", "2"], cwd=work, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE)
    learned, status, _, err = serve_two(learn, port)
    if not check(status == 0 and os.path.exists(policy) and
                 all(b and b[0] == 200 for b in learned),
                 "httpd: learn while a client makes two requests",
                 f"status {status}, {learned}, {err!r}"):
        return
    with open(policy) as f:
        text = f.read()
    check(f'[net]\nlisten = ["127.0.0.1:{port}"]\n' in text and
          'rights = ["read"]' in text and "random = false\n" in text and
          "sockets = false" not in text,
          "httpd: [net] listen from -S tcplisten, read only, [wasi] "
          "random off and sockets on", text)
    audit = os.path.join(work, "audit.jsonl")
    rerun = subprocess.Popen(
        [CAPBOX, "run", "--policy", policy, f"--audit={audit}", "--", wasm,
         "--max-requests", "2"], cwd=work, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE)
    served, status, _, err = serve_two(rerun, port)
    with open(audit) as f:
        records = [json.loads(line) for line in f if line.strip()]
    denied = [r for r in records if r["decision"] == "deny"]
    check(status == 0 and served == learned and records and not denied,
          "httpd: the learned policy serves the same with no denial",
          f"status {status}, {served}, denied {denied[:3]}, {err!r}")


def realprog(work):
    """zlib's minigzip: compress in place (read, write, create, delete)."""
    sys.path.insert(0, os.path.join(HERE, "..", "realprogs"))
    sys.path.insert(0, os.path.join(HERE, "..", "wasi"))
    import build_wasm
    import run_realprogs
    source = run_realprogs.fetch("zlib")
    modules = os.path.join(REALPROGS_OUT, "zlib")
    if not check(source is not None and
                 build_wasm.build("zlib", source, modules, CLANG),
                 "minigzip: fetched and built"):
        return
    gzip = os.path.join(modules, "minigzip.wasm")

    def data(d):
        os.makedirs(os.path.join(d, "data"))
        with open(os.path.join(d, "data", "book.txt"), "w") as f:
            f.write("capbox learns a policy\n" * 500)

    text = learn_and_rerun("minigzip", os.path.join(work, "minigzip"), data,
                           lambda d: (["--dir", "data::/data"],
                                      [gzip, "/data/book.txt"]))
    check(text and '"delete"' in text and '"rename"' not in text,
          "minigzip: delete learned (it removes the input), no rename", text)


def program_fails(work):
    """The program's failure is learn's status; the policy is written."""
    wat = os.path.join(work, "exit3.wat")
    wasm = os.path.join(work, "exit3.wasm")
    with open(wat, "w") as f:
        f.write('(module (import "wasi_snapshot_preview1" "proc_exit" '
                '(func $exit (param i32))) (memory (export "memory") 1)'
                ' (func (export "_start") (call $exit (i32.const 3))))')
    subprocess.run(["wat2wasm", wat, "-o", wasm], check=True)
    proc = capbox(["policy", "learn", "-o", "p.toml", "--", wasm], work)
    check(proc.returncode == 3 and os.path.exists(os.path.join(work, "p.toml"))
          and "capbox: warning: " + wasm + " ended with status 3" in
          proc.stderr, "a failing program: its status, the policy written",
          f"{proc.returncode} {proc.stderr}")
    proc = capbox(["policy", "learn", "-o", "q.toml", "--", "nosuch.wasm"],
                  work)
    check(proc.returncode == 127 and "no policy written" in proc.stderr and
          not os.path.exists(os.path.join(work, "q.toml")) and
          not [n for n in os.listdir(work) if n.startswith(".q.toml")],
          "a missing module: 127, nothing written",
          f"{proc.returncode} {proc.stderr}")
    proc = capbox(["policy", "learn", "--", wasm], work)
    check(proc.stdout.startswith("# Learned by capbox") and
          proc.returncode == 3, "without -o the policy is on stdout",
          proc.stdout)


def main():
    with tempfile.TemporaryDirectory(prefix="capbox-learn-test-") as work:
        fixture_cases(work)
        errors(work)
        program_fails(work)
        examples(os.path.join(work, "e"))
        os.makedirs(os.path.join(work, "h"))
        learn_httpd(os.path.join(work, "h"))
        realprog(os.path.join(work, "r"))
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
