#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# What every example's test uses: the paths given to run_examples.py, the
# pass/fail count, a scratch working directory with copies of the sample
# trees at the paths the policies name, and capbox's denial line.
import os
import re
import shutil
import subprocess

CAPBOX = WASM_DIR = SOURCE = EXAMPLES = PRELOAD = ""


def configure(capbox, wasm_dir, source, preload):
    global CAPBOX, WASM_DIR, SOURCE, EXAMPLES, PRELOAD
    CAPBOX, WASM_DIR, SOURCE, PRELOAD = (
        os.path.abspath(a) for a in (capbox, wasm_dir, source, preload))
    EXAMPLES = os.path.join(SOURCE, "examples")


class Tests:
    def __init__(self, tmp):
        self.passed = 0
        self.failed = 0
        self.tmp = tmp
        config = os.path.join(tmp, "config")
        os.makedirs(config)
        # No policy of the user's or the machine's is looked up by name.
        self.env = dict(os.environ, XDG_CONFIG_HOME=config, HOME=tmp,
                        CAPBOX_PRELOAD=PRELOAD, LC_ALL="C")

    def result(self, name, problems, proc=None):
        if problems:
            self.failed += 1
            print(f"FAIL {name}")
            for p in problems:
                print(f"     {p}")
            if proc is not None:
                print(f"     stdout: {proc.stdout[:600]!r}")
                print(f"     stderr: {proc.stderr[:600]!r}")
        else:
            self.passed += 1
            print(f"ok   {name}")

    def check(self, name, ok, detail):
        self.result(name, [] if ok else [detail])

    def workdir(self, example, samples=()):
        """A fresh working directory with copies of `samples` (paths under
        examples/EXAMPLE/) at the same relative paths."""
        work = os.path.join(self.tmp, example)
        for sample in samples:
            rel = os.path.join("examples", example, sample)
            shutil.copytree(os.path.join(SOURCE, rel),
                            os.path.join(work, rel), symlinks=True)
        os.makedirs(work, exist_ok=True)
        return work

    def capbox(self, args, cwd, timeout=60):
        return subprocess.run([CAPBOX] + args, cwd=cwd, env=self.env,
                              capture_output=True, text=True,
                              timeout=timeout)

    def expect(self, name, args, cwd, status, stdout=None, stderr=None):
        proc = self.capbox(args, cwd)
        problems = []
        if proc.returncode != status:
            problems.append(f"status {proc.returncode}, expected {status}")
        if stdout is not None and proc.stdout != stdout:
            problems.append(f"stdout differs: expected {stdout!r}")
        if stderr is not None and proc.stderr != stderr:
            problems.append(f"stderr differs: expected {stderr!r}")
        self.result(name, problems, proc)
        return proc


def policy(example, name=None):
    return os.path.join(EXAMPLES, example, (name or example) + ".toml")


def wasm(example):
    return os.path.join(WASM_DIR, example + ".wasm")


def readme_shows(t, example, text):
    """The README's indented blocks hold `text` (each line indented by 4):
    what it documents is what the example prints."""
    with open(os.path.join(EXAMPLES, example, "README.md")) as f:
        readme = f.read()
    block = "".join("    " + line + "\n" if line else "\n"
                    for line in text.splitlines())
    t.check(f"{example}: README shows this output", block in readme,
            f"README.md lacks:\n{block}")


def denial(op, path, lacks, policy_file, where):
    return (f'capbox: denied {op} of "{path}": the grant lacks "{lacks}"; '
            f"add it at {policy_file}:{where}\n")


def line_of(path, pattern, nth=1):
    """LINE:COL of the value of the nth line matching `pattern`, as
    capbox's denials name it."""
    with open(path) as f:
        hits = [(i, line) for i, line in enumerate(f, 1)
                if re.match(pattern, line)]
    i, line = hits[nth - 1]
    return f"{i}:{line.index('=') + 3}"
