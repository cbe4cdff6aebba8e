#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Every test, as CI runs it (through `./dev test`, which first installs the
# missing packages):
#   1. g++ build, `meson test`: unit (doctest), spec (every assertion), cli,
#      wasi, realprogs, sandbox, escape, preopen, exec, examples
#   2. clang build with ASan+UBSan: the same but realprogs (the preload
#      library and the programs run confined stay unsanitized)
#   3. the libFuzzer targets of tests/fuzz (built in the sanitizer build,
#      -Dfuzzing=true): decode_fuzz for FUZZ_SECONDS from the spec tests'
#      .wasm modules, the others (policy, broker messages, resolver) for
#      half of that, policy_fuzz seeded from the policy fixtures
# Ends with one line "N passed, M failed" counting every test case and
# assertion that ran; exits non-zero when anything failed or did not build.
# Environment: CAPBOX_BUILD (default "build"; the sanitizer build is
# "$CAPBOX_BUILD-asan"), FUZZ_SECONDS (default 60).
set -uo pipefail
cd "$(dirname "$0")/.."

BUILD=${CAPBOX_BUILD:-build}
ASAN_BUILD=$BUILD-asan
FUZZ_SECONDS=${FUZZ_SECONDS:-60}
JOBS=2
PASSED=0
FAILED=0

say() { printf '\n== %s\n' "$*"; }
pass() { PASSED=$((PASSED + $1)); }
fail() { FAILED=$((FAILED + $1)); printf '== FAILED: %s\n' "$2"; }

# meson_tests BUILDDIR LABEL [meson test args...]: runs and counts.
meson_tests() {
  local dir=$1 label=$2 counts
  shift 2
  meson test -C "$dir" --num-processes "$JOBS" --print-errorlogs "$@"
  counts=$(python3 tests/count_results.py "$dir" "$label")
  printf '%s\n' "$counts" | sed '$d'
  read -r p f <<<"$(printf '%s\n' "$counts" | tail -n 1)"
  pass "$p"
  [ "$f" -eq 0 ] || fail "$f" "$label: $f test(s) failed"
}

# configure_build BUILDDIR LABEL [meson setup args...]
configure_build() {
  local dir=$1 label=$2
  shift 2
  if [ ! -f "$dir/build.ninja" ]; then
    meson setup "$dir" "$@" || { fail 1 "$label: meson setup"; return 1; }
  elif [ $# -gt 0 ]; then
    meson configure "$dir" "$@" || { fail 1 "$label: meson configure"; return 1; }
  fi
  ninja -C "$dir" -j"$JOBS" || { fail 1 "$label: build"; return 1; }
}

say "g++ build ($BUILD)"
if configure_build "$BUILD" "g++"; then
  say "tests: every suite (g++)"
  meson_tests "$BUILD" "g++"
fi

fuzz_enabled=false
[ -f tests/fuzz/meson.build ] && fuzz_enabled=true
say "clang ASan+UBSan build ($ASAN_BUILD, fuzzing=$fuzz_enabled)"
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:halt_on_error=1:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:abort_on_error=1:print_stacktrace=1}
asan_args=(-Db_sanitize=address,undefined -Db_lundef=false
  -Dfuzzing=$fuzz_enabled)
# Coverage in the whole engine, so the fuzzer sees inside it (as run.sh in
# tests/fuzz does); the sanitizer runtimes provide the hooks elsewhere.
[ "$fuzz_enabled" = true ] && asan_args+=(-Dcpp_args=-fsanitize=fuzzer-no-link)
if CXX=clang++ CC=clang configure_build "$ASAN_BUILD" "asan" "${asan_args[@]}"; then
  say "tests under ASan+UBSan: unit, spec, cli, wasi, sandbox, escape, preopen, exec, examples"
  meson_tests "$ASAN_BUILD" "asan" --suite unit --suite spec --suite cli \
    --suite wasi --suite sandbox --suite escape --suite preopen \
    --suite exec --suite examples --suite regress --timeout-multiplier 4
  asan_built=true
else
  asan_built=false
fi

say "fuzz"
targets=()
if [ "$asan_built" = true ] && [ -d "$ASAN_BUILD/tests/fuzz" ]; then
  # Only the libFuzzer targets (*_fuzz): diff_driver lives there too.
  mapfile -t targets < <(find "$ASAN_BUILD/tests/fuzz" -maxdepth 1 -type f \
    -executable -name '*_fuzz' | sort)
fi
if [ "$asan_built" != true ]; then
  printf '== not run: the sanitizer build failed (counted above)\n'
elif [ ${#targets[@]} -eq 0 ]; then
  printf '== SKIPPED: no libFuzzer target in tests/fuzz yet (fuzz run not counted)\n'
else
  seeds=$ASAN_BUILD/fuzz-seeds
  rm -rf "$seeds" && mkdir -p "$seeds/wasm" "$seeds/policy" "$seeds/none" \
    "$ASAN_BUILD/fuzz-artifacts"
  find "$ASAN_BUILD/tests/spec" -name '*.wasm' -exec cp -t "$seeds/wasm" {} +
  find tests/unit/policy/fixtures -name '*.toml' -exec cp -t "$seeds/policy" {} +
  printf '== seed corpora: %s spec modules, %s policy fixtures\n' \
    "$(ls "$seeds/wasm" | wc -l)" "$(ls "$seeds/policy" | wc -l)"
  # Two targets at a time (CI has two cores); each is reported in order
  # once all have ended.
  pids=()
  for target in "${targets[@]}"; do
    name=$(basename "$target")
    corpus=$ASAN_BUILD/fuzz-corpus-$name
    log=$ASAN_BUILD/fuzz-$name.log
    mkdir -p "$corpus"
    case $name in
      decode_fuzz) seed=$seeds/wasm seconds=$FUZZ_SECONDS ;;
      policy_fuzz) seed=$seeds/policy seconds=$((FUZZ_SECONDS / 2)) ;;
      preopen_find_fuzz) seed=$seeds/none seconds=30 ;;
      *) seed=$seeds/none seconds=$((FUZZ_SECONDS / 2)) ;;
    esac
    while [ "$(jobs -rp | wc -l)" -ge "$JOBS" ]; do sleep 1; done
    printf '== %s for %s s\n' "$name" "$seconds"
    "$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
      -max_len=65536 -print_final_stats=1 \
      -artifact_prefix="$ASAN_BUILD/fuzz-artifacts/" "$corpus" "$seed" \
      >"$log" 2>&1 &
    pids+=($!)
  done
  for i in "${!targets[@]}"; do
    name=$(basename "${targets[$i]}")
    log=$ASAN_BUILD/fuzz-$name.log
    printf '== %s\n' "$name"
    if wait "${pids[$i]}"; then
      grep -E 'stat::number_of_executed_units|Done [0-9]+ runs' "$log" | tail -n 2
      pass 1
    else
      tail -n 40 "$log"
      fail 1 "fuzz target $name (log: $log)"
    fi
  done
fi

say "summary"
printf '%s passed, %s failed\n' "$PASSED" "$FAILED"
[ "$FAILED" -eq 0 ]
