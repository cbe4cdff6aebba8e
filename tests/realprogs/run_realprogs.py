#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# Real programs from Debian source packages, run through `capbox run`:
#   lua   the Lua 5.4 interpreter on the scripts of lua/ (each lua/*.test
#         is a case in tests/wasi's format, run by its runner)
#   zlib  minigzip compresses and decompresses a file in a preopened
#         directory and through pipes, checked against the original and
#         host gzip; zlib's example program runs its self-test
#   simd  programs built with -msimd128 against their native builds, byte
#         for byte: zlib (auto-vectorised) compressing at three levels, and
#         simd/simdkernel (intrinsics; its scalar twins auto-vectorised);
#         each .wasm must really hold SIMD instructions (wasm-objdump)
# Each run first fetches the sources (fetch_sources.sh: apt-get source
# into a cache outside the repo, a no-op once there) and builds them
# (build_wasm.py, incremental). A missing source is a failure, never a
# skip. Ends with "N passed, M failed". Usage:
#   run_realprogs.py {lua|zlib|simd} --capbox CAPBOX --out DIR [--cc CLANG]
import argparse
import glob
import os
import random
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "wasi"))
import run_wasi_test  # noqa: E402
import build_wasm  # noqa: E402

PACKAGES = {"lua": "lua5.4", "zlib": "zlib", "simd": "zlib"}
TIMEOUT = 60


def fetch(package):
    result = subprocess.run(
        ["bash", os.path.join(HERE, "fetch_sources.sh"), package],
        stdout=subprocess.PIPE, text=True)
    lines = result.stdout.split()
    if result.returncode != 0 or not lines:
        return None
    return lines[-1]


class Checks:
    def __init__(self):
        self.passed = self.failed = 0

    def check(self, ok, label, detail=""):
        if ok:
            self.passed += 1
            print(f"ok {label}")
        else:
            self.failed += 1
            print(f"FAIL {label}" + (f": {detail}" if detail else ""))
        return ok


def run_lua(opts, checks, modules):
    cases = sorted(glob.glob(os.path.join(HERE, "lua", "*.test")))
    checks.check(len(cases) > 0, "lua cases found")
    for case in cases:
        try:
            ok = run_wasi_test.run_case(opts.capbox, modules, case)
        except run_wasi_test.CaseError as e:
            print(e)
            ok = False
        checks.check(ok, "lua " + os.path.basename(case))


def capbox(opts, modules, program, args, flags=(), stdin=None):
    command = [opts.capbox, "run", *flags,
               os.path.join(modules, program + ".wasm"), *args]
    print("$ " + " ".join(command))
    try:
        return subprocess.run(command, input=stdin, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        return subprocess.CompletedProcess(command, -9, b"", b"timed out")


def sample_data():
    """About 700 KB, text-like with a binary stretch: deterministic."""
    rng = random.Random(20240601)
    words = [b"capbox", b"sandbox", b"wasm", b"zlib", b"deflate", b"the",
             b"inflate", b"of", b"preopen", b"rights", b"\n"]
    text = b" ".join(rng.choice(words) for _ in range(90000))
    return text + bytes(rng.randrange(256) for _ in range(64 * 1024)) + text


def run_zlib(opts, checks, modules):
    data = sample_data()
    with tempfile.TemporaryDirectory(prefix="capbox-zlib-") as tmp:
        work = os.path.join(tmp, "work")
        os.mkdir(work)
        path = os.path.join(work, "data.bin")
        with open(path, "wb") as f:
            f.write(data)
        flags = ["--dir", f"{work}::/work"]
        r = capbox(opts, modules, "minigzip", ["/work/data.bin"], flags)
        checks.check(r.returncode == 0 and r.stderr == b"",
                     "minigzip /work/data.bin", r.stderr.decode())
        gz = path + ".gz"
        checks.check(os.path.exists(gz) and not os.path.exists(path),
                     "data.bin replaced by data.bin.gz")
        host = subprocess.run(["gzip", "-dc", gz], stdout=subprocess.PIPE)
        checks.check(host.returncode == 0 and host.stdout == data,
                     "host gzip -dc restores the original")
        checks.check(os.path.getsize(gz) < len(data) * 0.6,
                     "it compressed", f"{os.path.getsize(gz)} bytes")
        r = capbox(opts, modules, "minigzip", ["-d", "/work/data.bin.gz"],
                   flags)
        with open(path, "rb") as f:
            back = f.read() if os.path.exists(path) else b""
        checks.check(r.returncode == 0 and back == data,
                     "minigzip -d restores the original", r.stderr.decode())

        # Pipes: stdin to stdout, both ways, and host gzip's output.
        r = capbox(opts, modules, "minigzip", ["-9"], stdin=data)
        host = subprocess.run(["gzip", "-dc"], input=r.stdout,
                              stdout=subprocess.PIPE)
        checks.check(r.returncode == 0 and host.stdout == data,
                     "minigzip -9 on a pipe, host gzip -dc agrees")
        host_gz = subprocess.run(["gzip", "-c", "-n"], input=data,
                                 stdout=subprocess.PIPE).stdout
        r = capbox(opts, modules, "minigzip", ["-d"], stdin=host_gz)
        checks.check(r.returncode == 0 and r.stdout == data,
                     "minigzip -d of host gzip's output")
        r = capbox(opts, modules, "minigzip", ["-d"],
                   stdin=host_gz[:len(host_gz) // 2])
        checks.check(r.returncode == 1 and b"minigzip" in r.stderr,
                     "minigzip -d fails on a truncated stream",
                     f"exit {r.returncode}, {r.stderr!r}")
        # Not gzip at all: zlib reads it through unchanged ("transparent").
        r = capbox(opts, modules, "minigzip", ["-d"], stdin=b"plain text\n")
        checks.check(r.returncode == 0 and r.stdout == b"plain text\n",
                     "minigzip -d passes non-gzip input through")

        # Refused: the read-only preopen keeps its file.
        ro = os.path.join(tmp, "ro")
        os.mkdir(ro)
        with open(os.path.join(ro, "keep.txt"), "wb") as f:
            f.write(data[:1000])
        r = capbox(opts, modules, "minigzip", ["/ro/keep.txt"],
                   ["--dir", f"{ro}::/ro::ro"])
        checks.check(r.returncode != 0
                     and os.listdir(ro) == ["keep.txt"],
                     "minigzip under a read-only preopen changes nothing",
                     f"exit {r.returncode}, {os.listdir(ro)}")

        r = capbox(opts, modules, "example", ["/work/foo.gz"], flags)
        out = r.stdout.decode()
        checks.check(r.returncode == 0 and "large_inflate(): OK" in out
                     and "inflate with dictionary: hello, hello!" in out,
                     "zlib example self-test", out + r.stderr.decode())


SIMD_OP = re.compile(rb"\b(?:v128|[iuf](?:8x16|16x8|32x4|64x2))\.[a-z0-9_]+")


def simd_ops(path):
    """SIMD instructions in a module's code: (count, distinct opcodes)."""
    proc = subprocess.run(["wasm-objdump", "-d", path],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    ops = SIMD_OP.findall(proc.stdout) if proc.returncode == 0 else []
    return len(ops), len(set(ops))


def build_variants(opts, checks, name, source, variants):
    """{variant: directory} of `name`'s builds, or None if one failed."""
    dirs = {}
    for variant in variants:
        out = os.path.join(opts.out, "simd", f"{name}-{variant}")
        if not checks.check(build_wasm.build(name, source, out, opts.cc,
                                             variant),
                            f"build {name} ({variant})"):
            return None
        dirs[variant] = out
    return dirs


def check_simd(checks, path, least_count, least_distinct):
    count, distinct = simd_ops(path)
    checks.check(count >= least_count and distinct >= least_distinct,
                 f"{os.path.basename(path)} holds {count} SIMD instructions, "
                 f"{distinct} distinct",
                 f"want at least {least_count} and {least_distinct}")


def run_simdkernel(opts, checks):
    dirs = build_variants(opts, checks, "simdkernel", HERE,
                          ["native", "simd", "simd-scalar"])
    if dirs is None:
        return
    native = subprocess.run([os.path.join(dirs["native"], "simdkernel")],
                            stdout=subprocess.PIPE, timeout=TIMEOUT)
    # The first line names the path taken; the rest must be identical.
    want = native.stdout.split(b"\n", 1)
    checks.check(native.returncode == 0 and len(want) == 2 and
                 want[1].count(b"\n") >= 25, "native simdkernel runs",
                 native.stdout.decode())
    for variant, first in (("simd", b"wasm simd128 intrinsics"),
                           ("simd-scalar", b"scalar")):
        check_simd(checks, os.path.join(dirs[variant], "simdkernel.wasm"),
                   *((400, 120) if variant == "simd" else (100, 20)))
        r = capbox(opts, dirs[variant], "simdkernel", [])
        got = r.stdout.split(b"\n", 1)
        ok = r.returncode == 0 and first in got[0] and got[1:] == want[1:]
        diff = "".join(f"\n  native {a}\n  capbox {b}" for a, b in zip(
            want[-1].decode().splitlines(), got[-1].decode().splitlines())
                       if a != b)
        checks.check(ok, f"simdkernel ({variant}) output matches native",
                     f"exit {r.returncode} {r.stderr.decode()}{diff}")


def run_zlib_simd(opts, checks, source):
    dirs = build_variants(opts, checks, "zlib", source, ["native", "simd"])
    if dirs is None:
        return
    check_simd(checks, os.path.join(dirs["simd"], "minigzip.wasm"), 50, 10)
    data = sample_data()
    for level in ("-1", "-6", "-9"):
        native = subprocess.run([os.path.join(dirs["native"], "minigzip"),
                                 level], input=data, stdout=subprocess.PIPE,
                                timeout=TIMEOUT)
        r = capbox(opts, dirs["simd"], "minigzip", [level], stdin=data)
        checks.check(native.returncode == 0 and r.returncode == 0 and
                     r.stdout == native.stdout,
                     f"minigzip {level} (simd) output equals native's",
                     f"{len(r.stdout)} vs {len(native.stdout)} bytes")
        r = capbox(opts, dirs["simd"], "minigzip", ["-d"],
                   stdin=native.stdout)
        checks.check(r.returncode == 0 and r.stdout == data,
                     f"minigzip -d (simd) of native {level} output")
    with tempfile.TemporaryDirectory(prefix="capbox-zlib-simd-") as work:
        r = capbox(opts, dirs["simd"], "example", ["/work/foo.gz"],
                   ["--dir", f"{work}::/work"])
    checks.check(r.returncode == 0 and b"large_inflate(): OK" in r.stdout,
                 "zlib example self-test (simd)",
                 r.stdout.decode() + r.stderr.decode())


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("program", choices=sorted(PACKAGES))
    parser.add_argument("--capbox", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--cc", default="clang")
    opts = parser.parse_args()
    checks = Checks()
    if opts.program == "simd":
        run_simdkernel(opts, checks)
    source = fetch(PACKAGES[opts.program])
    if not checks.check(source is not None,
                        f"apt-get source {PACKAGES[opts.program]}"):
        pass
    elif opts.program == "simd":
        run_zlib_simd(opts, checks, source)
    else:
        modules = os.path.join(opts.out, opts.program)
        if checks.check(build_wasm.build(opts.program, source, modules,
                                         opts.cc),
                        f"build {opts.program} for wasm32-wasi"):
            if opts.program == "lua":
                run_lua(opts, checks, modules)
            else:
                run_zlib(opts, checks, modules)
    print(f"{checks.passed} passed, {checks.failed} failed")
    return 1 if checks.failed else 0


if __name__ == "__main__":
    sys.exit(main())
