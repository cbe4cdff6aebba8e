#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# One differential run: rewrites a module (diff_wasm.py), chooses arguments,
# runs it in wabt's spectest-interp and in capbox's diff_driver, turns wabt's
# output into the driver's normalised lines (the adapter) and compares.
# As a command line it is wasm-reduce's --command: exit 0 while the
# divergence persists. Knows capbox only through diff_driver's output.
#
# Usage: diff_run.py --driver PATH [--features LIST] [--seed N]
#                    [--show] [--expect-file FILE] MODULE.wasm
import argparse
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import diff_denan  # noqa: E402
import diff_wasm  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
HANG_EXPORT = "hangLimitInitializer"

# Feature name -> (binaryen flags, wabt flags). reference-types is off by
# default: binaryen 108's fuzzer emits typed references ((ref $t), anyref as
# a supertype of funcref) outside the standard proposal, so wabt rejects
# almost every such module. simd is on (v128 NaN lanes zeroed by
# diff_denan.py), and so are tail-call and extended-const.
FEATURES = {
    "sign-ext": (["--enable-sign-ext"], []),
    "mutable-globals": (["--enable-mutable-globals"], []),
    "nontrapping-float-to-int": (["--enable-nontrapping-float-to-int"], []),
    "bulk-memory": (["--enable-bulk-memory"], []),
    "multivalue": (["--enable-multivalue"], []),
    "reference-types": (["--enable-reference-types"], []),
    "simd": (["--enable-simd"], []),
    "tail-call": (["--enable-tail-call"], ["--enable-tail-call"]),
    "extended-const": (["--enable-extended-const"],
                       ["--enable-extended-const"]),
}
DEFAULT_FEATURES = ("sign-ext,mutable-globals,nontrapping-float-to-int,"
                    "bulk-memory,multivalue,simd,tail-call,extended-const")

WABT_TRAPS = [
    ("unreachable", "unreachable"),
    ("out of bounds memory access", "memory-oob"),
    ("out of bounds table access", "table-oob"),
    ("integer divide by zero", "div-zero"),
    ("integer overflow", "int-overflow"),
    ("invalid conversion", "bad-conversion"),
    ("indirect call signature mismatch", "indirect-type"),
    ("undefined table index", "undefined-element"),
    ("uninitialized table element", "uninitialized-element"),
    ("call stack exhausted", "stack-exhausted"),
    ("value stack exhausted", "stack-exhausted"),
]


def parse_features(text):
    names = [f for f in text.split(",") if f]
    unknown = [f for f in names if f not in FEATURES]
    if unknown:
        raise SystemExit(f"unknown feature(s): {', '.join(unknown)}; "
                         f"known: {', '.join(FEATURES)}")
    return names


def binaryen_flags(features):
    return [flag for f in features for flag in FEATURES[f][0]]


def wabt_flags(features):
    return [flag for f in features for flag in FEATURES[f][1]]


def random_arg(rng, t):
    """Bits of an argument: mostly edge values, sometimes random."""
    width = 32 if t in (diff_wasm.I32, diff_wasm.F32) else 64
    if t in (diff_wasm.I32, diff_wasm.I64):
        edges = [0, 1, 2, 7, (1 << width) - 1, 1 << (width - 1),
                 (1 << (width - 1)) - 1, 65536, 65535]
        return (rng.choice(edges) if rng.random() < 0.7
                else rng.getrandbits(width))
    values = [0.0, -0.0, 1.0, -1.5, 0.5, 3.0e9, -2.1e9, 9.3e18, -9.3e18,
              float("inf"), float("-inf"), float("nan")]
    values += [3.4e38, 1e-40] if t == diff_wasm.F32 else [1e300, 1e-310]
    return (diff_wasm.float_bits(t, rng.choice(values))
            if rng.random() < 0.7 else rng.getrandbits(width))


def make_calls(calls, seed):
    """The call sequence: [hang reset,] export, checksum, for each export;
    the full checksum last."""
    names = {c[0] for c in calls}
    out = [(diff_wasm.CHECKSUM_EXPORT, [], [diff_wasm.I64], [])]
    for name, params, results in calls:
        if name == HANG_EXPORT:
            continue
        if HANG_EXPORT in names:
            out.append((HANG_EXPORT, [], [], []))
        rng = random.Random(f"{seed}:{name}")
        args = [(t, random_arg(rng, t)) for t in params]
        out.append((name, params, results, args))
        out.append((diff_wasm.CHECKSUM_EXPORT, [], [diff_wasm.I64], []))
    out.append((diff_wasm.CHECKSUM_FULL_EXPORT, [], [diff_wasm.I64], []))
    return out


def tname(t):
    return diff_wasm.TYPE_NAMES[t]


def format_value(t, bits):
    """Same as diff_driver's format_value."""
    if t in ("i32", "f32"):
        bits &= 0xFFFFFFFF
    if t == "f32" and (bits & 0x7F800000) == 0x7F800000 and bits & 0x7FFFFF:
        return "f32:nan"
    if (t == "f64" and (bits >> 52) & 0x7FF == 0x7FF
            and bits & ((1 << 52) - 1)):
        return "f64:nan"
    return f"{t}:0x{bits:x}"


def write_inputs(work, module_bytes, calls):
    with open(os.path.join(work, "fuzz.wasm"), "wb") as f:
        f.write(module_bytes)
    with open(os.path.join(work, "calls.txt"), "w") as f:
        for name, _, results, args in calls:
            rtext = ",".join(tname(t) for t in results) or "-"
            atext = " ".join(f"{tname(t)}:{v:x}" for t, v in args)
            f.write(f"{name} {rtext} {atext}".rstrip() + "\n")
    commands = [
        {"type": "module", "line": 1, "name": "$logs",
         "filename": "logs.wasm"},
        {"type": "register", "line": 2, "name": "$logs",
         "as": "fuzzing-support"},
        {"type": "module", "line": 3, "name": "$fuzz",
         "filename": "fuzz.wasm"},
    ]
    for line, (name, _, results, args) in enumerate(calls, start=4):
        commands.append({
            "type": "action", "line": line,
            "action": {"type": "invoke", "module": "$fuzz", "field": name,
                       "args": [{"type": tname(t), "value": str(v)}
                                for t, v in args]},
            "expected": [{"type": tname(t)}
                         for t in diff_wasm.float_free(
                             diff_wasm.expand(results))]})
    with open(os.path.join(work, "fuzz.json"), "w") as f:
        json.dump({"source_filename": "fuzz.wast", "commands": commands}, f)


def wabt_trap(message):
    for text, kind in WABT_TRAPS:
        if text in message:
            return kind
    return "other(" + message.strip() + ")"


def adapt_wabt(output, calls):
    """spectest-interp's output as diff_driver's normalised lines."""
    lines, marks, halves = ["module valid"], 0, []
    pending = list(calls)
    for raw in output.splitlines():
        m = re.match(r"called host spectest\.print(\w*)\((.*)\) =>", raw)
        if m:
            if m.group(1) == "":
                marks += 1
                continue
            t, value = m.group(2).split(":", 1)
            if marks == 2:  # a v128, low half first
                halves.append(int(value))
                if len(halves) == 2:
                    v = halves[0] | halves[1] << 64
                    lines.append(f"log v128:0x{v:x}")
                    marks, halves = 0, []
                continue
            if marks:
                t = "f32" if t == "i32" else "f64"
            lines.append(f"log {format_value(t, int(value))}")
            marks = 0
            continue
        if not pending:
            continue
        name, _, results, _ = pending[0]
        if not raw.startswith(name + "(") or not (raw.endswith(") =>") or
                                                   ") => " in raw):
            if "error" in raw and "unexpected trap" not in raw:
                lines.append("wabt: " + raw)
            continue
        pending.pop(0)
        rest = raw.split(") =>", 1)[1].strip()
        if rest.startswith("error: "):
            lines.append(f"call {name} => trap {wabt_trap(rest[7:])}")
            continue
        values = [int(v.split(":", 1)[1]) for v in rest.split(", ") if v]
        shown = []
        while values:
            t = tname(results[len(shown)]) if len(shown) < len(results) \
                else "?"
            if t == "v128" and len(values) >= 2:
                v = values.pop(0) % (1 << 64)
                v |= values.pop(0) % (1 << 64) << 64
                shown.append(f"v128:0x{v:x}")
            else:
                shown.append(format_value(t, values.pop(0)))
        lines.append(f"call {name} =>" + "".join(" " + s for s in shown))
    return lines


def wabt_validate(path, features, timeout):
    """wabt's verdict on a module: (valid, message)."""
    proc = subprocess.run(["wasm-validate", *wabt_flags(features), path],
                          capture_output=True, text=True, timeout=timeout)
    return proc.returncode == 0, proc.stderr.strip()


class WabtCrashed(Exception):
    """spectest-interp died of a signal: wabt 1.0.32 aborts on some valid
    modules (an assertion in Thread::PopValues, std::length_error) after a
    return_call between functions of different types. Its output up to
    then says nothing about capbox."""


def run_wabt(work, features, timeout):
    """spectest-interp's output, or None on timeout; WabtCrashed when it
    died of a signal."""
    try:
        proc = subprocess.run(
            ["spectest-interp", *wabt_flags(features), "fuzz.json"],
            cwd=work, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return None
    if proc.returncode < 0:
        last = (proc.stderr.strip().splitlines() or ["no message"])[-1]
        raise WabtCrashed(f"signal {-proc.returncode}: {last}")
    return proc.stdout


def run_capbox(work, driver, fuel, timeout, module="fuzz.wasm",
               calls="calls.txt"):
    try:
        proc = subprocess.run([driver, "--fuel", str(fuel), module, calls],
                              cwd=work, capture_output=True, text=True,
                              timeout=timeout)
    except subprocess.TimeoutExpired:
        return None, "timeout"
    lines = proc.stdout.splitlines()
    if proc.returncode != 0:
        lines.append(f"driver exit {proc.returncode}: {proc.stderr.strip()}")
    return lines, proc.stderr


def is_nan_bits(bits, width):
    """`bits` (an f32 or f64 by `width`) encode a NaN."""
    mantissa_bits = 23 if width == 32 else 52
    mantissa = (1 << mantissa_bits) - 1
    exponent = ((1 << (width - 1)) - 1) & ~mantissa
    return bits & exponent == exponent and bits & mantissa != 0


def same_v128(a, b):
    """Two logged v128 values, equal but for NaN payloads: the lane type is
    unknown, so each 64-bit half is equal, or both f64 NaNs, or each of its
    32-bit quarters equal or both f32 NaNs. (--denan leaves v128 float
    lanes alone, and a NaN's payload and sign are nondeterministic.)"""
    for shift in (0, 64):
        ha, hb = a >> shift & (1 << 64) - 1, b >> shift & (1 << 64) - 1
        if ha == hb or (is_nan_bits(ha, 64) and is_nan_bits(hb, 64)):
            continue
        for quarter in (0, 32):
            qa, qb = ha >> quarter & 0xFFFFFFFF, hb >> quarter & 0xFFFFFFFF
            if qa != qb and not (is_nan_bits(qa, 32) and is_nan_bits(qb, 32)):
                return False
    return True


def same_token(a, b):
    prefix = "v128:"
    if a.startswith(prefix) and b.startswith(prefix):
        return same_v128(int(a[len(prefix):], 16), int(b[len(prefix):], 16))
    return a == b


def same_line(a, b):
    """Equal, or both traps where one side does not name the kind, or the
    same but for NaN payloads in v128 values."""
    if a == b:
        return True
    ta, tb = a.split(" "), b.split(" ")
    if len(ta) == len(tb) and all(map(same_token, ta, tb)):
        return True
    ta, tb = a.partition(" => trap "), b.partition(" => trap ")
    return (ta[1] and tb[1] and ta[0] == tb[0] and
            (ta[2].startswith("other") or tb[2].startswith("other")))


class Outcome:
    """What one module did: skipped (why), or both outputs compared."""

    def __init__(self, skip=None, wabt=None, capbox=None, calls=0,
                 invalid=False):
        self.skip, self.wabt, self.capbox, self.calls = (skip, wabt, capbox,
                                                         calls)
        self.invalid = invalid  # wabt rejected it: only validity compared

    @property
    def diverged(self):
        if self.skip:
            return False
        return (len(self.wabt) != len(self.capbox) or
                not all(map(same_line, self.wabt, self.capbox)))

    def functions(self):
        return sum(1 for line in self.capbox or [] if line.startswith("call ")
                   and "__difffuzz_" not in line
                   and HANG_EXPORT not in line)


def compare_validation(work, driver, features, timeout):
    """For a module wabt rejects: capbox must reject it too."""
    with open(os.path.join(work, "none.txt"), "w"):
        pass
    capbox, _ = run_capbox(work, driver, 0, timeout, "orig.wasm", "none.txt")
    return Outcome(wabt=["module invalid"], capbox=(capbox or ["timeout"])[:1],
                   invalid=True)


def run_module(module_bytes, driver, features, seed, work, fuel=10**9,
               timeout=20, denan=True, wabt=True):
    """Runs one module on both sides inside `work` (a directory); with
    `denan` and SIMD on, NaN lanes of v128 float results become 0 first
    (diff_denan.py). Without `wabt`, capbox's side only (Outcome.wabt is
    None): a regression case where wabt is known wrong."""
    original = os.path.join(work, "orig.wasm")
    with open(original, "wb") as f:
        f.write(module_bytes)
    valid, _ = wabt_validate(original, features, timeout)
    if not valid:
        return compare_validation(work, driver, features, timeout)
    try:
        if denan and "simd" in features:
            module_bytes = diff_denan.denan_v128(module_bytes)
        rewritten, exported, parsed = diff_wasm.rewrite(module_bytes)
    except (diff_wasm.Unsupported, IndexError) as e:
        return Outcome(skip=f"unsupported: {e}")
    log_types = [diff_wasm.I32, diff_wasm.I64, diff_wasm.F32, diff_wasm.F64]
    if "simd" in features:
        log_types.append(diff_wasm.V128)
    if not diff_wasm.imports_supported(parsed, log_types):
        return Outcome(skip="unsupported: imports")
    calls = make_calls(exported, seed)
    write_inputs(work, rewritten, calls)
    logs = os.path.join(work, "logs.wasm")
    if not os.path.exists(logs):
        subprocess.run(["wat2wasm", os.path.join(HERE, "wabt_logs.wat"),
                        "-o", logs], check=True)
    capbox, _ = run_capbox(work, driver, fuel, timeout)
    if capbox is None or (capbox and capbox[-1].endswith("=> exhausted")):
        return Outcome(skip="timeout: capbox")
    if not wabt:
        return Outcome(capbox=capbox, calls=len(calls))
    try:
        wabt_out = run_wabt(work, features, timeout)
    except WabtCrashed as e:
        return Outcome(skip=f"wabt crashed ({e})")
    if wabt_out is None:
        return Outcome(skip="timeout: wabt")
    outcome = Outcome(wabt=adapt_wabt(wabt_out, calls), capbox=capbox,
                      calls=len(calls))
    if wabt_exhausted_alone(outcome):
        return Outcome(skip="stack exhausted in wabt only")
    if outcome.diverged and cross_type_tail_calls(original):
        return Outcome(skip="diverged after a return_call across types, "
                            "which wabt 1.0.32 gets wrong")
    if outcome.diverged and diverged_after_tail_call_trap(outcome, original):
        return Outcome(skip="diverged after a trap under a return_call, "
                            "which wabt 1.0.32 gets wrong")
    return outcome


def diverged_after_tail_call_trap(outcome, path):
    """Whether the first difference comes right after a call both sides
    saw trap, in a module with a return_call. After such a trap wabt
    1.0.32 can return a wrong value from the next call, though nothing
    ran in between (seen: the memory and globals checksum changing;
    tests/regress/return-call-wabt-checksum.wat)."""
    pairs = list(zip(outcome.wabt, outcome.capbox))
    first = next((i for i, (w, c) in enumerate(pairs)
                  if not same_line(w, c)), len(pairs))
    if first == 0 or first == len(pairs):
        return False
    before_w, before_c = pairs[first - 1]
    if "=> trap" not in before_w or "=> trap" not in before_c:
        return False
    proc = subprocess.run(["wasm2wat", "--enable-all", path],
                          capture_output=True, text=True)
    return proc.returncode == 0 and re.search(
        r"^\s*return_call", proc.stdout, re.M) is not None


def cross_type_tail_calls(path):
    """Whether the module makes a return_call or return_call_indirect to a
    function of another type than the caller's. wabt 1.0.32 gets those
    wrong in several ways (seen: a spurious "stack exhausted", an abort,
    returning 0 from a callee that is `unreachable`), so a divergence in
    such a module says nothing about capbox."""
    proc = subprocess.run(["wasm2wat", "--enable-all", path],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        return False
    lines = proc.stdout.splitlines()
    types, func_types = {}, {}
    for line in lines:
        m = re.match(r"\s*\(type \(;(\d+);\) \(func(.*)\)\)\s*$", line)
        if m:
            types[m.group(1)] = m.group(2).strip()
        m = re.search(r"\(func \(;(\d+);\) \(type (\d+)\)", line)
        if m:
            func_types[m.group(1)] = m.group(2)
    caller = None
    for line in lines:
        m = re.match(r"\s*\(func \(;\d+;\) \(type (\d+)\)", line)
        if m:
            caller = m.group(1)
            continue
        m = re.match(r"\s*return_call (\d+)\b", line)
        callee = func_types.get(m.group(1)) if m else None
        m = re.match(r"\s*return_call_indirect(?: \d+)? \(type (\d+)\)",
                     line)
        callee = m.group(1) if m else callee
        if callee is not None and caller is not None and \
                types.get(callee) != types.get(caller):
            return True
    return False


def wabt_exhausted_alone(outcome):
    """At the first difference wabt ran out of stack and capbox did not:
    how deep a call may go is the implementation's to choose, and wabt
    1.0.32 also reports it wrongly after a return_call between functions
    of different parameter types (seen in CI: two frames deep). The other
    way round, capbox, whose stack is the larger, would be a divergence."""
    for a, b in zip(outcome.wabt, outcome.capbox):
        if not same_line(a, b):
            return (a.endswith("=> trap stack-exhausted") and
                    not b.endswith("=> trap stack-exhausted"))
    return False


def show_diff(outcome, out=sys.stdout, context=None):
    """Both outputs side by side, "!!" where they differ; with `context`,
    only the differing lines and that many lines before each."""
    wabt, capbox = outcome.wabt, outcome.capbox
    rows = [(wabt[i] if i < len(wabt) else "",
             capbox[i] if i < len(capbox) else "")
            for i in range(max(len(wabt), len(capbox)))]
    differs = [not same_line(a, b) for a, b in rows]
    shown = set(range(len(rows)))
    if context is not None:
        shown = {j for i, d in enumerate(differs) if d
                 for j in range(max(0, i - context), i + 1)}
    width = max([len(a) for a, _ in rows] + [4])
    print(f"{'wabt':<{width}} | capbox", file=out)
    for i, (a, b) in enumerate(rows):
        if i in shown:
            print(f"{a:<{width}} {'!!' if differs[i] else '  '} {b}",
                  file=out)
        elif i - 1 in shown:
            print("...", file=out)


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--driver", required=True)
    ap.add_argument("--features", default=DEFAULT_FEATURES)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--show", action="store_true")
    ap.add_argument("--nans", action="store_true",
                    help="keep v128 NaN lanes (no diff_denan.py)")
    ap.add_argument("module")
    args = ap.parse_args()
    with open(args.module, "rb") as f:
        data = f.read()
    work = tempfile.mkdtemp(prefix="diffrun-")
    try:
        outcome = run_module(data, os.path.abspath(args.driver),
                             parse_features(args.features), args.seed, work,
                             denan=not args.nans)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if outcome.skip:
        if args.show:
            print("skipped:", outcome.skip)
        return 1
    if args.show:
        show_diff(outcome)
    return 0 if outcome.diverged else 1


if __name__ == "__main__":
    sys.exit(main())
