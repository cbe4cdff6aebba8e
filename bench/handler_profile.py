#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Where a capbox run spends its time, by interpreter handler.

    perf record -e cpu-clock -o run.perf capbox run ... MODULE.wasm
    bench/handler_profile.py BUILD/src/cli/capbox run.perf [N]

The binary must be built from this tree (the names come from its
ops.def). Maps each sample inside the dispatch loop (run() in interp.cc) to the
handler whose label precedes it, and prints the N (default 40) largest
shares. The labels come from run()'s own table (kLabels), read from the
binary's file: capbox is a static PIE with RELR relocations, so the table
holds the link-time addresses in place. Handler names are ops.def's rows,
then opcodes.def's Unary, Binary and Simd rows, then acc.def's variants,
as op_profile.h orders them. A sample on a stall is charged to the instruction that waits, so a
mispredicted jump shows up at the start of the handler it lands in.
"""
import bisect
import collections
import os
import re
import struct
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ENGINE = os.path.join(HERE, "..", "src", "engine")
PADS = 256  # kBranchPads, interp.cc
RUN = ("_ZN6capbox6engine12_GLOBAL__N_13runEPNS0_8Executor5StateEPNS1_5Frame"
       "EPNS0_8InstanceEPKjPmPNS0_8TrapKindEPPKPKv")


def handler_names():
    # The preprocessor expands the tables as op_profile.h does (simd.def
    # rows come through opcodes.def, acc.def's variants through macros).
    source = """
#define CAPBOX_OP(Name, N) @Name@
#include "engine/ops.def"
#define CAPBOX_OPCODE(prefix, code, Name, text, Imm, Kind, A, B, R) \\
  CAPBOX_PNAME_##Kind(Name)
#define CAPBOX_PNAME_Unary(Name) @Name@
#define CAPBOX_PNAME_Binary(Name) @Name@
#define CAPBOX_PNAME_Special(Name)
#define CAPBOX_PNAME_Load(Name)
#define CAPBOX_PNAME_Store(Name)
#define CAPBOX_PNAME_Simd(Name) @Name@
#include "engine/opcodes.def"
#define CAPBOX_ACC_CONSUMER(Variant, Op, Kind, mask) @Variant@
#include "engine/acc.def"
"""
    out = subprocess.run(["cpp", "-P", "-I", os.path.join(ENGINE, ".."), "-"],
                         input=source, capture_output=True, text=True,
                         check=True).stdout
    return re.findall(r"@(\w+)@", out)


def symbol_address(binary, predicate):
    out = subprocess.run(["nm", binary], capture_output=True, text=True,
                         check=True).stdout
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 3 and predicate(parts[2]):
            return int(parts[0], 16)
    sys.exit(f"handler_profile: {binary} has no such symbol (stripped?)")


def symbol_size(binary, name):
    out = subprocess.run(["nm", "-S", binary], capture_output=True,
                         text=True, check=True).stdout
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 4 and parts[3] == name:
            return int(parts[1], 16)
    sys.exit(f"handler_profile: {binary} has no symbol {name}")


def handler_starts(binary):
    """[(link-time address, name)] of every handler label of run() and
    of the table branches' landing pads (all one name), in address order."""
    names = handler_names()
    table = symbol_address(
        binary, lambda s: "GLOBAL__N_13runE" in s and s.endswith("kLabels"))
    with open(binary, "rb") as f:
        data = f.read()
    labels = struct.unpack_from(f"<{len(names)}Q", data,
                                file_offset(binary, table))
    pads = symbol_address(
        binary, lambda s: "GLOBAL__N_13runE" in s and s.endswith("kPadLabels"))
    pad_labels = struct.unpack_from(f"<{PADS}Q", data,
                                    file_offset(binary, pads))
    return sorted(list(zip(labels, names)) +
                  [(a, "(a table branch's pad)") for a in pad_labels])


def file_offset(binary, address):
    out = subprocess.run(["readelf", "-SW", binary], capture_output=True,
                         text=True, check=True).stdout
    for line in out.splitlines():
        m = re.match(r"\s*\[\s*\d+\]\s+\S+\s+\S+\s+([0-9a-f]+)\s+([0-9a-f]+)"
                     r"\s+([0-9a-f]+)", line)
        if m:
            va, off, size = (int(g, 16) for g in m.groups())
            if va and va <= address < va + size:
                return off + address - va
    sys.exit("handler_profile: the label table is in no loaded section")


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    binary, perf_data = sys.argv[1], sys.argv[2]
    top = int(sys.argv[3]) if len(sys.argv) > 3 else 40
    order = handler_starts(binary)
    starts = [a for a, _ in order]
    run_address = symbol_address(binary, lambda s: s == RUN)
    script = subprocess.run(["perf", "script", "-i", perf_data, "-F",
                             "ip,sym,symoff"], capture_output=True,
                            text=True, check=True).stdout
    counts = collections.Counter()
    total = 0
    for line in script.splitlines():
        if not line.strip():
            continue
        total += 1
        m = re.search(r"::run\+0x([0-9a-f]+)", line)
        if not m:
            counts["(outside the dispatch loop)"] += 1
            continue
        at = run_address + int(m.group(1), 16)
        i = bisect.bisect_right(starts, at) - 1
        counts[order[i][1] if i >= 0 else "(run's prologue)"] += 1
    for name, n in counts.most_common(top):
        print(f"{100 * n / max(total, 1):6.2f}%  {name}")


if __name__ == "__main__":
    main()
