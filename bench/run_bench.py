#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# capbox against native code on the kernels of ../shared/bench: builds them
# with its build.sh (native clang -O2 and wasm32 reactor, clang -O2), runs
# each native program and `capbox run --invoke bench KERNEL.wasm N`, checks
# that the checksums agree, and prints per kernel the native time, the
# capbox time and their ratio, then the geometric mean of the ratios (the
# seven kernels; memops-bulk is shown beside memops, not in the mean), and
# the same for Lua 5.4 running bench/lua/cpu.lua (lua_build.py).
#
# Both sides are timed as whole processes (median of --runs after one
# warm-up), so capbox's time includes reading, validating and compiling
# the module; the native one includes process start-up. Beside each ratio:
# capbox's peak resident set, supervisor + sandboxed child, from one more
# run with --report (see bench/README.md for what the sum means).
import argparse
import json
import math
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

import lua_build

KERNELS = ["fib", "nbody", "sha256", "mandelbrot", "sort", "hashmap", "memops"]
EXTRA = ["memops-bulk", "lua"]  # reported, not in the mean
LUA_SCRIPT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                              "lua")
LUA_ROUNDS, LUA_QUICK_ROUNDS = 10, 1
# --quick: small n for a smoke run (ratios are then dominated by start-up).
QUICK_N = {"fib": 27, "nbody": 100000, "sha256": 1, "mandelbrot": 200,
           "sort": 100000, "hashmap": 100000, "memops": 20000}


def parse_args():
    here = os.path.dirname(os.path.abspath(__file__))
    default_kernels = os.path.join(here, "..", "..", "shared", "bench")
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--capbox", required=True, help="the capbox binary")
    p.add_argument("--bench-dir",
                   default=os.environ.get("CAPBOX_BENCH_DIR", default_kernels),
                   help="the shared bench directory (build.sh, kernels/)")
    p.add_argument("--out", required=True,
                   help="where build.sh puts the kernels")
    p.add_argument("--runs", type=int, default=5,
                   help="timed runs per program; the median is reported")
    p.add_argument("--quick", action="store_true",
                   help="small n for each kernel (a smoke test)")
    p.add_argument("--kernels", default=",".join(KERNELS + EXTRA),
                   help="comma-separated subset to run")
    p.add_argument("--markdown", action="store_true",
                   help="also print the table in Markdown (for README.md)")
    return p.parse_args()


def build_kernels(bench_dir, out):
    """Runs build.sh unless every output is newer than every source."""
    sources = [os.path.join(bench_dir, f) for f in ("build.sh", "main.c")]
    kernel_dir = os.path.join(bench_dir, "kernels")
    sources += [os.path.join(kernel_dir, f) for f in os.listdir(kernel_dir)]
    outputs = [os.path.join(out, "native", k) for k in KERNELS]
    outputs += [os.path.join(out, "wasm-reactor", k + ".wasm")
                for k in KERNELS + ["memops-bulk"]]
    newest_source = max(os.path.getmtime(s) for s in sources)
    if all(os.path.exists(o) and os.path.getmtime(o) >= newest_source
           for o in outputs):
        return
    print(f"building the kernels into {out} ...", file=sys.stderr)
    subprocess.run(["bash", os.path.join(bench_dir, "build.sh"), out],
                   check=True, stdout=sys.stderr)


def native_checksum(output):
    m = re.search(r"\bn=(\d+) checksum=0x([0-9a-fA-F]{8})", output)
    if not m:
        raise RuntimeError(f"cannot read the native output {output!r}")
    return int(m.group(1)), int(m.group(2), 16)


def lua_checksum(output):
    m = re.fullmatch(r"lua rounds=\d+ checksum=0x([0-9a-f]{8})\n", output)
    if not m:
        raise RuntimeError(f"cannot read lua's output {output!r}")
    return int(m.group(1), 16)


def capbox_checksum(output):
    """bench(n)'s i32 result, printed signed as wasmtime does; as u32."""
    lines = output.split()
    if len(lines) != 1 or not re.fullmatch(r"-?\d+", lines[0]):
        raise RuntimeError(f"cannot read capbox's output {output!r}")
    return int(lines[0]) & 0xFFFFFFFF


def run_once(cmd):
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} exited {proc.returncode}: "
                           f"{proc.stderr.strip()}")
    return elapsed, proc.stdout


def time_pair(commands, runs, read_checksums):
    """Median wall time of each command over `runs` runs after one warm-up
    each, the commands run in turn (native, capbox, native, ...) so that
    both see the same phases of a shared machine, whose speed drifts by
    tens of percent over a minute; every run's checksum must be the
    first's."""
    checksums = [read(run_once(cmd)[1])
                 for cmd, read in zip(commands, read_checksums)]
    times = [[] for _ in commands]
    for _ in range(runs):
        for i, (cmd, read) in enumerate(zip(commands, read_checksums)):
            elapsed, output = run_once(cmd)
            if read(output) != checksums[i]:
                raise RuntimeError(f"{' '.join(cmd)}: the checksum changed")
            times[i].append(elapsed)
    return [(statistics.median(t), c) for t, c in zip(times, checksums)]


def default_n(out, kernel):
    _, output = run_once([os.path.join(out, "native", kernel)])
    return native_checksum(output)[0]


def capbox_peak_rss(command):
    """(supervisor, child) peak RSS in bytes from one run's --report."""
    with tempfile.TemporaryDirectory() as tmp:
        report = os.path.join(tmp, "report.json")
        run_once(command[:2] + ["--report=" + report] + command[2:])
        with open(report) as f:
            host = json.load(f)["host"]
    return host["supervisor_peak_rss"], host["child_peak_rss"]


def timed_row(args, kernel, n, native_cmd, capbox_cmd, read_native,
              read_capbox):
    (native_time, native_sum), (capbox_time, capbox_sum) = time_pair(
        [native_cmd, capbox_cmd], args.runs, [read_native, read_capbox])
    supervisor_rss, child_rss = capbox_peak_rss(capbox_cmd)
    return {"kernel": kernel, "n": n, "native": native_time,
            "capbox": capbox_time, "ratio": capbox_time / native_time,
            "native_sum": native_sum, "capbox_sum": capbox_sum,
            "ok": native_sum == capbox_sum,
            "rss": (supervisor_rss + child_rss) / 2**20,
            "rss_parts": (supervisor_rss / 2**20, child_rss / 2**20)}


def bench_lua(args):
    wasm, native = lua_build.build_lua(os.path.join(args.out, "lua"))
    rounds = LUA_QUICK_ROUNDS if args.quick else LUA_ROUNDS
    script = os.path.join(LUA_SCRIPT_DIR, "cpu.lua")
    capbox_cmd = [args.capbox, "run", "--dir", LUA_SCRIPT_DIR + "::/bench::ro",
                  wasm, "/bench/cpu.lua", str(rounds)]
    return timed_row(args, "lua", rounds, [native, script, str(rounds)],
                     capbox_cmd, lua_checksum, lua_checksum)


def bench_kernel(args, kernel):
    if kernel == "lua":
        return bench_lua(args)
    native_name = "memops" if kernel == "memops-bulk" else kernel
    native = os.path.join(args.out, "native", native_name)
    n = QUICK_N[native_name] if args.quick else default_n(args.out, native_name)
    module = os.path.join(args.out, "wasm-reactor", kernel + ".wasm")
    return timed_row(args, kernel, n, [native, str(n)],
                     [args.capbox, "run", "--invoke", "bench", module, str(n)],
                     lambda o: native_checksum(o)[1], capbox_checksum)


def print_table(rows, geomean, markdown):
    if markdown:
        print("| kernel | n | native (s) | capbox (s) | capbox / native "
              "| capbox peak RSS (MiB) | checksum |")
        print("|---|---:|---:|---:|---:|---:|---|")
        for r in rows:
            print(f"| {r['kernel']} | {r['n']} | {r['native']:.3f} | "
                  f"{r['capbox']:.3f} | {r['ratio']:.2f} | {r['rss']:.1f} | "
                  f"{'0x%08x' % r['native_sum'] if r['ok'] else 'MISMATCH'} |")
        print(f"| **geometric mean** (7 kernels) | | | | **{geomean:.2f}** "
              "| | |")
        return
    print(f"{'kernel':<12} {'n':>9} {'native s':>9} {'capbox s':>9} "
          f"{'ratio':>7} {'RSS MiB (sup+child)':>20}  checksum")
    for r in rows:
        check = (f"0x{r['native_sum']:08x} ok" if r["ok"] else
                 f"MISMATCH native 0x{r['native_sum']:08x} "
                 f"capbox 0x{r['capbox_sum']:08x}")
        rss = f"{r['rss']:.1f} ({r['rss_parts'][0]:.1f}+{r['rss_parts'][1]:.1f})"
        print(f"{r['kernel']:<12} {r['n']:>9} {r['native']:>9.3f} "
              f"{r['capbox']:>9.3f} {r['ratio']:>7.2f} {rss:>20}  {check}")
    print(f"{'geometric mean of the ratios (memops-bulk, lua excluded)':<56} "
          f"{geomean:>7.2f}")


def main():
    args = parse_args()
    args.capbox = os.path.abspath(args.capbox)
    build_kernels(args.bench_dir, args.out)
    version = subprocess.run([args.capbox, "--version"], capture_output=True,
                             text=True, check=True).stdout.strip()
    mode = "quick (small n)" if args.quick else "default n"
    print(f"# {version}; kernels: clang -O2 (native and wasm32 reactor); "
          f"{mode}; median of {args.runs} whole-process runs")
    rows = []
    for kernel in args.kernels.split(","):
        if kernel not in KERNELS + EXTRA:
            sys.exit(f"run_bench.py: unknown kernel '{kernel}'")
        try:
            rows.append(bench_kernel(args, kernel))
        except RuntimeError as e:
            print(f"run_bench.py: FAILED: {kernel}: {e}", file=sys.stderr)
            rows.append(None)
    good = [r for r in rows if r is not None]
    in_mean = [r["ratio"] for r in good if r["kernel"] in KERNELS and r["ok"]]
    geomean = (math.exp(sum(map(math.log, in_mean)) / len(in_mean))
               if in_mean else float("nan"))
    print_table(good, geomean, markdown=False)
    if args.markdown:
        print()
        print_table(good, geomean, markdown=True)
    for r in good:
        if not r["ok"]:
            print(f"run_bench.py: FAILED: {r['kernel']}: checksum mismatch: "
                  f"native 0x{r['native_sum']:08x}, capbox "
                  f"0x{r['capbox_sum']:08x}", file=sys.stderr)
    failed = len(rows) - len(good) + sum(1 for r in good if not r["ok"])
    if failed:
        print(f"run_bench.py: FAILED: {failed} of {len(rows)} rows (see "
              "above)", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
