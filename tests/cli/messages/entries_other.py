# SPDX-License-Identifier: Apache-2.0
# Catalogue entries (see catalogue.py): `capbox exec` (exec_command.cc and
# run_options.cc's exec side), `capbox inspect` (inspect_command.cc) and
# `capbox policy` itself (policy_command.cc).
from catalogue import E

# exec: options.
E("exec-no-program", ["exec"], 125, 'capbox: error: no program given; usage: capbox exec [OPTIONS] [--] PROGRAM [ARGS...]\n')
E("exec-unknown-option", ["exec", "--zzzzzzz", "true"], 125, "capbox: error: unknown option '--zzzzzzz'; see 'capbox exec --help'\n")
E("exec-verbose", ["exec", "-v", "--limit", "processes=3", "--dir",
                   "data::/d::ro", "/bin/true"], 0,
  "capbox: policy: none; the grants come from the flags\n"
  "capbox: grant: /d is data, read (--dir[0], --dir data::/d::ro)\n"
  "capbox: environment: empty\n"
  "capbox: limit: processes limit of 3 processes (from --limit processes=3)\n"
  "capbox: no limit: memory, cpu-time, wall-time, open-files, file-output\n",
  files={"data/f": "x"})
E("exec-verbose-default-processes", ["exec", "-v", "/bin/true"], 0,
  "capbox: policy: none; the grants come from the flags\n"
  "capbox: grants: no directories\n"
  "capbox: environment: empty\n"
  "capbox: limit: processes limit of 256 processes (capbox exec's default)\n"
  "capbox: no limit: memory, cpu-time, wall-time, open-files, file-output\n")
E("exec-tcplisten", ["exec", "-S", "tcplisten=127.0.0.1:0", "true"], 125,
  'capbox: error: -S tcplisten is for wasm modules; capbox exec gives a native program no sockets\n')
E("exec-limit-fuel", ["exec", "--limit", "fuel=10", "true"], 125, 'capbox: error: --limit fuel=10: fuel counts wasm instructions; a native program is held by --limit cpu-time=DURATION\n')
E("exec-limit-output", ["exec", "--limit", "output=10", "true"], 125, "capbox: error: --limit output=10: capbox does not see a native program's stdout and stderr; --limit file-output=SIZE bounds the files it writes\n")
# exec: the program.
E("exec-not-found-path", ["exec", "./nope"], 127, 'capbox: error: program not found: ./nope (no such file)\n')
E("exec-not-in-path", ["exec", "no-such-program-here"], 127, 'capbox: error: program not found: no-such-program-here (not in PATH)\n'
  '   = help: give its path, e.g. ./no-such-program-here, or add its directory to PATH\n')
E("exec-directory", ["exec", "./d"], 126, 'capbox: error: cannot run ./d: is a directory\n', files={"d/": ""})
E("exec-not-executable", ["exec", "./f"], 126, 'capbox: error: cannot run ./f: not an executable file\n'
  '   = help: make it executable (chmod +x) or name another program\n', files={"f": "data"})
E("exec-script", ["exec", "./s.sh"], 126, 'capbox: error: cannot run ./s.sh: it is a script (#!/bin/sh), and capbox exec lets only the named program run\n'
  '   = help: run the command it stands for, or its interpreter on it: capbox exec [OPTIONS] -- /bin/sh {DIR}/s.sh\n',
  files={"s.sh": "#!/bin/sh\necho hi\n"}, chmod={"s.sh": 0o755})
E("exec-policy-fuel", ["exec", "--policy", "./p.toml", "/bin/true"], 125,
  'capbox: error: limits.fuel ({DIR}/p.toml:3:8) applies to wasm modules; capbox exec cannot enforce it on a native program\n'
  '   = help: use limits.cpu_time for a native program\n', files={"p.toml": "version = 1\n[limits]\nfuel = 10\n"})
E("exec-policy-output", ["exec", "--policy", "./p.toml", "/bin/true"], 125,
  'capbox: error: limits.output ({DIR}/p.toml:3:10) applies to wasm modules; capbox exec cannot enforce it on a native program\n'
  '   = help: use limits.file_output, which bounds the size of each file it writes\n', files={"p.toml": "version = 1\n[limits]\noutput = \"1KiB\"\n"})
E("exec-policy-listen", ["exec", "--policy", "./p.toml", "/bin/true"], 125,
  'capbox: error: net.listen ({DIR}/p.toml:3:11) gives a wasm module a socket; capbox exec gives a native program none\n', files={"p.toml": "version = 1\n[net]\nlisten = [\"127.0.0.1:0\"]\n"})
E("exec-sha256-pin", ["exec", "--policy", "./p.toml", "/bin/true"], 126,
  'capbox: error: /bin/true is not the program the policy pins: its sha256 is {ANY}, the policy says 0000000000000000000000000000000000000000000000000000000000000000\n'
  '  --> {DIR}/p.toml:3:10\n   = help: if this build is trusted, set sha256 = "{ANY}" in [program]\n', files={"p.toml": "version = 1\n[program]\nsha256 = \"" + "0" * 64 +
               "\"\n"})
E("exec-wall-time", ["exec", "--limit", "wall-time=200ms", "/bin/sleep", "5"],
  137, 'capbox: error: /bin/sleep was stopped: wall-time limit of 200ms (from --limit wall-time=200ms) exceeded\n'
  '   = help: give a larger value to --limit wall-time=200ms\n')
E("exec-trace-file-unwritable", ["exec", "--trace-file", "no/such/t",
                                 "/bin/true"], 125, 'capbox: error: cannot write the trace file no/such/t: No such file or directory\n')
E("exec-preload-missing", ["exec", "/bin/true"], 125, "capbox: error: cannot find capbox's preload library {DIR}/nolib.so: No such file or directory\n"
  "   = help: reinstall capbox, or set CAPBOX_PRELOAD to the library's path\n",
  env={"CAPBOX_PRELOAD": "{DIR}/nolib.so"})

# inspect.
E("inspect-no-module", ["inspect"], 64, "capbox: error: 'inspect' needs a MODULE.wasm\n")
E("inspect-two-modules", ["inspect", "a.wasm", "b.wasm"], 64, "capbox: error: 'inspect' takes one MODULE, got 'a.wasm' and 'b.wasm'\n")
E("inspect-unknown-option", ["inspect", "--zzz", "a.wasm"], 64, "capbox: error: unknown option '--zzz' for 'inspect'; it takes --format=text|json\n")
E("inspect-format", ["inspect", "--format=xml", "a.wasm"], 64, "capbox: error: --format must be text or json, not 'xml'\n")
E("inspect-not-found", ["inspect", "nope.wasm"], 66, 'capbox: error: module not found: nope.wasm (no such file)\n')
E("inspect-directory", ["inspect", "d.wasm"], 66, 'capbox: error: cannot read module d.wasm: is a directory\n', files={"d.wasm/": ""})
E("inspect-malformed", ["inspect", "garbage.wasm"], 65, 'capbox: error: garbage.wasm: malformed module at 0x0: magic header not detected\n',
  modules=["garbage.wasm"])

# policy.
E("policy-no-subcommand", ["policy"], 64, "capbox: error: 'policy' needs a subcommand: check, show, learn or explain\n"
  "   = help: see 'capbox policy --help'\n")
E("policy-subcommand-near", ["policy", "chek"], 64, "capbox: error: 'chek' is not a policy subcommand; did you mean 'check'?\n"
  "   = help: see 'capbox policy --help'\n")
E("policy-subcommand-far", ["policy", "zzzzzz"], 64, "capbox: error: 'zzzzzz' is not a policy subcommand; use check, show, learn or explain\n"
  "   = help: see 'capbox policy --help'\n")
E("policy-check-nothing", ["policy", "check"], 64, "capbox: error: 'policy check' needs at least one NAME or FILE\n"
  "   = help: see 'capbox policy --help'\n")
E("policy-check-option", ["policy", "check", "--zzz", "p.toml"], 64, "capbox: error: unknown option '--zzz' for 'policy check'\n"
  "   = help: see 'capbox policy --help'\n")
E("policy-show-two", ["policy", "show", "a.toml", "b.toml"], 64, "capbox: error: 'policy show' takes one NAME or FILE\n"
  "   = help: see 'capbox policy --help'\n")
E("policy-show-nothing", ["policy", "show"], 64, "capbox: error: 'policy show' needs a NAME or FILE\n"
  "   = help: see 'capbox policy --help'\n")
E("policy-show-option-near", ["policy", "show", "--dri", "x", "p.toml"], 64,
  "capbox: error: unknown option '--dri'; did you mean '--dir'?\n"
  "   = help: see 'capbox policy --help'\n")
E("policy-show-needs-value", ["policy", "show", "p.toml", "--dir"], 64, 'capbox: error: --dir needs a value\n'
  "   = help: see 'capbox policy --help'\n")
E("policy-show-S", ["policy", "show", "-S", "zzz", "p.toml"], 64, "capbox: error: -S zzz: 'policy show' knows inherit-env and tcplisten=\n"
  "   = help: see 'capbox policy --help'\n")
E("policy-show-locked", ["policy", "show", "--dir", "d", "./p.toml"], 78,
  'capbox: error: policy {DIR}/p.toml: the policy is locked (locked = true): --dir d may not add to it\n'
  '  --> {DIR}/p.toml:2:10\n'
  '   = help: grant it in the policy itself, or set locked = false at {DIR}/p.toml:2:10\n', files={"p.toml": "version = 1\nlocked = true\n"})
E("policy-show-bad-limit", ["policy", "show", "--limit", "fuel=x",
                            "./p.toml"], 64, "capbox: error: --limit fuel=x: 'x' is not a whole number\n"
  "   = help: see 'capbox policy --help'\n",
  files={"p.toml": "version = 1\n"})
# policy check --score (policy_score.cc, policy_command.cc).
SCORE_FILES = {'p.toml': 'version = 1\nextends = ["./base.toml"]\n[wasi]\nrandom = false\n', 'open.toml': 'version = 1\nlocked = true\n[program]\nsha256 = "0000000000000000000000000000000000000000000000000000000000000000"\n[[fs.dir]]\nhost = "/"\nguest = "/"\nrights = "rw"\nmissing = "skip"\n[env]\ninherit_all = true\n[limits]\nmemory = "1MiB"\nfuel = 1000\nwall_time = "1s"\nopen_files = 4\noutput = "1KiB"\nfile_output = "1KiB"\n[net]\nlisten = ["127.0.0.1:0"]\n', 'w.toml': 'version = 1\n[[fs.dir]]\nhost = "data"\nguest = "/d"\nrights = ["read", "write"]\n[limits]\ncpu_time = "1s"\n', 'base.toml': 'version = 1\n[[fs.dir]]\nhost = "data"\nguest = "/d"\nrights = ["read"]\n'}
E('policy-check-score', ['policy', 'check', '--score', 'p.toml'], 0, '',
  files={k: SCORE_FILES[k] for k in ['p.toml', 'base.toml']},
  stdout='p.toml: ok\n  ✓ writable-grant           no grant can change files\n  ✓ broad-grant              no grant of the root, a home or a system directory\n  ✓ whole-environment        only the variables named in [env]\n  ✓ network                  no listening socket\n  ✗ unpinned-module    1.00  no program.sha256: any module may use this policy\n  ✗ unlocked           0.50  not locked: --dir, --env and --limit may widen it\n  ✗ memory-limit       0.75  no limits.memory\n  ✗ cpu-limit          0.75  no limits.fuel or limits.cpu_time\n  ✗ wall-time-limit    0.50  no limits.wall_time\n  ✗ output-limit       0.25  no limits.output\n  ✓ file-output-limit        nothing to write to\n  ✗ open-files-limit   0.25  no limits.open_files\np.toml: exposure 4.00 of 10, MEDIUM\n')
E('policy-check-score-threshold', ['policy', 'check', '--score', '--threshold=1', 'open.toml', 'w.toml'], 1, '',
  files={k: SCORE_FILES[k] for k in ['open.toml', 'w.toml']},
  stdout='open.toml: ok\n  ✗ writable-grant     2.00  fs.dir[0] / ({DIR}/open.toml:5:1) can be changed: read, write, create, delete, rename, metadata\n  ✗ broad-grant        1.50  fs.dir[0] / ({DIR}/open.toml:5:1) is /, the root, a home or a system directory\n  ✗ whole-environment  1.00  env.inherit_all = true ({DIR}/open.toml:11:15)\n  ✗ network            1.00  listens on 127.0.0.1:0 ({DIR}/open.toml:20:11)\n  ✓ unpinned-module          program.sha256 pins the module\n  ✓ unlocked                 locked = true: flags cannot add to it\n  ✓ memory-limit             limits.memory is set ({DIR}/open.toml:13:10)\n  ✓ cpu-limit                limits.fuel is set ({DIR}/open.toml:14:8)\n  ✓ wall-time-limit          limits.wall_time is set ({DIR}/open.toml:15:13)\n  ✓ output-limit             limits.output is set ({DIR}/open.toml:17:10)\n  ✓ file-output-limit        limits.file_output is set ({DIR}/open.toml:18:15)\n  ✓ open-files-limit         limits.open_files is set ({DIR}/open.toml:16:14)\nopen.toml: exposure 5.50 of 10, MEDIUM, over the threshold of 1.00\nw.toml: ok\n  ✗ writable-grant     2.00  fs.dir[0] /d ({DIR}/w.toml:2:1) can be changed: read, write\n  ✓ broad-grant              no grant of the root, a home or a system directory\n  ✓ whole-environment        only the variables named in [env]\n  ✓ network                  no listening socket\n  ✗ unpinned-module    1.00  no program.sha256: any module may use this policy\n  ✗ unlocked           0.50  not locked: --dir, --env and --limit may widen it\n  ✗ memory-limit       0.75  no limits.memory\n  ✓ cpu-limit                limits.cpu_time is set ({DIR}/w.toml:7:12)\n  ✗ wall-time-limit    0.50  no limits.wall_time\n  ✗ output-limit       0.25  no limits.output\n  ✗ file-output-limit  0.50  no limits.file_output\n  ✗ open-files-limit   0.25  no limits.open_files\nw.toml: exposure 5.75 of 10, MEDIUM, over the threshold of 1.00\n')
E('policy-check-score-accept', ['policy', 'check', '--score', '--accept=unpinned-module,unlocked', '--accept', 'memory-limit', 'w.toml'], 0, '',
  files={k: SCORE_FILES[k] for k in ['w.toml']},
  stdout='w.toml: ok\n  ✗ writable-grant     2.00  fs.dir[0] /d ({DIR}/w.toml:2:1) can be changed: read, write\n  ✓ broad-grant              no grant of the root, a home or a system directory\n  ✓ whole-environment        only the variables named in [env]\n  ✓ network                  no listening socket\n  ~ unpinned-module    1.00  no program.sha256: any module may use this policy (accepted)\n  ~ unlocked           0.50  not locked: --dir, --env and --limit may widen it (accepted)\n  ~ memory-limit       0.75  no limits.memory (accepted)\n  ✓ cpu-limit                limits.cpu_time is set ({DIR}/w.toml:7:12)\n  ✗ wall-time-limit    0.50  no limits.wall_time\n  ✗ output-limit       0.25  no limits.output\n  ✗ file-output-limit  0.50  no limits.file_output\n  ✗ open-files-limit   0.25  no limits.open_files\nw.toml: exposure 3.50 of 10, OK\n')
E('policy-check-score-json', ['policy', 'check', '--score', '--format=json', 'w.toml'], 0, '',
  files={k: SCORE_FILES[k] for k in ['w.toml']},
  stdout='[\n  {\n    "exposure": 5.75,\n    "file": "{DIR}/w.toml",\n    "findings": [\n      {\n        "accepted": false,\n        "detail": "fs.dir[0] /d ({DIR}/w.toml:2:1) can be changed: read, write",\n        "exposed": true,\n        "id": "writable-grant",\n        "weight": 2.0\n      },\n      {\n        "accepted": false,\n        "detail": "no grant of the root, a home or a system directory",\n        "exposed": false,\n        "id": "broad-grant",\n        "weight": 1.5\n      },\n      {\n        "accepted": false,\n        "detail": "only the variables named in [env]",\n        "exposed": false,\n        "id": "whole-environment",\n        "weight": 1.0\n      },\n      {\n        "accepted": false,\n        "detail": "no listening socket",\n        "exposed": false,\n        "id": "network",\n        "weight": 1.0\n      },\n      {\n        "accepted": false,\n        "detail": "no program.sha256: any module may use this policy",\n        "exposed": true,\n        "id": "unpinned-module",\n        "weight": 1.0\n      },\n      {\n        "accepted": false,\n        "detail": "not locked: --dir, --env and --limit may widen it",\n        "exposed": true,\n        "id": "unlocked",\n        "weight": 0.5\n      },\n      {\n        "accepted": false,\n        "detail": "no limits.memory",\n        "exposed": true,\n        "id": "memory-limit",\n        "weight": 0.75\n      },\n      {\n        "accepted": false,\n        "detail": "limits.cpu_time is set ({DIR}/w.toml:7:12)",\n        "exposed": false,\n        "id": "cpu-limit",\n        "weight": 0.75\n      },\n      {\n        "accepted": false,\n        "detail": "no limits.wall_time",\n        "exposed": true,\n        "id": "wall-time-limit",\n        "weight": 0.5\n      },\n      {\n        "accepted": false,\n        "detail": "no limits.output",\n        "exposed": true,\n        "id": "output-limit",\n        "weight": 0.25\n      },\n      {\n        "accepted": false,\n        "detail": "no limits.file_output",\n        "exposed": true,\n        "id": "file-output-limit",\n        "weight": 0.5\n      },\n      {\n        "accepted": false,\n        "detail": "no limits.open_files",\n        "exposed": true,\n        "id": "open-files-limit",\n        "weight": 0.25\n      }\n    ],\n    "level": "MEDIUM",\n    "policy": "w.toml"\n  }\n]\n')
SCORE_HELP = "   = help: see 'capbox policy --help'\n"
for id, args, said in [
        ("policy-check-score-threshold-bad", ["--score", "--threshold=11", "p.toml"], "--threshold takes a number from 0 to 10, not '11'"),
        ("policy-check-score-format", ["--score", "--format=xml", "p.toml"], "--format is text or json, not 'xml'"),
        ("policy-check-score-accept-near", ["--score", "--accept=netwrk", "p.toml"], "--accept: no check is called 'netwrk'; did you mean 'network'?"),
        ("policy-check-score-accept-far", ["--score", "--accept=zzzzzzzz", "p.toml"], "--accept: no check is called 'zzzzzzzz'; see 'capbox policy --help'"),
        ("policy-check-score-needed", ["--threshold=3", "p.toml"], "--threshold, --accept and --format go with --score"),
        ("policy-check-option-near", ["--scroe", "p.toml"], "unknown option '--scroe' for 'policy check'; did you mean '--score'?"),
        ("policy-check-needs-value", ["--score", "--threshold=", "p.toml"], "--threshold needs a value")]:
    E(id, ["policy", "check", *args], 64, f"capbox: error: {said}\n" + SCORE_HELP,
      files={"p.toml": "version = 1\n"})
