//! Scanning an FTP target: one session lists the tree, a pool of `--ftp-connections`
//! sessions downloads, and every download goes through the same Worker as a local file.
//!
//! Connections that the server refuses with 421 (too many connections) back off and retry;
//! a download that fails on a dropped or stalled connection is retried on a fresh session a
//! limited number of times and then becomes that file's `error` record. Everything found so
//! far is kept; the scan goes on.

use super::{ScanConfig, ToWriter, Worker};
use crate::inventory::{paths::DisplayPath, FileRecord, FileReport, Status};
use crate::source::ftp::{self, describe, Audit, Failure, FtpTarget, Remote, Session};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Connect, backing off while the server answers 421.
fn connect_with_backoff(
    t: &FtpTarget,
    cfg: &ScanConfig,
    tls: Option<&Arc<rustls::ClientConfig>>,
) -> Result<Session, String> {
    let mut delay = Duration::from_millis(250);
    let mut last = String::new();
    for _ in 0..6 {
        match Session::connect(t, &cfg.ftp, tls) {
            Ok(s) => return Ok(s),
            Err(e) => {
                last = describe(&e);
                if ftp::code_of(&e) != Some(421) {
                    return Err(last);
                }
                std::thread::sleep(delay);
                delay = (delay * 2).min(Duration::from_secs(4));
            }
        }
    }
    Err(last)
}

fn report(tx: &ToWriter, path: String, status: Status, reason: String, group: usize) {
    let mut rec = FileRecord::new(DisplayPath::from_bytes(path.as_bytes()), status);
    rec.reason = Some(reason);
    let mut r = FileReport::done(rec);
    r.group = Some(group);
    tx.send(r);
}

/// Scan one FTP target; returns its audit (for the summary).
pub fn scan_target(cfg: &ScanConfig, t: &FtpTarget, group: usize, tx: &ToWriter) -> Audit {
    let audit = ftp::audit(t, &cfg.ftp, false);
    let tls = if t.secure {
        match ftp::tls_config(&cfg.ftp) {
            Ok(c) => Some(c),
            Err(e) => {
                report(
                    tx,
                    t.display(),
                    Status::Error,
                    format!("cannot set up TLS: {e:#}"),
                    group,
                );
                return audit;
            }
        }
    } else {
        None
    };
    let base = t.base();
    let mut lister = match connect_with_backoff(t, cfg, tls.as_ref()) {
        Ok(s) => s,
        Err(e) => {
            report(
                tx,
                t.display(),
                Status::Error,
                format!("cannot scan the server: {e}"),
                group,
            );
            return audit;
        }
    };
    let mut jobs: Vec<(String, Remote)> = Vec::new();
    let walked = ftp::walk(
        &mut lister,
        t,
        1_000_000,
        &mut |path, r| jobs.push((path, r)),
        &mut |path, status, reason| report(tx, format!("{base}{path}"), status, reason, group),
    );
    if let Err(e) = walked {
        report(
            tx,
            t.display(),
            Status::Error,
            format!("cannot list {}: {}", t.path, describe(&e)),
            group,
        );
        return audit;
    }
    let queue = Arc::new(Mutex::new(jobs.into_iter()));
    let alive = AtomicUsize::new(0);
    let lister = Mutex::new(Some(lister));
    let n = cfg.ftp.connections.max(1);
    std::thread::scope(|s| {
        for i in 0..n {
            let queue = Arc::clone(&queue);
            let (tls, lister, alive, base) = (tls.as_ref(), &lister, &alive, &base);
            s.spawn(move || {
                // Stagger the pool so the server sees connections arrive one by one.
                std::thread::sleep(Duration::from_millis(40 * i as u64));
                let first = if i == 0 {
                    lister.lock().ok().and_then(|mut l| l.take())
                } else {
                    None
                };
                let mut session = match first {
                    Some(s) => Some(s),
                    None => connect_with_backoff(t, cfg, tls).ok(),
                };
                if session.is_none() {
                    return;
                }
                alive.fetch_add(1, Ordering::SeqCst);
                let mut worker = Worker::new(cfg);
                worker.spares = Some(tx.spares.clone());
                let mut emit = |mut r: FileReport| {
                    r.group = Some(group);
                    tx.send(r);
                };
                while !tx.stopped() {
                    let job = queue.lock().ok().and_then(|mut q| q.next());
                    let Some((path, remote)) = job else { break };
                    download_and_scan(
                        cfg,
                        t,
                        tls,
                        &mut session,
                        &mut worker,
                        base,
                        &path,
                        &remote,
                        &mut emit,
                    );
                }
                alive.fetch_sub(1, Ordering::SeqCst);
                if let Some(mut s) = session {
                    let _ = s.ftp.quit();
                }
            });
        }
    });
    if tx.stopped() {
        return audit;
    }
    // No session could be opened for the downloads: the files are errors, not missing lines.
    let rest: Vec<(String, Remote)> = queue
        .lock()
        .map(|mut q| q.by_ref().collect())
        .unwrap_or_default();
    for (path, _) in rest {
        report(
            tx,
            format!("{base}{path}"),
            Status::Error,
            "no connection to the server could be opened to download it".into(),
            group,
        );
    }
    audit
}

#[allow(clippy::too_many_arguments)]
fn download_and_scan(
    cfg: &ScanConfig,
    t: &FtpTarget,
    tls: Option<&Arc<rustls::ClientConfig>>,
    session: &mut Option<Session>,
    worker: &mut Worker<'_>,
    base: &str,
    path: &str,
    remote: &Remote,
    emit: &mut dyn FnMut(FileReport),
) {
    let dpath = DisplayPath::from_bytes(format!("{base}{path}").as_bytes());
    if remote.size > cfg.max_file_size {
        let mut rec = FileRecord::new(dpath, Status::TooLarge);
        rec.size = Some(remote.size);
        rec.reason = Some(format!(
            "{} is larger than --max-file-size ({})",
            crate::inventory::human_bytes(remote.size),
            crate::inventory::human_bytes(cfg.max_file_size)
        ));
        emit(FileReport::done(rec));
        return;
    }
    let tmp = match worker.temp_dir() {
        Ok(d) => d,
        Err(e) => {
            let rec = FileRecord::new(dpath, Status::Error)
                .with_reason(format!("cannot create the private temp dir: {e}"));
            emit(FileReport::done(rec));
            return;
        }
    };
    let attempts = cfg.ftp.retries + 1;
    let mut last = String::new();
    for attempt in 0..attempts {
        if session.is_none() {
            match connect_with_backoff(t, cfg, tls) {
                Ok(s) => *session = Some(s),
                Err(e) => {
                    last = format!("reconnect failed: {e}");
                    continue;
                }
            }
        }
        let s = session.as_mut().expect("connected");
        match s.retrieve(path, cfg.ftp.memory_threshold, cfg.max_file_size, &tmp) {
            Ok(dl) => {
                let name = path.rsplit('/').next().unwrap_or(path).to_string();
                worker.process_remote(dpath, &name, dl, remote, emit);
                return;
            }
            Err(Failure::Permanent(e)) => {
                last = e;
                break;
            }
            Err(Failure::Transient(e)) => {
                last = if attempt + 1 < attempts {
                    e
                } else {
                    format!("{e} (after {attempts} attempts)")
                };
                // The session may be in any state: start over on a new one.
                *session = None;
            }
        }
    }
    let mut rec = FileRecord::new(dpath, Status::Error).with_reason(last);
    rec.size = Some(remote.size);
    rec.modified = remote.modified.map(crate::detect::dates::rfc3339);
    emit(FileReport::done(rec));
}

/// The summary line that matters for an anonymous server.
pub fn exposure_line(a: &Audit, files_with_phi: u64, distinct_ssn: u64) -> Option<String> {
    a.anonymous_login.then(|| {
        format!("anonymous FTP exposes {files_with_phi} files containing PHI ({distinct_ssn} distinct SSNs) on {}", a.target)
    })
}
