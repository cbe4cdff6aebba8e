#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# End-to-end tests of `capbox exec`: a plain C program (fopen, fprintf,
# opendir, stat, rename, mkdir) and real Debian tools (cat, sort, wc,
# sha256sum, cp, tar -x, gzip/gunzip) run confined on files in granted
# directories with their outputs checked, and refused outside their grants
# or rights; the CLI's own errors and exit statuses. The kernel-level
# escapes (raw syscalls, exec, sockets, ptrace, signals, fork bombs) are
# in exec_escape_test.py.
# Usage: exec_cli_test.py CAPBOX PRELOAD FILEOPS
import gzip
import hashlib
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile

CAPBOX, PRELOAD, FILEOPS = (os.path.abspath(a) for a in sys.argv[1:4])


class Tests:
    def __init__(self, tmp):
        self.passed = 0
        self.failed = 0
        self.tmp = tmp
        config = os.path.join(tmp, "config")
        home = os.path.join(tmp, "home")
        os.makedirs(os.path.join(config, "capbox", "policies"))
        os.makedirs(home)
        self.policies = os.path.join(config, "capbox", "policies")
        self.env = dict(os.environ, XDG_CONFIG_HOME=config, HOME=home,
                        CAPBOX_PRELOAD=PRELOAD, LC_ALL="C")

    def run(self, args, cwd=None, stdin=None, timeout=60):
        return subprocess.run([CAPBOX, "exec"] + args, capture_output=True,
                              env=self.env, cwd=cwd, input=stdin,
                              timeout=timeout)

    def result(self, name, problems, proc=None):
        if problems:
            self.failed += 1
            print(f"FAIL {name}")
            for p in problems:
                print(f"     {p}")
            if proc is not None:
                print(f"     stdout: {proc.stdout[:400]!r}")
                print(f"     stderr: {proc.stderr.decode(errors='replace')!r}")
        else:
            self.passed += 1
            print(f"ok   {name}")

    def expect(self, name, args, status, stdout=None, stderr=None,
               stderr_has=None, cwd=None, stdin=None):
        """stdout (bytes) exactly when given; stderr (text) exactly, or
        stderr_has a substring of it."""
        proc = self.run(args, cwd=cwd, stdin=stdin)
        err = proc.stderr.decode(errors="replace")
        problems = []
        if proc.returncode != status:
            problems.append(f"status {proc.returncode}, expected {status}")
        if stdout is not None and proc.stdout != stdout:
            problems.append(f"stdout differs: expected {stdout[:300]!r}")
        if stderr is not None and err != stderr:
            problems.append(f"stderr differs: expected {stderr!r}")
        if stderr_has is not None and stderr_has not in err:
            problems.append(f"stderr lacks {stderr_has!r}")
        self.result(name, problems, proc)
        return proc


def make_tree(root):
    """data/ (read-only grant) with text, a tar and a blob; out/ (rw)."""
    data = os.path.join(root, "data")
    out = os.path.join(root, "out")
    os.makedirs(data)
    os.makedirs(out)
    lines = [f"line {(i * 7919) % 1000:04d} of the test\n" for i in range(500)]
    with open(os.path.join(data, "in.txt"), "w") as f:
        f.writelines(lines)
    blob = bytes((i * 31 + i // 7) & 255 for i in range(300_000))
    with open(os.path.join(data, "blob.bin"), "wb") as f:
        f.write(blob)
    src = os.path.join(root, "tarsrc")
    os.makedirs(os.path.join(src, "pkg", "sub"))
    with open(os.path.join(src, "pkg", "README"), "w") as f:
        f.write("packed\n")
    with open(os.path.join(src, "pkg", "sub", "data.bin"), "wb") as f:
        f.write(blob[:5000])
    os.symlink("README", os.path.join(src, "pkg", "link"))
    with tarfile.open(os.path.join(data, "pkg.tar"), "w") as tar:
        tar.add(os.path.join(src, "pkg"), arcname="pkg")
    with open(os.path.join(root, "secret.txt"), "w") as f:
        f.write("outside the grants\n")
    return data, out, lines, blob


def fileops(t, root, data, out):
    steps = ["write", "/w/a.txt", "first", "append", "/w/a.txt", "second",
             "read", "/w/a.txt", "mkdir", "/w/sub", "rename", "/w/a.txt",
             "/w/sub/b.txt", "stat", "/w/sub/b.txt", "list", "/w/sub",
             "stat", "/w/sub", "read", "/r/in.txt", "unlink", "/w/sub/b.txt",
             "rmdir", "/w/sub", "list", "/w"]
    proc = t.expect("fileops: fopen, fprintf, mkdir, rename, stat, opendir",
                    ["--no-policy", "--dir", out + "::/w",
                     "--dir", data + "::/r::ro", "--", FILEOPS] + steps, 0)
    lines = proc.stdout.decode().splitlines()
    want = ["ok write /w/a.txt", "ok append /w/a.txt",
            "ok read /w/a.txt: [first] [second]", "ok mkdir /w/sub",
            "ok rename /w/a.txt /w/sub/b.txt",
            "ok stat /w/sub/b.txt: file 13", "ok list /w/sub: b.txt",
            "ok stat /w/sub: dir 0"]
    t.result("fileops: each step's result", [] if lines[:8] == want else
             [f"got {lines[:8]}"])
    t.result("fileops: nothing left in the rw grant",
             [] if os.listdir(out) == [] else [f"left {os.listdir(out)}"])

    proc = t.expect("fileops: refused outside the grants and rights",
                    ["--no-policy", "--dir", data + "::/r::ro", "--",
                     FILEOPS, "write", "/r/new.txt", "x", "read",
                     os.path.join(root, "secret.txt"), "read", "/r/../x",
                     "mkdir", "/r/d", "unlink", "/r/in.txt", "read",
                     "/etc/passwd", "access", "/r/in.txt"], 3)
    got = proc.stdout.decode().splitlines()
    want = [
        "error write /r/new.txt: Permission denied",
        f"error read {root}/secret.txt: Permission denied",
        # Folded to /x, outside every grant: the kernel looks it up, and
        # Landlock only refuses what exists.
        "error read /r/../x: No such file or directory",
        "error mkdir /r/d: Permission denied",
        "error unlink /r/in.txt: Permission denied",
        "error read /etc/passwd: Permission denied",
        "error access /r/in.txt: Permission denied"]
    t.result("fileops: each refusal's errno", [] if got == want else
             [f"got {got}"])
    t.result("fileops: the read-only grant is unchanged",
             [] if sorted(os.listdir(data)) ==
             ["blob.bin", "in.txt", "pkg.tar"] else [str(os.listdir(data))])

    t.expect("fileops: relative paths from the working directory in a grant",
             ["--no-policy", "--dir", ".", "--", FILEOPS, "write", "rel.txt",
              "x", "read", "rel.txt", "unlink", "rel.txt"], 0,
             stdout=b"ok write rel.txt\nok read rel.txt: [x]\n"
             b"ok unlink rel.txt\n", cwd=out)
    t.expect("fileops: chdir inside a grant, then a relative open",
             ["--no-policy", "--dir", data + "::/r::ro", "--", FILEOPS,
              "chdir", "/r", "stat", "in.txt"], 0,
             stdout=f"ok chdir /r: /r\nok stat in.txt: file "
             f"{os.path.getsize(os.path.join(data, 'in.txt'))}\n".encode())


def symlinked_grant(t, root, data):
    link = os.path.join(root, "link-to-data")
    os.symlink(data, link)
    t.expect("--dir through a symlink is seen at the canonical path",
             ["--no-policy", "--dir", link, "--", "realpath",
              os.path.join(link, "in.txt")], 0,
             stdout=(os.path.join(data, "in.txt") + "\n").encode())
    os.unlink(link)


def debian_tools(t, root, data, out, lines, blob):
    ro = ["--no-policy", "--dir", data + "::/data::ro"]
    rw = ro + ["--dir", out + "::/out::rw"]
    text = "".join(lines).encode()
    t.expect("cat prints a granted file", ro + ["--", "cat", "/data/in.txt"],
             0, stdout=text)
    t.expect("wc counts the lines of a granted file",
             ro + ["--", "wc", "-l", "/data/in.txt"], 0,
             stdout=f"{len(lines)} /data/in.txt\n".encode())
    t.expect("wc counts its bytes", ro + ["--", "wc", "-c", "/data/in.txt"],
             0, stdout=f"{len(text)} /data/in.txt\n".encode())
    t.expect("sort writes its output into the rw grant",
             rw + ["--", "sort", "-o", "/out/sorted.txt", "/data/in.txt"], 0,
             stdout=b"")
    path = os.path.join(out, "sorted.txt")
    sorted_ok = os.path.exists(path) and \
        open(path, "rb").read() == "".join(sorted(lines)).encode()
    t.result("sort's output is sorted", [] if sorted_ok else ["differs"])
    digest = hashlib.sha256(blob).hexdigest()
    t.expect("sha256sum of a granted file",
             ro + ["--", "sha256sum", "/data/blob.bin"], 0,
             stdout=f"{digest}  /data/blob.bin\n".encode())
    t.expect("cp copies into the rw grant",
             rw + ["--", "cp", "/data/blob.bin", "/out/copy.bin"], 0)
    copied = os.path.join(out, "copy.bin")
    t.result("cp's copy is identical", [] if os.path.exists(copied) and
             open(copied, "rb").read() == blob else ["differs"])
    os.makedirs(os.path.join(out, "x"))
    t.expect("tar -x unpacks into the rw grant",
             rw + ["--", "tar", "-x", "--no-same-owner", "-f",
                   "/data/pkg.tar", "-C", "/out/x"], 0)
    base = os.path.join(out, "x", "pkg")
    problems = []
    if not os.path.isfile(os.path.join(base, "README")) or \
            open(os.path.join(base, "README")).read() != "packed\n":
        problems.append("README missing or wrong")
    if not os.path.isfile(os.path.join(base, "sub", "data.bin")) or \
            open(os.path.join(base, "sub", "data.bin"), "rb").read() != \
            blob[:5000]:
        problems.append("sub/data.bin missing or wrong")
    if os.readlink(os.path.join(base, "link")) != "README" \
            if os.path.islink(os.path.join(base, "link")) else True:
        problems.append("link is not the symlink to README")
    t.result("tar -x's tree is complete", problems)
    shutil.copy(os.path.join(data, "blob.bin"), os.path.join(out, "z.bin"))
    t.expect("gzip compresses in the rw grant",
             rw + ["--", "gzip", "-9", "/out/z.bin"], 0)
    gz = os.path.join(out, "z.bin.gz")
    t.result("gzip's output is a gzip of the input",
             [] if os.path.exists(gz) and not
             os.path.exists(os.path.join(out, "z.bin")) and
             gzip.decompress(open(gz, "rb").read()) == blob else ["differs"])
    # Debian's gunzip is a shell script that runs gzip: call gzip -d.
    t.expect("gzip -d restores it", rw + ["--", "gzip", "-d",
                                          "/out/z.bin.gz"], 0)
    z = os.path.join(out, "z.bin")
    t.result("the round trip is exact",
             [] if os.path.exists(z) and open(z, "rb").read() == blob
             else ["differs"])
    t.expect("cat reads stdin", ["--no-policy", "--", "cat"], 0,
             stdout=b"piped\n", stdin=b"piped\n")

    secret = os.path.join(root, "secret.txt")
    t.expect("cat outside the grants is refused", ro + ["--", "cat", secret],
             1, stdout=b"",
             stderr=f"cat: {secret}: Permission denied\n")
    t.expect("cat of /etc/passwd is refused", ro + ["--", "cat",
                                                   "/etc/passwd"], 1,
             stdout=b"", stderr="cat: /etc/passwd: Permission denied\n")
    t.expect("cp into a read-only grant is refused",
             ro + ["--", "cp", "/data/in.txt", "/data/copy.txt"], 1,
             stderr_has="Permission denied")
    t.result("the read-only grant is unchanged",
             [] if not os.path.exists(os.path.join(data, "copy.txt"))
             else ["copy.txt appeared"])
    t.expect("tar -x into a read-only grant is refused",
             ro + ["--", "tar", "-x", "--no-same-owner", "-f",
                   "/data/pkg.tar", "-C", "/data"], 2,
             stderr_has="Cannot mkdir: Permission denied")


def cli_errors(t, root, data):
    t.expect("a missing program is 127", ["--no-policy", "--",
                                          "no-such-program-xyz"], 127,
             stderr="capbox: error: program not found: no-such-program-xyz "
             "(not in PATH)\n   = help: give its path, e.g. "
             "./no-such-program-xyz, or add its directory to PATH\n")
    t.expect("a directory is 126", ["--no-policy", "--", data], 126,
             stderr=f"capbox: error: cannot run {data}: is a directory\n")
    plain = os.path.join(data, "in.txt")
    t.expect("a file without x is 126", ["--no-policy", "--", plain], 126,
             stderr_has="not an executable file")
    t.expect("fuel is refused for a native program",
             ["--limit", "fuel=10", "--", "true"], 125,
             stderr="capbox: error: --limit fuel=10: fuel counts wasm "
             "instructions; a native program is held by --limit "
             "cpu-time=DURATION\n")
    gunzip = shutil.which("gunzip")
    t.expect("a script is refused with what to run instead",
             ["--no-policy", "--", "gunzip", "-h"], 126,
             stderr="capbox: error: cannot run gunzip: it is a script "
             "(#!/bin/sh), and capbox exec lets only the named program run\n"
             "   = help: run the command it stands for, or its interpreter "
             f"on it: capbox exec [OPTIONS] -- /bin/sh {gunzip}\n")
    t.expect("no program is a usage error", ["--no-policy"], 125,
             stderr="capbox: error: no program given; usage: capbox exec "
             "[OPTIONS] [--] PROGRAM [ARGS...]\n")
    t.expect("the program's exit status passes through",
             ["--no-policy", "--", "sh", "-c", "exit 7"], 7)
    t.expect("a signal gives 128+N",
             ["--no-policy", "--", "sh", "-c", "kill -SEGV $$"], 139,
             stderr_has="was stopped")
    t.expect("the wall-time limit stops the program (SIGKILL: 137)",
             ["--no-policy", "--limit", "wall-time=300ms", "--", "sleep",
              "5"], 137,
             stderr="capbox: error: sleep was stopped: wall-time limit of "
             "300ms (from --limit wall-time=300ms) exceeded\n   = help: give "
             "a larger value to --limit wall-time=300ms\n")
    policy = os.path.join(t.policies, "wc.toml")
    with open(policy, "w") as f:
        f.write(f'version = 1\n[[fs.dir]]\nhost = "{data}"\nguest = "/d"\n'
                f'rights = ["read"]\n')
    t.expect("the policy named after the program is found",
             ["--", "wc", "-l", "/d/in.txt"], 0, stdout=b"500 /d/in.txt\n")
    os.unlink(policy)
    wc = os.path.realpath(shutil.which("wc"))
    digest = hashlib.sha256(open(wc, "rb").read()).hexdigest()
    with open(policy, "w") as f:
        f.write(f'version = 1\n[program]\nsha256 = "{digest}"\n')
    t.expect("a program matching the policy's sha256 pin runs",
             ["--", "wc", "-c"], 0, stdin=b"abc", stdout=b"3\n")
    with open(policy, "w") as f:
        f.write(f'version = 1\n[program]\nsha256 = "{"0" * 64}"\n')
    t.expect("a program not matching the pin is refused (126)",
             ["--", "wc", "-c"], 126,
             stderr=f"capbox: error: wc is not the program the policy pins: "
             f"its sha256 is {digest}, the policy says {'0' * 64}\n"
             f"  --> {policy}:3:10\n   = help: if this build is trusted, "
             f'set sha256 = "{digest}" in [program]\n')
    with open(policy, "w") as f:
        f.write('version = 1\n[limits]\nfuel = 1000\n')
    t.expect("a wasm-only limit in the policy is refused",
             ["--", "wc", "-l"], 125,
             stderr=f"capbox: error: limits.fuel ({policy}:3:8) applies to "
             "wasm modules; capbox exec cannot enforce it on a native "
             "program\n   = help: use limits.cpu_time for a native program\n")
    os.unlink(policy)


def main():
    with tempfile.TemporaryDirectory(prefix="capbox-exec-") as tmp:
        root = os.path.realpath(tmp)
        t = Tests(root)
        data, out, lines, blob = make_tree(os.path.join(root, "tree"))
        fileops(t, os.path.join(root, "tree"), data, out)
        for name in os.listdir(out):
            shutil.rmtree(os.path.join(out, name), ignore_errors=True)
            if os.path.exists(os.path.join(out, name)):
                os.unlink(os.path.join(out, name))
        symlinked_grant(t, root, data)
        debian_tools(t, os.path.join(root, "tree"), data, out, lines, blob)
        cli_errors(t, root, data)
    print(f"{t.passed} passed, {t.failed} failed")
    return 1 if t.failed else 0


if __name__ == "__main__":
    sys.exit(main())
