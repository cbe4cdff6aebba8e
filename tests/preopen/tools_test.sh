#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Debian's own tools under libcapbox-preload (no walls: the translation
# only): cat, wc, sort, sha256sum, cp, tar -x/-c, gzip round trip, and
# more coreutils, over a read-write grant /data and a read-only grant /ro.
# Each step's output or the host tree afterwards is compared exactly.
# Usage: tools_test.sh DRIVER LIB [DRIVER-OPTION...] (--landlock adds the
# kernel's walls; exit 77, a skip, without Landlock).
set -u
driver=$1
lib=$2
shift 2
options=("$@")
work=$(mktemp -d "${TMPDIR:-/tmp}/capbox-preload-tools-XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/rw/tree/sub" "$work/ro"
printf 'pear\napple\nfig\n' >"$work/rw/in.txt"
seq 1 20000 >"$work/rw/tree/sub/nums"
echo hi >"$work/rw/tree/x"
echo "read only" >"$work/ro/r.txt"
tar -cf "$work/rw/t.tar" -C "$work/rw" tree

failures=0
if [ ${#options[@]} -gt 0 ]; then
  "$driver" "$lib" "${options[@]}" -- true 2>/dev/null
  [ $? -eq 77 ] && { echo "skipped: no Landlock"; exit 77; }
fi
run() {
  "$driver" "$lib" --dir "$work/rw::/data::rw" --dir "$work/ro::/ro::ro" \
    "${options[@]}" -- "$@"
}
# expect NAME WANTED-OUTPUT COMMAND...: stdout and status 0 must match.
expect() {
  local name=$1 want=$2
  shift 2
  local got
  got=$(run "$@" 2>"$work/stderr")
  local rc=$?
  if [ $rc -ne 0 ] || [ "$got" != "$want" ]; then
    echo "FAIL $name: status $rc, output:"
    printf '%s\n' "$got" | head -5
    cat "$work/stderr"
    failures=$((failures + 1))
  else
    echo "ok   $name"
  fi
}
# check NAME CONDITION...: a host-side test after the run.
check() {
  local name=$1
  shift
  if "$@"; then
    echo "ok   $name"
  else
    echo "FAIL $name"
    failures=$((failures + 1))
  fi
}

expect cat "$(printf 'pear\napple\nfig')" cat /data/in.txt
# wc pads by the sizes it stats: the host's own run is the reference.
expect wc "$(cd "$work/rw" && wc -l -w in.txt | sed 's| in.txt| /data/in.txt|')" \
  wc -l -w /data/in.txt
expect sort "" sort /data/in.txt -o /data/sorted.txt
check sort-output diff -q <(printf 'apple\nfig\npear\n') "$work/rw/sorted.txt"
# A small buffer makes sort merge through temporary files (mkstemp and
# unlink in /data).
seq 1 200000 | shuf >"$work/rw/big.txt"
expect sort-temp-files "" sort -n -S 64K -T /data /data/big.txt -o /data/big.out
check sort-temp-files-output cmp -s <(seq 1 200000) "$work/rw/big.out"
rm -f "$work/rw/big.txt" "$work/rw/big.out"
sum=$(sha256sum <"$work/rw/in.txt" | cut -d' ' -f1)
expect sha256sum "$sum  /data/in.txt" sha256sum /data/in.txt
echo "$sum  /data/in.txt" >"$work/rw/sums"
expect sha256sum-check "/data/in.txt: OK" sha256sum -c /data/sums
expect cp "" cp /data/in.txt /data/copy.txt
check cp-output cmp -s "$work/rw/in.txt" "$work/rw/copy.txt"
expect cp-r "" cp -r /data/tree /data/tree2
check cp-r-output diff -r "$work/rw/tree" "$work/rw/tree2"
expect cp-from-ro "" cp /ro/r.txt /data/r.txt
check cp-from-ro-output cmp -s "$work/ro/r.txt" "$work/rw/r.txt"
mkdir "$work/rw/out"
expect tar-x "" tar -x --no-same-owner -f /data/t.tar -C /data/out
check tar-x-output diff -r "$work/rw/tree" "$work/rw/out/tree"
expect tar-c "" tar -cf /data/c.tar -C /data tree
check tar-c-output diff <(tar -tf "$work/rw/t.tar" | sort) \
  <(tar -tf "$work/rw/c.tar" | sort)
cp "$work/rw/tree/sub/nums" "$work/rw/g.txt"
expect gzip "" gzip /data/g.txt
check gzip-output test -f "$work/rw/g.txt.gz" -a ! -e "$work/rw/g.txt"
expect gzip-d "" gzip -d /data/g.txt.gz
check gzip-round-trip cmp -s "$work/rw/tree/sub/nums" "$work/rw/g.txt"
expect mkdir-p "" mkdir -p /data/p/q/r
check mkdir-p-output test -d "$work/rw/p/q/r"
expect mv "" mv /data/copy.txt /data/p/moved.txt
check mv-output test -f "$work/rw/p/moved.txt" -a ! -e "$work/rw/copy.txt"
expect ln "" ln -s in.txt /data/lnk
expect readlink-f "/data/in.txt" readlink -f /data/lnk
expect find "$(printf '/data/out/tree/sub/nums\n/data/tree/sub/nums')" \
  find /data/out /data/tree -name nums
expect touch "" touch /data/t
expect chmod "" chmod 600 /data/t
expect stat "600 /data/t" stat -c "%a %n" /data/t
expect rm-r "" rm -r /data/tree2
check rm-r-output test ! -e "$work/rw/tree2"
expect head "$(seq 1 3)" head -n 3 /data/tree/sub/nums

# Interpreters doing their own file work (no exec: that is refused).
expect sh "$(printf 'pear\nc.tar g.txt in.txt r.txt sh.txt sorted.txt t.tar')" /bin/sh -c \
  'echo hi >/data/sh.txt; read x </data/in.txt; echo $x; cd /data && echo *.t*'
check sh-output diff -q <(echo hi) "$work/rw/sh.txt"
if [ -x /usr/bin/python3 ]; then
  expect python3 "$(printf "py\n['p', 'sub', 'x']\nTrue /data/in.txt")" \
    /usr/bin/python3 -c "
import os, shutil
open('/data/py.txt', 'w').write('py')
print(open('/data/py.txt').read())
shutil.copytree('/data/tree', '/data/pytree')
os.mkdir('/data/pytree/p')
print(sorted(os.listdir('/data/pytree')))
os.chdir('/data')
print(os.path.exists('in.txt'), os.path.realpath('in.txt'))"
  check python3-copytree diff -r "$work/rw/tree/sub" "$work/rw/pytree/sub"
fi
if [ -x /usr/bin/perl ]; then
  expect perl "pl.txt yes" /usr/bin/perl -e '
open(F, ">/data/pl.txt") or die "$!"; print F "pl\n"; close F;
opendir(D, "/data") or die; @f = grep { /^pl/ } readdir(D);
print "@f ", (-e "/data/pl.txt" ? "yes" : "no"), "\n"'
fi

# Refusals come back as the tools' ordinary errors.
if run cp /data/in.txt /ro/x 2>"$work/stderr"; then
  echo "FAIL cp-to-ro: succeeded"
  failures=$((failures + 1))
else
  check cp-to-ro grep -q "cannot create regular file '/ro/x': Permission denied" \
    "$work/stderr"
fi
check ro-untouched test ! -e "$work/ro/x"

echo "$failures failure(s)"
[ $failures -eq 0 ]
