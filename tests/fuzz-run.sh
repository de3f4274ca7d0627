#!/bin/sh
# Fuzz every target in tests/fuzz for SECONDS each, starting from the committed seed corpus
# (tests/fuzz/corpus/<target>, never modified: new inputs go to a scratch directory).
# Exits non-zero if any target crashes (panic, abort, sanitizer report, timeout, out of memory);
# the crashing inputs are kept in $FUZZ_OUT/<target>/ (default: a temp dir, printed).
#
#   tests/fuzz-run.sh 20          # CI: 20 s per target
#   tests/fuzz-run.sh 600 pdf     # one target, longer
#
# FUZZ_SEED=N makes libFuzzer's mutations repeatable (tests/run.sh, i.e. CI, uses a fixed seed
# so that a red run can be reproduced; run without it to explore).
#
# Works on a fresh machine with Rust stable: installs cargo-fuzz if missing and uses
# RUSTC_BOOTSTRAP=1 for the nightly flags cargo-fuzz passes (sanitizer, coverage).
# CARGO_TARGET_DIR defaults to target/fuzz (outside tests/fuzz, shared by CI runs).
set -eu
cd "$(dirname "$0")/.."
ROOT=$PWD

SECONDS_PER_TARGET=${1:?usage: tests/fuzz-run.sh SECONDS [TARGET...]}
shift
TARGETS=${*:-"sniff text_reader email rtf office_zip sheet pdf archive legacy_strings structured detect"}

if ! cargo fuzz --version >/dev/null 2>&1; then
    cargo install cargo-fuzz --locked
fi
# The sanitizer runtime needs a C++ compiler for libFuzzer itself (build-essential on Debian).
export RUSTC_BOOTSTRAP=1
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target/fuzz}"
case "$CARGO_TARGET_DIR" in /*) ;; *) CARGO_TARGET_DIR="$ROOT/$CARGO_TARGET_DIR" ;; esac
cargo fuzz build --fuzz-dir tests/fuzz

# The triple cargo-fuzz builds for (the host's).
TRIPLE=$(rustc -vV | sed -n 's/^host: //p')
BIN="$CARGO_TARGET_DIR/$TRIPLE/release"
OUT=${FUZZ_OUT:-$(mktemp -d "${TMPDIR:-/tmp}/phiscan-fuzz.XXXXXX")}
echo "fuzzing ${SECONDS_PER_TARGET}s per target; work and crash files in $OUT"

failed=""
for t in $TARGETS; do
    mkdir -p "$OUT/$t/corpus"
    # Seeds, and the inputs of crashes found before (they must stay fixed).
    seeds="$ROOT/tests/fuzz/corpus/$t"
    if [ -d "$ROOT/tests/fuzz/regressions/$t" ]; then
        seeds="$seeds $ROOT/tests/fuzz/regressions/$t"
    fi
    # The document extractors run in a separate process with an address-space limit and a
    # time limit, and the worker catches panics per file (the targets do the same): running
    # out of memory or time, or aborting (a stack overflow), costs one document by design.
    # Those are counted; what fails is a memory-safety report of the address sanitizer.
    case $t in
        rtf | office_zip | sheet | pdf)
            extractor=1
            extra="-fork=1 -ignore_crashes=1 -ignore_ooms=1 -ignore_timeouts=1"
            asan="allocator_may_return_null=1"
            ;;
        *)
            extractor=0
            extra=""
            asan=""
            ;;
    esac
    # -rss_limit_mb: the scanning process must stay far below it; the extractor targets run
    # in a process limited to --extract-memory (1G) in production; 2 GB leaves ASan room.
    # -timeout: one input taking 20 s is a hang (the extractor's limit is 30 s).
    ok=1
    # shellcheck disable=SC2086
    (cd "$OUT/$t" && ASAN_OPTIONS="$asan${ASAN_OPTIONS:+:$ASAN_OPTIONS}" "$BIN/$t" corpus $seeds \
        $extra ${FUZZ_SEED:+-seed=$FUZZ_SEED} -max_total_time="$SECONDS_PER_TARGET" -rss_limit_mb=2048 -timeout=20 \
        -print_final_stats=1 -artifact_prefix="$OUT/$t/" >"$OUT/$t/log" 2>&1) || ok=0
    if [ $extractor = 1 ]; then
        ok=1
        if grep -a "ERROR: AddressSanitizer: " "$OUT/$t/log" |
            grep -avqE "out[ -]of[ -]memory|allocation-size-too-big|requested allocation size|stack-overflow"; then
            ok=0
        fi
    fi
    if [ $ok = 1 ]; then
        runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$OUT/$t/log")
        [ -n "$runs" ] || runs=$(grep -ao '^#[0-9]*' "$OUT/$t/log" | tail -1 | tr -d '#')
        contained=$(grep -ao 'oom/timeout/crash: [0-9/]*' "$OUT/$t/log" | tail -1)
        echo "ok    $t: ${runs:-?} executions${contained:+ (contained $contained)}"
    else
        echo "CRASH $t: see $OUT/$t/log and the input in $OUT/$t/"
        grep -aE "panicked at|ERROR: |SUMMARY" "$OUT/$t/log" | head -5 || true
        failed="$failed $t"
    fi
done
if [ -n "$failed" ]; then
    echo "crashed:$failed"
    exit 1
fi
