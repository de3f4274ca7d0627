//! Supervised extractor processes.
//!
//! pdf-extract panics on many real PDFs and its lopdf can overflow the stack on a
//! self-referencing page tree; calamine can try to allocate gigabytes for a sheet that
//! declares a huge dimension. Those abort a process, which `catch_unwind` cannot stop. So the
//! fragile extractors run in a child process: the phiscan binary itself, re-executed with
//! `__extract-worker`, fed one request at a time over a pipe. Each walker thread owns one
//! long-lived child (per-file overhead: one JSON line each way), started on first use and
//! again after a crash.
//!
//! The child runs with an address-space limit (RLIMIT_AS), no core dumps (a core file would
//! hold patient data), and dies with its parent. The parent waits for each answer with a
//! wall-clock deadline; a crash, abort, hang or out-of-memory costs exactly that one file:
//! an `error` record with the reason ("extractor crashed: stack overflow", "timed out after
//! 30 s"), and the next file gets a fresh child.

use crate::extract::document::{Extracted, Request};
use std::io::{self, BufRead, Read, Write};
use std::os::fd::AsRawFd;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The hidden argument that turns the binary into an extractor worker.
pub const WORKER_ARG: &str = "__extract-worker";

#[derive(Debug, Clone)]
pub struct Limits {
    /// Address-space limit of a worker, bytes.
    pub memory: u64,
    /// Wall-clock limit per file.
    pub timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            memory: 2 << 30,
            timeout: Duration::from_secs(30),
        }
    }
}

struct Proc {
    child: Child,
    stdin: ChildStdin,
    stdout: ChildStdout,
    buf: Vec<u8>,
    stderr_tail: Arc<Mutex<Vec<u8>>>,
    drain: Option<std::thread::JoinHandle<()>>,
}

/// One walker thread's extractor process.
pub struct Supervisor {
    exe: PathBuf,
    limits: Limits,
    proc_: Option<Proc>,
    /// Workers started so far (1 + restarts).
    pub started: u64,
}

impl Supervisor {
    pub fn new(exe: PathBuf, limits: Limits) -> Supervisor {
        Supervisor {
            exe,
            limits,
            proc_: None,
            started: 0,
        }
    }

    fn spawn(&mut self) -> io::Result<&mut Proc> {
        if self.proc_.is_none() {
            let mem = self.limits.memory;
            let mut cmd = Command::new(&self.exe);
            cmd.arg(WORKER_ARG)
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped());
            // SAFETY: only async-signal-safe calls between fork and exec.
            unsafe {
                cmd.pre_exec(move || {
                    let as_lim = libc::rlimit {
                        rlim_cur: mem,
                        rlim_max: mem,
                    };
                    let no_core = libc::rlimit {
                        rlim_cur: 0,
                        rlim_max: 0,
                    };
                    libc::setrlimit(libc::RLIMIT_AS, &as_lim);
                    libc::setrlimit(libc::RLIMIT_CORE, &no_core);
                    libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
                    Ok(())
                });
            }
            let mut child = cmd.spawn()?;
            let stdin = child.stdin.take().expect("piped");
            let stdout = child.stdout.take().expect("piped");
            let mut stderr = child.stderr.take().expect("piped");
            let tail = Arc::new(Mutex::new(Vec::new()));
            let t2 = Arc::clone(&tail);
            // Drain the child's stderr, keeping the last 4 KiB for the crash reason.
            let drain = std::thread::spawn(move || {
                let mut b = [0u8; 4096];
                while let Ok(n) = stderr.read(&mut b) {
                    if n == 0 {
                        break;
                    }
                    let mut t = t2.lock().unwrap_or_else(|e| e.into_inner());
                    t.extend_from_slice(&b[..n]);
                    let excess = t.len().saturating_sub(4096);
                    t.drain(..excess);
                }
            });
            self.started += 1;
            self.proc_ = Some(Proc {
                child,
                stdin,
                stdout,
                buf: Vec::new(),
                stderr_tail: tail,
                drain: Some(drain),
            });
        }
        Ok(self.proc_.as_mut().expect("just set"))
    }

    /// Run one extraction in the worker. `Err` carries the reason the file could not be
    /// extracted (crash, timeout); the worker is restarted for the next call.
    pub fn extract(&mut self, req: &Request) -> Result<Extracted, String> {
        let timeout = self.limits.timeout;
        let proc_ = self
            .spawn()
            .map_err(|e| format!("cannot start the extractor process: {e}"))?;
        let mut line = serde_json::to_vec(req).map_err(|e| e.to_string())?;
        line.push(b'\n');
        let sent = proc_
            .stdin
            .write_all(&line)
            .and_then(|_| proc_.stdin.flush());
        let answer = match sent {
            Ok(()) => read_line(&mut proc_.stdout, &mut proc_.buf, Instant::now() + timeout),
            Err(e) => Err(ReadError::Io(e)),
        };
        match answer {
            Ok(bytes) => serde_json::from_slice::<Extracted>(&bytes).map_err(|e| {
                self.kill();
                format!("extractor sent a malformed answer: {e}")
            }),
            Err(ReadError::Timeout) => {
                self.kill();
                Err(format!("timed out after {} s", timeout.as_secs()))
            }
            Err(ReadError::Eof) => Err(self.crash_reason()),
            Err(ReadError::Io(e)) => {
                let why = self.crash_reason();
                Err(if why.ends_with("killed") {
                    format!("extractor connection failed: {e}")
                } else {
                    why
                })
            }
        }
    }

    fn kill(&mut self) {
        if let Some(mut p) = self.proc_.take() {
            let _ = p.child.kill();
            let _ = p.child.wait();
        }
    }

    /// The worker died: reap it and say why.
    fn crash_reason(&mut self) -> String {
        let Some(mut p) = self.proc_.take() else {
            return "extractor process vanished".into();
        };
        let _ = p.child.kill();
        let status = p.child.wait();
        // The child is gone, so its stderr ends: collect its last words.
        if let Some(d) = p.drain.take() {
            let _ = d.join();
        }
        let tail =
            String::from_utf8_lossy(&p.stderr_tail.lock().unwrap_or_else(|e| e.into_inner()))
                .into_owned();
        let what = if tail.contains("overflowed its stack") || tail.contains("stack overflow") {
            "stack overflow".to_string()
        } else if tail.contains("memory allocation")
            || tail.contains("capacity overflow")
            || tail.contains("out of memory")
        {
            format!(
                "out of memory (limit {})",
                crate::inventory::human_bytes(self.limits.memory)
            )
        } else {
            match status {
                Ok(s) => match s.signal() {
                    Some(libc::SIGSEGV) => "segmentation fault".into(),
                    Some(libc::SIGABRT) => "aborted".into(),
                    Some(libc::SIGKILL) => "killed".into(),
                    Some(libc::SIGBUS) => "bus error".into(),
                    Some(sig) => format!("killed by signal {sig}"),
                    None => format!("exited with status {}", s.code().unwrap_or(-1)),
                },
                Err(e) => format!("lost ({e})"),
            }
        };
        format!("extractor crashed: {what}")
    }
}

impl Drop for Supervisor {
    fn drop(&mut self) {
        self.kill();
    }
}

enum ReadError {
    Timeout,
    Eof,
    Io(io::Error),
}

/// Largest answer accepted from a worker.
const MAX_ANSWER: usize = 512 << 20;

/// Read one `\n`-terminated line from the worker before `deadline`.
fn read_line(
    out: &mut ChildStdout,
    buf: &mut Vec<u8>,
    deadline: Instant,
) -> Result<Vec<u8>, ReadError> {
    let fd = out.as_raw_fd();
    let mut scanned = 0;
    loop {
        if let Some(i) = memchr::memchr(b'\n', &buf[scanned..]) {
            let line: Vec<u8> = buf.drain(..scanned + i + 1).collect();
            return Ok(line);
        }
        scanned = buf.len();
        if buf.len() > MAX_ANSWER {
            return Err(ReadError::Io(io::Error::other("answer too large")));
        }
        let now = Instant::now();
        if now >= deadline {
            return Err(ReadError::Timeout);
        }
        let ms = (deadline - now).as_millis().min(i32::MAX as u128) as i32;
        let mut pfd = libc::pollfd {
            fd,
            events: libc::POLLIN,
            revents: 0,
        };
        // SAFETY: one valid pollfd.
        let r = unsafe { libc::poll(&mut pfd, 1, ms.max(1)) };
        if r < 0 {
            let e = io::Error::last_os_error();
            if e.kind() == io::ErrorKind::Interrupted {
                continue;
            }
            return Err(ReadError::Io(e));
        }
        if r == 0 {
            continue;
        }
        let mut chunk = [0u8; 64 * 1024];
        match out.read(&mut chunk) {
            Ok(0) => return Err(ReadError::Eof),
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(ReadError::Io(e)),
        }
    }
}

/// The worker's main loop: one request per line on stdin, one answer per line on stdout.
/// Panics are caught and reported as the file's error; aborts end the process, and the
/// parent reports them.
pub fn worker_main() -> ! {
    // Panics become answers; keep their messages off stderr so that they cannot carry
    // content into logs.
    std::panic::set_hook(Box::new(|_| {}));
    let stdin = io::stdin();
    let mut input = stdin.lock();
    let stdout = io::stdout();
    let mut line = Vec::new();
    loop {
        line.clear();
        match input.read_until(b'\n', &mut line) {
            Ok(0) | Err(_) => std::process::exit(0),
            Ok(_) => {}
        }
        let answer = match serde_json::from_slice::<Request>(&line) {
            Ok(req) => match std::panic::catch_unwind(|| crate::extract::document::extract(&req)) {
                Ok(a) => a,
                Err(p) => {
                    let msg = p
                        .downcast_ref::<&str>()
                        .map(|s| s.to_string())
                        .or_else(|| p.downcast_ref::<String>().cloned())
                        .unwrap_or_default();
                    Extracted::failed(format!(
                        "extractor panicked: {}",
                        crate::extract::document::scrub(&msg)
                    ))
                }
            },
            Err(e) => Extracted::failed(format!("bad request: {e}")),
        };
        let mut out = stdout.lock();
        let ok = serde_json::to_writer(&mut out, &answer).is_ok()
            && out.write_all(b"\n").is_ok()
            && out.flush().is_ok();
        if !ok {
            std::process::exit(1);
        }
    }
}
