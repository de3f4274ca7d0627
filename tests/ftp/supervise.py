"""Runs a server command (vsftpd) for the FTP test fixtures and takes it down with the tests.

    python supervise.py COMMAND [ARGS...]

The test process holds this script's stdin. When stdin reaches EOF (the fixture was dropped,
or the test process died without dropping it: abort, SIGKILL, Ctrl-C), every process descended
from this one is killed, including vsftpd's per-session processes, which call setsid() and so
leave any process group; then PHISCAN_FTP_CLEANUP_DIR is removed (see watchdog.py). If the
command exits by itself, this script exits with its status.
"""
import os
import signal
import subprocess
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from watchdog import cleanup  # noqa: E402


def descendants(root):
    """PIDs of all live descendants of `root`, from /proc."""
    children = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as f:
                stat = f.read()
        except OSError:
            continue
        # pid (comm) state ppid ...: comm may contain spaces and parentheses.
        fields = stat[stat.rfind(b")") + 2:].split()
        children.setdefault(int(fields[1]), []).append(int(name))
    out, todo = [], [root]
    while todo:
        for c in children.get(todo.pop(), []):
            out.append(c)
            todo.append(c)
    return out


def kill_tree():
    # Stop first so that nothing forks a new session between the scan and the kill.
    seen = set()
    while True:
        new = [p for p in descendants(os.getpid()) if p not in seen]
        if not new:
            break
        for p in new:
            seen.add(p)
            try:
                os.kill(p, signal.SIGSTOP)
            except ProcessLookupError:
                pass
    for p in seen:
        try:
            os.kill(p, signal.SIGKILL)
        except ProcessLookupError:
            pass


def main():
    child = subprocess.Popen(sys.argv[1:], stdin=subprocess.DEVNULL)
    stopping = threading.Event()

    def wait_child():
        rc = child.wait()
        if stopping.is_set():
            return  # killed by kill_tree below: let the main thread finish (cleanup, exit)
        sys.stderr.write(f"supervise.py: {sys.argv[1]} exited with status {rc}\n")
        sys.stderr.flush()
        kill_tree()
        os._exit(rc if rc > 0 else 1)

    threading.Thread(target=wait_child, daemon=True).start()
    try:
        while sys.stdin.buffer.read(65536):
            pass
    finally:
        stopping.set()
        kill_tree()
        cleanup()
        os._exit(0)


if __name__ == "__main__":
    main()
