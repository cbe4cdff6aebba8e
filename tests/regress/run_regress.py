#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# Regression tests from differential fuzzing (tests/fuzz/difffuzz.py): each
# CASE.wasm or CASE.wat here runs through the same rewrite and calls as the
# fuzzer (tests/fuzz/diff_run.py) in capbox's diff_driver, and its
# normalised output must equal CASE.expected. When wabt's spectest-interp is
# installed, wabt's output is checked against CASE.expected too, so the
# expectation stays tied to the independent implementation.
#
# Header lines of CASE.expected ("# key: value"):
#   seed: N          the argument seed (as the fuzzer used it)
#   features: LIST   wabt feature list (default: the fuzzer's)
#   xfail: WHY       a known capbox bug: the case must still FAIL on capbox;
#                    it fails loudly once capbox matches (drop the line then)
#   wabt: skip WHY   wabt is wrong here: do not compare its output
#   wabt-crashes: yes
#                    spectest-interp dies of a signal on it: with wabt run,
#                    diff_run must skip the module, not report a divergence
#   diff-run-skips: WHY
#                    with wabt run, diff_run must skip the module for a
#                    reason that starts with WHY (a wabt bug it knows)
#   cross-type-tail-call: yes
#                    the module makes a return_call across function types,
#                    which diff_run.cross_type_tail_calls must see (and must
#                    not see in a case without this line)
# Usage: run_regress.py --driver PATH [CASE.wasm|CASE.wat|DIR]...
# Prints a line per case and "N passed, M failed"; exits 1 on a failure.
import argparse
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "fuzz"))
import diff_run  # noqa: E402


def read_expected(path):
    header, lines = {}, []
    with open(path) as f:
        for line in f:
            line = line.rstrip("\n")
            if line.startswith("#"):
                key, _, value = line[1:].strip().partition(":")
                header[key.strip()] = value.strip()
            elif line:
                lines.append(line)
    return header, lines


def module_bytes(path, work):
    if path.endswith(".wat"):
        out = os.path.join(work, "case.wasm")
        subprocess.run(["wat2wasm", "--enable-all", path, "-o", out],
                       check=True)
        path = out
    with open(path, "rb") as f:
        return f.read()


def mismatch(expected, got):
    """The first differing line, as text, or None."""
    for i in range(max(len(expected), len(got))):
        e = expected[i] if i < len(expected) else "(nothing)"
        g = got[i] if i < len(got) else "(nothing)"
        if not diff_run.same_line(e, g):
            return f"line {i + 1}: expected '{e}', got '{g}'"
    return None


def run_case(path, driver):
    """(ok, message) for one case."""
    stem = path.rsplit(".", 1)[0]
    header, expected = read_expected(stem + ".expected")
    features = diff_run.parse_features(
        header.get("features", diff_run.DEFAULT_FEATURES))
    seed = int(header.get("seed", "0"))
    wabt = shutil.which("spectest-interp") is not None and \
        not header.get("wabt", "").startswith("skip")
    work = tempfile.mkdtemp(prefix="regress-")
    try:
        wasm = module_bytes(path, work)
        check = os.path.join(work, "check.wasm")
        with open(check, "wb") as f:
            f.write(wasm)
        cross = diff_run.cross_type_tail_calls(check)
        crashed = skipped = None
        if header.get("wabt-crashes") == "yes" and \
                shutil.which("spectest-interp"):
            crashed = diff_run.run_module(wasm, driver, features, seed,
                                          work).skip or "not skipped"
        if "diff-run-skips" in header and shutil.which("spectest-interp"):
            skipped = diff_run.run_module(wasm, driver, features, seed,
                                          work).skip or "not skipped"
        outcome = diff_run.run_module(wasm, driver, features, seed, work,
                                      wabt=wabt)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if outcome.skip:
        return False, f"not run: {outcome.skip}"
    problems = []
    if cross != (header.get("cross-type-tail-call") == "yes"):
        problems.append(f"cross_type_tail_calls says {cross}")
    if crashed is not None and not crashed.startswith("wabt crashed"):
        problems.append(f"with wabt run, diff_run gave: {crashed}")
    if skipped is not None and \
            not skipped.startswith(header["diff-run-skips"]):
        problems.append(f"with wabt run, diff_run gave: {skipped}")
    if wabt:
        wrong = mismatch(expected, outcome.wabt)
        if wrong:
            problems.append(f"wabt disagrees with the expectation: {wrong}")
    wrong = mismatch(expected, outcome.capbox)
    if "xfail" in header:
        if not wrong:
            problems.append("capbox now matches: the bug is fixed, remove "
                            f"the xfail line ({header['xfail']})")
        return not problems, "; ".join(problems) or \
            f"expected failure ({header['xfail']}): {wrong}"
    if wrong:
        problems.append(f"capbox: {wrong}")
    return not problems, "; ".join(problems) or "ok"


def find_cases(paths):
    cases = []
    for p in paths:
        if os.path.isdir(p):
            cases += sorted(os.path.join(p, n) for n in os.listdir(p)
                            if n.endswith((".wasm", ".wat")))
        else:
            cases.append(p)
    return cases


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--driver", required=True)
    ap.add_argument("cases", nargs="*", default=[HERE])
    args = ap.parse_args()
    passed = failed = 0
    for case in find_cases(args.cases):
        ok, message = run_case(case, os.path.abspath(args.driver))
        print(f"{'ok    ' if ok else 'FAILED'} {os.path.basename(case)}: "
              f"{message}")
        passed, failed = passed + ok, failed + (not ok)
    print(f"regress: {passed} passed, {failed} failed")
    return 1 if failed or not passed else 0


if __name__ == "__main__":
    sys.exit(main())
