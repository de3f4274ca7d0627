#!/usr/bin/env bash
# Installs Debian's chromium for the HTML report browser test (tests/html_report.rs).
# Idempotent: does nothing (and prints one line) when /usr/bin/chromium is present.
# Runs as root (CI) or through sudo (sudo -n: never prompts).
set -euo pipefail

if [ "$(id -u)" -eq 0 ]; then sudo=(); else sudo=(sudo -n); fi
step() { printf 'setup-chromium.sh: %s\n' "$*"; }

if [ -x /usr/bin/chromium ]; then
    step "chromium: present ($(/usr/bin/chromium --version 2>/dev/null || echo 'version unknown'))"
    exit 0
fi

# One run at a time (parallel test processes may all find chromium missing).
lock="${TMPDIR:-/tmp}/phiscan-setup-chromium.lock"
exec 9>"$lock"
flock 9
if [ -x /usr/bin/chromium ]; then
    step "chromium: installed by a concurrent run"
    exit 0
fi

export DEBIAN_FRONTEND=noninteractive
apt_install() { "${sudo[@]}" apt-get install -y -q --no-install-recommends chromium >/dev/null; }
step "installing chromium with apt-get"
if ! apt_install; then
    step "apt-get install failed: apt-get update, then again"
    "${sudo[@]}" apt-get update -q >/dev/null
    apt_install
fi
[ -x /usr/bin/chromium ] || { step "chromium installed but /usr/bin/chromium is missing"; exit 1; }
step "chromium: installed ($(/usr/bin/chromium --version 2>/dev/null || echo 'version unknown'))"
