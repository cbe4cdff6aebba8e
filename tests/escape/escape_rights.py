# SPDX-License-Identifier: Apache-2.0
# The rights scenario: two read-only grants, ro/ as /ro (::ro) and rd/ as
# /rd (::read), each with file.txt, sub/inner.txt and an empty directory;
# programs/rights.c tries every way to change them. The output must match
# expected/rights.txt and both trees must be exactly as before: content,
# mode, link count and mtime of every entry, the grant roots included.
# Depends on escape_lib and the Python standard library.
import os

from escape_lib import fixed_run


def run(opts, tmp):
    for root in ("ro", "rd"):
        os.makedirs(os.path.join(tmp, root, "sub"))
        os.makedirs(os.path.join(tmp, root, "emptydir"))
        with open(os.path.join(tmp, root, "file.txt"), "wb") as f:
            f.write(b"data")
        with open(os.path.join(tmp, root, "sub", "inner.txt"), "wb") as f:
            f.write(b"inner")
    flags = ["--dir", os.path.join(tmp, "ro") + "::/ro::ro",
             "--dir", os.path.join(tmp, "rd") + "::/rd::read"]
    return fixed_run(opts, tmp, "rights", "rights", flags,
                     protected=["ro", "rd"])
