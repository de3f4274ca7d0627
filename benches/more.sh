#!/usr/bin/env bash
# Whole-process benchmarks of documents, FTP and incremental rescans, each compared with a
# reference tool in ONE hyperfine run (the machine is shared and noisy: read the ratios).
#
#     bash benches/more.sh [pdf] [sheets] [ftp] [rescan]     # default: all four
#
#   pdf     phiscan on N text PDFs vs `pdftotext` run with `xargs -P2` on the same files
#           (poppler-utils); reports pages/s. Target: at least as fast as pdftotext -P2.
#   sheets  phiscan on one large xlsx (openpyxl-made); reports rows/s. Target >= 150k rows/s.
#   ftp     `phiscan scan ftp://127.0.0.1:PORT/` vs `wget -m` mirroring the same ~200 MB tree
#           from a local pyftpdlib server (the network-copy floor). Target: within 1.5x.
#   rescan  first full scan vs an unchanged rescan of 100,000 small files (inventory database),
#           and `find -printf` stat-ing the same files (the floor). Target: rescan at least 20x
#           faster. PHISCAN_TIMING=1 on a rescan prints where its time goes.
#
# Environment: PHISCAN_BENCH_DATA (default <repo>/bench-data), RUNS (default 5), PAGES (PDF
# pages in all, default 4000), ROWS (xlsx rows, default 300000), FTP_MB (default 200),
# FILES (rescan files, default 100000), CARGO_TARGET_DIR.
# It installs what it needs (hyperfine, poppler-utils, wget; a Python venv with openpyxl and
# pyftpdlib under the data dir), builds `cargo build --release`, and writes hyperfine JSON to
# $DATA/results/.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DATA=${PHISCAN_BENCH_DATA:-$ROOT/bench-data}
RUNS=${RUNS:-5}
PAGES=${PAGES:-4000}
ROWS=${ROWS:-300000}
FTP_MB=${FTP_MB:-200}
FILES=${FILES:-100000}
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
PHISCAN=$TARGET/release/phiscan
RESULTS=$DATA/results
KEY=$DATA/bench.key
CASES=("$@")
[ ${#CASES[@]} -gt 0 ] || CASES=(pdf sheets ftp rescan)

say() { printf '\n== %s\n' "$*"; }
want() { local c; for c in "${CASES[@]}"; do [ "$c" = "$1" ] && return 0; done; return 1; }

need=()
command -v hyperfine >/dev/null || need+=(hyperfine)
command -v pdftotext >/dev/null || need+=(poppler-utils)
command -v wget >/dev/null || need+=(wget)
if [ ${#need[@]} -gt 0 ]; then
    say "installing ${need[*]}"
    SUDO=; [ "$(id -u)" -eq 0 ] || SUDO=sudo
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}"
fi
mkdir -p "$DATA" "$RESULTS"
VENV=$DATA/venv
if [ ! -x "$VENV/bin/python" ]; then
    say "python venv with openpyxl and pyftpdlib"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" -q install openpyxl==3.1.5 pyftpdlib==2.2.0
fi
PY=$VENV/bin/python

say "building phiscan (cargo build --release)"
(cd "$ROOT" && cargo build --release --quiet)

# --- PDFs ------------------------------------------------------------------------------------
if want pdf; then
    PDFDIR=$DATA/pdfs-$PAGES
    if [ ! -d "$PDFDIR" ]; then
        say "generating $PAGES pages of text PDFs in $PDFDIR"
        mkdir -p "$PDFDIR"
        "$PY" - "$PDFDIR" "$PAGES" <<'PYEOF'
import sys, random
out, pages = sys.argv[1], int(sys.argv[2])
rnd = random.Random(7)
words = "patient referral visit follow up lab result normal range reviewed plan billing statement insurance claim provider office hours schedule".split()
def pdf(page_lines):
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>", None, b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"]
    kids = []
    for lines in page_lines:
        content = "BT /F1 10 Tf 12 TL 50 760 Td\n" + "".join("(%s) Tj T*\n" % l for l in lines) + "ET"
        kids.append(len(objs) + 1)
        objs.append(("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>" % (len(objs) + 2)).encode())
        objs.append(b"<< /Length %d >>\nstream\n" % len(content) + content.encode() + b"\nendstream")
    objs[1] = ("<< /Type /Pages /Kids [%s] /Count %d >>" % (" ".join("%d 0 R" % k for k in kids), len(kids))).encode()
    b = b"%PDF-1.4\n"; offs = []
    for i, o in enumerate(objs, 1):
        offs.append(len(b)); b += b"%d 0 obj\n" % i + o + b"\nendobj\n"
    x = len(b)
    b += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1) + b"".join(b"%010d 00000 n \n" % o for o in offs)
    b += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, x)
    return b
n = 0; i = 0
while n < pages:
    k = min(4, pages - n)
    page_lines = []
    for _ in range(k):
        lines = [" ".join(rnd.choice(words) for _ in range(12)) for _ in range(50)]
        lines[10] = "Patient: Jane Roe   DOB: 03/14/1972   MRN: %08d" % rnd.randrange(10**7, 10**8)
        page_lines.append(lines)
    open("%s/doc-%05d.pdf" % (out, i), "wb").write(pdf(page_lines)); n += k; i += 1
PYEOF
    fi
    say "PDFs: phiscan vs pdftotext (xargs -P2), $PAGES pages"
    hyperfine -i --warmup 1 --runs "$RUNS" --export-json "$RESULTS/pdf.json" \
        -n phiscan "$PHISCAN scan -j2 --no-db --key-file $KEY --format jsonl -o /dev/null $PDFDIR" \
        -n "pdftotext -P2" "find $PDFDIR -name '*.pdf' -print0 | xargs -0 -n 8 -P 2 sh -c 'for f; do pdftotext -q \"\$f\" - ; done' sh > /dev/null" || true
    "$PY" - "$RESULTS/pdf.json" "$PAGES" <<'PYEOF'
import json, sys
r = json.load(open(sys.argv[1]))["results"]; pages = int(sys.argv[2])
for x in r: print("%-16s %7.3f s  %8.0f pages/s" % (x["command"], x["mean"], pages / x["mean"]))
print("ratio pdftotext/phiscan: %.2f (>= 1 means phiscan is at least as fast)" % (r[1]["mean"] / r[0]["mean"]))
PYEOF
fi

# --- spreadsheets ------------------------------------------------------------------------------
if want sheets; then
    XLSX=$DATA/sheet-$ROWS.xlsx
    if [ ! -f "$XLSX" ]; then
        say "generating $XLSX ($ROWS rows)"
        "$PY" - "$XLSX" "$ROWS" <<'PYEOF'
import sys, random, datetime
from openpyxl import Workbook
out, rows = sys.argv[1], int(sys.argv[2])
rnd = random.Random(3)
wb = Workbook(write_only=True); ws = wb.create_sheet("Patients")
ws.append(["Name", "MRN", "DOB", "Phone", "Visit Date", "Amount"])
for i in range(rows):
    ws.append(["Patient %d" % i, "%08d" % rnd.randrange(10**7, 10**8), datetime.date(1930 + i % 80, 1 + i % 12, 1 + i % 28),
               "(212) 555-%04d" % (i % 10000), datetime.date(2023, 1 + i % 12, 1 + i % 28), round(rnd.random() * 500, 2)])
wb.save(out)
PYEOF
    fi
    say "spreadsheet: phiscan on $ROWS rows"
    hyperfine -i --warmup 1 --runs "$RUNS" --export-json "$RESULTS/sheets.json" \
        -n phiscan "$PHISCAN scan --no-db --key-file $KEY --format jsonl -o /dev/null $XLSX"
    "$PY" -c "import json,sys; r=json.load(open('$RESULTS/sheets.json'))['results'][0]; print('%.3f s  %.0f rows/s' % (r['mean'], $ROWS / r['mean']))"
fi

# --- FTP -------------------------------------------------------------------------------------
if want ftp; then
    FTPDIR=$DATA/ftp-$FTP_MB
    if [ ! -d "$FTPDIR" ]; then
        say "generating ~$FTP_MB MB of mixed files for FTP in $FTPDIR"
        mkdir -p "$FTPDIR"
        # Office text from the bench generator, plus copies of the corpus (text, PDFs,
        # spreadsheets, documents, archives) until the tree holds FTP_MB.
        python3 "$ROOT/benches/gen_office_text.py" --size "$((FTP_MB * 3 / 4))M" "$FTPDIR/text" >/dev/null
        i=0
        while [ "$(du -sm "$FTPDIR" | cut -f1)" -lt "$FTP_MB" ] && [ $i -lt 40 ]; do
            cp -r "$ROOT/corpus/docs" "$FTPDIR/docs-$i"; cp -r "$ROOT/corpus/files" "$FTPDIR/files-$i"; i=$((i + 1))
        done
    fi
    PORT=$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    "$PY" - "$FTPDIR" "$PORT" > "$RESULTS/ftp-server.log" 2>&1 <<'PYEOF' &
import sys
from pyftpdlib.authorizers import DummyAuthorizer
from pyftpdlib.handlers import FTPHandler
from pyftpdlib.servers import MultiprocessFTPServer
a = DummyAuthorizer(); a.add_anonymous(sys.argv[1])
h = FTPHandler; h.authorizer = a
MultiprocessFTPServer(("127.0.0.1", int(sys.argv[2])), h).serve_forever()
PYEOF
    SERVER=$!
    trap 'kill $SERVER 2>/dev/null || true' EXIT
    sleep 1.5
    MIRROR=$DATA/ftp-mirror
    say "FTP over loopback: phiscan vs wget -m ($(du -sh "$FTPDIR" | cut -f1))"
    hyperfine -i --warmup 1 --runs "$RUNS" --export-json "$RESULTS/ftp.json" \
        --prepare "rm -rf $MIRROR" \
        -n phiscan "$PHISCAN scan --no-db --key-file $KEY --format jsonl -o /dev/null --ftp-connections 4 ftp://127.0.0.1:$PORT/" \
        -n "wget -m" "wget -q -m -nH -P $MIRROR ftp://127.0.0.1:$PORT/" || true
    kill $SERVER 2>/dev/null || true
    rm -rf "$MIRROR"
    "$PY" -c "
import json; r=json.load(open('$RESULTS/ftp.json'))['results']
for x in r: print('%-10s %7.2f s' % (x['command'], x['mean']))
print('phiscan / wget -m: %.2fx (target <= 1.5)' % (r[0]['mean'] / r[1]['mean']))"
fi

# --- incremental rescan -----------------------------------------------------------------------
if want rescan; then
    SMALL=$DATA/small-$FILES
    if [ ! -d "$SMALL" ]; then
        say "generating $FILES small files in $SMALL"
        "$PY" - "$SMALL" "$FILES" <<'PYEOF'
import os, sys
out, n = sys.argv[1], int(sys.argv[2])
for i in range(n):
    d = "%s/d%03d" % (out, i % 500); os.makedirs(d, exist_ok=True)
    with open("%s/note-%06d.txt" % (d, i), "w") as f:
        f.write("Visit note %d\nPatient seen for follow-up. SSN: 234-56-%04d\nDOB: 03/14/1972\n%s\n" % (i, 1000 + i % 9000, "lorem ipsum " * 40))
PYEOF
    fi
    DB=$DATA/rescan.sqlite
    say "full scan vs unchanged rescan of $FILES files"
    rm -f "$DB"*
    "$PHISCAN" scan --db "$DB" --key-file "$KEY" --format jsonl -o /dev/null "$SMALL" || true
    hyperfine -i --warmup 1 --runs "$RUNS" --export-json "$RESULTS/rescan.json" \
        -n "full scan" "$PHISCAN scan --full --db $DB.full --key-file $KEY --format jsonl -o /dev/null $SMALL" \
        --prepare "rm -f $DB.full $DB.full-wal $DB.full-shm" \
        -n "unchanged rescan" "$PHISCAN scan --db $DB --key-file $KEY --format jsonl -o /dev/null $SMALL" \
        -n "stat floor (find)" "find $SMALL -type f -printf '%s %T@ %i\\n' > /dev/null" || true
    # The floor: any rescan must at least stat every file (size, mtime, inode); `find` does
    # only that, on one thread.
    "$PY" -c "
import json; r=json.load(open('$RESULTS/rescan.json'))['results']
for x in r: print('%-18s %7.3f s  (user+sys %.3f s)' % (x['command'], x['mean'], x['user'] + x['system']))
print('full / rescan: %.1fx (target >= 20)' % (r[0]['mean'] / r[1]['mean']))
print('full / stat floor: %.1fx (the most any stat-based rescan could reach here)' % (r[0]['mean'] / r[2]['mean']))"
fi
