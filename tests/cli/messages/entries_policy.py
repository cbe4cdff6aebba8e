# SPDX-License-Identifier: Apache-2.0
# Catalogue entries (see catalogue.py): policy files, checked by
# `capbox policy check` (policy/parser.cc, values.cc, merge.cc) and
# looked up by name (src/cli/policy_lookup.cc).
from catalogue import E, P

P("policy-syntax-unquoted-size", "version = 1\n[limits]\nmemory = 256MiB\n",
  "capbox: error: policy {DIR}/p.toml: Error while parsing decimal integer: expected digit, saw 'M'\n"
  '  --> {DIR}/p.toml:3:13\n'
  '   = help: sizes and durations are strings: memory = "256MiB"\n')
P("policy-nul-byte", "version = 1\n[\0]\n",
  "capbox: error: policy {DIR}/p.toml: a NUL byte, which TOML does not allow\n"
  '  --> {DIR}/p.toml:2:2\n'
  '   = help: a policy is a UTF-8 text file\n')
# toml++ 3.3 reached __builtin_unreachable on such a character (policy_fuzz);
# parser.cc compiles its whitespace test so that it answers no instead.
P("policy-non-ascii-bare-key", "version = 1\n\u0439 = 1\n",
  "capbox: error: policy {DIR}/p.toml: Error while parsing root table: expected keys, tables, whitespace or comments, saw '\u0439'\n"
  '  --> {DIR}/p.toml:2:1\n')
P("policy-table-header-not-key", "version = 1\n[[{ MODE = \"base\" }\n",
  "capbox: error: policy {DIR}/p.toml: a table header must start with a key, saw '{'\n"
  '  --> {DIR}/p.toml:2:3\n'
  '   = help: write it as [name] or [[name]], for example [[fs.dir]]\n')
P("policy-missing-version", "[env]\ninherit = [\"LANG\"]\n", "capbox: error: policy {DIR}/p.toml: missing 'version'\n"
  '  --> {DIR}/p.toml:1:1\n'
  '   = help: start the file with: version = 1\n')
P("policy-unsupported-version", "version = 2\n", 'capbox: error: policy {DIR}/p.toml: unsupported version 2\n'
  '  --> {DIR}/p.toml:1:11\n'
  '   = help: this capbox reads version = 1\n')
P("policy-unknown-keys",
  "version = 1\nmemroy = 1\nzzzzzz = 2\n[limits]\nmemroy = \"1MiB\"\n"
  "[program]\nqqqqqqqq = 1\n", "capbox: error: policy {DIR}/p.toml: unknown key 'memroy' at the top level\n"
  '  --> {DIR}/p.toml:2:1\n'
  '   = help: known keys here: version description extends locked program fs env limits net wasi audit\n'
  "capbox: error: policy {DIR}/p.toml: unknown key 'zzzzzz' at the top level\n"
  '  --> {DIR}/p.toml:3:1\n'
  '   = help: known keys here: version description extends locked program fs env limits net wasi audit\n'
  "capbox: error: policy {DIR}/p.toml: unknown key 'qqqqqqqq' in [program]\n"
  '  --> {DIR}/p.toml:7:1\n'
  '   = help: known keys here: module sha256 argv0 args extra_args\n'
  "capbox: error: policy {DIR}/p.toml: unknown key 'memroy' in [limits]\n"
  '  --> {DIR}/p.toml:5:1\n'
  "   = help: did you mean 'memory'?\n")
# Every key of the wrong type: "X must be T, not U" with its example.
P("policy-wrong-types",
  "version = \"1\"\ndescription = 1\nextends = 1\nlocked = \"yes\"\n"
  "program = 1\nfs = 1\nenv = 1\nlimits = 1\nnet = 1\nwasi = 1\n", 'capbox: error: policy {DIR}/p.toml: version must be an integer, not a string\n'
  '  --> {DIR}/p.toml:1:11\n'
  '   = help: for example: version = 1\n'
  'capbox: error: policy {DIR}/p.toml: description must be a string, not an integer\n'
  '  --> {DIR}/p.toml:2:15\n'
  '   = help: for example: description = "what it does"\n'
  'capbox: error: policy {DIR}/p.toml: extends must be an array, not an integer\n'
  '  --> {DIR}/p.toml:3:11\n'
  '   = help: for example: extends = ["base"]\n'
  'capbox: error: policy {DIR}/p.toml: locked must be a boolean, not a string\n'
  '  --> {DIR}/p.toml:4:10\n'
  '   = help: for example: locked = true\n'
  'capbox: error: policy {DIR}/p.toml: program must be a table, not an integer\n'
  '  --> {DIR}/p.toml:5:11\n'
  '   = help: for example: [program] on a line of its own\n'
  'capbox: error: policy {DIR}/p.toml: fs must be a table, not an integer\n'
  '  --> {DIR}/p.toml:6:6\n'
  '   = help: for example: [fs] on a line of its own\n'
  'capbox: error: policy {DIR}/p.toml: env must be a table, not an integer\n'
  '  --> {DIR}/p.toml:7:7\n'
  '   = help: for example: [env] on a line of its own\n'
  'capbox: error: policy {DIR}/p.toml: limits must be a table, not an integer\n'
  '  --> {DIR}/p.toml:8:10\n'
  '   = help: for example: [limits] on a line of its own\n'
  'capbox: error: policy {DIR}/p.toml: net must be a table, not an integer\n'
  '  --> {DIR}/p.toml:9:7\n'
  '   = help: for example: [net] on a line of its own\n'
  'capbox: error: policy {DIR}/p.toml: wasi must be a table, not an integer\n'
  '  --> {DIR}/p.toml:10:8\n'
  '   = help: for example: [wasi] on a line of its own\n')
P("policy-wrong-types-in-tables",
  "version = 1\n[program]\nmodule = 1\nsha256 = 1\nargv0 = 1\nargs = 1\n"
  "extra_args = 1\n[env]\ninherit = \"LANG\"\nset = 1\ninherit_all = 1\n"
  "[net]\nlisten = 1\n[wasi]\nfilesystem = 1\nclocks = 1.5\nrandom = 1\n"
  "poll = 1979-05-27\nsockets = []\n", 'capbox: error: policy {DIR}/p.toml: program.module must be a string, not an integer\n'
  '  --> {DIR}/p.toml:3:10\n'
  '   = help: for example: module = "/opt/app/app.wasm"\n'
  'capbox: error: policy {DIR}/p.toml: program.sha256 must be a string, not an integer\n'
  '  --> {DIR}/p.toml:4:10\n'
  '   = help: for example: sha256 = "<64 hex digits>"\n'
  'capbox: error: policy {DIR}/p.toml: program.argv0 must be a string, not an integer\n'
  '  --> {DIR}/p.toml:5:9\n'
  '   = help: for example: argv0 = "app"\n'
  'capbox: error: policy {DIR}/p.toml: program.args must be an array, not an integer\n'
  '  --> {DIR}/p.toml:6:8\n'
  '   = help: for example: args = ["--flag"]\n'
  'capbox: error: policy {DIR}/p.toml: program.extra_args must be a boolean, not an integer\n'
  '  --> {DIR}/p.toml:7:14\n'
  '   = help: for example: extra_args = false\n'
  'capbox: error: policy {DIR}/p.toml: env.inherit must be an array, not a string\n'
  '  --> {DIR}/p.toml:9:11\n'
  '   = help: for example: inherit = ["LANG"]\n'
  'capbox: error: policy {DIR}/p.toml: env.set must be a table, not an integer\n'
  '  --> {DIR}/p.toml:10:7\n'
  '   = help: for example: set = { NAME = "value" }\n'
  'capbox: error: policy {DIR}/p.toml: env.inherit_all must be a boolean, not an integer\n'
  '  --> {DIR}/p.toml:11:15\n'
  '   = help: for example: inherit_all = false\n'
  'capbox: error: policy {DIR}/p.toml: net.listen must be an array, not an integer\n'
  '  --> {DIR}/p.toml:13:10\n'
  '   = help: for example: listen = ["127.0.0.1:8080"]\n'
  'capbox: error: policy {DIR}/p.toml: wasi.filesystem must be a boolean, not an integer\n'
  '  --> {DIR}/p.toml:15:14\n'
  '   = help: for example: filesystem = true\n'
  'capbox: error: policy {DIR}/p.toml: wasi.clocks must be a boolean, not a float\n'
  '  --> {DIR}/p.toml:16:10\n'
  '   = help: for example: clocks = true\n'
  'capbox: error: policy {DIR}/p.toml: wasi.random must be a boolean, not an integer\n'
  '  --> {DIR}/p.toml:17:10\n'
  '   = help: for example: random = true\n'
  'capbox: error: policy {DIR}/p.toml: wasi.poll must be a boolean, not a date or time\n'
  '  --> {DIR}/p.toml:18:8\n'
  '   = help: for example: poll = true\n'
  'capbox: error: policy {DIR}/p.toml: wasi.sockets must be a boolean, not an array\n'
  '  --> {DIR}/p.toml:19:11\n'
  '   = help: for example: sockets = false\n')
P("policy-wrong-entry-types",
  "version = 1\nextends = [1]\n[env]\ninherit = [{a = 1}]\nset = { A = 1 }\n"
  "[fs]\ndir = [1]\n", 'capbox: error: policy {DIR}/p.toml: extends entries must be a string, not an integer\n'
  '  --> {DIR}/p.toml:2:12\n'
  '   = help: for example: extends = ["base"]\n'
  'capbox: error: policy {DIR}/p.toml: fs.dir entries must be a table, not an integer\n'
  '  --> {DIR}/p.toml:7:8\n'
  '   = help: for example: [[fs.dir]]\n'
  'capbox: error: policy {DIR}/p.toml: env.inherit entries must be a string, not a table\n'
  '  --> {DIR}/p.toml:4:12\n'
  '   = help: for example: inherit = ["LANG"]\n'
  'capbox: error: policy {DIR}/p.toml: env.set.A must be a string, not an integer\n'
  '  --> {DIR}/p.toml:5:13\n'
  '   = help: for example: A = "value"\n')
P("policy-limits",
  "version = 1\n[limits]\nmemory = -1\noutput = \"x\"\nfile_output = \"1XB\"\n"
  "fuel = 0\nopen_files = \"3\"\ncpu_time = \"10\"\nwall_time = 10\n"
  "processes = -2\n", 'capbox: error: policy {DIR}/p.toml: limits.memory must not be negative\n'
  '  --> {DIR}/p.toml:3:10\n'
  '   = help: for example: memory = "256MiB"\n'
  'capbox: error: policy {DIR}/p.toml: limits.fuel must be positive\n'
  '  --> {DIR}/p.toml:6:8\n'
  '   = help: to set no limit, leave fuel out\n'
  'capbox: error: policy {DIR}/p.toml: limits.cpu_time: a duration needs a unit: one of h, m, s, ms\n'
  '  --> {DIR}/p.toml:8:12\n'
  '   = help: durations are a number and ms, s, m or h: cpu_time = "10s"\n'
  'capbox: error: policy {DIR}/p.toml: limits.wall_time must be a string, not an integer\n'
  '  --> {DIR}/p.toml:9:13\n'
  '   = help: for example: wall_time = "10s"\n'
  'capbox: error: policy {DIR}/p.toml: limits.open_files must be an integer, not a string\n'
  '  --> {DIR}/p.toml:7:14\n'
  '   = help: for example: open_files = 1000\n'
  'capbox: error: policy {DIR}/p.toml: limits.output: a size must start with a number, as in "256MiB"\n'
  '  --> {DIR}/p.toml:4:10\n'
  '   = help: for example: output = "256MiB"\n'
  'capbox: error: policy {DIR}/p.toml: limits.file_output: unknown unit \'XB\' in a size "1XB"; use one of GiB, MiB, KiB, B\n'
  '  --> {DIR}/p.toml:5:15\n'
  '   = help: for example: file_output = "256MiB"\n'
  'capbox: error: policy {DIR}/p.toml: limits.processes must be positive\n'
  '  --> {DIR}/p.toml:10:13\n'
  '   = help: to set no limit, leave processes out\n')
P("policy-size-too-large",
  "version = 1\n[limits]\nmemory = \"99999999999999999999\"\n"
  "output = \"99999999999999999TiB\"\n", 'capbox: error: policy {DIR}/p.toml: limits.memory: a size is too large\n'
  '  --> {DIR}/p.toml:3:10\n'
  '   = help: for example: memory = "256MiB"\n'
  'capbox: error: policy {DIR}/p.toml: limits.output: unknown unit \'TiB\' in a size "99999999999999999TiB"; use one of GiB, MiB, KiB, B\n'
  '  --> {DIR}/p.toml:4:10\n'
  '   = help: for example: output = "256MiB"\n')
P("policy-program",
  "version = 1\n[program]\nsha256 = \"abc\"\n", 'capbox: error: policy {DIR}/p.toml: program.sha256 must be 64 hex digits\n'
  '  --> {DIR}/p.toml:3:10\n'
  '   = help: print it with: sha256sum MODULE.wasm\n')
P("policy-fs-dir-not-array", "version = 1\n[fs]\ndir = { host = \"a\" }\n",
  'capbox: error: policy {DIR}/p.toml: fs.dir must be an array of tables\n'
  '  --> {DIR}/p.toml:3:7\n'
  '   = help: write each directory as [[fs.dir]] (two brackets)\n')
P("policy-fs-dir-problems",
  "version = 1\n[[fs.dir]]\nrights = [\"read\"]\n"
  "[[fs.dir]]\nhost = \"\"\nguest = \"\"\nrights = \"ro\"\n"
  "[[fs.dir]]\nhost = \"a\"\nguest = \"/a\"\nmissing = \"maybe\"\n"
  "[[fs.dir]]\nhost = \"a\"\nguest = \"/b\"\nrights = [\"raed\", \"fly\"]\n"
  "[[fs.dir]]\nhost = \"a\"\nguest = \"/c\"\nrights = \"ro\"\n"
  "[[fs.dir]]\nhost = \"a\"\nguest = \"/e\"\nrights = 1\nmissing = 1\n"
  "[[fs.dir]]\nhost = \"b\"\nguest = \"/c\"\nrights = \"rw\"\n", "capbox: error: policy {DIR}/p.toml: [[fs.dir]] has no 'host'\n"
  '  --> {DIR}/p.toml:2:1\n'
  '   = help: add: host = "./in"\n'
  "capbox: error: policy {DIR}/p.toml: [[fs.dir]] has no 'guest'\n"
  '  --> {DIR}/p.toml:2:1\n'
  '   = help: add: guest = "/in"\n'
  'capbox: error: policy {DIR}/p.toml: fs.dir.host is empty\n'
  '  --> {DIR}/p.toml:5:8\n'
  '   = help: for example: host = "./in"\n'
  'capbox: error: policy {DIR}/p.toml: fs.dir.guest is empty\n'
  '  --> {DIR}/p.toml:6:9\n'
  '   = help: for example: guest = "/in"\n'
  'capbox: error: policy {DIR}/p.toml: fs.dir.missing must be "error", "create" or "skip", not "maybe"\n'
  '  --> {DIR}/p.toml:11:11\n'
  '   = help: error (the default) refuses to run without the directory, create makes it, skip leaves the grant out\n'
  "capbox: error: policy {DIR}/p.toml: [[fs.dir]] has no 'rights'\n"
  '  --> {DIR}/p.toml:8:1\n'
  '   = help: spell them out, e.g. rights = ["read"]; rights: read, write, create, delete, rename, metadata, or "ro" / "rw"\n'
  'capbox: error: policy {DIR}/p.toml: unknown right "raed"\n'
  '  --> {DIR}/p.toml:15:11\n'
  '   = help: did you mean \'read\'? rights are read, write, create, delete, rename, metadata, or "ro" / "rw"\n'
  'capbox: error: policy {DIR}/p.toml: unknown right "fly"\n'
  '  --> {DIR}/p.toml:15:19\n'
  '   = help: rights are read, write, create, delete, rename, metadata, or "ro" / "rw"\n'
  'capbox: error: policy {DIR}/p.toml: fs.dir.missing must be a string, not an integer\n'
  '  --> {DIR}/p.toml:24:11\n'
  '   = help: for example: missing = "error"\n'
  'capbox: error: policy {DIR}/p.toml: fs.dir.rights must be an array, not an integer\n'
  '  --> {DIR}/p.toml:23:10\n'
  '   = help: for example: rights = ["read", "write"]\n'
  'capbox: error: policy {DIR}/p.toml: guest path "/c" is granted twice\n'
  '  --> {DIR}/p.toml:27:9\n'
  '   = help: the first grant is at {DIR}/p.toml:18:9; merge the rights into one [[fs.dir]]\n')
P("policy-env-names",
  "version = 1\n[env]\ninherit = [\"\", \"A=B\"]\nset = { \"X=Y\" = \"1\" }\n",
  'capbox: error: policy {DIR}/p.toml: bad variable name ""\n'
  '  --> {DIR}/p.toml:3:12\n'
  "   = help: a name is not empty and has no '='\n"
  'capbox: error: policy {DIR}/p.toml: bad variable name "A=B"\n'
  '  --> {DIR}/p.toml:3:16\n'
  "   = help: a name is not empty and has no '='\n"
  'capbox: error: policy {DIR}/p.toml: bad variable name "X=Y"\n'
  '  --> {DIR}/p.toml:4:9\n'
  "   = help: a name is not empty and has no '='\n")
P("policy-net-listen",
  "version = 1\n[net]\nlisten = [\"localhost\", \"1.2.3.4:99999\"]\n", 'capbox: error: policy {DIR}/p.toml: net.listen: bad address "localhost"\n'
  '  --> {DIR}/p.toml:3:11\n'
  '   = help: write ADDR:PORT, e.g. "127.0.0.1:8080" or "[::1]:8080"\n'
  'capbox: error: policy {DIR}/p.toml: net.listen: bad address "1.2.3.4:99999"\n'
  '  --> {DIR}/p.toml:3:24\n'
  '   = help: write ADDR:PORT, e.g. "127.0.0.1:8080" or "[::1]:8080"\n')
P("policy-extends-cycle", "version = 1\nextends = [\"./q.toml\"]\n", 'capbox: error: policy {DIR}/q.toml: extends cycle: {DIR}/p.toml -> {DIR}/q.toml -> {DIR}/p.toml\n'
  '  --> {DIR}/q.toml:2:12\n'
  '   = help: remove one of these extends\n',
  files={"q.toml": "version = 1\nextends = [\"./p.toml\"]\n"})
P("policy-extends-missing", "version = 1\nextends = [\"./nope.toml\", "
  "\"nosuchname\"]\n", 'capbox: error: policy {DIR}/p.toml: extends "./nope.toml": no such file\n'
  '  --> {DIR}/p.toml:2:12\n'
  '   = help: a path in extends is relative to the file that names it; a name is looked up like a policy name\n')
P("policy-extends-deep", "version = 1\nextends = [\"./d1.toml\"]\n", 'capbox: error: policy {DIR}/d31.toml: extends nests too deeply (32 levels)\n'
  '  --> {DIR}/d31.toml:2:12\n'
  '   = help: extend fewer, larger base policies\n',
  files={f"d{i}.toml": "version = 1\n" + (f"extends = [\"./d{i + 1}.toml\"]\n"
                                           if i < 39 else "")
         for i in range(1, 40)})
E("policy-check-not-found", ["policy", "check", "nosuch"], 66, "capbox: error: policy nosuch: no policy named 'nosuch'\n"
  '   = help: looked for {DIR}/config/capbox/policies/nosuch.toml, /etc/capbox/policies/nosuch.toml, /usr/share/capbox/policies/nosuch.toml; a file in the working directory is used only when given as a path (./nosuch.toml)\n')
E("policy-check-not-a-name", ["policy", "check", ".hidden"], 78, "capbox: error: policy .hidden: '.hidden' is not a policy name\n")
E("policy-check-dir", ["policy", "check", "d.toml"], 78, 'capbox: error: policy {DIR}/d.toml: not a regular file\n'
  '   = help: give the path of a policy file (NAME.toml)\n',
  files={"d.toml/": ""})
E("policy-check-too-large", ["policy", "check", "big.toml"], 78, 'capbox: error: policy {DIR}/big.toml: larger than 1 MiB\n'
  '   = help: a policy is a short TOML file; check that this is the one you meant\n',
  files={"big.toml": "#" * (1024 * 1024 + 1)})
