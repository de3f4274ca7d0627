#!/bin/sh
# The test command (README, .ci/run): install what the tests need on a fresh Debian machine,
# then run every test. Extra arguments go to `cargo test`.
set -eu
cd "$(dirname "$0")/.."
bash tests/setup.sh
bash tests/setup-chromium.sh
cargo test --locked "$@"
# Then every fuzz target for a short bounded time on the committed seeds (issue 6): about
# 10 minutes on a fresh 2-core machine (installing cargo-fuzz and the sanitizer build), 4 of
# fuzzing. Skipped when arguments select tests, or with PHISCAN_SKIP_FUZZ=1.
if [ $# -eq 0 ] && [ "${PHISCAN_SKIP_FUZZ:-0}" != 1 ]; then
    FUZZ_SEED=${FUZZ_SEED:-1} sh tests/fuzz-run.sh "${FUZZ_SECONDS:-20}"
fi
