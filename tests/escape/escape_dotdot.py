# SPDX-License-Identifier: Apache-2.0
# The `..` scenario: generates path operations that climb with `..` from
# depth 0 to 8 of a granted tree (in the middle of a path, at its end,
# dressed with `.`, `//` and trailing slashes, and climbing out then back
# in), predicts each outcome with a model of the path (any step above the
# grant is EPERM, the rest reach a known file), runs them through
# programs/dotdot.c, and compares the output and the whole host tree with
# the model's. Depends on escape_lib and the Python standard library.
import os
import random

from escape_lib import move_entries, run_capbox, snapshot, tree_problems, \
    text_problem, unexpected_stderr

MAX_DEPTH = 8
# The grant sits at OUTER/u3/u2/u1/sandbox, so climbs of up to four levels
# land in directories the test owns and plants bait in.
ABOVE = ["u3", "u2", "u1"]
ESCAPE = None


def rel_dir(level):
    """The host directory at `level` (0: the grant, < 0: above it),
    relative to the test's temporary directory."""
    if level >= 0:
        return "/".join(ABOVE + ["sandbox"] +
                        [f"d{i}" for i in range(1, level + 1)])
    return "/".join(ABOVE[:len(ABOVE) + 1 + level]) or "."


def join(rel, name):
    return name if rel == "." else rel + "/" + name


def bait(level):
    """f.txt's text at `level`: distinct lengths, outside ones longer."""
    if level >= 0:
        return f"in{level}" + "-" * level
    return f"OUT{-level}" + "#" * (40 - level)


class Generator:
    def __init__(self):
        self.rng = random.Random(20261126)
        self.ops = []  # (line for the guest, expected output line, effect)
        self.plants = {}  # relative path -> ("dir",) | ("file", bytes)
        self.count = 0

    # A trailing "/." is only for lookups: for mkdir and rename, Linux
    # answers ENOENT or EBUSY for a last component ".".
    def render(self, parts, noisy, trailing=False, tails=("/", "//")):
        if not noisy:
            path = "/".join(parts)
            return path + "/" if trailing else path
        path = "./" if self.rng.random() < 0.3 else ""
        for i, part in enumerate(parts):
            if i:
                path += self.rng.choice(["/", "//", "/./", "/.//", "///"])
            path += part
        if trailing:
            path += self.rng.choice(tails)
        return path

    def add(self, op, paths, result, effect=None):
        self.ops.append(("\t".join([op] + paths),
                         f"{op} {' '.join(paths)}: {result}", effect))

    def reads(self, climb, level, noisy):
        mid = self.render(climb + ["f.txt"], noisy)
        text = bait(level) if level is not ESCAPE else None
        self.add("open", [mid], f"ok [{text}]" if text else "EPERM")
        self.add("stat", [mid], f"ok file {len(text)}" if text else "EPERM")
        if climb and climb[-1] == "..":
            end = self.render(climb, noisy, trailing=noisy,
                              tails=("/", "/.", "//", "/./"))
            self.add("stat", [end], "ok dir" if text else "EPERM")
            self.add("opendir", [end], f"ok [{text}]" if text else "EPERM")

    def writes(self, climb, level, landing, noisy):
        """mkdir, unlink and renames both ways through `climb`, whose end is
        `landing` (a level, inside or out) and `level` (ESCAPE if out)."""
        n = self.count = self.count + 1
        is_dir = n % 2 == 0
        where = rel_dir(landing)
        ok = level is not ESCAPE
        self.add("mkdir", [self.render(climb + [f"m{n}"], noisy,
                                       trailing=noisy and is_dir)],
                 "ok" if ok else "EPERM",
                 ("mkdir", join(where, f"m{n}")) if ok else None)
        self.plants[join(where, f"v{n}")] = ("file", b"victim")
        self.add("unlink", [self.render(climb + [f"v{n}"], noisy)],
                 "ok" if ok else "EPERM",
                 ("unlink", join(where, f"v{n}")) if ok else None)
        for name, src_rel, dst_rel, src, dst in (
                (f"r{n}", rel_dir(0), where, [f"r{n}"], climb + [f"r{n}.mv"]),
                (f"s{n}", where, rel_dir(0), climb + [f"s{n}"], [f"s{n}.in"])):
            self.plant(join(src_rel, name), is_dir)
            tail = noisy and is_dir
            self.add("rename", [self.render(src, noisy, tail),
                                self.render(dst, noisy, tail)],
                     "ok" if ok else "EPERM",
                     ("rename", join(src_rel, name),
                      join(dst_rel, dst[-1])) if ok else None)

    def plant(self, rel, is_dir):
        if is_dir:
            self.plants[rel] = ("dir",)
            self.plants[rel + "/x"] = ("file", b"x")
        else:
            self.plants[rel] = ("file", b"moved")

    def generate(self, outer):
        for depth in range(MAX_DEPTH + 1):
            down = [f"d{i}" for i in range(1, depth + 1)]
            for up in list(range(depth + 3)) + [depth + 4]:
                climb = down + [".."] * up
                landing = depth - up
                level = landing if landing >= 0 else ESCAPE
                for noisy in (False, True):
                    self.reads(climb, level, noisy)
                    if level is ESCAPE:
                        # Climb out, then back down into the grant.
                        back = ABOVE[len(ABOVE) + 1 + landing:] + ["sandbox"]
                        self.reads(climb + back + down, ESCAPE, noisy)
                self.writes(climb, level, landing, noisy=up % 2 == 1)
        inside = "/".join([outer] + ABOVE + ["sandbox", "f.txt"])
        for path in ["/f.txt", "//f.txt", inside, "/" + inside,
                     "../" * 40 + "etc/passwd", "/etc/passwd", "..", "/"]:
            self.add("open", [path], "EPERM")
            self.add("stat", [path], "EPERM")


def build_tree(tmp, gen):
    for level in range(-len(ABOVE) - 1, MAX_DEPTH + 1):
        os.makedirs(os.path.join(tmp, rel_dir(level)), exist_ok=True)
        with open(os.path.join(tmp, rel_dir(level), "f.txt"), "w") as f:
            f.write(bait(level))
    for rel, entry in sorted(gen.plants.items()):
        path = os.path.join(tmp, rel)
        if entry[0] == "dir":
            os.makedirs(path)
        else:
            with open(path, "wb") as f:
                f.write(entry[1])


def apply_effects(tree, gen):
    for _, _, effect in gen.ops:
        if effect is None:
            continue
        if effect[0] == "mkdir":
            tree[effect[1]] = ("dir",)
        elif effect[0] == "unlink":
            del tree[effect[1]]
        else:
            move_entries(tree, effect[1], effect[2])


def run(opts, tmp):
    gen = Generator()
    gen.generate(tmp)
    build_tree(tmp, gen)
    before = snapshot(tmp)
    stdin = "".join(line + "\n" for line, _, _ in gen.ops).encode()
    status, out, err, timed_out = run_capbox(
        opts.capbox, os.path.join(opts.modules, "dotdot.wasm"),
        ["--dir", os.path.join(tmp, rel_dir(0)) + "::/sandbox"],
        stdin=stdin, timeout=40)
    problems = []
    if timed_out or status != 0:
        problems.append(f"exit status {status} (timed out: {timed_out})")
    if unexpected_stderr(err):
        problems.append("stderr: " + unexpected_stderr(err))
    want = "".join(expected + "\n" for _, expected, _ in gen.ops)
    diff = text_problem("stdout", want, out)
    if diff:
        problems.append(diff)
    apply_effects(before, gen)
    problems += tree_problems(before, snapshot(tmp))
    kinds = {}
    for line, _, effect in gen.ops:
        op = line.split("\t")[0]
        kinds[op] = kinds.get(op, 0) + 1
    print(f"{len(gen.ops)} operations: " +
          ", ".join(f"{k} {v}" for k, v in sorted(kinds.items())) +
          f"; {sum(1 for o in gen.ops if o[2])} expected to change the tree")
    return problems
