# SPDX-License-Identifier: Apache-2.0
# Shared by the escape suite's driver: run `capbox run` on a module with a
# timeout, snapshot a host tree (every entry, contents, link targets, and
# optionally mtimes) and report differences. Knows nothing of the
# scenarios. Depends only on the Python standard library.
import difflib
import os
import re
import shlex
import subprocess


def run_capbox(capbox, module, flags, args=(), stdin=b"", timeout=30):
    """Runs capbox; gives (status, stdout text, stderr text, timed out)."""
    command = [capbox, "run"] + list(flags) + [module] + list(args)
    print("$ " + " ".join(shlex.quote(c) for c in command))
    env = {k: v for k, v in os.environ.items()
           if k in ("PATH", "ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS")}
    try:
        proc = subprocess.run(command, input=stdin, capture_output=True,
                              env=env, timeout=timeout)
    except subprocess.TimeoutExpired as e:
        return (None, (e.stdout or b"").decode("utf-8", "replace"),
                (e.stderr or b"").decode("utf-8", "replace"), True)
    return (proc.returncode, proc.stdout.decode("utf-8", "replace"),
            proc.stderr.decode("utf-8", "replace"), False)


def snapshot(root, meta=False):
    """Every entry beneath root (root itself excluded), never following a
    symlink: relative path -> ("dir",) | ("file", bytes) | ("link", target),
    with the mode, link count and mtime in nanoseconds appended when
    `meta` (root's own appear under ".")."""
    entries = {}
    if meta:
        st = os.lstat(root)
        entries["."] = ("root", st.st_mode, st.st_nlink, st.st_mtime_ns)
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            path = os.path.join(dirpath, name)
            rel = os.path.relpath(path, root)
            st = os.lstat(path)
            if os.path.islink(path):
                entry = ("link", os.readlink(path))
            elif os.path.isdir(path):
                entry = ("dir",)
            else:
                with open(path, "rb") as f:
                    entry = ("file", f.read())
            if meta:
                entry += (st.st_mode, st.st_nlink, st.st_mtime_ns)
            entries[rel] = entry
    return entries


def tree_problems(want, got):
    """Lines describing how the tree `got` differs from `want`."""
    problems = []
    for rel in sorted(set(want) | set(got)):
        if rel not in got:
            problems.append(f"host tree: {rel} missing, expected {want[rel]}")
        elif rel not in want:
            problems.append(f"host tree: {rel} appeared: {got[rel]}")
        elif want[rel] != got[rel]:
            problems.append(f"host tree: {rel} is {got[rel]}, "
                            f"expected {want[rel]}")
    return problems


def text_problem(label, want, got):
    """A unified diff when the texts differ, else None."""
    if want == got:
        return None
    lines = difflib.unified_diff(want.splitlines(True), got.splitlines(True),
                                 f"expected {label}", f"actual {label}")
    return "".join(lines)


def move_entries(tree, src, dst):
    """Applies rename(src, dst) to a snapshot: the entry and, for a
    directory, everything beneath it."""
    moved = {}
    for rel in list(tree):
        if rel == src or rel.startswith(src + "/"):
            moved[dst + rel[len(src):]] = tree.pop(rel)
    tree.update(moved)


def tree_lines(tree):
    """A snapshot (without meta) as sorted text lines."""
    lines = []
    for rel, entry in sorted(tree.items()):
        if entry[0] == "dir":
            lines.append(f"dir {rel}")
        elif entry[0] == "link":
            lines.append(f"link {rel} -> {entry[1]}")
        else:
            text = entry[1].decode("latin-1").encode("unicode_escape")
            lines.append(f"file {rel} = {text.decode('ascii')}")
    return lines


def read_expected(path, tmp):
    """The '--- NAME' sections of an expected file, {tmp} substituted."""
    sections, name = {}, None
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if line.startswith("--- "):
                name = line[4:].strip()
                sections[name] = []
            elif name is not None:
                sections[name].append(line.replace("{tmp}", tmp))
    return sections


def line_matches(want, got):
    """`want` may hold one "{A|B|...}": the line matches with any of them
    (an answer that depends on the host, e.g. EACCES from a ptrace check
    before procfs says ELOOP)."""
    match = re.search(r"\{([A-Z|]+)\}", want)
    if not match:
        return want == got
    return any(want[:match.start()] + alt + want[match.end():] == got
               for alt in match.group(1).split("|"))


DENIAL = re.compile(r'^capbox: denied [a-z_0-9]+ of ".*": the grant lacks '
                    r'"[a-z,]+"; add it at .+$')


def unexpected_stderr(err):
    """stderr without capbox's denial reports (one line per refused rule,
    naming the grant to widen: expected whenever rights refuse a call)."""
    return "".join(line + "\n" for line in err.splitlines()
                   if not DENIAL.match(line))


def fixed_run(opts, tmp, name, module, flags, args=(), protected=()):
    """Runs `module` and checks it against expected/NAME.txt: stdout line
    by line and the whole tree under `tmp` afterwards; every directory in
    `protected` must keep every entry's content, mode, link count and mtime.
    With opts.print_actual, prints what to put in the expected file."""
    before = {p: snapshot(os.path.join(tmp, p), meta=True) for p in protected}
    status, out, err, timed_out = run_capbox(
        opts.capbox, os.path.join(opts.modules, module + ".wasm"), flags,
        args)
    tree = tree_lines(snapshot(tmp))
    if opts.print_actual:
        print(("--- stdout\n" + out + "--- tree\n" + "\n".join(tree))
              .replace(tmp, "{tmp}"))
    problems = []
    if timed_out or status != 0:
        problems.append(f"exit status {status} (timed out: {timed_out})")
    if unexpected_stderr(err):
        problems.append("stderr: " + unexpected_stderr(err))
    want = read_expected(os.path.join(opts.expected, name + ".txt"), tmp)
    got_lines = out.splitlines()
    want_lines = want.get("stdout", [])
    if len(got_lines) != len(want_lines) or not all(
            line_matches(w, g) for w, g in zip(want_lines, got_lines)):
        problems.append(text_problem("stdout", "\n".join(want_lines) + "\n",
                                     out) or "stdout differs")
    diff = text_problem("tree", "\n".join(want.get("tree", [])) + "\n",
                        "\n".join(tree) + "\n")
    if diff:
        problems.append(diff)
    for p in protected:
        problems += [f"{p}: {line}" for line in tree_problems(
            before[p], snapshot(os.path.join(tmp, p), meta=True))]
    return problems
