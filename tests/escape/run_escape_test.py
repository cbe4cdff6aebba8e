#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# Runs one scenario of the escape suite (tests/escape/README.md) through
# `capbox run` in a fresh temporary directory and checks the guest's exact
# output and the host tree afterwards. Depends only on the Python standard
# library and the escape_*.py modules beside it.
# Usage: run_escape_test.py --capbox CAPBOX --modules DIR SCENARIO
import argparse
import importlib
import os
import shutil
import sys
import tempfile

# No __pycache__ in the source tree.
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

# scenario -> (module, function)
SCENARIOS = {
    "dotdot": ("escape_dotdot", "run"),
    "symlinks": ("escape_links", "run_symlinks"),
    "magic": ("escape_links", "run_magic"),
    "hardlinks": ("escape_links", "run_hardlinks"),
    "renames": ("escape_links", "run_renames"),
    "race": ("escape_race", "run"),
    "rights": ("escape_rights", "run"),
}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--capbox", required=True)
    parser.add_argument("--modules", required=True)
    parser.add_argument("--keep", action="store_true",
                        help="keep the temporary directory")
    parser.add_argument("--print-actual", action="store_true",
                        help="print the output as an expected file holds it")
    parser.add_argument("scenario", choices=sorted(SCENARIOS))
    opts = parser.parse_args()
    opts.expected = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                 "expected")
    tmp = os.path.realpath(tempfile.mkdtemp(
        prefix=f"capbox-escape-{opts.scenario}-"))
    try:
        module, function = SCENARIOS[opts.scenario]
        run = getattr(importlib.import_module(module), function)
        problems = run(opts, tmp)
    finally:
        if opts.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    if problems:
        print(f"FAIL {opts.scenario}")
        for p in problems:
            print(p.rstrip("\n"))
        return 1
    print(f"ok {opts.scenario}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
