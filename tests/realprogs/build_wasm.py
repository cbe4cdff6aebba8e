#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# Builds real programs from Debian source trees (fetched by
# fetch_sources.sh, never edited) into wasm32-wasi modules with clang and
# wasi-libc: the Lua 5.4 interpreter (with capbox_lua.h's no-longjmp
# error handling), zlib's minigzip and example, and simd/'s simdkernel.
# A variant adds flags: "simd" -msimd128 (auto-vectorised, and simdkernel's
# intrinsics), "simd-scalar" simdkernel's scalar twins under -msimd128,
# "native" the host build the outputs are compared with. Incremental: an
# object is rebuilt when its source, a header given here, or the flags
# changed; two compilers at a time. Usage:
#   build_wasm.py {lua|zlib|simdkernel} SOURCE_DIR OUT_DIR [--cc CLANG]
#                 [--variant wasm|simd|simd-scalar|native]
import argparse
import concurrent.futures
import hashlib
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
JOBS = 2
BASE_FLAGS = ["--target=wasm32-wasi", "-O2", "-w"]


def lua_recipe(src):
    lua = os.path.join(HERE, "lua")
    srcdir = os.path.join(src, "src")
    sources = sorted(os.path.join(srcdir, f) for f in os.listdir(srcdir)
                     if f.endswith(".c") and f != "luac.c")
    flags = BASE_FLAGS + [
        "-D_WASI_EMULATED_SIGNAL", "-D_WASI_EMULATED_PROCESS_CLOCKS",
        "-I" + os.path.join(lua, "shim"), "-I" + srcdir,
    ]
    forced = ["-include", os.path.join(lua, "capbox_lua.h")]
    objects = [(s, flags + forced) for s in sources]
    # Our own file is held to our warnings.
    objects.append((os.path.join(lua, "capbox_lua.c"),
                    [f for f in flags if f != "-w"] +
                    ["-Wall", "-Wextra", "-Werror"]))
    libs = ["-lwasi-emulated-signal", "-lwasi-emulated-process-clocks", "-lm"]
    deps = [os.path.join(lua, "capbox_lua.h"),
            os.path.join(lua, "shim", "setjmp.h"),
            os.path.join(lua, "shim", "lua5.4-deb-multiarch.h")]
    return {"lua": ([o[0] for o in objects], libs)}, objects, deps


ZLIB_LIB = ["adler32", "compress", "crc32", "deflate", "gzclose", "gzlib",
            "gzread", "gzwrite", "infback", "inffast", "inflate", "inftrees",
            "trees", "uncompr", "zutil"]


def zlib_recipe(src):
    flags = BASE_FLAGS + ["-DHAVE_UNISTD_H", "-I" + src]
    lib = [os.path.join(src, n + ".c") for n in ZLIB_LIB]
    tests = [os.path.join(src, "test", n + ".c") for n in ("minigzip",
                                                            "example")]
    objects = [(s, flags) for s in lib + tests]
    programs = {os.path.basename(t)[:-2]: ([t] + lib, []) for t in tests}
    return programs, objects, []


def simdkernel_recipe(_):
    simd = os.path.join(HERE, "simd")
    names = ("simdkernel", "simdkernel_more", "simdkernel_lanes")
    sources = [os.path.join(simd, n + ".c") for n in names]
    # Our own code: held to our warnings, no -w.
    flags = [f for f in BASE_FLAGS if f != "-w"] + [
        "-std=c11", "-Wall", "-Wextra", "-Werror"]
    return ({"simdkernel": (sources, ["-lm"])},
            [(s, flags) for s in sources],
            [os.path.join(simd, "simdkernel.h")])


RECIPES = {"lua": lua_recipe, "zlib": zlib_recipe,
           "simdkernel": simdkernel_recipe}
WASM_TARGET = "--target=wasm32-wasi"
# Native builds must not fuse a*b+c: wasm never does.
VARIANTS = {"wasm": [], "simd": ["-msimd128"],
            "simd-scalar": ["-msimd128", "-DSIMDKERNEL_SCALAR"],
            "native": ["-ffp-contract=off"]}


def for_variant(flags, variant):
    """`flags` for the variant: native builds drop the wasm target."""
    if variant == "native":
        flags = [f for f in flags if f != WASM_TARGET]
    return flags + VARIANTS[variant]


def object_path(out, source):
    tag = hashlib.sha1(source.encode()).hexdigest()[:8]
    return os.path.join(out, "obj", f"{os.path.basename(source)[:-2]}-{tag}.o")


def stale(target, inputs, stamp_text):
    """True when `target` is missing, older than an input, or was built
    with other flags (recorded beside it)."""
    stamp = target + ".flags"
    try:
        with open(stamp) as f:
            if f.read() != stamp_text:
                return True
        built = os.path.getmtime(target)
    except OSError:
        return True
    return any(os.path.getmtime(i) > built for i in inputs)


def run(command):
    result = subprocess.run(command, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    return result.returncode, " ".join(command), result.stdout


def build(name, src, out, cc, variant="wasm"):
    # Absolute paths, so the recorded commands do not depend on the cwd.
    src, out = os.path.abspath(src), os.path.abspath(out)
    programs, objects, deps = RECIPES[name](src)
    os.makedirs(os.path.join(out, "obj"), exist_ok=True)
    jobs = []
    for source, flags in objects:
        obj = object_path(out, source)
        command = ([cc] + for_variant(flags, variant) +
                   ["-c", source, "-o", obj])
        if stale(obj, [source] + deps, " ".join(command)):
            jobs.append((obj, command))
    with concurrent.futures.ThreadPoolExecutor(JOBS) as pool:
        for (obj, command), (rc, text, output) in zip(
                jobs, pool.map(lambda j: run(j[1]), jobs)):
            if rc != 0:
                sys.stderr.write(f"build_wasm: failed: {text}\n{output}")
                return False
            with open(obj + ".flags", "w") as f:
                f.write(text)
    for program, (sources, libs) in programs.items():
        native = variant == "native"
        target = os.path.join(out, program + ("" if native else ".wasm"))
        objs = [object_path(out, s) for s in sources]
        command = ([cc] + ([] if native else [WASM_TARGET]) + objs +
                   ["-o", target] + libs)
        if stale(target, objs, " ".join(command)):
            rc, text, output = run(command)
            if rc != 0:
                sys.stderr.write(f"build_wasm: failed: {text}\n{output}")
                return False
            with open(target + ".flags", "w") as f:
                f.write(text)
    print(f"build_wasm: {name}: {len(jobs)} of {len(objects)} objects "
          f"compiled, {', '.join(sorted(programs))} in {out}")
    return True


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("name", choices=sorted(RECIPES))
    parser.add_argument("source")
    parser.add_argument("out")
    parser.add_argument("--cc", default="clang")
    parser.add_argument("--variant", choices=sorted(VARIANTS), default="wasm")
    opts = parser.parse_args()
    return 0 if build(opts.name, opts.source, opts.out, opts.cc,
                      opts.variant) else 1


if __name__ == "__main__":
    sys.exit(main())
