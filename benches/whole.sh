#!/usr/bin/env bash
# Whole-process benchmark: phiscan against ripgrep on ~1 GiB of generated office text, plus
# phiscan's peak memory on that tree and on a single 1 GiB file, plus a many-small-files case.
#
#     bash benches/whole.sh
#
# Environment (all optional):
#   PHISCAN_BENCH_DATA  where generated data is cached (default: <repo>/bench-data, gitignored)
#   SIZE                size of the tree and of the single file (default 1G)
#   SMALL_SIZE          size of the many-small-files tree (default 100M; 0 skips that case)
#   RUNS, WARMUP        hyperfine runs and warm-up runs (default 5 and 1)
#   ROUNDS              rounds of the alternated comparison (default 7): each runs phiscan
#                       then rg; the ratio of the medians is the headline figure
#   THREADS             -j for both tools (default 2)
#   CLEAN=1             delete the generated data at the end (the generator is deterministic,
#                       so it can always be made again)
#   CARGO_TARGET_DIR    honoured for the build, as cargo does
#
# It installs what it needs if missing (hyperfine, ripgrep, GNU time: Debian packages), builds
# phiscan with `cargo build --release`, generates the data with benches/gen_office_text.py
# (only when the cached copy is missing or was made by another generator version or size),
# then runs ONE hyperfine invocation comparing the two tools on the tree and prints GB/s and
# the ratio. Results (hyperfine JSON and /usr/bin/time -v output) go to $DATA/results/.
#
# The data is read from the page cache after the warm-up run (the machine needs RAM for it):
# this measures the tools, not the disk.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DATA=${PHISCAN_BENCH_DATA:-$ROOT/bench-data}
SIZE=${SIZE:-1G}
SMALL_SIZE=${SMALL_SIZE:-100M}
RUNS=${RUNS:-5}
ROUNDS=${ROUNDS:-7}
WARMUP=${WARMUP:-1}
THREADS=${THREADS:-2}
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
PHISCAN=$TARGET/release/phiscan
GEN=$ROOT/benches/gen_office_text.py
RESULTS=$DATA/results

# The same kinds phiscan looks for, as one alternation: formatted and bare 9-digit SSNs,
# Medicare MBIs, DOB-labelled dates, MRN-labelled ids, phone numbers.
REGEX='\b\d{3}-\d{2}-\d{4}\b|\b\d{9}\b|\b[1-9][A-Z][A-Z0-9]\d[A-Z][A-Z0-9]\d[A-Z]{2}\d{2}\b|(?i:dob|date of birth|birth date)\W{1,3}\d{1,2}/\d{1,2}/\d{2,4}|(?i:mrn|medical record (?:number|no))\W{1,3}[A-Z0-9]{5,12}|\(?\b\d{3}\)?[-. ]\d{3}[-. ]\d{4}\b'

say() { printf '\n== %s\n' "$*"; }

# --- tools ---------------------------------------------------------------------------------
need=()
command -v hyperfine >/dev/null || need+=(hyperfine)
command -v rg >/dev/null || need+=(ripgrep)
[ -x /usr/bin/time ] || need+=(time)
command -v python3 >/dev/null || need+=(python3)
if [ ${#need[@]} -gt 0 ]; then
    say "installing ${need[*]}"
    SUDO=
    [ "$(id -u)" -eq 0 ] || SUDO=sudo
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}"
fi

say "building phiscan (cargo build --release)"
(cd "$ROOT" && cargo build --release --quiet)

# --- machine -------------------------------------------------------------------------------
say "machine"
echo "date:      $(date -u +%Y-%m-%dT%H:%M:%SZ)"
echo "cpus:      $(nproc) ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'))"
echo "memory:    $(free -g | awk '/Mem:/ {print $2 " GiB"}')"
echo "kernel:    $(uname -sr)"
echo "rustc:     $(rustc --version)"
echo "phiscan:   $("$PHISCAN" --version)"
echo "ripgrep:   $(rg --version | sed -n 1p)"
echo "hyperfine: $(hyperfine --version)"

# --- data ----------------------------------------------------------------------------------
gen_version=$(sed -n 's/^VERSION = \([0-9]*\).*/\1/p' "$GEN")
# ensure OUT MODE-ARGS...: (re)generate OUT unless its manifest says it is current.
ensure() {
    local out=$1
    shift
    local want_size
    want_size=$(python3 -c 'import sys; sys.path.insert(0, sys.argv[1]); import gen_office_text as g; print(g.parse_size(sys.argv[2]))' "$ROOT/benches" "$2")
    if [ -f "$out.manifest.json" ] && [ -e "$out" ] &&
        python3 - "$out.manifest.json" "$gen_version" "$want_size" <<'EOF'; then
import json, sys
m = json.load(open(sys.argv[1]))
sys.exit(0 if m["version"] == int(sys.argv[2]) and m["size_arg"] == int(sys.argv[3]) else 1)
EOF
        echo "cached: $out"
    else
        echo "generating $out ($*)"
        python3 "$GEN" "$out" "$@" >/dev/null
    fi
}
say "data in $DATA"
mkdir -p "$DATA" "$RESULTS"
ensure "$DATA/tree" --size "$SIZE"
ensure "$DATA/single.txt" --size "$SIZE" --single
if [ "$SMALL_SIZE" != 0 ]; then
    ensure "$DATA/small" --size "$SMALL_SIZE" --small
fi
manifest() { python3 -c 'import json, sys; m = json.load(open(sys.argv[1])); print(m[sys.argv[2]])' "$1.manifest.json" "$2"; }
TREE_BYTES=$(manifest "$DATA/tree" bytes)
echo "tree:   $(manifest "$DATA/tree" files) files, $TREE_BYTES bytes; planted $(manifest "$DATA/tree" planted)"
echo "single: $(manifest "$DATA/single.txt" bytes) bytes"

# --- the commands --------------------------------------------------------------------------
# phiscan exits 1 when it finds PHI (which this data has), 2 on errors: the command checks for
# exactly 1, so a run that failed is not timed as a success. It checks that its output file is
# not among the files it reads (by inode); /dev/null is accepted, else we fall back to stdout.
OUT_ARG="-o /dev/null"
probe=$(mktemp -d)
echo "SSN: 234-56-7891" >"$probe/a.txt"
help=$("$PHISCAN" scan --help)
# Versions with an inventory database skip files unchanged since the previous scan: every
# timed run must read everything and leave the user's database alone, so --no-db. Its cost is
# measured separately below (peak RSS with a fresh database).
DB_FLAGS=()
if grep -q -- '--no-db' <<<"$help"; then DB_FLAGS=(--no-db); fi
if grep -q -- '--quiet' <<<"$help"; then DB_FLAGS+=(--quiet); fi
rc=0
"$PHISCAN" scan "${DB_FLAGS[@]}" --format jsonl -o /dev/null "$probe" 2>/dev/null || rc=$?
rm -rf "$probe"
if [ "$rc" -ne 1 ]; then
    echo "phiscan -o /dev/null exited $rc: writing to stdout > /dev/null instead"
    OUT_ARG=">/dev/null"
fi
phiscan_cmd() {
    printf '%q scan -j%s %s --format jsonl %s --max-file-size 4G %q; test $? -eq 1' \
        "$PHISCAN" "$THREADS" "${DB_FLAGS[*]}" "$OUT_ARG" "$1"
}
rg_cmd() { printf "rg -uuu -c -j%s -e '%s' %q >/dev/null" "$THREADS" "$REGEX" "$1"; }
echo "phiscan: $(phiscan_cmd DATA)"
echo "rg:      $(rg_cmd DATA)"

# GB/s and ratio from a hyperfine JSON export (commands in order phiscan, rg).
report() {
    python3 - "$1" "$2" <<'EOF'
import json, sys
res = json.load(open(sys.argv[1]))["results"]
nbytes = int(sys.argv[2])
names = ["phiscan", "rg"]
print(f"{'tool':<8} {'mean s':>8} {'± s':>7} {'min s':>8} {'GB/s':>7} {'cpu s':>8}  runs")
for n, r in zip(names, res):
    cpu = r["user"] + r["system"]
    runs = " ".join(f"{t:.2f}" for t in r["times"])
    print(f"{n:<8} {r['mean']:>8.3f} {r['stddev']:>7.3f} {r['min']:>8.3f} "
          f"{nbytes / r['mean'] / 1e9:>7.3f} {cpu:>8.2f}  {runs}")
p, g = res[0], res[1]
print(f"phiscan speed / rg speed = {g['mean'] / p['mean']:.3f} by mean wall time, "
      f"{g['min'] / p['min']:.3f} by best run, "
      f"{(g['user'] + g['system']) / (p['user'] + p['system']):.3f} by CPU time "
      f"(target >= 1, aim 2.5)")
EOF
}

# Alternated runs: hyperfine runs every run of one command, then every run of the other, and
# on a shared machine whose speed drifts the two blocks see different machines (the ratio
# moved by several percent from run to run). Here each round runs phiscan, then rg, ROUNDS
# times, and the medians of wall and CPU time (GNU time) of each are compared: the headline.
alternated() {
    local label=$1 target=$2 nbytes=$3 r t
    : >"$RESULTS/$label-alternated.tsv"
    for ((r = 1; r <= ROUNDS; r++)); do
        for t in phiscan rg; do
            local cmd
            if [ "$t" = phiscan ]; then cmd=$(phiscan_cmd "$target"); else cmd=$(rg_cmd "$target"); fi
            /usr/bin/time -f '%e %U %S' -o "$RESULTS/.time" bash -c "$cmd" ||
                { echo "$t failed in round $r: $cmd" >&2; return 1; }
            printf '%s\t%s\n' "$t" "$(tail -n 1 "$RESULTS/.time")" >>"$RESULTS/$label-alternated.tsv"
        done
    done
    python3 - "$RESULTS/$label-alternated.tsv" "$nbytes" <<'EOF2' | tee "$RESULTS/$label-alternated.txt"
import statistics, sys
runs = {"phiscan": [], "rg": []}
for line in open(sys.argv[1]):
    tool, times = line.rstrip("\n").split("\t")
    wall, user, sys_ = map(float, times.split())
    runs[tool].append((wall, user + sys_))
nbytes = int(sys.argv[2])
med = {t: (statistics.median(w for w, _ in v), statistics.median(c for _, c in v)) for t, v in runs.items()}
print(f"{'tool':<8} {'wall s':>8} {'cpu s':>8} {'GB/s':>7}  walls")
for t, (w, c) in med.items():
    print(f"{t:<8} {w:>8.3f} {c:>8.3f} {nbytes / w / 1e9:>7.3f}  " + " ".join(f"{x:.2f}" for x, _ in runs[t]))
(pw, pc), (gw, gc) = med["phiscan"], med["rg"]
print(f"alternated, {len(runs['rg'])} rounds: phiscan speed / rg speed = {gw / pw:.3f} by median wall time, "
      f"{gc / pc:.3f} by median CPU time (target >= 1, aim 2.5)")
EOF2
}

say "phiscan vs ripgrep on the tree ($RUNS runs, $WARMUP warm-up)"
hyperfine --style basic --warmup "$WARMUP" --runs "$RUNS" \
    --export-json "$RESULTS/tree.json" \
    -n phiscan "$(phiscan_cmd "$DATA/tree")" \
    -n rg "$(rg_cmd "$DATA/tree")"
report "$RESULTS/tree.json" "$TREE_BYTES" | tee "$RESULTS/tree.txt"
say "phiscan vs ripgrep on the tree, alternated ($ROUNDS rounds: phiscan, rg, phiscan, rg, ...)"
alternated tree "$DATA/tree" "$TREE_BYTES"

# --- peak memory ---------------------------------------------------------------------------
rss() {
    local name=$1 target=$2 rc=0 out=(-o /dev/null)
    shift 2
    [ "$OUT_ARG" = "-o /dev/null" ] || out=()
    # Read the input once first: the tree and the single file (2 GiB together) may not both
    # fit in the page cache, and a run that reads from disk shows disk waits as CPU time.
    find "$target" -type f -exec cat {} + >/dev/null
    /usr/bin/time -v -o "$RESULTS/time-$name.txt" "$PHISCAN" scan -j"$THREADS" "$@" \
        --format jsonl "${out[@]}" --max-file-size 4G "$target" >/dev/null || rc=$?
    local kb secs cpu
    kb=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$RESULTS/time-$name.txt")
    secs=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$RESULTS/time-$name.txt")
    cpu=$(awk -F': ' '/User time|System time/ {t += $2} END {printf "%.1f", t}' "$RESULTS/time-$name.txt")
    awk -v n="$name" -v kb="$kb" -v s="$secs" -v c="$cpu" -v rc="$rc" 'BEGIN {
        printf "%-10s peak RSS %7.1f MiB  (wall %s, cpu %s s, exit %s; target < 200 MiB)\n", n, kb / 1024, s, c, rc }' |
        tee -a "$RESULTS/rss.txt"
}
say "phiscan peak RSS (/usr/bin/time -v)"
: >"$RESULTS/rss.txt"
rss tree "$DATA/tree" "${DB_FLAGS[@]}"
rss single "$DATA/single.txt" "${DB_FLAGS[@]}"
if [ "${DB_FLAGS[0]:-}" = --no-db ]; then
    # The default: the scan is recorded in the inventory database (a fresh one here).
    dbdir=$(mktemp -d)
    rss tree+db "$DATA/tree" --quiet --db "$dbdir/tree.sqlite"
    rss single+db "$DATA/single.txt" --quiet --db "$dbdir/single.sqlite"
    ls -l "$dbdir" | tail -n +2 | tee -a "$RESULTS/rss.txt"
    rm -rf "$dbdir"
fi

# --- many small files ----------------------------------------------------------------------
if [ "$SMALL_SIZE" != 0 ]; then
    SMALL_BYTES=$(manifest "$DATA/small" bytes)
    say "many small files: $(manifest "$DATA/small" files) files, $SMALL_BYTES bytes"
    hyperfine --style basic --warmup 1 --runs "$RUNS" \
        --export-json "$RESULTS/small.json" \
        -n phiscan "$(phiscan_cmd "$DATA/small")" \
        -n rg "$(rg_cmd "$DATA/small")"
    report "$RESULTS/small.json" "$SMALL_BYTES" | tee "$RESULTS/small.txt"
    say "many small files, alternated ($ROUNDS rounds)"
    alternated small "$DATA/small" "$SMALL_BYTES"
fi

if [ "${CLEAN:-0}" = 1 ]; then
    say "CLEAN=1: deleting the generated data (results kept)"
    rm -rf "$DATA/tree" "$DATA/single.txt" "$DATA/small" "$DATA"/*.manifest.json
fi
say "results in $RESULTS"
