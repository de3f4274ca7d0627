//! Command-line flags: each defined once (name, help, parsing). Opens no files and compiles
//! no patterns; `run` turns flags into a configuration and calls the engine.

use crate::detect::{self, rules::RuleSet, Confidence};
use crate::engine::{self, ScanConfig};
use crate::inventory::{key::FingerprintKey, mask, Format};
use crate::source::local::WalkOptions;
use anyhow::{bail, Context, Result};
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::io::IsTerminal;
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(
    name = "phiscan",
    version,
    about = "Find protected health information (PHI) on file shares and write a data-location inventory",
    long_about = None
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Scan folders and files (a disk or a mounted SMB/NFS share) and write the inventory.
    Scan(ScanArgs),
    /// Audit an FTP server's exposure: banner, anonymous login, listing and (with
    /// --probe-write) upload, AUTH TLS, plaintext login.
    FtpAudit(AuditArgs),
    /// Compare two scans of the same targets (default: the last two): files that newly
    /// contain PHI, files where PHI was removed, changed counts.
    Diff(DiffArgs),
    /// Write a report of a scan from the inventory database: html (self-contained, with a
    /// .sha256 sidecar), csv (one row per file, for Excel) or json.
    Report(ReportArgs),
    /// List and test the detection rules.
    Patterns {
        #[command(subcommand)]
        cmd: PatternsCmd,
    },
}

#[derive(Subcommand, Debug)]
pub enum PatternsCmd {
    /// List every rule: id, kind, scope, validator, confidence policy and where it comes from.
    List {
        /// Add the rules in this directory (or file) to the built-in ones.
        #[arg(long, value_name = "DIR")]
        patterns: Vec<PathBuf>,
        /// Print JSON Lines instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Test rules: a .toml rule file has its examples and negative examples checked; any other
    /// file is scanned and every candidate is shown with its rule and confidence (low included).
    Test {
        /// A rule file (*.toml), or a sample file: text, or a document (PDF, spreadsheet, office
        /// document, mail, archive) read as `scan` reads it.
        file: PathBuf,
        /// Add the rules in this directory (or file) to the built-in ones.
        #[arg(long, value_name = "DIR")]
        patterns: Vec<PathBuf>,
        /// Show the matched values instead of masking them.
        #[arg(long)]
        reveal: bool,
    },
}

#[derive(Copy, Clone, Debug, ValueEnum)]
pub enum FormatArg {
    /// JSON Lines: finding, file and summary records (INVENTORY.md).
    Jsonl,
    /// A readable summary: files with findings or problems, then totals.
    #[value(alias = "text")]
    Human,
}

#[derive(Copy, Clone, Debug, ValueEnum)]
pub enum ConfArg {
    Low,
    Medium,
    High,
}

impl From<ConfArg> for Confidence {
    fn from(c: ConfArg) -> Confidence {
        match c {
            ConfArg::Low => Confidence::Low,
            ConfArg::Medium => Confidence::Medium,
            ConfArg::High => Confidence::High,
        }
    }
}

/// How to reach FTP servers (shared by `scan` and `ftp-audit`).
#[derive(Args, Debug, Clone)]
pub struct FtpArgs {
    /// Trust this CA certificate (PEM) for FTPS, in addition to the system roots.
    #[arg(long, value_name = "FILE")]
    pub ca_file: Option<PathBuf>,
    /// Do NOT verify FTPS certificates (loud; recorded in the summary).
    #[arg(long)]
    pub insecure_tls: bool,
    /// Connect, control and data timeout for FTP, in seconds.
    #[arg(long, value_name = "SECS", default_value_t = 30)]
    pub ftp_timeout: u64,
    /// Retries of a failed FTP transfer (on a new connection) before the file is an error.
    #[arg(long, value_name = "N", default_value_t = 2)]
    pub ftp_retries: u32,
    /// Downloads up to this size are kept in memory; larger ones go to a private temp file
    /// (0600 in a 0700 dir under $TMPDIR, deleted after use).
    #[arg(long, value_name = "SIZE", default_value = "32M", value_parser = parse_size)]
    pub ftp_memory: u64,
}

impl FtpArgs {
    pub fn options(&self, connections: usize) -> crate::source::ftp::FtpOptions {
        if self.insecure_tls {
            eprintln!("phiscan: WARNING: --insecure-tls: FTPS server certificates will NOT be verified; anyone on the path can read the transfer");
        }
        crate::source::ftp::FtpOptions {
            connections,
            ca_file: self.ca_file.clone(),
            insecure_tls: self.insecure_tls,
            timeout: std::time::Duration::from_secs(self.ftp_timeout.max(1)),
            retries: self.ftp_retries,
            memory_threshold: self.ftp_memory,
        }
    }
}

#[derive(Args, Debug)]
pub struct DiffArgs {
    /// The earlier and the later scan ids (default: the last two complete scans of the same
    /// targets).
    #[arg(num_args = 0..=2, value_name = "SCAN")]
    pub scans: Vec<i64>,
    /// The inventory database (default: $XDG_DATA_HOME/phiscan/inventory.sqlite).
    #[arg(long, value_name = "FILE")]
    pub db: Option<PathBuf>,
    /// Output: text (default) or json.
    #[arg(long, default_value = "text", value_parser = ["text", "json"])]
    pub format: String,
}

#[derive(Args, Debug)]
pub struct ReportArgs {
    /// The inventory database (default: $XDG_DATA_HOME/phiscan/inventory.sqlite).
    #[arg(long, value_name = "FILE")]
    pub db: Option<PathBuf>,
    /// The scan to report (default: the latest).
    #[arg(long, value_name = "ID")]
    pub scan: Option<i64>,
    #[arg(long, value_parser = ["html", "csv", "json"])]
    pub format: String,
    /// Where to write the report (created 0600). For html, FILE.sha256 is written too.
    #[arg(short = 'o', long, value_name = "FILE")]
    pub output: PathBuf,
}

#[derive(Args, Debug)]
pub struct AuditArgs {
    /// ftp://[user@]host[:port]/path or ftps://...
    pub url: String,
    /// Test anonymous upload by writing a uniquely named harmless file and deleting it again.
    #[arg(long)]
    pub probe_write: bool,
    /// Output: text (default) or json.
    #[arg(long, default_value = "text", value_parser = ["text", "json"])]
    pub format: String,
    #[command(flatten)]
    pub ftp: FtpArgs,
}

#[derive(Args, Debug)]
pub struct ScanArgs {
    /// Folders or files to scan (a disk, a mounted share), or FTP servers:
    /// ftp://[user@]host[:port]/path, ftps://... (password from PHISCAN_FTP_PASSWORD or ~/.netrc).
    #[arg(required = true, value_name = "TARGET")]
    pub targets: Vec<PathBuf>,
    #[command(flatten)]
    pub ftp: FtpArgs,
    /// Parallel FTP connections per server (backing off when the server refuses with 421).
    #[arg(long, value_name = "N", default_value_t = 4)]
    pub ftp_connections: usize,
    /// Output format. Default: human on a terminal, jsonl otherwise or with -o.
    #[arg(long, value_enum)]
    pub format: Option<FormatArg>,
    /// Write the inventory to FILE (created with mode 0600) instead of standard output.
    #[arg(short = 'o', long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Include the raw normalized values in the output. Without it only masked values and
    /// keyed fingerprints are written.
    #[arg(long)]
    pub reveal: bool,
    /// Report findings at this confidence or higher.
    #[arg(long, value_enum, default_value = "medium", value_name = "LEVEL")]
    pub min_confidence: ConfArg,
    /// Worker threads (default: the number of CPUs).
    #[arg(short = 'j', long, value_name = "N")]
    pub threads: Option<usize>,
    /// Follow symbolic links (loops are detected and reported, not followed twice).
    #[arg(long)]
    pub follow: bool,
    /// Skip paths matching GLOB (matched against the path below the target, the file name and
    /// the full path; repeatable). Skipped paths are still listed as `skipped`.
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,
    /// Do not descend into other file systems (mount points below a target are listed as
    /// `skipped`).
    #[arg(long)]
    pub one_file_system: bool,
    /// Files larger than this are reported `too_large` without being read (suffixes K, M, G,
    /// T; powers of 1024). Text files of any allowed size are read in bounded chunks.
    #[arg(long, value_name = "SIZE", default_value = "512M", value_parser = parse_size)]
    pub max_file_size: u64,
    /// Add the rules in this directory (or rule file) to the built-in ones (repeatable).
    #[arg(long, value_name = "DIR")]
    pub patterns: Vec<PathBuf>,
    /// The inventory database (SQLite) that keeps every scan for incremental rescans, diffs
    /// and reports. Default: $XDG_DATA_HOME/phiscan/inventory.sqlite
    /// (~/.local/share/phiscan/inventory.sqlite).
    #[arg(long, value_name = "FILE")]
    pub db: Option<PathBuf>,
    /// Do not record this scan in the inventory database.
    #[arg(long, conflicts_with = "db")]
    pub no_db: bool,
    /// Read every file again, even those unchanged since the previous scan of these targets.
    #[arg(long)]
    pub full: bool,
    /// No progress display (it is shown only on a terminal anyway).
    #[arg(short, long)]
    pub quiet: bool,
    /// Wall-clock limit for extracting one document (PDF, spreadsheet), in seconds; a document
    /// that takes longer is an `error` record ("timed out") and the scan goes on.
    #[arg(long, value_name = "SECS", default_value_t = 30)]
    pub extract_timeout: u64,
    /// Memory (address space) limit of the document extractor process.
    #[arg(long, value_name = "SIZE", default_value = "1G", value_parser = parse_size)]
    pub extract_memory: u64,
    /// Archives nested deeper than this are not opened (`error`).
    #[arg(long, value_name = "N", default_value_t = 8)]
    pub max_archive_depth: u32,
    /// Members examined per archive; the rest are reported in the archive's record.
    #[arg(long, value_name = "N", default_value_t = 10_000)]
    pub max_archive_members: u64,
    /// Uncompressed bytes read from one top-level file's archives, all levels together; a
    /// member that inflates past it is an "archive bomb" `error`.
    #[arg(long, value_name = "SIZE", default_value = "2G", value_parser = parse_size)]
    pub max_archive_bytes: u64,
    /// A member of more than 16 MiB that inflates more than this many times its compressed
    /// size is an "archive bomb" `error`.
    #[arg(long, value_name = "RATIO", default_value_t = 200)]
    pub max_compression_ratio: u64,
    /// The fingerprint key file (created with mode 0600 on first use). Default:
    /// $XDG_DATA_HOME/phiscan/key or ~/.local/share/phiscan/key.
    #[arg(long, value_name = "FILE")]
    pub key_file: Option<PathBuf>,
}

pub use crate::inventory::StdoutClosed;

/// Whether `e` is [`StdoutClosed`].
pub fn stdout_closed(e: &anyhow::Error) -> bool {
    e.downcast_ref::<StdoutClosed>().is_some()
}

/// `println!` that does not panic when the reader is gone: a closed pipe returns
/// [`StdoutClosed`] from the command, any other write error is an error.
macro_rules! outln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        writeln!(std::io::stdout(), $($arg)*).map_err(|e| {
            if e.kind() == std::io::ErrorKind::BrokenPipe {
                anyhow::Error::new(StdoutClosed)
            } else {
                anyhow::Error::new(e).context("writing to standard output")
            }
        })?
    }};
}

/// "512M", "2G", "1024", "10KiB" -> bytes.
pub fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: u64 = num.parse().map_err(|_| format!("not a size: {s:?}"))?;
    let mult: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" | "kib" => 1 << 10,
        "m" | "mb" | "mib" => 1 << 20,
        "g" | "gb" | "gib" => 1 << 30,
        "t" | "tb" | "tib" => 1 << 40,
        u => return Err(format!("unknown size unit {u:?} in {s:?}")),
    };
    n.checked_mul(mult)
        .ok_or_else(|| format!("size too large: {s:?}"))
}

/// Run the command; returns the process exit code.
pub fn run(cli: Cli) -> Result<i32> {
    match cli.command {
        Command::Scan(a) => scan(a),
        Command::FtpAudit(a) => ftp_audit(a),
        Command::Diff(a) => diff(a),
        Command::Report(a) => report(a),
        Command::Patterns {
            cmd: PatternsCmd::List { patterns, json },
        } => patterns_list(&patterns, json),
        Command::Patterns {
            cmd:
                PatternsCmd::Test {
                    file,
                    patterns,
                    reveal,
                },
        } => patterns_test(&file, &patterns, reveal),
    }
}

fn scan(a: ScanArgs) -> Result<i32> {
    let mut local = Vec::new();
    let mut remote = Vec::new();
    for t in &a.targets {
        let s = t.to_string_lossy();
        if crate::source::ftp::FtpTarget::is_ftp_url(&s) {
            remote.push(
                crate::source::ftp::FtpTarget::parse(&s)
                    .with_context(|| format!("target {}", strip_userinfo(&s)))?,
            );
        } else {
            local.push(t.clone());
        }
    }
    let rules = RuleSet::load(&a.patterns)?;
    let key = FingerprintKey::load_or_create(a.key_file.as_deref())?;
    let mut gs = globset::GlobSetBuilder::new();
    for g in &a.exclude {
        gs.add(globset::Glob::new(g).with_context(|| format!("--exclude {g:?}"))?);
    }
    let threads = a
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get()))
        .max(1);
    let format = match a.format {
        Some(FormatArg::Jsonl) => Format::Jsonl,
        Some(FormatArg::Human) => Format::Human,
        None if a.output.is_none() && std::io::stdout().is_terminal() => Format::Human,
        None => Format::Jsonl,
    };
    let ftp_opts = a.ftp.options(a.ftp_connections);
    if remote.iter().any(|t| t.secure) {
        crate::source::ftp::tls_config(&ftp_opts)?;
    }
    let mut options = std::collections::BTreeMap::new();
    options.insert("threads".to_string(), threads.to_string());
    options.insert(
        "min_confidence".into(),
        format!("{:?}", a.min_confidence).to_lowercase(),
    );
    options.insert("reveal".into(), a.reveal.to_string());
    options.insert("follow".into(), a.follow.to_string());
    options.insert("one_file_system".into(), a.one_file_system.to_string());
    options.insert("max_file_size".into(), a.max_file_size.to_string());
    options.insert("exclude".into(), a.exclude.join(" "));
    options.insert("full".into(), a.full.to_string());
    options.insert(
        "patterns".into(),
        a.patterns
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(" "),
    );
    if !remote.is_empty() {
        options.insert("ftp_connections".into(), a.ftp_connections.to_string());
        options.insert("insecure_tls".into(), a.ftp.insecure_tls.to_string());
    }
    let db = if a.no_db {
        None
    } else {
        Some(match &a.db {
            Some(p) => p.clone(),
            None => crate::inventory::store::default_path()?,
        })
    };
    let progress = !a.quiet && std::io::stderr().is_terminal();
    let cfg = ScanConfig {
        progress,
        db,
        full: a.full,
        known: Default::default(),
        options,
        targets: local,
        ftp_targets: remote,
        ftp: ftp_opts,
        walk: WalkOptions {
            follow: a.follow,
            one_file_system: a.one_file_system,
            excludes: gs.build().context("building --exclude globs")?,
            exclude_patterns: a.exclude,
            threads,
            never_read: Vec::new(),
            stat_files: true,
        },
        max_file_size: a.max_file_size,
        min_confidence: a.min_confidence.into(),
        reveal: a.reveal,
        format,
        output: a.output,
        key,
        rules,
        extractor: std::env::current_exe().ok(),
        limits: crate::engine::isolate::Limits {
            memory: a.extract_memory,
            timeout: std::time::Duration::from_secs(a.extract_timeout.max(1)),
        },
        archive: crate::extract::archive::Limits {
            max_members: a.max_archive_members,
            max_member_size: a.max_file_size,
            max_total: a.max_archive_bytes,
            max_ratio: a.max_compression_ratio,
            max_depth: a.max_archive_depth,
        },
    };
    match engine::run_scan(cfg) {
        Ok(outcome) => Ok(outcome.exit_code),
        // `phiscan scan … | head`: the reader has what it wanted; quiet, but not a
        // completed scan.
        Err(e) if stdout_closed(&e) => Ok(2),
        Err(e) => Err(e),
    }
}

fn open_db(p: &Option<PathBuf>) -> Result<crate::inventory::store::SqliteStore> {
    let path = match p {
        Some(p) => p.clone(),
        None => crate::inventory::store::default_path()?,
    };
    if !path.exists() {
        bail!(
            "no inventory database at {} (run a scan first, or give --db)",
            path.display()
        );
    }
    crate::inventory::store::SqliteStore::open(&path)
}

fn write_private(path: &std::path::Path, data: &[u8]) -> Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("creating {}", path.display()))?;
    f.write_all(data)
        .with_context(|| format!("writing {}", path.display()))
}

fn diff(a: DiffArgs) -> Result<i32> {
    let store = open_db(&a.db)?;
    let (x, y) = match a.scans.as_slice() {
        [] => (None, None),
        [x, y] => (Some(*x), Some(*y)),
        _ => bail!("give two scan ids, or none"),
    };
    let d = crate::inventory::query::diff(store.conn(), x, y)?;
    if a.format == "json" {
        outln!("{}", serde_json::to_string(&d)?);
    } else {
        outln!(
            "Scan {} ({}) -> scan {} ({}): {}",
            d.scan_a,
            d.started_a,
            d.scan_b,
            d.started_b,
            d.targets.join(", ")
        );
        outln!(
            "  files containing PHI: {} -> {}",
            d.files_with_phi_a,
            d.files_with_phi_b
        );
        outln!(
            "  files added: {}, files removed: {}",
            d.files_added,
            d.files_removed
        );
        outln!("  newly containing PHI ({}):", d.new_phi.len());
        for p in &d.new_phi {
            outln!("    + {}", crate::inventory::printable(p));
        }
        outln!("  PHI removed or file gone ({}):", d.removed_phi.len());
        for p in &d.removed_phi {
            outln!("    - {}", crate::inventory::printable(p));
        }
        outln!("  findings changed ({}):", d.changed.len());
        for c in &d.changed {
            outln!(
                "    ~ {}  {:?} -> {:?}",
                crate::inventory::printable(&c.path),
                c.before,
                c.after
            );
        }
    }
    // For schedulers: 1 when files newly contain PHI.
    Ok(if d.new_phi.is_empty() { 0 } else { 1 })
}

fn report(a: ReportArgs) -> Result<i32> {
    let store = open_db(&a.db)?;
    match a.format.as_str() {
        "csv" => write_private(
            &a.output,
            crate::inventory::query::report_csv(store.conn(), a.scan)?.as_bytes(),
        )?,
        "json" => {
            let data = crate::inventory::query::report_data(store.conn(), a.scan)?;
            write_private(&a.output, serde_json::to_string_pretty(&data)?.as_bytes())?;
        }
        _ => {
            let data = crate::inventory::query::report_data(store.conn(), a.scan)?;
            let html = crate::inventory::html::render(&data);
            write_private(&a.output, html.as_bytes())?;
            let name = a
                .output
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let side = PathBuf::from(format!("{}.sha256", a.output.display()));
            write_private(
                &side,
                crate::inventory::html::sha256_sidecar_named(&html, &name).as_bytes(),
            )?;
        }
    }
    Ok(0)
}

fn ftp_audit(a: AuditArgs) -> Result<i32> {
    use crate::inventory::yes_no;
    let t = crate::source::ftp::FtpTarget::parse(&a.url)
        .with_context(|| format!("target {}", strip_userinfo(&a.url)))?;
    let opts = a.ftp.options(1);
    if t.secure {
        crate::source::ftp::tls_config(&opts)?;
    }
    let r = crate::source::ftp::audit(&t, &opts, a.probe_write);
    if a.format == "json" {
        outln!("{}", serde_json::to_string(&r)?);
    } else {
        outln!("FTP exposure audit of {}", r.target);
        if let Some(e) = &r.error {
            outln!("  error:                    {e}");
        }
        outln!("  reachable:                {}", yes_no(Some(r.reachable)));
        outln!("  banner:                   {}", r.banner);
        outln!(
            "  software:                 {}",
            r.software.as_deref().unwrap_or("(not named in the banner)")
        );
        outln!(
            "  anonymous login:          {}",
            yes_no(Some(r.anonymous_login))
        );
        outln!(
            "  anonymous listing:        {}",
            yes_no(Some(r.anonymous_list))
        );
        outln!("  anonymous write:          {}", yes_no(r.anonymous_write));
        if let Some(p) = &r.write_probe {
            outln!(
                "    probe file:             {}/{} (deleted again: {})",
                p.directory.trim_end_matches('/'),
                p.file,
                yes_no(Some(p.deleted))
            );
        }
        outln!(
            "  AUTH TLS offered:         {}",
            yes_no(Some(r.auth_tls_offered))
        );
        outln!(
            "  plaintext login accepted: {}",
            yes_no(Some(r.plaintext_login_accepted))
        );
        outln!("  MLSD:                     {}", yes_no(Some(r.mlsd)));
    }
    // Exit codes: 0 no exposure found, 1 exposed (anonymous access, anonymous upload or
    // plaintext logins), 2 the server could not be audited.
    Ok(if !r.reachable {
        2
    } else if r.anonymous_login || r.anonymous_write == Some(true) || r.plaintext_login_accepted {
        1
    } else {
        0
    })
}

/// Never show credentials from a URL (`ftp://user:pass@host` -> `ftp://host`).
pub fn strip_userinfo(url: &str) -> String {
    match url.split_once("://") {
        Some((scheme, rest)) => {
            let (auth, path) = rest.split_once('/').map_or((rest, ""), |(a, p)| (a, p));
            let host = auth.rsplit_once('@').map_or(auth, |(_, h)| h);
            format!("{scheme}://{host}/{path}")
        }
        None => url.to_string(),
    }
}

fn patterns_list(dirs: &[PathBuf], json: bool) -> Result<i32> {
    let rules = RuleSet::load(dirs)?;
    // Through `outln!`: a reader that stops early (`| head`) ends the listing quietly; any
    // other write error (a full disk) is an error.
    for (ri, r) in rules.rules.iter().enumerate() {
        let s = &r.spec;
        // How the scanner finds a text rule's candidates (DESIGN.md, "Detection"): a rule
        // author can see when a rule takes the slow path ("windows").
        let gate = match s.scope {
            detect::rules::Scope::Text => rules.gates[ri].name(),
            _ => "-",
        };
        if json {
            let v = serde_json::json!({
                "id": s.id, "kind": s.kind, "scope": detect::scope_name(s.scope), "gate": gate,
                "validator": s.validator, "priority": s.priority,
                "confidence": {"base": format!("{:?}", s.confidence.base).to_lowercase(),
                               "context": format!("{:?}", s.confidence.context).to_lowercase(),
                               "negative": format!("{:?}", s.confidence.negative).to_lowercase()},
                "source": r.source, "description": s.description,
            });
            outln!("{v}");
        } else {
            outln!(
                "{:<28} {:<13} {:<10} {:<9} {}",
                s.id,
                s.kind.as_str(),
                detect::scope_name(s.scope),
                gate,
                s.description
            );
        }
    }
    if !json {
        outln!(
            "\n{} rules; rule-set hash {}",
            rules.rules.len(),
            &rules.hash[..16]
        );
    }
    Ok(0)
}

/// `patterns test` on a file that is not text: the file is scanned exactly as `scan` would
/// (its extractors, the isolated extractor process, archives and mail parts, the same rules)
/// with every candidate kept (`--min-confidence low`), into a private temporary inventory
/// that is read back and shown a candidate a line, with where it is (page, sheet and cell,
/// line, and the member of an archive or message). Fingerprints are not shown: an ephemeral
/// key in the temporary directory, not the installation's, is used. Files that could not be
/// read are shown with their status and reason.
fn patterns_test_document(file: &std::path::Path, dirs: &[PathBuf], reveal: bool) -> Result<i32> {
    let tmp = tempfile::Builder::new()
        .prefix("phiscan-patterns-test-")
        .tempdir()
        .context("creating a temporary directory")?;
    let out = tmp.path().join("inventory.jsonl");
    let mut args: Vec<std::ffi::OsString> = ["phiscan", "scan", "--no-db", "--quiet"]
        .iter()
        .map(Into::into)
        .collect();
    for (k, v) in [
        ("--format", "jsonl".as_ref()),
        ("--min-confidence", "low".as_ref()),
        ("--threads", "1".as_ref()),
        ("--key-file", tmp.path().join("key").as_os_str()),
        ("--output", out.as_os_str()),
    ] {
        args.push(k.into());
        args.push(v.to_os_string());
    }
    for d in dirs {
        args.push("--patterns".into());
        args.push(d.into());
    }
    if reveal {
        args.push("--reveal".into());
    }
    args.push("--".into());
    args.push(file.into());
    let Command::Scan(a) = Cli::try_parse_from(args)?.command else {
        unreachable!("the arguments name the scan command");
    };
    scan(a)?;
    let text = std::fs::read_to_string(&out).context("reading the scan's inventory back")?;
    let top = file.display().to_string();
    // A file's status line, or a candidate: where, then its confidence, kind, rule and value.
    let mut rows: Vec<Result<[String; 5], String>> = Vec::new();
    let mut format = None;
    for line in text.lines() {
        let r: serde_json::Value = serde_json::from_str(line)?;
        let s = |k: &str| r[k].as_str().unwrap_or_default().to_string();
        // Inside an archive or a message: the member's path after the file's own.
        let member = s("path")
            .strip_prefix(&top)
            .and_then(|m| m.strip_prefix("!/"))
            .map(|m| format!("{m}: "))
            .unwrap_or_default();
        if s("type") == "file" && s("path") == top {
            format = r["format"].as_str().map(str::to_string);
        }
        match s("type").as_str() {
            "file" if s("status") != "scanned" || r.get("reason").is_some() => {
                rows.push(Err(format!("{member}{}: {}", s("status"), s("reason"))));
            }
            "finding" => {
                let loc = &r["location"];
                let mut at = Vec::new();
                for k in ["page", "sheet", "cell", "line"] {
                    // Strings without their quotes, numbers as they are.
                    match &loc[k] {
                        serde_json::Value::Null => {}
                        v => at.push(format!(
                            "{k} {}",
                            v.as_str().map_or(v.to_string(), str::to_string)
                        )),
                    }
                }
                let shown = if reveal { s("value") } else { s("masked") };
                let at = format!("{member}{}", at.join(" "));
                rows.push(Ok([at, s("confidence"), s("kind"), s("rule"), shown]));
            }
            _ => {}
        }
    }
    let width = rows
        .iter()
        .filter_map(|r| r.as_ref().ok())
        .map(|r| r[0].chars().count())
        .max()
        .unwrap_or(0);
    if let Some(f) = format {
        outln!("format: {f}");
    }
    let mut n = 0;
    for row in &rows {
        match row {
            Err(status) => outln!("{status}"),
            Ok([at, confidence, kind, rule, shown]) => {
                n += 1;
                outln!("{at:<width$}  {confidence:<6} {kind:<13} {rule:<28} {shown}");
            }
        }
    }
    outln!("\n{n} candidates");
    Ok(0)
}

fn patterns_test(file: &std::path::Path, dirs: &[PathBuf], reveal: bool) -> Result<i32> {
    let is_rules = file.extension().is_some_and(|e| e == "toml");
    let mut all: Vec<PathBuf> = dirs.to_vec();
    if is_rules {
        all.push(file.to_path_buf());
    }
    let rules = RuleSet::load(&all)?;
    if is_rules {
        let mut failed = 0;
        let mut passed = 0;
        let src = file.display().to_string();
        for (ri, r) in rules
            .rules
            .iter()
            .enumerate()
            .filter(|(_, r)| r.source == src)
        {
            for (ex, want) in r
                .spec
                .examples
                .iter()
                .map(|e| (e, true))
                .chain(r.spec.negative_examples.iter().map(|e| (e, false)))
            {
                let (_, f) = detect::scan_text(&rules, ex.as_bytes(), detect::example_ext(ex));
                let hit = f
                    .iter()
                    .any(|f| f.rule == ri && f.confidence >= Confidence::Medium);
                let ok = hit == want;
                if ok {
                    passed += 1;
                } else {
                    failed += 1;
                }
                let what = if want { "example" } else { "negative example" };
                outln!(
                    "{} {:<28} {what}: {:?}",
                    if ok { "ok  " } else { "FAIL" },
                    r.spec.id,
                    if reveal {
                        ex.clone()
                    } else {
                        format!("{} chars", ex.len())
                    }
                );
            }
        }
        outln!("\n{passed} passed, {failed} failed");
        return Ok(if failed > 0 { 1 } else { 0 });
    }
    let data = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
    let text: Vec<u8> = match crate::extract::sniff(&data[..data.len().min(65536)]) {
        crate::extract::Sniffed::Text { encoding, bom } => {
            let mut r =
                crate::extract::text::TextReader::new(&data[data.len()..], encoding, &data, bom);
            r.next_chunk(b'\n')?;
            r.text.clone()
        }
        // PDFs, spreadsheets, office documents, mail, archives: through the scanner itself.
        _ => return patterns_test_document(file, dirs, reveal),
    };
    let ext = file.extension().and_then(|e| e.to_str());
    let (format, findings) = detect::scan_text(&rules, &text, ext);
    outln!("format: {}", format.name());
    for f in &findings {
        let r = &rules.rules[f.rule];
        let line = 1 + memchr::memchr_iter(b'\n', &text[..f.start]).count();
        let shown = if reveal {
            f.value.clone()
        } else {
            mask::mask(f.kind, r.spec.mask.as_deref(), &f.value)
        };
        outln!(
            "line {line:>5}  {:<6} {:<13} {:<28} {shown}",
            f.confidence.as_str(),
            f.kind.as_str(),
            r.spec.id
        );
    }
    outln!("\n{} candidates", findings.len());
    Ok(0)
}
