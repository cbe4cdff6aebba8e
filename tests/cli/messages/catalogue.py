# SPDX-License-Identifier: Apache-2.0
# The catalogue of capbox's messages, run by ../messages_test.py: one entry
# per distinct message (a policy file with several mistakes prints one
# message per mistake, so one entry may hold several). Each entry: id, argv
# (run in a fresh directory holding `modules` and `files`; XDG_CONFIG_HOME
# and HOME point into it, so no user's policy leaks in), optional env and
# stdin, the exit status, and the EXACT stderr: {ANY} stands for a part of
# one line that varies (a pid, a time, an offset), {DIR} for the entry's
# directory. `source` says where the message is composed.

WAT = {
    "arith": """
(module
  (func (export "add") (param i32 i32) (result i32)
    local.get 0 local.get 1 i32.add)
  (func (export "takes_ref") (param externref))
  (memory (export "memory") 1))
""",
    "hello": """
(module
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "hello\\n")
  (func (export "_start")
    (i32.store (i32.const 0) (i32.const 16))
    (i32.store (i32.const 4) (i32.const 6))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1)
                          (i32.const 8)))))
""",
    "spin": """
(module
  (func $spin (export "_start") (loop $l br $l))
  (func (export "grow") (param i32) (result i32)
    local.get 0 memory.grow)
  (memory 1))
""",
    "trap": """
(module (func $boom (export "_start") unreachable))
""",
    "exit200": """
(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (func (export "_start") (call $exit (i32.const 200))))
""",
    "puts": """
(module
  (import "env" "puts" (func (param i32)))
  (func (export "_start")))
""",
    "random": """
(module
  (import "wasi_snapshot_preview1" "random_get"
    (func (param i32 i32) (result i32)))
  (func (export "_start")))
""",
    "noentry": """
(module (func (export "f")))
""",
    # Recursion without end: a trap whose backtrace is cut short.
    "deep": """
(module (func $deep (export "_start") call $deep))
""",
    "bigmem": """
(module (memory 20) (func (export "_start")))
""",
}

RAW_WASM = {
    "garbage": b"this is not wasm at all",
    # Well formed, but the function returns an i64 where i32 is declared.
    "invalid": bytes.fromhex("0061736d01000000010501600001" "7f" "03020100"
                             "0a0601040042000b"),
}

ENTRIES = []


def E(id, argv, status, stderr, **extra):
    ENTRIES.append(dict(id=id, argv=argv, status=status, stderr=stderr,
                        **extra))


def P(id, toml, stderr, status=78, name="p.toml", **extra):
    """`capbox policy check p.toml` on a policy with mistakes."""
    files = dict(extra.pop("files", {}))
    files[name] = toml
    E(id, ["policy", "check", name], status, stderr, files=files, **extra)


# Messages no test can produce, each with the reason; the check fails if
# one stops existing in the sources, so the list cannot rot.
EXCEPTIONS = {
    # The sandbox itself failing to start (fork, socketpair, seccomp or
    # Landlock refused by the kernel): no test can make a working kernel
    # refuse them. tests/sandbox covers the failure paths underneath.
    "cannot start the sandbox for ":
        "exec_command.cc spawn_failure/run: the sandbox could not start",
    "cannot start the sandbox: ": "run_command.cc: fork/socketpair failed",
    "capbox: error: the sandboxed interpreter could not get its preopened "
    "directories from the supervisor: ":
        "run_command.cc: the supervisor's socket failed during start-up",
    # Only a compromised guest or program breaks the broker protocol; the
    # protocol checks are unit-tested in tests/sandbox (broker_host tests).
    "it broke the broker protocol (": "exec_command.cc",
    ") and was killed": "exec_command.cc and run_command.cc",
    "the sandboxed interpreter broke the broker protocol (": "run_command.cc",
    # A toml++ precondition broken by input other than a table header: no
    # such input is known (policy-table-header-not-key covers the known one),
    # so the fallback wording has no entry.
    "not valid TOML (toml++ could not place the error)": "policy/parser.cc",
    "check the table headers and keys": "policy/parser.cc",
    # kPlanned is empty: every planned subcommand exists.
    "' is not implemented yet; see 'capbox --help'": "main.cc",
    # Only in a measuring build (-DCAPBOX_IN_PROCESS_GUEST=1, bench/README.md),
    # which the tests do not build: its warning on every run, and the
    # #error that keeps it out of release builds.
    "capbox: warning: a measuring build: the guest runs without the "
    "sandbox\n": "run_command.cc run_in_process",
    "CAPBOX_IN_PROCESS_GUEST is for measuring builds, never a release":
        "run_command.cc",
    # Not a message: a static_assert's text.
    "every file right belongs to some grant word": "wasi/grant_rights.cc",
    # read(2) failing mid-file (EIO) on an audit log that opened (a
    # directory is refused before reading), so no test reaches it.
    "read error": "policy_audit_log.cc read_text_file",
    # widen_rights finds no string or array at the rights location the TOML
    # parser gave; a rights string, or an array over lines, is always found
    # there (explain_test.py edits both), so this fallback has no input.
    " (capbox could not edit it there). ": "policy_explain.cc plan",
    # fork and mkdtemp failing (tests run as root, for which a read-only
    # TMPDIR does not stop mkdtemp).
    "capbox: error: fork: ": "policy_learn.cc run_child",
    "capbox: error: mkdtemp: ": "policy_learn.cc",
    # The learning run writes its report however it ends (125 included);
    # only a capbox that cannot exec /proc/self/exe, or is killed before
    # setting up its outputs, leaves none.
    # The learned text fails the policy parser only if the writer has a
    # bug: every value it writes (names, paths, rights) is checked first.
    "capbox: error: the learned policy does not pass the check (a bug in "
    "capbox); nothing written\n": "policy_learn.cc",
    "learned policy": "policy_learn.cc: the name the check gives the text",
    "capbox: error: the learning run failed before the program ran "
    "(status ": "policy_learn.cc",
}

# No message waits for its entry any more: a new message comes with one (or
# with an exception above), and messages_test.py fails on anything here.
PENDING = {}

import entries_policy  # noqa: E402,F401
import entries_run  # noqa: E402,F401
import entries_other  # noqa: E402,F401
import entries_policy_audit  # noqa: E402,F401
import entries_audit  # noqa: E402,F401
