#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Builds the decode fuzzer with clang (sanitizers and coverage in the whole
# engine), seeds its corpus from the spec tests and runs it.
# Usage, from the source root:  tests/fuzz/run.sh SECONDS [BUILD_DIR]
# (CAPBOX_FUZZ_NO_RUN=1 tests/fuzz/run.sh ... skips executing the modules.)
# Crashes are written as crash-* files into BUILD_DIR/fuzz-artifacts/.
set -eu
seconds=${1:?usage: run.sh SECONDS [BUILD_DIR]}
build=${2:-build-fuzz}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
if [ ! -d "$build" ]; then
  CXX=clang++ meson setup "$build" "$root" -Dfuzzing=true \
    -Db_sanitize=address,undefined -Db_lundef=false \
    -Dcpp_args=-fsanitize=fuzzer-no-link
fi
ninja -C "$build" -j2 tests/fuzz/decode_fuzz
if [ ! -d "$build/fuzz-corpus" ]; then
  "$here/seed.sh" "$build/fuzz-corpus"
fi
mkdir -p "$build/fuzz-artifacts"
"$build/tests/fuzz/decode_fuzz" -max_total_time="$seconds" -timeout=10 \
  -rss_limit_mb=2048 -max_len=65536 \
  -artifact_prefix="$build/fuzz-artifacts/" "$build/fuzz-corpus"
