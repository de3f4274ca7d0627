//! The embedded inventory store: every scan, file and finding in one SQLite file (WAL, a
//! versioned schema with migrations, STRICT tables). Masked values and fingerprints only:
//! raw values are never stored, not even with --reveal.
//!
//! The engine talks to it through the `Store` trait so that a PostgreSQL backend for fleets
//! of scanners can plug in without touching the engine. One writer thread owns the store and
//! commits in batches; an interrupted scan keeps everything committed.

use super::{FileRecord, FileReport, FindingRecord, Location, Summary};
use crate::detect::{Confidence, Kind};
use anyhow::{bail, Context, Result};
use rusqlite::{params, Connection, OptionalExtension};
use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Schema migrations, applied in order; PRAGMA user_version is the number applied.
const MIGRATIONS: &[&str] = &[
    r#"
CREATE TABLE scans (
    id INTEGER PRIMARY KEY,
    started TEXT NOT NULL,
    finished TEXT,
    host TEXT NOT NULL,
    targets TEXT NOT NULL,          -- JSON array as given
    targets_key TEXT NOT NULL,      -- sorted, newline-joined: scans of the same targets
    scanner_version TEXT NOT NULL,
        ruleset_hash TEXT NOT NULL,
    settings_key TEXT NOT NULL,     -- what makes results comparable: rules, key, thresholds
    options TEXT NOT NULL,          -- JSON object, never a password
    summary TEXT,                   -- JSON summary record when complete
    complete INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE INDEX scans_targets ON scans(targets_key, id);
CREATE TABLE files (
    id INTEGER PRIMARY KEY,
    scan_id INTEGER NOT NULL REFERENCES scans(id),
    path TEXT NOT NULL,
    path_bytes TEXT,
    top TEXT NOT NULL,              -- the top-level file a member belongs to (itself if none)
    size INTEGER,
    modified TEXT,
    mtime_ns INTEGER,
    inode INTEGER,
    status TEXT NOT NULL,
    reason TEXT,
    format TEXT,
    encoding TEXT,
    findings INTEGER NOT NULL,
    kinds TEXT NOT NULL,            -- JSON {kind: count}
    bytes_read INTEGER NOT NULL,
    contains_phi INTEGER NOT NULL,
    carried INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE INDEX files_scan_top ON files(scan_id, top);
CREATE INDEX files_scan_path ON files(scan_id, path);
CREATE TABLE findings (
    id INTEGER PRIMARY KEY,
    scan_id INTEGER NOT NULL,
    file_id INTEGER NOT NULL REFERENCES files(id),
    kind TEXT NOT NULL,
    rule TEXT NOT NULL,
    confidence TEXT NOT NULL,
    masked TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    location TEXT NOT NULL          -- JSON location object
) STRICT;
CREATE INDEX findings_file ON findings(file_id);
CREATE INDEX findings_scan ON findings(scan_id, kind);
"#,
    // 2: carry forward by reference (issue 5). A rescan no longer copies the rows of
    // unchanged files: it records which top-level rows it shares with the scan that read them
    // (always the row as first read, so a file carried through many scans is one hop away).
    // Readers go through the views, which resolve a scan's own rows and its carried ones
    // alike; a carried file reads 0 bytes and is flagged `carried`.
    r#"
-- No REFERENCES clauses: the checks would double the cost of a rescan's one insert, and the
-- writer only inserts ids that known_files() just read from this database.
CREATE TABLE scan_carry (
    scan_id INTEGER NOT NULL,       -- the scan that found the file unchanged
    file_id INTEGER NOT NULL,       -- files.id of the top-level row (path = top) as first read
    PRIMARY KEY (scan_id, file_id)
) STRICT, WITHOUT ROWID;
-- Members of containers only: most files have none, and finding that out in this small
-- index costs a carried file next to nothing.
CREATE INDEX files_members ON files(scan_id, top) WHERE path != top;
CREATE VIEW scan_files AS
    SELECT f.scan_id AS in_scan, f.id, f.scan_id, f.path, f.path_bytes, f.top, f.size,
           f.modified, f.mtime_ns, f.inode, f.status, f.reason, f.format, f.encoding,
           f.findings, f.kinds, f.bytes_read, f.contains_phi, f.carried
    FROM files f
    UNION ALL
    SELECT c.scan_id, m.id, m.scan_id, m.path, m.path_bytes, m.top, m.size,
           m.modified, m.mtime_ns, m.inode, m.status, m.reason, m.format, m.encoding,
           m.findings, m.kinds, 0, m.contains_phi, 1
    FROM scan_carry c
    JOIN files m ON m.id = c.file_id
    UNION ALL
    SELECT c.scan_id, m.id, m.scan_id, m.path, m.path_bytes, m.top, m.size,
           m.modified, m.mtime_ns, m.inode, m.status, m.reason, m.format, m.encoding,
           m.findings, m.kinds, 0, m.contains_phi, 1
    FROM scan_carry c
    JOIN files t ON t.id = c.file_id
    JOIN files m ON m.scan_id = t.scan_id AND m.top = t.top AND m.path != m.top;
CREATE VIEW scan_findings AS
    SELECT fi.scan_id AS in_scan, fi.id, fi.file_id, fi.kind, fi.rule, fi.confidence,
           fi.masked, fi.fingerprint, fi.location
    FROM findings fi
    UNION ALL
    SELECT c.scan_id, fi.id, fi.file_id, fi.kind, fi.rule, fi.confidence,
           fi.masked, fi.fingerprint, fi.location
    FROM scan_carry c
    JOIN findings fi ON fi.file_id = c.file_id
    UNION ALL
    SELECT c.scan_id, fi.id, fi.file_id, fi.kind, fi.rule, fi.confidence,
           fi.masked, fi.fingerprint, fi.location
    FROM scan_carry c
    JOIN files t ON t.id = c.file_id
    JOIN files m ON m.scan_id = t.scan_id AND m.top = t.top AND m.path != m.top
    JOIN findings fi ON fi.file_id = m.id;
"#,
];

/// What a scan is, for its row.
#[derive(Debug, Clone)]
pub struct ScanMeta {
    pub started: String,
    pub host: String,
    pub targets: Vec<String>,
    pub scanner_version: String,
    pub ruleset_hash: String,
    /// Results are only carried forward between scans with the same settings key (rule set,
    /// fingerprint key, confidence threshold, size limits).
    pub settings_key: String,
    pub options: BTreeMap<String, String>,
}

/// A top-level file as the previous scans left it, for incremental rescans.
#[derive(Debug, Clone)]
pub struct Known {
    /// The file's row as the scan that read it wrote it (carried scans resolve to it).
    pub file_id: i64,
    pub size: Option<u64>,
    pub mtime_ns: Option<i64>,
    pub inode: Option<u64>,
    pub status: String,
}

/// The store interface the engine uses (SQLite now; PostgreSQL next).
pub trait Store: Send {
    fn begin_scan(&mut self, meta: &ScanMeta) -> Result<i64>;
    /// Top-level files of the latest scans of these targets: the last complete scan,
    /// overlaid by any later interrupted ones (so a rerun resumes).
    fn known_files(
        &mut self,
        targets_key: &str,
        settings_key: &str,
    ) -> Result<HashMap<String, Known>>;
    fn add(&mut self, scan_id: i64, rep: &FileReport) -> Result<()>;
    /// Record that these unchanged top-level files (row ids from `known_files`) belong to
    /// this scan as well, without copying them (issue 5: carry forward by reference), and hand
    /// each of their records (the file, its members, with their findings) to `each` for the
    /// inventory, in one pass.
    fn carry_forward(
        &mut self,
        scan_id: i64,
        old_file_ids: &[i64],
        each: &mut dyn FnMut(FileReport),
    ) -> Result<()>;
    fn commit(&mut self) -> Result<()>;
    fn finish_scan(&mut self, scan_id: i64, summary: &Summary) -> Result<()>;
}

pub struct SqliteStore {
    conn: Connection,
    in_tx: bool,
    pending: usize,
    /// Rows of files whose findings started arriving before their record (a file with more
    /// findings than one batch), by the key of their reports.
    partial: HashMap<u64, i64>,
}

/// The default store: $XDG_DATA_HOME/phiscan/inventory.sqlite (~/.local/share/phiscan/...).
pub fn default_path() -> Result<PathBuf> {
    Ok(super::key::data_dir()?.join("inventory.sqlite"))
}

pub fn targets_key(targets: &[String]) -> String {
    let mut t = targets.to_vec();
    t.sort();
    t.join("\n")
}

fn kinds_json(k: &BTreeMap<Kind, u64>) -> String {
    serde_json::to_string(k).unwrap_or_else(|_| "{}".into())
}

impl SqliteStore {
    pub fn open(path: &Path) -> Result<SqliteStore> {
        use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
        if let Some(dir) = path
            .parent()
            .filter(|d| !d.as_os_str().is_empty() && !d.exists())
        {
            std::fs::DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(dir)
                .with_context(|| format!("creating {}", dir.display()))?;
        }
        // Create the file owner-only before SQLite opens it.
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .mode(0o600)
            .open(path)
            .with_context(|| format!("creating the inventory database {}", path.display()))?;
        let mode = std::fs::metadata(path)?.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
        }
        let conn = Connection::open(path).with_context(|| format!("opening {}", path.display()))?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
        if version as usize > MIGRATIONS.len() {
            bail!(
                "{} was written by a newer phiscan (schema {version}); upgrade phiscan",
                path.display()
            );
        }
        for (i, m) in MIGRATIONS.iter().enumerate().skip(version as usize) {
            let tx = conn.unchecked_transaction()?;
            tx.execute_batch(m)
                .with_context(|| format!("migrating the inventory schema to version {}", i + 1))?;
            tx.pragma_update(None, "user_version", (i + 1) as i64)?;
            tx.commit()?;
        }
        // WAL and shared-memory files get the same owner-only mode.
        for ext in ["-wal", "-shm"] {
            let p = PathBuf::from(format!("{}{ext}", path.display()));
            if p.exists() {
                let _ = std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600));
            }
        }
        Ok(SqliteStore {
            conn,
            in_tx: false,
            pending: 0,
            partial: HashMap::new(),
        })
    }

    pub fn conn(&self) -> &Connection {
        &self.conn
    }

    fn tx(&mut self) -> Result<()> {
        if !self.in_tx {
            self.conn.execute_batch("BEGIN")?;
            self.in_tx = true;
        }
        Ok(())
    }

    fn insert_file(
        &mut self,
        scan_id: i64,
        f: &FileRecord,
        contains_phi: bool,
        carried: bool,
    ) -> Result<i64> {
        self.conn
            .prepare_cached(
                "INSERT INTO files (scan_id, path, path_bytes, top, size, modified, mtime_ns, inode, status, reason, format, encoding, findings, kinds, bytes_read, contains_phi, carried)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)",
            )?
            .execute(params![
                scan_id,
                f.path,
                f.path_bytes,
                f.top.as_deref().unwrap_or(&f.path),
                f.size.map(|s| s as i64),
                f.modified,
                f.mtime_ns,
                f.inode.map(|i| i as i64),
                f.status.as_str(),
                f.reason,
                f.format,
                f.encoding,
                f.findings as i64,
                kinds_json(&f.kinds),
                f.bytes_read as i64,
                contains_phi,
                carried,
            ])?;
        Ok(self.conn.last_insert_rowid())
    }

    fn update_file(&mut self, id: i64, f: &FileRecord, contains_phi: bool) -> Result<()> {
        self.conn
            .prepare_cached(
                "UPDATE files SET path = ?2, path_bytes = ?3, top = ?4, size = ?5, modified = ?6, mtime_ns = ?7, inode = ?8, status = ?9, reason = ?10, format = ?11, encoding = ?12, findings = ?13, kinds = ?14, bytes_read = ?15, contains_phi = ?16
                 WHERE id = ?1",
            )?
            .execute(params![
                id,
                f.path,
                f.path_bytes,
                f.top.as_deref().unwrap_or(&f.path),
                f.size.map(|s| s as i64),
                f.modified,
                f.mtime_ns,
                f.inode.map(|i| i as i64),
                f.status.as_str(),
                f.reason,
                f.format,
                f.encoding,
                f.findings as i64,
                kinds_json(&f.kinds),
                f.bytes_read as i64,
                contains_phi,
            ])?;
        Ok(())
    }

    fn insert_finding(&mut self, scan_id: i64, file_id: i64, f: &FindingRecord) -> Result<()> {
        self.conn
            .prepare_cached(
                "INSERT INTO findings (scan_id, file_id, kind, rule, confidence, masked, fingerprint, location) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )?
            .execute(params![
                scan_id,
                file_id,
                f.kind.as_str(),
                f.rule,
                f.confidence.as_str(),
                f.masked,
                f.fingerprint,
                serde_json::to_string(&f.location)?,
            ])?;
        Ok(())
    }
}

/// Append a stored finding to a carried file's report as the JSON line `JsonlSink` writes for
/// a `FindingRecord` (same fields, same order; no value: none is stored), without building
/// one: a rescan of an unchanged tree lists every finding again (INVENTORY.md), and this is
/// most of its work. `path` is the file's path (and path_bytes) already in JSON.
#[allow(clippy::too_many_arguments)]
fn render_finding(
    rep: &mut FileReport,
    path: &str,
    kind: Kind,
    rule: &str,
    confidence: Confidence,
    masked: &str,
    fingerprint: &str,
    location: &str,
) -> Result<()> {
    let out = &mut rep.rendered;
    out.extend_from_slice(b"{\"type\":\"finding\",\"path\":");
    out.extend_from_slice(path.as_bytes());
    out.extend_from_slice(b",\"kind\":\"");
    out.extend_from_slice(kind.as_str().as_bytes());
    out.extend_from_slice(b"\",\"rule\":");
    serde_json::to_writer(&mut *out, rule)?;
    out.extend_from_slice(b",\"confidence\":\"");
    out.extend_from_slice(confidence.as_str().as_bytes());
    out.extend_from_slice(b"\",\"masked\":");
    serde_json::to_writer(&mut *out, masked)?;
    out.extend_from_slice(b",\"fingerprint\":");
    serde_json::to_writer(&mut *out, fingerprint)?;
    out.extend_from_slice(b",\"location\":");
    // Stored as serde_json wrote it: one compact object, checked (not built) before it is
    // copied. Anything else is parsed and written again: a damaged row cannot break the
    // JSON Lines.
    if location.starts_with('{')
        && !location.contains(['\n', '\r'])
        && serde_json::from_str::<serde::de::IgnoredAny>(location).is_ok()
    {
        out.extend_from_slice(location.as_bytes());
    } else {
        let loc = serde_json::from_str::<Location>(location).unwrap_or_default();
        serde_json::to_writer(&mut *out, &loc)?;
    }
    out.extend_from_slice(b"}\n");
    let mut b = [0u8; 32];
    if hex::decode_to_slice(fingerprint, &mut b).is_ok() {
        rep.fingerprints.push((kind, b));
    }
    rep.rendered_counts.push((kind, confidence));
    Ok(())
}

/// Format and encoding names as the static strings the records use.
fn intern(s: &str) -> &'static str {
    const KNOWN: &[&str] = &[
        "text",
        "csv",
        "tsv",
        "hl7",
        "x12",
        "fhir-json",
        "fhir-xml",
        "cda-xml",
        "sql",
        "html",
        "pdf",
        "spreadsheet",
        "xlsx",
        "xls",
        "xlsb",
        "ods",
        "docx",
        "pptx",
        "odt",
        "odp",
        "rtf",
        "office",
        "eml",
        "mbox",
        "ole2",
        "zip",
        "tar",
        "gzip",
        "bzip2",
        "xz",
        "7z",
        "utf-8",
        "utf-16le",
        "utf-16be",
        "windows-1252",
    ];
    if let Some(k) = KNOWN.iter().copied().find(|k| *k == s) {
        return k;
    }
    // A name this list does not know yet (a new format): kept as it was stored, not turned
    // into "other". Each distinct name is leaked once; there are only a handful.
    static MORE: std::sync::Mutex<Vec<&'static str>> = std::sync::Mutex::new(Vec::new());
    let mut more = MORE.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(k) = more.iter().copied().find(|k| *k == s) {
        return k;
    }
    let k: &'static str = Box::leak(s.to_string().into_boxed_str());
    more.push(k);
    k
}

fn status_of(s: &str) -> super::Status {
    super::Status::ALL
        .into_iter()
        .find(|x| x.as_str() == s)
        .unwrap_or(super::Status::Error)
}

fn kind_of(s: &str) -> Kind {
    Kind::ALL
        .into_iter()
        .find(|k| k.as_str() == s)
        .unwrap_or(Kind::Ssn)
}

fn conf_of(s: &str) -> Confidence {
    match s {
        "high" => Confidence::High,
        "medium" => Confidence::Medium,
        _ => Confidence::Low,
    }
}

impl Store for SqliteStore {
    fn begin_scan(&mut self, m: &ScanMeta) -> Result<i64> {
        self.conn.execute(
                        "INSERT INTO scans (started, host, targets, targets_key, scanner_version, ruleset_hash, settings_key, options) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                m.started,
                m.host,
                serde_json::to_string(&m.targets)?,
                targets_key(&m.targets),
                m.scanner_version,
                                m.ruleset_hash,
                m.settings_key,
                serde_json::to_string(&m.options)?,
            ],
        )?;
        Ok(self.conn.last_insert_rowid())
    }

    fn known_files(&mut self, key: &str, settings: &str) -> Result<HashMap<String, Known>> {
        let last_complete: Option<i64> = self
            .conn
            .query_row(
                "SELECT max(id) FROM scans WHERE targets_key = ?1 AND settings_key = ?2 AND complete = 1",
                [key, settings],
                |r| r.get(0),
            )
            .optional()?
            .flatten();
        let mut ids: Vec<i64> = Vec::new();
        if let Some(c) = last_complete {
            ids.push(c);
        }
        let mut st = self.conn.prepare(
            "SELECT id FROM scans WHERE targets_key = ?1 AND settings_key = ?2 AND complete = 0 AND id > ?3 ORDER BY id",
        )?;
        let later: Vec<i64> = st
            .query_map(params![key, settings, last_complete.unwrap_or(0)], |r| {
                r.get(0)
            })?
            .collect::<Result<_, _>>()?;
        ids.extend(later);
        let mut all: Vec<(String, Known)> = Vec::new();
        // A scan's top-level files: its own rows, and the rows it carries (always top-level
        // rows, so no join through the members is needed here).
        let mut st = self.conn.prepare(
            "SELECT id, path, size, mtime_ns, inode, status FROM files WHERE scan_id = ?1 AND path = top
             UNION ALL
             SELECT t.id, t.path, t.size, t.mtime_ns, t.inode, t.status
             FROM scan_carry c JOIN files t ON t.id = c.file_id WHERE c.scan_id = ?1",
        )?;
        for id in ids {
            let rows = st.query_map([id], |r| {
                Ok((
                    r.get::<_, String>(1)?,
                    Known {
                        file_id: r.get(0)?,
                        size: r.get::<_, Option<i64>>(2)?.map(|s| s as u64),
                        mtime_ns: r.get(3)?,
                        inode: r.get::<_, Option<i64>>(4)?.map(|i| i as u64),
                        status: r.get(5)?,
                    },
                ))
            })?;
            for row in rows {
                all.push(row?);
            }
        }
        // Later scans overlay earlier ones.
        let mut known = HashMap::with_capacity(all.len());
        known.extend(all);
        Ok(known)
    }

    fn add(&mut self, scan_id: i64, rep: &FileReport) -> Result<()> {
        // Findings arrive before their file record (in batches): the file row is written
        // when its record arrives, with the findings the writer kept for it.
        self.tx()?;
        let Some(file) = &rep.file else {
            // A batch of a file with many findings: its row is created now, marked
            // 'scanning', and the findings are stored at once so that memory stays bounded.
            // Its top is unknown until the record arrives; until then (for good, if the scan
            // is killed) it is no top-level file, so a rerun reads it again as a new one.
            let Some(first) = rep.findings.first() else {
                return Ok(());
            };
            let id = match self.partial.get(&rep.key) {
                Some(id) => *id,
                None => {
                    self.conn
                        .prepare_cached(
                            "INSERT INTO files (scan_id, path, path_bytes, top, status, findings, kinds, bytes_read, contains_phi)
                             VALUES (?1, ?2, ?3, '', 'scanning', 0, '{}', 0, 0)",
                        )?
                        .execute(params![scan_id, first.path, first.path_bytes])?;
                    let id = self.conn.last_insert_rowid();
                    self.partial.insert(rep.key, id);
                    id
                }
            };
            for f in &rep.findings {
                self.insert_finding(scan_id, id, f)?;
            }
            return Ok(());
        };
        let id = match self.partial.remove(&rep.key) {
            Some(id) => {
                self.update_file(id, file, rep.contains_phi)?;
                id
            }
            None => self.insert_file(scan_id, file, rep.contains_phi, false)?,
        };
        for f in &rep.findings {
            self.insert_finding(scan_id, id, f)?;
        }
        self.pending += 1;
        Ok(())
    }

    fn carry_forward(
        &mut self,
        scan_id: i64,
        old: &[i64],
        each: &mut dyn FnMut(FileReport),
    ) -> Result<()> {
        self.commit()?;
        let t0 = std::time::Instant::now();
        // Two integers per carried file, in key order (appends to the b-tree).
        let mut ids = old.to_vec();
        ids.sort_unstable();
        ids.dedup();
        let mut list = String::with_capacity(ids.len() * 8 + 2);
        list.push('[');
        for (i, id) in ids.iter().enumerate() {
            if i > 0 {
                list.push(',');
            }
            let _ = write!(list, "{id}");
        }
        list.push(']');
        self.conn.execute(
            "INSERT INTO scan_carry (scan_id, file_id) SELECT ?1, value FROM json_each(?2)",
            params![scan_id, list],
        )?;
        if std::env::var_os("PHISCAN_TIMING").is_some_and(|v| v == "1") {
            eprintln!(
                "phiscan timing:   {} scan_carry rows written in {:.1} ms",
                ids.len(),
                t0.elapsed().as_secs_f64() * 1e3
            );
        }
        // Hand the carried records to the inventory: one query, one row per finding (or per
        // file without findings), a file's rows consecutive; the top-level files, then the
        // members of the containers among them.
        const COLS: &str = "m.id, m.path, m.path_bytes, m.size, m.modified, m.status, m.reason,
            m.format, m.encoding, m.findings, m.kinds, m.contains_phi, m.top,
            fi.kind, fi.rule, fi.confidence, fi.masked, fi.fingerprint, fi.location";
        let mut st = self.conn.prepare(&format!(
            "SELECT {COLS} FROM scan_carry c
             JOIN files m ON m.id = c.file_id
             LEFT JOIN findings fi ON fi.file_id = m.id
             WHERE c.scan_id = ?1
             UNION ALL
             SELECT {COLS} FROM scan_carry c
             JOIN files t ON t.id = c.file_id
             JOIN files m ON m.scan_id = t.scan_id AND m.top = t.top AND m.path != m.top
             LEFT JOIN findings fi ON fi.file_id = m.id
             WHERE c.scan_id = ?1"
        ))?;
        let mut rows = st.query([scan_id])?;
        // (row id, the record, its path as a JSON string)
        let mut cur: Option<(i64, FileReport, String)> = None;
        while let Some(r) = rows.next()? {
            let id: i64 = r.get(0)?;
            if cur.as_ref().is_none_or(|(c, _, _)| *c != id) {
                if let Some((_, rep, _)) = cur.take() {
                    each(rep);
                }
                let mut f = FileRecord::new(
                    super::paths::DisplayPath {
                        text: r.get(1)?,
                        bytes_hex: r.get(2)?,
                    },
                    status_of(r.get_ref(5)?.as_str()?),
                );
                f.size = r.get::<_, Option<i64>>(3)?.map(|s| s as u64);
                f.modified = r.get(4)?;
                f.reason = r.get(6)?;
                f.format = r.get_ref(7)?.as_str_or_null()?.map(intern);
                f.encoding = r.get_ref(8)?.as_str_or_null()?.map(intern);
                f.findings = r.get::<_, i64>(9)? as u64;
                f.kinds = serde_json::from_str(r.get_ref(10)?.as_str()?).unwrap_or_default();
                f.top = r.get(12)?;
                // The path once per file, as every finding line repeats it.
                let mut path = serde_json::to_string(&f.path)?;
                if let Some(b) = &f.path_bytes {
                    path.push_str(",\"path_bytes\":");
                    path.push_str(&serde_json::to_string(b)?);
                }
                let rep = FileReport {
                    contains_phi: r.get(11)?,
                    file: Some(f),
                    ..FileReport::empty()
                };
                cur = Some((id, rep, path));
            }
            let Some((_, rep, path)) = cur.as_mut() else {
                continue;
            };
            let Some(kind) = r.get_ref(13)?.as_str_or_null()? else {
                continue;
            };
            render_finding(
                rep,
                path,
                kind_of(kind),
                r.get_ref(14)?.as_str()?,
                conf_of(r.get_ref(15)?.as_str()?),
                r.get_ref(16)?.as_str()?,
                r.get_ref(17)?.as_str()?,
                r.get_ref(18)?.as_str()?,
            )?;
        }
        if let Some((_, rep, _)) = cur.take() {
            each(rep);
        }
        Ok(())
    }

    fn commit(&mut self) -> Result<()> {
        if self.in_tx {
            self.conn.execute_batch("COMMIT")?;
            self.in_tx = false;
            self.pending = 0;
        }
        Ok(())
    }

    fn finish_scan(&mut self, scan_id: i64, s: &Summary) -> Result<()> {
        self.commit()?;
        self.conn.execute(
            "UPDATE scans SET finished = ?1, summary = ?2, complete = 1 WHERE id = ?3",
            params![s.finished, serde_json::to_string(s)?, scan_id],
        )?;
        Ok(())
    }
}

impl SqliteStore {
    /// Files written since the last commit.
    pub fn pending(&self) -> usize {
        self.pending
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A carried finding's line is byte for byte what `JsonlSink` writes for the record.
    #[test]
    fn rendered_finding_is_the_serialized_record() {
        let loc = Location {
            line: Some(3),
            sheet: Some("Q1 \"billing\"\n".into()),
            cell: Some("B7".into()),
            ..Location::default()
        };
        for path_bytes in [None, Some("2f746d702fff".to_string())] {
            let rec = FindingRecord {
                ty: "finding",
                path: "/srv/share/\"odd\"\t<name> é ✓.xlsx!/sheet".into(),
                path_bytes: path_bytes.clone(),
                kind: Kind::Ssn,
                rule: "us.ssn.formatted".into(),
                confidence: Confidence::High,
                masked: "***-**-6789".into(),
                value: None,
                fingerprint: "ab".repeat(32),
                location: loc.clone(),
            };
            let mut path = serde_json::to_string(&rec.path).unwrap();
            if let Some(b) = &path_bytes {
                path.push_str(",\"path_bytes\":");
                path.push_str(&serde_json::to_string(b).unwrap());
            }
            let mut rep = FileReport::empty();
            let stored = serde_json::to_string(&loc).unwrap();
            for location in [stored.as_str(), "{\"line\":3,", "{\"line\":\n3}"] {
                rep.rendered.clear();
                render_finding(
                    &mut rep,
                    &path,
                    rec.kind,
                    &rec.rule,
                    rec.confidence,
                    &rec.masked,
                    &rec.fingerprint,
                    location,
                )
                .unwrap();
                let line = String::from_utf8(rep.rendered.clone()).unwrap();
                assert!(line.ends_with('\n') && line.matches('\n').count() == 1);
                let _: serde_json::Value = serde_json::from_str(&line).unwrap();
                if location == stored {
                    let mut want = serde_json::to_string(&rec).unwrap();
                    want.push('\n');
                    assert_eq!(line, want);
                }
            }
        }
    }
}
