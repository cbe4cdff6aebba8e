#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The most taken jumps inside the dispatch loop that are not dispatches.

    meson setup B -Dcpp_args=-DCAPBOX_IN_PROCESS_GUEST=1
    ninja -C B src/cli/capbox
    valgrind --tool=callgrind --dump-instr=yes --collect-jumps=yes \\
        --callgrind-out-file=run.cg B/src/cli/capbox run ... MODULE.wasm
    bench/hot_jumps.py B/src/cli/capbox run.cg [N]

Prints the N (default 30) direct and conditional jumps of run() taken most
often, with the handler each leaves and lands in and their source lines
(addr2line). A handler's common path should end in its one jump to the
next handler: a hot jump to code out of line (g++ chose the layout) or to
a join point behind alignment padding costs a taken branch, or nops, on
every run of it. The jumps a wasm branch makes when taken show up here
too. Indirect jumps (the dispatches) are left out. Code g++ placed out of
line after the last handler's label is named after that handler.
"""
import bisect
import collections
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import handler_misses  # noqa: E402
import handler_profile  # noqa: E402


def taken_jumps(path):
    """{(source address, target address): times taken} from callgrind's
    jump=COUNT TARGET and jcnd=TAKEN/EXECUTED TARGET lines, each followed
    by the line of the jumping instruction."""
    jumps = collections.Counter()
    last, pending = 0, None
    with open(path) as f:
        for line in f:
            if line.startswith(("jump=", "jcnd=")):
                rest = line.split("=", 1)[1]
                fields = rest.split()
                count = int(fields[0].split("/")[0])
                pending = (count, handler_misses.position(fields[1], last))
            elif line[:1].isdigit() or line[:1] in "+-*":
                last = handler_misses.position(line.split()[0], last)
                if pending:
                    jumps[(last, pending[1])] += pending[0]
                    pending = None
            elif line.startswith("calls="):
                pending = None
    return jumps


def indirect_jumps(binary, start, end):
    """The addresses of run()'s indirect jumps (its dispatches)."""
    listing = subprocess.run(
        ["objdump", "-d", "--no-show-raw-insn", f"--start-address={start}",
         f"--stop-address={end}", binary],
        capture_output=True, text=True).stdout
    found = set()
    for line in listing.splitlines():
        m = re.match(r"\s+([0-9a-f]+):\s+jmp\s+\*", line)
        if m:
            found.add(int(m.group(1), 16))
    return found


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    binary, path = sys.argv[1], sys.argv[2]
    top = int(sys.argv[3]) if len(sys.argv) > 3 else 30
    base = handler_misses.VALGRIND_PIE_BASE
    run = handler_profile.symbol_address(
        binary, lambda s: s == handler_profile.RUN)
    run_end = run + handler_profile.symbol_size(binary, handler_profile.RUN)
    order = handler_profile.handler_starts(binary)
    starts = [a for a, _ in order]

    def handler(address):
        return order[bisect.bisect_right(starts, address) - 1][1]

    dispatches = indirect_jumps(binary, run, run_end)
    inside = [((s - base, t - base), n)
              for (s, t), n in taken_jumps(path).items()
              if run <= s - base < run_end and n > 0
              and s - base not in dispatches]
    inside.sort(key=lambda item: -item[1])
    hottest = inside[:top]
    addresses = [hex(a) for (s, t), _ in hottest for a in (s, t)]
    lines = subprocess.run(["addr2line", "-e", binary] + addresses,
                           capture_output=True, text=True).stdout.split("\n")
    print(f"{'taken':>10}  {'from':28} {'to':28} source lines")
    for i, ((s, t), n) in enumerate(hottest):
        src = os.path.basename(lines[2 * i])
        dst = os.path.basename(lines[2 * i + 1])
        print(f"{n:10d}  {handler(s):28} {handler(t):28} {src} -> {dst}")


if __name__ == "__main__":
    main()
