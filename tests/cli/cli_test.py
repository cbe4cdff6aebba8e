#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# End-to-end tests of the capbox command: every exit status of `capbox run`
# (0, 125, 126, 127, 134), the printed results of --invoke, and the
# top-level help/version/subcommand answers. Modules are written in WAT and
# built with wat2wasm at test time. Usage: cli_test.py CAPBOX WAT2WASM
import os
import re
import subprocess
import sys
import tempfile

CAPBOX, WAT2WASM = sys.argv[1], sys.argv[2]

MODULES = {
    "arith": """
(module
  (func (export "add") (param i32 i32) (result i32)
    local.get 0 local.get 1 i32.add)
  (func (export "mul64") (param i64 i64) (result i64)
    local.get 0 local.get 1 i64.mul)
  (func (export "half") (param f32) (result f32)
    local.get 0 f32.const 0.5 f32.mul)
  (func (export "addf") (param f64 f64) (result f64)
    local.get 0 local.get 1 f64.add)
  (func (export "neg") (param f64) (result f64) local.get 0 f64.neg)
  (func (export "pair") (result i32 f64) i32.const 1 f64.const 2.5)
  (func (export "nothing"))
  (func (export "nan") (result f32) f32.const nan)
  (func (export "big") (result f64) f64.const 1e21)
  (func (export "tiny") (result f64) f64.const 1e-7)
  (func (export "umax") (result i64) i64.const -1)
  (memory (export "memory") 1))
""",
    "traps": """
(module
  (func $boom (export "boom") unreachable)
  (func $div (export "div") (param i32 i32) (result i32)
    local.get 0 local.get 1 i32.div_s)
  (func $deep (export "deep") (param i32) (result i32)
    local.get 0 i32.const 1 i32.add call $deep)
  (func $oob (export "oob") (result i32) i32.const 70000 i32.load)
  (memory 1))
""",
    "reactor": """
(module
  (global $g (mut i32) (i32.const 0))
  (func (export "_initialize") i32.const 42 global.set $g)
  (func (export "get") (result i32) global.get $g))
""",
    "badinit": """
(module
  (func $init (export "_initialize") unreachable)
  (func (export "get") (result i32) i32.const 1))
""",
    "command": """
(module
  (global $g (mut i32) (i32.const 0))
  (func (export "_start") i32.const 1 global.set $g))
""",
    "noentry": """
(module (func (export "f")))
""",
    "imports": """
(module
  (import "env" "puts" (func (param i32)))
  (import "wasi_snapshot_preview1" "fd_write"
    (func (param i32 i32 i32 i32) (result i32)))
  (func (export "f")))
""",
    "starttrap": """
(module (func $s unreachable) (start $s))
""",
    # A million tail calls: only a tail call that reuses its frame gets
    # through without 'call stack exhausted'.
    "tail": """
(module
  (func $count (export "count") (param i32) (result i32)
    (if (result i32) (i32.eqz (local.get 0))
      (then (i32.const 7))
      (else (return_call $count (i32.sub (local.get 0) (i32.const 1)))))))
""",
    "simd": """
(module
  (func (export "add") (param v128) (result v128)
    (i32x4.add (local.get 0) (v128.const i32x4 1 2 3 4)))
  (func (export "lane") (result i32)
    (i32x4.extract_lane 3
      (i32x4.mul (v128.const i32x4 1 2 3 4) (i32x4.splat (i32.const 10))))))
""",
    "extconst": """
(module
  (global $g i32 (i32.add (i32.const 40) (i32.const 2)))
  (func (export "get") (result i32) (global.get $g)))
""",
}


def build_modules(tmp):
    paths = {}
    for name, wat in MODULES.items():
        wat_path = os.path.join(tmp, name + ".wat")
        wasm_path = os.path.join(tmp, name + ".wasm")
        with open(wat_path, "w") as f:
            f.write(wat)
        subprocess.run([WAT2WASM, "--debug-names", "--enable-tail-call",
                        "--enable-extended-const", wat_path, "-o",
                        wasm_path], check=True)
        paths[name] = wasm_path
    garbage = os.path.join(tmp, "garbage.wasm")
    with open(garbage, "wb") as f:
        f.write(b"this is not wasm at all")
    paths["garbage"] = garbage
    # Well formed, but the function returns an i64 where i32 is declared.
    invalid = os.path.join(tmp, "invalid.wasm")
    with open(invalid, "wb") as f:
        f.write(bytes.fromhex(
            "0061736d01000000"          # magic, version
            "010501600001 7f"           # type: () -> i32
            .replace(" ", "")
            + "03020100"                # function 0 has type 0
            + "0a0601040042000b"))      # body: i64.const 0; end
    paths["invalid"] = invalid
    truncated = os.path.join(tmp, "truncated.wasm")
    with open(paths["arith"], "rb") as src, open(truncated, "wb") as dst:
        dst.write(src.read()[:30])
    paths["truncated"] = truncated
    return paths


class Runner:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def check(self, name, args, status, stdout=None, stderr=None,
              one_line_error=None):
        """Runs capbox ARGS; stdout is compared exactly, stderr is a regex.
        A non-zero status other than a guest's must come with exactly one
        'capbox: error:' line on stderr (one_line_error defaults to that)."""
        proc = subprocess.run([CAPBOX] + args, capture_output=True, text=True,
                              timeout=60)
        problems = []
        if proc.returncode != status:
            problems.append(f"exit status {proc.returncode}, expected {status}")
        if stdout is not None and proc.stdout != stdout:
            problems.append(f"stdout {proc.stdout!r}, expected {stdout!r}")
        if stderr is not None and not re.search(stderr, proc.stderr):
            problems.append(f"stderr {proc.stderr!r} does not match {stderr!r}")
        if one_line_error is None:
            one_line_error = status in (125, 126, 127, 134)
        if one_line_error:
            lines = proc.stderr.splitlines()
            # A trap's headline may be followed by its wasm backtrace.
            trace = re.compile(r"^  wasm backtrace:$|^    \d+: 0x[0-9a-f]+ "
                               r"\S+!\S+$|^    \.\.\. \d+ more frames$")
            extra_ok = status == 134 and all(trace.match(l) for l in lines[1:])
            if (not lines or not lines[0].startswith("capbox: error: ") or
                    (len(lines) != 1 and not extra_ok)):
                problems.append(f"stderr is not one 'capbox: error:' line: "
                                f"{proc.stderr!r}")
            if proc.stdout:
                problems.append(f"an error printed to stdout: {proc.stdout!r}")
        if problems:
            self.failed += 1
            print(f"FAIL {name}: capbox {' '.join(args)}")
            for p in problems:
                print(f"     {p}")
        else:
            self.passed += 1
            print(f"ok   {name}")


def run_cases(t, m, tmp):
    run = ["run"]
    # Results, printed as wasmtime --invoke prints them.
    t.check("i32 add", run + ["--invoke", "add", m["arith"], "2", "3"], 0, "5\n")
    t.check("i32 prints signed", run + ["--invoke", "add", m["arith"], "-7", "2"],
            0, "-5\n")
    t.check("i32 accepts the unsigned range",
            run + ["--invoke", "add", m["arith"], "4294967295", "0"], 0, "-1\n")
    t.check("i32 accepts hex", run + ["--invoke", "add", m["arith"], "0x10", "1"],
            0, "17\n")
    t.check("i64 wraps and prints signed",
            run + ["--invoke", "mul64", m["arith"], "9223372036854775807", "2"],
            0, "-2\n")
    t.check("i64 -1", run + ["--invoke", "umax", m["arith"]], 0, "-1\n")
    t.check("f32", run + ["--invoke", "half", m["arith"], "3"], 0, "1.5\n")
    t.check("f64 shortest round trip",
            run + ["--invoke", "addf", m["arith"], "0.1", "0.2"], 0,
            "0.30000000000000004\n")
    t.check("f64 negative zero", run + ["--invoke", "neg", m["arith"], "0"], 0,
            "-0\n")
    t.check("f64 inf", run + ["--invoke", "neg", m["arith"], "-inf"], 0, "inf\n")
    t.check("f32 NaN", run + ["--invoke", "nan", m["arith"]], 0, "NaN\n")
    t.check("f64 no exponent form", run + ["--invoke", "big", m["arith"]], 0,
            "1000000000000000000000\n")
    t.check("f64 small", run + ["--invoke", "tiny", m["arith"]], 0,
            "0.0000001\n")
    t.check("two results, one per line", run + ["--invoke", "pair", m["arith"]],
            0, "1\n2.5\n")
    t.check("no results prints nothing", run + ["--invoke", "nothing", m["arith"]],
            0, "")
    t.check("--invoke=FUNC", run + ["--invoke=add", m["arith"], "1", "1"], 0,
            "2\n")
    t.check("-- before the module", run + ["--invoke", "add", "--", m["arith"],
                                           "1", "2"], 0, "3\n")
    t.check("_initialize runs first", run + ["--invoke", "get", m["reactor"]], 0,
            "42\n")
    t.check("_start is the default", run + [m["command"]], 0, "", "^$")
    # 125: usage.
    t.check("words after the module are the module's",
            run + ["--invoke", "add", m["arith"], "--help", "1"], 125,
            stderr=r"argument 1 of add: '--help' is not a valid i32")
    t.check("unknown flag gets a suggestion",
            run + ["--invok", "add", m["arith"]], 125,
            stderr=r"unknown option '--invok'; did you mean '--invoke'\?")
    t.check("unknown flag", run + ["--frobnicate", m["arith"]], 125,
            stderr=r"unknown option '--frobnicate'")
    t.check("no prefix guessing", run + ["--inv", "add", m["arith"]], 125,
            stderr=r"unknown option '--inv'")
    t.check("--invoke without a value", run + ["--invoke"], 125,
            stderr=r"invoke")
    t.check("no module", run + [], 125, stderr=r"no module given")
    t.check("too few arguments", run + ["--invoke", "add", m["arith"], "1"], 125,
            stderr=r"add has type \(i32, i32\) -> \(i32\) and takes 2")
    t.check("not a number", run + ["--invoke", "add", m["arith"], "x", "1"], 125,
            stderr=r"'x' is not a valid i32")
    t.check("i32 out of range",
            run + ["--invoke", "add", m["arith"], "4294967296", "1"], 125,
            stderr=r"not a valid i32")
    t.check("unknown subcommand gets the nearest", ["rnu", m["arith"]], 125,
            stderr=r"'rnu' is not a subcommand; did you mean 'run'\?")
    t.check("a module where the subcommand goes", [m["arith"]], 125,
            stderr=r"did you mean 'capbox run .*arith.wasm'\?")
    t.check("unknown top-level flag", ["--verison"], 125,
            stderr=r"did you mean '--version'\?")
    t.check("inspect is a subcommand now", ["inspect", m["arith"]], 0)
    t.check("a typo of inspect gets it", ["inspct", m["arith"]], 125,
            stderr=r"'inspct' is not a subcommand; did you mean 'inspect'\?")
    # 126: found but cannot start.
    t.check("malformed module", run + ["--invoke", "f", m["garbage"]], 126,
            stderr=r"garbage.wasm: malformed module")
    t.check("truncated module", run + ["--invoke", "f", m["truncated"]], 126,
            stderr=r"truncated.wasm: malformed module")
    t.check("invalid module", run + ["--invoke", "f", m["invalid"]], 126,
            stderr=r"invalid.wasm: invalid module")
    t.check("unresolved import names the first",
            run + ["--invoke", "f", m["imports"]], 126,
            stderr=r"imports.wasm imports env::puts, which capbox does not "
                   r"provide$")
    t.check("no such export", run + ["--invoke", "nope", m["arith"]], 126,
            stderr=r"does not export a function named 'nope'")
    t.check("a memory is not a function", run + ["--invoke", "memory",
                                                  m["arith"]], 126,
            stderr=r"does not export a function named 'memory'")
    t.check("no _start and no --invoke", run + [m["noentry"]], 126,
            stderr=r"does not export a function named '_start'; name one "
                   r"with --invoke")
    t.check("a directory", run + ["--invoke", "f", tmp], 126,
            stderr=r"cannot read module .*: is a directory")
    if os.geteuid() != 0:  # root reads any file
        unreadable = os.path.join(tmp, "unreadable.wasm")
        with open(unreadable, "wb") as f:
            f.write(b"\0asm")
        os.chmod(unreadable, 0)
        t.check("permission denied", run + ["--invoke", "f", unreadable], 126,
                stderr=r"cannot read module .*: Permission denied")
    # 127: not found.
    t.check("missing file", run + ["--invoke", "f", os.path.join(tmp, "no.wasm")],
            127, stderr=r"module not found: .*no.wasm \(no such file\)")
    t.check("missing directory",
            run + [os.path.join(tmp, "nodir", "x.wasm")], 127,
            stderr=r"module not found")
    # 134: traps, with the function and the offset.
    where = r" in function \S*{}\S* at 0x[0-9a-f]+"
    t.check("unreachable", run + ["--invoke", "boom", m["traps"]], 134,
            stderr=r"^capbox: error: .*traps.wasm trapped: unreachable" +
            where.format("boom"))
    t.check("divide by zero", run + ["--invoke", "div", m["traps"], "1", "0"],
            134, stderr=r"trapped: integer divide by zero" + where.format("div"))
    t.check("integer overflow",
            run + ["--invoke", "div", m["traps"], "-2147483648", "-1"], 134,
            stderr=r"trapped: integer overflow")
    t.check("out of bounds", run + ["--invoke", "oob", m["traps"]], 134,
            stderr=r"trapped: out of bounds memory access")
    t.check("stack exhaustion", run + ["--invoke", "deep", m["traps"], "0"], 134,
            stderr=r"trapped: call stack exhausted(.|\n)*wasm backtrace:\n"
                   r"    0: 0x[0-9a-f]+ \S+!\S*deep(.|\n)*\.\.\. \d+ more frames")
    t.check("trap in _initialize", run + ["--invoke", "get", m["badinit"]], 134,
            stderr=r"trapped: unreachable")
    t.check("trap in the start function", run + [m["starttrap"]], 134,
            stderr=r"trapped: unreachable")
    # Proposals: on by default, each turned off by its -W switch, which the
    # refusal names.
    t.check("tail calls run in constant stack",
            run + ["--invoke", "count", m["tail"], "1000000"], 0, "7\n")
    t.check("-W tail-call=y", run + ["-W", "tail-call=y", "--invoke", "count",
                                     m["tail"], "3"], 0, "7\n")
    t.check("-W tail-call=n refuses return_call",
            run + ["-W", "tail-call=n", "--invoke", "count", m["tail"], "3"],
            126, stderr=r"^capbox: error: .*tail\.wasm: invalid module at "
            r"0x[0-9a-f]+: tail calls are disabled \(-W tail-call=n\)\n$")
    t.check("-W with a limit and a switch",
            run + ["-W", "fuel=100000,tail-call=n", "--invoke", "count",
                   m["tail"], "3"], 126, stderr=r"-W tail-call=n")
    t.check("extended-const on by default",
            run + ["--invoke", "get", m["extconst"]], 0, "42\n")
    t.check("-W extended-const=n refuses i32.add in a global",
            run + ["-W", "extended-const=n", "--invoke", "get",
                   m["extconst"]], 126,
            stderr=r"invalid module at 0x[0-9a-f]+: constant expression "
            r"required: extended constant expressions are disabled "
            r"\(-W extended-const=n\)")
    t.check("SIMD on by default", run + ["--invoke", "lane", m["simd"]], 0,
            "40\n")
    # v128 arguments and results are one unsigned 128-bit number, as in
    # wasmtime: lanes 1 2 3 4 + 0xff in lane 0.
    t.check("a v128 argument and result",
            run + ["--invoke", "add", m["simd"], "0xff"], 0,
            "316912650112397582603894391040\n")
    t.check("a v128 argument too large",
            run + ["--invoke", "add", m["simd"], "0x1" + "0" * 32], 125,
            stderr=r"'0x10+' is not a valid v128")
    t.check("-W simd=n refuses a SIMD instruction",
            run + ["-W", "simd=n", "--invoke", "lane", m["simd"]], 126,
            stderr=r"^capbox: error: .*simd\.wasm: invalid module at "
            r"0x[0-9a-f]+: SIMD is disabled \(-W simd=n\)\n$")
    t.check("-W simd=n accepts a module without SIMD",
            run + ["-W", "simd=n", "--invoke", "add", m["arith"], "2", "3"],
            0, "5\n")
    t.check("-W tail-call takes y or n",
            run + ["-W", "tail-call=maybe", m["tail"]], 125,
            stderr=r"-W tail-call=maybe: give y or n")
    # Help and version: stdout, status 0.
    t.check("--help", ["--help"], 0, stderr="^$", one_line_error=False)
    t.check("help run", ["help", "run"], 0, one_line_error=False)
    t.check("run --help", ["run", "--help"], 0, stderr="^$")
    t.check("--version", ["--version"], 0, stderr="^$")
    t.check("no arguments", [], 125, stderr=r"Usage:", one_line_error=False)


def check_help_text(t):
    out = subprocess.run([CAPBOX, "run", "--help"], capture_output=True,
                         text=True).stdout
    ok = "--invoke" in out and "Usage: capbox run" in out
    version = subprocess.run([CAPBOX, "--version"], capture_output=True,
                             text=True).stdout
    ok_version = re.fullmatch(r"capbox \d+\.\d+\.\d+ \((g\+\+|clang) [^)]*\)\n",
                              version) is not None
    for name, good, text in (("run --help lists --invoke", ok, out),
                             ("--version format", ok_version, version)):
        if good:
            t.passed += 1
            print(f"ok   {name}")
        else:
            t.failed += 1
            print(f"FAIL {name}: {text!r}")


def main():
    t = Runner()
    with tempfile.TemporaryDirectory(prefix="capbox-cli-") as tmp:
        run_cases(t, build_modules(tmp), tmp)
        check_help_text(t)
    print(f"{t.passed} passed, {t.failed} failed")
    return 1 if t.failed else 0


if __name__ == "__main__":
    sys.exit(main())
