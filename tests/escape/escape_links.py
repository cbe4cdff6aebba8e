# SPDX-License-Identifier: Apache-2.0
# The fixed scenarios of the escape suite: symlinks the guest makes, procfs
# magic links, hard links and renames. Each builds its fixtures under the
# test's temporary directory (the grant is sandbox/, the bait is outside/
# beside it), runs its program, and checks the exact output and the whole
# tree against expected/NAME.txt; outside/ must not change at all (content,
# mode, link counts, mtimes). Depends on escape_lib and the standard library.
import os

from escape_lib import fixed_run

SECRET = b"OUTSIDE-SECRET"


def write(tmp, rel, data):
    path = os.path.join(tmp, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


def base_tree(tmp):
    """sandbox/ with inside.txt and sub/; outside/ with the secret and an
    empty directory."""
    write(tmp, "sandbox/inside.txt", b"inside")
    os.makedirs(os.path.join(tmp, "sandbox/sub"))
    write(tmp, "outside/secret.txt", SECRET)
    os.makedirs(os.path.join(tmp, "outside/empty"))


def links(tmp, pairs):
    for rel, target in pairs:
        os.symlink(target.replace("{tmp}", tmp), os.path.join(tmp, rel))


def grant(tmp, extra=()):
    return ["--dir", os.path.join(tmp, "sandbox") + "::/sandbox"] + list(extra)


def run_symlinks(opts, tmp):
    base_tree(tmp)
    return fixed_run(opts, tmp, "symlinks", "symlinks", grant(tmp), [tmp],
                     protected=["outside"])


def run_magic(opts, tmp):
    base_tree(tmp)
    links(tmp, [
        ("sandbox/m_root", "/proc/self/root"),
        ("sandbox/m_root_passwd", "/proc/self/root/etc/passwd"),
        ("sandbox/m_fd0", "/proc/self/fd/0"),
        ("sandbox/m_fd3", "/proc/self/fd/3"),
        ("sandbox/m_cwd", "/proc/self/cwd"),
        ("sandbox/m_init", "/proc/1/root"),
        ("sandbox/m_thread", "/proc/thread-self/root"),
        ("sandbox/m_exe", "/proc/self/exe"),
        ("sandbox/m_proc", "/proc"),
        ("sandbox/m_rel", "../" * 24 + "proc/self/root"),
    ])
    return fixed_run(opts, tmp, "magic", "magic",
                     grant(tmp, ["--dir", "/proc::/proc::ro"]),
                     protected=["outside"])


def run_hardlinks(opts, tmp):
    base_tree(tmp)
    write(tmp, "outside/other.txt", b"other")
    write(tmp, "outside/shared.txt", b"shared")
    # The same inode inside and out: allowed by design (see hardlinks.c).
    os.link(os.path.join(tmp, "outside/shared.txt"),
            os.path.join(tmp, "sandbox/pre_hard.txt"))
    links(tmp, [
        ("sandbox/r_file", "../outside/secret.txt"),
        ("sandbox/r_abs", "{tmp}/outside/secret.txt"),
        ("sandbox/r_dir", "../outside"),
    ])
    return fixed_run(opts, tmp, "hardlinks", "hardlinks", grant(tmp), [tmp],
                     protected=["outside"])


def run_renames(opts, tmp):
    base_tree(tmp)
    for name in ("f1", "f2", "f3"):
        write(tmp, f"sandbox/{name}", name.encode())
    write(tmp, "sandbox/dir1/x.txt", b"x")
    os.makedirs(os.path.join(tmp, "sandbox/dir2"))
    write(tmp, "sandbox/sub/dir3/y.txt", b"y")
    write(tmp, "outside/odir/z.txt", b"z")
    links(tmp, [
        ("sandbox/r_dir", "{tmp}/outside"),
        ("sandbox/r_reldir", "../outside"),
        ("sandbox/r_empty", "../outside/empty"),
        ("sandbox/lnk_out", "../outside/secret.txt"),
    ])
    return fixed_run(opts, tmp, "renames", "renames", grant(tmp), [tmp],
                     protected=["outside"])
