//! Reading the inventory store: diffs between scans and the data of reports.
//!
//! A scan's files and findings are read through the `scan_files` and `scan_findings` views
//! (`in_scan = ?`): its own rows plus the rows of unchanged files it carries by reference.

use super::report::*;
use anyhow::{bail, Context, Result};
use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

const CORE: [&str; 4] = ["ssn", "mrn", "dob", "insurance_id"];

/// One file's result in one scan.
#[derive(Debug, Clone, Default)]
struct FileState {
    /// The row (the scan's own, or the one it carries).
    id: i64,
    status: String,
    reason: Option<String>,
    findings: u64,
    phi: bool,
    kinds: BTreeMap<String, u64>,
}

fn files_of(conn: &Connection, scan: i64) -> Result<BTreeMap<String, FileState>> {
    let mut st = conn.prepare(
        "SELECT path, status, findings, contains_phi, kinds, id, reason FROM scan_files WHERE in_scan = ?1",
    )?;
    let rows = st.query_map([scan], |r| {
        Ok((
            r.get::<_, String>(0)?,
            FileState {
                status: r.get(1)?,
                findings: r.get::<_, i64>(2)? as u64,
                phi: r.get(3)?,
                kinds: serde_json::from_str(&r.get::<_, String>(4)?).unwrap_or_default(),
                id: r.get(5)?,
                reason: r.get(6)?,
            },
        ))
    })?;
    let mut out = BTreeMap::new();
    for r in rows {
        let (p, s) = r?;
        out.insert(p, s);
    }
    Ok(out)
}

#[derive(Debug, Clone)]
pub struct ScanRow {
    pub id: i64,
    pub started: String,
    pub finished: Option<String>,
    pub host: String,
    pub targets: Vec<String>,
    pub targets_key: String,
    pub scanner_version: String,
    pub ruleset_hash: String,
    pub options: BTreeMap<String, String>,
    pub summary: Option<serde_json::Value>,
    pub complete: bool,
}

pub fn scan(conn: &Connection, id: i64) -> Result<ScanRow> {
    conn.query_row(
        "SELECT id, started, finished, host, targets, targets_key, scanner_version, ruleset_hash, options, summary, complete FROM scans WHERE id = ?1",
        [id],
        |r| {
            Ok(ScanRow {
                id: r.get(0)?,
                started: r.get(1)?,
                finished: r.get(2)?,
                host: r.get(3)?,
                targets: serde_json::from_str(&r.get::<_, String>(4)?).unwrap_or_default(),
                targets_key: r.get(5)?,
                scanner_version: r.get(6)?,
                ruleset_hash: r.get(7)?,
                options: serde_json::from_str(&r.get::<_, String>(8)?).unwrap_or_default(),
                summary: r.get::<_, Option<String>>(9)?.and_then(|s| serde_json::from_str(&s).ok()),
                complete: r.get(10)?,
            })
        },
    )
    .optional()?
    .with_context(|| format!("no scan {id} in the inventory database"))
}

/// The latest scan (complete if any), or the given one.
pub fn pick_scan(conn: &Connection, id: Option<i64>) -> Result<ScanRow> {
    let id = match id {
        Some(i) => i,
        None => conn
            .query_row(
                "SELECT id FROM scans ORDER BY complete DESC, id DESC LIMIT 1",
                [],
                |r| r.get(0),
            )
            .optional()?
            .context("the inventory database holds no scan yet")?,
    };
    scan(conn, id)
}

/// The complete scan of the same targets before `s`.
pub fn previous(conn: &Connection, s: &ScanRow) -> Result<Option<ScanRow>> {
    let id: Option<i64> = conn
        .query_row(
            "SELECT max(id) FROM scans WHERE targets_key = ?1 AND complete = 1 AND id < ?2",
            params![s.targets_key, s.id],
            |r| r.get(0),
        )
        .optional()?
        .flatten();
    id.map(|i| scan(conn, i)).transpose()
}

#[derive(Debug, Clone, Serialize)]
pub struct Diff {
    #[serde(rename = "type")]
    pub ty: &'static str,
    pub scan_a: i64,
    pub scan_b: i64,
    pub started_a: String,
    pub started_b: String,
    pub targets: Vec<String>,
    /// Files that newly contain PHI in B.
    pub new_phi: Vec<String>,
    /// Files whose PHI is gone in B (removed, cleaned, or the file is gone).
    pub removed_phi: Vec<String>,
    /// Files with PHI in both whose findings changed.
    pub changed: Vec<Changed>,
    pub files_added: u64,
    pub files_removed: u64,
    pub files_with_phi_a: u64,
    pub files_with_phi_b: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Changed {
    pub path: String,
    pub before: BTreeMap<String, u64>,
    pub after: BTreeMap<String, u64>,
}

/// Compare two scans (default: the last two complete scans of the same targets).
pub fn diff(conn: &Connection, a: Option<i64>, b: Option<i64>) -> Result<Diff> {
    let (sa, sb) = match (a, b) {
        (Some(a), Some(b)) => (scan(conn, a)?, scan(conn, b)?),
        (None, None) => {
            let last = conn
                .query_row(
                    "SELECT id FROM scans WHERE complete = 1 ORDER BY id DESC LIMIT 1",
                    [],
                    |r| r.get::<_, i64>(0),
                )
                .optional()?
                .context("the inventory database holds no complete scan yet")?;
            let sb = scan(conn, last)?;
            let sa = previous(conn, &sb)?
                .context("only one complete scan of these targets: nothing to compare with")?;
            (sa, sb)
        }
        _ => bail!("give two scan ids, or none for the last two scans of the same targets"),
    };
    let fa = files_of(conn, sa.id)?;
    let fb = files_of(conn, sb.id)?;
    let mut d = Diff {
        ty: "diff",
        scan_a: sa.id,
        scan_b: sb.id,
        started_a: sa.started.clone(),
        started_b: sb.started.clone(),
        targets: sb.targets.clone(),
        new_phi: Vec::new(),
        removed_phi: Vec::new(),
        changed: Vec::new(),
        files_added: fb.keys().filter(|p| !fa.contains_key(*p)).count() as u64,
        files_removed: fa.keys().filter(|p| !fb.contains_key(*p)).count() as u64,
        files_with_phi_a: fa.values().filter(|f| f.phi).count() as u64,
        files_with_phi_b: fb.values().filter(|f| f.phi).count() as u64,
    };
    for (p, b) in &fb {
        let a = fa.get(p);
        if b.phi && !a.is_some_and(|a| a.phi) {
            d.new_phi.push(p.clone());
        } else if let Some(a) = a.filter(|a| a.phi && b.phi && a.kinds != b.kinds) {
            d.changed.push(Changed {
                path: p.clone(),
                before: a.kinds.clone(),
                after: b.kinds.clone(),
            });
        }
    }
    for (p, a) in &fa {
        if a.phi && !fb.get(p).is_some_and(|b| b.phi) {
            d.removed_phi.push(p.clone());
        }
    }
    Ok(d)
}

/// Everything a report needs about one scan.
pub fn report_data(conn: &Connection, id: Option<i64>) -> Result<ReportData> {
    let s = pick_scan(conn, id)?;
    let files = files_of(conn, s.id)?;
    let mut r = ReportData {
        evidence: Evidence {
            scan_id: s.id,
            started: s.started.clone(),
            finished: s.finished.clone(),
            host: s.host.clone(),
            targets: s.targets.clone(),
            scanner_version: s.scanner_version.clone(),
            ruleset_hash: s.ruleset_hash.clone(),
            options: s.options.clone(),
            complete: s.complete,
        },
        ..ReportData::default()
    };
    r.overview.files = files.len() as u64;
    for f in files.values() {
        *r.overview
            .files_by_status
            .entry(f.status.clone())
            .or_default() += 1;
        r.overview.findings += f.findings;
        r.overview.files_with_phi += u64::from(f.phi);
    }
    r.overview.bytes_read = conn.query_row(
        "SELECT coalesce(sum(bytes_read), 0) FROM files WHERE scan_id = ?1 AND carried = 0",
        [s.id],
        |x| x.get::<_, i64>(0),
    )? as u64;
    {
        let mut st = conn.prepare("SELECT kind, confidence, count(*) FROM scan_findings WHERE in_scan = ?1 GROUP BY kind, confidence")?;
        let rows = st.query_map([s.id], |x| {
            Ok((
                x.get::<_, String>(0)?,
                x.get::<_, String>(1)?,
                x.get::<_, i64>(2)?,
            ))
        })?;
        for row in rows {
            let (k, c, n) = row?;
            *r.findings_by_kind
                .entry(k)
                .or_default()
                .entry(c)
                .or_default() += n as u64;
        }
        let mut st = conn.prepare("SELECT kind, count(DISTINCT fingerprint) FROM scan_findings WHERE in_scan = ?1 GROUP BY kind")?;
        let rows = st.query_map([s.id], |x| {
            Ok((x.get::<_, String>(0)?, x.get::<_, i64>(1)?))
        })?;
        for row in rows {
            let (k, n) = row?;
            r.distinct_by_kind.insert(k, n as u64);
        }
    }
    // Riskiest files: core kinds weigh most.
    let mut rows: Vec<FileRow> = files
        .iter()
        .filter(|(_, f)| f.findings > 0)
        .map(|(p, f)| {
            let core: u64 = f
                .kinds
                .iter()
                .filter(|(k, _)| CORE.contains(&k.as_str()))
                .map(|(_, n)| *n)
                .sum();
            let core_kinds = f
                .kinds
                .keys()
                .filter(|k| CORE.contains(&k.as_str()))
                .count() as u64;
            FileRow {
                path: p.clone(),
                status: f.status.clone(),
                findings: f.findings,
                kinds: f.kinds.clone(),
                max_confidence: None,
                samples: Vec::new(),
                risk: core_kinds * 1000 + core * 10 + (f.findings - core),
            }
        })
        .collect();
    rows.sort_by(|a, b| b.risk.cmp(&a.risk).then_with(|| a.path.cmp(&b.path)));
    rows.truncate(5000);
    {
        let mut st = conn.prepare(
            "SELECT kind, confidence, masked, location FROM findings fi
             WHERE file_id = ?1 ORDER BY CASE confidence WHEN 'high' THEN 0 WHEN 'medium' THEN 1 ELSE 2 END, id LIMIT 200",
        )?;
        for row in rows.iter_mut().take(1000) {
            let id = files.get(&row.path).map_or(0, |f| f.id);
            let found = st.query_map([id], |x| {
                Ok((
                    x.get::<_, String>(0)?,
                    x.get::<_, String>(1)?,
                    x.get::<_, String>(2)?,
                    x.get::<_, String>(3)?,
                ))
            })?;
            let mut per_kind: HashMap<String, usize> = HashMap::new();
            for f in found {
                let (kind, conf, masked, loc) = f?;
                if row.max_confidence.is_none() {
                    row.max_confidence = Some(conf.clone());
                }
                let n = per_kind.entry(kind.clone()).or_default();
                if *n < 2 && row.samples.len() < 8 {
                    *n += 1;
                    row.samples.push(Sample {
                        kind,
                        masked,
                        location: describe_location(&loc),
                    });
                }
            }
        }
    }
    r.files = rows;
    r.coverage = files
        .iter()
        .filter(|(_, f)| {
            matches!(
                f.status.as_str(),
                "no_text" | "encrypted" | "error" | "too_large" | "unsupported"
            )
        })
        .take(5000)
        .map(|(p, f)| CoverageRow {
            path: p.clone(),
            status: f.status.clone(),
            reason: f.reason.clone().unwrap_or_default(),
        })
        .collect();
    r.folders = folder_tree(&s.targets, &files);
    if let Some(prev) = previous(conn, &s)? {
        let d = diff(conn, Some(prev.id), Some(s.id))?;
        let pf = files_of(conn, prev.id)?;
        r.change = Some(Change {
            previous_scan_id: prev.id,
            previous_started: prev.started.clone(),
            files_with_phi_before: d.files_with_phi_a,
            files_with_phi_now: d.files_with_phi_b,
            findings_before: pf.values().map(|f| f.findings).sum(),
            findings_now: r.overview.findings,
            new_phi_files: d.new_phi,
            cleaned_files: d.removed_phi,
        });
    }
    if let Some(sum) = &s.summary {
        let lines: Vec<String> = sum["exposure"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        if let Some(arr) = sum["ftp"].as_array() {
            for a in arr {
                let target = a["target"].as_str().unwrap_or("").to_string();
                r.ftp.push(FtpExposure {
                    exposure_line: lines.iter().find(|l| l.ends_with(&target)).cloned(),
                    target,
                    banner: a["banner"].as_str().unwrap_or("").to_string(),
                    anonymous_login: a["anonymous_login"].as_bool().unwrap_or(false),
                    anonymous_write: a["anonymous_write"].as_bool(),
                    auth_tls_offered: a["auth_tls_offered"].as_bool().unwrap_or(false),
                    plaintext_login_accepted: a["plaintext_login_accepted"]
                        .as_bool()
                        .unwrap_or(false),
                });
            }
        }
    }
    Ok(r)
}

fn describe_location(json: &str) -> String {
    let v: serde_json::Value = serde_json::from_str(json).unwrap_or_default();
    let mut parts = Vec::new();
    if let Some(s) = v["sheet"].as_str() {
        parts.push(format!("sheet {s}"));
    }
    if let Some(c) = v["cell"].as_str() {
        parts.push(format!("cell {c}"));
    }
    if let Some(p) = v["page"].as_u64() {
        parts.push(format!("page {p}"));
    }
    if let Some(l) = v["line"].as_u64() {
        parts.push(format!("line {l}"));
    }
    if let Some(r) = v["record"].as_str() {
        parts.push(r.to_string());
    }
    parts.join(", ")
}

/// PHI by folder, relative to the target each file is under, three levels deep.
fn folder_tree(targets: &[String], files: &BTreeMap<String, FileState>) -> Vec<FolderNode> {
    fn insert(nodes: &mut Vec<FolderNode>, parts: &[&str], prefix: &str, f: &FileState) {
        let Some((first, rest)) = parts.split_first() else {
            return;
        };
        let path = if prefix.is_empty() {
            first.to_string()
        } else {
            format!("{prefix}/{first}")
        };
        let i = match nodes.iter().position(|n| n.name == *first) {
            Some(i) => i,
            None => {
                nodes.push(FolderNode {
                    name: first.to_string(),
                    path: path.clone(),
                    ..FolderNode::default()
                });
                nodes.len() - 1
            }
        };
        nodes[i].files_with_phi += u64::from(f.phi);
        nodes[i].findings += f.findings;
        if !rest.is_empty() {
            insert(&mut nodes[i].children, rest, &path, f);
        }
    }
    let mut roots = Vec::new();
    for (p, f) in files.iter().filter(|(_, f)| f.findings > 0) {
        let top = p.split("!/").next().unwrap_or(p);
        let target = targets
            .iter()
            .filter(|t| top.starts_with(t.as_str()))
            .max_by_key(|t| t.len());
        let rel = match target {
            Some(t) => top[t.len()..].trim_start_matches('/'),
            None => top,
        };
        let mut parts: Vec<&str> = rel.split('/').filter(|s| !s.is_empty()).collect();
        parts.pop(); // the file name
        if parts.is_empty() {
            parts.push(".");
        }
        parts.truncate(3);
        insert(&mut roots, &parts, "", f);
    }
    fn sort(nodes: &mut [FolderNode]) {
        nodes.sort_by(|a, b| {
            b.files_with_phi
                .cmp(&a.files_with_phi)
                .then_with(|| a.name.cmp(&b.name))
        });
        for n in nodes.iter_mut() {
            sort(&mut n.children);
        }
    }
    sort(&mut roots);
    roots
}

/// One row per file: path, status, counts per kind, max confidence. UTF-8 with a BOM (Excel
/// reads it as UTF-8), every field quoted, and cells that Excel would run as formulas
/// (=, +, -, @ first) prefixed with an apostrophe.
pub fn report_csv(conn: &Connection, id: Option<i64>) -> Result<String> {
    let s = pick_scan(conn, id)?;
    let kinds = [
        "ssn",
        "mrn",
        "dob",
        "insurance_id",
        "npi",
        "dea",
        "credit_card",
        "itin",
        "phone",
        "email",
    ];
    let mut out = String::from("\u{feff}");
    let q = |v: &str| {
        let v = if v.starts_with(['=', '+', '-', '@', '\t', '\r']) {
            format!("'{v}")
        } else {
            v.to_string()
        };
        format!("\"{}\"", v.replace('"', "\"\""))
    };
    let mut header = vec![
        "path".to_string(),
        "status".into(),
        "reason".into(),
        "findings".into(),
    ];
    header.extend(kinds.iter().map(|k| k.to_string()));
    header.push("max_confidence".into());
    out.push_str(&header.iter().map(|h| q(h)).collect::<Vec<_>>().join(","));
    out.push_str("\r\n");
    let mut st = conn.prepare(
        "SELECT f.path, f.status, coalesce(f.reason, ''), f.findings, f.kinds,
                (SELECT CASE min(CASE confidence WHEN 'high' THEN 0 WHEN 'medium' THEN 1 ELSE 2 END) WHEN 0 THEN 'high' WHEN 1 THEN 'medium' WHEN 2 THEN 'low' END FROM findings WHERE file_id = f.id)
         FROM scan_files f WHERE f.in_scan = ?1 ORDER BY f.path",
    )?;
    let rows = st.query_map([s.id], |x| {
        Ok((
            x.get::<_, String>(0)?,
            x.get::<_, String>(1)?,
            x.get::<_, String>(2)?,
            x.get::<_, i64>(3)?,
            x.get::<_, String>(4)?,
            x.get::<_, Option<String>>(5)?,
        ))
    })?;
    for row in rows {
        let (path, status, reason, n, kj, maxc) = row?;
        let counts: BTreeMap<String, u64> = serde_json::from_str(&kj).unwrap_or_default();
        let mut cells = vec![q(&path), q(&status), q(&reason), q(&n.to_string())];
        cells.extend(
            kinds
                .iter()
                .map(|k| q(&counts.get(*k).copied().unwrap_or(0).to_string())),
        );
        cells.push(q(maxc.as_deref().unwrap_or("")));
        out.push_str(&cells.join(","));
        out.push_str("\r\n");
    }
    Ok(out)
}
