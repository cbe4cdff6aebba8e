#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# Escapes from `capbox exec`, end to end: the real binary, the preload
# library in place, a granted directory beside a secret. Each attempt is
# made by tests/sandbox/exec_probe.c with raw system calls (libc and the
# preload library cannot hide the kernel's answer); the probe exits 0 only
# when the attempt was refused as promised. Afterwards nothing is left:
# no process, the secret unchanged, the supervisor (this test's child)
# alive until its program ended.
# Usage: exec_escape_test.py CAPBOX PRELOAD PROBE
import os
import socket
import subprocess
import sys
import tempfile
import time

CAPBOX, PRELOAD, PROBE = (os.path.abspath(a) for a in sys.argv[1:4])


class Tests:
    def __init__(self, env):
        self.passed = 0
        self.failed = 0
        self.env = env

    def result(self, name, problems, proc=None):
        if problems:
            self.failed += 1
            print(f"FAIL {name}")
            for p in problems:
                print(f"     {p}")
            if proc is not None:
                print(f"     stderr: {proc.stderr.decode(errors='replace')!r}")
        else:
            self.passed += 1
            print(f"ok   {name}")

    def refused(self, name, grant, mode, arg=None, extra=(), status=0,
                stdin=None):
        args = [CAPBOX, "exec", "--no-policy", "--dir", grant + "::/g",
                *extra, "--", PROBE, mode] + ([arg] if arg else [])
        start = time.monotonic()
        proc = subprocess.run(args, capture_output=True, env=self.env,
                              timeout=60, stdin=stdin)
        elapsed = time.monotonic() - start
        problems = []
        if proc.returncode != status:
            problems.append(f"status {proc.returncode}, expected {status}")
        self.result(f"{name} ({elapsed:.2f}s)", problems, proc)
        return proc


def live_children():
    """Processes whose parent is this test: a confined program that got
    out of its supervisor's tree would be re-parented here or to init."""
    me = str(os.getpid())
    found = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[1] == me:
            found.append(pid)
    return found


def main():
    with tempfile.TemporaryDirectory(prefix="capbox-escape-") as tmp:
        root = os.path.realpath(tmp)
        grant = os.path.join(root, "grant")
        os.makedirs(grant)
        secret = os.path.join(root, "secret.txt")
        with open(secret, "w") as f:
            f.write("secret\n")
        env = dict(os.environ, CAPBOX_PRELOAD=PRELOAD,
                   XDG_CONFIG_HOME=os.path.join(root, "config"),
                   HOME=os.path.join(root, "home"))
        t = Tests(env)
        t.refused("raw openat of /etc/passwd", grant, "open-refused",
                  "/etc/passwd")
        t.refused("raw openat of a file next to the grant", grant,
                  "open-refused", secret)
        t.refused("raw openat of the grant's own host path", grant,
                  "open-refused", grant)
        t.refused("execve of /bin/sh", grant, "exec-sh")
        # socket() itself is refused (mode "kernel"); a TCP socket the
        # program inherits cannot connect either (Landlock's TCP rules).
        with socket.socket() as server, socket.socket() as inherited:
            server.bind(("127.0.0.1", 0))
            server.listen(1)
            t.refused("connect to 127.0.0.1 from an inherited socket", grant,
                      "connect", str(server.getsockname()[1]),
                      stdin=inherited.fileno())
        t.refused("no capability in any set", grant, "caps")
        t.refused("setuid, setgid and set-id modes", grant, "setid")
        t.refused("ptrace, mount, chroot, unshare, io_uring, bpf, "
                  "open_by_handle_at", grant, "kernel")
        t.refused("kill of the supervisor, of init and of everyone", grant,
                  "signals", str(os.getpid()))
        before = time.monotonic()
        t.refused("a fork bomb is held at the processes limit", grant,
                  "fork-bomb", extra=["--limit", "processes=20",
                                      "--limit", "wall-time=20s"])
        t.result("the fork bomb ended well before the wall time",
                 [] if time.monotonic() - before < 15 else
                 [f"took {time.monotonic() - before:.1f}s"])
        t.result("no process is left behind",
                 [f"left: {live_children()}"] if live_children() else [])
        with open(secret) as f:
            t.result("the secret is unchanged",
                     [] if f.read() == "secret\n" else ["changed"])
        t.result("nothing appeared in the grant",
                 [] if not os.listdir(grant) else [str(os.listdir(grant))])
    print(f"{t.passed} passed, {t.failed} failed")
    return 1 if t.failed else 0


if __name__ == "__main__":
    sys.exit(main())
