#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# Counts what one `meson test` run ran, from BUILDDIR/meson-logs/testlog.json:
# a doctest binary counts its test cases, a runner that ends with
# "N passed, M failed" (the spec runner, tests/cli/cli_test.py) counts those,
# and any other test counts as one. A test that failed (crash, timeout,
# non-zero exit) without reporting a failure counts one more failure.
# Prints one line per suite and, last, "PASSED FAILED" for run_all.sh.
# Usage: count_results.py BUILDDIR LABEL
import json
import os
import re
import sys
from collections import defaultdict

DOCTEST = re.compile(
    r"\[doctest\] test cases:\s*(\d+)\s*\|\s*(\d+) passed\s*\|\s*(\d+) failed")
PLAIN = re.compile(r"^\s*(?:\S+:\s*)?(\d+) passed, (\d+) failed\b", re.M)


def count(entry):
    """(passed, failed, skipped) for one meson test."""
    output = (entry.get("stdout") or "") + "\n" + (entry.get("stderr") or "")
    result = entry.get("result", "")
    if result == "SKIP":
        return 0, 0, 1
    passed = failed = None
    doctest = DOCTEST.findall(output)
    plain = PLAIN.findall(output)
    if doctest:
        _, passed, failed = map(int, doctest[-1])
    elif plain:
        passed, failed = map(int, plain[-1])
    else:
        passed, failed = (1, 0) if result == "OK" else (0, 1)
    if result not in ("OK", "EXPECTEDFAIL") and failed == 0:
        failed = 1  # it died after (or without) printing its summary
    return passed, failed, 0


def main():
    build_dir, label = sys.argv[1], sys.argv[2]
    log = os.path.join(build_dir, "meson-logs", "testlog.json")
    totals = defaultdict(lambda: [0, 0, 0])
    failures = []
    try:
        with open(log) as f:
            entries = [json.loads(line) for line in f if line.strip()]
    except OSError as e:
        print(f"== {label}: no test log ({e})")
        print("0 1")
        return
    for entry in entries:
        p, fl, s = count(entry)
        # "capbox:spec / spec/core/address": the suite is "spec".
        name = entry.get("name", "?")
        suite = name.split(" / ")[0].split(":")[-1] if " / " in name else "?"
        for i, v in enumerate((p, fl, s)):
            totals[suite][i] += v
        if fl:
            failures.append(f"{entry.get('name')} ({entry.get('result')}, "
                            f"{fl} failed)")
    for suite, (p, fl, s) in sorted(totals.items()):
        extra = f", {s} skipped" if s else ""
        print(f"== {label} suite {suite}: {p} ok / {fl} failing{extra}")
    for name in failures:
        print(f"== {label} FAILED: {name}")
    print(sum(t[0] for t in totals.values()),
          sum(t[1] for t in totals.values()))


if __name__ == "__main__":
    main()
