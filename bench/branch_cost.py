#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""What a wasm branch costs in capbox: a loop of eight adds to one local,
in four shapes, each timed (CPU time, median of RUNS):

  straight  the adds in a row (each reads the last through the accumulator)
  brif0     each add then a br_if, never taken, out of its own block
  brif1     the same, always taken (to the very next instruction)
  jumps     each add then its own br out of its block

Usage: bench/branch_cost.py CAPBOX [ITERATIONS] [RUNS]; needs wat2wasm.
"""
import os
import statistics
import subprocess
import sys
import tempfile

SHAPES = ("straight", "brif0", "brif1", "jumps")


def body(shape):
    out = []
    for g in range(8):
        add = f"local.get $x i32.const {g + 1} i32.add local.set $x\n"
        if shape == "jumps":
            out.append("block\n" + add + "br 0\n"
                       "local.get $y i32.const 1 i32.add local.set $y\nend\n")
        elif shape == "brif0":
            out.append("block\n" + add + "local.get $y br_if 0\nend\n")
        elif shape == "brif1":
            out.append("block\n" + add + "local.get $n br_if 0\nend\n")
        else:
            out.append(add)
    return "".join(out)


def module(shape):
    return f"""(module
  (func (export "bench") (param $n i32) (result i32)
    (local $x i32) (local $y i32)
    loop $l
      {body(shape)}
      local.get $n i32.const 1 i32.sub local.tee $n
      br_if $l
    end
    local.get $x))"""


def cpu_time(argv):
    p = subprocess.Popen(argv, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(p.pid, 0)
    if status != 0:
        sys.exit(f"branch_cost: {' '.join(argv)} failed ({status})")
    return usage.ru_utime + usage.ru_stime


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    capbox = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 50_000_000
    runs = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    with tempfile.TemporaryDirectory() as tmp:
        for shape in SHAPES:
            wat = os.path.join(tmp, shape + ".wat")
            wasm = os.path.join(tmp, shape + ".wasm")
            with open(wat, "w") as f:
                f.write(module(shape))
            subprocess.run(["wat2wasm", wat, "-o", wasm], check=True)
            t = statistics.median(
                cpu_time([capbox, "run", "--invoke", "bench", wasm, str(n)])
                for _ in range(runs))
            print(f"{shape:9} {t:7.3f} s  {t * 1e9 / n:6.2f} ns per iteration",
                  flush=True)


if __name__ == "__main__":
    main()
