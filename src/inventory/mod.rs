//! The inventory: records (finding, file, summary), the single writer that turns them into
//! JSON Lines or a readable terminal summary, masking and keyed fingerprints.
//!
//! The writer runs on one thread fed by a bounded channel (engine/): every output format is a
//! sink that sees each file's findings followed by its file record, then the summary.

pub mod html;
pub mod key;
pub mod mask;
pub mod paths;
pub mod query;
pub mod report;
pub mod store;

use crate::detect::{Confidence, Kind};
use serde::Serialize;
use std::collections::{BTreeMap, HashSet};
use std::io::{self, Write};

/// A file's end state (INVENTORY.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Scanned,
    NoText,
    Encrypted,
    TooLarge,
    Unsupported,
    Error,
    Skipped,
}

impl Status {
    pub const ALL: [Status; 7] = [
        Status::Scanned,
        Status::NoText,
        Status::Encrypted,
        Status::TooLarge,
        Status::Unsupported,
        Status::Error,
        Status::Skipped,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Scanned => "scanned",
            Status::NoText => "no_text",
            Status::Encrypted => "encrypted",
            Status::TooLarge => "too_large",
            Status::Unsupported => "unsupported",
            Status::Error => "error",
            Status::Skipped => "skipped",
        }
    }
}

/// Where in a file a finding is. Only the fields that apply are written.
#[derive(Debug, Clone, Default, Serialize, serde::Deserialize)]
pub struct Location {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub byte: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub page: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sheet: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cell: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub record: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct FindingRecord {
    #[serde(rename = "type")]
    pub ty: &'static str,
    pub path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path_bytes: Option<String>,
    pub kind: Kind,
    pub rule: String,
    pub confidence: Confidence,
    pub masked: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    pub fingerprint: String,
    pub location: Location,
}

#[derive(Debug, Clone, Serialize)]
pub struct FileRecord {
    #[serde(rename = "type")]
    pub ty: &'static str,
    pub path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path_bytes: Option<String>,
    pub status: Status,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub modified: Option<String>,
    pub findings: u64,
    pub kinds: BTreeMap<Kind, u64>,
    /// How the content was read: "text", "csv", "hl7", "x12", "fhir-json", "pdf" ...
    #[serde(skip_serializing_if = "Option::is_none")]
    pub format: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encoding: Option<&'static str>,
    /// Content bytes read from the source for this file.
    pub bytes_read: u64,
    /// The top-level file this record belongs to (itself for a file; the archive or message
    /// for members): the unit of incremental rescans. Not in the JSONL.
    #[serde(skip)]
    pub top: Option<String>,
    /// Modification time in nanoseconds and inode, for change detection. Not in the JSONL.
    #[serde(skip)]
    pub mtime_ns: Option<i64>,
    #[serde(skip)]
    pub inode: Option<u64>,
}

impl FileRecord {
    pub fn new(path: paths::DisplayPath, status: Status) -> FileRecord {
        FileRecord {
            ty: "file",
            path: path.text,
            path_bytes: path.bytes_hex,
            status,
            reason: None,
            size: None,
            modified: None,
            findings: 0,
            kinds: BTreeMap::new(),
            format: None,
            encoding: None,
            bytes_read: 0,
            top: None,
            mtime_ns: None,
            inode: None,
        }
    }

    pub fn with_reason(mut self, r: impl Into<String>) -> FileRecord {
        self.reason = Some(r.into());
        self
    }
}

/// Results sent from a worker to the writer: a batch of a file's findings, and with the last
/// batch the file record. A file with many findings is sent in several batches so that memory
/// stays bounded; its file record always comes after all of its findings.
#[derive(Debug)]
pub struct FileReport {
    /// Present on the last report of a file.
    pub file: Option<FileRecord>,
    pub findings: Vec<FindingRecord>,
    /// Raw fingerprint bytes of each finding, for distinct counts.
    pub fingerprints: Vec<(Kind, [u8; 32])>,
    /// With the file record: whether the file had a medium/high finding of a core kind.
    pub contains_phi: bool,
    /// Which FTP target the file came from (for the per-server exposure line).
    pub group: Option<usize>,
    /// Identifies the file across its batches (findings batches come before the record).
    pub key: u64,
    /// Findings already rendered as the JSON Lines that [`JsonlSink`] would write for them
    /// (written before `findings`), and the kind and confidence of each for the totals (their
    /// fingerprints are in `fingerprints`): findings carried forward from the store, and, when
    /// no store or other sink needs records, every finding (rendered on the worker thread;
    /// with the terminal summary, only counted).
    pub rendered: Vec<u8>,
    pub rendered_counts: Vec<(Kind, Confidence)>,
    /// Files unchanged since a previous scan: the ids of their top-level rows in the store.
    /// The scan shares those rows (with their members and findings) by reference; nothing is
    /// read. A walker thread sends them to the writer in batches.
    pub carried: Vec<i64>,
}

static NEXT_KEY: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

/// A fresh key for a file's reports.
pub fn next_key() -> u64 {
    NEXT_KEY.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

impl FileReport {
    /// The findings this report carries, as records or rendered.
    pub fn queued_findings(&self) -> usize {
        self.findings.len() + self.rendered_counts.len()
    }

    pub fn done(file: FileRecord) -> FileReport {
        FileReport {
            file: Some(file),
            ..FileReport::empty()
        }
    }

    pub fn empty() -> FileReport {
        FileReport {
            file: None,
            findings: Vec::new(),
            fingerprints: Vec::new(),
            contains_phi: false,
            group: None,
            key: next_key(),
            rendered: Vec::new(),
            rendered_counts: Vec::new(),
            carried: Vec::new(),
        }
    }
}

/// Emptied finding buffers, handed back by the writer thread to the workers. A file's
/// findings fill hundreds of KB of rendered JSON and fingerprints; with fresh buffers for
/// every file, more memory was live at once and each new page was faulted in and zeroed by
/// the kernel (on 200 MB of office text: ~18k page faults and 62 MB peak RSS; ~11k and 48 MB
/// with spares).
#[derive(Clone)]
pub struct Spares {
    tx: crossbeam_channel::Sender<Spare>,
    rx: crossbeam_channel::Receiver<Spare>,
}

struct Spare {
    rendered: Vec<u8>,
    rendered_counts: Vec<(Kind, Confidence)>,
    fingerprints: Vec<(Kind, [u8; 32])>,
}

impl Spares {
    /// Buffers kept at most: enough for the reports in flight between workers and writer.
    const KEEP: usize = 8;
    /// A buffer that grew bigger than this is freed, not kept (a batch of 4,096 findings
    /// renders to ~1.2 MB, in a buffer of 2 MiB; long paths make it bigger). The spares
    /// hold at most KEEP of these: 32 MiB.
    const MAX_RENDERED: usize = 4 << 20;

    pub fn new() -> Spares {
        let (tx, rx) = crossbeam_channel::bounded(Self::KEEP);
        Spares { tx, rx }
    }

    /// Keep a handled report's buffers for reuse, emptied (or free them, if enough are kept).
    pub fn keep(&self, r: &mut FileReport) {
        if r.rendered.capacity() == 0 && r.fingerprints.capacity() == 0 {
            return;
        }
        if r.rendered.capacity() > Self::MAX_RENDERED {
            r.rendered = Vec::new();
        }
        let mut spare = Spare {
            rendered: std::mem::take(&mut r.rendered),
            rendered_counts: std::mem::take(&mut r.rendered_counts),
            fingerprints: std::mem::take(&mut r.fingerprints),
        };
        spare.rendered.clear();
        spare.rendered_counts.clear();
        spare.fingerprints.clear();
        let _ = self.tx.try_send(spare);
    }

    /// Give a report that holds no findings yet kept buffers, if there are any.
    pub fn fill(&self, r: &mut FileReport) {
        if r.rendered.capacity() != 0 || r.fingerprints.capacity() != 0 || r.queued_findings() != 0
        {
            return;
        }
        if let Ok(s) = self.rx.try_recv() {
            r.rendered = s.rendered;
            r.rendered_counts = s.rendered_counts;
            r.fingerprints = s.fingerprints;
        }
    }
}

impl Default for Spares {
    fn default() -> Self {
        Self::new()
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    #[serde(rename = "type")]
    pub ty: &'static str,
    pub targets: Vec<String>,
    pub started: String,
    pub finished: String,
    pub duration_ms: u64,
    pub files: u64,
    pub files_by_status: BTreeMap<Status, u64>,
    pub files_with_phi: u64,
    pub findings: u64,
    pub findings_by_kind: BTreeMap<Kind, u64>,
    pub findings_by_confidence: BTreeMap<Confidence, u64>,
    pub distinct_by_kind: BTreeMap<Kind, u64>,
    pub bytes_read: u64,
    pub min_confidence: Confidence,
    pub revealed: bool,
    pub scanner_version: &'static str,
    pub ruleset_hash: String,
    pub exit_code: i32,
    /// Human sentence for schedulers' logs: why the exit code is what it is.
    pub message: String,
    /// FTP exposure audits of the FTP targets (non-intrusive checks).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ftp: Vec<crate::source::ftp::Audit>,
    /// "anonymous FTP exposes N files containing PHI (M distinct SSNs)", per anonymous server.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub exposure: Vec<String>,
    /// FTPS certificates were not verified (--insecure-tls).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub insecure_tls: bool,
    /// This scan's id in the inventory store, and the store.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scan_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub db: Option<String>,
    /// Top-level files read again, carried forward unchanged, new, and gone since the
    /// previous scan of the same targets.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub incremental: Option<Incremental>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Incremental {
    pub rescanned: u64,
    pub carried_forward: u64,
    pub new: u64,
    pub gone: u64,
}

/// The output formats of `phiscan scan`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Jsonl,
    Human,
}

/// Accumulates the summary while records stream through.
pub struct Totals {
    pub files: u64,
    pub by_status: BTreeMap<Status, u64>,
    pub with_phi: u64,
    pub findings: u64,
    pub by_kind: BTreeMap<Kind, u64>,
    pub by_conf: BTreeMap<Confidence, u64>,
    /// Distinct fingerprints per kind (by `Kind as usize`), by their first 8 bytes (a quarter
    /// of the memory; a collision among 2^64 is not a concern for counting people).
    distinct: [FpSet; Kind::ALL.len()],
    pub bytes_read: u64,
    /// Per FTP target: files with PHI and distinct SSN fingerprints.
    pub groups: BTreeMap<usize, (u64, FpSet)>,
}

/// A set of fingerprint prefixes. They are HMAC output (uniform, and nobody without the key
/// can choose them), so they are their own hash: no SipHash per finding.
pub type FpSet = HashSet<u64, std::hash::BuildHasherDefault<FpHasher>>;

/// The identity hash for `FpSet`.
#[derive(Default)]
pub struct FpHasher(u64);

impl std::hash::Hasher for FpHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        // Not used by u64 keys; kept correct for any other key anyway.
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }
    fn write_u64(&mut self, v: u64) {
        self.0 = v;
    }
}

impl Totals {
    pub fn new() -> Totals {
        Totals {
            files: 0,
            by_status: BTreeMap::new(),
            with_phi: 0,
            findings: 0,
            by_kind: BTreeMap::new(),
            by_conf: BTreeMap::new(),
            distinct: Default::default(),
            bytes_read: 0,
            groups: BTreeMap::new(),
        }
    }

    pub fn add(&mut self, r: &FileReport) {
        // Counted in arrays, then added to the maps once per report (thousands of findings
        // per report in a patient list: one map lookup each was measurable).
        let mut kinds = [0u64; Kind::ALL.len()];
        let mut confs = [0u64; Confidence::ALL.len()];
        let counts = r.findings.iter().map(|f| (f.kind, f.confidence));
        for (kind, confidence) in counts.chain(r.rendered_counts.iter().copied()) {
            kinds[kind as usize] += 1;
            confs[confidence as usize] += 1;
        }
        for (k, &n) in Kind::ALL.iter().zip(&kinds).filter(|(_, &n)| n > 0) {
            self.findings += n;
            *self.by_kind.entry(*k).or_default() += n;
        }
        for (c, &n) in Confidence::ALL.iter().zip(&confs).filter(|(_, &n)| n > 0) {
            *self.by_conf.entry(*c).or_default() += n;
        }
        for (k, fp) in &r.fingerprints {
            self.distinct[*k as usize].insert(short_fp(fp));
        }
        if let Some(g) = r.group {
            let e = self.groups.entry(g).or_default();
            for (k, fp) in &r.fingerprints {
                if *k == Kind::Ssn {
                    e.1.insert(short_fp(fp));
                }
            }
            if r.file.is_some() && r.contains_phi {
                e.0 += 1;
            }
        }
        if let Some(file) = &r.file {
            self.files += 1;
            *self.by_status.entry(file.status).or_default() += 1;
            self.bytes_read += file.bytes_read;
            self.with_phi += u64::from(r.contains_phi);
        }
    }

    /// Distinct fingerprints of each kind found (kinds with none left out).
    pub fn distinct_by_kind(&self) -> BTreeMap<Kind, u64> {
        Kind::ALL
            .iter()
            .zip(&self.distinct)
            .filter(|(_, set)| !set.is_empty())
            .map(|(k, set)| (*k, set.len() as u64))
            .collect()
    }

    /// Distinct fingerprints of kind `k`.
    pub fn distinct_of(&self, k: Kind) -> usize {
        self.distinct[k as usize].len()
    }

    pub fn errors(&self) -> u64 {
        self.by_status.get(&Status::Error).copied().unwrap_or(0)
    }
}

impl Default for Totals {
    fn default() -> Self {
        Self::new()
    }
}

/// A sink for the inventory: one per output format.
pub trait Sink {
    fn file(&mut self, r: &FileReport) -> io::Result<()>;
    fn summary(&mut self, s: &Summary, t: &Totals) -> io::Result<()>;
}

pub struct JsonlSink<W: Write> {
    pub out: W,
}

impl<W: Write> Sink for JsonlSink<W> {
    fn file(&mut self, r: &FileReport) -> io::Result<()> {
        self.out.write_all(&r.rendered)?;
        let mut buf = Vec::with_capacity(256);
        for f in &r.findings {
            buf.clear();
            write_finding_json(&mut buf, f);
            buf.push(b'\n');
            self.out.write_all(&buf)?;
        }
        if let Some(file) = &r.file {
            serde_json::to_writer(&mut self.out, file)?;
            self.out.write_all(b"\n")?;
        }
        Ok(())
    }

    fn summary(&mut self, s: &Summary, _: &Totals) -> io::Result<()> {
        serde_json::to_writer(&mut self.out, s)?;
        self.out.write_all(b"\n")?;
        self.out.flush()
    }
}

/// A finding record as one JSON object: the same bytes as `serde_json::to_writer` (field
/// order, escapes, optional fields left out), without its per-field machinery. Findings are
/// most of the output: a patient-list export has one per cell.
pub fn write_finding_json(out: &mut Vec<u8>, f: &FindingRecord) {
    write_finding(out, &f.as_json());
}

impl FindingRecord {
    /// Its fields, borrowed, as [`write_finding`] takes them.
    pub fn as_json(&self) -> FindingJson<'_> {
        FindingJson {
            path: &self.path,
            path_bytes: self.path_bytes.as_deref(),
            kind: self.kind,
            rule: &self.rule,
            confidence: self.confidence,
            masked: &self.masked,
            value: self.value.as_deref(),
            fingerprint: &self.fingerprint,
            location: &self.location,
        }
    }
}

/// The fields of a finding record, borrowed: what [`write_finding`] writes. Workers render
/// findings straight from the detector's output with it when no sink needs the records.
pub struct FindingJson<'a> {
    pub path: &'a str,
    pub path_bytes: Option<&'a str>,
    pub kind: Kind,
    pub rule: &'a str,
    pub confidence: Confidence,
    pub masked: &'a str,
    pub value: Option<&'a str>,
    /// Lowercase hex.
    pub fingerprint: &'a str,
    pub location: &'a Location,
}

/// One finding as the JSON object [`FindingRecord`] serializes to (no newline).
pub fn write_finding(out: &mut Vec<u8>, f: &FindingJson<'_>) {
    write_path_part(out, f.path, f.path_bytes);
    write_rule_part(out, f.kind, f.rule);
    write_rest(out, f);
}

/// The start of a finding object, through its path: `{"type":"finding","path":...` (and
/// `path_bytes`).
fn write_path_part(out: &mut Vec<u8>, path: &str, path_bytes: Option<&str>) {
    out.extend_from_slice(b"{\"type\":\"finding\",\"path\":");
    json_str(out, path);
    if let Some(b) = path_bytes {
        out.extend_from_slice(b",\"path_bytes\":");
        json_str(out, b);
    }
}

/// The kind and rule of a finding, through the opening quote of its confidence.
fn write_rule_part(out: &mut Vec<u8>, kind: Kind, rule: &str) {
    out.extend_from_slice(b",\"kind\":\"");
    out.extend_from_slice(kind.as_str().as_bytes());
    out.extend_from_slice(b"\",\"rule\":");
    json_str(out, rule);
    out.extend_from_slice(b",\"confidence\":\"");
}

/// Parts of finding objects that stay the same from finding to finding, rendered once: the
/// path part of the current file, and each rule's kind and rule part. A patient list has a
/// finding in every row, and escaping the path and the rule id each time was a third of the
/// rendering.
#[derive(Debug, Default)]
pub struct FindingParts {
    path: String,
    path_bytes: Option<String>,
    path_part: Vec<u8>,
    /// Per rule index: its part, once rendered.
    rules: Vec<Option<Box<[u8]>>>,
    /// The masked value of the finding being written (one buffer for all of them).
    pub masked: String,
}

impl FindingParts {
    pub fn new() -> FindingParts {
        FindingParts::default()
    }

    /// `f` as [`write_finding`] writes it. `rule` is the index of `f.rule` in the rule set:
    /// one index, one id, for the life of these parts.
    pub fn write(&mut self, out: &mut Vec<u8>, rule: usize, f: &FindingJson<'_>) {
        if self.path_part.is_empty()
            || self.path != f.path
            || self.path_bytes.as_deref() != f.path_bytes
        {
            self.path.clear();
            self.path.push_str(f.path);
            self.path_bytes = f.path_bytes.map(str::to_string);
            self.path_part.clear();
            write_path_part(&mut self.path_part, f.path, f.path_bytes);
        }
        out.extend_from_slice(&self.path_part);
        if self.rules.len() <= rule {
            self.rules.resize(rule + 1, None);
        }
        let part = self.rules[rule].get_or_insert_with(|| {
            let mut b = Vec::new();
            write_rule_part(&mut b, f.kind, f.rule);
            b.into_boxed_slice()
        });
        debug_assert!({
            let mut b = Vec::new();
            write_rule_part(&mut b, f.kind, f.rule);
            b[..] == part[..]
        });
        out.extend_from_slice(part);
        write_rest(out, f);
    }
}

/// The rest of a finding object, from its confidence on.
fn write_rest(out: &mut Vec<u8>, f: &FindingJson<'_>) {
    out.extend_from_slice(f.confidence.as_str().as_bytes());
    out.extend_from_slice(b"\",\"masked\":");
    json_str(out, f.masked);
    if let Some(v) = f.value {
        out.extend_from_slice(b",\"value\":");
        json_str(out, v);
    }
    out.extend_from_slice(b",\"fingerprint\":");
    // Lowercase hex (made by the engine): nothing to escape.
    debug_assert!(f.fingerprint.bytes().all(|c| c.is_ascii_hexdigit()));
    out.push(b'"');
    out.extend_from_slice(f.fingerprint.as_bytes());
    out.push(b'"');
    out.extend_from_slice(b",\"location\":{");
    let l = f.location;
    let mut first = true;
    let mut key = |out: &mut Vec<u8>, k: &str| {
        if !first {
            out.push(b',');
        }
        first = false;
        out.push(b'"');
        out.extend_from_slice(k.as_bytes());
        out.extend_from_slice(b"\":");
    };
    for (k, v) in [("line", l.line), ("column", l.column), ("byte", l.byte)] {
        if let Some(v) = v {
            key(out, k);
            json_u64(out, v);
        }
    }
    if let Some(p) = l.page {
        key(out, "page");
        json_u64(out, u64::from(p));
    }
    for (k, v) in [
        ("sheet", &l.sheet),
        ("cell", &l.cell),
        ("record", &l.record),
    ] {
        if let Some(v) = v {
            key(out, k);
            json_str(out, v);
        }
    }
    out.extend_from_slice(b"}}");
}

fn json_u64(out: &mut Vec<u8>, mut v: u64) {
    // Two digits per division (three numbers per finding; byte offsets have 6-10 digits),
    // written in place from the last digit back: no copy of a variable length (a memmove
    // call per number).
    const PAIRS: &[u8; 200] = b"0001020304050607080910111213141516171819\
        2021222324252627282930313233343536373839\
        4041424344454647484950515253545556575859\
        6061626364656667686970717273747576777879\
        8081828384858687888990919293949596979899";
    let n = v.checked_ilog10().map_or(1, |d| d as usize + 1);
    out.reserve(n);
    let digits = &mut out.spare_capacity_mut()[..n];
    let mut i = n;
    while v >= 100 {
        let p = (v % 100) as usize * 2;
        v /= 100;
        i -= 2;
        digits[i].write(PAIRS[p]);
        digits[i + 1].write(PAIRS[p + 1]);
    }
    if v >= 10 {
        let p = v as usize * 2;
        digits[0].write(PAIRS[p]);
        digits[1].write(PAIRS[p + 1]);
    } else {
        digits[0].write(b'0' + v as u8);
    }
    let len = out.len();
    // SAFETY: the n bytes after the length were reserved and are all written above: the
    // loop writes positions n-2k..n from the end, and what is left (one or two digits)
    // fills positions 0..i, where i is then 1 or 2.
    unsafe { out.set_len(len + n) };
}

/// A JSON string as serde_json writes it: `"` and `\` escaped, control characters as `\n`,
/// `\t` ... or `\u00XX`, everything else (UTF-8 included) as it is.
fn json_str(out: &mut Vec<u8>, s: &str) {
    let b = s.as_bytes();
    if plain_json(b) {
        out.push(b'"');
        out.extend_from_slice(b);
        out.push(b'"');
    } else {
        // Rare (paths with quotes or control characters): serde_json's own escaping.
        let _ = serde_json::to_writer(&mut *out, s);
    }
}

/// Whether `b` goes into a JSON string as it is: no control byte, `"` or `\`. Eight bytes at
/// a time: a byte is below 0x20, or equal to `"` or `\`, exactly when the classic zero-byte
/// tests on the word find one (they can flag a byte wrongly only above a byte that really is
/// one, so "any" is exact).
fn plain_json(b: &[u8]) -> bool {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    let bad = |x: u64| {
        let ctl = x.wrapping_sub(LO * 0x20) & !x;
        let q = x ^ (LO * u64::from(b'"'));
        let bs = x ^ (LO * u64::from(b'\\'));
        (ctl | (q.wrapping_sub(LO) & !q) | (bs.wrapping_sub(LO) & !bs)) & HI != 0
    };
    let mut words = b.chunks_exact(8);
    for w in &mut words {
        if bad(u64::from_le_bytes(w.try_into().expect("8 bytes"))) {
            return false;
        }
    }
    words
        .remainder()
        .iter()
        .all(|&c| c >= 0x20 && c != b'"' && c != b'\\')
}

/// The readable terminal summary: files with findings or problems as they finish, then totals.
pub struct HumanSink<W: Write> {
    pub out: W,
}

/// Control characters in names (newlines, escapes) are shown escaped on a terminal.
pub fn printable(s: &str) -> String {
    s.chars()
        .flat_map(|c| {
            if c.is_control() {
                c.escape_default().collect::<Vec<_>>()
            } else {
                vec![c]
            }
        })
        .collect()
}

impl<W: Write> Sink for HumanSink<W> {
    fn file(&mut self, r: &FileReport) -> io::Result<()> {
        let Some(f) = &r.file else { return Ok(()) };
        if f.findings > 0 {
            let kinds: Vec<String> = f
                .kinds
                .iter()
                .map(|(k, n)| format!("{} {n}", k.as_str()))
                .collect();
            writeln!(self.out, "{}\n    {}", printable(&f.path), kinds.join(", "))?;
        }
        if !matches!(f.status, Status::Scanned | Status::Skipped) {
            writeln!(
                self.out,
                "{}\n    {}: {}",
                printable(&f.path),
                f.status.as_str(),
                printable(f.reason.as_deref().unwrap_or(""))
            )?;
        }
        Ok(())
    }

    fn summary(&mut self, s: &Summary, t: &Totals) -> io::Result<()> {
        let o = &mut self.out;
        writeln!(o)?;
        writeln!(
            o,
            "Scanned {} in {:.1} s: {} files, {} read",
            s.targets.join(", "),
            s.duration_ms as f64 / 1000.0,
            s.files,
            human_bytes(s.bytes_read)
        )?;
        let st: Vec<String> = s
            .files_by_status
            .iter()
            .map(|(k, n)| format!("{} {n}", k.as_str()))
            .collect();
        writeln!(o, "  files by status: {}", st.join(", "))?;
        writeln!(o, "  files containing PHI: {}", s.files_with_phi)?;
        writeln!(
            o,
            "  findings: {} at {} confidence or higher",
            s.findings,
            s.min_confidence.as_str()
        )?;
        for (k, n) in &s.findings_by_kind {
            let d = t.distinct_of(*k);
            writeln!(o, "    {:<13} {:>8}  ({} distinct)", k.as_str(), n, d)?;
        }
        for line in &s.exposure {
            writeln!(o, "  {line}")?;
        }
        for a in &s.ftp {
            writeln!(
                o,
                "  FTP {}: anonymous login {}, anonymous write {}, AUTH TLS {}, plaintext login {}",
                a.target,
                yes_no(Some(a.anonymous_login)),
                yes_no(a.anonymous_write),
                if a.auth_tls_offered {
                    "offered"
                } else {
                    "NOT offered"
                },
                if a.plaintext_login_accepted {
                    "ACCEPTED"
                } else {
                    "refused"
                }
            )?;
        }
        if s.insecure_tls {
            writeln!(
                o,
                "  WARNING: --insecure-tls: FTPS server certificates were NOT verified"
            )?;
        }
        writeln!(o, "  {}", s.message)?;
        o.flush()
    }
}

fn short_fp(fp: &[u8; 32]) -> u64 {
    u64::from_le_bytes(fp[..8].try_into().expect("8 bytes"))
}

pub fn yes_no(v: Option<bool>) -> &'static str {
    match v {
        Some(true) => "YES",
        Some(false) => "no",
        None => "not tested",
    }
}

pub fn human_bytes(n: u64) -> String {
    const U: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = n as f64;
    let mut i = 0;
    while v >= 1024.0 && i < U.len() - 1 {
        v /= 1024.0;
        i += 1;
    }
    if i == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", U[i])
    }
}

/// Standard output was closed by its reader (`phiscan diff | head`): the command stops
/// writing and ends quietly, with 0 (`main`) as `patterns list` always did, or with 2 for a
/// scan, which stopped before the end.
#[derive(Debug)]
pub struct StdoutClosed;

impl std::fmt::Display for StdoutClosed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("standard output was closed")
    }
}

impl std::error::Error for StdoutClosed {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_u64_writes_decimal() {
        let mut x = 0x9E37_79B9_7F4A_7C15u64;
        let mut cases = vec![0, 1, 9, 10, 11, 99, 100, 101, 999, 1000, 65_535, u64::MAX];
        for _ in 0..2000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            cases.push(x >> (x % 64));
        }
        for v in cases {
            let mut out = b"x".to_vec();
            json_u64(&mut out, v);
            assert_eq!(out, format!("x{v}").into_bytes());
        }
    }

    #[test]
    fn spare_buffers_come_back_empty_and_only_to_empty_reports() {
        let spares = Spares::new();
        let mut sent = FileReport::empty();
        sent.rendered.extend_from_slice(&[b'x'; 100_000]);
        sent.rendered_counts.push((Kind::Ssn, Confidence::High));
        sent.fingerprints.push((Kind::Ssn, [7; 32]));
        let cap = sent.rendered.capacity();
        spares.keep(&mut sent);
        assert_eq!(
            sent.queued_findings(),
            0,
            "the handled report gives its buffers up"
        );

        // A report with findings of its own keeps them: nothing is swapped in.
        let mut busy = FileReport::empty();
        busy.rendered_counts.push((Kind::Mrn, Confidence::Medium));
        spares.fill(&mut busy);
        assert_eq!(busy.rendered.capacity(), 0);
        assert_eq!(busy.rendered_counts, vec![(Kind::Mrn, Confidence::Medium)]);

        let mut next = FileReport::empty();
        spares.fill(&mut next);
        assert_eq!(next.rendered.capacity(), cap, "the same buffer, reused");
        assert!(next.rendered.is_empty() && next.rendered_counts.is_empty());
        assert!(next.fingerprints.is_empty() && next.fingerprints.capacity() > 0);

        // None left: a report starts with fresh (empty) buffers.
        let mut last = FileReport::empty();
        spares.fill(&mut last);
        assert_eq!(last.rendered.capacity(), 0);

        // At most KEEP are kept; an oversized buffer is freed, not kept.
        for _ in 0..Spares::KEEP + 10 {
            let mut r = FileReport::empty();
            r.rendered.reserve(16);
            spares.keep(&mut r);
        }
        assert_eq!(spares.rx.len(), Spares::KEEP);
        let mut big = FileReport::empty();
        big.rendered.reserve(Spares::MAX_RENDERED + 1);
        big.fingerprints.reserve(1);
        let empty = Spares::new();
        empty.keep(&mut big);
        let mut got = FileReport::empty();
        empty.fill(&mut got);
        assert_eq!(got.rendered.capacity(), 0);
        assert!(got.fingerprints.capacity() > 0);
    }

    #[test]
    fn finding_json_is_serde_json() {
        let base = FindingRecord {
            ty: "finding",
            path: "/share/a b/ü.txt".into(),
            path_bytes: None,
            kind: Kind::Ssn,
            rule: "us.ssn.formatted".into(),
            confidence: Confidence::High,
            masked: "***-**-6789".into(),
            value: None,
            fingerprint: "ab".repeat(32),
            location: Location {
                line: Some(3),
                column: Some(0),
                byte: Some(u64::MAX),
                ..Location::default()
            },
        };
        let mut odd = base.clone();
        odd.path = "q\"uo\\te\n\t\r\u{1}\u{7f}\u{8}\u{c}/x.zip!/m".into();
        odd.path_bytes = Some("ff00".into());
        odd.value = Some("123456789".into());
        odd.kind = Kind::InsuranceId;
        odd.confidence = Confidence::Low;
        odd.location = Location {
            page: Some(7),
            sheet: Some("Sheet \"1\"".into()),
            cell: Some("B2".into()),
            record: Some("PID-3".into()),
            ..Location::default()
        };
        let mut empty = base.clone();
        empty.location = Location::default();
        // The same path text with other raw bytes (an escaped name and a real "\xff").
        let mut same_text = odd.clone();
        same_text.path_bytes = Some("ee00".into());
        let mut other_rule = base.clone();
        other_rule.rule = "us.ssn.bare".into();
        let all = [base, odd, same_text, empty, other_rule];
        // Through parts kept from finding to finding, in an order that changes path and rule
        // back and forth: the same bytes as serde_json.
        let mut parts = FindingParts::new();
        // A rule index stands for one rule, which has one kind.
        let mut rules: Vec<(Kind, &str)> = Vec::new();
        for f in &all {
            if !rules.contains(&(f.kind, &f.rule)) {
                rules.push((f.kind, &f.rule));
            }
        }
        let rule_index = |f: &FindingRecord| {
            rules
                .iter()
                .position(|&r| r == (f.kind, &f.rule[..]))
                .unwrap()
        };
        for f in all.iter().chain(all.iter().rev()).chain(&all) {
            let want = serde_json::to_string(f).unwrap();
            let mut mine = Vec::new();
            write_finding_json(&mut mine, f);
            assert_eq!(String::from_utf8(mine).unwrap(), want);
            let mut mine = Vec::new();
            parts.write(&mut mine, rule_index(f), &f.as_json());
            assert_eq!(String::from_utf8(mine).unwrap(), want, "through parts");
        }
    }

    #[test]
    fn plain_json_is_the_byte_test() {
        let naive = |b: &[u8]| b.iter().all(|&c| c >= 0x20 && c != b'"' && c != b'\\');
        let mut x: u64 = 0x2545_F491_4F6C_DD1D;
        let interesting = [
            0u8, 0x1F, 0x20, b'"', b'\\', b'!', b'#', b'[', b']', 0x7F, 0x80, 0xFF,
        ];
        for round in 0..20_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let len = (x % 40) as usize;
            // Printable ASCII, or (every other round) any byte from the space up: UTF-8 paths
            // are full of bytes above 0x7F, which must not be mistaken for control bytes.
            let top = if round % 2 == 0 { 0x5E } else { 0xE0 };
            let low = if round % 2 == 0 { 0x21 } else { 0x20 };
            let mut b: Vec<u8> = (0..len)
                .map(|i| (x.rotate_left(i as u32 * 7) % top) as u8 + low)
                .collect();
            if len > 0 && round % 3 != 0 {
                let at = (x >> 20) as usize % len;
                b[at] = interesting[(x >> 40) as usize % interesting.len()];
            }
            assert_eq!(plain_json(&b), naive(&b), "{b:?}");
        }
    }
}
