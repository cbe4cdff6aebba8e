#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# The Lua 5.4 interpreter for the bench's "lua" row: the wasm32-wasi module
# exactly as the realprogs suite builds it (tests/realprogs: Debian's
# lua5.4 source from apt-get source, build_wasm.py), and a native build
# from the same sources with the same flags and forced header, only
# without --target, so the two interpreters run the same C code.
# Usage: lua_build.py OUT_DIR [--cc CLANG]; prints the two paths.
import argparse
import concurrent.futures
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REALPROGS = os.path.join(HERE, "..", "tests", "realprogs")
sys.path.insert(0, REALPROGS)
import build_wasm  # noqa: E402


def fetch_lua():
    result = subprocess.run(
        ["bash", os.path.join(REALPROGS, "fetch_sources.sh"), "lua5.4"],
        stdout=subprocess.PIPE, text=True)
    lines = result.stdout.split()
    if result.returncode != 0 or not lines:
        raise RuntimeError("cannot fetch lua5.4 (tests/realprogs/"
                           "fetch_sources.sh needs apt-get source)")
    return lines[-1]


def build_native(src, out, cc):
    """build_wasm's Lua recipe with the native target; incremental as it."""
    _, objects, deps = build_wasm.lua_recipe(src)
    os.makedirs(os.path.join(out, "obj"), exist_ok=True)
    jobs = []
    for source, flags in objects:
        native_flags = [f for f in flags if not f.startswith("--target=")]
        obj = build_wasm.object_path(out, source)
        command = [cc] + native_flags + ["-c", source, "-o", obj]
        if build_wasm.stale(obj, [source] + deps, " ".join(command)):
            jobs.append((obj, command))
    with concurrent.futures.ThreadPoolExecutor(build_wasm.JOBS) as pool:
        for (obj, _), (rc, text, output) in zip(
                jobs, pool.map(lambda j: build_wasm.run(j[1]), jobs)):
            if rc != 0:
                raise RuntimeError(f"failed: {text}\n{output}")
            with open(obj + ".flags", "w") as f:
                f.write(text)
    target = os.path.join(out, "lua")
    objs = [build_wasm.object_path(out, s) for s, _ in objects]
    command = [cc] + objs + ["-o", target, "-lm"]
    if build_wasm.stale(target, objs, " ".join(command)):
        rc, text, output = build_wasm.run(command)
        if rc != 0:
            raise RuntimeError(f"failed: {text}\n{output}")
        with open(target + ".flags", "w") as f:
            f.write(text)
    return target


def build_lua(out, cc="clang"):
    """Returns (lua.wasm, native lua) under `out`, building what is stale."""
    src = fetch_lua()
    wasm_dir = os.path.join(out, "wasm")
    if not build_wasm.build("lua", src, wasm_dir, cc):
        raise RuntimeError("building lua.wasm failed")
    native = build_native(src, os.path.join(out, "native"), cc)
    return os.path.join(wasm_dir, "lua.wasm"), native


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("--cc", default="clang")
    opts = parser.parse_args()
    for path in build_lua(opts.out, opts.cc):
        print(path)


if __name__ == "__main__":
    main()
