"""pyftpdlib server for phiscan's FTP tests (tests/ftp_support.rs, FtpServer::pyftpdlib).

MLSD-capable; explicit FTPS (AUTH TLS) with --tls-cert/--tls-key, TLS optional on the control
and data channels (so plaintext logins still work: the exposure audit must notice). Exits when
its stdin reaches EOF (see watchdog.py). Logs to --log.

    python pyftpd.py --port N --root DIR [--anonymous] [--user LOGIN] [--anon-writable SUBDIR]
                     [--tls-cert PEM --tls-key PEM] [--pasv LO-HI] [--log FILE]

The user's password comes from the environment variable PHISCAN_FTP_TEST_PASSWORD.
"""
import argparse
import logging
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from watchdog import exit_on_stdin_eof  # noqa: E402

from pyftpdlib.authorizers import DummyAuthorizer  # noqa: E402
from pyftpdlib.handlers import FTPHandler, TLS_FTPHandler  # noqa: E402
from pyftpdlib.servers import FTPServer  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--root", required=True)
    ap.add_argument("--anonymous", action="store_true")
    ap.add_argument("--user")
    ap.add_argument("--anon-writable")
    ap.add_argument("--tls-cert")
    ap.add_argument("--tls-key")
    ap.add_argument("--pasv")
    ap.add_argument("--log")
    a = ap.parse_args()

    logging.basicConfig(
        filename=a.log,
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(message)s",
    )
    exit_on_stdin_eof()

    auth = DummyAuthorizer()
    if a.anonymous:
        # e: CWD, l: LIST/MLSD/NLST, r: RETR; a/d/f/m/w: upload, delete, rename, mkdir.
        auth.add_anonymous(a.root, perm="elr")
        if a.anon_writable:
            auth.override_perm(
                "anonymous", os.path.join(a.root, a.anon_writable), perm="elradfmw", recursive=True
            )
    if a.user:
        auth.add_user(a.user, os.environ["PHISCAN_FTP_TEST_PASSWORD"], a.root, perm="elr")

    if a.tls_cert:
        handler = TLS_FTPHandler
        handler.certfile = a.tls_cert
        handler.keyfile = a.tls_key
        handler.tls_control_required = False
        handler.tls_data_required = False
    else:
        handler = FTPHandler
    handler.authorizer = auth
    if a.pasv:
        lo, hi = (int(x) for x in a.pasv.split("-"))
        handler.passive_ports = list(range(lo, hi + 1))
    handler.banner = "pyftpdlib (phiscan test server) ready."
    handler.auth_failed_timeout = 0  # default 3 s after each failed login: slow tests

    server = FTPServer(("127.0.0.1", a.port), handler)
    server.max_cons = 256
    server.max_cons_per_ip = 0
    server.serve_forever()


if __name__ == "__main__":
    main()
