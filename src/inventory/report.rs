//! The data of a report (`phiscan report`): everything a person needs about one scan,
//! computed from the inventory store and rendered as HTML, CSV or JSON. Values are masked;
//! nothing here can hold a raw value.

use serde::Serialize;
use std::collections::BTreeMap;

/// The whole report for one scan.
#[derive(Debug, Clone, Serialize, Default)]
pub struct ReportData {
    /// Evidence for breach-risk assessments: which scan, when, where, with what.
    pub evidence: Evidence,
    pub overview: Overview,
    /// Findings per kind and confidence: kind -> {"high": n, "medium": n, "low": n}.
    pub findings_by_kind: BTreeMap<String, BTreeMap<String, u64>>,
    /// Distinct individuals estimated by distinct fingerprints, per kind.
    pub distinct_by_kind: BTreeMap<String, u64>,
    /// PHI by folder: a tree (top-level folders first) with file and finding counts.
    pub folders: Vec<FolderNode>,
    /// The riskiest files first (most core findings, highest confidence).
    pub files: Vec<FileRow>,
    /// What could not be read: no_text, encrypted, errors, too_large, unsupported.
    pub coverage: Vec<CoverageRow>,
    /// Change since the previous scan of the same targets, when there is one.
    pub change: Option<Change>,
    /// FTP exposure audits, when FTP targets were scanned.
    pub ftp: Vec<FtpExposure>,
}

#[derive(Debug, Clone, Serialize, Default)]
pub struct Evidence {
    pub scan_id: i64,
    pub started: String,
    pub finished: Option<String>,
    pub host: String,
    pub targets: Vec<String>,
    pub scanner_version: String,
    pub ruleset_hash: String,
    /// The options the scan ran with (flag -> value), never a password.
    pub options: BTreeMap<String, String>,
    /// Complete, or interrupted (the report then covers what was committed).
    pub complete: bool,
}

#[derive(Debug, Clone, Serialize, Default)]
pub struct Overview {
    pub files: u64,
    pub files_by_status: BTreeMap<String, u64>,
    pub files_with_phi: u64,
    pub findings: u64,
    pub bytes_read: u64,
}

#[derive(Debug, Clone, Serialize, Default)]
pub struct FolderNode {
    /// The folder's name (one path component) and its full path.
    pub name: String,
    pub path: String,
    pub files_with_phi: u64,
    pub findings: u64,
    pub children: Vec<FolderNode>,
}

#[derive(Debug, Clone, Serialize, Default)]
pub struct FileRow {
    pub path: String,
    pub status: String,
    pub findings: u64,
    /// Counts by kind.
    pub kinds: BTreeMap<String, u64>,
    /// "high", "medium" or "low".
    pub max_confidence: Option<String>,
    /// A few masked samples with their locations, e.g. ("ssn", "***-**-6789", "line 12").
    pub samples: Vec<Sample>,
    pub risk: u64,
}

#[derive(Debug, Clone, Serialize, Default)]
pub struct Sample {
    pub kind: String,
    pub masked: String,
    pub location: String,
}

#[derive(Debug, Clone, Serialize, Default)]
pub struct CoverageRow {
    pub path: String,
    pub status: String,
    pub reason: String,
}

#[derive(Debug, Clone, Serialize, Default)]
pub struct Change {
    pub previous_scan_id: i64,
    pub previous_started: String,
    pub files_with_phi_before: u64,
    pub files_with_phi_now: u64,
    pub findings_before: u64,
    pub findings_now: u64,
    /// Files that newly contain PHI.
    pub new_phi_files: Vec<String>,
    /// Files whose PHI was removed (the cleanup worked) or that are gone.
    pub cleaned_files: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Default)]
pub struct FtpExposure {
    pub target: String,
    pub banner: String,
    pub anonymous_login: bool,
    pub anonymous_write: Option<bool>,
    pub auth_tls_offered: bool,
    pub plaintext_login_accepted: bool,
    /// "anonymous FTP exposes N files containing PHI (M distinct SSNs)".
    pub exposure_line: Option<String>,
}
