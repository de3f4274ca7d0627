#!/usr/bin/env bash
# phiscan against ripgrep on the whole.sh tree, one kind of file at a time: where the gap is.
#
#     bash benches/by-type.sh            # after benches/whole.sh has generated the tree
#
# Each kind (letters and notes .txt, notes .md, logs .log, ledgers and orders .csv, patient
# lists .csv: the CSVs whose header starts "Date of Service") is given to both tools as a file
# list, with whole.sh's regex and flags, at -j1 (THREADS to change it). The two tools
# alternate, ROUNDS times (default 5); the median CPU time (user + sys, GNU time) of each is
# printed with the ratio rg / phiscan (above 1: phiscan is faster). For scale, also
# `rg --json` (a JSON record per matching line, as phiscan writes one per finding; `rg -c`
# does nothing per match) and its ratio.
#
# Environment: PHISCAN_BENCH_DATA (default <repo>/bench-data), ROUNDS, THREADS,
# CARGO_TARGET_DIR. Needs rg and /usr/bin/time (whole.sh installs them).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DATA=${PHISCAN_BENCH_DATA:-$ROOT/bench-data}
ROUNDS=${ROUNDS:-5}
THREADS=${THREADS:-1}
PHISCAN=${CARGO_TARGET_DIR:-$ROOT/target}/release/phiscan
REGEX=$(sed -n "s/^REGEX='\(.*\)'$/\1/p" "$ROOT/benches/whole.sh")
TREE=$DATA/tree

[ -d "$TREE" ] || { echo "no $TREE: run bash benches/whole.sh first" >&2; exit 2; }
(cd "$ROOT" && cargo build --release --quiet)

LISTS=$(mktemp -d)
trap 'rm -rf "$LISTS"' EXIT
find "$TREE" -type f -name '*.txt' | sort >"$LISTS/letters-and-notes.txt"
find "$TREE" -type f -name '*.md' | sort >"$LISTS/notes.md"
find "$TREE" -type f -name '*.log' | sort >"$LISTS/logs.log"
find "$TREE" -type f -name '*.csv' | sort | while read -r f; do
    case "$(head -c 15 "$f")" in
        "Date of Service") echo "$f" >>"$LISTS/patient-lists.csv" ;;
        *) echo "$f" >>"$LISTS/ledgers-and-orders.csv" ;;
    esac
done

median() { sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }
# GNU time writes "Command exited with non-zero status N" first when the exit code is not 0.
cpu_ms() { tail -n 1 "$1" | awk '{printf "%d\n", ($1 + $2) * 1000}'; }

printf '%-24s %6s %6s %9s %12s %8s %13s %8s\n' kind files MB "rg ms" "phiscan ms" "rg/ph" \
    "rg --json ms" "json/ph"
for list in "$LISTS"/*; do
    [ -s "$list" ] || continue
    mapfile -t files <"$list"
    rg_runs=()
    ph_runs=()
    json_runs=()
    for _ in $(seq "$ROUNDS"); do
        /usr/bin/time -o "$LISTS/.rg" -f '%U %S' \
            rg -uuu -c -j"$THREADS" -e "$REGEX" "${files[@]}" >/dev/null || true
        rg_runs+=("$(cpu_ms "$LISTS/.rg")")
        /usr/bin/time -o "$LISTS/.json" -f '%U %S' \
            rg -uuu --json -j"$THREADS" -e "$REGEX" "${files[@]}" >/dev/null || true
        json_runs+=("$(cpu_ms "$LISTS/.json")")
        rc=0
        /usr/bin/time -o "$LISTS/.ph" -f '%U %S' \
            "$PHISCAN" scan -j"$THREADS" --no-db --quiet --format jsonl -o /dev/null \
            --max-file-size 4G "${files[@]}" || rc=$?
        # 0: no PHI (ledgers and orders), 1: PHI found; 2 is a failed run.
        [ "$rc" -le 1 ] || { echo "phiscan exited $rc on $(basename "$list")" >&2; exit 2; }
        ph_runs+=("$(cpu_ms "$LISTS/.ph")")
    done
    rg_ms=$(printf '%s\n' "${rg_runs[@]}" | median)
    ph_ms=$(printf '%s\n' "${ph_runs[@]}" | median)
    json_ms=$(printf '%s\n' "${json_runs[@]}" | median)
    mb=$(cat "${files[@]}" | wc -c | awk '{printf "%d", $1 / 1e6}')
    printf '%-24s %6d %6d %9d %12d %8.2f %13d %8.2f\n' "$(basename "$list")" "${#files[@]}" \
        "$mb" "$rg_ms" "$ph_ms" "$(awk -v a="$rg_ms" -v b="$ph_ms" 'BEGIN {print a / b}')" \
        "$json_ms" "$(awk -v a="$json_ms" -v b="$ph_ms" 'BEGIN {print a / b}')"
done
