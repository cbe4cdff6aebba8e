#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# Builds real programs from Debian source trees (fetched by
# fetch_sources.sh, never edited) into wasm32-wasi modules with clang and
# wasi-libc: the Lua 5.4 interpreter (with capbox_lua.h's no-longjmp
# error handling) and zlib's minigzip and example. Incremental: an object
# is rebuilt when its source, a header given here, or the flags changed;
# two compilers at a time. Usage:
#   build_wasm.py {lua|zlib} SOURCE_DIR OUT_DIR [--cc CLANG]
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


RECIPES = {"lua": lua_recipe, "zlib": zlib_recipe}


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


def build(name, src, out, cc):
    # Absolute paths, so the recorded commands do not depend on the cwd.
    src, out = os.path.abspath(src), os.path.abspath(out)
    programs, objects, deps = RECIPES[name](src)
    os.makedirs(os.path.join(out, "obj"), exist_ok=True)
    jobs = []
    for source, flags in objects:
        obj = object_path(out, source)
        command = [cc] + flags + ["-c", source, "-o", obj]
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
        target = os.path.join(out, program + ".wasm")
        objs = [object_path(out, s) for s in sources]
        command = [cc, "--target=wasm32-wasi"] + objs + ["-o", target] + libs
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
    opts = parser.parse_args()
    return 0 if build(opts.name, opts.source, opts.out, opts.cc) else 1


if __name__ == "__main__":
    sys.exit(main())
