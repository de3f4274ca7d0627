#!/usr/bin/env bash
# Build the labelled corpus of binary office formats (corpus/docs/, docs-labels.jsonl,
# docs-expected.jsonl) with corpus/generate_docs.py.
#
#   corpus/make-docs.sh [OUTDIR]     regenerate (default OUTDIR: corpus/)
#   corpus/make-docs.sh --check      regenerate into a temporary directory and compare it byte
#                                    for byte with the committed corpus/docs* (exit 1 if not equal)
#
# Creates corpus/.venv with `python3 -m venv` (PYTHON=... to choose the interpreter) and
# installs the pinned packages of requirements-docs.txt from PyPI into it.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="$here/.venv"
py="${PYTHON:-python3}"

if [ ! -x "$venv/bin/python" ]; then
    "$py" -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$here/requirements-docs.txt"

if [ "${1:-}" = "--check" ]; then
    tmp="$(mktemp -d)"
    trap 'rm -rf "$tmp"' EXIT
    "$venv/bin/python" "$here/generate_docs.py" "$tmp"
    status=0
    for f in docs-labels.jsonl docs-expected.jsonl; do
        cmp -s "$tmp/$f" "$here/$f" || { echo "differs from the generator's output: corpus/$f" >&2; status=1; }
    done
    diff -r -q "$tmp/docs" "$here/docs" >&2 || status=1
    if [ "$status" -eq 0 ]; then
        echo "corpus/docs is exactly the generator's output"
    fi
    exit "$status"
fi

exec "$venv/bin/python" "$here/generate_docs.py" "$@"
