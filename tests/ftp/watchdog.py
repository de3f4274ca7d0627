"""Shared by the Python FTP test servers: exit when the test process lets go of our stdin.

The test process holds our stdin; EOF means it dropped the fixture or died without dropping it
(abort, SIGKILL, Ctrl-C). In the second case nobody else removes the fixture's temp dir, so the
environment variable PHISCAN_FTP_CLEANUP_DIR names a dir (a phiscan-ftp-* temp dir) to remove.
"""
import os
import shutil
import sys
import threading


def cleanup():
    d = os.environ.get("PHISCAN_FTP_CLEANUP_DIR", "")
    if d and os.path.basename(d.rstrip("/")).startswith("phiscan-ftp-"):
        shutil.rmtree(d, ignore_errors=True)


def exit_on_stdin_eof():
    def run():
        try:
            while sys.stdin.buffer.read(65536):
                pass
        finally:
            cleanup()
            os._exit(0)

    threading.Thread(target=run, daemon=True, name="stdin-watchdog").start()
