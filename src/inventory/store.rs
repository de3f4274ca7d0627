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
use std::path::{Path, PathBuf};

/// Schema migrations, applied in order; PRAGMA user_version is the number applied.
const MIGRATIONS: &[&str] = &[r#"
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
"#];

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
    /// Copy a previous file (with its members and findings) into this scan; returns the
    /// copied records so the inventory can list them.
    fn carry(&mut self, scan_id: i64, old_file_id: i64) -> Result<Vec<FileReport>>;
    /// Copy many unchanged files (given by their ids in earlier scans) into this scan at once,
    /// with their members and findings, and hand each copied record to `each`.
    fn carry_bulk(
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

/// Format and encoding names as the static strings the records use.
fn intern(s: &str) -> &'static str {
    const KNOWN: &[&str] = &[
        "text",
        "csv",
        "tsv",
        "hl7",
        "x12",
        "fhir-json",
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
    KNOWN.iter().copied().find(|k| *k == s).unwrap_or("other")
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

/// Pending findings of a file not yet written: the writer sees findings batches before the
/// file record; they are stored when the record arrives.
pub struct Pending {
    pub findings: Vec<FindingRecord>,
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
        let mut known = HashMap::new();
        for id in ids {
            let mut st = self.conn.prepare(
                "SELECT id, path, size, mtime_ns, inode, status FROM files WHERE scan_id = ?1 AND path = top",
            )?;
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
                let (p, k) = row?;
                known.insert(p, k);
            }
        }
        Ok(known)
    }

    fn add(&mut self, scan_id: i64, rep: &FileReport) -> Result<()> {
        // Findings arrive before their file record (in batches): the file row is written
        // when its record arrives, with the findings the writer kept for it.
        let Some(file) = &rep.file else { return Ok(()) };
        self.tx()?;
        let id = self.insert_file(scan_id, file, rep.contains_phi, false)?;
        for f in &rep.findings {
            self.insert_finding(scan_id, id, f)?;
        }
        self.pending += 1;
        Ok(())
    }

    fn carry(&mut self, scan_id: i64, old_file_id: i64) -> Result<Vec<FileReport>> {
        self.tx()?;
        let (old_scan, top): (i64, String) = self.conn.query_row(
            "SELECT scan_id, top FROM files WHERE id = ?1",
            [old_file_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        let mut st = self.conn.prepare(
            "SELECT id, path, path_bytes, size, modified, mtime_ns, inode, status, reason, format, encoding, findings, kinds, contains_phi
             FROM files WHERE scan_id = ?1 AND top = ?2 ORDER BY id",
        )?;
        type Row = (i64, FileRecord, bool);
        let rows: Vec<Row> = st
            .query_map(params![old_scan, top], |r| {
                let mut f = FileRecord::new(
                    super::paths::DisplayPath {
                        text: r.get(1)?,
                        bytes_hex: r.get(2)?,
                    },
                    status_of(&r.get::<_, String>(7)?),
                );
                f.size = r.get::<_, Option<i64>>(3)?.map(|s| s as u64);
                f.modified = r.get(4)?;
                f.mtime_ns = r.get(5)?;
                f.inode = r.get::<_, Option<i64>>(6)?.map(|i| i as u64);
                f.reason = r.get(8)?;
                f.format = r
                    .get::<_, Option<String>>(9)?
                    .map(|s| &*Box::leak(s.into_boxed_str()));
                f.encoding = r
                    .get::<_, Option<String>>(10)?
                    .map(|s| &*Box::leak(s.into_boxed_str()));
                f.findings = r.get::<_, i64>(11)? as u64;
                f.kinds = serde_json::from_str(&r.get::<_, String>(12)?).unwrap_or_default();
                f.top = Some(top.clone());
                Ok((r.get(0)?, f, r.get::<_, bool>(13)?))
            })?
            .collect::<Result<_, _>>()?;
        drop(st);
        let mut out = Vec::new();
        for (old_id, file, phi) in rows {
            let new_id = self.insert_file(scan_id, &file, phi, true)?;
            let mut fst = self.conn.prepare_cached(
                "SELECT kind, rule, confidence, masked, fingerprint, location FROM findings WHERE file_id = ?1 ORDER BY id",
            )?;
            let findings: Vec<FindingRecord> = fst
                .query_map([old_id], |r| {
                    Ok(FindingRecord {
                        ty: "finding",
                        path: file.path.clone(),
                        path_bytes: file.path_bytes.clone(),
                        kind: kind_of(&r.get::<_, String>(0)?),
                        rule: r.get(1)?,
                        confidence: conf_of(&r.get::<_, String>(2)?),
                        masked: r.get(3)?,
                        value: None,
                        fingerprint: r.get(4)?,
                        location: serde_json::from_str::<Location>(&r.get::<_, String>(5)?)
                            .unwrap_or_default(),
                    })
                })?
                .collect::<Result<_, _>>()?;
            drop(fst);
            for f in &findings {
                self.insert_finding(scan_id, new_id, f)?;
            }
            let fingerprints = findings
                .iter()
                .filter_map(|f| {
                    let mut b = [0u8; 32];
                    hex::decode_to_slice(&f.fingerprint, &mut b)
                        .ok()
                        .map(|_| (f.kind, b))
                })
                .collect();
            out.push(FileReport {
                file: Some(file),
                findings,
                fingerprints,
                contains_phi: phi,
                ..FileReport::empty()
            });
        }
        self.pending += out.len();
        Ok(out)
    }

    fn carry_bulk(
        &mut self,
        scan_id: i64,
        old: &[i64],
        each: &mut dyn FnMut(FileReport),
    ) -> Result<()> {
        self.commit()?;
        let tx = self.conn.unchecked_transaction()?;
        tx.execute_batch(
            "CREATE TEMP TABLE IF NOT EXISTS carry_top (scan_id INTEGER NOT NULL, top TEXT NOT NULL);
             DELETE FROM carry_top;",
        )?;
        {
            let mut ins =
                tx.prepare("INSERT INTO carry_top SELECT scan_id, top FROM files WHERE id = ?1")?;
            for id in old {
                ins.execute([id])?;
            }
        }
        tx.execute(
            "INSERT INTO files (scan_id, path, path_bytes, top, size, modified, mtime_ns, inode, status, reason, format, encoding, findings, kinds, bytes_read, contains_phi, carried)
             SELECT ?1, f.path, f.path_bytes, f.top, f.size, f.modified, f.mtime_ns, f.inode, f.status, f.reason, f.format, f.encoding, f.findings, f.kinds, 0, f.contains_phi, 1
             FROM carry_top c JOIN files f ON f.scan_id = c.scan_id AND f.top = c.top ORDER BY f.id",
            [scan_id],
        )?;
        tx.execute(
            "INSERT INTO findings (scan_id, file_id, kind, rule, confidence, masked, fingerprint, location)
             SELECT ?1, nf.id, fi.kind, fi.rule, fi.confidence, fi.masked, fi.fingerprint, fi.location
             FROM carry_top c
             JOIN files o ON o.scan_id = c.scan_id AND o.top = c.top
             JOIN files nf ON nf.scan_id = ?1 AND nf.path = o.path AND nf.carried = 1
             JOIN findings fi ON fi.file_id = o.id
             ORDER BY fi.id",
            [scan_id],
        )?;
        tx.commit()?;
        // Hand the copies to the inventory, one file at a time with its findings.
        let mut fst = self.conn.prepare(
            "SELECT id, path, path_bytes, size, modified, status, reason, format, encoding, findings, kinds, contains_phi, top
             FROM files WHERE scan_id = ?1 AND carried = 1 ORDER BY id",
        )?;
        let mut gst = self.conn.prepare(
            "SELECT file_id, kind, rule, confidence, masked, fingerprint, location FROM findings
             WHERE file_id IN (SELECT id FROM files WHERE scan_id = ?1 AND carried = 1) ORDER BY file_id, id",
        )?;
        let mut found = gst.query([scan_id])?;
        let mut pending: Option<(i64, FindingRecord)> = None;
        let mut rows = fst.query([scan_id])?;
        while let Some(r) = rows.next()? {
            let id: i64 = r.get(0)?;
            let mut f = FileRecord::new(
                super::paths::DisplayPath {
                    text: r.get(1)?,
                    bytes_hex: r.get(2)?,
                },
                status_of(&r.get::<_, String>(5)?),
            );
            f.size = r.get::<_, Option<i64>>(3)?.map(|s| s as u64);
            f.modified = r.get(4)?;
            f.reason = r.get(6)?;
            f.format = r.get::<_, Option<String>>(7)?.map(|s| intern(&s));
            f.encoding = r.get::<_, Option<String>>(8)?.map(|s| intern(&s));
            f.findings = r.get::<_, i64>(9)? as u64;
            f.kinds = serde_json::from_str(&r.get::<_, String>(10)?).unwrap_or_default();
            let phi: bool = r.get(11)?;
            f.top = r.get(12)?;
            let mut rep = FileReport {
                contains_phi: phi,
                ..FileReport::empty()
            };
            loop {
                if pending.is_none() {
                    if let Some(g) = found.next()? {
                        let rec = FindingRecord {
                            ty: "finding",
                            path: String::new(),
                            path_bytes: None,
                            kind: kind_of(&g.get::<_, String>(1)?),
                            rule: g.get(2)?,
                            confidence: conf_of(&g.get::<_, String>(3)?),
                            masked: g.get(4)?,
                            value: None,
                            fingerprint: g.get(5)?,
                            location: serde_json::from_str::<Location>(&g.get::<_, String>(6)?)
                                .unwrap_or_default(),
                        };
                        pending = Some((g.get(0)?, rec));
                    }
                }
                match pending.take() {
                    Some((fid, mut rec)) if fid == id => {
                        rec.path = f.path.clone();
                        rec.path_bytes = f.path_bytes.clone();
                        let mut b = [0u8; 32];
                        if hex::decode_to_slice(&rec.fingerprint, &mut b).is_ok() {
                            rep.fingerprints.push((rec.kind, b));
                        }
                        rep.findings.push(rec);
                    }
                    other => {
                        pending = other;
                        break;
                    }
                }
            }
            rep.file = Some(f);
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
