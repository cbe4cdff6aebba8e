#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Instructions and L1 data-cache misses by interpreter handler.

    meson setup B -Dcpp_args=-DCAPBOX_IN_PROCESS_GUEST=1
    ninja -C B src/cli/capbox
    valgrind --tool=callgrind --dump-instr=yes --cache-sim=yes \\
        --callgrind-out-file=run.cg B/src/cli/capbox run ... MODULE.wasm
    bench/handler_misses.py B/src/cli/capbox run.cg [N]

valgrind cannot follow the sandbox (pidfd_open, seccomp), so the binary is a
measuring build that runs the guest in its own process (run_command.cc).
Counts are exact and repeatable, unlike times on a shared VM, and a VM
without performance counters has no other source for them.

Charges each instruction address in the dispatch loop to the handler whose
label precedes it (as handler_profile.py does; code the compiler placed out
of line after a handler is charged to that handler), and prints the N
(default 30) handlers with the most L1 data read misses, with their share
of instructions. "at entry" counts the misses in a handler's first eight
bytes: its first read of the internal code (an operand), a miss there is
the code, not the guest's data.
"""
import bisect
import collections
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import handler_profile  # noqa: E402

# valgrind maps a static PIE at this base.
VALGRIND_PIE_BASE = 0x108000


def position(token, last):
    """A callgrind position: absolute, relative to the last (+n, -n) or *."""
    if token == "*":
        return last
    if token[0] in "+-":
        return last + int(token, 0)
    return int(token, 0)


def costs_by_address(path):
    """{instruction address: [event counts]} and the event names, from a
    callgrind file written with --dump-instr=yes (positions: instr line)."""
    events, costs = None, collections.defaultdict(collections.Counter)
    last = [0, 0]
    skip_call_cost = False
    with open(path) as f:
        for line in f:
            if line.startswith("events:"):
                events = line.split()[1:]
            elif line.startswith("calls="):
                skip_call_cost = True  # the next line is the call's cost
            elif line[:1].isdigit() or line[:1] in "+-*":
                fields = line.split()
                last = [position(fields[0], last[0]),
                        position(fields[1], last[1])]
                if skip_call_cost:
                    skip_call_cost = False
                    continue
                for name, value in zip(events, fields[2:]):
                    costs[last[0]][name] += int(value)
    if events is None:
        sys.exit(f"handler_misses: {path} is no callgrind output")
    return costs, events


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    binary, path = sys.argv[1], sys.argv[2]
    top = int(sys.argv[3]) if len(sys.argv) > 3 else 30
    costs, events = costs_by_address(path)
    if "D1mr" not in events:
        sys.exit("handler_misses: run callgrind with --cache-sim=yes")
    order = handler_profile.handler_starts(binary)
    starts = [a + VALGRIND_PIE_BASE for a, _ in order]
    run = handler_profile.symbol_address(
        binary, lambda s: s == handler_profile.RUN) + VALGRIND_PIE_BASE
    run_end = run + handler_profile.symbol_size(binary, handler_profile.RUN)
    by_handler = collections.defaultdict(collections.Counter)
    at_entry = collections.Counter()
    totals = collections.Counter()
    for address, cost in costs.items():
        totals.update(cost)
        i = bisect.bisect_right(starts, address) - 1
        inside = i >= 0 and run <= address < run_end
        name = order[i][1] if inside else "(outside the dispatch loop)"
        by_handler[name].update(cost)
        if inside and address - starts[i] < 8:
            at_entry[name] += cost["D1mr"]
    misses = max(totals["D1mr"], 1)
    print(f"{totals['Ir']} instructions, {totals['D1mr']} L1 data read "
          f"misses; {100 * sum(at_entry.values()) / misses:.1f}% of them "
          f"at a handler's entry")
    print(f"{'handler':28} {'instr':>6} {'D1 misses':>10} {'share':>6} "
          f"{'at entry':>9}")
    for name, cost in sorted(by_handler.items(),
                             key=lambda kv: -kv[1]["D1mr"])[:top]:
        print(f"{name:28} {100 * cost['Ir'] / max(totals['Ir'], 1):5.2f}% "
              f"{cost['D1mr']:10d} {100 * cost['D1mr'] / misses:5.2f}% "
              f"{at_entry[name]:9d}")


if __name__ == "__main__":
    main()
