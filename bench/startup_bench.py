#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Start-up cost of `capbox run` on a hello-world module: the median wall
time of many runs and the peak RSS of the whole process tree (supervisor +
sandboxed child, from one more run's --report; see bench/README.md).

  bench/startup_bench.py --capbox BUILD/src/cli/capbox [--runs 200]
      [--compare OTHER_CAPBOX]   # e.g. a build from before the sandbox

Builds bench/hello.c with clang --target=wasm32-wasi into --out."""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def build_hello(out_dir):
    os.makedirs(out_dir, exist_ok=True)
    wasm = os.path.join(out_dir, "hello.wasm")
    subprocess.run(["clang", "--target=wasm32-wasi", "-O2",
                    os.path.join(HERE, "hello.c"), "-o", wasm], check=True)
    return wasm


def measure(capbox, wasm, runs):
    """Median and minimum wall seconds, and the peak RSS in bytes of the
    supervisor and of the child (None from a capbox without report.host)."""
    times, cpu = [], []
    for _ in range(runs):
        start = time.perf_counter()
        proc = subprocess.Popen([capbox, "run", wasm], stdout=subprocess.PIPE)
        output = proc.stdout.read()
        # wait4's rusage covers capbox and the child it reaped: the tree's
        # CPU time, which other load on the machine disturbs less than wall.
        _, status, usage = os.wait4(proc.pid, 0)
        times.append(time.perf_counter() - start)
        cpu.append(usage.ru_utime + usage.ru_stime)
        proc.returncode = os.waitstatus_to_exitcode(status)
        proc.stdout.close()
        if proc.returncode != 0 or output != b"hello, world\n":
            sys.exit(f"startup_bench: {capbox} failed: status "
                     f"{proc.returncode}, output {output!r}")
    with tempfile.TemporaryDirectory() as tmp:
        report = os.path.join(tmp, "report.json")
        subprocess.run([capbox, "run", "--report=" + report, wasm],
                       stdout=subprocess.DEVNULL, check=True)
        with open(report) as f:
            host = json.load(f).get("host", {})
    peak = (host.get("supervisor_peak_rss"), host.get("child_peak_rss"))
    return statistics.median(times), min(times), statistics.median(cpu), peak


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
        median, best, cpu, peak = measure(binary, wasm, args.runs)
        rss = "no peak RSS in its --report"
        if None not in peak:
            rss = (f"peak RSS {(peak[0] + peak[1]) / 2**20:.2f} MiB "
                   f"(supervisor {peak[0] / 2**20:.2f} + child "
                   f"{peak[1] / 2**20:.2f})")
        print(f"{label:8} {binary}: median {median * 1000:.2f} ms, "
              f"min {best * 1000:.2f} ms over {args.runs} runs, CPU "
              f"(user+sys, tree) median {cpu * 1000:.2f} ms; {rss}")


if __name__ == "__main__":
    main()
