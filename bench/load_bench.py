#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Load time of large modules: decode + validate + lazy preparation, in
wall time and in instructions per byte of code (see bench/README.md).

  bench/load_bench.py --build BUILD [--runs 20] [--gen-mib 4]
      [--modules lua,sqlite,generated] [--no-callgrind] [--out DIR]

Modules: Lua 5.4 (bench/lua_build.py's build), SQLite 3 (Debian's source,
its amalgamation and bench/sqlite_driver.c) and a generated module of
--gen-mib MiB of code: Lua's functions copied until the code is that large,
built here, never committed. For each it prints the code size, the median
in-process times of BUILD/bench/load_time, the instructions callgrind
counts in load_module (and per byte of code), and the median wall time of
`capbox run MODULE -v` (the whole start-up: every module here prints a
version line and exits)."""
import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import lua_build  # noqa: E402
import build_wasm  # noqa: E402  (lua_build put tests/realprogs on the path)

SQLITE_FLAGS = [
    "--target=wasm32-wasi", "-O2", "-w",
    # The unix VFS needs fcntl locks and mmap, which WASI lacks: no OS layer
    # at all, and the driver brings an in-memory-only VFS.
    "-DSQLITE_OS_OTHER=1", "-DSQLITE_OMIT_LOAD_EXTENSION",
    "-DSQLITE_THREADSAFE=0", "-DSQLITE_OMIT_WAL", "-DSQLITE_TEMP_STORE=3",
    "-DSQLITE_OMIT_SHARED_CACHE",
]


def leb(data, i):
    value = shift = 0
    while True:
        byte = data[i]
        i += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return value, i


def enc_leb(value):
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def sections(data):
    """(id, payload) of each section, in order."""
    i = 8
    while i < len(data):
        sid = data[i]
        size, j = leb(data, i + 1)
        yield sid, data[j:j + size]
        i = j + size


def code_bytes(path):
    with open(path, "rb") as f:
        data = f.read()
    return sum(len(p) for sid, p in sections(data) if sid == 10)


def vec_items(payload, read_item):
    count, i = leb(payload, 0)
    items = []
    for _ in range(count):
        start = i
        i = read_item(payload, i)
        items.append(payload[start:i])
    return items


def generate(source, out, mib):
    """`source` with its defined functions repeated until the code section
    holds `mib` MiB; the copies call the originals, so all is valid. Custom
    sections are dropped (their names would not match)."""
    with open(source, "rb") as f:
        data = f.read()
    parts = list(sections(data))
    funcs = next(p for sid, p in parts if sid == 3)
    code = next(p for sid, p in parts if sid == 10)
    types = vec_items(funcs, lambda p, i: leb(p, i)[1])
    bodies = vec_items(code, lambda p, i: sum(leb(p, i)))
    copies = max(1, -(-(mib << 20) // len(code)))
    new = {3: (types, copies), 10: (bodies, copies)}
    blob = bytearray(data[:8])
    for sid, payload in parts:
        if sid == 0:
            continue
        if sid in new:
            items, n = new[sid]
            payload = enc_leb(len(items) * n) + b"".join(items) * n
        blob += bytes([sid]) + enc_leb(len(payload)) + payload
    with open(out, "wb") as f:
        f.write(blob)
    return out


def build_sqlite(out):
    """SQLite's amalgamation from Debian's source (configured and made once
    in the source cache, outside the repo), linked with sqlite_driver.c."""
    wasm = os.path.join(out, "sqlite.wasm")
    driver = os.path.join(HERE, "sqlite_driver.c")
    if os.path.exists(wasm) and os.path.getmtime(wasm) > os.path.getmtime(
            driver):
        return wasm
    fetched = subprocess.run(
        ["bash", os.path.join(lua_build.REALPROGS, "fetch_sources.sh"),
         "sqlite3"], stdout=subprocess.PIPE, text=True, check=True)
    src = fetched.stdout.split()[-1]
    amalg = os.path.join(os.path.dirname(src), "amalgamation")
    if not os.path.exists(os.path.join(amalg, "sqlite3.c")):
        os.makedirs(amalg, exist_ok=True)
        # Native tools (lemon, mkkeywordhash) and tclsh write sqlite3.c.
        subprocess.run([os.path.join(src, "configure"), "--disable-tcl"],
                       cwd=amalg, check=True, stdout=subprocess.DEVNULL)
        subprocess.run(["make", "-j2", "sqlite3.c"], cwd=amalg, check=True,
                       stdout=subprocess.DEVNULL)
    os.makedirs(out, exist_ok=True)
    subprocess.run(["clang"] + SQLITE_FLAGS + ["-I" + amalg,
                    os.path.join(amalg, "sqlite3.c"), driver, "-o", wasm],
                   check=True)
    return wasm


def load_times(load_time, wasm, runs):
    """Medians over `runs` fresh processes of load_time's one load each: a
    fresh process is what `capbox run` is, and its first touches of memory
    (page faults) are part of its start-up, which a warm loop would hide."""
    samples = []
    for _ in range(runs):
        result = subprocess.run([load_time, wasm, "1"], check=True,
                                stdout=subprocess.PIPE, text=True)
        samples.append({k: float(v) for k, v in re.findall(
            r'"(\w+)": ([0-9.]+)', result.stdout)})
    return {k: statistics.median(s[k] for s in samples) for k in samples[0]}


def callgrind(load_time, wasm, tmp):
    """Instructions in load_module, validate_module and decode_module."""
    out = os.path.join(tmp, "callgrind.out")
    subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=" +
                    out, "--toggle-collect=capbox::engine::load_module*",
                    load_time, wasm, "1"], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    text = subprocess.run(["callgrind_annotate", "--inclusive=yes",
                           "--auto=no", out],
                          check=True, stdout=subprocess.PIPE,
                          text=True).stdout
    counts = {}
    for name in ("load_module", "validate_module", "decode_module"):
        match = re.search(r"^\s*([0-9,]+) .*capbox::engine::" + name + r"\(",
                          text, re.M)
        counts[name] = int(match.group(1).replace(",", "")) if match else 0
    return counts


def start_wall(capbox, wasm, runs):
    """Median wall and CPU (user + sys of the process tree, from wait4)
    seconds of `capbox run MODULE -v`, after one warm-up run."""
    walls, cpus = [], []
    for i in range(runs + 1):
        start = time.perf_counter()
        proc = subprocess.Popen([capbox, "run", "--no-policy", wasm, "-v"],
                                stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT)
        out = proc.stdout.read()
        # wait4 on capbox counts the sandboxed child it reaped.
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        proc.stdout.close()
        elapsed = time.perf_counter() - start
        if proc.returncode != 0 or not out.strip():
            sys.exit(f"load_bench: {capbox} run {wasm} -v failed: "
                     f"{out.decode()[:300]}")
        if i:
            walls.append(elapsed)
            cpus.append(usage.ru_utime + usage.ru_stime)
    return statistics.median(walls), statistics.median(cpus)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", required=True, help="meson build dir")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--gen-mib", type=int, default=4)
    parser.add_argument("--modules", default="lua,sqlite,generated")
    parser.add_argument("--no-callgrind", action="store_true")
    parser.add_argument("--out", default="/tmp/capbox-load-bench")
    args = parser.parse_args()
    capbox = os.path.join(args.build, "src", "cli", "capbox")
    load_time = os.path.join(args.build, "bench", "load_time")
    os.makedirs(args.out, exist_ok=True)
    wanted = args.modules.split(",")
    modules = []
    if "lua" in wanted or "generated" in wanted:
        lua = lua_build.build_lua(os.path.join(args.out, "lua"))[0]
        if "lua" in wanted:
            modules.append(("lua", lua))
    if "sqlite" in wanted:
        modules.append(("sqlite", build_sqlite(os.path.join(args.out,
                                                            "sqlite"))))
    if "generated" in wanted:
        modules.append((f"generated ({args.gen_mib} MiB)", generate(
            lua, os.path.join(args.out, "generated.wasm"), args.gen_mib)))
    if not args.no_callgrind and not shutil.which("valgrind"):
        sys.exit("load_bench: valgrind not found (or pass --no-callgrind)")
    with open("/proc/loadavg") as f:
        load = f.read().split()[0]
    print(f"load_bench: {args.build}, median of {args.runs} runs, "
          f"load average {load} on {os.cpu_count()} CPUs")
    print(f"{'module':20} {'code KiB':>8} {'decode':>7} {'valid.':>7} "
          f"{'load':>7} {'cpu':>7} {'faults':>6} {'Minstr':>7} {'/byte':>5} "
          f"{'val/B':>5} {'run -v':>7} {'cpu':>7}")
    for name, wasm in modules:
        size = code_bytes(wasm)
        t = load_times(load_time, wasm, args.runs)
        counts = {"load_module": 0, "validate_module": 0}
        if not args.no_callgrind:
            counts = callgrind(load_time, wasm, args.out)
        wall, cpu = start_wall(capbox, wasm, args.runs)
        print(f"{name:20} {size / 1024:8.0f} {t['decode_ms']:7.2f} "
              f"{t['validate_ms']:7.2f} {t['load_ms']:7.2f} "
              f"{t['load_cpu_ms']:7.2f} {t['load_faults']:6.0f} "
              f"{counts['load_module'] / 1e6:7.2f} "
              f"{counts['load_module'] / size:5.1f} "
              f"{counts['validate_module'] / size:5.1f} "
              f"{wall * 1000:7.2f} {cpu * 1000:7.2f}")
    print("(times in ms; decode, valid., load, cpu, faults: load_time in a "
          "fresh process; Minstr: callgrind in load_module; /byte, val/B: "
          "load_module's and validate_module's instructions per byte of "
          "code; run -v: whole `capbox run` wall and CPU)")


if __name__ == "__main__":
    main()
