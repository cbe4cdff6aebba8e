#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# Checks that every long option the capbox binary's --help texts print
# (capbox, run, exec, policy) appears in the built capbox(1) page, so the
# page cannot fall behind the CLI. Usage: check_options.py CAPBOX PAGE.1
# Depends on the built binary and page only.
import re
import subprocess
import sys

HELPS = [["--help"], ["run", "--help"], ["exec", "--help"],
         ["policy", "--help"], ["inspect", "--help"]]
OPTION = re.compile(r"(?<![\w-])--[a-z][a-z0-9-]*")


def help_options(capbox):
    found = {}
    for args in HELPS:
        out = subprocess.run([capbox, *args], capture_output=True,
                             text=True, check=False)
        text = out.stdout + out.stderr
        if out.returncode != 0 or not text.strip():
            sys.exit(f"'capbox {' '.join(args)}' failed "
                     f"(status {out.returncode})")
        for option in OPTION.findall(text):
            found.setdefault(option, " ".join(args[:-1]) or "capbox")
    return found


def page_text(path):
    with open(path, encoding="utf-8") as page:
        roff = page.read()
    # Undo the escapes scdoc writes: fonts, zero-width marks, hyphens.
    roff = re.sub(r"\\f[BIRP]", "", roff)
    return roff.replace("\\&", "").replace("\\-", "-")


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: check_options.py CAPBOX PAGE.1")
    options = help_options(sys.argv[1])
    if len(options) < 10:
        sys.exit(f"only {len(options)} options found in --help: "
                 f"the help format changed?")
    text = page_text(sys.argv[2])
    missing = [f"{option} (from '{where} --help')"
               for option, where in sorted(options.items())
               if not re.search(re.escape(option) + r"(?![\w-])", text)]
    if missing:
        sys.exit("capbox(1) lacks: " + ", ".join(missing))
    print(f"all {len(options)} long options are in capbox(1): "
          + " ".join(sorted(options)))


if __name__ == "__main__":
    main()
