#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# Every message the capbox command can print on stderr, produced on purpose:
# runs each entry of messages/catalogue.py (argv, files, env, stdin) and
# compares the whole of stderr and the exit status exactly. Then the
# completeness check: every message fragment in the sources (see SCANNED and
# message_fragments below) must appear in some entry's expected stderr, or
# be a commented exception (catalogue.EXCEPTIONS). A result a subcommand
# writes on stdout (policy explain's patch) counts when an entry checks that
# stdout exactly too. A new message without an entry fails this test.
# Usage: messages_test.py CAPBOX WAT2WASM CLANG SOURCE_ROOT
#        messages_test.py --scan SOURCE_ROOT  (the completeness check alone)
#        messages_test.py ... --record ID...  (print what the entries produce)
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "messages"))
import catalogue  # noqa: E402

# The files whose literals reach capbox's stderr, and in each the functions
# that are left out because they write help or results to stdout (their
# text is checked by man-capbox.1-options and the subcommands' own tests).
# "only" keeps a file's other functions out: broker_host.cc's protocol
# checks answer a misbehaving child, which the CLI cannot produce.
SCANNED = {
    "src/cli/*.cc": {"skip": ["print_help", "print_version", "print_run_help",
                              "print_exec_help", "print_policy_help",
                              "print_inspect_help", "make_options",
                              "print_text", "print_entries", "compiler",
                              "kGroupSections", "limits_text", "add_import",
                              "kind_text", "format_value",
                              "print_learn_help", "print_explain_help"]},
    "policy/*.cc": {"skip": []},
    "wasi/grant_rights.cc": {"skip": []},
    "wasi/context.cc": {"skip": []},
    "src/sandbox/broker_host.cc": {"only": ["describe_denial",
                                                  "BrokerHost::create",
                                                  "open_failure"]},
}
# Files that only style or compute, or write results rather than messages:
# policy show's TOML, policy learn's TOML and table, policy explain's diff
# (learn-cli and explain-cli compare those outputs exactly).
NOT_SCANNED = {"src/cli/diagnostics.cc", "src/cli/suggest.cc",
               "policy/show.cc", "src/cli/policy_learn_text.cc",
               "src/cli/policy_patch.cc"}


# ---------------------------------------------------------------------------
# Reading string literals out of C++.

ESCAPES = {"n": "\n", "t": "\t", '"': '"', "\\": "\\", "'": "'", "0": "\0"}


def scan_cpp(text):
    """Returns (blanked, literals): the text with comments and literals
    replaced by spaces (newlines kept), and [line, value, start, end] for
    each string literal, adjacent literals joined as the compiler joins
    them."""
    blank = list(text)
    literals = []
    i, n = 0, len(text)

    def wipe(a, b):
        for k in range(a, b):
            if blank[k] != "\n":
                blank[k] = " "

    while i < n:
        if text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            wipe(i, j)
            i = j
        elif text.startswith("/*", i):
            j = text.find("*/", i) + 2
            wipe(i, j)
            i = j
        elif text[i] == "'" and not (i > 0 and text[i - 1].isalnum()):
            j = i + 1
            while text[j] != "'":
                j += 2 if text[j] == "\\" else 1
            wipe(i, j + 1)
            i = j + 1
        elif text[i] == '"':
            if text.startswith('R"', i - 1):
                j = text.find(')"', i) + 2
                value = text[text.find("(", i) + 1:j - 2]
            else:
                value, j = "", i + 1
                while text[j] != '"':
                    if text[j] == "\\":
                        value += ESCAPES.get(text[j + 1], "\\" + text[j + 1])
                        j += 2
                    else:
                        value += text[j]
                        j += 1
                j += 1
            line = text.count("\n", 0, i) + 1
            between = "".join(blank[literals[-1][3]:i]) if literals else "x"
            if literals and between.strip() == "":
                literals[-1][1] += value
                literals[-1][3] = j
            else:
                literals.append([line, value, i, j])
            wipe(i, j)
            i = j
        else:
            i += 1
    return "".join(blank), literals


def function_bodies(blanked, name):
    """(start, end) of each definition of function `name` in the text."""
    bodies = []
    for m in re.finditer(r"\b" + re.escape(name) + r"\s*\(", blanked):
        depth, k = 0, m.end() - 1
        while k < len(blanked):
            depth += {"(": 1, ")": -1}.get(blanked[k], 0)
            k += 1
            if depth == 0:
                break
        rest = re.match(r"[\s\w:<>,&*]*(->[^{;]*)?\{", blanked[k:])
        if not rest or ";" in rest.group(0):
            continue  # a call or a declaration
        start = k + rest.end() - 1
        depth, k = 0, start
        while k < len(blanked):
            depth += {"{": 1, "}": -1}.get(blanked[k], 0)
            k += 1
            if depth == 0:
                break
        bodies.append((start, k))
    for m in re.finditer(r"\b" + re.escape(name) + r"\s*(\[\w*\])?\s*=\s*\{",
                         blanked):
        depth, k = 0, m.end() - 1
        while k < len(blanked):
            depth += {"{": 1, "}": -1}.get(blanked[k], 0)
            k += 1
            if depth == 0:
                break
        bodies.append((m.end() - 1, k))
    return bodies


def is_message_text(value):
    """Message text has words: a letter and a space. Lone punctuation
    ("': "), file names and keys ("fuel") are glue or data, not wording."""
    return re.search(r"[A-Za-z]", value) and " " in value.strip()


def message_fragments(root):
    """[(file:line, text)] of every message literal in the scanned files."""
    import glob
    found = []
    for pattern, rule in SCANNED.items():
        for path in sorted(glob.glob(os.path.join(root, pattern))):
            rel = os.path.relpath(path, root)
            if rel in NOT_SCANNED:
                continue
            with open(path) as f:
                blanked, literals = scan_cpp(f.read())
            skip = [r for name in rule.get("skip", [])
                    for r in function_bodies(blanked, name)]
            only = [r for name in rule.get("only", [])
                    for r in function_bodies(blanked, name)]
            if "only" in rule and len(only) < len(rule["only"]):
                found.append((rel, "<a function of SCANNED['only'] is gone: "
                              f"{rule['only']}>"))
            for line, value, start, _ in literals:
                inside = lambda ranges: any(a <= start < b for a, b in ranges)
                if inside(skip) or ("only" in rule and not inside(only)):
                    continue
                if is_message_text(value):
                    found.append((f"{rel}:{line}", value))
    return found


def fragment_pattern(value):
    """A fragment as a regex over expected stderr: printf conversions
    (%zu, %x) match anything."""
    parts = re.split(r"%[-0-9.]*(?:z|l|ll)?[a-z]", value)
    return re.compile(".*?".join(re.escape(p) for p in parts), re.S)


def completeness(root, entries):
    """Names each uncovered fragment; returns (failures, pending_count)."""
    texts = [e["stderr"] for e in entries] + [e["stdout"] for e in entries
                                              if "stdout" in e]
    failures, pending, used = [], 0, set()
    for where, value in message_fragments(root):
        pattern = fragment_pattern(value)
        if any(pattern.search(t) for t in texts):
            continue
        if value in catalogue.EXCEPTIONS:
            used.add(value)
            continue
        failures.append(f"{where}: no catalogue entry prints {value!r}")
    for value in catalogue.EXCEPTIONS:
        if value not in used:
            failures.append(f"catalogue.EXCEPTIONS holds {value!r}, which no "
                            "scanned source has, or an entry now covers")
    # Nothing may wait for an entry: a message is covered or an exception.
    for value in catalogue.PENDING:
        failures.append(f"catalogue.PENDING holds {value!r}: add an entry "
                        "that prints it (or an exception with its reason)")
        pending += 1
    return failures, pending


# ---------------------------------------------------------------------------
# Running the entries.

def expected_regex(text, where):
    """Expected stderr as an exact regex: {ANY} matches within a line, {DIR}
    is the entry's working directory."""
    out = re.escape(text)
    out = out.replace(re.escape("{ANY}"), "[^\n]*?")
    out = out.replace(re.escape("{DIR}"), re.escape(where))
    return re.compile(out + r"\Z")


def build_fixtures(tmp, wat2wasm, clang):
    fixtures = os.path.join(tmp, "fixtures")
    os.makedirs(fixtures)
    for name, wat in catalogue.WAT.items():
        src = os.path.join(fixtures, name + ".wat")
        with open(src, "w") as f:
            f.write(wat)
        subprocess.run([wat2wasm, "--debug-names", src, "-o",
                        os.path.join(fixtures, name + ".wasm")], check=True)
    for name, data in catalogue.RAW_WASM.items():
        with open(os.path.join(fixtures, name + ".wasm"), "wb") as f:
            f.write(data)
    here = os.path.dirname(os.path.abspath(__file__))
    subprocess.run([clang, "--target=wasm32-wasi", "-O2",
                    os.path.join(here, "sandbox_fixtures", "probe.c"), "-o",
                    os.path.join(fixtures, "probe.wasm")], check=True)
    return fixtures


def prepare(entry, where, fixtures):
    os.makedirs(os.path.join(where, "config", "capbox", "policies"))
    os.makedirs(os.path.join(where, "home"))
    for name in entry.get("modules", []):
        shutil.copy(os.path.join(fixtures, name), os.path.join(where, name))
    for name, content in entry.get("files", {}).items():
        path = os.path.join(where, name)
        if name.endswith("/"):
            os.makedirs(path, exist_ok=True)
            continue
        os.makedirs(os.path.dirname(path), exist_ok=True)
        mode = "wb" if isinstance(content, bytes) else "w"
        with open(path, mode) as f:
            f.write(content.replace("{DIR}", where)
                    if isinstance(content, str) else content)
    for name, mode in entry.get("chmod", {}).items():
        os.chmod(os.path.join(where, name), mode)


def run_entry(capbox, entry, where):
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"),
           "HOME": os.path.join(where, "home"),
           "XDG_CONFIG_HOME": os.path.join(where, "config"),
           "XDG_STATE_HOME": os.path.join(where, "state"),
           "LANG": "C.UTF-8"}
    for key, value in entry.get("env", {}).items():
        env[key] = value.replace("{DIR}", where)
    argv = [a.replace("{DIR}", where) for a in entry["argv"]]
    return subprocess.run([capbox] + argv, cwd=where, env=env,
                          input=entry.get("stdin", b""), capture_output=True,
                          timeout=entry.get("timeout", 60))


def check_entry(capbox, entry, where):
    proc = run_entry(capbox, entry, where)
    stderr = proc.stderr.decode(errors="replace")
    problems = []
    if proc.returncode != entry["status"]:
        problems.append(f"exit status {proc.returncode}, expected "
                        f"{entry['status']}")
    if not expected_regex(entry["stderr"], where).match(stderr):
        problems.append(f"stderr   {stderr!r}\n     expected {entry['stderr']!r}")
    if "stdout" in entry and not expected_regex(
            entry["stdout"], where).match(proc.stdout.decode()):
        problems.append(f"stdout {proc.stdout!r}, expected "
                        f"{entry['stdout']!r}")
    return problems, proc


def main():
    if sys.argv[1] == "--scan":
        failures, pending = completeness(sys.argv[2], catalogue.ENTRIES)
        for f in failures:
            print(f"FAIL {f}")
        print(f"{len(failures)} uncovered, {pending} pending")
        return 1 if failures else 0
    capbox, wat2wasm, clang, root = (os.path.abspath(sys.argv[1]),
                                     sys.argv[2], sys.argv[3], sys.argv[4])
    record = sys.argv[6:] if sys.argv[5:6] == ["--record"] else None
    ids = [e["id"] for e in catalogue.ENTRIES]
    dups = {i for i in ids if ids.count(i) > 1}
    passed, failed = 0, 0
    if dups:
        print(f"FAIL duplicate ids: {sorted(dups)}")
        failed += 1
    with tempfile.TemporaryDirectory(prefix="capbox-messages-") as tmp:
        fixtures = build_fixtures(tmp, wat2wasm, clang)
        for entry in catalogue.ENTRIES:
            if record is not None and entry["id"] not in record and record:
                continue
            where = os.path.join(tmp, entry["id"])
            prepare(entry, where, fixtures)
            if record is not None:
                proc = run_entry(capbox, entry, where)
                print(f"{entry['id']}: status {proc.returncode}")
                print("  " + repr(proc.stderr.decode().replace(where, "{DIR}")))
                if proc.stdout:
                    print("  stdout " +
                          repr(proc.stdout.decode().replace(where, "{DIR}")))
                continue
            problems, _ = check_entry(capbox, entry, where)
            if problems:
                failed += 1
                print(f"FAIL {entry['id']}: capbox {' '.join(entry['argv'])}")
                for p in problems:
                    print(f"     {p}")
            else:
                passed += 1
                print(f"ok   {entry['id']}")
    if record is not None:
        return 0
    failures, pending = completeness(root, catalogue.ENTRIES)
    for f in failures:
        print(f"FAIL completeness: {f}")
    failed += len(failures)
    print(f"{passed} entries passed, {failed} failed; {len(catalogue.ENTRIES)} "
          f"entries; {pending} fragments pending (catalogue.PENDING)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
