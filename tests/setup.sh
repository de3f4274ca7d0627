#!/usr/bin/env bash
# Installs what the FTP integration tests (tests/ftp_support.rs) need, on a fresh Debian machine:
#   - vsftpd and openssl (Debian packages),
#   - the local account the vsftpd fixture logs in as, and its PAM service file,
#   - a Python venv at target/ftp-venv with the pinned packages of tests/ftp/requirements.txt
#     (pyftpdlib, pyOpenSSL) for the pyftpdlib and faulty-server fixtures.
# Idempotent and fast (well under 2 s) when everything is present. Runs as root (CI) or through
# sudo. The test binary runs it by itself when something is missing; running it first is cheaper.
# Environment: PHISCAN_FTP_VENV overrides the venv's location.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${PHISCAN_FTP_VENV:-$repo/target/ftp-venv}"
reqs="$repo/tests/ftp/requirements.txt"
# Keep in step with TEST_USER / TEST_PASSWORD / PAM_SERVICE in tests/ftp_support.rs.
test_user="phiscan-ftp-test"
test_password="phiscan-ftp-test-pw"
pam_service="phiscan-ftp-test"

if [ "$(id -u)" -eq 0 ]; then sudo=(); else sudo=(sudo -n); fi
step() { printf 'setup.sh: %s\n' "$*"; }

# One run at a time (parallel test processes may all find something missing).
mkdir -p "$(dirname "$venv")"
exec 9>"$(dirname "$venv")/.ftp-setup.lock"
flock 9

# 1. Debian packages.
missing=()
[ -x /usr/sbin/vsftpd ] || missing+=(vsftpd)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
if [ ${#missing[@]} -eq 0 ]; then
    step "vsftpd and openssl: present"
else
    step "installing ${missing[*]} with apt-get"
    export DEBIAN_FRONTEND=noninteractive
    apt_install() { "${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null; }
    if ! apt_install; then
        step "apt-get install failed: apt-get update, then again"
        "${sudo[@]}" apt-get update -q >/dev/null
        apt_install
    fi
    # Without a policy-rc.d the package starts a system vsftpd on port 21: the tests do not
    # use it (each fixture runs its own vsftpd), so stop it again if it was started.
    if command -v service >/dev/null 2>&1; then "${sudo[@]}" service vsftpd stop >/dev/null 2>&1 || true; fi
    step "installed ${missing[*]}"
fi

# 2. Accounts: 'ftp' (vsftpd's anonymous user; the package normally creates it) and the test user.
if ! id -u ftp >/dev/null 2>&1; then
    "${sudo[@]}" useradd --system --home-dir /srv/ftp --no-create-home --shell /usr/sbin/nologin ftp
    step "created system user ftp"
fi
# The test user: no shell, home "/" (vsftpd changes into the home before chroot()ing to the
# fixture's local_root; a missing home fails the login with "500 OOPS: cannot change directory").
if id -u "$test_user" >/dev/null 2>&1; then
    if [ "$(getent passwd "$test_user" | cut -d: -f6)" != / ]; then
        "${sudo[@]}" usermod --home / "$test_user"
        step "test user $test_user: home set to /"
    else
        step "test user $test_user: present"
    fi
else
    "${sudo[@]}" useradd --system --user-group --no-create-home --home-dir / \
        --shell /usr/sbin/nologin "$test_user"
    echo "$test_user:$test_password" | "${sudo[@]}" chpasswd
    step "created test user $test_user (password login for the vsftpd fixture only)"
fi
# vsftpd's own PAM service (/etc/pam.d/vsftpd) wants a login shell and honours /etc/ftpusers;
# the fixtures use a PAM service of their own (tests/ftp/pam-service: plain pam_unix, no delay).
pam_file="/etc/pam.d/$pam_service"
if cmp -s "$repo/tests/ftp/pam-service" "$pam_file"; then
    step "PAM service $pam_service: present"
else
    "${sudo[@]}" install -m 644 "$repo/tests/ftp/pam-service" "$pam_file"
    step "installed $pam_file"
fi

# 3. Python venv with pinned pyftpdlib and pyOpenSSL.
stamp="$venv/.phiscan-requirements.txt"
if [ -x "$venv/bin/python" ] && cmp -s "$reqs" "$stamp"; then
    step "python venv $venv: present"
else
    # Prefer Debian's python3 (stable path); any python3 with venv and ensurepip will do.
    py=""
    for cand in /usr/bin/python3 python3; do
        if command -v "$cand" >/dev/null 2>&1 && "$cand" -c 'import venv, ensurepip' >/dev/null 2>&1; then
            py="$cand"; break
        fi
    done
    if [ -z "$py" ]; then
        step "installing python3-venv with apt-get"
        export DEBIAN_FRONTEND=noninteractive
        "${sudo[@]}" apt-get install -y -q python3-venv >/dev/null \
            || { "${sudo[@]}" apt-get update -q >/dev/null && "${sudo[@]}" apt-get install -y -q python3-venv >/dev/null; }
        py=/usr/bin/python3
    fi
    rm -rf "$venv"
    "$py" -m venv "$venv"
    "$venv/bin/python" -m pip install -q --disable-pip-version-check --no-input -r "$reqs"
    "$venv/bin/python" -c 'import pyftpdlib, OpenSSL' # fails loudly if the install is unusable
    cp "$reqs" "$stamp"
    step "created python venv $venv ($("$venv/bin/python" -c 'import pyftpdlib, OpenSSL; print("pyftpdlib", pyftpdlib.__ver__, "pyOpenSSL", OpenSSL.__version__)'))"
fi
