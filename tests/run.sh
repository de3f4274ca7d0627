#!/bin/sh
# The test command (README, .ci/run): install what the tests need on a fresh Debian machine,
# then run every test. Extra arguments go to `cargo test`.
set -eu
cd "$(dirname "$0")/.."
bash tests/setup.sh
bash tests/setup-chromium.sh
exec cargo test --locked "$@"
