//! Supervised extractor processes.
//!
//! pdf-extract panics on many real PDFs and its lopdf can overflow the stack on a
//! self-referencing page tree; calamine can try to allocate gigabytes for a sheet that
//! declares a huge dimension. Those abort a process, which `catch_unwind` cannot stop. So the
//! fragile extractors run in a child process: the phiscan binary itself, re-executed with
//! `__extract-worker`, fed one request at a time over a pipe. Each walker thread owns one
//! long-lived child (per-file overhead: one JSON line in, two frames out), started on first
//! use and again after a crash.
//!
//! The request is one JSON line. The answer is a series of binary frames, each a tag byte and
//! a little-endian u64 length: `S` frames carry one segment (its small fields as JSON, then
//! its rows as u32s and its text as raw bytes: no escaping of megabytes of tabs and line
//! breaks), `A` ends the answer (the outcome as JSON). A spreadsheet is sent sheet part by
//! sheet part while it is being read, so the parent detects in one part while the child
//! reads the next.
//!
//! The child runs with an address-space limit (RLIMIT_AS), no core dumps (a core file would
//! hold patient data), and dies with its parent. The parent waits for each answer with a
//! wall-clock deadline; a crash, abort, hang or out-of-memory costs exactly that one file:
//! an `error` record with the reason ("extractor crashed: stack overflow", "timed out after
//! 30 s"), and the next file gets a fresh child.

use crate::extract::document::{Extracted, Request, Segment};
use std::io::{self, BufRead, Read, Write};
use std::os::fd::{AsRawFd, FromRawFd};
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
            // No backtraces: the crash reason is read from the last 4 KiB of its stderr, and
            // a backtrace after "memory allocation of N bytes failed" would push it out.
            cmd.arg(WORKER_ARG)
                .env_remove("RUST_BACKTRACE")
                .env_remove("RUST_LIB_BACKTRACE")
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
            // Best effort: the limit for unprivileged processes is usually 1 MiB.
            // SAFETY: a valid pipe descriptor owned by `stdout`.
            unsafe { libc::fcntl(stdout.as_raw_fd(), libc::F_SETPIPE_SZ, PIPE_SIZE as i32) };
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

    /// Run one extraction in the worker; each segment goes to `on_segment` as it arrives.
    /// `Err` carries the reason the file could not be (completely) extracted (crash,
    /// timeout); the worker is restarted for the next call. The time spent in `on_segment`
    /// does not count against the timeout.
    pub fn extract(
        &mut self,
        req: &Request,
        on_segment: &mut dyn FnMut(Segment),
    ) -> Result<Extracted, String> {
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
        let mut deadline = Instant::now() + timeout;
        let mut parts = 0u64;
        let failure = match sent {
            Err(e) => ReadError::Io(e),
            Ok(()) => loop {
                let frame = match read_frame(&mut proc_.stdout, &mut proc_.buf, deadline) {
                    Ok(f) => f,
                    Err(e) => break e,
                };
                match frame.first() {
                    Some(b'S') => match decode_segment(&frame[FRAME_HEAD..]) {
                        Some(seg) => {
                            let t = Instant::now();
                            on_segment(seg);
                            deadline += t.elapsed();
                            parts += 1;
                        }
                        None => break ReadError::Malformed("bad segment frame".into()),
                    },
                    Some(b'A') => match serde_json::from_slice::<Extracted>(&frame[FRAME_HEAD..]) {
                        Ok(x) => return Ok(x),
                        Err(e) => break ReadError::Malformed(e.to_string()),
                    },
                    _ => break ReadError::Malformed("unknown frame".into()),
                }
            },
        };
        let why = match failure {
            ReadError::Malformed(e) => {
                self.kill();
                format!("extractor sent a malformed answer: {e}")
            }
            ReadError::Timeout => {
                self.kill();
                format!("timed out after {} s", timeout.as_secs())
            }
            ReadError::Eof => self.crash_reason(),
            ReadError::Io(e) => {
                let why = self.crash_reason();
                if why.ends_with("killed") {
                    format!("extractor connection failed: {e}")
                } else {
                    why
                }
            }
        };
        Err(if parts > 0 {
            format!("{why} (findings in the {parts} part(s) read before are kept)")
        } else {
            why
        })
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
    Malformed(String),
}

/// Largest frame accepted from a worker.
const MAX_FRAME: usize = 512 << 20;

/// Size asked for the pipe the answers come through (Linux's default is 64 KiB; larger
/// means fewer reads and context switches for a sheet's megabytes).
const PIPE_SIZE: usize = 1 << 20;

/// A frame starts with its tag and its payload length (u64, little-endian).
const FRAME_HEAD: usize = 9;

/// Append one frame to `out`.
fn put_frame(out: &mut Vec<u8>, tag: u8, payload_len: usize) -> usize {
    out.push(tag);
    out.extend_from_slice(&(payload_len as u64).to_le_bytes());
    out.len()
}

/// A segment frame: its small fields as JSON (u32 length first), its rows (u32 count, then
/// u32s), then its text to the end of the frame. `out` is the whole frame, head included.
pub fn encode_segment(mut seg: Segment, out: &mut Vec<u8>) -> io::Result<()> {
    let text = std::mem::take(&mut seg.text);
    let rows = std::mem::take(&mut seg.rows);
    let meta = serde_json::to_vec(&seg)?;
    out.clear();
    let len = 4 + meta.len() + 4 + 4 * rows.len() + text.len();
    put_frame(out, b'S', len);
    out.reserve(len);
    out.extend_from_slice(&(meta.len() as u32).to_le_bytes());
    out.extend_from_slice(&meta);
    out.extend_from_slice(&(rows.len() as u32).to_le_bytes());
    for r in &rows {
        out.extend_from_slice(&r.to_le_bytes());
    }
    out.extend_from_slice(text.as_bytes());
    Ok(())
}

/// The segment in a frame's payload (the frame without its head).
pub fn decode_segment(p: &[u8]) -> Option<Segment> {
    let u32_at = |p: &[u8], i: usize| -> Option<u32> {
        Some(u32::from_le_bytes(p.get(i..i + 4)?.try_into().ok()?))
    };
    let meta_len = u32_at(p, 0)? as usize;
    let mut seg: Segment = serde_json::from_slice(p.get(4..4 + meta_len)?).ok()?;
    let at = 4 + meta_len;
    let n = u32_at(p, at)? as usize;
    let rows_end = (at + 4).checked_add(n.checked_mul(4)?)?;
    seg.rows = p
        .get(at + 4..rows_end)?
        .chunks_exact(4)
        .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect();
    seg.text = String::from_utf8(p.get(rows_end..)?.to_vec()).ok()?;
    Some(seg)
}

/// Read one frame (head included) from the worker before `deadline`.
fn read_frame(
    out: &mut ChildStdout,
    buf: &mut Vec<u8>,
    deadline: Instant,
) -> Result<Vec<u8>, ReadError> {
    let fd = out.as_raw_fd();
    loop {
        if buf.len() >= FRAME_HEAD {
            let len = u64::from_le_bytes(buf[1..FRAME_HEAD].try_into().expect("8 bytes"));
            if len > MAX_FRAME as u64 {
                return Err(ReadError::Malformed("answer too large".into()));
            }
            let total = FRAME_HEAD + len as usize;
            if buf.len() >= total {
                let rest = buf.split_off(total);
                return Ok(std::mem::replace(buf, rest));
            }
            buf.reserve(total - buf.len());
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
        let old = buf.len();
        let room = (buf.capacity() - old).clamp(64 * 1024, PIPE_SIZE);
        buf.resize(old + room, 0);
        let n = out.read(&mut buf[old..]);
        buf.truncate(old + *n.as_ref().unwrap_or(&0));
        match n {
            Ok(0) => return Err(ReadError::Eof),
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(ReadError::Io(e)),
        }
    }
}

/// The worker's main loop: one request per line on stdin, its frames on stdout. Panics are
/// caught and reported as the file's error; aborts end the process, and the parent reports
/// them.
pub fn worker_main() -> ! {
    // Panics become answers; keep their messages off stderr so that they cannot carry
    // content into logs.
    std::panic::set_hook(Box::new(|_| {}));
    let stdin = io::stdin();
    let mut input = stdin.lock();
    // Frames are written whole with one write_all each, unbuffered (stdout's line buffering
    // would split them at every line break of the text).
    // SAFETY: fd 1 is open for the life of the process and owned by nothing else here; the
    // ManuallyDrop keeps it from being closed.
    let mut stdout = std::mem::ManuallyDrop::new(unsafe { std::fs::File::from_raw_fd(1) });
    let mut line = Vec::new();
    let mut frame = Vec::new();
    loop {
        line.clear();
        match input.read_until(b'\n', &mut line) {
            Ok(0) | Err(_) => std::process::exit(0),
            Ok(_) => {}
        }
        let mut send_segment = |seg: Segment| {
            let ok = encode_segment(seg, &mut frame).is_ok() && stdout.write_all(&frame).is_ok();
            if !ok {
                std::process::exit(1);
            }
        };
        let answer = match serde_json::from_slice::<Request>(&line) {
            Ok(req) => match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                crate::extract::document::extract(&req, &mut send_segment)
            })) {
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
        let json = serde_json::to_vec(&answer).unwrap_or_else(|_| b"{}".to_vec());
        frame.clear();
        put_frame(&mut frame, b'A', json.len());
        frame.extend_from_slice(&json);
        if stdout.write_all(&frame).is_err() {
            std::process::exit(1);
        }
    }
}
