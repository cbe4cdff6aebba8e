#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# Runs one WASI test case (tests/wasi/cases/*.test) through `capbox run`:
# builds the case's fixtures in a fresh temporary directory, starts capbox
# with the case's flags and a 30 s timeout, reacts to the guest's output
# lines (writes to its stdin, a TCP client for -S tcplisten), then compares
# stdout, stderr, the exit status and files left behind. The case format is
# described in tests/wasi/README.md. Depends only on the Python standard
# library. Usage: run_wasi_test.py --capbox CAPBOX --modules DIR CASE
import argparse
import difflib
import os
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
import threading


class CaseError(Exception):
    pass


def unescape(text):
    return text.encode("utf-8").decode("unicode_escape").encode("latin-1")


class Case:
    """A parsed .test file: header directives, then '--- NAME' sections."""

    def __init__(self, path):
        self.name = os.path.splitext(os.path.basename(path))[0]
        self.module = self.name
        self.flags, self.args = [], []
        self.env = {}
        self.fixtures = []  # (kind, path, value)
        self.stdin = None  # bytes, or "pipe"
        self.triggers = []  # (line, action, value)
        self.exit = 0
        self.timeout = 30.0
        self.after = []  # (kind, path, value)
        self.tcp_received = None
        self.sections = {}
        self._parse(path)

    def _parse(self, path):
        section = None
        with open(path, encoding="utf-8") as f:
            for number, raw in enumerate(f, 1):
                line = raw.rstrip("\n")
                if line.startswith("--- "):
                    section = line[4:].strip()
                    self.sections[section] = []
                elif section is not None:
                    self.sections[section].append(line)
                elif line.strip() and not line.startswith("#"):
                    key, sep, value = line.partition(":")
                    if not sep:
                        raise CaseError(f"{path}:{number}: expected 'key: value'")
                    try:
                        self._directive(key.strip(), value.strip())
                    except (ValueError, KeyError) as e:
                        raise CaseError(f"{path}:{number}: {e}") from e

    def _directive(self, key, value):
        if key == "module":
            self.module = value
        elif key == "flags":
            self.flags += shlex.split(value)
        elif key == "args":
            self.args += shlex.split(value)
        elif key == "env":
            name, _, val = value.partition("=")
            self.env[name] = val
        elif key == "mkdir":
            self.fixtures.append(("mkdir", value, None))
        elif key in ("file", "expect-file"):
            path, _, content = (value + " ").partition(" = ")
            content = content[:-1]
            kind = "file" if key == "file" else "expect-file"
            target = self.fixtures if key == "file" else self.after
            target.append((kind, path.strip(), unescape(content)))
        elif key == "symlink":
            path, _, target = value.partition(" -> ")
            self.fixtures.append(("symlink", path.strip(), target.strip()))
        elif key == "expect-absent":
            self.after.append(("expect-absent", value, None))
        elif key == "stdin":
            self.stdin = "pipe" if value == "pipe" else unescape(value)
        elif key == "on-line":
            line, _, action = value.partition(" => ")
            verb, _, arg = action.strip().partition(" ")
            if verb not in ("write", "close", "tcp"):
                raise ValueError(f"unknown action {verb!r}")
            self.triggers.append((line.strip(), verb, unescape(arg)))
        elif key == "exit":
            self.exit = int(value)
        elif key == "timeout":
            self.timeout = float(value)
        elif key == "tcp-received":
            self.tcp_received = unescape(value)
        else:
            raise KeyError(f"unknown directive {key!r}")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_fixtures(case, tmp, subst):
    for kind, rel, value in case.fixtures:
        path = os.path.join(tmp, rel)
        if kind == "mkdir":
            os.makedirs(path, exist_ok=True)
        elif kind == "file":
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "wb") as f:
                f.write(value)
        elif kind == "symlink":
            os.makedirs(os.path.dirname(path), exist_ok=True)
            os.symlink(subst(value), path)


class TcpPeer(threading.Thread):
    """Connects to the guest's listener, sends, half-closes, reads to EOF."""

    def __init__(self, port, data):
        super().__init__(daemon=True)
        self.port, self.data = port, data
        self.received, self.error = b"", None

    def run(self):
        try:
            with socket.create_connection(("127.0.0.1", self.port), 10) as s:
                s.settimeout(20)
                s.sendall(self.data)
                s.shutdown(socket.SHUT_WR)
                while True:
                    chunk = s.recv(4096)
                    if not chunk:
                        break
                    self.received += chunk
        except OSError as e:
            self.error = e


def run_capbox(case, command, env, port):
    stdin = subprocess.DEVNULL
    if case.stdin is not None or any(v == "write" or v == "close"
                                     for _, v, _ in case.triggers):
        stdin = subprocess.PIPE
    proc = subprocess.Popen(command, stdin=stdin, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=env)
    timed_out = []

    def kill():
        timed_out.append(True)
        proc.kill()

    timer = threading.Timer(case.timeout, kill)
    timer.start()
    stderr = []
    reader = threading.Thread(target=lambda: stderr.append(proc.stderr.read()))
    reader.start()
    if isinstance(case.stdin, bytes):
        proc.stdin.write(case.stdin)
        proc.stdin.close()
    peers, stdout = [], b""
    try:
        for line in iter(proc.stdout.readline, b""):
            stdout += line
            text = line.decode("utf-8", "replace").rstrip("\n")
            for trigger, verb, arg in case.triggers:
                if text != trigger:
                    continue
                if verb == "write":
                    proc.stdin.write(arg)
                    proc.stdin.flush()
                elif verb == "close":
                    proc.stdin.close()
                else:
                    peers.append(TcpPeer(port, arg))
                    peers[-1].start()
    except BrokenPipeError:
        pass  # the guest exited before reading: the comparison tells
    status = proc.wait()
    timer.cancel()
    reader.join()
    for peer in peers:
        peer.join(10)
    if proc.stdin and not proc.stdin.closed:
        proc.stdin.close()
    return status, stdout, stderr[0], bool(timed_out), peers


def expected(case, name, subst):
    lines = case.sections.get(name)
    if lines is None:
        return None
    text = "".join(subst(line) + "\n" for line in lines)
    return text


def diff(label, want, got):
    lines = difflib.unified_diff(want.splitlines(True), got.splitlines(True),
                                 f"expected {label}", f"actual {label}")
    return "".join(lines)


def check(case, tmp, status, stdout, stderr, timed_out, peers, subst):
    problems = []
    if timed_out:
        problems.append(f"timed out after {case.timeout:g} s")
    if status != case.exit:
        problems.append(f"exit status {status}, expected {case.exit}")
    out = stdout.decode("utf-8", "replace")
    err = stderr.decode("utf-8", "replace")
    want_out = expected(case, "stdout", subst) or ""
    if out != want_out:
        problems.append(diff("stdout", want_out, out))
    want_err = expected(case, "stderr", subst)
    contains = expected(case, "stderr-contains", subst)
    if contains is not None:
        for line in contains.splitlines():
            if line not in err:
                problems.append(f"stderr lacks {line!r}:\n{err}")
    elif err != (want_err or ""):
        problems.append(diff("stderr", want_err or "", err))
    for kind, rel, value in case.after:
        path = os.path.join(tmp, rel)
        if kind == "expect-absent":
            if os.path.lexists(path):
                problems.append(f"{rel} exists, expected absent")
            continue
        try:
            with open(path, "rb") as f:
                got = f.read()
        except OSError as e:
            problems.append(f"{rel}: {e}")
            continue
        if got != value:
            problems.append(f"{rel} holds {got!r}, expected {value!r}")
    if case.tcp_received is not None:
        got = b"".join(p.received for p in peers)
        errors = [str(p.error) for p in peers if p.error]
        if not peers:
            problems.append("the TCP peer never connected (no trigger line)")
        if errors:
            problems.append("TCP peer: " + "; ".join(errors))
        if got != case.tcp_received:
            problems.append(f"TCP peer received {got!r}, "
                            f"expected {case.tcp_received!r}")
    return problems


def run_case(capbox, modules, case_path):
    """Runs one case file and reports on stdout; True when it passed.
    Raises CaseError for a malformed case file."""
    case = Case(case_path)
    tmp = tempfile.mkdtemp(prefix=f"capbox-wasi-{case.name}-")
    port = free_port()
    if case.module == "none":
        module = None
    elif "/" in case.module or case.module.startswith("{"):
        module = case.module.replace("{tmp}", tmp)
    else:
        module = os.path.join(modules, case.module + ".wasm")
    casedir = os.path.dirname(os.path.abspath(case_path))

    def subst(text):
        text = text.replace("{tmp}", tmp).replace("{port}", str(port))
        text = text.replace("{casedir}", casedir)
        return text.replace("{module}", module or "")

    results, problems = None, []
    try:
        make_fixtures(case, tmp, subst)
        command = [capbox, "run"] + [subst(f) for f in case.flags]
        if module:
            command.append(module)
        command += [subst(a) for a in case.args]
        env = {k: v for k, v in os.environ.items()
               if k in ("PATH", "ASAN_OPTIONS", "UBSAN_OPTIONS",
                        "LSAN_OPTIONS")}
        env.update({k: subst(v) for k, v in case.env.items()})
        print("$ " + " ".join(shlex.quote(c) for c in command))
        results = run_capbox(case, command, env, port)
        problems = check(case, tmp, *results, subst)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    status, stdout, stderr = results[:3]
    if problems:
        print(f"FAIL {case.name}")
        for p in problems:
            print(p.rstrip("\n"))
        print(f"--- stdout\n"
              f"{stdout.decode('utf-8', 'replace')}"
              f"--- stderr\n{stderr.decode('utf-8', 'replace')}")
        return False
    print(f"ok {case.name} (exit {status})")
    return True


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--capbox", required=True)
    parser.add_argument("--modules", required=True)
    parser.add_argument("case")
    opts = parser.parse_args()
    try:
        return 0 if run_case(opts.capbox, opts.modules, opts.case) else 1
    except CaseError as e:
        print(f"run_wasi_test: {e}")
        return 2


if __name__ == "__main__":
    sys.exit(main())
