#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# Runs every example of examples/ as its README does: under its own policy
# (`capbox run --policy examples/NAME/NAME.toml`, `capbox exec --policy
# examples/nativewc/wc.toml`), from a scratch directory holding copies of
# the sample trees at the paths the policies name (their host paths are
# relative to capbox's working directory). Checks exact outputs, the files
# written, the documented refusals with their denial lines, and for httpd
# real HTTP exchanges through Python's http.client, with timeouts so a hung
# server fails instead of hanging CI. Ends with "N passed, M failed".
# Usage: run_examples.py CAPBOX WASM_DIR SOURCE_ROOT PRELOAD
import os
import sys
import tempfile

import examples_common as common
from examples_httpd import httpd
from examples_native import nativewc
from examples_wasm import convert, logwriter, treewalk, wordcount


def main():
    common.configure(*sys.argv[1:5])
    with tempfile.TemporaryDirectory(prefix="capbox-examples-") as tmp:
        t = common.Tests(os.path.realpath(tmp))
        for example in (treewalk, logwriter, wordcount, convert, httpd,
                        nativewc):
            try:
                example(t)
            except Exception as e:  # one broken example must not hide others
                t.result(f"{example.__name__}: ran to the end",
                         [f"{type(e).__name__}: {e}"])
    print(f"{t.passed} passed, {t.failed} failed")
    return 1 if t.failed else 0


if __name__ == "__main__":
    sys.exit(main())
