#!/usr/bin/env bash
# phiscan against ripgrep on files of other shapes than the office tree (benches/gen_shapes.py:
# FHIR, HL7, figures, one long line, base64 mail, XML, logs, a number matrix, UTF-16, notes,
# a TSV export), one file at a time, with whole.sh's regex, at -j1. Prints per file the median
# CPU time (user + sys) of ROUNDS alternated runs of each tool, their ratio (above 1: phiscan
# is faster) and phiscan's findings by rule and confidence: a robustness and accuracy probe
# as much as a speed one (rg -c stops at a line's first match; on one 30 MB line it has
# almost nothing to do).
#
#     bash benches/shapes.sh            # generates $DATA/shapes (~360 MB) if missing
#
# Environment: PHISCAN_BENCH_DATA (default <repo>/bench-data), ROUNDS (default 3), SIZE
# (bytes per file, default 30000000), CARGO_TARGET_DIR. Needs rg, python3, /usr/bin/time.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DATA=${PHISCAN_BENCH_DATA:-$ROOT/bench-data}
ROUNDS=${ROUNDS:-3}
PHISCAN=${CARGO_TARGET_DIR:-$ROOT/target}/release/phiscan
REGEX=$(sed -n "s/^REGEX='\(.*\)'$/\1/p" "$ROOT/benches/whole.sh")
SHAPES=$DATA/shapes

[ -d "$SHAPES" ] || python3 "$ROOT/benches/gen_shapes.py" "$SHAPES" "${SIZE:-30000000}"
(cd "$ROOT" && cargo build --release --quiet)
OUT=$(mktemp)
trap 'rm -f "$OUT" "$OUT.t"' EXIT

cpu() { # command... -> CPU milliseconds
    /usr/bin/time -o "$OUT.t" -f "%U %S" "$@" >/dev/null 2>&1 || true
    tail -1 "$OUT.t" | awk '{printf "%d", ($1 + $2) * 1000}'
}
median() { tr ' ' '\n' | grep . | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

printf "%-14s %8s %8s %6s  %s\n" file rg_ms phi_ms ratio "phiscan findings (rule/confidence)"
for f in "$SHAPES"/*; do
    r=""; p=""
    for _ in $(seq "$ROUNDS"); do
        r="$r $(cpu rg -uuu -c -j1 -e "$REGEX" "$f")"
        p="$p $(cpu "$PHISCAN" scan -j1 --no-db --quiet --format jsonl -o "$OUT" "$f")"
    done
    rm_=$(echo "$r" | median); pm=$(echo "$p" | median)
    found=$(grep '"type":"finding"' "$OUT" | grep -o '"rule":"[^"]*","confidence":"[a-z]*"' \
        | sed 's/"rule":"\([^"]*\)","confidence":"\([a-z]*\)"/\1\/\2/' | sort | uniq -c \
        | awk '{printf "%s %s; ", $1, $2}' || true)
    printf "%-14s %8d %8d %6.2f  %s\n" "$(basename "$f")" "$rm_" "$pm" \
        "$(echo "$rm_ $pm" | awk '{print ($2 > 0 ? $1 / $2 : 0)}')" "${found:-none}"
done
