#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Fetches and unpacks Debian source packages into a cache outside the repo
# (apt-get source), so the real-program tests build them without vendoring.
# Idempotent: an unpacked package is reused. When the machine's apt sources
# have no deb-src entry, adds one beside them (same mirrors and suites) and
# runs apt-get update; that needs root or sudo, and network access to apt.
# Usage: fetch_sources.sh PACKAGE...   Prints one line per package: its
# unpacked source directory. Environment: CAPBOX_DEBSRC_CACHE (default
# ${XDG_CACHE_HOME:-$HOME/.cache}/capbox/debsrc).
set -euo pipefail

CACHE=${CAPBOX_DEBSRC_CACHE:-${XDG_CACHE_HOME:-${HOME:-/var/tmp}/.cache}/capbox/debsrc}
SRC_LIST=/etc/apt/sources.list.d/capbox-deb-src.sources

die() { printf 'fetch_sources: error: %s\n' "$*" >&2; exit 1; }
say() { printf 'fetch_sources: %s\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then
    "$@"
  elif command -v sudo >/dev/null; then
    sudo "$@"
  else
    die "need root or sudo for: $*"
  fi
}

have_deb_src() {
  local files=()
  [ -f /etc/apt/sources.list ] && files+=(/etc/apt/sources.list)
  files+=(/etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources)
  grep -qsE '^[[:space:]]*(deb-src[[:space:]]|Types:.*deb-src)' "${files[@]}"
}

# deb-src twins of the enabled "deb" entries: one-line .list files and
# deb822 .sources stanzas alike (Debian 12 ships the latter).
deb_src_entries() {
  local f
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -f "$f" ] || continue
    sed -nE 's/^[[:space:]]*deb[[:space:]]+(\[[^]]*\][[:space:]]+)?(http|https|ftp|file|cdrom|mirror)/\2/p' "$f" |
      while read -r uri suite components; do
        printf 'Types: deb-src\nURIs: %s\nSuites: %s\nComponents: %s\n\n' \
          "$uri" "$suite" "$components"
      done
  done
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] && [ "$f" != "$SRC_LIST" ] || continue
    # Only stanzas served by Debian's archive: third-party repositories
    # (e.g. nodesource) often publish no sources.
    awk -v RS= -v ORS='\n\n' '/(^|\n)Types:([^\n]* )?deb( |\n|$)/ &&
        /URIs:[^\n]*debian/ && !/(^|\n)Enabled: *no/ {
      gsub(/(^|\n)#[^\n]*/, ""); sub(/^\n/, "");
      sub(/Types:[^\n]*/, "Types: deb-src"); print }' "$f"
  done
}

ensure_deb_src() {
  have_deb_src && return 0
  local entries
  entries=$(deb_src_entries)
  [ -n "$entries" ] || die "no Debian 'deb' entry in /etc/apt to derive deb-src from"
  say "adding deb-src entries in $SRC_LIST"
  printf '# Added by capbox tests/realprogs/fetch_sources.sh\n%s\n' "$entries" |
    as_root tee "$SRC_LIST" >/dev/null
  as_root apt-get update -q >&2
}

fetch_one() {
  local pkg=$1 dir=$CACHE/$pkg src
  src=$(find "$dir" -mindepth 2 -maxdepth 2 -name .capbox-unpacked -printf '%h\n' 2>/dev/null | head -n 1 || true)
  if [ -n "$src" ]; then
    printf '%s\n' "$src"
    return 0
  fi
  command -v dpkg-source >/dev/null || as_root apt-get install -y -q --no-install-recommends dpkg-dev >&2
  ensure_deb_src
  rm -rf "$dir" && mkdir -p "$dir"
  say "apt-get source $pkg (into $dir)"
  if ! (cd "$dir" && apt-get source -q "$pkg" >&2); then
    # The package lists may predate the deb-src entry (another process
    # added it): refresh once and retry.
    as_root apt-get update -q >&2
    (cd "$dir" && apt-get source -q "$pkg" >&2) || die "apt-get source $pkg failed"
  fi
  src=$(find "$dir" -mindepth 1 -maxdepth 1 -type d | head -n 1)
  [ -n "$src" ] || die "apt-get source $pkg unpacked nothing in $dir"
  touch "$src/.capbox-unpacked"
  printf '%s\n' "$src"
}

[ $# -gt 0 ] || die "usage: fetch_sources.sh PACKAGE..."
mkdir -p "$CACHE"
# Tests run in parallel: one apt at a time.
exec 9>"$CACHE/.lock"
flock 9
for pkg in "$@"; do
  fetch_one "$pkg"
done
