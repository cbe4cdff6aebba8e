#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# The file-handling wasm examples under their policies: treewalk (a
# read-only tree), logwriter (append and rotate), wordcount (counts checked
# against Python's, a refused --save) and convert (HTML checked against
# convert_expected/, in-place overwrites, a refused --clean).
import filecmp
import os

import examples_common as common
from examples_common import denial, line_of, policy, readme_shows, wasm

HERE = os.path.dirname(os.path.abspath(__file__))
NO_CAP = "Capabilities insufficient"


def treewalk(t):
    work = t.workdir("treewalk")
    # The policy grants ./src: a tree of known sizes stands in for it.
    os.makedirs(os.path.join(work, "src", "sub"))
    for rel, data in (("b.txt", "12345"), ("a.txt", ""),
                      ("sub/c.txt", "x" * 300)):
        with open(os.path.join(work, "src", rel), "w") as f:
            f.write(data)
    t.expect("treewalk: lists the granted tree, /etc/passwd is not there",
             ["run", "--policy", policy("treewalk"), wasm("treewalk")], work,
             0, stdout="a.txt  0 bytes\nb.txt  5 bytes\nsub/\n"
             "  c.txt  300 bytes\n3 files, 1 directories, 305 bytes\n"
             f"/etc/passwd: {NO_CAP}\n")
    proc = t.capbox(["run", "--policy", policy("treewalk"), wasm("treewalk"),
                     "/etc"], work)
    t.check("treewalk: the policy takes no extra argument",
            proc.returncode == 125 and "extra_args" in proc.stderr,
            f"status {proc.returncode}, stderr {proc.stderr!r}")


def logwriter(t):
    work = t.workdir("logwriter")
    args = ["run", "--policy", policy("logwriter"), wasm("logwriter")]
    log = os.path.join(work, "build", "example-logs", "app.log")
    t.expect("logwriter: appends, creating its directory and the log",
             args + ["hello", "from", "the", "sandbox"], work, 0,
             stdout="/logs/app.log: 23 bytes\n", stderr="")
    t.expect("logwriter: appends again", args + ["again"], work, 0,
             stdout="/logs/app.log: 29 bytes\n")
    with open(log) as f:
        t.check("logwriter: the log holds both lines",
                f.read() == "hello from the sandbox\nagain\n", "log differs")
    line = "x" * 999
    for _ in range(5):
        t.capbox(args + [line], work)
    t.expect("logwriter: past 4 KiB the log is rotated (rename right)",
             args + ["rotated"], work, 0, stdout="/logs/app.log: 8 bytes\n")
    t.check("logwriter: app.log.1 holds the old log",
            os.path.getsize(log + ".1") == 29 + 5 * 1000,
            f"app.log.1 is {os.path.getsize(log + '.1')} bytes")


def wc_expected(root, guest):
    rows, total = [], [0, 0, 0]
    paths = sorted(os.path.join(d, n) for d, _, names in os.walk(root)
                   for n in names)
    for path in paths:
        with open(path, "rb") as f:
            data = f.read()
        counts = [data.count(b"\n"), len(data.split()), len(data)]
        total = [a + b for a, b in zip(total, counts)]
        name = guest + path[len(root):]
        rows.append("%7d %7d %7d %s\n" % (*counts, name))
    return "".join(rows) + "%7d %7d %7d total (%d files)\n" % (
        *total, len(paths))


def wordcount(t):
    work = t.workdir("wordcount", ["sample"])
    sample = os.path.join(work, "examples", "wordcount", "sample")
    args = ["run", "--policy", policy("wordcount"), wasm("wordcount")]
    report = wc_expected(sample, "/docs")
    t.expect("wordcount: per-file and total counts as wc counts them",
             args, work, 0, stdout=report, stderr="")
    readme_shows(t, "wordcount", report)
    where = line_of(policy("wordcount"), r"rights = ")
    refusal = (denial("path_open", "/docs/counts.txt", "write,create",
                      policy("wordcount"), where) +
               f"wordcount: cannot save to /docs/counts.txt: {NO_CAP}\n")
    t.expect("wordcount: --save into the read-only grant is refused",
             args + ["--save", "/docs/counts.txt"], work, 1, stdout=report,
             stderr=refusal)
    t.check("wordcount: nothing was written", not os.path.exists(
        os.path.join(sample, "counts.txt")), "counts.txt exists")
    readme_shows(t, "wordcount", refusal.replace(common.SOURCE, "$PWD"))
    t.expect("wordcount: /etc (replacing /docs) is not there",
             args + ["/etc"], work, 1,
             stdout="      0       0       0 total (0 files)\n",
             stderr=f"wordcount: /etc: {NO_CAP}\n")


CONVERTED = ("/in/index.md -> /out/index.html\n"
             "/in/notes/plain.txt -> /out/notes/plain.html\n"
             "/in/notes/todo.md -> /out/notes/todo.html\n"
             "3 files converted\n")


def convert_outputs_match(t, name, out):
    expected = os.path.join(HERE, "convert_expected")
    want = sorted(os.path.relpath(os.path.join(d, n), expected)
                  for d, _, names in os.walk(expected) for n in names)
    got = sorted(os.path.relpath(os.path.join(d, n), out)
                 for d, _, names in os.walk(out) for n in names)
    _, mismatch, errors = filecmp.cmpfiles(expected, out, want, shallow=False)
    t.check(name, got == want and not mismatch and not errors,
            f"files {got}, differing {mismatch + errors}")


def convert(t):
    work = t.workdir("convert", ["sample"])
    args = ["run", "--policy", policy("convert"), wasm("convert")]
    out = os.path.join(work, "build", "example-out")
    t.expect("convert: converts *.md and *.txt, skips the rest", args, work,
             0, stdout=CONVERTED, stderr="")
    readme_shows(t, "convert", CONVERTED)
    convert_outputs_match(t, "convert: the HTML is as expected", out)
    # Shorter sources: the outputs are truncated in place (no delete).
    src = os.path.join(work, "examples", "convert", "sample", "in")
    with open(os.path.join(src, "index.md"), "w") as f:
        f.write("# Short\n")
    t.expect("convert: a second run overwrites in place", args, work, 0,
             stdout=CONVERTED, stderr="")
    with open(os.path.join(out, "index.html")) as f:
        t.check("convert: the overwritten output is the new one, whole",
                f.read().endswith("<body>\n<h1>Short</h1>\n</body></html>\n"),
                "index.html not rewritten")
    where = line_of(policy("convert"), r"rights = ", 2)
    refusal = (denial("path_unlink_file", "/out/index.html", "delete",
                      policy("convert"), where) +
               f"convert: --clean: cannot remove /out/index.html: {NO_CAP}\n"
               "convert: --clean refused (no right to delete in /out); old "
               "outputs are overwritten in place\n")
    t.expect("convert: --clean is refused (no delete), the rest goes on",
             args + ["--clean"], work, 1, stdout=CONVERTED, stderr=refusal)
    readme_shows(t, "convert", refusal.replace(common.SOURCE, "$PWD"))
    t.check("convert: the outputs are all still there",
            sorted(os.listdir(out)) == ["index.html", "notes"],
            f"out holds {os.listdir(out)}")
