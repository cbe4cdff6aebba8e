#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# Differential fuzzing of capbox's engine against wabt's interpreter: for a
# given time, turns random bytes into valid modules with binaryen's
# `wasm-opt -ttf`, runs every export on both sides (diff_run.py) and, on a
# divergence, reduces the module with `wasm-reduce` into OUT/ with both
# outputs. Ends with one summary line; exits 1 on any divergence.
#
# Usage: difffuzz.py --time SECONDS [--seed N] [--out DIR] [--driver PATH]
#                    [--features LIST] [--no-reduce] [--nans]
# Without --seed (or DIFFFUZZ_SEED in the environment) the seed comes from
# the clock and is printed first and last, so a run (a CI failure) is
# repeated with --seed N. Needs wasm-opt and wasm-reduce (binaryen),
# wasm-validate, spectest-interp and wat2wasm (wabt).
import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import diff_run  # noqa: E402


def generate(rng, work, features, denan):
    """A fresh -ttf module's bytes, or None if binaryen failed. `denan`:
    binaryen's --denan pass turns every NaN a float operation makes into 0,
    because NaN payloads and signs are nondeterministic in the spec and
    would otherwise make stored bytes (the memory checksum) differ."""
    size = rng.choice([500, 2000, 8000, 20000, 40000])
    data_path = os.path.join(work, "input.dat")
    wasm_path = os.path.join(work, "input.wasm")
    with open(data_path, "wb") as f:
        f.write(rng.randbytes(size))
    # Vary the shapes: random optimisation passes (-fp) over half of the
    # modules, and fewer out-of-bounds accesses (so code runs on instead of
    # trapping at the first one) in a third.
    shapes = (["-fp"] if rng.random() < 0.5 else []) + \
        (["--no-fuzz-oob"] if rng.random() < 0.3 else [])
    proc = subprocess.run(
        ["wasm-opt", data_path, "-ttf", *shapes, "-o", wasm_path,
         *diff_run.binaryen_flags(features), *(["--denan"] if denan else [])],
        capture_output=True, timeout=60)
    if proc.returncode != 0:
        return None
    with open(wasm_path, "rb") as f:
        return f.read()


def reduce(module, args, module_seed, out_dir, stem):
    """Reduces `module` while it diverges; returns the reduced file."""
    original = os.path.join(out_dir, stem + ".orig.wasm")
    reduced = os.path.join(out_dir, stem + ".wasm")
    with open(original, "wb") as f:
        f.write(module)
    if args.no_reduce:
        shutil.copy(original, reduced)
        return reduced
    work = tempfile.mkdtemp(prefix="diffreduce-")
    test = os.path.join(work, "t.wasm")
    command = " ".join([
        sys.executable, os.path.join(HERE, "diff_run.py"), "--driver",
        args.driver, "--features", args.features, "--seed",
        str(module_seed), *(["--nans"] if args.nans else []), test])
    flags = " ".join(diff_run.binaryen_flags(args.feature_list))
    try:
        proc = subprocess.run(
            ["wasm-reduce", original, "--command=" + command, "-t", test,
             "-w", reduced, "--timeout", "20", "--extra-flags", flags,
             "--force"], capture_output=True, text=True, timeout=900)
        failed = proc.returncode != 0 and f"exit {proc.returncode}"
    except subprocess.TimeoutExpired:
        failed = "took over 900 s"  # what it reached so far is kept
    shutil.rmtree(work, ignore_errors=True)
    if not os.path.exists(reduced):
        failed = failed or "no output"
        shutil.copy(original, reduced)
    if failed:
        print(f"  wasm-reduce: {failed}")
    return reduced


def record(module, args, module_seed, out_dir, stem):
    """Reduces, then writes both outputs of the reduced module beside it."""
    reduced = reduce(module, args, module_seed, out_dir, stem)
    with open(reduced, "rb") as f:
        data = f.read()
    work = tempfile.mkdtemp(prefix="diffrecord-")
    outcome = diff_run.run_module(data, args.driver, args.feature_list,
                                  module_seed, work, denan=not args.nans)
    shutil.rmtree(work, ignore_errors=True)
    with open(os.path.join(out_dir, stem + ".txt"), "w") as f:
        f.write(f"# seed {module_seed} features {args.features}\n")
        f.write(f"# repeat: tests/fuzz/diff_run.py --driver DRIVER "
                f"--features {args.features} --seed {module_seed} --show "
                f"{stem}.wasm\n")
        if outcome.skip:
            f.write(f"# reduced module skipped: {outcome.skip}\n")
        else:
            diff_run.show_diff(outcome, f)
    print(f"  reproducer: {reduced} ({len(data)} bytes), outputs: "
          f"{os.path.join(out_dir, stem + '.txt')}")


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--time", type=float, required=True)
    ap.add_argument("--seed", type=int)
    ap.add_argument("--out", default="difffuzz-out")
    ap.add_argument("--driver")
    ap.add_argument("--features", default=diff_run.DEFAULT_FEATURES)
    ap.add_argument("--no-reduce", action="store_true")
    ap.add_argument("--nans", action="store_true",
                    help="keep NaNs (no --denan): NaN bits stored to memory "
                    "may then differ legitimately")
    args = ap.parse_args()
    if args.seed is None and os.environ.get("DIFFFUZZ_SEED"):
        args.seed = int(os.environ["DIFFFUZZ_SEED"])
    if args.seed is None:
        args.seed = time.time_ns() % 1_000_000_007
    if args.driver is None:
        args.driver = os.path.join(HERE, "..", "..", "build", "tests", "fuzz",
                                   "diff_driver")
    args.driver = os.path.abspath(args.driver)
    args.feature_list = diff_run.parse_features(args.features)
    return args


def main():
    args = parse_args()
    print(f"difffuzz: seed {args.seed}, features {args.features}, "
          f"{args.time:g} s (repeat with --seed {args.seed})", flush=True)
    rng = random.Random(args.seed)
    stats = {"modules": 0, "functions": 0, "divergences": 0, "timeouts": 0,
             "skipped": 0, "invalid": 0}
    work = tempfile.mkdtemp(prefix="difffuzz-")
    deadline = time.monotonic() + args.time
    try:
        while time.monotonic() < deadline:
            module_seed = rng.getrandbits(32)
            module = generate(random.Random(module_seed), work,
                              args.feature_list, not args.nans)
            if module is None:
                stats["skipped"] += 1
                continue
            outcome = diff_run.run_module(module, args.driver,
                                          args.feature_list, module_seed,
                                          work, denan=not args.nans)
            if outcome.skip:
                key = "timeouts" if outcome.skip.startswith("timeout") \
                    else "skipped"
                stats[key] += 1
                continue
            if outcome.invalid and not outcome.diverged:
                stats["invalid"] += 1
                continue
            stats["modules"] += 1
            stats["functions"] += outcome.functions()
            if outcome.diverged:
                stats["divergences"] += 1
                os.makedirs(args.out, exist_ok=True)
                stem = f"diverge-{args.seed}-{module_seed}"
                print(f"DIVERGENCE: module seed {module_seed}", flush=True)
                diff_run.show_diff(outcome, context=3)
                record(module, args, module_seed, args.out, stem)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"difffuzz: seed {args.seed}: {stats['modules']} modules, "
          f"{stats['functions']} functions compared, "
          f"{stats['divergences']} divergences, {stats['timeouts']} timeouts, "
          f"{stats['skipped']} skipped, {stats['invalid']} rejected by both "
          f"validators")
    return 1 if stats["divergences"] else 0


if __name__ == "__main__":
    sys.exit(main())
