#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# End-to-end tests of `capbox inspect`: the exact text report of a small
# module, the JSON report, a wasm32-wasi C program built with clang, and
# every error's wording and sysexits status (64 usage, 65 malformed, 66 no
# file). Usage: inspect_test.py CAPBOX WAT2WASM CLANG
import json
import os
import re
import subprocess
import sys
import tempfile

CAPBOX, WAT2WASM, CLANG = sys.argv[1], sys.argv[2], sys.argv[3]

SMALL = """
(module
  (import "wasi_snapshot_preview1" "fd_write"
    (func (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_unlink_file"
    (func (param i32 i32 i32) (result i32)))
  (import "env" "puts" (func (param i32)))
  (memory (export "memory") 1 2)
  (func (export "_start")))
"""

SMALL_TEXT = """\
{path}: command (exports _start)
memory: 1 page initial, maximum 2 pages
imports (3):
  wasi_snapshot_preview1::fd_write  func (i32, i32, i32, i32) -> (i32)  [fd]
  wasi_snapshot_preview1::path_unlink_file  func (i32, i32, i32) -> (i32)  [path]
  env::puts  func (i32) -> ()
exports (2):
  memory  memory
  _start  func () -> ()
WASI groups: fd path
policy sections that matter:
  [limits] output, open_files: bound its writes and descriptors (fd_write)
  [[fs.dir]]: only granted directories, with their rights (path_unlink_file); rights it may need: delete
  [wasi] filesystem: false refuses the module (path_unlink_file)
not provided by capbox (run refuses the module):
  env::puts: capbox provides only wasi_snapshot_preview1 and wasi_unstable
"""

REACTOR = """
(module
  (import "wasi_snapshot_preview1" "random_get"
    (func (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "no_such_call" (func))
  (func (export "_initialize")))
"""

C_PROGRAM = r"""
#include <stdio.h>
#include <time.h>
int main(void) {
  FILE* f = fopen("/data/in.txt", "r");
  printf("%ld %d\n", (long)time(NULL), f != NULL);
  return 0;
}
"""

failures = []


def run(args):
    return subprocess.run([CAPBOX, "inspect"] + args, capture_output=True,
                          text=True, timeout=60)


def check(name, cond, detail=""):
    print(("ok   " if cond else "FAIL ") + name)
    if not cond:
        failures.append(name + ": " + detail)


def check_error(name, args, status, pattern):
    proc = run(args)
    lines = proc.stderr.splitlines()
    check(name, proc.returncode == status and len(lines) == 1 and
          lines[0].startswith("capbox: error: ") and
          re.search(pattern, lines[0]) is not None and proc.stdout == "",
          f"status {proc.returncode}, stderr {proc.stderr!r}")


def wat(tmp, name, text):
    src, out = os.path.join(tmp, name + ".wat"), os.path.join(tmp, name + ".wasm")
    with open(src, "w") as f:
        f.write(text)
    subprocess.run([WAT2WASM, src, "-o", out], check=True)
    return out


def main():
    with tempfile.TemporaryDirectory() as tmp:
        small = wat(tmp, "small", SMALL)
        reactor = wat(tmp, "reactor", REACTOR)
        proc = run([small])
        check("small module, exact text", proc.returncode == 0 and
              proc.stdout == SMALL_TEXT.format(path=small) and
              proc.stderr == "", f"{proc.returncode} {proc.stdout!r}")

        proc = run(["--format=json", reactor])
        doc = json.loads(proc.stdout)
        check("json: reactor", proc.returncode == 0 and
              doc["kind"] == "reactor" and doc["memories"] == [],
              proc.stdout)
        check("json: groups", doc["wasi_groups"] == {"random": ["random_get"]},
              str(doc["wasi_groups"]))
        check("json: [wasi] random matters",
              [s["section"] for s in doc["policy_sections"]] ==
              ["[wasi] random"], str(doc["policy_sections"]))
        check("json: unknown WASI function is not provided",
              doc["not_provided"] == ["wasi_snapshot_preview1::no_such_call:"
                                      " not a WASI preview1 function"],
              str(doc["not_provided"]))
        check("json: import signature",
              doc["imports"][0]["signature"]["params"] == ["i32", "i32"] and
              doc["imports"][0]["signature"]["results"] == ["i32"],
              str(doc["imports"][0]))
        proc = run(["--format", "json", small])
        doc = json.loads(proc.stdout)
        check("json: --format VALUE, memory and exports",
              doc["memories"][0]["initial"] == 1 and
              doc["memories"][0]["maximum"] == 2 and
              [e["name"] for e in doc["exports"]] == ["memory", "_start"],
              proc.stdout)

        c_src = os.path.join(tmp, "prog.c")
        c_wasm = os.path.join(tmp, "prog.wasm")
        with open(c_src, "w") as f:
            f.write(C_PROGRAM)
        subprocess.run([CLANG, "--target=wasm32-wasi", "-O2", c_src, "-o",
                        c_wasm], check=True)
        proc = run(["--format=json", c_wasm])
        doc = json.loads(proc.stdout)
        sections = [s["section"] for s in doc["policy_sections"]]
        check("C program: a command with memory and no missing imports",
              doc["kind"] == "command" and len(doc["memories"]) == 1 and
              doc["not_provided"] == [], proc.stdout[:400])
        check("C program: path, clocks and proc groups",
              {"path", "clocks", "proc", "fd"} <= set(doc["wasi_groups"]),
              str(doc["wasi_groups"]))
        check("C program: [[fs.dir]] and [wasi] clocks matter",
              "[[fs.dir]]" in sections and "[wasi] clocks" in sections,
              str(sections))
        proc = run([c_wasm])
        check("C program: text names path_open",
              proc.returncode == 0 and "path_open" in proc.stdout and
              "rights it may need: read, write, create" in proc.stdout,
              proc.stdout)

        garbage = os.path.join(tmp, "garbage.wasm")
        with open(garbage, "wb") as f:
            f.write(b"this is not wasm at all")
        check_error("malformed module is 65", [garbage], 65,
                    r"garbage\.wasm: malformed module at 0x[0-9a-f]+: ")
        truncated = os.path.join(tmp, "truncated.wasm")
        with open(small, "rb") as src, open(truncated, "wb") as dst:
            dst.write(src.read()[:20])
        check_error("truncated module is 65", [truncated], 65,
                    r"truncated\.wasm: malformed module at 0x[0-9a-f]+: ")
        check_error("missing file is 66", [os.path.join(tmp, "nope.wasm")],
                    66, r"^capbox: error: module not found: .*nope\.wasm "
                        r"\(no such file\)$")
        check_error("a directory is 66", [tmp], 66,
                    r"cannot read module .*: is a directory$")
        check_error("bad flag is 64", ["--frob", small], 64,
                    r"unknown option '--frob' for 'inspect'; it takes "
                    r"--format=text\|json$")
        check_error("bad format is 64", ["--format=xml", small], 64,
                    r"--format must be text or json, not 'xml'$")
        check_error("no module is 64", [], 64,
                    r"'inspect' needs a MODULE\.wasm$")
        check_error("two modules is 64", [small, reactor], 64,
                    r"'inspect' takes one MODULE, got ")
        proc = run(["--help"])
        check("--help", proc.returncode == 0 and
              "capbox inspect [--format=text|json] MODULE.wasm" in proc.stdout,
              proc.stdout)
    if failures:
        print("\n".join(failures))
        sys.exit(1)


main()
