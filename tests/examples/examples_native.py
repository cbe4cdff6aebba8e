#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# nativewc: Debian's /usr/bin/wc, unchanged, under `capbox exec --policy
# examples/nativewc/wc.toml`: its counts against the same wc run outside
# the sandbox, and /etc/passwd refused.
import os
import subprocess

from examples_common import policy, readme_shows


def nativewc(t):
    work = t.workdir("nativewc", ["sample"])
    sample = os.path.join(work, "examples", "nativewc", "sample")
    files = ["poem.txt", "list.txt"]
    native = subprocess.run(["wc"] + files, cwd=sample, capture_output=True,
                            text=True, env=t.env, check=True).stdout
    for name in files:
        native = native.replace(f" {name}\n", f" /data/{name}\n")
    args = ["exec", "--policy", policy("nativewc", "wc"), "--", "wc"]
    t.expect("nativewc: wc's counts inside equal wc's outside",
             args + ["/data/" + name for name in files], work, 0,
             stdout=native, stderr="")
    readme_shows(t, "nativewc", native)
    refusal = "wc: /etc/passwd: Permission denied\n"
    t.expect("nativewc: /etc/passwd is refused", args + ["/etc/passwd"],
             work, 1, stdout="", stderr=refusal)
    readme_shows(t, "nativewc", refusal)
