#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# capbox colours its own messages only on a terminal, never with NO_COLOR
# (unless --color=always), and never the guest's output. Runs capbox on a
# pseudo-terminal so that "auto" has something to detect.
# Usage: color_test.py CAPBOX
import os
import pty
import subprocess
import sys

CAPBOX = sys.argv[1]
ESC = b"\033["
failures = 0


def check(name, ok, detail=""):
    global failures
    print(("ok   " if ok else "FAIL ") + name + ("" if ok else ": " + detail))
    if not ok:
        failures += 1


def on_pty(args, env_extra):
    """Runs capbox with stderr (and stdout) on a pty; returns (status, bytes)."""
    env = dict(os.environ, TERM="xterm")
    env.pop("NO_COLOR", None)
    env.update(env_extra)
    leader, follower = pty.openpty()
    proc = subprocess.Popen([CAPBOX, *args], stdin=subprocess.DEVNULL,
                            stdout=follower, stderr=follower, env=env)
    os.close(follower)
    out = b""
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # EIO: the other side closed
            break
        if not chunk:
            break
        out += chunk
    os.close(leader)
    return proc.wait(timeout=30), out


def piped(args, env_extra):
    env = dict(os.environ, TERM="xterm")
    env.pop("NO_COLOR", None)
    env.update(env_extra)
    p = subprocess.run([CAPBOX, *args], capture_output=True, env=env,
                       timeout=30)
    return p.returncode, p.stderr


missing = ["run", "--no-policy", "/nonexistent/x.wasm"]
headline = b"module not found: /nonexistent/x.wasm"

status, out = on_pty(missing, {})
check("auto on a terminal: coloured error", ESC + b"1;31merror:" in out and
      headline in out and status == 127, repr(out))

status, out = on_pty(missing, {"NO_COLOR": "1"})
check("NO_COLOR on a terminal: plain", ESC not in out and
      b"capbox: error: " + headline in out, repr(out))

status, out = on_pty(missing, {"NO_COLOR": ""})
check("empty NO_COLOR does not count", ESC in out, repr(out))

status, out = on_pty(missing, {"TERM": "dumb"})
check("TERM=dumb: plain", ESC not in out, repr(out))

status, out = on_pty(["--color=never", *missing], {})
check("--color=never on a terminal: plain", ESC not in out and status == 127,
      repr(out))

status, err = piped(missing, {})
check("auto into a pipe: plain", ESC not in err and
      err.startswith(b"capbox: error: "), repr(err))

status, err = piped(["--color=always", *missing], {"NO_COLOR": "1"})
check("--color=always beats NO_COLOR", err.startswith(
    b"\033[1mcapbox:\033[0m \033[1;31merror:\033[0m " + headline), repr(err))

status, err = piped(["--color=sometimes", *missing], {})
check("a bad --color value is a usage error",
      status == 125 and err == b"capbox: error: --color takes auto, always "
      b"or never, not 'sometimes'\n", repr((status, err)))

status, err = piped(["--colour=never", *missing], {})
check("a misspelt global option gets the nearest one",
      status == 125 and b"did you mean '--color'?" in err, repr(err))

print(f"{failures} failure(s)")
sys.exit(1 if failures else 0)
