#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Fills a fuzzing seed corpus with every module of the spec tests (all
# groups), as
# converted by wast2json (valid ones and the malformed/invalid ones alike).
# Usage: tests/fuzz/seed.sh CORPUS_DIR [SPEC_TESTS_DIR]
set -eu
corpus=${1:?usage: seed.sh CORPUS_DIR [SPEC_TESTS_DIR]}
here=$(cd "$(dirname "$0")" && pwd)
spec=${2:-$here/../../../shared/wasm-spec-tests}
mkdir -p "$corpus"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Every group, so the corpus holds SIMD, tail-call and extended-const modules.
for wast in "$spec"/core/*.wast "$spec"/simd/*.wast "$spec"/tail-call/*.wast \
  "$spec"/extended-const/*.wast; do
  [ -f "$wast" ] || continue
  name=$(basename "$(dirname "$wast")")-$(basename "$wast" .wast)
  mkdir -p "$work/$name"
  wast2json --enable-tail-call --enable-extended-const "$wast" \
    -o "$work/$name/$name.json" 2>/dev/null || continue
done
# Content-addressed names: re-seeding does not duplicate inputs.
find "$work" -name '*.wasm' | while read -r f; do
  cp "$f" "$corpus/$(sha1sum "$f" | cut -c1-40)"
done
echo "$(ls "$corpus" | wc -l) inputs in $corpus"
