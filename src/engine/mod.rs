//! The engine: the only owner of concurrency.
//!
//! The walker's threads (source/) are the worker pool: each builds one `Worker` (regex caches,
//! buffers) and runs every file it is handed through read → extract → detect, producing one
//! `FileReport`. Reports go through a bounded channel to ONE writer thread that owns the
//! output and the totals. A file that fails becomes an `error` record with its reason; the
//! walk goes on and the exit code says so at the end.

use crate::detect::rules::RuleSet;
use crate::detect::{dates, Chunk, Confidence, Detector, Finding, Scratch, TextFormat};
use crate::extract::{self, text::Cursor, text::TextReader, Sniffed};
use crate::inventory::{
    key::FingerprintKey, mask, paths::DisplayPath, FileRecord, FileReport, FindingRecord, Format,
    HumanSink, JsonlSink, Location, Sink, Status, Summary, Totals,
};
use crate::source::local::{self, io_reason, Item, WalkOptions};
use anyhow::{Context, Result};
use std::fs::{File, Metadata};
use std::io::{self, BufWriter, Read, Write};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::time::{Instant, SystemTime};

pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Everything a scan needs, decided by the CLI.
pub struct ScanConfig {
    pub targets: Vec<PathBuf>,
    pub walk: WalkOptions,
    pub max_file_size: u64,
    pub min_confidence: Confidence,
    pub reveal: bool,
    pub format: Format,
    pub output: Option<PathBuf>,
    pub key: FingerprintKey,
    pub rules: RuleSet,
}

pub struct ScanOutcome {
    pub summary: Summary,
    pub exit_code: i32,
}

/// Bytes read to decide what a file is.
const HEAD: usize = 64 * 1024;

/// Per-thread state: regex caches and buffers, built once per walker thread.
pub struct Worker<'a> {
    cfg: &'a ScanConfig,
    scratch: Scratch,
    findings: Vec<Finding>,
    head: Vec<u8>,
}

fn open_readonly(path: &Path, follow: bool) -> io::Result<File> {
    // Never follow a link swapped in after the walk looked (unless asked), never block on a
    // FIFO swapped in, never become the controlling terminal, and leave atime alone where the
    // OS lets us (O_NOATIME needs ownership; fall back without it).
    let mut flags = libc::O_NONBLOCK | libc::O_NOCTTY | libc::O_CLOEXEC;
    if !follow {
        flags |= libc::O_NOFOLLOW;
    }
    let open = |extra: i32| {
        std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(flags | extra)
            .open(path)
    };
    match open(libc::O_NOATIME) {
        Err(e) if e.raw_os_error() == Some(libc::EPERM) => open(0),
        r => r,
    }
}

fn read_head(f: &mut File, buf: &mut Vec<u8>) -> io::Result<()> {
    buf.clear();
    buf.resize(HEAD, 0);
    let mut n = 0;
    while n < HEAD {
        match f.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => {
                buf.truncate(n);
                return Err(e);
            }
        }
    }
    buf.truncate(n);
    Ok(())
}

/// Findings sent to the writer in batches of this size, so that a file with millions of
/// findings does not hold them all in memory.
const BATCH: usize = 4096;

impl<'a> Worker<'a> {
    pub fn new(cfg: &'a ScanConfig) -> Worker<'a> {
        Worker {
            cfg,
            scratch: Scratch::new(&cfg.rules),
            findings: Vec::new(),
            head: Vec::with_capacity(HEAD),
        }
    }

    /// Examine one walk item; `emit` receives finding batches and finally the file record.
    pub fn process(&mut self, item: Item<'_>, emit: &mut dyn FnMut(FileReport)) {
        match item {
            Item::File { path, meta } => self.scan_file(path, &meta, emit),
            Item::Skipped { path, reason, meta } => {
                let mut rec = FileRecord::new(DisplayPath::from_path(path), Status::Skipped)
                    .with_reason(reason);
                if let Some(m) = meta {
                    set_meta(&mut rec, &m);
                }
                emit(FileReport::done(rec));
            }
            Item::Error { path, reason } => {
                let rec = FileRecord::new(DisplayPath::from_path(path), Status::Error)
                    .with_reason(reason);
                emit(FileReport::done(rec));
            }
        }
    }

    fn scan_file(&mut self, path: &Path, meta: &Metadata, emit: &mut dyn FnMut(FileReport)) {
        let dpath = DisplayPath::from_path(path);
        let mut file = FileRecord::new(dpath.clone(), Status::Scanned);
        set_meta(&mut file, meta);
        let mut rep = FileReport {
            file: None,
            findings: Vec::new(),
            fingerprints: Vec::new(),
            contains_phi: false,
        };
        self.read_and_scan(path, meta, &dpath, &mut file, &mut rep, emit);
        rep.file = Some(file);
        emit(rep);
    }

    fn read_and_scan(
        &mut self,
        path: &Path,
        meta: &Metadata,
        dpath: &DisplayPath,
        file: &mut FileRecord,
        rep: &mut FileReport,
        emit: &mut dyn FnMut(FileReport),
    ) {
        let fail = |file: &mut FileRecord, reason: String| {
            file.status = Status::Error;
            file.reason = Some(reason);
        };
        if meta.len() > self.cfg.max_file_size {
            file.status = Status::TooLarge;
            file.reason = Some(format!(
                "{} is larger than --max-file-size ({}); raise the limit to scan it",
                crate::inventory::human_bytes(meta.len()),
                crate::inventory::human_bytes(self.cfg.max_file_size)
            ));
            return;
        }
        let mut f = match open_readonly(path, self.cfg.walk.follow) {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return fail(file, io_reason("vanished before it could be read", &e));
            }
            Err(e) => return fail(file, io_reason("open", &e)),
        };
        match f.metadata() {
            Ok(m) if !m.is_file() => {
                file.status = Status::Skipped;
                file.reason = Some("not a regular file when opened: never read".into());
                return;
            }
            Ok(_) => {}
            Err(e) => return fail(file, io_reason("stat", &e)),
        }
        let mut head = std::mem::take(&mut self.head);
        let res = read_head(&mut f, &mut head);
        file.bytes_read = head.len() as u64;
        match res {
            Err(e) => fail(file, io_reason("read", &e)),
            Ok(()) => match extract::sniff(&head) {
                Sniffed::Binary(name) => {
                    file.status = Status::Unsupported;
                    file.reason = Some(format!("{name}: no extractor for this format yet"));
                }
                Sniffed::UnknownBinary => {
                    file.status = Status::Unsupported;
                    file.reason = Some("binary content of no known format".into());
                }
                Sniffed::Text { encoding, bom } => {
                    let ext = path.extension().and_then(|e| e.to_str());
                    let reader = TextReader::new(&mut f, encoding, &head, bom);
                    self.scan_text(reader, bom, ext, dpath, file, rep, emit);
                }
            },
        }
        self.head = head;
    }

    #[allow(clippy::too_many_arguments)]
    fn scan_text<R: Read>(
        &mut self,
        mut reader: TextReader<R>,
        bom: usize,
        ext: Option<&str>,
        dpath: &DisplayPath,
        file: &mut FileRecord,
        rep: &mut FileReport,
        emit: &mut dyn FnMut(FileReport),
    ) {
        let rules = &self.cfg.rules;
        let det = Detector::new(rules);
        let mut format = TextFormat::Plain;
        let mut cursor: Option<Cursor> = None;
        let mut first = true;
        let mut record_end = b'\n';
        let mut count = 0u64;
        loop {
            match reader.next_chunk(record_end) {
                Ok(true) => {}
                Ok(false) => break,
                Err(e) => {
                    file.status = Status::Error;
                    file.reason = Some(format!(
                        "read error after {} bytes (findings before it are kept): {e}",
                        reader.bytes_read
                    ));
                    break;
                }
            }
            if first {
                let sample = &reader.text[..reader.text.len().min(HEAD)];
                format = TextFormat::sniff(sample, ext, rules);
                record_end = format.record_end();
                cursor = Some(Cursor::new(reader.encoding(), bom, sample));
            }
            let chunk = Chunk {
                text: &reader.text,
                from: reader.from,
                to: reader.to,
                at_start: first,
            };
            first = false;
            self.findings.clear();
            det.scan(&mut self.scratch, &chunk, &format, &mut self.findings);
            let cur = cursor.as_mut().expect("set on the first chunk");
            for f in self.findings.drain(..) {
                if f.confidence < self.cfg.min_confidence {
                    continue;
                }
                let pos = cur.locate(&reader.text, reader.base, reader.base + f.start as u64);
                let rule = &rules.rules[f.rule];
                let fp = self.cfg.key.fingerprint(f.kind.as_str(), &f.value);
                *file.kinds.entry(f.kind).or_default() += 1;
                count += 1;
                rep.contains_phi |= f.kind.is_core() && f.confidence >= Confidence::Medium;
                rep.fingerprints.push((f.kind, fp));
                rep.findings.push(FindingRecord {
                    ty: "finding",
                    path: dpath.text.clone(),
                    path_bytes: dpath.bytes_hex.clone(),
                    kind: f.kind,
                    rule: rule.spec.id.clone(),
                    confidence: f.confidence,
                    masked: mask::mask(f.kind, rule.spec.mask.as_deref(), &f.value),
                    value: self.cfg.reveal.then(|| f.value.clone()),
                    fingerprint: hex::encode(fp),
                    location: Location {
                        line: Some(pos.line),
                        column: Some(pos.column),
                        byte: Some(pos.byte),
                        record: f.record,
                        ..Location::default()
                    },
                });
                if rep.findings.len() >= BATCH {
                    emit(FileReport {
                        file: None,
                        findings: std::mem::take(&mut rep.findings),
                        fingerprints: std::mem::take(&mut rep.fingerprints),
                        contains_phi: false,
                    });
                }
            }
            cur.advance(&reader.text, reader.base, reader.base + reader.to as u64);
        }
        file.findings = count;
        file.bytes_read = reader.bytes_read;
        file.format = Some(format.name());
        file.encoding = Some(reader.encoding().name());
    }
}

fn set_meta(rec: &mut FileRecord, m: &Metadata) {
    rec.size = Some(m.len());
    rec.modified = m.modified().ok().map(dates::rfc3339);
}

fn open_output(path: &Path) -> Result<File> {
    std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("creating output file {}", path.display()))
}

/// Run a scan to completion: every file found ends as exactly one file record.
pub fn run_scan(mut cfg: ScanConfig) -> Result<ScanOutcome> {
    let started = SystemTime::now();
    let clock = Instant::now();
    let out: Box<dyn Write + Send> = match &cfg.output {
        Some(p) => {
            let f = open_output(p)?;
            if let Ok(m) = f.metadata() {
                cfg.walk.never_read.push((m.dev(), m.ino()));
            }
            Box::new(f)
        }
        None => Box::new(io::stdout()),
    };
    let out = BufWriter::with_capacity(256 * 1024, out);
    let mut sink: Box<dyn Sink + Send> = match cfg.format {
        Format::Jsonl => Box::new(JsonlSink { out }),
        Format::Human => Box::new(HumanSink { out }),
    };

    let (tx, rx) = crossbeam_channel::bounded::<FileReport>(1024);
    let cfg = &cfg;
    let (totals, write_error, sink) = std::thread::scope(|s| {
        let writer = s.spawn(move || {
            let mut totals = Totals::new();
            let mut write_error: Option<io::Error> = None;
            for rep in rx {
                totals.add(&rep);
                if write_error.is_none() {
                    if let Err(e) = sink.file(&rep) {
                        write_error = Some(e);
                    }
                }
            }
            (totals, write_error, sink)
        });
        local::walk(&cfg.targets, &cfg.walk, || {
            let mut worker = Worker::new(cfg);
            let tx = tx.clone();
            move |item: Item<'_>| {
                worker.process(item, &mut |rep| {
                    let _ = tx.send(rep);
                });
            }
        });
        drop(tx);
        writer.join().expect("the writer thread does not panic")
    });
    let mut sink = sink;

    let errors = totals.errors();
    let (exit_code, message) = if errors > 0 {
        (
            2,
            format!(
                "{errors} file(s) ended in error and could not be fully checked: see their reasons"
            ),
        )
    } else if totals.with_phi > 0 {
        (1, format!("PHI found in {} file(s)", totals.with_phi))
    } else {
        (0, "no PHI found".to_string())
    };
    let mut files_by_status = std::collections::BTreeMap::new();
    for (k, v) in &totals.by_status {
        files_by_status.insert(*k, *v);
    }
    let summary = Summary {
        ty: "summary",
        targets: cfg
            .targets
            .iter()
            .map(|t| DisplayPath::from_path(t).text)
            .collect(),
        started: dates::rfc3339(started),
        finished: dates::rfc3339(SystemTime::now()),
        duration_ms: clock.elapsed().as_millis() as u64,
        files: totals.files,
        files_by_status,
        files_with_phi: totals.with_phi,
        findings: totals.findings,
        findings_by_kind: totals.by_kind.clone(),
        findings_by_confidence: totals.by_conf.clone(),
        distinct_by_kind: totals
            .distinct
            .iter()
            .map(|(k, v)| (*k, v.len() as u64))
            .collect(),
        bytes_read: totals.bytes_read,
        min_confidence: cfg.min_confidence,
        revealed: cfg.reveal,
        scanner_version: VERSION,
        ruleset_hash: cfg.rules.hash.clone(),
        exit_code,
        message,
    };
    if let Some(e) = write_error {
        return Err(e).context("writing the inventory");
    }
    sink.summary(&summary, &totals)
        .context("writing the inventory")?;
    Ok(ScanOutcome { summary, exit_code })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(dir: &Path) -> ScanConfig {
        ScanConfig {
            targets: vec![dir.to_path_buf()],
            walk: WalkOptions {
                follow: false,
                one_file_system: false,
                excludes: globset::GlobSet::empty(),
                exclude_patterns: Vec::new(),
                threads: 1,
                never_read: Vec::new(),
            },
            max_file_size: 1 << 30,
            min_confidence: Confidence::Medium,
            reveal: false,
            format: Format::Jsonl,
            output: None,
            key: FingerprintKey::load_or_create(Some(&dir.join("key"))).unwrap(),
            rules: RuleSet::load(&[] as &[&str]).unwrap(),
        }
    }

    /// A file listed by the walk and deleted before it is opened (a share being cleaned up
    /// while we scan) is an error record that says so.
    #[test]
    fn vanished_file_is_an_error_record() {
        let dir = tempfile::tempdir().unwrap();
        let cfg = config(dir.path());
        let p = dir.path().join("gone.txt");
        std::fs::write(&p, "SSN 234-56-7891\n").unwrap();
        let meta = std::fs::metadata(&p).unwrap();
        std::fs::remove_file(&p).unwrap();
        let mut got = Vec::new();
        Worker::new(&cfg).process(Item::File { path: &p, meta }, &mut |r| got.push(r));
        assert_eq!(got.len(), 1);
        let f = got[0].file.as_ref().unwrap();
        assert_eq!(f.status, Status::Error);
        assert!(
            f.reason.as_deref().unwrap().starts_with("vanished"),
            "{:?}",
            f.reason
        );
    }

    /// Findings of a file with very many of them are sent in bounded batches, the file record
    /// last.
    #[test]
    fn many_findings_are_batched() {
        let dir = tempfile::tempdir().unwrap();
        let cfg = config(dir.path());
        let p = dir.path().join("many.txt");
        let body: String = (0..10_000)
            .map(|i| format!("SSN 234-56-{:04}\n", 1000 + i % 8000))
            .collect();
        std::fs::write(&p, body).unwrap();
        let meta = std::fs::metadata(&p).unwrap();
        let mut got = Vec::new();
        Worker::new(&cfg).process(Item::File { path: &p, meta }, &mut |r| got.push(r));
        assert!(got.len() >= 3);
        assert!(got.iter().all(|r| r.findings.len() <= BATCH));
        assert!(got[..got.len() - 1].iter().all(|r| r.file.is_none()));
        let last = got.last().unwrap();
        assert_eq!(last.file.as_ref().unwrap().findings, 10_000);
        assert!(last.contains_phi);
        assert_eq!(got.iter().map(|r| r.findings.len()).sum::<usize>(), 10_000);
    }
}
