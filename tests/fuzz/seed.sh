#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Fills a fuzzing seed corpus with every module of the spec tests, as
# converted by wast2json (valid ones and the malformed/invalid ones alike).
# Usage: tests/fuzz/seed.sh CORPUS_DIR [SPEC_TESTS_DIR]
set -eu
corpus=${1:?usage: seed.sh CORPUS_DIR [SPEC_TESTS_DIR]}
here=$(cd "$(dirname "$0")" && pwd)
spec=${2:-$here/../../../shared/wasm-spec-tests}
mkdir -p "$corpus"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for wast in "$spec"/core/*.wast; do
  name=$(basename "$wast" .wast)
  mkdir -p "$work/$name"
  wast2json "$wast" -o "$work/$name/$name.json" 2>/dev/null || continue
done
# Content-addressed names: re-seeding does not duplicate inputs.
find "$work" -name '*.wasm' | while read -r f; do
  cp "$f" "$corpus/$(sha1sum "$f" | cut -c1-40)"
done
echo "$(ls "$corpus" | wc -l) inputs in $corpus"
