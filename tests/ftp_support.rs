//! Real FTP servers on 127.0.0.1 for the integration tests: vsftpd (LIST only), pyftpdlib (MLSD),
//! and a deliberately faulty server (tests/ftp/faulty.py). Each fixture gets its own temp dir,
//! a free control port and its own passive port range, waits until the server answers (220, or
//! 421 for the refusing one), and on Drop kills the server with all its processes (vsftpd's
//! per-session ones included) and removes the temp dir.
//!
//! ```text
//! pub const TEST_USER: &str;      // "phiscan-ftp-test": the only login vsftpd knows (a local
//! pub const TEST_PASSWORD: &str;  //  account made by tests/setup.sh); pyftpdlib takes any pair
//! pub const FAULT_FILE: &str;     // "big.txt": the file Drop/StallMidTransfer break on
//!
//! #[derive(Clone, Debug, Default)]
//! pub struct Opts {
//!     pub anonymous: bool,                      // USER anonymous (vsftpd: or ftp), any password
//!     pub user: Option<(String, String)>,       // (login, password)
//!     pub tls: bool,                            // explicit FTPS: AUTH TLS offered, not required
//!     pub anon_writable_dir: Option<String>,    // subdir of root anonymous users may upload to
//! }                                             // (and delete in); needs `anonymous`
//! impl Opts {
//!     pub fn anonymous() -> Opts;               // { anonymous: true, .. }
//!     pub fn user() -> Opts;                    // { user: Some((TEST_USER, TEST_PASSWORD)), .. }
//!     pub fn with_user(self) -> Opts;           // adds the test user
//!     pub fn with_tls(self) -> Opts;
//!     pub fn with_anon_writable(self, dir: &str) -> Opts;
//! }
//!
//! #[derive(Clone, Copy, Debug, PartialEq, Eq)]
//! pub enum Fault { DropMidTransfer, StallMidTransfer, Refuse421, TooManyConnections(usize),
//!                  MalformedListing }
//!
//! pub struct FtpServer {
//!     pub kind: &'static str,                   // "vsftpd" | "pyftpdlib" | "faulty"
//!     pub port: u16,                            // control port on 127.0.0.1
//!     pub pasv_ports: Option<(u16, u16)>,       // passive range (vsftpd, pyftpdlib)
//!     pub root: PathBuf,                        // the served dir ("/" on the server), created
//!     pub ca_cert: Option<PathBuf>,             // PEM of the test CA when tls (for --ca-file)
//!     pub user: Option<(String, String)>,       // the login the server accepts, if any
//!     pub anon_writable: Option<PathBuf>,       // root/<anon_writable_dir>, created
//!     /* private: temp dir, child process, ... */
//! }
//! impl FtpServer {
//!     pub fn vsftpd(opts: Opts) -> FtpServer;   // needs root (CI runs as root)
//!     pub fn pyftpdlib(opts: Opts) -> FtpServer;
//!     pub fn faulty(fault: Fault) -> FtpServer; // anonymous (any USER/PASS), read-only, no TLS
//!     pub fn url(&self) -> String;              // "ftp://127.0.0.1:PORT"
//!     pub fn ftps_url(&self) -> String;         // "ftps://127.0.0.1:PORT"
//!     pub fn url_as(&self, login: &str) -> String; // "ftp://LOGIN@127.0.0.1:PORT"
//!     pub fn addr(&self) -> String;             // "127.0.0.1:PORT"
//!     pub fn write(&self, rel: &str, bytes: impl AsRef<[u8]>) -> PathBuf; // 0644, dirs 0755
//!     pub fn mkdir(&self, rel: &str) -> PathBuf;
//!     pub fn copy_tree(&self, src: &Path, rel: &str); // e.g. a corpus; files and dirs only
//!     pub fn log(&self) -> String;              // the server's logs, for assertion messages
//! }
//! impl FtpServer { pub fn pid(&self) -> u32; } // the server process (vsftpd's supervisor)
//! impl Drop for FtpServer;                      // kills every process of the server, waits for
//!                                               // them to die, removes the temp dir
//! pub fn ensure_installed();                    // runs tests/setup.sh once if anything is missing
//! pub fn python() -> PathBuf;                   // the venv's python (has ftplib, pyftpdlib)
//! pub fn venv() -> PathBuf;  pub fn repo() -> &'static Path;
//! pub fn descendants(pid: u32) -> Vec<u32>;     // process tree helpers, from /proc
//! pub fn proc_state(pid: u32) -> Option<(u64, char)>;  pub fn alive(pid: u32, start: u64) -> bool;
//! ```
//!
//! The faulty server (tests/ftp/faulty.py, documented there) accepts any USER/PASS, offers
//! MLST in FEAT (so clients list with MLSD; LIST works too, in Unix format, dot files included),
//! PASV/EPSV on ports the OS picks, REST, SIZE, MDTM; it refuses STOR/DELE (550) and AUTH (502).
//!
//! Files may be put under `root` at any time: the servers read the file system per request.
//! Files read by vsftpd's anonymous user must be world-readable: `write`/`copy_tree` set 0644
//! and 0755 whatever the umask. Both vsftpd and pyftpdlib serve dot files (vsftpd with
//! `force_dot_files=YES`) and list them without `-a`. vsftpd logins of TEST_USER are chrooted
//! to `root` like anonymous ones, so "/" is `root` for every login. The user is read-only
//! everywhere. TLS: a fresh test CA and a leaf certificate (CA:FALSE, subjectAltName
//! IP:127.0.0.1) per fixture, made with the openssl CLI (tests/ftp/mkcerts.sh); TLS is optional
//! on control and data channels, so plaintext logins still succeed.
//!
//! The fixtures need vsftpd, openssl, the test account and a Python venv (target/ftp-venv, or
//! $PHISCAN_FTP_VENV) with pyftpdlib: tests/setup.sh installs them, and `ensure_installed`
//! (called by every constructor) runs it once per test process when something is missing.
//! Every server is a child process that also exits when the test process dies (it watches its
//! stdin, which the test process holds), killing vsftpd's sessions and removing the temp dir.

#![allow(dead_code)]

use std::collections::HashSet;
use std::fs;
use std::hash::{BuildHasher, Hasher};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

pub const TEST_USER: &str = "phiscan-ftp-test";
pub const TEST_PASSWORD: &str = "phiscan-ftp-test-pw";
/// PAM service installed by setup.sh from tests/ftp/pam-service.
const PAM_SERVICE: &str = "phiscan-ftp-test";
pub const FAULT_FILE: &str = "big.txt";

/// How long a server may take to answer its first connection (2-core CI, tests in parallel).
const STARTUP_TIMEOUT: Duration = Duration::from_secs(60);
/// Tries with fresh ports when a server dies at startup (e.g. a port taken in between).
const START_TRIES: usize = 3;
/// Passive ports per server; ranges are taken below Linux's ephemeral range (32768-60999) so
/// that outgoing connections never sit on them.
const PASV_SPAN: u16 = 32;
const PASV_LOW: u16 = 12000;
const PASV_HIGH: u16 = 32000;

#[derive(Clone, Debug, Default)]
pub struct Opts {
    pub anonymous: bool,
    pub user: Option<(String, String)>,
    pub tls: bool,
    pub anon_writable_dir: Option<String>,
}

impl Opts {
    pub fn anonymous() -> Opts {
        Opts {
            anonymous: true,
            ..Opts::default()
        }
    }
    pub fn user() -> Opts {
        Opts::default().with_user()
    }
    pub fn with_user(mut self) -> Opts {
        self.user = Some((TEST_USER.to_string(), TEST_PASSWORD.to_string()));
        self
    }
    pub fn with_tls(mut self) -> Opts {
        self.tls = true;
        self
    }
    pub fn with_anon_writable(mut self, dir: &str) -> Opts {
        self.anon_writable_dir = Some(dir.to_string());
        self
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// RETR of FAULT_FILE sends half of it, then closes data and control connections (always).
    DropMidTransfer,
    /// RETR of FAULT_FILE sends half of it, then stays silent with both connections open.
    StallMidTransfer,
    /// Every connection gets "421 Too many connections" and is closed.
    Refuse421,
    /// Normal service, but a connection beyond N concurrent sessions gets 421 and is closed.
    TooManyConnections(usize),
    /// LIST and MLSD add garbage lines, "../" and control-character names, and a directory
    /// "loop" (plus symlink "self") that CWDs back into the same directory, at any depth.
    MalformedListing,
}

pub struct FtpServer {
    pub kind: &'static str,
    pub port: u16,
    pub pasv_ports: Option<(u16, u16)>,
    pub root: PathBuf,
    pub ca_cert: Option<PathBuf>,
    pub user: Option<(String, String)>,
    pub anon_writable: Option<PathBuf>,
    child: Child,
    stdin: Option<ChildStdin>,
    reserved: Vec<u16>,
    logs: Vec<PathBuf>,
    // Last: removed after the processes are gone (Drop::drop runs before the fields drop).
    dir: tempfile::TempDir,
}

// ---------------------------------------------------------------------------------------------
// Installation

pub fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn scripts() -> PathBuf {
    repo().join("tests/ftp")
}

pub fn venv() -> PathBuf {
    match std::env::var_os("PHISCAN_FTP_VENV") {
        Some(v) if !v.is_empty() => PathBuf::from(v),
        _ => repo().join("target/ftp-venv"),
    }
}

/// The venv's python: has pyftpdlib and pyOpenSSL, and the standard library's ftplib.
pub fn python() -> PathBuf {
    venv().join("bin/python")
}

fn on_path(exe: &str) -> bool {
    std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).any(|d| d.join(exe).is_file()))
        .unwrap_or(false)
}

fn installed() -> bool {
    let reqs = fs::read(scripts().join("requirements.txt")).ok();
    let stamp = fs::read(venv().join(".phiscan-requirements.txt")).ok();
    let passwd = fs::read_to_string("/etc/passwd").unwrap_or_default();
    Path::new("/usr/sbin/vsftpd").is_file()
        && on_path("openssl")
        && python().is_file()
        && reqs.is_some()
        && reqs == stamp
        && passwd
            .lines()
            .any(|l| l.starts_with(&format!("{TEST_USER}:")))
        && passwd.lines().any(|l| l.starts_with("ftp:"))
        && fs::read(Path::new("/etc/pam.d").join(PAM_SERVICE)).ok()
            == fs::read(scripts().join("pam-service")).ok()
}

/// Runs tests/setup.sh (once per process) unless everything it installs is already there.
pub fn ensure_installed() {
    static DONE: OnceLock<Result<(), String>> = OnceLock::new();
    let r = DONE.get_or_init(|| {
        if installed() {
            return Ok(());
        }
        eprintln!("ftp_support: FTP test servers missing; running tests/setup.sh");
        let out = Command::new("bash")
            .arg(repo().join("tests/setup.sh"))
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("cannot run tests/setup.sh: {e}"))?;
        eprint!("{}", String::from_utf8_lossy(&out.stdout));
        eprint!("{}", String::from_utf8_lossy(&out.stderr));
        if !out.status.success() || !installed() {
            return Err(format!(
                "tests/setup.sh failed ({}): the FTP fixtures need vsftpd, openssl, the test user \
                 and the venv\n{}{}",
                out.status,
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        Ok(())
    });
    if let Err(e) = r {
        panic!("{e}");
    }
}

// ---------------------------------------------------------------------------------------------
// Ports

/// Ports handed out by this process and not yet released (fixtures starting in parallel).
fn reserved() -> &'static Mutex<HashSet<u16>> {
    static R: OnceLock<Mutex<HashSet<u16>>> = OnceLock::new();
    R.get_or_init(|| Mutex::new(HashSet::new()))
}

fn random() -> u64 {
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos(),
    );
    h.finish()
}

/// A free control port: the kernel's pick for port 0, not handed out in this process yet.
fn free_port() -> u16 {
    loop {
        let l = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let port = l.local_addr().unwrap().port();
        if reserved().lock().unwrap().insert(port) {
            return port;
        }
    }
}

/// A free passive range of PASV_SPAN ports: every port binds now and none is reserved here.
fn free_range() -> (u16, u16) {
    let slots = (PASV_HIGH - PASV_LOW) / PASV_SPAN;
    for _ in 0..500 {
        let lo = PASV_LOW + (random() % slots as u64) as u16 * PASV_SPAN;
        let hi = lo + PASV_SPAN - 1;
        let mut r = reserved().lock().unwrap();
        if (lo..=hi).any(|p| r.contains(&p)) {
            continue;
        }
        if (lo..=hi).all(|p| TcpListener::bind(("127.0.0.1", p)).is_ok()) {
            r.extend(lo..=hi);
            return (lo, hi);
        }
    }
    panic!("no free passive port range of {PASV_SPAN} in {PASV_LOW}..{PASV_HIGH}");
}

fn release(ports: &[u16]) {
    let mut r = reserved().lock().unwrap();
    for p in ports {
        r.remove(p);
    }
}

// ---------------------------------------------------------------------------------------------
// Processes

fn spawn(mut cmd: Command, log: &Path) -> (Child, ChildStdin) {
    let out = fs::File::create(log).unwrap();
    let err = out.try_clone().unwrap();
    cmd.env("PYTHONDONTWRITEBYTECODE", "1") // no __pycache__ in tests/ftp
        .stdin(Stdio::piped())
        .stdout(out)
        .stderr(err)
        .process_group(0);
    let mut child = cmd
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {cmd:?}: {e}"));
    let stdin = child.stdin.take().unwrap();
    (child, stdin)
}

/// Connects until the server greets with `expect` ("220" or "421"); then QUIT and read to EOF
/// (so a session-counting server has counted this session out again before we return).
fn wait_ready(child: &mut Child, port: u16, expect: &str) -> Result<(), String> {
    let addr: SocketAddr = ([127, 0, 0, 1], port).into();
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return Err(format!("server exited at startup ({status})"));
        }
        if start.elapsed() > STARTUP_TIMEOUT {
            return Err(format!(
                "server not answering on port {port} after {STARTUP_TIMEOUT:?}"
            ));
        }
        let Ok(s) = TcpStream::connect_timeout(&addr, Duration::from_secs(2)) else {
            std::thread::sleep(Duration::from_millis(25));
            continue;
        };
        s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
        s.set_write_timeout(Some(Duration::from_secs(20))).unwrap();
        let mut r = BufReader::new(s);
        let mut line = String::new();
        // A multi-line greeting ("220-...") ends with "220 ...".
        loop {
            line.clear();
            match r.read_line(&mut line) {
                Ok(0) => return Err("connection closed before a greeting".into()),
                Ok(_) => {}
                Err(e) => return Err(format!("no greeting: {e}")),
            }
            if line.len() < 4 || line.as_bytes()[3] != b'-' {
                break;
            }
        }
        if !line.starts_with(expect) {
            return Err(format!("greeting {:?}, want {expect}", line.trim_end()));
        }
        if expect == "220" {
            let _ = r.get_mut().write_all(b"QUIT\r\n");
        }
        let mut rest = Vec::new();
        let _ = r.read_to_end(&mut rest);
        return Ok(());
    }
}

/// PIDs of the live descendants of `pid`, from /proc.
pub fn descendants(pid: u32) -> Vec<u32> {
    let mut children: std::collections::HashMap<u32, Vec<u32>> = Default::default();
    for e in fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Some(p) = e.file_name().to_str().and_then(|s| s.parse::<u32>().ok()) else {
            continue;
        };
        let Ok(stat) = fs::read_to_string(format!("/proc/{p}/stat")) else {
            continue;
        };
        // "pid (comm) state ppid ...": comm may hold spaces and parentheses.
        let Some(after) = stat.rfind(')').map(|i| &stat[i + 1..]) else {
            continue;
        };
        if let Some(ppid) = after.split_whitespace().nth(1).and_then(|s| s.parse().ok()) {
            children.entry(ppid).or_default().push(p);
        }
    }
    let mut out = Vec::new();
    let mut todo = vec![pid];
    while let Some(p) = todo.pop() {
        for &c in children.get(&p).map(|v| v.as_slice()).unwrap_or(&[]) {
            out.push(c);
            todo.push(c);
        }
    }
    out
}

/// Kills `child` and everything below it. vsftpd's session processes call setsid(), so a
/// process group is not enough: stop the tree (no new forks), then kill what was stopped.
fn kill_tree(child: &mut Child) {
    let pid = child.id();
    if child.try_wait().ok().flatten().is_some() {
        // Reaped: its pid may belong to someone else by now. (supervise.py kills vsftpd's
        // tree itself when vsftpd exits; the Python servers have no children.)
        return;
    }
    // Not reaped, so neither the pid nor the process group id can have been reused.
    unsafe { libc::kill(pid as i32, libc::SIGSTOP) };
    let mut seen: HashSet<u32> = HashSet::new();
    loop {
        let new: Vec<u32> = descendants(pid)
            .into_iter()
            .filter(|p| !seen.contains(p))
            .collect();
        if new.is_empty() {
            break;
        }
        for p in new {
            unsafe { libc::kill(p as i32, libc::SIGSTOP) };
            seen.insert(p);
        }
    }
    let ids: Vec<(u32, u64)> = seen
        .iter()
        .filter_map(|&p| proc_state(p).map(|(start, _)| (p, start)))
        .collect();
    for p in &seen {
        unsafe { libc::kill(*p as i32, libc::SIGKILL) };
    }
    unsafe { libc::killpg(pid as i32, libc::SIGKILL) };
    let _ = child.kill();
    let _ = child.wait();
    // SIGKILL takes effect asynchronously: wait (bounded) until every process is dead, so that
    // the ports are closed when the fixture is gone.
    let deadline = Instant::now() + Duration::from_secs(10);
    while ids.iter().any(|&(p, start)| alive(p, start)) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// (start time in clock ticks since boot, state letter) of a process, from /proc/PID/stat.
pub fn proc_state(pid: u32) -> Option<(u64, char)> {
    let stat = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after = &stat[stat.rfind(')')? + 1..];
    let f: Vec<&str> = after.split_whitespace().collect();
    // after "(comm)": state is field 3 of stat(5), starttime field 22.
    Some((f.get(19)?.parse().ok()?, f.first()?.chars().next()?))
}

/// Whether the process `pid` that started at `start` still runs (a zombie or a reused pid do not).
pub fn alive(pid: u32, start: u64) -> bool {
    matches!(proc_state(pid), Some((s, st)) if s == start && st != 'Z' && st != 'X')
}

impl Drop for FtpServer {
    fn drop(&mut self) {
        kill_tree(&mut self.child);
        self.stdin.take();
        release(&self.reserved);
        // self.dir (TempDir) is removed when the fields drop, after this.
    }
}

// ---------------------------------------------------------------------------------------------
// Fixtures

struct Launch {
    cmd: Command,
    /// "220", or "421" for a server that refuses everyone.
    expect: &'static str,
}

fn tempdir(kind: &str) -> tempfile::TempDir {
    let dir = tempfile::Builder::new()
        .prefix(&format!("phiscan-ftp-{kind}-"))
        .tempdir()
        .expect("temp dir");
    // vsftpd's users (ftp, the test user) must reach the served root inside it.
    fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o755)).unwrap();
    dir
}

fn mkdir_755(p: &Path) {
    fs::create_dir_all(p).unwrap();
    fs::set_permissions(p, fs::Permissions::from_mode(0o755)).unwrap();
}

fn make_certs(dir: &Path) -> PathBuf {
    let tls = dir.join("tls");
    let out = Command::new("sh")
        .arg(scripts().join("mkcerts.sh"))
        .arg(&tls)
        .stdin(Stdio::null())
        .output()
        .expect("run tests/ftp/mkcerts.sh");
    assert!(
        out.status.success(),
        "mkcerts.sh failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    tls
}

/// uid and gid of a local account, from /etc/passwd.
fn account(name: &str) -> (u32, u32) {
    let passwd = fs::read_to_string("/etc/passwd").unwrap();
    for l in passwd.lines() {
        let f: Vec<&str> = l.split(':').collect();
        if f.len() > 3 && f[0] == name {
            return (f[2].parse().unwrap(), f[3].parse().unwrap());
        }
    }
    panic!("no local account {name:?} (tests/setup.sh creates it)");
}

impl FtpServer {
    /// vsftpd 3.0.3 (Debian): LIST only, no MLSD; dot files listed (force_dot_files=YES).
    pub fn vsftpd(opts: Opts) -> FtpServer {
        ensure_installed();
        assert!(
            unsafe { libc::geteuid() } == 0,
            "the vsftpd fixture must run as root (vsftpd refuses otherwise; CI runs as root)"
        );
        if let Some((login, password)) = &opts.user {
            assert!(
                login == TEST_USER && password == TEST_PASSWORD,
                "vsftpd only knows the local account ({TEST_USER}, {TEST_PASSWORD}): use \
                 Opts::with_user()"
            );
        }
        Self::start("vsftpd", opts, |dir, root, port, pasv, opts, tls| {
            let (lo, hi) = pasv.unwrap();
            let empty = dir.join("empty");
            mkdir_755(&empty);
            let mut conf = format!(
                "# phiscan test fixture (tests/ftp_support.rs)
listen=YES
listen_ipv6=NO
listen_address=127.0.0.1
listen_port={port}
background=NO
seccomp_sandbox=NO
isolate=NO
isolate_network=NO
secure_chroot_dir={empty}
pasv_enable=YES
pasv_address=127.0.0.1
pasv_min_port={lo}
pasv_max_port={hi}
port_enable=YES
connect_from_port_20=NO
force_dot_files=YES
utf8_filesystem=YES
hide_ids=NO
delay_failed_login=0
max_login_fails=100
max_clients=0
max_per_ip=0
xferlog_enable=YES
xferlog_std_format=NO
log_ftp_protocol=YES
vsftpd_log_file={log}
anon_root={root}
local_root={root}
chroot_local_user=YES
allow_writeable_chroot=YES
pam_service_name={PAM_SERVICE}
anon_umask=022
local_umask=022
",
                empty = empty.display(),
                root = root.display(),
                log = dir.join("vsftpd.log").display(),
            );
            conf += &format!("anonymous_enable={}\n", yes(opts.anonymous));
            match (&opts.user, opts.anonymous) {
                (Some(_), _) => conf += "local_enable=YES\n",
                (None, true) => conf += "local_enable=NO\n",
                (None, false) => {
                    // vsftpd refuses to start with neither anonymous nor local logins: let local
                    // logins through PAM but allow nobody (an empty allow-list).
                    let list = dir.join("userlist");
                    fs::write(&list, "").unwrap();
                    conf += &format!(
                        "local_enable=YES\nuserlist_enable=YES\nuserlist_deny=NO\nuserlist_file={}\n",
                        list.display()
                    );
                }
            }
            if opts.anon_writable_dir.is_some() {
                conf += "write_enable=YES\nanon_upload_enable=YES\nanon_mkdir_write_enable=YES\n\
                         anon_other_write_enable=YES\n";
            } else {
                conf += "write_enable=NO\n";
            }
            if let Some(tls) = tls {
                conf += &format!(
                    "ssl_enable=YES
allow_anon_ssl=YES
force_anon_logins_ssl=NO
force_anon_data_ssl=NO
force_local_logins_ssl=NO
force_local_data_ssl=NO
require_ssl_reuse=NO
ssl_request_cert=NO
ssl_sslv2=NO
ssl_sslv3=NO
ssl_tlsv1=YES
ssl_ciphers=HIGH
rsa_cert_file={cert}
rsa_private_key_file={key}
",
                    cert = tls.join("server.pem").display(),
                    key = tls.join("server.key").display()
                );
            }
            let conf_path = dir.join("vsftpd.conf");
            fs::write(&conf_path, conf).unwrap();
            let mut cmd = Command::new(python());
            cmd.arg(scripts().join("supervise.py"))
                .arg("/usr/sbin/vsftpd")
                .arg(&conf_path);
            Launch { cmd, expect: "220" }
        })
    }

    /// pyftpdlib: MLSD (FEAT lists MLST), LIST with dot files; TLS via pyOpenSSL.
    pub fn pyftpdlib(opts: Opts) -> FtpServer {
        ensure_installed();
        Self::start("pyftpdlib", opts, |dir, root, port, pasv, opts, tls| {
            let (lo, hi) = pasv.unwrap();
            let mut cmd = Command::new(python());
            cmd.arg(scripts().join("pyftpd.py"))
                .arg("--port")
                .arg(port.to_string())
                .arg("--root")
                .arg(root)
                .arg("--pasv")
                .arg(format!("{lo}-{hi}"))
                .arg("--log")
                .arg(dir.join("pyftpdlib.log"));
            if opts.anonymous {
                cmd.arg("--anonymous");
            }
            if let Some(d) = &opts.anon_writable_dir {
                cmd.arg("--anon-writable").arg(d);
            }
            if let Some((login, password)) = &opts.user {
                cmd.arg("--user")
                    .arg(login)
                    .env("PHISCAN_FTP_TEST_PASSWORD", password);
            }
            if let Some(tls) = tls {
                cmd.arg("--tls-cert")
                    .arg(tls.join("server.pem"))
                    .arg("--tls-key")
                    .arg(tls.join("server.key"));
            }
            Launch { cmd, expect: "220" }
        })
    }

    /// tests/ftp/faulty.py: anonymous (any USER/PASS), read-only, no TLS, MLSD and LIST.
    pub fn faulty(fault: Fault) -> FtpServer {
        ensure_installed();
        let opts = Opts::anonymous();
        Self::start(
            "faulty",
            opts,
            move |_dir, root, port, _pasv, _opts, _tls| {
                let mut cmd = Command::new(python());
                cmd.arg(scripts().join("faulty.py"))
                    .arg("--port")
                    .arg(port.to_string())
                    .arg("--root")
                    .arg(root)
                    .arg("--fault-file")
                    .arg(FAULT_FILE);
                let mut expect = "220";
                match fault {
                    Fault::DropMidTransfer => {
                        cmd.args(["--fault", "drop-mid-transfer"]);
                    }
                    Fault::StallMidTransfer => {
                        cmd.args(["--fault", "stall-mid-transfer"]);
                    }
                    Fault::Refuse421 => {
                        cmd.args(["--fault", "refuse-421"]);
                        expect = "421";
                    }
                    Fault::TooManyConnections(n) => {
                        assert!(n >= 1, "TooManyConnections needs at least 1 session");
                        cmd.args(["--fault", "too-many", "--max-sessions", &n.to_string()]);
                    }
                    Fault::MalformedListing => {
                        cmd.args(["--fault", "malformed-listing"]);
                    }
                }
                Launch { cmd, expect }
            },
        )
    }

    fn start(
        kind: &'static str,
        opts: Opts,
        launch: impl Fn(&Path, &Path, u16, Option<(u16, u16)>, &Opts, Option<&Path>) -> Launch,
    ) -> FtpServer {
        assert!(
            opts.anon_writable_dir.is_none() || opts.anonymous,
            "anon_writable_dir needs anonymous: true"
        );
        let dir = tempdir(kind);
        let root = dir.path().join("root");
        mkdir_755(&root);
        let anon_writable = opts.anon_writable_dir.as_ref().map(|d| {
            assert!(
                !d.is_empty() && !d.starts_with('/') && !d.split('/').any(|c| c == ".."),
                "anon_writable_dir is a relative subdirectory: {d:?}"
            );
            let p = root.join(d);
            mkdir_755(&p);
            if kind == "vsftpd" {
                // Anonymous sessions run as 'ftp': it must own the upload dir (and only it).
                let (uid, gid) = account("ftp");
                std::os::unix::fs::chown(&p, Some(uid), Some(gid)).unwrap();
            }
            p
        });
        let tls = opts.tls.then(|| make_certs(dir.path()));
        let log = dir.path().join("server.log");
        let mut errors = Vec::new();
        for _ in 0..START_TRIES {
            let port = free_port();
            let pasv = (kind != "faulty").then(free_range);
            let mut reserved = vec![port];
            if let Some((lo, hi)) = pasv {
                reserved.extend(lo..=hi);
            }
            let Launch { mut cmd, expect } =
                launch(dir.path(), &root, port, pasv, &opts, tls.as_deref());
            cmd.env("PHISCAN_FTP_CLEANUP_DIR", dir.path());
            let (mut child, stdin) = spawn(cmd, &log);
            match wait_ready(&mut child, port, expect) {
                Ok(()) => {
                    let logs = ["server.log", "vsftpd.log", "pyftpdlib.log"]
                        .iter()
                        .map(|f| dir.path().join(f))
                        .collect();
                    return FtpServer {
                        kind,
                        port,
                        pasv_ports: pasv,
                        root,
                        ca_cert: tls.as_ref().map(|t| t.join("ca.pem")),
                        user: opts.user.clone(),
                        anon_writable,
                        child,
                        stdin: Some(stdin),
                        reserved,
                        logs,
                        dir,
                    };
                }
                Err(e) => {
                    kill_tree(&mut child);
                    drop(stdin);
                    release(&reserved);
                    let mut text = String::new();
                    for f in ["server.log", "vsftpd.log", "pyftpdlib.log"] {
                        if let Ok(t) = fs::read_to_string(dir.path().join(f)) {
                            text += &t;
                        }
                    }
                    errors.push(format!("{kind} on port {port}: {e}\n{text}"));
                }
            }
        }
        panic!(
            "cannot start the {kind} fixture:\n{}",
            errors.join("\n---\n")
        );
    }

    pub fn addr(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    pub fn url(&self) -> String {
        format!("ftp://127.0.0.1:{}", self.port)
    }

    pub fn ftps_url(&self) -> String {
        format!("ftps://127.0.0.1:{}", self.port)
    }

    pub fn url_as(&self, login: &str) -> String {
        format!("ftp://{login}@127.0.0.1:{}", self.port)
    }

    /// Writes `root/rel` (parents created 0755), mode 0644 whatever the umask.
    pub fn write(&self, rel: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
        let p = self.root.join(rel);
        if let Some(parent) = p.parent() {
            self.mkdir_all(parent);
        }
        fs::write(&p, bytes).unwrap();
        fs::set_permissions(&p, fs::Permissions::from_mode(0o644)).unwrap();
        p
    }

    /// Creates `root/rel` and its parents, 0755.
    pub fn mkdir(&self, rel: &str) -> PathBuf {
        let p = self.root.join(rel);
        self.mkdir_all(&p);
        p
    }

    fn mkdir_all(&self, p: &Path) {
        if p.is_dir() {
            return;
        }
        if let Some(parent) = p.parent() {
            self.mkdir_all(parent);
        }
        fs::create_dir(p).unwrap();
        fs::set_permissions(p, fs::Permissions::from_mode(0o755)).unwrap();
    }

    /// Copies the files and directories under `src` to `root/rel` (symlinks and others are
    /// skipped), with modes 0644/0755.
    pub fn copy_tree(&self, src: &Path, rel: &str) {
        let dst = self.mkdir(rel);
        copy_dir(src, &dst);
    }

    /// Everything the server logged so far (for assertion messages).
    pub fn log(&self) -> String {
        let mut s = String::new();
        for f in &self.logs {
            if let Ok(t) = fs::read_to_string(f) {
                s += &format!("== {}\n{t}", f.file_name().unwrap().to_string_lossy());
            }
        }
        s
    }

    /// The server's process id (the supervisor's for vsftpd).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

fn copy_dir(src: &Path, dst: &Path) {
    for e in fs::read_dir(src).unwrap() {
        let e = e.unwrap();
        let t = e.file_type().unwrap();
        let to = dst.join(e.file_name());
        if t.is_dir() {
            fs::create_dir_all(&to).unwrap();
            fs::set_permissions(&to, fs::Permissions::from_mode(0o755)).unwrap();
            copy_dir(&e.path(), &to);
        } else if t.is_file() {
            fs::copy(e.path(), &to).unwrap();
            fs::set_permissions(&to, fs::Permissions::from_mode(0o644)).unwrap();
        }
    }
}

fn yes(b: bool) -> &'static str {
    if b {
        "YES"
    } else {
        "NO"
    }
}
