#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Start-up cost of `capbox run` on a hello-world module: the median wall
time of many runs and the largest peak RSS among capbox's processes.

  bench/startup_bench.py --capbox BUILD/src/cli/capbox [--runs 200]
      [--compare OTHER_CAPBOX]   # e.g. a build from before the sandbox

Builds bench/hello.c with clang --target=wasm32-wasi into --out."""
import argparse
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def build_hello(out_dir):
    os.makedirs(out_dir, exist_ok=True)
    wasm = os.path.join(out_dir, "hello.wasm")
    subprocess.run(["clang", "--target=wasm32-wasi", "-O2",
                    os.path.join(HERE, "hello.c"), "-o", wasm], check=True)
    return wasm


def measure(capbox, wasm, runs):
    """Median and minimum wall seconds, and the largest peak RSS in KiB
    (None without GNU time)."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        proc = subprocess.run([capbox, "run", wasm], stdout=subprocess.PIPE)
        times.append(time.perf_counter() - start)
        if proc.returncode != 0 or proc.stdout != b"hello, world\n":
            sys.exit(f"startup_bench: {capbox} failed: status "
                     f"{proc.returncode}, output {proc.stdout!r}")
    # A forked Python's peak RSS survives exec into the child's ru_maxrss,
    # so the peak comes from GNU time, whose fork is small.
    peak = None
    if os.path.exists("/usr/bin/time"):
        proc = subprocess.run(["/usr/bin/time", "-f", "%M", capbox, "run",
                               wasm], capture_output=True, text=True)
        peak = int(proc.stderr.strip().splitlines()[-1])
    return statistics.median(times), min(times), peak


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--capbox", required=True)
    parser.add_argument("--compare")
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--out", default="/tmp/capbox-startup-bench")
    args = parser.parse_args()
    wasm = build_hello(args.out)
    rows = [("capbox", args.capbox)]
    if args.compare:
        rows.append(("compare", args.compare))
    for label, binary in rows:
        median, best, peak = measure(binary, wasm, args.runs)
        print(f"{label:8} {binary}: median {median * 1000:.2f} ms, "
              f"min {best * 1000:.2f} ms over {args.runs} runs; "
              + (f"peak RSS of its largest process {peak / 1024:.1f} MiB"
                 if peak else "no /usr/bin/time for the peak RSS"))


if __name__ == "__main__":
    main()
