#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# End-to-end tests of --trace: the trace of a known module
# (trace_expected/known.wat) matches trace_expected/known.txt once pids and
# times are normalised, to stderr and to --trace-file; group filtering;
# the errors' wording and status; the guest's own stderr stays apart and
# the output limit does not count trace bytes; `capbox exec --trace` of
# cat on a granted file and a refused one, and of trace_expected/
# exec_calls.c (every kind of interposed call) against exec.txt.
# Usage: trace_test.py CAPBOX WAT2WASM EXPECTED_DIR
import os
import re
import shutil
import subprocess
import sys
import tempfile

CAPBOX, WAT2WASM, EXPECTED = (os.path.abspath(a) for a in sys.argv[1:4])
INPUT = 'first line\n\tsecond "quoted"\n'
failures = []
SCRATCH = [""]  # the scratch directory, shown as TMP in trace lines


def check(what, condition, detail=""):
    if not condition:
        failures.append(what + (": " + detail if detail else ""))


def run(args, cwd):
    return subprocess.run([CAPBOX] + args, cwd=cwd, capture_output=True,
                          text=True, timeout=60)


def trace_lines(text):
    """Trace lines of `text`, pids and times normalised."""
    out = []
    for line in text.splitlines():
        if not line.startswith("capbox["):
            continue
        line = re.sub(r"^capbox\[\d+\]", "capbox[PID]", line)
        if SCRATCH[0]:
            line = line.replace(SCRATCH[0], "TMP")
        line = re.sub(r"^(capbox\[PID\] clock_time_get\(.*\) = 0) \[\d+\]$",
                      r"\1 [TIME]", line)
        out.append(line)
    return out


def compare(what, got, expected):
    if got != expected:
        diff = "\n".join(
            f"  line {i + 1}: got {g!r}\n          want {e!r}"
            for i, (g, e) in enumerate(zip(got + [""] * 99, expected))
            if g != e)
        check(what, False, f"{len(got)} lines, want {len(expected)}\n{diff}")


def main():
    with open(os.path.join(EXPECTED, "known.txt")) as f:
        expected = f.read().splitlines()
    with tempfile.TemporaryDirectory() as tmp:
        SCRATCH[0] = tmp
        indir = os.path.join(tmp, "in")
        os.mkdir(indir)
        with open(os.path.join(indir, "in.txt"), "w") as f:
            f.write(INPUT)
        subprocess.run([WAT2WASM, os.path.join(EXPECTED, "known.wat"), "-o",
                        os.path.join(tmp, "known.wasm")], check=True)
        base = ["run", "--no-policy", "--dir", indir + "::/in::ro"]

        # To stderr: the trace, then the guest's own stderr line in place.
        r = run(base + ["--trace", "known.wasm"], tmp)
        check("--trace exit status", r.returncode == 0, r.stderr)
        check("--trace leaves stdout alone",
              r.stdout == "hello from guest\n", repr(r.stdout))
        compare("--trace to stderr", trace_lines(r.stderr), expected)
        pids = set(re.findall(r"^capbox\[(\d+)\]", r.stderr, re.M))
        check("one pid on every line", len(pids) == 1, str(pids))
        check("guest stderr on a line of its own",
              "\nguest stderr\n" in "\n" + r.stderr, r.stderr)
        check("nothing but trace and guest stderr on stderr",
              all(l.startswith(("capbox[", "capbox: denied ")) or
                  l == "guest stderr" for l in r.stderr.splitlines()),
              r.stderr)

        # To a file: stderr holds only the guest's own.
        trace_file = os.path.join(tmp, "t.trace")
        r = run(base + ["--trace-file", trace_file, "known.wasm"], tmp)
        check("--trace-file exit status", r.returncode == 0, r.stderr)
        own = [l for l in r.stderr.splitlines()
               if not l.startswith("capbox: denied ")]
        check("--trace-file: stderr is the guest's", own == ["guest stderr"],
              repr(r.stderr))
        with open(trace_file) as f:
            compare("--trace-file", trace_lines(f.read()), expected)
        check("--trace-file is 0644", os.stat(trace_file).st_mode & 0o777
              == 0o644 & ~current_umask())

        # Groups.
        r = run(base + ["--trace=path", "known.wasm"], tmp)
        compare("--trace=path", trace_lines(r.stderr),
                [l for l in expected if "] path_" in l])
        r = run(base + ["--trace=clock,random", "known.wasm"], tmp)
        compare("--trace=clock,random", trace_lines(r.stderr),
                [l for l in expected if "] clock_" in l or "] random_" in l])
        r = run(base + ["--trace=!fd,!path", "known.wasm"], tmp)
        compare("--trace=!fd,!path", trace_lines(r.stderr),
                [l for l in expected
                 if not re.search(r"\] (fd|path)_", l)])
        r = run(base + ["known.wasm"], tmp)
        check("no --trace: no trace", trace_lines(r.stderr) == [], r.stderr)

        # With a policy, a refusal names the line and column of the rights.
        with open(os.path.join(tmp, "app.toml"), "w") as f:
            f.write('version = 1\n\n[[fs.dir]]\nhost = "./in"\n'
                    'guest = "/in"\nrights = ["read"]\n')
        r = run(["run", "-p", "./app.toml", "--trace=path", "known.wasm"], tmp)
        denied = [l for l in trace_lines(r.stderr) if "NOTCAPABLE" in l]
        check("policy: the refusal's line names app.toml:6:10",
              len(denied) == 1 and denied[0].endswith(
                  ' = -1 NOTCAPABLE (denied: "write", "create" not granted, '
                  'TMP/app.toml:6:10)'), r.stderr)

        # Errors.
        r = run(base + ["--trace=paht", "known.wasm"], tmp)
        check("unknown group is 125", r.returncode == 125, str(r.returncode))
        check("unknown group wording", r.stderr ==
              "capbox: error: unknown trace group 'paht' in --trace=paht; "
              "did you mean 'path'?\n", r.stderr)
        r = run(base + ["--trace=fd,xyzzy", "known.wasm"], tmp)
        check("far group lists the known ones", "known: args, env, clock, "
              "random, fd, path, poll, proc, sock" in r.stderr, r.stderr)
        bad = os.path.join(tmp, "no", "such", "dir", "t.trace")
        r = run(base + ["--trace-file", bad, "known.wasm"], tmp)
        check("unwritable trace file is 125", r.returncode == 125,
              str(r.returncode))
        check("unwritable trace file wording", r.stderr ==
              f"capbox: error: cannot write the trace file {bad}: "
              "No such file or directory\n", r.stderr)
        check("nothing ran", r.stdout == "", r.stdout)
        # `--trace MODULE`: the module is not taken as the groups.
        r = run(base + ["--trace", "known.wasm"], tmp)
        check("--trace takes no separate word", r.returncode == 0, r.stderr)

        # The output limit counts the guest's 30 bytes, not the trace's.
        r = run(base + ["--limit", "output=30", "--trace", "known.wasm"], tmp)
        check("trace bytes are not output", r.returncode == 0, r.stderr)
        r = run(base + ["--limit", "output=29", "--trace", "known.wasm"], tmp)
        check("the output limit still holds", r.returncode == 134, r.stderr)

        exec_tests(tmp)
    for failure in failures:
        print("FAIL:", failure)
    print(f"trace_test: {len(failures)} failure(s)")
    return 1 if failures else 0


def current_umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


def exec_tests(tmp):
    data = os.path.join(tmp, "data")
    os.mkdir(data)
    with open(os.path.join(data, "a.txt"), "w") as f:
        f.write("granted\n")
    secret = os.path.join(tmp, "secret.txt")
    with open(secret, "w") as f:
        f.write("secret\n")
    args = ["exec", "--no-policy", "--dir", data + "::/data::ro", "--trace",
            "--", "cat", "/data/a.txt", secret]
    r = run(args, tmp)
    if "Landlock" in r.stderr and r.returncode == 125:
        print("exec part skipped: " + r.stderr.strip())
        return
    check("exec: cat prints the granted file", r.stdout == "granted\n",
          r.stdout + r.stderr)
    check("exec: cat fails on the other", r.returncode == 1, r.stderr)
    lines = [re.sub(r"^capbox\[\d+\] ", "", l) for l in r.stderr.splitlines()
             if l.startswith("capbox[")]
    opens = [re.sub(r"\) = \d+$", ") = FD", l) for l in lines
             if l.startswith("open")]
    check("exec: the granted open", any(
        re.fullmatch(r'open(at|64)?\((AT_FDCWD, )?"/data/a.txt", '
                     r'O_RDONLY(\|\S+)?\) = FD', l) for l in opens),
          "\n".join(lines))
    check("exec: the refused open", any(
        secret in l and l.endswith("= -1 EACCES") for l in opens),
          "\n".join(lines))
    trace_file = os.path.join(tmp, "exec.trace")
    r = run(["exec", "--no-policy", "--dir", data + "::/data::ro",
             "--trace-file", trace_file, "--", "cat", "/data/a.txt"], tmp)
    with open(trace_file) as f:
        text = f.read()
    check("exec --trace-file: stderr is the program's", r.stderr == "",
          r.stderr)
    check("exec --trace-file has the open", "a.txt" in text, text)
    exec_calls_test(tmp)


def exec_normalise(line, tmp):
    """An exec trace line without its pid, descriptor numbers, random
    temporary names or the scratch directory."""
    line = re.sub(r"^capbox\[\d+\] ", "", line).replace(tmp, "TMP")
    line = re.sub(r"\[fd \d+\]$", "[fd FD]", line)
    line = re.sub(r"^(fchdir)\(\d+\)", r"\1(FD)", line)
    line = re.sub(r"^((open|openat|creat|mkstemp)\(.*\)) = \d+$",
                  r"\1 = FD", line)
    return re.sub(r"/(tmp|dir)[A-Za-z0-9]{6}\b", r"/\1XXXXXX", line)


def exec_calls_test(tmp):
    compiler = shutil.which("cc")
    if compiler is None:
        print("exec_calls part skipped: no cc")
        return
    program = os.path.join(tmp, "exec_calls")
    subprocess.run([compiler, "-O0", "-o", program,
                    os.path.join(EXPECTED, "exec_calls.c")], check=True)
    work = os.path.join(tmp, "calls")
    for d in ("data", "ro"):
        os.makedirs(os.path.join(work, d))
    secret = os.path.join(tmp, "secret.txt")
    r = run(["exec", "--no-policy", "--dir", work + "/data::/data",
             "--dir", work + "/ro::/ro::ro", "--trace", "--", program,
             secret], tmp)
    check("exec_calls exit status", r.returncode == 0, r.stderr)
    lines = [exec_normalise(l, tmp) for l in r.stderr.splitlines()
             if l.startswith("capbox[")]
    begin = next((i for i, l in enumerate(lines) if "/data/BEGIN" in l), 0)
    with open(os.path.join(EXPECTED, "exec.txt")) as f:
        expected = f.read().splitlines()
    compare("exec_calls trace", lines[begin:], expected)
    # Only the fd group: fchdir alone.
    shutil.rmtree(work)
    for d in ("data", "ro"):
        os.makedirs(os.path.join(work, d))
    r = run(["exec", "--no-policy", "--dir", work + "/data::/data",
             "--dir", work + "/ro::/ro::ro", "--trace=fd", "--", program,
             secret], tmp)
    compare("exec_calls --trace=fd",
            [exec_normalise(l, tmp) for l in r.stderr.splitlines()
             if l.startswith("capbox[")], ["fchdir(FD) = 0"])


sys.exit(main())
