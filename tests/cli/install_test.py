#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# `meson install` into a scratch DESTDIR puts everything in place: the
# capbox binary, libcapbox-preopen and its header, the preload library,
# the man pages and the shipped base policies; and every shipped policy
# passes `capbox policy check` and works as a base through `extends`.
# Usage: install_test.py BUILD_DIR CAPBOX SOURCE_DIR
import os
import subprocess
import sys
import tempfile

BUILD, CAPBOX, SOURCE = sys.argv[1:4]
failures = 0


def check(name, ok, detail=""):
    global failures
    print(("ok   " if ok else "FAIL ") + name + ("" if ok else ": " + detail))
    failures += 0 if ok else 1


def meson_option(name):
    out = subprocess.run(["meson", "introspect", "--buildoptions", BUILD],
                         capture_output=True, text=True, check=True).stdout
    import json
    for option in json.loads(out):
        if option["name"] == name:
            return option["value"]
    raise SystemExit(f"no meson option {name}")


shipped = sorted(os.listdir(os.path.join(SOURCE, "policy/shipped/capbox")))
check("there are shipped policies", len(shipped) >= 3, repr(shipped))

with tempfile.TemporaryDirectory() as dest:
    run = subprocess.run(["meson", "install", "-C", BUILD, "--destdir", dest,
                          "--no-rebuild", "--quiet"],
                         capture_output=True, text=True)
    check("meson install succeeds", run.returncode == 0, run.stderr[-2000:])
    prefix = dest + meson_option("prefix")
    libdir = os.path.join(prefix, meson_option("libdir"))
    datadir = os.path.join(prefix, meson_option("datadir"))
    mandir = os.path.join(prefix, meson_option("mandir"))
    includedir = os.path.join(prefix, meson_option("includedir"))
    expected = [
        os.path.join(prefix, meson_option("bindir"), "capbox"),
        os.path.join(libdir, "capbox", "libcapbox-preload.so"),
        os.path.join(mandir, "man1", "capbox.1"),
        os.path.join(mandir, "man1", "capbox-exec.1"),
        os.path.join(mandir, "man5", "capbox-policy.5"),
        os.path.join(mandir, "man3", "libcapbox-preopen.3"),
        os.path.join(mandir, "man7", "capbox.7"),
    ] + [os.path.join(datadir, "capbox", "policies", "capbox", name)
         for name in shipped]
    for path in expected:
        check("installed " + os.path.relpath(path, dest), os.path.isfile(path))
    libs = [n for n in os.listdir(libdir) if n.startswith("libcapbox-preopen")]
    check("installed libcapbox-preopen", bool(libs), repr(os.listdir(libdir)))
    headers = []
    for root, _, names in os.walk(includedir):
        headers += [n for n in names if "preopen" in n]
    check("installed the preopen header", bool(headers))
    binary = expected[0]
    check("the installed capbox is executable", os.access(binary, os.X_OK))

policies = [os.path.join(SOURCE, "policy/shipped/capbox", n) for n in shipped]
run = subprocess.run([CAPBOX, "policy", "check", *policies],
                     capture_output=True, text=True)
check("every shipped policy passes policy check", run.returncode == 0,
      run.stdout + run.stderr)

with tempfile.TemporaryDirectory() as work:
    for name in shipped:
        base = name.removesuffix(".toml")
        child = os.path.join(work, "child.toml")
        with open(child, "w") as f:
            f.write(f'version = 1\nextends = ["capbox/{base}"]\n'
                    '[limits]\nopen_files = 7\n')
        run = subprocess.run([CAPBOX, "policy", "show", child],
                             capture_output=True, text=True)
        check(f"extends capbox/{base} finds the shipped base",
              run.returncode == 0 and f"capbox/{name}" in run.stdout and
              "open_files = 7" in run.stdout, run.stdout + run.stderr)
    with open(os.path.join(work, "bad.toml"), "w") as f:
        f.write('version = 1\nextends = ["capbox/no-such-base"]\n')
    run = subprocess.run([CAPBOX, "policy", "check",
                          os.path.join(work, "bad.toml")],
                         capture_output=True, text=True)
    check("an unknown capbox/ base is an error naming the extends line",
          run.returncode != 0 and "no policy named 'capbox/no-such-base'"
          in run.stderr and "bad.toml:2:" in run.stderr, run.stderr)

print(f"{failures} failure(s)")
sys.exit(1 if failures else 0)
