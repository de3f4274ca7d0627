//! The engine: the only owner of concurrency.
//!
//! The walker's threads (source/) are the worker pool: each builds one `Worker` (regex caches,
//! buffers) and runs every file it is handed through read → extract → detect, producing one
//! `FileReport`. Reports go through a bounded channel to ONE writer thread that owns the
//! output and the totals. A file that fails becomes an `error` record with its reason; the
//! walk goes on and the exit code says so at the end.

use crate::detect::rules::RuleSet;
use crate::detect::{dates, Chunk, Confidence, Detector, Finding, Scratch, TextFormat};
use crate::extract::archive::{ArchiveKind, Budget, Member, MemberData};
use crate::extract::document::{DocKind, Outcome, Request, Segment};
use crate::extract::{self, text::Cursor, text::TextReader, Encoding, Sniffed};
use crate::inventory::store::{self, SqliteStore, Store};
use crate::inventory::{
    key::FingerprintKey, mask, paths::DisplayPath, FileRecord, FileReport, FindingRecord, Format,
    HumanSink, JsonlSink, Location, Sink, Status, Summary, Totals,
};
use crate::source::local::{self, io_reason, open_readonly, Item, WalkOptions};
use anyhow::{Context, Result};
use std::fs::{self, File, Metadata};
use std::io::{self, BufWriter, Read, Seek, Write};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

pub mod ftp;
pub mod isolate;

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
    /// The executable to run as the extractor worker (this binary); None: documents that
    /// need it are reported `unsupported`.
    pub extractor: Option<PathBuf>,
    pub limits: isolate::Limits,
    pub archive: extract::archive::Limits,
    pub ftp_targets: Vec<crate::source::ftp::FtpTarget>,
    pub ftp: crate::source::ftp::FtpOptions,
    /// Show a live progress display on stderr.
    pub progress: bool,
    /// The inventory store (None: --no-db).
    pub db: Option<PathBuf>,
    /// Read every file again (no carry-forward).
    pub full: bool,
    /// Top-level files of the previous scans of the same targets (filled by run_scan).
    pub known: std::collections::HashMap<String, crate::inventory::store::Known>,
    /// The command line's options, for the scan's evidence record (no secrets).
    pub options: std::collections::BTreeMap<String, String>,
}

pub struct ScanOutcome {
    pub summary: Summary,
    pub exit_code: i32,
}

/// Bytes read to decide what a file is.
const HEAD: usize = 64 * 1024;

/// Per-thread state: regex caches and buffers, built once per walker thread.
/// What a worker reads: a file on disk (already open), or a container member in memory.
pub enum Content<'c> {
    File {
        path: &'c Path,
        file: &'c mut File,
        size: u64,
    },
    Bytes(&'c [u8]),
}

impl Content<'_> {
    /// Its size in bytes (a file's as the walk saw it).
    fn len(&self) -> u64 {
        match self {
            Content::File { size, .. } => *size,
            Content::Bytes(b) => b.len() as u64,
        }
    }
}

/// HTML pages up to this size are read whole, to read their tables as tables; a larger one
/// is read as text in chunks, as any text file.
const HTML_WHOLE_MAX: u64 = 16 << 20;

pub struct Worker<'a> {
    cfg: &'a ScanConfig,
    /// The top-level file being scanned (members inherit it).
    top: Option<String>,
    /// Private temp dir (0700) for members handed to the extractor process; removed on drop.
    tmp: Option<tempfile::TempDir>,
    supervisor: Option<isolate::Supervisor>,
    scratch: Scratch,
    findings: Vec<Finding>,
    /// The fingerprints of the kept `findings` (those at the threshold or above), in order:
    /// made together, so that they can be hashed side by side.
    fingerprints: Vec<[u8; 32]>,
    head: Vec<u8>,
    /// Text reader buffers, reused from file to file.
    bufs: crate::extract::text::Buffers,
    /// Finding buffers handed back by the writer (None: each report allocates its own).
    pub spares: Option<crate::inventory::Spares>,
    /// Finding JSON parts rendered once per file and per rule.
    parts: crate::inventory::FindingParts,
    /// Told the size of each local file about to be read (the batching of reports to the
    /// writer sends what waits before a big file).
    pub before_read: Option<Box<dyn FnMut(u64) + Send + 'a>>,
}

/// Read the first `HEAD` bytes of `f` into `buf`, or all of it when shorter. `size`: the
/// file's size when it was opened, if known. The buffer is first zeroed and offered to `read`
/// only up to `size + 1` bytes; if those all come (the file grew, or its size was wrong, as
/// on some mounts), up to `HEAD`. Zeroing all 64 KiB for every file was 2% of a scan of
/// small files.
fn read_head(f: &mut File, buf: &mut Vec<u8>, size: Option<u64>) -> io::Result<()> {
    let first = size.map_or(HEAD, |s| {
        usize::try_from(s).map_or(HEAD, |s| s.saturating_add(1).min(HEAD))
    });
    buf.clear();
    buf.resize(first, 0);
    let mut n = 0;
    loop {
        match f.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => {
                buf.truncate(n);
                return Err(e);
            }
        }
        if n == buf.len() {
            if n >= HEAD {
                break;
            }
            buf.resize(HEAD, 0);
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
            top: None,
            tmp: None,
            supervisor: None,
            scratch: Scratch::new(&cfg.rules),
            findings: Vec::new(),
            fingerprints: Vec::new(),
            head: Vec::with_capacity(HEAD),
            bufs: Default::default(),
            spares: None,
            parts: crate::inventory::FindingParts::new(),
            before_read: None,
        }
    }

    /// Over `--max-file-size`: the record says so, and nothing is read.
    fn too_large(&self, size: u64, file: &mut FileRecord) -> bool {
        if size <= self.cfg.max_file_size {
            return false;
        }
        file.status = Status::TooLarge;
        file.reason = Some(format!(
            "{} is larger than --max-file-size ({}); raise the limit to scan it",
            crate::inventory::human_bytes(size),
            crate::inventory::human_bytes(self.cfg.max_file_size)
        ));
        true
    }

    /// Examine one walk item; `emit` receives finding batches and finally the file record.
    pub fn process(&mut self, item: Item<'_>, emit: &mut dyn FnMut(FileReport)) {
        match item {
            Item::File { path, meta } => self.scan_file(path, meta.as_ref(), emit),
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

    /// `meta`: the walk's stat of the path, when it made one (`WalkOptions::stat_files`);
    /// without it, the file is described from the descriptor it is read through.
    fn scan_file(
        &mut self,
        path: &Path,
        meta: Option<&Metadata>,
        emit: &mut dyn FnMut(FileReport),
    ) {
        let dpath = DisplayPath::from_path(path);
        // Unchanged since the last scan: only its row id travels (issue 5).
        if let Some(old) = meta.and_then(|meta| {
            self.unchanged(
                &dpath.text,
                Some(meta.len()),
                Some(mtime_ns(meta)),
                Some(meta.ino()),
            )
        }) {
            emit(FileReport {
                carried: vec![old],
                ..FileReport::empty()
            });
            return;
        }
        let mut file = FileRecord::new(dpath.clone(), Status::Scanned);
        if let Some(meta) = meta {
            set_meta(&mut file, meta);
        }
        file.top = Some(dpath.text.clone());
        self.top = Some(dpath.text.clone());
        let mut rep = FileReport::empty();
        let budget = Budget::new(self.cfg.archive.max_total);
        contain_panic(&mut file, &mut rep, |file, rep| {
            #[cfg(debug_assertions)]
            inject_panic(path);
            self.read_and_scan(path, meta, &dpath, file, rep, &budget, emit)
        });
        rep.file = Some(file);
        emit(rep);
    }

    #[allow(clippy::too_many_arguments)]
    fn read_and_scan(
        &mut self,
        path: &Path,
        meta: Option<&Metadata>,
        dpath: &DisplayPath,
        file: &mut FileRecord,
        rep: &mut FileReport,
        budget: &Budget,
        emit: &mut dyn FnMut(FileReport),
    ) {
        let fail = |file: &mut FileRecord, reason: String| {
            file.status = Status::Error;
            file.reason = Some(reason);
        };
        if let Some(meta) = meta {
            if self.too_large(meta.len(), file) {
                return;
            }
        }
        let mut f = match open_readonly(path, self.cfg.walk.follow) {
            Ok(f) => f,
            Err(e) => {
                if meta.is_none() {
                    // Describe it as the walk would have (a file that cannot be opened can
                    // usually still be stat'ed: permission denied).
                    let m = if self.cfg.walk.follow {
                        std::fs::metadata(path)
                    } else {
                        std::fs::symlink_metadata(path)
                    };
                    if let Ok(m) = m {
                        set_meta(file, &m);
                    }
                }
                if e.kind() == io::ErrorKind::NotFound {
                    return fail(file, io_reason("vanished before it could be read", &e));
                }
                return fail(file, io_reason("open", &e));
            }
        };
        let size = match f.metadata() {
            Ok(m) if !m.is_file() => {
                file.status = Status::Skipped;
                file.reason = Some("not a regular file when opened: never read".into());
                return;
            }
            Ok(m) => {
                if meta.is_none() {
                    set_meta(file, &m);
                    if self.cfg.walk.never_read.contains(&(m.dev(), m.ino())) {
                        file.status = Status::Skipped;
                        file.reason = Some("phiscan's own output file".into());
                        return;
                    }
                    if self.too_large(m.len(), file) {
                        return;
                    }
                }
                m.len()
            }
            Err(e) => return fail(file, io_reason("stat", &e)),
        };
        if let Some(announce) = self.before_read.as_mut() {
            announce(size);
        }
        let mut head = std::mem::take(&mut self.head);
        let res = read_head(&mut f, &mut head, Some(size));
        file.bytes_read = head.len() as u64;
        match res {
            Err(e) => fail(file, io_reason("read", &e)),
            Ok(()) => {
                let name = path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                let src = Content::File {
                    path,
                    file: &mut f,
                    size,
                };
                self.dispatch(src, &head, &name, dpath, file, rep, 0, budget, emit);
            }
        }
        self.head = head;
    }

    /// Decide what content is (by its first bytes, then its name) and read it accordingly:
    /// text, a document for the extractor process, an archive to open, or unsupported.
    #[allow(clippy::too_many_arguments)]
    fn dispatch(
        &mut self,
        src: Content<'_>,
        head: &[u8],
        name: &str,
        dpath: &DisplayPath,
        file: &mut FileRecord,
        rep: &mut FileReport,
        depth: u32,
        budget: &Budget,
        emit: &mut dyn FnMut(FileReport),
    ) {
        let ext = Path::new(name).extension().and_then(|e| e.to_str());
        if head.starts_with(b"{\\rtf") {
            return self.document_content(DocKind::Rtf, src, dpath, file, rep, emit);
        }
        match extract::sniff(head) {
            Sniffed::Text { .. }
                if extract::email::sniff_mbox(head) || extract::email::sniff_eml(head) =>
            {
                self.scan_email(src, head, dpath, file, rep, depth, budget, emit);
            }
            Sniffed::Text { encoding, bom }
                if matches!(encoding, Encoding::Utf8 | Encoding::Windows1252)
                    && extract::html::sniff(head, ext)
                    && src.len() <= HTML_WHOLE_MAX =>
            {
                self.scan_html(src, head, encoding, bom, dpath, file, rep, emit);
            }
            Sniffed::Text { encoding, bom } => match src {
                Content::File { file: f, .. } => {
                    let bufs = std::mem::take(&mut self.bufs);
                    let reader = TextReader::with_buffers(f, encoding, head, bom, bufs);
                    self.scan_text(reader, bom, ext, dpath, file, rep, emit);
                }
                Content::Bytes(b) => {
                    let bufs = std::mem::take(&mut self.bufs);
                    let reader =
                        TextReader::with_buffers(&b[head.len()..], encoding, head, bom, bufs);
                    self.scan_text(reader, bom, ext, dpath, file, rep, emit);
                }
            },
            Sniffed::UnknownBinary => {
                file.status = Status::Unsupported;
                file.reason = Some("binary content of no known format".into());
            }
            Sniffed::Binary(what) => match extract::document_kind(head, ext) {
                extract::DocSniff::Doc(kind) => {
                    self.document_content(kind, src, dpath, file, rep, emit)
                }
                extract::DocSniff::Encrypted(why) => {
                    file.status = Status::Encrypted;
                    file.reason = Some(why.to_string());
                }
                extract::DocSniff::Legacy => {
                    let Some(data) = whole(src, file) else { return };
                    let data: &[u8] = &data;
                    file.format = Some("ole2");
                    file.reason = Some(format!(
                        "{what}: legacy binary format, text recovered heuristically (layout may be lost)"
                    ));
                    let seg = Segment {
                        text: extract::legacy_strings(data),
                        ..Segment::default()
                    };
                    self.scan_segment(&seg, &mut None, None, dpath, file, rep, emit);
                }
                extract::DocSniff::Other => match ArchiveKind::sniff(head) {
                    Some(kind) => {
                        self.scan_archive(kind, src, name, dpath, file, depth, budget, emit)
                    }
                    None => {
                        file.status = Status::Unsupported;
                        file.reason = Some(format!("{what}: no extractor for this format yet"));
                    }
                },
            },
        }
    }

    /// An HTML page (see [`extract::html`]): the page as text, its tables blanked, then each
    /// table as a sheet ("table N", cells A1-style).
    #[allow(clippy::too_many_arguments)]
    fn scan_html(
        &mut self,
        src: Content<'_>,
        head: &[u8],
        encoding: Encoding,
        bom: usize,
        dpath: &DisplayPath,
        file: &mut FileRecord,
        rep: &mut FileReport,
        emit: &mut dyn FnMut(FileReport),
    ) {
        let Some(data) = whole(src, file) else { return };
        let parts = extract::html::split_tables(&data);
        let bufs = std::mem::take(&mut self.bufs);
        let (head, rest) = parts.rest.split_at(head.len().min(parts.rest.len()));
        let reader = TextReader::with_buffers(rest, encoding, head, bom, bufs);
        self.scan_text(reader, bom, Some("html"), dpath, file, rep, emit);
        file.format = Some("html");
        // Cells are located in the page's own bytes (UTF-8 or Windows-1252, one byte a
        // character). Tables inside a table end first, so the places do not always come in
        // order: a step back starts over from the top, a few times a page at most.
        let enc = match encoding {
            Encoding::Windows1252 => Encoding::Windows1252,
            _ => Encoding::Utf8,
        };
        // A UTF-8 byte order mark is no character of line 1: columns count from after it,
        // bytes from the file's start.
        let skip = if data.starts_with(b"\xEF\xBB\xBF") {
            3
        } else {
            0
        };
        let page = &data[skip..];
        let mut cur = extract::text::Cursor::new(enc, skip, page);
        let (mut last, mut restarts) = (0, 0);
        let mut locate = |at: usize| {
            if at < last {
                if restarts == MAX_RESTARTS {
                    return None;
                }
                restarts += 1;
                cur = extract::text::Cursor::new(enc, skip, page);
            }
            last = at;
            let at = at.saturating_sub(skip).min(page.len());
            Some(cur.locate(page, 0, at as u64))
        };
        for seg in &parts.tables {
            self.scan_segment(seg, &mut None, Some(&mut locate), dpath, file, rep, emit);
        }
    }

    /// An e-mail message (its text, then its attachments as members) or an mbox (its
    /// messages as members).
    #[allow(clippy::too_many_arguments)]
    fn scan_email(
        &mut self,
        src: Content<'_>,
        head: &[u8],
        dpath: &DisplayPath,
        file: &mut FileRecord,
        rep: &mut FileReport,
        depth: u32,
        budget: &Budget,
        emit: &mut dyn FnMut(FileReport),
    ) {
        let Some(data) = whole(src, file) else { return };
        let data: &[u8] = &data;
        if depth >= self.cfg.archive.max_depth {
            file.status = Status::Error;
            file.reason = Some(format!(
                "message nested deeper than {} levels: not opened",
                self.cfg.archive.max_depth
            ));
            return;
        }
        if extract::email::sniff_mbox(head) {
            file.format = Some("mbox");
            for (i, msg) in extract::email::split_mbox(data).into_iter().enumerate() {
                let m = Member {
                    name: format!("message-{}", i + 1),
                    raw_name: None,
                    modified: None,
                    data: MemberData::Bytes(msg.to_vec()),
                };
                self.scan_member(m, dpath, depth, budget, emit);
            }
            return;
        }
        file.format = Some("eml");
        let Some(mail) = extract::email::parse(data) else {
            file.status = Status::Error;
            file.reason = Some("not a readable e-mail message".into());
            return;
        };
        let seg = Segment {
            text: mail.text,
            ..Segment::default()
        };
        self.scan_segment(&seg, &mut None, None, dpath, file, rep, emit);
        for t in &mail.tables {
            self.scan_segment(t, &mut None, None, dpath, file, rep, emit);
        }
        for (name, bytes) in mail.attachments {
            let data = if bytes.len() as u64 > budget.remaining.get() {
                MemberData::Bomb("attachment exceeds the budget of bytes for this file".into())
            } else {
                budget
                    .remaining
                    .set(budget.remaining.get() - bytes.len() as u64);
                MemberData::Bytes(bytes)
            };
            self.scan_member(
                Member {
                    name,
                    raw_name: None,
                    modified: None,
                    data,
                },
                dpath,
                depth,
                budget,
                emit,
            );
        }
    }

    /// One archive member: a file record of its own (`outer.zip!/inner/name`), its content
    /// dispatched like a file's.
    fn scan_member(
        &mut self,
        m: Member,
        parent: &DisplayPath,
        depth: u32,
        budget: &Budget,
        emit: &mut dyn FnMut(FileReport),
    ) {
        let child = match &m.raw_name {
            Some(raw) => parent.join_member_bytes(raw),
            None => parent.join_member(&m.name),
        };
        let mut rec = FileRecord::new(child.clone(), Status::Scanned);
        rec.modified = m.modified.map(dates::rfc3339);
        let mut crep = FileReport::empty();
        rec.top = self.top.clone();
        match m.data {
            MemberData::Bytes(data) => {
                rec.size = Some(data.len() as u64);
                let head = &data[..data.len().min(HEAD)];
                let mname = m.name.rsplit('/').next().unwrap_or(&m.name).to_string();
                self.dispatch(
                    Content::Bytes(&data),
                    head,
                    &mname,
                    &child,
                    &mut rec,
                    &mut crep,
                    depth + 1,
                    budget,
                    emit,
                );
                // A member's bytes are counted with the file that holds it.
                rec.bytes_read = 0;
            }
            MemberData::Encrypted => {
                rec.status = Status::Encrypted;
                rec.reason = Some("encrypted archive member (password required)".into());
            }
            MemberData::Bomb(why) => {
                budget.bombs.set(budget.bombs.get() + 1);
                rec.status = Status::Error;
                rec.reason = Some(why);
            }
            MemberData::Error(why) => {
                rec.status = Status::Error;
                rec.reason = Some(why);
            }
            MemberData::TooLarge(why) => {
                rec.status = Status::TooLarge;
                rec.reason = Some(why);
            }
        }
        crep.file = Some(rec);
        emit(crep);
    }

    /// A document for the extractor process: a file by its path, a member through a private
    /// temp file.
    fn document_content(
        &mut self,
        kind: DocKind,
        src: Content<'_>,
        dpath: &DisplayPath,
        file: &mut FileRecord,
        rep: &mut FileReport,
        emit: &mut dyn FnMut(FileReport),
    ) {
        match src {
            Content::File { path, size, .. } => {
                self.scan_document(kind, path, dpath, file, rep, emit);
                file.bytes_read = size;
            }
            Content::Bytes(b) => match self.spill(b) {
                Ok(tmp) => self.scan_document(kind, tmp.path(), dpath, file, rep, emit),
                Err(e) => {
                    file.status = Status::Error;
                    file.reason = Some(format!(
                        "cannot write the member to the private temp dir: {e}"
                    ));
                }
            },
        }
    }

    /// The store's id of this file in the previous scan when it has not changed since (same
    /// size, modification time and inode) and its result can be carried forward.
    pub fn unchanged(
        &self,
        path: &str,
        size: Option<u64>,
        mtime_ns: Option<i64>,
        inode: Option<u64>,
    ) -> Option<i64> {
        if self.cfg.full || self.cfg.reveal {
            return None;
        }
        let k = self.cfg.known.get(path)?;
        let same = k.size == size
            && k.mtime_ns.is_some()
            && k.mtime_ns == mtime_ns
            && (k.inode.is_none() || inode.is_none() || k.inode == inode);
        // Errors and unfinished files are read again.
        (same && !matches!(k.status.as_str(), "error" | "scanning")).then_some(k.file_id)
    }

    /// This worker's private temp dir (0700), created on first use, removed when it drops.
    pub fn temp_dir(&mut self) -> io::Result<PathBuf> {
        if self.tmp.is_none() {
            // tempfile creates directories with the umask's mode (often 0755); members of
            // scanned archives wait here, so the directory is owner-only from its creation.
            #[cfg(unix)]
            let perms = {
                use std::os::unix::fs::PermissionsExt;
                std::fs::Permissions::from_mode(0o700)
            };
            // The pid in the name lets a later scan remove what a killed one left behind.
            let prefix = format!("{TEMP_PREFIX}{}-", std::process::id());
            let mut b = tempfile::Builder::new();
            b.prefix(&prefix);
            #[cfg(unix)]
            b.permissions(perms);
            self.tmp = Some(b.tempdir()?);
        }
        Ok(self.tmp.as_ref().expect("just set").path().to_path_buf())
    }

    /// A file downloaded from a remote source (FTP): scanned exactly like a local file.
    pub fn process_remote(
        &mut self,
        dpath: DisplayPath,
        name: &str,
        dl: crate::source::ftp::Download,
        remote: &crate::source::ftp::Remote,
        emit: &mut dyn FnMut(FileReport),
    ) {
        let mut file = FileRecord::new(dpath.clone(), Status::Scanned);
        file.modified = remote.modified.map(dates::rfc3339);
        let mut rep = FileReport::empty();
        let budget = Budget::new(self.cfg.archive.max_total);
        contain_panic(&mut file, &mut rep, |file, rep| {
            self.scan_download(dl, name, &dpath, file, rep, &budget, emit)
        });
        rep.file = Some(file);
        emit(rep);
    }

    #[allow(clippy::too_many_arguments)]
    fn scan_download(
        &mut self,
        dl: crate::source::ftp::Download,
        name: &str,
        dpath: &DisplayPath,
        file: &mut FileRecord,
        rep: &mut FileReport,
        budget: &Budget,
        emit: &mut dyn FnMut(FileReport),
    ) {
        match dl {
            crate::source::ftp::Download::Memory(data) => {
                file.size = Some(data.len() as u64);
                let head = &data[..data.len().min(HEAD)];
                self.dispatch(
                    Content::Bytes(&data),
                    head,
                    name,
                    dpath,
                    file,
                    rep,
                    0,
                    budget,
                    emit,
                );
                file.bytes_read = data.len() as u64;
            }
            crate::source::ftp::Download::File(tmp, size) => {
                file.size = Some(size);
                let mut head = std::mem::take(&mut self.head);
                let res = tmp.reopen().and_then(|mut f| {
                    read_head(&mut f, &mut head, Some(size))?;
                    Ok(f)
                });
                match res {
                    Ok(mut f) => {
                        let src = Content::File {
                            path: tmp.path(),
                            file: &mut f,
                            size,
                        };
                        self.dispatch(src, &head, name, dpath, file, rep, 0, budget, emit);
                    }
                    Err(e) => {
                        file.status = Status::Error;
                        file.reason = Some(io_reason("reading the downloaded copy", &e));
                    }
                }
                self.head = head;
                file.bytes_read = size;
            }
        }
    }

    /// Write a member to a file in this worker's private temp dir (0700; the file is 0600 and
    /// deleted when the returned handle drops) so that the extractor process can read it.
    fn spill(&mut self, bytes: &[u8]) -> io::Result<tempfile::NamedTempFile> {
        let dir = self.temp_dir()?;
        let mut t = tempfile::Builder::new()
            .prefix("member-")
            .tempfile_in(&dir)?;
        t.write_all(bytes)?;
        t.flush()?;
        Ok(t)
    }

    /// Open an archive and scan every member as if it were a file of its own.
    #[allow(clippy::too_many_arguments)]
    fn scan_archive(
        &mut self,
        kind: ArchiveKind,
        src: Content<'_>,
        name: &str,
        dpath: &DisplayPath,
        file: &mut FileRecord,
        depth: u32,
        budget: &Budget,
        emit: &mut dyn FnMut(FileReport),
    ) {
        file.format = Some(kind.name());
        let lim = self.cfg.archive.clone();
        if depth >= lim.max_depth {
            // Too deep is what nested bombs look like: it counts towards giving up on the file.
            budget.bombs.set(budget.bombs.get() + 1);
            file.status = Status::Error;
            file.reason = Some(format!(
                "archive nested deeper than {} levels: not opened (possible archive bomb)",
                lim.max_depth
            ));
            return;
        }
        if budget.bombs.get() >= extract::archive::MAX_BOMBS {
            file.status = Status::Error;
            file.reason = Some(format!(
                "archive bomb: not opened after {} bomb members in the same top-level file",
                budget.bombs.get()
            ));
            return;
        }
        let mut count = 0u64;
        let mut abandoned = 0u64;
        let result = {
            let mut each = |m: Member| {
                if budget.bombs.get() >= extract::archive::MAX_BOMBS {
                    abandoned += 1;
                    return;
                }
                count += 1;
                self.scan_member(m, dpath, depth, budget, emit);
            };
            match src {
                Content::File { file: f, size, .. } => {
                    file.bytes_read = size;
                    // The head was read already: start again from the first byte.
                    match f.seek(io::SeekFrom::Start(0)) {
                        Ok(_) => extract::archive::for_each_member(
                            kind, f, name, &lim, budget, &mut each,
                        ),
                        Err(e) => Err(io_reason("seek", &e)),
                    }
                }
                Content::Bytes(b) => {
                    let mut cur = io::Cursor::new(b);
                    extract::archive::for_each_member(kind, &mut cur, name, &lim, budget, &mut each)
                }
            }
        };
        if abandoned > 0 {
            file.status = Status::Error;
            file.reason = Some(format!(
                "archive bomb: {abandoned} member(s) not examined after {} bomb members in the same top-level file",
                budget.bombs.get()
            ));
            return;
        }
        match result {
            Ok(0) => {}
            Ok(skipped) => {
                file.reason = Some(format!(
                    "{skipped} member(s) beyond the limit of {} per archive were not examined",
                    lim.max_members
                ));
                file.status = Status::Error;
            }
            Err(e) if count == 0 => {
                file.status = Status::Error;
                file.reason = Some(e);
            }
            Err(e) => {
                file.status = Status::Error;
                file.reason = Some(format!("{count} member(s) read, then: {e}"));
            }
        }
    }

    /// PDFs and spreadsheets: extracted in the supervised worker process, detected here.
    fn scan_document(
        &mut self,
        kind: DocKind,
        path: &Path,
        dpath: &DisplayPath,
        file: &mut FileRecord,
        rep: &mut FileReport,
        emit: &mut dyn FnMut(FileReport),
    ) {
        use std::os::unix::ffi::OsStrExt;
        file.format = Some(kind.format_name());
        let Some(exe) = &self.cfg.extractor else {
            file.status = Status::Unsupported;
            file.reason = Some(format!(
                "{}: extractor process not available",
                kind.format_name()
            ));
            return;
        };
        let mut sup = self
            .supervisor
            .take()
            .unwrap_or_else(|| isolate::Supervisor::new(exe.clone(), self.cfg.limits.clone()));
        let req = Request {
            path_hex: hex::encode(path.as_os_str().as_bytes()),
            kind,
            max_text: 256 << 20,
            max_cells: 20_000_000,
        };
        // Segments are detected as they arrive (a sheet in parts, while the worker reads on).
        let mut table = None;
        let answer = sup.extract(&req, &mut |seg| {
            self.scan_segment(&seg, &mut table, None, dpath, file, rep, emit)
        });
        self.supervisor = Some(sup);
        let x = match answer {
            Ok(x) => x,
            Err(reason) => {
                file.status = Status::Error;
                file.reason = Some(reason);
                return;
            }
        };
        file.reason = x.reason;
        if let Some(fmt) = x.format.as_deref() {
            file.format = Some(match fmt {
                "xlsx" => "xlsx",
                "xls" => "xls",
                "xlsb" => "xlsb",
                "ods" => "ods",
                "docx" => "docx",
                "pptx" => "pptx",
                "odt" => "odt",
                "odp" => "odp",
                "rtf" => "rtf",
                "pdf" => "pdf",
                _ => kind.format_name(),
            });
        }
        file.status = match x.outcome {
            Outcome::Ok => Status::Scanned,
            Outcome::NoText => Status::NoText,
            Outcome::Encrypted => Status::Encrypted,
            Outcome::Unsupported => Status::Unsupported,
            Outcome::Error => Status::Error,
        };
        for seg in &x.segments {
            self.scan_segment(seg, &mut table, None, dpath, file, rep, emit);
        }
    }

    /// Detect in one extracted piece of text (a PDF page, a sheet or part of one, a message
    /// body). `table` keeps a sheet's columns for the parts that continue it.
    #[allow(clippy::too_many_arguments)]
    fn scan_segment(
        &mut self,
        seg: &Segment,
        table: &mut Option<TextFormat>,
        mut locate: Option<&mut Locate<'_>>,
        dpath: &DisplayPath,
        file: &mut FileRecord,
        rep: &mut FileReport,
        emit: &mut dyn FnMut(FileReport),
    ) {
        let rules = &self.cfg.rules;
        let det = Detector::new(rules);
        {
            let text = seg.text.as_bytes();
            let continued = seg.table && seg.continued && table.is_some();
            if seg.table && !continued {
                let header = text
                    .split(|&b| b == b'\n')
                    .nth(seg.header_line as usize)
                    .unwrap_or(b"");
                let cells = String::from_utf8_lossy(header)
                    .split('\t')
                    .map(str::to_string)
                    .collect();
                *table = Some(TextFormat::Table(
                    crate::detect::Table::new(b'\t', cells, rules).without_quotes(),
                ));
            }
            let sniffed;
            let format = match table {
                Some(t) if seg.table => &*t,
                _ => {
                    sniffed = TextFormat::sniff(text, None, rules);
                    &sniffed
                }
            };
            let chunk = Chunk {
                text,
                from: 0,
                to: text.len(),
                at_start: !continued,
                fhir: None,
            };
            self.findings.clear();
            det.scan(&mut self.scratch, &chunk, format, &mut self.findings);
            self.fingerprint_kept();
            let mut fingerprints = self.fingerprints.iter();
            let (mut line, mut line_start, mut at) = (0usize, 0usize, 0usize);
            // Column (characters, or tabs in a sheet) of the previous finding on this line:
            // the next one counts on from there (one long line stays linear).
            let (mut col_at, mut col) = (0usize, 0usize);
            for mut f in self.findings.drain(..) {
                if f.confidence < self.cfg.min_confidence {
                    continue;
                }
                if let Some((n, last)) = extract::text::count_lines(b'\n', &text[at..f.start]) {
                    line += n;
                    line_start = at + last + 1;
                }
                at = f.start;
                if col_at < line_start {
                    (col_at, col) = (line_start, 0);
                }
                let between = &text[col_at..f.start];
                col += if seg.table {
                    memchr::memchr_iter(b'\t', between).count()
                } else {
                    between.iter().filter(|&&b| (b & 0xC0) != 0x80).count()
                };
                col_at = f.start;
                let mut location = Location {
                    record: f.record.take(),
                    ..Location::default()
                };
                if seg.table {
                    let row = seg.rows.get(line).copied().unwrap_or(line as u32);
                    location.sheet = seg.sheet.clone();
                    location.cell = Some(cell_ref(col as u32, row));
                    // A table read out of a text file: also the place in the file, from where
                    // the cell's value starts there.
                    let origin = seg.origins.get(line).and_then(|o| o.get(col));
                    if let (Some(&origin), Some(locate)) = (origin, locate.as_mut()) {
                        let cell_start = memchr::memrchr(b'\t', &text[line_start..f.start])
                            .map_or(line_start, |i| line_start + i + 1);
                        if let Some(p) = locate(origin + (f.start - cell_start)) {
                            location.line = Some(p.line);
                            location.column = Some(p.column);
                            location.byte = Some(p.byte);
                        }
                    }
                } else {
                    location.page = seg.page;
                    location.line = Some(line as u64 + 1);
                    location.column = Some(col as u64 + 1);
                }
                if let Some(s) = &self.spares {
                    s.fill(rep);
                }
                let fp = *fingerprints.next().expect("one for each kept finding");
                record_finding(
                    self.cfg,
                    &mut self.parts,
                    f,
                    fp,
                    location,
                    dpath,
                    file,
                    rep,
                    emit,
                );
            }
        }
    }

    /// The fingerprints of the findings at the threshold or above, into `fingerprints`.
    fn fingerprint_kept(&mut self) {
        let min = self.cfg.min_confidence;
        self.fingerprints.clear();
        self.cfg.key.fingerprints(
            self.findings
                .iter()
                .filter(|f| f.confidence >= min)
                .map(|f| (f.kind.as_str(), f.value.as_str())),
            &mut self.fingerprints,
        );
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
        let mut fhir_found = Vec::new();
        let mut sql: Option<extract::sql::State> = None;
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
                if matches!(format, TextFormat::Plain) && extract::sql::sniff(sample, ext) {
                    sql = Some(extract::sql::State::default());
                }
                if matches!(format, TextFormat::Fhir | TextFormat::FhirXml) {
                    reader.widen(extract::text::DOCUMENT_CHUNK, record_end);
                }
            }
            // A SQL dump's rows are read as tables, after the rest of the chunk.
            let sql_tables = match sql.as_mut() {
                Some(st) => extract::sql::take_tables(&mut reader.text, reader.from, reader.to, st),
                None => Vec::new(),
            };
            let fhir = matches!(format, TextFormat::Fhir);
            if fhir {
                use crate::detect::structured::{fhir_chunk_end_of, fhir_objects};
                fhir_found = fhir_objects(&reader.text, reader.from, reader.to);
                // A resource that runs on past the chunk goes whole to the next one.
                if !reader.at_end() {
                    let (len, from, to) = (reader.text.len(), reader.from, reader.to);
                    if let Some(end) = fhir_chunk_end_of(&fhir_found, len, from, to) {
                        reader.to = end;
                    }
                }
            }
            let chunk = Chunk {
                text: &reader.text,
                from: reader.from,
                to: reader.to,
                at_start: first,
                fhir: fhir.then_some(&fhir_found[..]),
            };
            first = false;
            self.findings.clear();
            det.scan(&mut self.scratch, &chunk, &format, &mut self.findings);
            self.fingerprint_kept();
            let mut fingerprints = self.fingerprints.iter();
            let cur = cursor.as_mut().expect("set on the first chunk");
            let sql_cursor = (!sql_tables.is_empty()).then(|| cur.clone());
            for mut f in self.findings.drain(..) {
                if f.confidence < self.cfg.min_confidence {
                    continue;
                }
                let pos = cur.locate(&reader.text, reader.base, reader.base + f.start as u64);
                let location = Location {
                    line: Some(pos.line),
                    column: Some(pos.column),
                    byte: Some(pos.byte),
                    record: f.record.take(),
                    ..Location::default()
                };
                if let Some(s) = &self.spares {
                    s.fill(rep);
                }
                let fp = *fingerprints.next().expect("one for each kept finding");
                record_finding(
                    self.cfg,
                    &mut self.parts,
                    f,
                    fp,
                    location,
                    dpath,
                    file,
                    rep,
                    emit,
                );
            }
            // The rows are located with the cursor as it was at the chunk's start: they are
            // in order, and may run on past the chunk's end (to their statement's end).
            let mut rows_cur = sql_cursor;
            cur.advance(&reader.text, reader.base, reader.base + reader.to as u64);
            let mut last = 0;
            let (text, base) = (&reader.text, reader.base);
            let mut locate = |at: usize| {
                let c = rows_cur.as_mut()?;
                if at < last || at > text.len() {
                    return None;
                }
                last = at;
                Some(c.locate(text, base, base + at as u64))
            };
            for t in &sql_tables {
                self.scan_segment(t, &mut None, Some(&mut locate), dpath, file, rep, emit);
            }
        }
        file.bytes_read = reader.bytes_read;
        file.format = Some(if sql.is_some() { "sql" } else { format.name() });
        file.encoding = Some(reader.encoding().name());
        self.bufs = reader.into_buffers();
    }
}

/// Where an offset of the text a table was read from is in the file (None when it cannot be
/// told: see `scan_segment`'s callers).
type Locate<'a> = dyn FnMut(usize) -> Option<extract::text::Pos> + 'a;

/// Steps back that an HTML page's table cells may make before they are no longer located in
/// the file (each costs a pass over the page from its top).
const MAX_RESTARTS: u32 = 16;

/// Turn a detector finding into an inventory record (masked, with its fingerprint `fp`,
/// revealed only on request), count it on the file, and flush a full batch to the writer.
#[allow(clippy::too_many_arguments)]
fn record_finding(
    cfg: &ScanConfig,
    parts: &mut crate::inventory::FindingParts,
    f: Finding,
    fp: [u8; 32],
    location: Location,
    dpath: &DisplayPath,
    file: &mut FileRecord,
    rep: &mut FileReport,
    emit: &mut dyn FnMut(FileReport),
) {
    let rule = &cfg.rules.rules[f.rule];
    *file.kinds.entry(f.kind).or_default() += 1;
    file.findings += 1;
    rep.contains_phi |= f.kind.is_core() && f.confidence >= Confidence::Medium;
    rep.fingerprints.push((f.kind, fp));
    let mut masked = std::mem::take(&mut parts.masked);
    mask::mask_into(&mut masked, f.kind, rule.spec.mask.as_deref(), &f.value);
    match findings_out(cfg) {
        FindingsOut::Records => rep.findings.push(FindingRecord {
            ty: "finding",
            path: dpath.text.clone(),
            path_bytes: dpath.bytes_hex.clone(),
            kind: f.kind,
            rule: rule.spec.id.clone(),
            confidence: f.confidence,
            // The record keeps the string: the next finding's mask gets a new buffer.
            masked,
            value: cfg.reveal.then_some(f.value),
            fingerprint: hex_lower(&fp),
            location,
        }),
        FindingsOut::Json => {
            let mut hex = [0u8; 64];
            parts.write(
                &mut rep.rendered,
                f.rule,
                &crate::inventory::FindingJson {
                    path: &dpath.text,
                    path_bytes: dpath.bytes_hex.as_deref(),
                    kind: f.kind,
                    rule: &rule.spec.id,
                    confidence: f.confidence,
                    masked: &masked,
                    value: cfg.reveal.then_some(f.value.as_str()),
                    fingerprint: hex_into(&fp, &mut hex),
                    location: &location,
                },
            );
            rep.rendered.push(b'\n');
            rep.rendered_counts.push((f.kind, f.confidence));
            parts.masked = masked;
        }
        FindingsOut::Counts => {
            rep.rendered_counts.push((f.kind, f.confidence));
            parts.masked = masked;
        }
    }
    if rep.queued_findings() >= BATCH {
        emit(FileReport {
            findings: std::mem::replace(&mut rep.findings, Vec::with_capacity(BATCH)),
            fingerprints: std::mem::take(&mut rep.fingerprints),
            rendered: std::mem::take(&mut rep.rendered),
            rendered_counts: std::mem::take(&mut rep.rendered_counts),
            key: rep.key,
            ..FileReport::empty()
        });
    }
}

/// How workers hand findings to the writer thread.
enum FindingsOut {
    /// As records: the inventory store keeps them.
    Records,
    /// Rendered as JSON Lines on the worker (the writer only copies the bytes), with their
    /// kind and confidence for the totals: no store, JSON Lines output.
    Json,
    /// Kind and confidence only: no store, and the terminal summary shows counts.
    Counts,
}

fn findings_out(cfg: &ScanConfig) -> FindingsOut {
    match (&cfg.db, cfg.format) {
        (Some(_), _) => FindingsOut::Records,
        (None, Format::Jsonl) => FindingsOut::Json,
        (None, Format::Human) => FindingsOut::Counts,
    }
}

/// Lowercase hex of a fingerprint, written into `buf`.
fn hex_into<'b>(b: &[u8; 32], buf: &'b mut [u8; 64]) -> &'b str {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: SSE2 is part of x86-64; 16 bytes are read from each half of `b` and 32
    // written to each half of `buf`, as long as they are.
    unsafe {
        // 16 bytes at a time: each nibble n made the digit n + '0', plus 39 more for a-f;
        // the high and low digits interleaved. A byte at a time was a fifth of recording a
        // finding.
        use std::arch::x86_64::*;
        let nib = _mm_set1_epi8(0x0F);
        let nine = _mm_set1_epi8(9);
        let gap = _mm_set1_epi8(b'a' as i8 - b'0' as i8 - 10);
        let zero = _mm_set1_epi8(b'0' as i8);
        for (half, out) in b.chunks_exact(16).zip(buf.chunks_exact_mut(32)) {
            let v = _mm_loadu_si128(half.as_ptr() as *const __m128i);
            let mut d = [
                _mm_and_si128(_mm_srli_epi16(v, 4), nib),
                _mm_and_si128(v, nib),
            ];
            for n in &mut d {
                let letters = _mm_and_si128(_mm_cmpgt_epi8(*n, nine), gap);
                *n = _mm_add_epi8(_mm_add_epi8(*n, zero), letters);
            }
            let p = out.as_mut_ptr() as *mut __m128i;
            _mm_storeu_si128(p, _mm_unpacklo_epi8(d[0], d[1]));
            _mm_storeu_si128(p.add(1), _mm_unpackhi_epi8(d[0], d[1]));
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    for (pair, &x) in buf.chunks_exact_mut(2).zip(b) {
        pair.copy_from_slice(&hex_pair(x));
    }
    // Validating 64 bytes per finding was 2% of a patient list's scan.
    debug_assert!(buf.is_ascii());
    // SAFETY: every byte was just written from `hex_pair`'s ASCII digits.
    unsafe { std::str::from_utf8_unchecked(buf) }
}

fn hex_pair(x: u8) -> [u8; 2] {
    const D: &[u8; 16] = b"0123456789abcdef";
    [D[usize::from(x >> 4)], D[usize::from(x & 15)]]
}

/// Lowercase hex, as `hex::encode` writes it (one per finding: the crate's iterator is slow).
fn hex_lower(b: &[u8]) -> String {
    let mut s = String::with_capacity(b.len() * 2);
    for &x in b {
        s.extend(hex_pair(x).map(char::from));
    }
    s
}

/// A cell reference: column letters and 1-based row ("B3").
fn cell_ref(col: u32, row: u32) -> String {
    use std::fmt::Write;
    let mut s = String::with_capacity(16);
    push_column_letters(&mut s, col);
    let _ = write!(s, "{}", u64::from(row) + 1);
    s
}

/// Spreadsheet column letters: 0 -> A, 25 -> Z, 26 -> AA.
pub fn column_letters(c: u32) -> String {
    let mut s = String::new();
    push_column_letters(&mut s, c);
    s
}

fn push_column_letters(out: &mut String, mut c: u32) {
    let mut buf = [0u8; 8];
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'A' + (c % 26) as u8;
        if c < 26 {
            break;
        }
        c = c / 26 - 1;
    }
    out.extend(buf[i..].iter().map(|&b| char::from(b)));
}

/// All of a content's bytes: a member's as they are, a file's read from its start (the head
/// was read already). A read error makes the record an error and returns None.
fn whole<'c>(src: Content<'c>, file: &mut FileRecord) -> Option<std::borrow::Cow<'c, [u8]>> {
    match src {
        Content::Bytes(b) => Some(std::borrow::Cow::Borrowed(b)),
        Content::File { file: f, size, .. } => {
            let mut v = Vec::with_capacity(size as usize);
            let res = f
                .seek(io::SeekFrom::Start(0))
                .and_then(|_| f.read_to_end(&mut v));
            file.bytes_read = v.len() as u64;
            match res {
                Ok(_) => Some(std::borrow::Cow::Owned(v)),
                Err(e) => {
                    file.status = Status::Error;
                    file.reason = Some(io_reason("read", &e));
                    None
                }
            }
        }
    }
}

fn set_meta(rec: &mut FileRecord, m: &Metadata) {
    rec.size = Some(m.len());
    rec.modified = m.modified().ok().map(dates::rfc3339);
    rec.mtime_ns = Some(mtime_ns(m));
    rec.inode = Some(m.ino());
}

fn mtime_ns(m: &Metadata) -> i64 {
    m.mtime() * 1_000_000_000 + m.mtime_nsec()
}

/// A walker thread's reports on their way to the writer. Unchanged files go as lists of ids
/// (issue 5); the other reports go in small bursts, not a message each: a writer that keeps
/// up sleeps after every message, and waking it for every file was ~12% of the CPU of a
/// one-thread scan of small files (a futex wake and two context switches a file). What is
/// left is sent when the thread's visitor is dropped at the end of the walk.
struct CarryBatch {
    ids: Vec<i64>,
    reports: Vec<FileReport>,
    /// The findings in `reports`, and when the first of them was put there.
    findings: usize,
    since: Option<Instant>,
    /// `AGE`, except in tests.
    age: Duration,
    tx: ToWriter,
}

/// How many findings may wait in the channel to the writer. The channel's bound counts
/// messages (1,024), and a message can carry up to `BATCH` findings: when the writer (SQLite)
/// is slower than the scan, that let hundreds of MB of findings pile up. ~32k findings are a
/// few MB.
const QUEUED_FINDINGS: usize = 32 * 1024;

/// Findings queued for the writer: producers wait while the queue is full; the writer
/// releases what it has handled, and marks the queue closed when it ends (so that no producer
/// waits for a writer that is gone).
#[derive(Default)]
pub(crate) struct Queued {
    state: std::sync::Mutex<QueueState>,
    cv: std::sync::Condvar,
}

#[derive(Default)]
struct QueueState {
    findings: usize,
    closed: bool,
    /// Producers waiting: the writer only wakes anyone (a system call) when there are some.
    waiting: usize,
}

impl Queued {
    fn acquire(&self, n: usize) {
        if n == 0 {
            return;
        }
        let Ok(mut st) = self.state.lock() else {
            return;
        };
        while st.findings > 0 && st.findings + n > QUEUED_FINDINGS && !st.closed {
            st.waiting += 1;
            st = match self.cv.wait(st) {
                Ok(g) => g,
                Err(_) => return,
            };
            st.waiting -= 1;
        }
        st.findings += n;
    }

    fn release(&self, n: usize) {
        if n == 0 {
            return;
        }
        if let Ok(mut st) = self.state.lock() {
            st.findings = st.findings.saturating_sub(n);
            if st.waiting > 0 {
                self.cv.notify_all();
            }
        }
    }

    fn close(&self) {
        if let Ok(mut st) = self.state.lock() {
            st.closed = true;
            self.cv.notify_all();
        }
    }
}

/// The workers' end of the channel to the writer.
#[derive(Clone)]
pub struct ToWriter {
    tx: crossbeam_channel::Sender<FileReport>,
    queued: std::sync::Arc<Queued>,
    /// Buffers the writer hands back, for the workers' next findings.
    pub spares: crate::inventory::Spares,
    /// Set by the writer when nothing more can be recorded (the output failed and there is
    /// no database): the sources stop handing out files.
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl ToWriter {
    pub fn send(&self, r: FileReport) {
        self.queued.acquire(r.queued_findings());
        let _ = self.tx.send(r);
    }

    /// Whether the writer asked the scan to stop.
    pub fn stopped(&self) -> bool {
        self.stop.load(std::sync::atomic::Ordering::Relaxed)
    }
}

/// Closes the queue when the writer thread ends, however it ends.
struct CloseOnDrop<'a>(&'a Queued);

impl Drop for CloseOnDrop<'_> {
    fn drop(&mut self) {
        self.0.close();
    }
}

impl CarryBatch {
    const SIZE: usize = 4096;
    /// A burst is sent at this many reports, this many findings, or this age.
    const REPORTS: usize = 32;
    const FINDINGS: usize = 1024;
    const AGE: Duration = Duration::from_millis(50);
    /// Before a file this big (whose scan takes a while), what waits is sent: files already
    /// scanned reach the writer, and its database, without waiting for it.
    const BIG: u64 = 1 << 20;

    fn new(tx: ToWriter) -> CarryBatch {
        CarryBatch {
            ids: Vec::new(),
            reports: Vec::new(),
            findings: 0,
            since: None,
            age: Self::AGE,
            tx,
        }
    }

    /// Before scanning a file of `size` bytes: a big one takes a while, so what waits is
    /// sent first (files already scanned reach the writer, and its database, without it).
    fn before_file(&mut self, size: u64) {
        if size >= Self::BIG {
            self.send_reports();
        }
    }

    fn report(&mut self, rep: FileReport) {
        let now = Instant::now();
        let since = *self.since.get_or_insert(now);
        self.findings += rep.queued_findings();
        self.reports.push(rep);
        if self.reports.len() >= Self::REPORTS
            || self.findings >= Self::FINDINGS
            || now.duration_since(since) >= self.age
        {
            self.send_reports();
        }
    }

    fn send_reports(&mut self) {
        for r in self.reports.drain(..) {
            self.tx.send(r);
        }
        self.findings = 0;
        self.since = None;
    }

    fn flush(&mut self) {
        self.send_reports();
        if !self.ids.is_empty() {
            self.tx.send(FileReport {
                carried: std::mem::take(&mut self.ids),
                ..FileReport::empty()
            });
        }
    }
}

impl Drop for CarryBatch {
    fn drop(&mut self) {
        self.flush();
    }
}

/// Phase timings on stderr with PHISCAN_TIMING=1 (for profiling rescans: issue 5).
struct Phases {
    on: bool,
    start: Instant,
    last: Instant,
}

impl Phases {
    fn new() -> Phases {
        let now = Instant::now();
        Phases {
            on: std::env::var_os("PHISCAN_TIMING").is_some_and(|v| v == "1"),
            start: now,
            last: now,
        }
    }

    fn mark(&mut self, what: &str) {
        if self.on {
            let now = Instant::now();
            eprintln!(
                "phiscan timing: {what:<28} {:>8.1} ms  (at {:.1} ms)",
                (now - self.last).as_secs_f64() * 1e3,
                (now - self.start).as_secs_f64() * 1e3
            );
            self.last = now;
        }
    }
}

/// What must be equal for a previous result to stand for this scan: the rules, the
/// fingerprint key, the confidence threshold and the limits that decide what is read.
fn settings_key(cfg: &ScanConfig) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    h.update(cfg.rules.hash.as_bytes());
    h.update(cfg.key.fingerprint("key-id", "phiscan"));
    h.update(format!(
        "{:?}|{}|{}|{:?}|{}|{}",
        cfg.min_confidence,
        cfg.max_file_size,
        cfg.walk.follow,
        cfg.archive,
        cfg.limits.memory,
        cfg.limits.timeout.as_secs()
    ));
    hex::encode(h.finalize())
}

fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .map(|s| s.trim().to_string())
        .unwrap_or_else(|_| "unknown".into())
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
    remove_stale_temp_dirs(&std::env::temp_dir(), Duration::from_secs(600));
    let started = SystemTime::now();
    let clock = Instant::now();
    let mut phases = Phases::new();
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

    // The inventory store: open it, record the scan, and learn what previous scans of the
    // same targets saw (for carry-forward and resume).
    let all_targets: Vec<String> = cfg
        .targets
        .iter()
        .map(|t| DisplayPath::from_path(t).text)
        .chain(cfg.ftp_targets.iter().map(|t| t.display()))
        .collect();
    let mut store: Option<Box<dyn Store>> = match &cfg.db {
        Some(p) => Some(Box::new(SqliteStore::open(p)?)),
        None => None,
    };
    let mut scan_id = None;
    if let Some(st) = store.as_mut() {
        let settings = settings_key(&cfg);
        cfg.known = st.known_files(&store::targets_key(&all_targets), &settings)?;
        scan_id = Some(st.begin_scan(&store::ScanMeta {
            started: dates::rfc3339(started),
            host: hostname(),
            targets: all_targets.clone(),
            scanner_version: VERSION.to_string(),
            ruleset_hash: cfg.rules.hash.clone(),
            settings_key: settings,
            options: cfg.options.clone(),
        })?);
    }
    let known_count = cfg.known.len() as u64;
    // Without files to recognise as unchanged, the walk need not stat them by path.
    cfg.walk.stat_files = !(cfg.known.is_empty() || cfg.full || cfg.reveal);
    phases.mark("open store, known files");
    let (chan_tx, rx) = crossbeam_channel::bounded::<FileReport>(1024);
    let queued = std::sync::Arc::new(Queued::default());
    let spares = crate::inventory::Spares::new();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let tx = ToWriter {
        tx: chan_tx,
        queued: queued.clone(),
        spares: spares.clone(),
        stop: stop.clone(),
    };
    // Without a database the inventory is the output: once writing it fails, the rest of
    // the scan would be lost work (a closed pipe, a full disk), so the scan stops.
    let stop_on_write_error = cfg.db.is_none();
    let mut audits = Vec::new();
    let mut incr = crate::inventory::Incremental::default();
    let mut carried: Vec<i64> = Vec::new();
    let mut db_error: Option<String> = None;
    let cfg = &cfg;
    let (totals, write_error, sink) = std::thread::scope(|s| {
        let known = &cfg.known;
        let carried = &mut carried;
        let store = &mut store;
        let incr = &mut incr;
        let db_error = &mut db_error;
        let writer = s.spawn(move || {
            let _close = CloseOnDrop(&queued);
            let mut totals = Totals::new();
            let mut write_error: Option<io::Error> = None;
                        let mut last_commit = Instant::now();
            let bar = cfg.progress.then(|| {
                let b = indicatif::ProgressBar::new_spinner();
                b.set_style(
                    indicatif::ProgressStyle::with_template("{spinner} {elapsed_precise} {msg}")
                        .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
                );
                b.enable_steady_tick(Duration::from_millis(120));
                b
            });
            let mut last_bar = Instant::now();
            let mut out = |r: &FileReport, totals: &mut Totals, sink: &mut Box<dyn Sink + Send>| {
                totals.add(r);
                if write_error.is_none() {
                    if let Err(e) = sink.file(r) {
                        write_error = Some(e);
                        if stop_on_write_error {
                            stop.store(true, std::sync::atomic::Ordering::Relaxed);
                        }
                    }
                }
            };
                        loop {
                // Commit at least every 250 ms, also while a slow file keeps the workers busy:
                // what is done is on disk if the scan is killed.
                let mut rep = match rx.recv_timeout(Duration::from_millis(250)) {
                    Ok(r) => r,
                    Err(crossbeam_channel::RecvTimeoutError::Timeout) => {
                        if let Some(st) = store.as_mut() {
                            if let Err(e) = st.commit() {
                                db_error.get_or_insert(format!("{e:#}"));
                            }
                            last_commit = Instant::now();
                        }
                        continue;
                    }
                    Err(crossbeam_channel::RecvTimeoutError::Disconnected) => break,
                };
                // Counted out when taken: the writer holds at most this one batch more.
                queued.release(rep.queued_findings());
                if !rep.carried.is_empty() {
                    // Recorded by reference in one go at the end.
                    incr.carried_forward += rep.carried.len() as u64;
                    carried.extend_from_slice(&rep.carried);
                    continue;
                }
                if let Some(f) = &rep.file {
                    if f.top.as_deref().is_none_or(|t| t == f.path) {
                        if known.contains_key(&f.path) {
                            incr.rescanned += 1;
                        } else {
                            incr.new += 1;
                        }
                    }
                }
                                out(&rep, &mut totals, &mut sink);
                if let Some(b) = &bar {
                    if last_bar.elapsed() > Duration::from_millis(100) {
                        let secs = clock.elapsed().as_secs_f64().max(0.001);
                        b.set_message(format!(
                            "{} files ({:.0}/s), {} read ({:.1} MB/s), {} findings, {} with PHI, {} errors, {} carried forward",
                            totals.files,
                            totals.files as f64 / secs,
                            crate::inventory::human_bytes(totals.bytes_read),
                            totals.bytes_read as f64 / secs / 1e6,
                            totals.findings,
                            totals.with_phi,
                            totals.errors(),
                            incr.carried_forward
                        ));
                        last_bar = Instant::now();
                    }
                }
                if let (Some(st), Some(id)) = (store.as_mut(), scan_id) {
                    if let Err(e) = st.add(id, &rep) {
                        db_error.get_or_insert(format!("{e:#}"));
                    }
                                        if last_commit.elapsed() > Duration::from_millis(250) {
                        if let Err(e) = st.commit() {
                            db_error.get_or_insert(format!("{e:#}"));
                        }
                        last_commit = Instant::now();
                    }
                }
                spares.keep(&mut rep);
            }
                        if let Some(b) = bar {
                b.finish_and_clear();
            }
            (totals, write_error, sink)
        });
        if !cfg.targets.is_empty() {
            local::walk(&cfg.targets, &cfg.walk, &tx.stop, || {
                let mut worker = Worker::new(cfg);
                worker.spares = Some(tx.spares.clone());
                // Reports go to the writer in bursts, unchanged files as lists of ids: one
                // message per file would cost more than everything else an unchanged file
                // needs (issue 5), and wakes the writer for every file.
                // Shared by the visitor and the worker's before-read hook, on this thread only: the
                // lock is never contended.
                let batch = std::sync::Arc::new(std::sync::Mutex::new(CarryBatch::new(tx.clone())));
                let b = batch.clone();
                worker.before_read =
                    Some(Box::new(move |size| b.lock().unwrap().before_file(size)));
                move |item: Item<'_>| {
                    worker.process(item, &mut |rep| {
                        let mut batch = batch.lock().unwrap();
                        if rep.carried.is_empty() {
                            batch.report(rep);
                        } else {
                            batch.ids.extend_from_slice(&rep.carried);
                            if batch.ids.len() >= CarryBatch::SIZE {
                                batch.flush();
                            }
                        }
                    });
                }
            });
        }
        for (i, t) in cfg.ftp_targets.iter().enumerate() {
            if tx.stopped() {
                break;
            }
            audits.push(ftp::scan_target(cfg, t, i, &tx));
        }
        drop(tx);
        writer.join().expect("the writer thread does not panic")
    });
    phases.mark("walk, read, write");
    let mut sink = sink;
    let mut totals = totals;
    if let (Some(st), Some(id)) = (store.as_mut(), scan_id) {
        if !carried.is_empty() {
            // Two stages on two threads: the store resolves the carried rows into records,
            // this thread counts and writes them.
            let mut werr = None;
            let (btx, brx) = crossbeam_channel::bounded::<Vec<FileReport>>(16);
            let res = std::thread::scope(|s| {
                let reader = s.spawn(move || {
                    const N: usize = 256;
                    let mut batch = Vec::with_capacity(N);
                    let res = st.carry_forward(id, &carried, &mut |r| {
                        batch.push(r);
                        if batch.len() == N {
                            let _ = btx.send(std::mem::replace(&mut batch, Vec::with_capacity(N)));
                        }
                    });
                    let _ = btx.send(batch);
                    res
                });
                for batch in brx {
                    for r in &batch {
                        totals.add(r);
                        if werr.is_none() {
                            if let Err(e) = sink.file(r) {
                                werr = Some(e);
                            }
                        }
                    }
                }
                reader
                    .join()
                    .expect("the carry-forward reader does not panic")
            });
            if let Err(e) = res {
                db_error.get_or_insert(format!("{e:#}"));
            }
            if let Some(e) = werr {
                return Err(e).context("writing the inventory");
            }
        }
    }
    phases.mark("carry forward");
    incr.gone = known_count.saturating_sub(incr.rescanned + incr.carried_forward);

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
            .chain(cfg.ftp_targets.iter().map(|t| t.display()))
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
        distinct_by_kind: totals.distinct_by_kind(),
        bytes_read: totals.bytes_read,
        min_confidence: cfg.min_confidence,
        revealed: cfg.reveal,
        scanner_version: VERSION,
        ruleset_hash: cfg.rules.hash.clone(),
        exit_code,
        message,
        exposure: audits
            .iter()
            .enumerate()
            .filter_map(|(i, a)| {
                let (phi, ssn) = totals
                    .groups
                    .get(&i)
                    .map_or((0, 0), |(p, s)| (*p, s.len() as u64));
                ftp::exposure_line(a, phi, ssn)
            })
            .collect(),
        ftp: audits,
        insecure_tls: cfg.ftp.insecure_tls && cfg.ftp_targets.iter().any(|t| t.secure),
        scan_id,
        db: cfg.db.as_ref().map(|p| p.display().to_string()),
        incremental: scan_id.map(|_| incr.clone()),
    };
    if let (Some(st), Some(id)) = (store.as_mut(), scan_id) {
        if let Err(e) = st.finish_scan(id, &summary) {
            db_error.get_or_insert(format!("{e:#}"));
        }
    }
    if let Some(e) = db_error {
        return Err(anyhow::anyhow!(e)).context("writing the inventory database");
    }
    if let Some(e) = write_error {
        if e.kind() == io::ErrorKind::BrokenPipe && cfg.output.is_none() {
            return Err(anyhow::Error::new(crate::inventory::StdoutClosed));
        }
        let cut = if stop_on_write_error {
            format!(
                "writing the inventory (the scan stopped after {} file(s))",
                totals.files
            )
        } else {
            "writing the inventory (the scan went on, for the database)".to_string()
        };
        return Err(e).context(cut);
    }
    sink.summary(&summary, &totals).map_err(|e| {
        if e.kind() == io::ErrorKind::BrokenPipe && cfg.output.is_none() {
            anyhow::Error::new(crate::inventory::StdoutClosed)
        } else {
            anyhow::Error::new(e).context("writing the inventory")
        }
    })?;
    phases.mark("summary, finish");
    Ok(ScanOutcome { summary, exit_code })
}

/// Private temp dirs are `$TMPDIR/phiscan-<pid>-<random>`.
const TEMP_PREFIX: &str = "phiscan-";

/// A scan killed with SIGKILL (or a power loss) cannot remove its private temp dir, and
/// archive members waiting for the extractor there are raw patient data. Each scan removes
/// the dirs of earlier scans: ours (same owner, mode 0700, the name pattern), whose process
/// is gone, and untouched for `grace` (a scan in another pid namespace sharing this $TMPDIR
/// is still writing to its dir). Returns how many it removed.
pub fn remove_stale_temp_dirs(tmp: &Path, grace: Duration) -> usize {
    use std::os::unix::fs::MetadataExt;
    let Ok(entries) = fs::read_dir(tmp) else {
        return 0;
    };
    // SAFETY: getuid has no preconditions.
    let uid = unsafe { libc::getuid() };
    let mut removed = 0;
    for e in entries.flatten() {
        let name = e.file_name();
        let Some(rest) = name.to_str().and_then(|n| n.strip_prefix(TEMP_PREFIX)) else {
            continue;
        };
        let Some(pid) = rest
            .split_once('-')
            .and_then(|(p, _)| p.parse::<libc::pid_t>().ok())
            .filter(|&p| p > 0)
        else {
            continue;
        };
        let Ok(m) = fs::symlink_metadata(e.path()) else {
            continue;
        };
        if !m.is_dir() || m.uid() != uid || m.mode() & 0o777 != 0o700 {
            continue;
        }
        let idle = m
            .modified()
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|d| d >= grace);
        // SAFETY: signal 0 only checks whether the process exists.
        let gone = unsafe { libc::kill(pid, 0) } == -1
            && io::Error::last_os_error().raw_os_error() == Some(libc::ESRCH);
        if idle && gone && fs::remove_dir_all(e.path()).is_ok() {
            removed += 1;
        }
    }
    removed
}

/// Run the scan of one file, and turn a panic in it into that file's `error` record: a bug
/// costs one file, not the scan. The panic hook (see `quiet_panics`) has already written
/// where it happened, never its message (which could quote scanned text).
fn contain_panic<F: FnOnce(&mut FileRecord, &mut FileReport)>(
    file: &mut FileRecord,
    rep: &mut FileReport,
    f: F,
) {
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(file, rep)));
    if r.is_err() {
        file.status = Status::Error;
        let at = LAST_PANIC
            .with(|p| p.take())
            .unwrap_or_else(|| "unknown".into());
        file.reason = Some(format!(
            "internal error: phiscan panicked while scanning this file (at {at}); please report it"
        ));
    }
}

thread_local! {
    static LAST_PANIC: std::cell::Cell<Option<String>> = const { std::cell::Cell::new(None) };
}

/// Replace the default panic hook (which prints the panic's message: a failed slice or
/// parse can quote the text being scanned) with one that names only the source location.
pub fn quiet_panics() {
    std::panic::set_hook(Box::new(|info| {
        let at = info.location().map_or_else(
            || "unknown".to_string(),
            |l| format!("{}:{}", l.file(), l.line()),
        );
        eprintln!("phiscan: internal error (panic at {at}); its message is withheld because it may quote scanned data");
        LAST_PANIC.with(|p| p.set(Some(at)));
    }));
}

/// Debug builds only (the tests): `PHISCAN_TEST_PANIC=NAME` makes the scan of a file whose
/// path contains NAME panic with a message quoting the file's first line, as a failed slice
/// of scanned text would.
#[cfg(debug_assertions)]
fn inject_panic(path: &Path) {
    if let Some(name) = std::env::var_os("PHISCAN_TEST_PANIC") {
        if path.to_string_lossy().contains(&*name.to_string_lossy()) {
            let first = std::fs::read_to_string(path).unwrap_or_default();
            let line = first.lines().next().unwrap_or_default().to_string();
            panic!("injected panic quoting the file: {line}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A producer waits while the writer's queue holds its limit of findings, and goes on
    /// when the writer takes some or ends; a batch bigger than the limit still passes alone.
    #[test]
    fn findings_queued_for_the_writer_are_bounded() {
        use std::sync::atomic::{AtomicBool, Ordering};
        let q = std::sync::Arc::new(Queued::default());
        q.acquire(QUEUED_FINDINGS);
        let passed = std::sync::Arc::new(AtomicBool::new(false));
        let t = {
            let (q, passed) = (q.clone(), passed.clone());
            std::thread::spawn(move || {
                q.acquire(10);
                passed.store(true, Ordering::SeqCst);
            })
        };
        std::thread::sleep(Duration::from_millis(100));
        assert!(
            !passed.load(Ordering::SeqCst),
            "the queue is full: the producer waits"
        );
        q.release(100);
        t.join().unwrap();
        assert!(passed.load(Ordering::SeqCst));
        // An empty queue takes a batch of any size; a full one lets go when the writer ends.
        let q = std::sync::Arc::new(Queued::default());
        q.acquire(10 * QUEUED_FINDINGS);
        let t = {
            let q = q.clone();
            std::thread::spawn(move || q.acquire(1))
        };
        std::thread::sleep(Duration::from_millis(50));
        q.close();
        t.join().unwrap();
    }

    /// Reports wait in a worker's burst until it holds `REPORTS` of them, `FINDINGS`
    /// findings or is `AGE` old, a big file is next, or the worker is done; in order, none
    /// lost.
    #[test]
    fn reports_go_to_the_writer_in_bursts() {
        let (chan_tx, rx) = crossbeam_channel::unbounded::<FileReport>();
        let tx = ToWriter {
            tx: chan_tx,
            queued: std::sync::Arc::new(Queued::default()),
            spares: crate::inventory::Spares::new(),
            stop: Default::default(),
        };
        let numbered = |key: u64| FileReport {
            key,
            ..FileReport::empty()
        };
        let mut batch = CarryBatch::new(tx);
        // No burst gets old by accident while this test runs on a busy machine.
        batch.age = Duration::from_secs(3600);
        for k in 0..CarryBatch::REPORTS as u64 - 1 {
            batch.report(numbered(k));
        }
        assert_eq!(rx.len(), 0, "a burst waits until it is full");
        batch.report(numbered(99));
        let keys: Vec<u64> = rx.try_iter().map(|r| r.key).collect();
        let mut want: Vec<u64> = (0..CarryBatch::REPORTS as u64 - 1).collect();
        want.push(99);
        assert_eq!(keys, want, "all of it, in order");
        // Many findings go at once.
        let mut big = numbered(1);
        big.rendered_counts =
            vec![(crate::detect::Kind::Ssn, Confidence::High); CarryBatch::FINDINGS];
        batch.report(big);
        assert_eq!(rx.try_iter().count(), 1);
        // A small file leaves the burst waiting; a big one sends it first.
        batch.report(numbered(5));
        batch.before_file(CarryBatch::BIG - 1);
        assert_eq!(rx.len(), 0);
        batch.before_file(CarryBatch::BIG);
        assert_eq!(rx.try_iter().map(|r| r.key).collect::<Vec<_>>(), [5]);
        // An old burst goes with the next report.
        batch.age = Duration::from_millis(10);
        batch.report(numbered(2));
        std::thread::sleep(Duration::from_millis(30));
        assert_eq!(rx.len(), 0);
        batch.report(numbered(3));
        assert_eq!(rx.try_iter().map(|r| r.key).collect::<Vec<_>>(), [2, 3]);
        batch.age = Duration::from_secs(3600);
        // What is left goes when the worker is done.
        batch.report(numbered(4));
        batch.ids.push(7);
        drop(batch);
        let rest: Vec<FileReport> = rx.try_iter().collect();
        assert_eq!(rest.len(), 2);
        assert_eq!(rest[0].key, 4);
        assert_eq!(rest[1].carried, [7]);
    }

    #[test]
    fn cell_references_and_fingerprint_hex() {
        assert_eq!(cell_ref(0, 0), "A1");
        assert_eq!(cell_ref(25, 9), "Z10");
        assert_eq!(cell_ref(26, 1_048_575), "AA1048576");
        assert_eq!(cell_ref(16_383, 2), "XFD3");
        assert_eq!(cell_ref(u32::MAX, u32::MAX), "MWLQKWV4294967296");
        let fp: [u8; 32] = std::array::from_fn(|i| (i * 37) as u8);
        assert_eq!(hex_lower(&fp), hex::encode(fp));
        assert_eq!(hex_into(&fp, &mut [0; 64]), hex::encode(fp));
    }

    #[test]
    fn hex_is_the_hex_crate() {
        let b: Vec<u8> = (0..=255).collect();
        assert_eq!(hex_lower(&b), hex::encode(&b));
        // Every byte value in every place of the vectorized one.
        for first in (0..=255u8).step_by(32) {
            for shift in 0..32 {
                let fp: [u8; 32] = std::array::from_fn(|i| first.wrapping_add((i + shift) as u8));
                assert_eq!(hex_into(&fp, &mut [0; 64]), hex::encode(fp));
            }
        }
    }

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
                stat_files: true,
            },
            max_file_size: 1 << 30,
            min_confidence: Confidence::Medium,
            reveal: false,
            format: Format::Jsonl,
            output: None,
            key: FingerprintKey::load_or_create(Some(&dir.join("key"))).unwrap(),
            rules: RuleSet::load(&[] as &[&str]).unwrap(),
            extractor: None,
            limits: isolate::Limits::default(),
            archive: extract::archive::Limits::default(),
            ftp_targets: Vec::new(),
            progress: false,
            db: None,
            full: false,
            known: Default::default(),
            options: Default::default(),
            ftp: crate::source::ftp::FtpOptions {
                connections: 1,
                ca_file: None,
                insecure_tls: false,
                timeout: std::time::Duration::from_secs(5),
                retries: 1,
                memory_threshold: 1 << 20,
            },
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
        // With the walk's stat, and without (the reader stats what it opens).
        for meta in [Some(meta), None] {
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
    }

    /// Without the walk's stat (`stat_files` off: no incremental rescan), a file's record is
    /// the one it gets with it: size, times and inode from the descriptor, --max-file-size,
    /// and our own output file never read.
    #[test]
    fn records_are_the_same_without_the_walks_stat() {
        let dir = tempfile::tempdir().unwrap();
        let small = dir.path().join("small.txt");
        std::fs::write(&small, "SSN 234-56-7891\n").unwrap();
        let big = dir.path().join("big.txt");
        std::fs::write(&big, "SSN 234-56-7891\n".repeat(100)).unwrap();
        let own = dir.path().join("inventory.jsonl");
        std::fs::write(&own, "SSN 234-56-7891\n").unwrap();
        let m = std::fs::metadata(&own).unwrap();
        let mut cfg = config(dir.path());
        cfg.max_file_size = 1000;
        cfg.walk.never_read.push((m.dev(), m.ino()));
        for p in [&small, &big, &own] {
            // The sizes the worker announces before reading (the writer batching's hook).
            let announced = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
            let run = |meta: Option<Metadata>| {
                let mut got = Vec::new();
                let mut w = Worker::new(&cfg);
                let a = announced.clone();
                w.before_read = Some(Box::new(move |size| a.lock().unwrap().push(size)));
                w.process(Item::File { path: p, meta }, &mut |r| got.push(r));
                let f = got.pop().unwrap().file.unwrap();
                let findings: usize = got.iter().map(|r| r.queued_findings()).sum();
                (f, findings)
            };
            let (without, n) = run(None);
            // Announced once, with its size, when it is read; never when it is not.
            let read = p == &small;
            let want_sizes = if read {
                vec![without.size.unwrap()]
            } else {
                vec![]
            };
            assert_eq!(*announced.lock().unwrap(), want_sizes, "{p:?}");
            assert_eq!(without.size, Some(std::fs::metadata(p).unwrap().len()));
            assert!(without.modified.is_some() && without.inode.is_some());
            let want = match p.file_name().unwrap().to_str().unwrap() {
                "small.txt" => Status::Scanned,
                "big.txt" => Status::TooLarge,
                _ => Status::Skipped,
            };
            assert_eq!(without.status, want, "{p:?}");
            if p == &small {
                assert!(n > 0 || without.findings > 0, "{without:?}");
            } else {
                assert_eq!(without.bytes_read, 0, "{p:?}");
            }
            // The walk checks our own output file itself; given its stat, the reader does not.
            if p != &own {
                let (with, _) = run(Some(std::fs::metadata(p).unwrap()));
                assert_eq!(format!("{with:?}"), format!("{without:?}"), "{p:?}");
            }
        }
    }

    /// The head is the first 64 KiB of a file, or all of a shorter one, whatever size the
    /// caller thought the file had (a file can grow, and some mounts report sizes wrongly).
    #[test]
    fn head_is_the_start_of_the_file_whatever_its_size_said() {
        let dir = tempfile::tempdir().unwrap();
        let mut buf = vec![7u8; 10];
        for len in [0, 1, 5000, HEAD - 1, HEAD, HEAD + 1, 3 * HEAD] {
            let data: Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();
            let p = dir.path().join(format!("f{len}"));
            std::fs::write(&p, &data).unwrap();
            for size in [
                None,
                Some(0),
                Some(1),
                Some(len as u64),
                Some(len as u64 + 9),
                Some(u64::MAX),
            ] {
                let mut f = File::open(&p).unwrap();
                read_head(&mut f, &mut buf, size).unwrap();
                assert!(buf == data[..len.min(HEAD)], "len {len}, size {size:?}");
                // The file goes on being read where the head ended.
                let mut rest = Vec::new();
                f.read_to_end(&mut rest).unwrap();
                assert_eq!(buf.len() + rest.len(), len, "len {len}, size {size:?}");
            }
        }
    }

    /// Findings of a file with very many of them are sent in bounded batches, the file record
    /// last: as records for the store, as JSON Lines rendered on the worker without one.
    #[test]
    fn many_findings_are_batched() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("many.txt");
        let body: String = (0..10_000)
            .map(|i| format!("SSN 234-56-{:04}\n", 1000 + i % 8000))
            .collect();
        std::fs::write(&p, body).unwrap();
        let meta = std::fs::metadata(&p).unwrap();
        for db in [None, Some(dir.path().join("inventory.sqlite"))] {
            let cfg = ScanConfig {
                db: db.clone(),
                ..config(dir.path())
            };
            let mut got = Vec::new();
            Worker::new(&cfg).process(
                Item::File {
                    path: &p,
                    meta: Some(meta.clone()),
                },
                &mut |r| got.push(r),
            );
            assert!(got.len() >= 3);
            assert!(got.iter().all(|r| r.queued_findings() <= BATCH));
            assert!(got[..got.len() - 1].iter().all(|r| r.file.is_none()));
            let last = got.last().unwrap();
            assert_eq!(last.file.as_ref().unwrap().findings, 10_000);
            assert!(last.contains_phi);
            let n = |f: fn(&FileReport) -> usize| got.iter().map(f).sum::<usize>();
            assert_eq!(n(|r| r.queued_findings()), 10_000);
            assert_eq!(n(|r| r.fingerprints.len()), 10_000);
            if db.is_some() {
                assert_eq!(n(|r| r.findings.len()), 10_000);
                assert_eq!(n(|r| r.rendered.len()), 0);
            } else {
                assert_eq!(n(|r| r.findings.len()), 0);
                let lines = n(|r| r.rendered.iter().filter(|&&b| b == b'\n').count());
                assert_eq!(lines, 10_000);
                let first = got[0].rendered.split(|&b| b == b'\n').next().unwrap();
                let v: serde_json::Value = serde_json::from_slice(first).unwrap();
                assert_eq!(v["type"], "finding");
                assert_eq!(v["masked"], "***-**-1000");
            }
        }
    }
}
