# SPDX-License-Identifier: Apache-2.0
# Catalogue entries (see catalogue.py): the top level (src/cli/main.cc) and
# `capbox run` (run_options.cc, run_command.cc, run_plan.cc, guest_run.cc,
# dir_spec.cc, values.cc, listen.cc, sha256.cc, wasi/grant_rights.cc).
from catalogue import E

E("main-unknown-subcommand", ["rnu"], 125, "capbox: error: 'rnu' is not a subcommand; did you mean 'run'?\n")
E("main-module-as-subcommand", ["x.wasm"], 125, "capbox: error: 'x.wasm' is not a subcommand; did you mean 'capbox run x.wasm'?\n")
E("main-unknown-far", ["zzzzzzzzzz"], 125, "capbox: error: 'zzzzzzzzzz' is not a subcommand; see 'capbox --help'\n")
E("main-unknown-option", ["--verison"], 125, "capbox: error: unknown option '--verison'; did you mean '--version'?\n")
E("main-unknown-option-far", ["--zzzzzzzzz"], 125, "capbox: error: unknown option '--zzzzzzzzz'; options of 'run' go after it: capbox run [OPTIONS] MODULE\n")
E("main-color-value", ["--color=sometimes", "run"], 125, "capbox: error: --color takes auto, always or never, not 'sometimes'\n")
E("main-help-unknown", ["help", "rnu"], 125, "capbox: error: 'rnu' is not a subcommand; did you mean 'run'?\n")

# run: options (run_options.cc).
E("run-option-empty-value", ["run", "--trace-file=", "a.wasm"], 125, "capbox: error: --trace-file needs a value: --trace-file=FILE\n")
E("run-no-module", ["run"], 125, 'capbox: error: no module given; usage: capbox run [OPTIONS] MODULE.wasm [ARGS...]\n')
E("run-unknown-option", ["run", "--invok", "f", "arith.wasm"], 125, "capbox: error: unknown option '--invok'; did you mean '--invoke'?\n")
E("run-unknown-option-far", ["run", "--zzzzzzz", "arith.wasm"], 125, "capbox: error: unknown option '--zzzzzzz'; see 'capbox run --help'\n")
E("run-option-needs-value", ["run", "--invoke"], 125, "capbox: error: --invoke needs a value: --invoke FUNC\n")
E("run-option-twice", ["run", "--policy", "a", "--policy", "b", "x.wasm"], 125, "capbox: error: --policy is given more than once; give it once\n")
E("run-policy-and-no-policy", ["run", "--policy", "x", "--no-policy",
                               "arith.wasm"], 125, 'capbox: error: --policy and --no-policy contradict each other; give one\n')
E("run-quiet-and-verbose", ["run", "-q", "-vv", "a.wasm"], 125, "capbox: error: -q and -v contradict each other; give one\n")
E("run-S-inherit-env-value", ["run", "-S", "inherit-env=maybe", "a.wasm"],
  125, "capbox: error: -S inherit-env takes y or n, not 'maybe'\n")
E("run-S-tcplisten-empty", ["run", "-S", "tcplisten", "a.wasm"], 125, 'capbox: error: -S tcplisten needs an address: -S tcplisten=127.0.0.1:8080\n')
E("run-S-preview2", ["run", "-S", "inherit-network", "a.wasm"], 125, 'capbox: error: -S inherit-network needs WASI preview2 sockets; capbox implements preview1, use -S tcplisten=ADDR:PORT for a listening socket\n')
E("run-S-unknown-near", ["run", "-S", "inherit-evn", "a.wasm"], 125, "capbox: error: unknown WASI option '-S inherit-evn'; did you mean 'inherit-env'?\n")
E("run-S-unknown-far", ["run", "-S", "zzzzzzzz", "a.wasm"], 125, "capbox: error: unknown WASI option '-S zzzzzzzz'; known: inherit-env, tcplisten=ADDR:PORT\n")
E("run-trace-group-near", ["run", "--trace=fs,pth", "a.wasm"], 125, "capbox: error: unknown trace group 'fs' in --trace=fs,pth; did you mean 'fd'?\n")
E("run-trace-group-far", ["run", "--trace=zzzzzz", "a.wasm"], 125, "capbox: error: unknown trace group 'zzzzzz' in --trace=zzzzzz; known: args, env, clock, random, fd, path, poll, proc, sock\n")
E("run-trace-file-empty", ["run", "--trace-file", "", "a.wasm"], 125, 'capbox: error: --trace-file needs a file name\n')
E("run-report-empty", ["run", "--report", "", "a.wasm"], 125, 'capbox: error: --report needs a file name\n')
E("run-W-not-number", ["run", "-W", "fuel=lots", "a.wasm"], 125, "capbox: error: -W fuel=lots: 'lots' is not a whole number\n")
E("run-W-no-value", ["run", "-W", "fuel", "a.wasm"], 125, 'capbox: error: -W fuel: no value; write -W fuel=VALUE\n')
E("run-W-zero", ["run", "-W", "fuel=0", "a.wasm"], 125, 'capbox: error: -W fuel=0: a limit must be above 0 (leave it out for none)\n')
E("run-W-stack", ["run", "-W", "max-wasm-stack=1000", "a.wasm"], 125, "capbox: error: -W max-wasm-stack=1000: capbox's call depth is fixed (a deeper guest traps with 'call stack exhausted'); use --limit memory=SIZE for memory\n")
E("run-W-unknown-imports", ["run", "-W", "unknown-imports-trap=y", "a.wasm"],
  125, 'capbox: error: -W unknown-imports-trap=y: capbox refuses a module with an unknown import at start (exit 126) and does not define stand-ins\n')
E("run-W-unknown-near", ["run", "-W", "fule=1", "a.wasm"], 125, "capbox: error: unknown key in -W fule=1; did you mean 'fuel'?\n")
E("run-W-unknown-far", ["run", "-W", "zzzzzz=1", "a.wasm"], 125,
  "capbox: error: unknown key in -W zzzzzz=1; known: fuel max-memory-size timeout simd tail-call extended-const\n")
E("run-W-feature-value", ["run", "-W", "tail-call=maybe", "a.wasm"], 125,
  "capbox: error: -W tail-call=maybe: give y or n (write -W tail-call=n to turn it off)\n")
E("run-limit-unknown-far", ["run", "--limit", "zzzzzz=1", "a.wasm"], 125,
  'capbox: error: unknown key in --limit zzzzzz=1; known: memory fuel cpu-time wall-time open-files output file-output processes\n')
E("run-limit-size", ["run", "--limit", "memory=12XB", "a.wasm"], 125, 'capbox: error: --limit memory=12XB: unknown unit \'XB\' in a size "12XB"; use one of GiB, MiB, KiB, B\n')
E("run-limit-duration", ["run", "--limit", "wall-time=10", "a.wasm"], 125,
  'capbox: error: --limit wall-time=10: a duration needs a unit: one of h, m, s, ms\n')
E("run-dir-rights-as-guest", ["run", "--dir", "data::ro", "a.wasm"], 125,
  "capbox: error: --dir data::ro: 'ro' would be the guest name, not rights; write --dir data::GUEST::ro (GUEST may be data), or --dir data::/ro for a guest directory of that name\n")
E("run-dir-no-host", ["run", "--dir", "::/x", "a.wasm"], 125, 'capbox: error: --dir ::/x: no host directory; use --dir HOST[::GUEST[::RIGHTS]]\n')
E("run-dir-bad-rights", ["run", "--dir", "data::/d::fly", "a.wasm"], 125,
  "capbox: error: --dir data::/d::fly: unknown right 'fly'; use ro, rw, or a comma list of read, write, create, delete, rename, metadata\n")
E("run-listen-ipv6-no-close", ["run", "-S", "tcplisten=[::1", "hello.wasm"], 125,
  "capbox: error: cannot listen on [::1: expected [IPv6]:PORT, such as "
  "[::1]:8080 (from -S tcplisten=[::1)\n", modules=["hello.wasm"])
# run: the module (run_command.cc, guest_run.cc, values.cc).
E("run-not-found", ["run", "nope.wasm"], 127, 'capbox: error: module not found: nope.wasm (no such file)\n')
E("run-directory", ["run", "d.wasm"], 126, 'capbox: error: cannot read module d.wasm: is a directory\n', files={"d.wasm/": ""})
E("run-malformed", ["run", "garbage.wasm"], 126, 'capbox: error: garbage.wasm: malformed module at 0x0: magic header not detected\n',
  modules=["garbage.wasm"])
E("run-invalid", ["run", "invalid.wasm"], 126, 'capbox: error: invalid.wasm: invalid module at 0x1a: type mismatch\n', modules=["invalid.wasm"])
E("run-unknown-import", ["run", "puts.wasm"], 126, 'capbox: error: puts.wasm imports env::puts, which capbox does not provide\n',
  modules=["puts.wasm"])
E("run-import-turned-off", ["run", "--policy", "./p.toml", "random.wasm"],
  126, 'capbox: error: random.wasm imports wasi_snapshot_preview1::random_get, which the policy turns off (wasi.random = false at {DIR}/p.toml:3:10)\n'
  "   = help: allow it in the policy's [wasi] table, or give the guest a build that does not need it\n", modules=["random.wasm"],
  files={"p.toml": "version = 1\n[wasi]\nrandom = false\n"})
E("run-no-start", ["run", "noentry.wasm"], 126, "capbox: error: noentry.wasm does not export a function named '_start'; name one with --invoke FUNC (exported: f)\n",
  modules=["noentry.wasm"])
E("run-no-such-export", ["run", "--invoke", "nope", "arith.wasm"], 126, "capbox: error: arith.wasm does not export a function named 'nope' (exported: add, takes_ref)\n",
  modules=["arith.wasm"])
E("run-arg-count", ["run", "--invoke", "add", "arith.wasm", "1"], 125, 'capbox: error: add has type (i32, i32) -> (i32) and takes 2 arguments, but 1 was given\n',
  modules=["arith.wasm"])
E("run-arg-count-none", ["run", "--invoke", "add", "arith.wasm"], 125, 'capbox: error: add has type (i32, i32) -> (i32) and takes 2 arguments, but 0 were given\n',
  modules=["arith.wasm"])
E("run-arg-value", ["run", "--invoke", "add", "arith.wasm", "x", "1"], 125,
  "capbox: error: argument 1 of add: 'x' is not a valid i32\n", modules=["arith.wasm"])
E("run-arg-type", ["run", "--invoke", "takes_ref", "arith.wasm", "1"], 125,
  'capbox: error: argument 1 of takes_ref: an externref argument cannot be given on the command line; --invoke passes only numbers (i32, i64, f32, f64, v128)\n', modules=["arith.wasm"])
E("run-trap", ["run", "trap.wasm"], 134, 'capbox: error: trap.wasm trapped: unreachable in function boom at 0x23\n'
  '  wasm backtrace:\n'
  '    0: 0x23 trap.wasm!boom\n', modules=["trap.wasm"])
E("run-exit-out-of-range", ["run", "exit200.wasm"], 1, 'capbox: error: exit200.wasm exited with status 200, outside [0..126) (reported as 1, as wasmtime does)\n',
  modules=["exit200.wasm"])
E("run-fuel", ["run", "-W", "fuel=1000", "spin.wasm"], 134, 'capbox: error: spin.wasm trapped: all fuel consumed: fuel limit of 1000 (from -W fuel=1000)\n'
  '  wasm backtrace:\n'
  '    0: 0x35 spin.wasm!spin\n'
  '   = help: give a larger value to -W fuel=1000\n',
  modules=["spin.wasm"])
E("run-wall-time", ["run", "--limit", "wall-time=200ms", "spin.wasm"], 134,
  'capbox: error: spin.wasm was stopped: wall-time limit of 200ms (from --limit wall-time=200ms) exceeded\n'
  '   = help: give a larger value to --limit wall-time=200ms\n', modules=["spin.wasm"])
E("run-memory-grow", ["run", "--limit", "memory=128KiB", "--invoke", "grow",
                      "spin.wasm", "4"], 0, 'capbox: warning: spin.wasm: memory.grow was refused 1 time by the memory limit of 128KiB (from --limit memory=128KiB)\n'
  '   = help: give a larger value to --limit memory=128KiB\n', modules=["spin.wasm"])
E("run-memory-below-page", ["run", "--limit", "memory=1000", "hello.wasm"],
  125, 'capbox: error: the memory limit of 1000B (from --limit memory=1000) is below one 64KiB wasm page; give at least 64KiB\n', modules=["hello.wasm"])
E("run-memory-initial", ["run", "--limit", "memory=64KiB", "bigmem.wasm"],
  134, "capbox: error: bigmem.wasm: memory of 20 pages exceeds the store's limit: memory limit of 64KiB (from --limit memory=64KiB)\n"
  '   = help: give a larger value to --limit memory=64KiB\n', modules=["bigmem.wasm"])
E("run-open-files-no-room", ["run", "--limit", "open-files=2", "--dir",
                             "data", "hello.wasm"], 125, 'capbox: error: the open-files limit of 2 descriptors (from --limit open-files=2) leaves no room beside the 4 descriptors the guest starts with (stdio, grants, sockets); give at least 5\n',
  modules=["hello.wasm"], files={"data/": ""})
E("run-trace-file-unwritable", ["run", "--trace-file", "no/such/t",
                                "hello.wasm"], 125, 'capbox: error: cannot write the trace file no/such/t: No such file or directory\n',
  modules=["hello.wasm"])
E("run-sha256-pin", ["run", "--policy", "./p.toml", "hello.wasm"], 126, 'capbox: error: hello.wasm is not the module the policy pins: its sha256 is abacef6c5ae886713ca0c67b0757d0e77f4e3f49964f827dfd91c8e55f7bfc0f, the policy says 0000000000000000000000000000000000000000000000000000000000000000\n'
  '  --> {DIR}/p.toml:3:10\n'
  '   = help: if this build is trusted, set sha256 = "abacef6c5ae886713ca0c67b0757d0e77f4e3f49964f827dfd91c8e55f7bfc0f" in [program]\n',
  modules=["hello.wasm"],
  files={"p.toml": "version = 1\n[program]\nsha256 = \"" + "0" * 64 + "\"\n"})
E("run-missing-dir", ["run", "--dir", "nodir", "hello.wasm"], 125, 'capbox: error: cannot open nodir (granted at --dir nodir): No such file or directory\n'
  '   = help: create it, or fix the path in --dir nodir\n',
  modules=["hello.wasm"])
E("run-missing-dir-policy", ["run", "--policy", "./p.toml", "hello.wasm"], 125,
  "capbox: error: cannot open nodir: No such file or directory\n"
  "  --> {DIR}/p.toml:5:10\n"
  '   = help: create it, or set missing = "create" (or "skip") in its [[fs.dir]]\n',
  modules=["hello.wasm"],
  files={"p.toml": 'version = 1\n[[fs.dir]]\nhost = "nodir"\nguest = "/d"\nrights = "ro"\n'})
E("run-swapped-dir", ["run", "--dir", "/gone::.", "hello.wasm"], 125, 'capbox: error: cannot open /gone (granted at --dir /gone::.): No such file or directory\n'
  '   = help: create it, or fix the path in --dir /gone::.\n'
  '   = help: capbox reads HOST::GUEST, host first (like wasmtime 14+ and docker -v); did you swap them?\n',
  modules=["hello.wasm"])
E("run-locked-argv0", ["run", "--policy", "./p.toml", "--argv0", "x",
                       "hello.wasm"], 125, "capbox: error: the policy is locked: --argv0 may not change the guest's argv[0]\n"
  "  --> {DIR}/p.toml:2:10\n   = help: leave out --argv0, or set argv0 in [program]\n", modules=["hello.wasm"],
  files={"p.toml": "version = 1\nlocked = true\n"})
E("run-locked-dir", ["run", "--policy", "./p.toml", "--dir", "data",
                     "hello.wasm"], 125, 'capbox: error: policy {DIR}/p.toml: the policy is locked (locked = true): --dir data may not add to it\n'
  '  --> {DIR}/p.toml:2:10\n'
  '   = help: grant it in the policy itself, or set locked = false at {DIR}/p.toml:2:10\n', modules=["hello.wasm"],
  files={"p.toml": "version = 1\nlocked = true\n", "data/": ""})
E("run-extra-args", ["run", "--policy", "./p.toml", "hello.wasm", "x"], 125,
  'capbox: error: the policy does not let the user add arguments (extra_args = false)\n'
  '  --> {DIR}/p.toml:3:14\n   = help: run without arguments, or set extra_args = true in [program]\n', modules=["hello.wasm"],
  files={"p.toml": "version = 1\n[program]\nextra_args = false\n"})
E("run-extra-args-invoke", ["run", "--policy", "./p.toml", "--invoke", "add",
                            "arith.wasm", "1", "2"], 125, "capbox: error: the policy does not let the user add arguments (extra_args = false), --invoke's included\n"
  "  --> {DIR}/p.toml:3:14\n   = help: run without arguments, or set extra_args = true in [program]\n",
  modules=["arith.wasm"],
  files={"p.toml": "version = 1\n[program]\nextra_args = false\n"})
E("run-fs-off-with-dirs", ["run", "--policy", "./p.toml", "hello.wasm"], 125,
  'capbox: error: the policy grants directories but turns the filesystem off (wasi.filesystem = false)\n'
  '  --> {DIR}/p.toml:4:1\n  --> {DIR}/p.toml:3:14\n   = help: remove one of them\n', modules=["hello.wasm"],
  files={"p.toml": "version = 1\n[wasi]\nfilesystem = false\n[[fs.dir]]\n"
         "host = \".\"\nguest = \"/d\"\nrights = \"ro\"\n"})
E("run-sockets-off-with-listen", ["run", "--policy", "./p.toml",
                                  "hello.wasm"], 125, 'capbox: error: the policy listens on 127.0.0.1:0 but turns sockets off (wasi.sockets = false)\n'
  '  --> {DIR}/p.toml:5:11\n  --> {DIR}/p.toml:3:11\n   = help: remove one of them\n',
  modules=["hello.wasm"],
  files={"p.toml": "version = 1\n[wasi]\nsockets = false\n[net]\n"
         "listen = [\"127.0.0.1:0\"]\n"})
E("run-denied", ["run", "--dir", "data::/d::write", "probe.wasm",
                 "open-no-rights", "f"], 0, 'capbox: denied open of "/d/f": the grant lacks "read"; add it at --dir data::/d::write\n', modules=["probe.wasm"],
  files={"data/f": "secret"})
E("run-open-files-notice", ["run", "--limit", "open-files=5", "--dir",
                            "data::/d", "probe.wasm", "open-many", "/d/f"],
  0, "capbox: warning: open-files limit of 5 descriptors (from --limit open-files=5) reached: path_open of 'f' failed with EMFILE; later refusals are not reported\n", modules=["probe.wasm"], files={"data/f": "x"})
E("run-output-limit", ["run", "--limit", "output=10", "probe.wasm", "flood",
                       "100"], 134, 'capbox: error: probe.wasm was stopped: output limit of 10B (from --limit output=10) reached\n'
  '  wasm backtrace:\n'
  '    0: {ANY}\n'
  '    1: {ANY}\n'
  '    2: {ANY} probe.wasm!_start\n'
  '   = help: give a larger value to --limit output=10\n', modules=["probe.wasm"])
E("run-deep-backtrace", ["run", "deep.wasm"], 134,
  "capbox: error: deep.wasm trapped: call stack exhausted in function deep "
  "at 0x23\n  wasm backtrace:\n" +
  "".join(f"    {i}: 0x23 deep.wasm!deep\n" for i in range(64)) +
  "    ... {ANY} more frames\n", modules=["deep.wasm"])
E("run-policy-fuel", ["run", "--policy", "./p.toml", "spin.wasm"], 134,
  "capbox: error: spin.wasm trapped: all fuel consumed: fuel limit of 1000 "
  "(from {DIR}/p.toml:3:8)\n"
  "  wasm backtrace:\n"
  "    0: 0x35 spin.wasm!spin\n"
  "   = help: raise limits.fuel in {DIR}/p.toml, or override it with --limit "
  "fuel=VALUE\n",
  modules=["spin.wasm"],
  files={"p.toml": "version = 1\n[limits]\nfuel = 1000\n"})
E("run-cannot-create", ["run", "--policy", "./p.toml", "hello.wasm"], 125,
  "capbox: error: cannot create /proc/capbox-no: No such file or directory\n"
  "  --> {DIR}/p.toml:2:1\n"
  '   = help: create it yourself, or set missing = "skip"\n', modules=["hello.wasm"],
  files={"p.toml": "version = 1\n[[fs.dir]]\nhost = \"/proc/capbox-no\"\n"
         "guest = \"/d\"\nrights = \"ro\"\nmissing = \"create\"\n"})
# -S tcplisten=ADDR:PORT (listen.cc), one entry per way to get it wrong.
for name, spec, why in [
        ("no-port", "127.0.0.1", "expected ADDR:PORT, such as 127.0.0.1:8080"),
        ("ipv6-brackets", "::1:80",
         "an IPv6 address needs brackets, such as [::1]:8080"),
        ("no-address", ":80",
         "no address before the port (0.0.0.0 means every IPv4 address)"),
        ("not-numeric", "example.org:80",
         "'example.org' is not a numeric IPv4 address"),
        ("bad-port", "127.0.0.1:99999",
         "bad port '99999' (expected 0 to 65535)"),
        ("not-numeric-ipv6", "[zz]:80", "'zz' is not a numeric IPv6 address"),
        ("cannot-bind", "192.0.2.1:80", "Cannot assign requested address")]:
    E("run-listen-" + name, ["run", "-S", "tcplisten=" + spec, "hello.wasm"],
      125, f"capbox: error: cannot listen on {spec}: {why} (from -S "
      f"tcplisten={spec})\n", modules=["hello.wasm"])

# -v and -vv (run_verbose.cc): the plan before the run, each allowed
# decision as it is made.
E("run-verbose-policy", ["run", "-vv", "--policy", "./p.toml", "probe.wasm",
                         "read", "/d/f"], 0,
  "capbox: policy: {DIR}/base.toml, then {DIR}/p.toml\n"
  "capbox: grant: /d is data, read (fs.dir[0], {DIR}/base.toml:2:1)\n"
  "capbox: environment: empty\n"
  "capbox: no limit: memory, fuel, cpu-time, wall-time, open-files, output, file-output\n"
  "capbox: wasi: random calls off (wasi.random = false at {DIR}/p.toml:4:10)\n"
  'capbox: allowed open of "/d/f" (read) under /d (fs.dir[0])\n',
  modules=["probe.wasm"],
  files={"data/f": "secret",
         "base.toml": 'version = 1\n[[fs.dir]]\nhost = "data"\n'
                      'guest = "/d"\nrights = ["read"]\n',
         "p.toml": 'version = 1\nextends = ["./base.toml"]\n[wasi]\n'
                   'random = false\n'})
E("run-verbose-flags", ["run", "-v", "--limit", "memory=1MiB", "--dir",
                        "data::/d::ro", "--env", "A=1", "hello.wasm"], 0,
  "capbox: policy: none; the grants come from the flags\n"
  "capbox: grant: /d is data, read (--dir[0], --dir data::/d::ro)\n"
  "capbox: environment: A\n"
  "capbox: limit: memory limit of 1MiB (from --limit memory=1MiB)\n"
  "capbox: no limit: fuel, cpu-time, wall-time, open-files, output, file-output\n",
  modules=["hello.wasm"], files={"data/f": "x"})
E("run-verbose-listen", ["run", "--verbose", "--no-policy", "-S",
                         "tcplisten=127.0.0.1:0", "hello.wasm"], 0,
  "capbox: policy: none; the grants come from the flags\n"
  "capbox: grants: no directories\n"
  "capbox: grant: listening socket 127.0.0.1:0 (-S tcplisten=127.0.0.1:0)\n"
  "capbox: environment: empty\n"
  "capbox: no limit: memory, fuel, cpu-time, wall-time, open-files, output, file-output\n",
  modules=["hello.wasm"])
E("run-verbose-rename", ["run", "-vv", "--no-policy", "--dir", "data::/d",
                         "probe.wasm", "rename", "/d/f", "/d/g"], 0,
  "capbox: policy: none; the grants come from the flags\n"
  "capbox: grant: /d is data, read, write, create, delete, rename, metadata (--dir[0], --dir data::/d)\n"
  "capbox: environment: empty\n"
  "capbox: no limit: memory, fuel, cpu-time, wall-time, open-files, output, file-output\n"
  'capbox: allowed rename of "/d/f" to "/d/g" (rename) under /d (--dir[0])\n',
  modules=["probe.wasm"], files={"data/f": "x"})
