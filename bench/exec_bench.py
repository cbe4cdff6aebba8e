#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""What confinement costs a native program under `capbox exec`: the median
wall time of starting /bin/true (and cat on a granted file) confined
against natively, and the cost of one open+close of a granted file through
the preload library and the broker against a native open.

  bench/exec_bench.py --capbox BUILD/src/cli/capbox [--runs 200]

Builds bench/open_loop.c with cc into --out."""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def median_wall(argv, runs):
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        proc = subprocess.run(argv, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
        if proc.returncode != 0:
            sys.exit(f"exec_bench: {argv} failed with {proc.returncode}")
    return statistics.median(times)


def open_cost(argv):
    proc = subprocess.run(argv, capture_output=True, text=True, check=True)
    return float(proc.stdout)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--capbox", required=True)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--opens", type=int, default=20000)
    parser.add_argument("--out", default=tempfile.gettempdir())
    args = parser.parse_args()
    loop = os.path.join(args.out, "open_loop")
    subprocess.run(["cc", "-O2", os.path.join(HERE, "open_loop.c"), "-o",
                    loop], check=True)
    with tempfile.TemporaryDirectory(prefix="capbox-exec-bench-") as tmp:
        data = os.path.realpath(tmp)
        target = os.path.join(data, "file.txt")
        with open(target, "w") as f:
            f.write("x" * 1000)
        confined = [args.capbox, "exec", "--no-policy", "--dir",
                    data + "::" + data + "::ro", "--"]
        rows = [
            ("start /bin/true", median_wall(["/bin/true"], args.runs),
             median_wall(confined + ["/bin/true"], args.runs), "ms"),
            ("cat a granted file", median_wall(["cat", target], args.runs),
             median_wall(confined + ["cat", target], args.runs), "ms"),
        ]
        native_open = statistics.median(
            open_cost([loop, target, str(args.opens)]) for _ in range(5))
        brokered_open = statistics.median(
            open_cost(confined + [loop, target, str(args.opens)])
            for _ in range(5))
    print("| what | native | capbox exec | ratio |")
    print("|---|---:|---:|---:|")
    for name, native, capbox, unit in rows:
        print(f"| {name} | {native * 1e3:.2f} {unit} | {capbox * 1e3:.2f} "
              f"{unit} | {capbox / native:.1f} |")
    print(f"| open+close of a granted file | {native_open:.2f} us | "
          f"{brokered_open:.2f} us | {brokered_open / native_open:.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
