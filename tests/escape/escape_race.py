# SPDX-License-Identifier: Apache-2.0
# The swap race: a separate process exchanges sandbox/sub, a real
# directory, with symlinks to ../outside and to outside's absolute path
# (renameat2 RENAME_EXCHANGE, atomic, and now and then a non-atomic
# rename + symlink), as fast as it can, while programs/race.c reads, stats,
# lists and creates in sub. The guest must never see outside's content and
# nothing may appear outside; every file it says it made must be in the
# real sub. Depends on escape_lib and the Python standard library.
import ctypes
import multiprocessing
import os
import time

from escape_lib import run_capbox, snapshot, tree_problems, unexpected_stderr

AT_FDCWD = -100
RENAME_EXCHANGE = 2
SYS_RENAMEAT2 = 316  # x86-64, for a libc without the wrapper
GUEST_SECONDS = 3
INSIDE = b"inside-secret"
OUTSIDE = b"OUTSIDE-SECRET!"
ALLOWED_REFUSALS = {"EPERM", "ENOENT", "EAGAIN", "EXDEV"}


def exchange(libc, a, b):
    args = (AT_FDCWD, a.encode(), AT_FDCWD, b.encode(), RENAME_EXCHANGE)
    if hasattr(libc, "renameat2"):
        r = libc.renameat2(*args)
    else:
        r = libc.syscall(SYS_RENAMEAT2, *args)
    if r != 0:
        e = ctypes.get_errno()
        raise OSError(e, os.strerror(e), a)


def swap_loop(sandbox, stop, swaps):
    """Swaps until `stop` is set, then leaves the real directory at sub."""
    libc = ctypes.CDLL(None, use_errno=True)
    sub = os.path.join(sandbox, "sub")
    rel = os.path.join(sandbox, "park_rel")
    absolute = os.path.join(sandbox, "park_abs")
    park = os.path.join(sandbox, "park_dir")
    n = 0
    while not stop.is_set():
        for other in (rel, absolute):
            exchange(libc, sub, other)
            exchange(libc, sub, other)
        if n % 16 == 0:
            # Non-atomic: sub is briefly missing, then a fresh symlink.
            os.rename(sub, park)
            os.symlink("../outside", sub)
            os.unlink(sub)
            os.rename(park, sub)
        n += 1
        swaps.value = n * 5


def fixtures(tmp):
    sandbox = os.path.join(tmp, "sandbox")
    os.makedirs(os.path.join(sandbox, "sub"))
    os.makedirs(os.path.join(tmp, "outside"))
    with open(os.path.join(sandbox, "sub", "secret.txt"), "wb") as f:
        f.write(INSIDE)
    with open(os.path.join(tmp, "outside", "secret.txt"), "wb") as f:
        f.write(OUTSIDE)
    with open(os.path.join(tmp, "outside", "marker_outside"), "wb") as f:
        f.write(b"marker")
    os.symlink("../outside", os.path.join(sandbox, "park_rel"))
    os.symlink(os.path.join(tmp, "outside"),
               os.path.join(sandbox, "park_abs"))
    return sandbox


def parse(out):
    values = {}
    for line in out.splitlines():
        key, _, value = line.partition(" ")
        if value.isdigit():
            values[key] = int(value)
    return values


def run(opts, tmp):
    sandbox = fixtures(tmp)
    outside_before = snapshot(os.path.join(tmp, "outside"), meta=True)
    stop = multiprocessing.Event()
    swaps = multiprocessing.Value("l", 0)
    swapper = multiprocessing.Process(target=swap_loop,
                                      args=(sandbox, stop, swaps))
    swapper.start()
    try:
        time.sleep(0.2)
        status, out, err, timed_out = run_capbox(
            opts.capbox, os.path.join(opts.modules, "race.wasm"),
            ["--dir", sandbox + "::/sandbox"], [str(GUEST_SECONDS)],
            timeout=45)
    finally:
        stop.set()
        swapper.join(10)
    print(out, end="")
    print(f"swaps {swaps.value}")
    problems = []
    if swapper.exitcode != 0:
        problems.append(f"the swapper failed (exit {swapper.exitcode})")
    if timed_out or status != 0:
        problems.append(f"exit status {status} (timed out: {timed_out})")
    if unexpected_stderr(err):
        problems.append("stderr: " + unexpected_stderr(err))
    got = parse(out)
    for key in ("iterations", "leaks", "reads_inside", "creates", "mkdirs"):
        if key not in got:
            problems.append(f"no '{key}' line in the guest's output")
    refusals = sum(v for k, v in got.items() if k.startswith("refused_"))
    if got.get("leaks", 1) != 0:
        problems.append(f"SECURITY: the guest saw outside {got.get('leaks')} "
                        "time(s)")
    # Both outcomes must occur, else the race was not exercised.
    if got.get("reads_inside", 0) == 0 or refusals == 0:
        problems.append("the race never alternated (no success or no "
                        "refusal): the swapper did not interleave")
    if got.get("iterations", 0) < 2000 or swaps.value < 1000:
        problems.append("fewer than 2000 iterations or 1000 swaps")
    for key in got:
        if key.startswith("refused_") and key[8:] not in ALLOWED_REFUSALS:
            problems.append(f"unexpected refusal {key}")
    outside_after = snapshot(os.path.join(tmp, "outside"), meta=True)
    problems += tree_problems(outside_before, outside_after)
    entries = os.listdir(os.path.join(sandbox, "sub"))
    made = sum(1 for e in entries if e.startswith("c"))
    dirs = sum(1 for e in entries if e.startswith("m"))
    if made != got.get("creates") or dirs != got.get("mkdirs"):
        problems.append(f"sub holds {made} files and {dirs} directories, the "
                        f"guest made {got.get('creates')} and "
                        f"{got.get('mkdirs')}")
    stray = sorted(set(os.listdir(sandbox)) -
                   {"sub", "park_rel", "park_abs"})
    if stray:
        problems.append(f"unexpected entries in the grant: {stray}")
    return problems
