"""A small, deliberately misbehaving FTP server for phiscan's tests (FtpServer::faulty).

Plain sockets and threads, one thread per session, no TLS. Serves --root read-only to any
USER/PASS (anonymous included), with PASV/EPSV, LIST, NLST, MLSD, MLST, RETR (with REST), SIZE,
MDTM, CWD/CDUP/PWD, TYPE, FEAT (advertises MLST, so clients use MLSD). Exits on stdin EOF.

    python faulty.py --port N --root DIR --fault KIND [--max-sessions N] [--fault-file NAME]

KIND:
  drop-mid-transfer  RETR of a file whose base name is --fault-file (default big.txt) sends the
                     first half of it, then closes the data and control connections (no reply).
                     Every try. Other files are served normally.
  stall-mid-transfer Same, but then goes silent with both connections left open (until the
                     client closes them).
  refuse-421         Answers every connection with "421 Too many connections" and closes it.
  too-many           Serves normally, but a connection beyond --max-sessions concurrent sessions
                     gets "421 Too many connections" and is closed.
  malformed-listing  LIST and MLSD return the real entries plus garbage: junk lines, names with
                     "../" or a leading "/", control characters, invalid UTF-8, bad sizes, "." and
                     "..", and a directory "loop" (and a symlink "self -> .") that lead back to
                     the directory itself: CWD loop works at any depth (/loop/loop/...) and lists
                     the same entries again.
"""
import argparse
import os
import select
import socket
import socketserver
import stat
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from watchdog import exit_on_stdin_eof  # noqa: E402

ARGS = None
LOCK = threading.Lock()
ACTIVE = 0

LIST_GARBAGE = [
    b"total 42",
    b"this line is not a listing entry at all",
    b"",
    b"-rw-r--r--    1 ftp      ftp            12 Jan 01  2020 ../escape.txt",
    b"-rw-r--r--    1 ftp      ftp            12 Jan 01  2020 ../../../../etc/passwd",
    b"-rw-r--r--    1 ftp      ftp            12 Jan 01  2020 sub/../../up.txt",
    b"-rw-r--r--    1 ftp      ftp            12 Jan 01  2020 /etc/shadow",
    b"-rw-r--r--    1 ftp      ftp            12 Jan 01  2020 ctrl\x01\x07\x1b[31mred\x7f.txt",
    b"-rw-r--r--    1 ftp      ftp            12 Jan 01  2020 tab\there.txt",
    b"-rw-r--r--    1 ftp      ftp            12 Jan 01  2020 bad-utf8-\xff\xfe.txt",
    b"-rw-r--r--    1 ftp      ftp    notanumber Jan 01  2020 badsize.txt",
    b"-rw-r--r--    1 ftp      ftp   99999999999999999999999999 Jan 01  2020 hugesize.txt",
    b"-rw-r--r--    1 ftp      ftp            12 Feb 30 25:61 baddate.txt",
    b"drwxr-xr-x    2 ftp      ftp          4096 Jan 01  2020 .",
    b"drwxr-xr-x    2 ftp      ftp          4096 Jan 01  2020 ..",
    b"drwxr-xr-x    2 ftp      ftp          4096 Jan 01  2020 loop",
    b"lrwxrwxrwx    1 ftp      ftp             1 Jan 01  2020 self -> .",
    b"drwxr-xr-x    2 ftp      ftp          4096 Jan 01  2020 ",
    b"01-01-20  10:00AM       <DIR>          dos-style-dir",
    b"\xff\xfe\xfd\x00 binary junk",
    b"x" * 5000,
]
MLSD_GARBAGE = [
    b"type=file;size=12;modify=20200101000000; ../escape.txt",
    b"type=file;size=12;modify=20200101000000; ../../../../etc/passwd",
    b"type=file;size=12; sub/../../up.txt",
    b"type=file;size=12; /etc/shadow",
    b"type=file;size=12; ctrl\x01\x07\x1b[31mred\x7f.txt",
    b"type=file;size=12; tab\there.txt",
    b"type=file;size=12; bad-utf8-\xff\xfe.txt",
    b"no facts here at all",
    b"",
    b"type=file;size=notanumber; badsize.txt",
    b"type=file;size=99999999999999999999999999; hugesize.txt",
    b"type=file;size=12;modify=99999999999999; baddate.txt",
    b"type=cdir; .",
    b"type=pdir; ..",
    b"type=dir;modify=20200101000000; loop",
    b"type=OS.unix=symlink;size=1; self",
    b"type=file;size=12;",
    b"=;;;; ",
    b"\xff\xfe\xfd\x00 binary junk",
    b"type=file;size=12; " + b"y" * 5000,
]
ALIASES = (b"loop", b"self")  # in malformed-listing mode, CWD into these stays in the same dir


def fmt_time(t, mlsd=False):
    if mlsd:
        return time.strftime("%Y%m%d%H%M%S", time.gmtime(t)).encode()
    if time.time() - t > 180 * 86400:
        return time.strftime("%b %d  %Y", time.gmtime(t)).encode()
    return time.strftime("%b %d %H:%M", time.gmtime(t)).encode()


class Session(socketserver.BaseRequestHandler):
    def setup(self):
        self.sock = self.request
        self.sock.settimeout(600)
        self.buf = b""
        self.cwd = b"/"  # virtual path, may contain aliases (loop/self)
        self.user = None
        self.logged_in = False
        self.pasv = None
        self.rest = 0
        self.counted = False

    # ---- plumbing

    def reply(self, text):
        if isinstance(text, str):
            text = text.encode("utf-8", "surrogateescape")
        self.sock.sendall(text + b"\r\n")

    def readline(self):
        while b"\n" not in self.buf:
            chunk = self.sock.recv(4096)
            if not chunk:
                return None
            self.buf += chunk
            if len(self.buf) > 65536:
                return None
        line, self.buf = self.buf.split(b"\n", 1)
        return line.rstrip(b"\r")

    def real(self, vpath):
        """Virtual path -> real path under root, or None. Aliases in malformed mode."""
        parts = []
        for p in vpath.split(b"/"):
            if p in (b"", b"."):
                continue
            if p == b"..":
                if parts:
                    parts.pop()
                continue
            if ARGS.fault == "malformed-listing" and p in ALIASES:
                if not os.path.isdir(os.path.join(ARGS.root, *parts, p)):
                    continue
            parts.append(p)
        return os.path.join(ARGS.root, *parts) if parts else ARGS.root

    def vjoin(self, arg):
        if arg.startswith(b"/"):
            v = arg
        else:
            v = self.cwd.rstrip(b"/") + b"/" + arg
        # normalise ".." and "." but keep alias components (the virtual path grows on CWD loop)
        parts = []
        for p in v.split(b"/"):
            if p in (b"", b"."):
                continue
            if p == b"..":
                if parts:
                    parts.pop()
                continue
            parts.append(p)
        return b"/" + b"/".join(parts)

    def open_data(self):
        if self.pasv is None:
            self.reply("425 Use PASV or EPSV first.")
            return None
        lsock, self.pasv = self.pasv, None
        lsock.settimeout(30)
        try:
            conn, _ = lsock.accept()
        except OSError:
            self.reply("425 Can't open data connection.")
            return None
        finally:
            lsock.close()
        conn.settimeout(600)
        return conn

    def send_data(self, payload, what):
        self.reply(f"150 Here comes the {what}.")
        conn = self.open_data()
        if conn is None:
            return
        try:
            conn.sendall(payload)
        finally:
            conn.close()
        self.reply("226 Transfer complete.")

    # ---- listing

    def entries(self, real):
        out = []
        for name in sorted(os.listdir(real)):
            try:
                st = os.lstat(os.path.join(real, name))
            except OSError:
                continue
            out.append((name, st))
        return out

    def list_lines(self, real):
        lines = []
        for name, st in self.entries(real):
            kind = b"d" if stat.S_ISDIR(st.st_mode) else b"-"
            perms = b"rwxr-xr-x" if kind == b"d" else b"rw-r--r--"
            lines.append(
                kind + perms + b"    1 ftp      ftp      %10d " % st.st_size
                + fmt_time(st.st_mtime) + b" " + name
            )
        if ARGS.fault == "malformed-listing":
            lines = LIST_GARBAGE[:8] + lines + LIST_GARBAGE[8:]
        return lines

    def mlsd_lines(self, real):
        lines = []
        for name, st in self.entries(real):
            if stat.S_ISDIR(st.st_mode):
                facts = b"type=dir;modify=%s;perm=el;" % fmt_time(st.st_mtime, True)
            else:
                facts = b"type=file;size=%d;modify=%s;perm=r;" % (
                    st.st_size, fmt_time(st.st_mtime, True))
            lines.append(facts + b" " + name)
        if ARGS.fault == "malformed-listing":
            lines = MLSD_GARBAGE[:9] + lines + MLSD_GARBAGE[9:]
        return lines

    # ---- transfer faults

    def faulty_retr(self, data, conn):
        half = data[: max(1, len(data) // 2)]
        conn.sendall(half)
        if ARGS.fault == "drop-mid-transfer":
            conn.close()
            try:
                self.sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            self.sock.close()
            return
        # stall: say nothing more, close nothing; stop when the client gives up (or after 1 h)
        deadline = time.time() + 3600
        socks = [self.sock, conn]
        while socks and time.time() < deadline:
            r, _, _ = select.select(socks, [], [], 1.0)
            for s in r:
                try:
                    if not s.recv(4096):
                        socks.remove(s)
                except OSError:
                    socks.remove(s)
            if self.sock not in socks:
                break
        conn.close()
        self.sock.close()

    # ---- session

    def handle(self):
        global ACTIVE
        if ARGS.fault == "refuse-421":
            self.reply("421 Too many connections (phiscan test server refuses everyone).")
            return
        if ARGS.fault == "too-many":
            with LOCK:
                if ACTIVE >= ARGS.max_sessions:
                    full = True
                else:
                    full = False
                    ACTIVE += 1
                    self.counted = True
            if full:
                self.reply(f"421 Too many connections ({ARGS.max_sessions} max).")
                return
        try:
            self.session()
        except OSError:
            pass
        finally:
            if self.pasv is not None:
                self.pasv.close()
            self.release()

    def release(self):
        # The session's slot is free again (once): before "221 Goodbye", so that a client
        # that connects again as soon as it reads the goodbye is not refused by a race.
        global ACTIVE
        if self.counted:
            with LOCK:
                ACTIVE -= 1
            self.counted = False

    def session(self):
        self.reply(f"220 phiscan faulty test server ({ARGS.fault}) ready.")
        while True:
            line = self.readline()
            if line is None:
                return
            cmd, _, arg = line.partition(b" ")
            cmd = cmd.upper().decode("ascii", "replace")
            if cmd == "QUIT":
                self.release()
                self.reply("221 Goodbye.")
                return
            handler = getattr(self, "do_" + cmd, None)
            if handler is None:
                self.reply(f"502 Command {cmd} not implemented.")
                continue
            if cmd not in ("USER", "PASS", "FEAT", "SYST", "OPTS", "NOOP", "AUTH") and not self.logged_in:
                self.reply("530 Please login with USER and PASS.")
                continue
            if handler(arg) == "closed":
                return

    def do_USER(self, arg):
        self.user = arg
        self.logged_in = False
        self.reply("331 Please specify the password.")

    def do_PASS(self, arg):
        if self.user is None:
            self.reply("503 Login with USER first.")
            return
        self.logged_in = True
        self.reply("230 Login successful.")

    def do_AUTH(self, arg):
        self.reply("502 TLS not supported here.")

    def do_SYST(self, arg):
        self.reply("215 UNIX Type: L8")

    def do_FEAT(self, arg):
        self.sock.sendall(
            b"211-Features:\r\n EPSV\r\n PASV\r\n MDTM\r\n SIZE\r\n REST STREAM\r\n"
            b" MLST type*;size*;modify*;perm*;\r\n UTF8\r\n211 End\r\n"
        )

    def do_OPTS(self, arg):
        self.reply("200 OK.")

    def do_NOOP(self, arg):
        self.reply("200 NOOP ok.")

    def do_TYPE(self, arg):
        self.reply("200 Type set to " + arg.decode("ascii", "replace") + ".")

    def do_MODE(self, arg):
        self.reply("200 Mode set.")

    def do_STRU(self, arg):
        self.reply("200 Structure set.")

    def do_PWD(self, arg):
        self.reply(b'257 "' + self.cwd.replace(b'"', b'""') + b'" is the current directory')

    do_XPWD = do_PWD

    def do_CWD(self, arg):
        v = self.vjoin(arg)
        if os.path.isdir(self.real(v)):
            self.cwd = v
            self.reply("250 Directory successfully changed.")
        else:
            self.reply("550 Failed to change directory.")

    def do_CDUP(self, arg):
        return self.do_CWD(b"..")

    def _listen(self):
        if self.pasv is not None:
            self.pasv.close()
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.bind(("127.0.0.1", 0))
        s.listen(1)
        self.pasv = s
        return s.getsockname()[1]

    def do_PASV(self, arg):
        port = self._listen()
        self.reply(f"227 Entering Passive Mode (127,0,0,1,{port >> 8},{port & 255}).")

    def do_EPSV(self, arg):
        if arg.upper() == b"ALL":
            self.reply("200 EPSV ALL ok.")
            return
        port = self._listen()
        self.reply(f"229 Entering Extended Passive Mode (|||{port}|)")

    def do_PORT(self, arg):
        self.reply("502 Active mode not supported; use PASV.")

    do_EPRT = do_PORT

    def _path_arg(self, arg):
        # drop ls-style options ("-a", "-la") that clients send with LIST
        words = arg.split(b" ")
        while words and words[0].startswith(b"-"):
            words.pop(0)
        return b" ".join(words)

    def do_LIST(self, arg):
        real = self.real(self.vjoin(self._path_arg(arg)))
        if not os.path.isdir(real):
            self.reply("550 No such directory.")
            return
        self.send_data(b"".join(l + b"\r\n" for l in self.list_lines(real)), "directory listing")

    def do_NLST(self, arg):
        real = self.real(self.vjoin(self._path_arg(arg)))
        if not os.path.isdir(real):
            self.reply("550 No such directory.")
            return
        names = [n for n, _ in self.entries(real)]
        self.send_data(b"".join(n + b"\r\n" for n in names), "directory listing")

    def do_MLSD(self, arg):
        real = self.real(self.vjoin(arg))
        if not os.path.isdir(real):
            self.reply("550 No such directory.")
            return
        self.send_data(b"".join(l + b"\r\n" for l in self.mlsd_lines(real)), "MLSD listing")

    def do_MLST(self, arg):
        v = self.vjoin(arg)
        real = self.real(v)
        try:
            st = os.stat(real)
        except OSError:
            self.reply("550 No such file or directory.")
            return
        kind = b"dir" if stat.S_ISDIR(st.st_mode) else b"file"
        self.sock.sendall(
            b"250-Listing " + v + b"\r\n type=" + kind + b";size=%d;modify=%s; " % (
                st.st_size, fmt_time(st.st_mtime, True)) + v + b"\r\n250 End\r\n")

    def _file(self, arg):
        real = self.real(self.vjoin(arg))
        return real if os.path.isfile(real) else None

    def do_SIZE(self, arg):
        real = self._file(arg)
        if real is None:
            self.reply("550 Could not get file size.")
        else:
            self.reply(f"213 {os.path.getsize(real)}")

    def do_MDTM(self, arg):
        real = self._file(arg)
        if real is None:
            self.reply("550 Could not get file modification time.")
        else:
            self.reply(b"213 " + fmt_time(os.path.getmtime(real), True))

    def do_REST(self, arg):
        try:
            self.rest = int(arg)
        except ValueError:
            self.reply("501 Bad REST offset.")
            return
        self.reply(f"350 Restart position accepted ({self.rest}).")

    def do_RETR(self, arg):
        real = self._file(arg)
        rest, self.rest = self.rest, 0
        if real is None:
            self.reply("550 Failed to open file.")
            return
        with open(real, "rb") as f:
            f.seek(rest)
            data = f.read()
        faulty = (
            ARGS.fault in ("drop-mid-transfer", "stall-mid-transfer")
            and os.path.basename(real) == ARGS.fault_file.encode()
        )
        self.reply(f"150 Opening BINARY mode data connection ({len(data)} bytes).")
        conn = self.open_data()
        if conn is None:
            return
        if faulty:
            self.faulty_retr(data, conn)
            return "closed"
        try:
            conn.sendall(data)
        finally:
            conn.close()
        self.reply("226 Transfer complete.")

    def do_ABOR(self, arg):
        if self.pasv is not None:
            self.pasv.close()
            self.pasv = None
        self.reply("226 ABOR ok.")

    def _readonly(self, arg):
        self.reply("550 Permission denied (read-only test server).")

    do_STOR = do_APPE = do_DELE = do_MKD = do_RMD = do_RNFR = do_RNTO = do_SITE = _readonly


class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True
    request_queue_size = 64


def main():
    global ARGS
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--root", required=True)
    ap.add_argument("--fault", required=True, choices=[
        "drop-mid-transfer", "stall-mid-transfer", "refuse-421", "too-many", "malformed-listing"])
    ap.add_argument("--max-sessions", type=int, default=1)
    ap.add_argument("--fault-file", default="big.txt")
    ARGS = ap.parse_args()
    ARGS.root = os.fsencode(os.path.abspath(ARGS.root))
    exit_on_stdin_eof()
    with Server(("127.0.0.1", ARGS.port), Session) as srv:
        srv.serve_forever()


if __name__ == "__main__":
    main()
