//! The HTML report (src/inventory/html.rs) loaded in a real headless Chromium (Debian's
//! `chromium`; tests/setup-chromium.sh installs it): the key numbers are in the rendered DOM,
//! the page logs nothing to the console and raises no error, sorting and filtering work when
//! clicked, hostile values stay text, and screenshots are written to target/report-screenshots/
//! for review. Plus checks that need no browser: no outside references, no raw value, bounded
//! size for 100,000 files, the SHA-256 sidecar.

use phiscan::inventory::html;
use phiscan::inventory::report::{
    Change, CoverageRow, Evidence, FileRow, FolderNode, FtpExposure, Overview, ReportData, Sample,
};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const CHROMIUM: &str = "/usr/bin/chromium";
/// A file name built to break out of HTML if it were not escaped.
const HOSTILE: &str = "<script>alert(1)</script>&\"'.txt";
/// An SSN-like value that is nowhere in the report data: it must not be anywhere in the output.
const RAW_SSN: &str = "457-55-5462";
const SSN_MASKED: &str = "***-**-5462";
const ROOT: &str = "/mnt/shares/clinical";

// ---------------------------------------------------------------------------------------------
// The report data

fn map<const N: usize>(pairs: [(&str, u64); N]) -> BTreeMap<String, u64> {
    pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect()
}

fn folder(path: &str, files: u64, findings: u64, children: Vec<FolderNode>) -> FolderNode {
    FolderNode {
        name: path.rsplit('/').next().unwrap_or(path).to_string(),
        path: path.to_string(),
        files_with_phi: files,
        findings,
        children,
    }
}

fn sample(kind: &str, masked: &str, location: &str) -> Sample {
    Sample {
        kind: kind.into(),
        masked: masked.into(),
        location: location.into(),
    }
}

/// A realistic scan of a hospital share and an FTP server, with a hostile file name in it.
fn report() -> ReportData {
    let by_kind: BTreeMap<String, BTreeMap<String, u64>> = [
        ("ssn", map([("high", 4210), ("medium", 380), ("low", 12)])),
        ("mrn", map([("high", 3105), ("medium", 644), ("low", 0)])),
        ("dob", map([("high", 0), ("medium", 2210), ("low", 301)])),
        (
            "insurance_id",
            map([("high", 612), ("medium", 190), ("low", 45)]),
        ),
        ("phone", map([("high", 0), ("medium", 611), ("low", 88)])),
        ("email", map([("high", 301), ("medium", 0), ("low", 0)])),
        ("npi", map([("high", 122), ("medium", 16), ("low", 0)])),
    ]
    .into_iter()
    .map(|(k, m)| (k.to_string(), m))
    .collect();
    let findings: u64 = by_kind.values().flat_map(|m| m.values()).sum();
    assert_eq!(findings, 12_847);

    let dirs = [
        ("Billing/Claims/2025", 3),
        ("Billing/Statements", 2),
        ("Radiology/Reports", 2),
        ("Radiology/Worklists", 1),
        ("Oncology/Referrals", 2),
        ("HR/Benefits", 1),
        ("Scans/Inbox", 1),
        ("Shared/Exports", 2),
        ("Archive/2019", 1),
    ];
    let names = [
        "patient_roster.xlsx",
        "claims_837_batch.x12",
        "adt_feed.hl7",
        "referral_letter.docx",
        "worklist.csv",
        "discharge_summary.pdf",
        "eligibility_270.txt",
        "mailmerge.csv",
    ];
    let mut files = Vec::new();
    let mut i = 0u64;
    for (d, weight) in dirs {
        for n in names.iter().take(2 + weight * 2) {
            i += 1;
            let ssn = 900 / i + 3 * weight as u64;
            let mrn = (i * 37) % 90;
            let dob = (i * 11) % 40;
            let ins = if d.starts_with("Billing") {
                20 + i % 17
            } else {
                0
            };
            let phone = i % 7;
            let mut kinds = map([
                ("ssn", ssn),
                ("mrn", mrn),
                ("dob", dob),
                ("insurance_id", ins),
                ("phone", phone),
            ]);
            kinds.retain(|_, v| *v > 0);
            let total = kinds.values().sum();
            files.push(FileRow {
                path: format!("{ROOT}/{d}/{i:03}_{n}"),
                status: "scanned".into(),
                findings: total,
                kinds,
                max_confidence: Some(if i % 5 == 4 { "medium" } else { "high" }.into()),
                samples: vec![
                    sample("ssn", SSN_MASKED, &format!("line {}", 12 + i)),
                    sample(
                        "mrn",
                        "MRN****4821",
                        &format!("sheet Patients, cell C{}", i + 1),
                    ),
                    sample("dob", "**/**/1987", "PID-7"),
                ],
                risk: 1000 - i,
            });
        }
    }
    files.push(FileRow {
        path: format!("{ROOT}/Shared/Exports/{HOSTILE}"),
        status: "scanned".into(),
        findings: 3,
        kinds: map([("ssn", 2), ("email", 1)]),
        max_confidence: Some("high".into()),
        samples: vec![sample("ssn", SSN_MASKED, "line 1")],
        risk: 5,
    });
    files.push(FileRow {
        path: format!("{ROOT}/Shared/Exports/notes\nnew\u{202e}txt.exe"),
        status: "scanned".into(),
        findings: 1,
        kinds: map([("ssn", 1)]),
        max_confidence: Some("medium".into()),
        samples: vec![sample("ssn", SSN_MASKED, "line 3")],
        risk: 4,
    });
    files.push(FileRow {
        path: format!("{ROOT}/Archive/2019/exports.zip!/patients.csv"),
        status: "error".into(),
        findings: 4,
        kinds: map([("ssn", 4)]),
        max_confidence: Some("high".into()),
        samples: vec![sample("ssn", SSN_MASKED, "line 88")],
        risk: 3,
    });

    let mut coverage = Vec::new();
    let reasons = [
        ("no_text", 18, "scanned image: no text layer"),
        ("encrypted", 9, "password-protected workbook"),
        (
            "too_large",
            4,
            "4.2 GiB is larger than --max-file-size 256M",
        ),
        ("unsupported", 6, "Visio drawing (.vsdx) is not read"),
        ("error", 3, "permission denied (os error 13)"),
    ];
    for (status, n, reason) in reasons {
        for j in 0..n {
            coverage.push(CoverageRow {
                path: format!("{ROOT}/Scans/Inbox/{status}_{j:02}.pdf"),
                status: status.into(),
                reason: reason.into(),
            });
        }
    }

    ReportData {
        evidence: Evidence {
            scan_id: 42,
            started: "2026-11-23T01:00:04Z".into(),
            finished: Some("2026-11-23T01:47:31Z".into()),
            host: "scan01.stmarys.local".into(),
            targets: vec![ROOT.into(), "ftp://files.stmarys.example:21/".into()],
            scanner_version: "0.1.0".into(),
            ruleset_hash: "9f2c4e81b07d3a65c1e8f4d2a9b6c3e07f1d5a8b2c6e9f0a3d7b1c4e8f2a6d90".into(),
            options: [
                ("--threads", "8"),
                ("--min-confidence", "medium"),
                ("--max-file-size", "256M"),
                ("--exclude", "*.iso, *.vmdk"),
                ("--key-file", "/var/lib/phiscan/key"),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
            complete: true,
        },
        overview: Overview {
            files: 574,
            files_by_status: map([
                ("scanned", 531),
                ("no_text", 18),
                ("encrypted", 9),
                ("too_large", 4),
                ("unsupported", 6),
                ("error", 3),
                ("skipped", 3),
            ]),
            files_with_phi: 323,
            findings,
            bytes_read: 3_448_012_117,
        },
        findings_by_kind: by_kind,
        distinct_by_kind: map([
            ("ssn", 4102),
            ("mrn", 3377),
            ("dob", 1980),
            ("insurance_id", 702),
            ("phone", 540),
            ("email", 233),
            ("npi", 41),
        ]),
        folders: vec![folder(
            ROOT,
            323,
            12_847,
            vec![
                folder(
                    &format!("{ROOT}/Billing"),
                    121,
                    5210,
                    vec![
                        folder(&format!("{ROOT}/Billing/Claims"), 88, 4102, vec![]),
                        folder(&format!("{ROOT}/Billing/Statements"), 29, 1001, vec![]),
                        folder(&format!("{ROOT}/Billing/Remittance"), 4, 107, vec![]),
                    ],
                ),
                folder(
                    &format!("{ROOT}/Radiology"),
                    64,
                    2450,
                    vec![
                        folder(&format!("{ROOT}/Radiology/Reports"), 51, 2011, vec![]),
                        folder(&format!("{ROOT}/Radiology/Worklists"), 13, 439, vec![]),
                    ],
                ),
                folder(
                    &format!("{ROOT}/Oncology"),
                    47,
                    2210,
                    vec![
                        folder(&format!("{ROOT}/Oncology/Referrals"), 30, 1502, vec![]),
                        folder(&format!("{ROOT}/Oncology/Trials"), 17, 708, vec![]),
                    ],
                ),
                folder(
                    &format!("{ROOT}/HR"),
                    38,
                    1201,
                    vec![
                        folder(&format!("{ROOT}/HR/Benefits"), 22, 800, vec![]),
                        folder(&format!("{ROOT}/HR/Onboarding"), 16, 401, vec![]),
                    ],
                ),
                folder(
                    &format!("{ROOT}/Shared"),
                    31,
                    1006,
                    vec![folder(&format!("{ROOT}/Shared/Exports"), 25, 930, vec![])],
                ),
                folder(&format!("{ROOT}/Scans"), 12, 390, vec![]),
                folder(&format!("{ROOT}/Archive"), 10, 380, vec![]),
            ],
        )],
        files,
        coverage,
        change: Some(Change {
            previous_scan_id: 41,
            previous_started: "2026-11-16T01:00:02Z".into(),
            files_with_phi_before: 298,
            files_with_phi_now: 323,
            findings_before: 13_990,
            findings_now: 12_847,
            new_phi_files: (1..=31)
                .map(|i| format!("{ROOT}/Oncology/Referrals/2026-11/referral_{i:04}.pdf"))
                .collect(),
            cleaned_files: (1..=6)
                .map(|i| format!("{ROOT}/Billing/Statements/old/statement_{i:02}.csv"))
                .collect(),
        }),
        ftp: vec![
            FtpExposure {
                target: "ftp://files.stmarys.example:21/".into(),
                banner: "220 (vsFTPd 3.0.3)".into(),
                anonymous_login: true,
                anonymous_write: Some(false),
                auth_tls_offered: false,
                plaintext_login_accepted: true,
                exposure_line: Some(
                    "anonymous FTP exposes 41 files containing PHI (1,388 distinct SSNs)".into(),
                ),
            },
            FtpExposure {
                target: "ftps://transfer.stmarys.example:990/".into(),
                banner: "220 ProFTPD Server ready.".into(),
                anonymous_login: false,
                anonymous_write: None,
                auth_tls_offered: true,
                plaintext_login_accepted: false,
                exposure_line: None,
            },
        ],
    }
}

/// Every string field set to markup, quotes, control and direction-override characters.
fn hostile_report() -> ReportData {
    let h = |tag: &str| {
        format!("{tag}<script>alert(1)</script>\"><img src=x onerror=alert(2)>'&amp;\n\u{202e}\u{0}\u{1b}[31m")
    };
    let mut r = report();
    r.evidence.host = h("host");
    r.evidence.targets = vec![h("target")];
    r.evidence.scanner_version = h("version");
    r.evidence.ruleset_hash = h("hash");
    r.evidence.started = h("started");
    r.evidence.finished = Some(h("finished"));
    r.evidence.options.insert(h("opt"), h("val"));
    r.overview.files_by_status.insert(h("status"), 1);
    r.findings_by_kind
        .insert(h("kind"), map([("high", 5), ("<b>conf</b>", 2)]));
    r.distinct_by_kind.insert(h("kind"), 3);
    r.folders[0].children.push(folder(
        &h("folder"),
        999,
        999,
        vec![folder(&h("sub"), 500, 500, vec![])],
    ));
    r.files.insert(
        0,
        FileRow {
            path: h("path"),
            status: h("status"),
            findings: 9,
            kinds: map([("ssn", 1)])
                .into_iter()
                .chain([(h("kind"), 8)])
                .collect(),
            max_confidence: Some(h("conf")),
            samples: vec![sample(&h("kind"), &h("masked"), &h("loc"))],
            risk: 9999,
        },
    );
    r.coverage.insert(
        0,
        CoverageRow {
            path: h("cov"),
            status: h("status"),
            reason: h("reason"),
        },
    );
    let c = r.change.as_mut().unwrap();
    c.previous_started = h("prev");
    c.new_phi_files.push(h("new"));
    c.cleaned_files.push(h("cleaned"));
    r.ftp[0].target = h("ftp");
    r.ftp[0].banner = h("banner");
    r.ftp[0].exposure_line = Some(h("exposure"));
    r
}

// ---------------------------------------------------------------------------------------------
// Headless Chromium

fn chromium() -> &'static str {
    assert!(
        Path::new(CHROMIUM).exists(),
        "{CHROMIUM} is missing: the HTML report test needs Debian's chromium. Install it with \
         tests/setup-chromium.sh (runs apt-get install chromium, as root or through sudo)."
    );
    CHROMIUM
}

struct Run {
    stdout: String,
    /// Chromium's console messages from the page (":CONSOLE" log lines).
    console: Vec<String>,
    elapsed: Duration,
}

/// Runs headless Chromium on `page` with a fresh profile; `mode` is `--dump-dom` or
/// `--screenshot=...` plus its options.
fn run_chromium(dir: &Path, name: &str, page: &Path, mode: &[String]) -> Run {
    let profile = dir.join(format!("profile-{name}"));
    std::fs::create_dir_all(&profile).unwrap();
    // Output goes to files: a DOM dump is larger than a pipe's buffer.
    let out_path = dir.join(format!("{name}.stdout"));
    let err_path = dir.join(format!("{name}.stderr"));
    let t0 = Instant::now();
    let mut child = Command::new(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(mode)
        .arg(format!("file://{}", page.display()))
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&out_path).unwrap())
        .stderr(std::fs::File::create(&err_path).unwrap())
        .spawn()
        .unwrap();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if t0.elapsed() > Duration::from_secs(90) {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "chromium ({name}) did not finish in 90 s; stderr:\n{}",
                std::fs::read_to_string(&err_path).unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let elapsed = t0.elapsed();
    let stdout = std::fs::read_to_string(&out_path).unwrap();
    let stderr = std::fs::read_to_string(&err_path).unwrap();
    assert!(
        status.success(),
        "chromium ({name}) failed: {status}\n{stderr}"
    );
    let console = stderr
        .lines()
        .filter(|l| l.contains(":CONSOLE"))
        .map(str::to_string)
        .collect();
    Run {
        stdout,
        console,
        elapsed,
    }
}

fn dump_dom(dir: &Path, name: &str, page: &Path) -> Run {
    run_chromium(dir, name, page, &["--dump-dom".to_string()])
}

fn screenshot(dir: &Path, name: &str, page: &Path, png: &Path, height: u32) -> Run {
    let _ = std::fs::remove_file(png);
    let run = run_chromium(
        dir,
        name,
        page,
        &[
            format!("--screenshot={}", png.display()),
            format!("--window-size=1366,{height}"),
        ],
    );
    let bytes =
        std::fs::read(png).unwrap_or_else(|e| panic!("no screenshot {}: {e}", png.display()));
    assert!(
        bytes.starts_with(b"\x89PNG\r\n\x1a\n"),
        "{} is not a PNG",
        png.display()
    );
    // IHDR: width and height, big-endian, at bytes 16..24.
    let w = u32::from_be_bytes(bytes[16..20].try_into().unwrap());
    let h = u32::from_be_bytes(bytes[20..24].try_into().unwrap());
    assert_eq!((w, h), (1366, height), "screenshot size");
    assert!(
        bytes.len() > 20_000,
        "screenshot {} looks blank ({} bytes)",
        png.display(),
        bytes.len()
    );
    run
}

fn screenshot_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"));
    let dir = target.join("report-screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Clicks headers and types into the filters in the page, and writes what it saw into
/// `<pre id="selftest">` as JSON. Injected into a copy of the report with a CSP nonce.
const SELFTEST: &str = r##"
(function () {
  var out = {};
  function rows(id) { return Array.prototype.slice.call(document.getElementById(id).tBodies[0].rows); }
  function shown(id) { return rows(id).filter(function (r) { return !r.hidden; }).length; }
  function header(id, label) {
    var ths = document.getElementById(id).tHead.rows[0].cells;
    for (var i = 0; i < ths.length; i++) if (ths[i].textContent.trim() === label) return i;
    throw new Error("no header " + label);
  }
  function click(id, label) { document.getElementById(id).tHead.rows[0].cells[header(id, label)].querySelector(".sb").click(); }
  function col(id, label) { var c = header(id, label); return rows(id).map(function (r) { return r.cells[c].getAttribute("data-v") || r.cells[c].textContent; }); }
  function order(id) { return rows(id).map(function (r) { return +r.getAttribute("data-i"); }); }
  function set(id, f, value) {
    var box = document.querySelector('.controls[data-for="' + id + '"]');
    var c = box.querySelector('[data-f="' + f + '"]');
    c.value = value;
    c.dispatchEvent(new Event(c.tagName === "SELECT" ? "change" : "input"));
    return box.querySelector("output").textContent;
  }
  function clear(id) { document.querySelector('.controls[data-for="' + id + '"] button.reset').click(); return shown(id); }

  click("file-table", "Total");
  out.totalDesc = col("file-table", "Total").map(Number);
  out.sortDescAttr = document.getElementById("file-table").tHead.rows[0].cells[header("file-table", "Total")].getAttribute("aria-sort");
  click("file-table", "Total");
  out.totalAsc = col("file-table", "Total").map(Number);
  click("file-table", "File");
  out.firstByPath = rows("file-table")[0].cells[header("file-table", "File")].textContent;
  click("file-table", "#");
  out.orderAfterRank = order("file-table");

  out.radiologyOutput = set("file-table", "text", "RADIOLOGY");
  out.radiology = shown("file-table");
  set("file-table", "text", "");
  out.hostile = (set("file-table", "text", "<script>alert(1)<\/script>"), shown("file-table"));
  set("file-table", "text", "");
  out.insurance = (set("file-table", "kind", "insurance_id"), shown("file-table"));
  out.insuranceMedium = (set("file-table", "conf", "medium"), shown("file-table"));
  set("file-table", "kind", "");
  set("file-table", "conf", "");
  out.errorStatus = (set("file-table", "status", "error"), shown("file-table"));
  out.noMatch = (set("file-table", "text", "no such file anywhere"), shown("file-table"));
  out.noMatchNoteShown = !document.querySelector("#files .no-match").hidden;
  out.cleared = clear("file-table");
  out.encrypted = (set("coverage-table", "status", "encrypted"), shown("coverage-table"));
  out.permission = (set("coverage-table", "status", ""), set("coverage-table", "text", "permission denied"), shown("coverage-table"));
  click("coverage-table", "Reason");
  out.firstReason = rows("coverage-table")[0].cells[header("coverage-table", "Reason")].textContent;

  var pre = document.createElement("pre");
  pre.id = "selftest";
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
})();
"##;

fn with_selftest(html: &str) -> String {
    const CSP: &str = "script-src 'sha256-";
    assert!(
        html.contains(CSP),
        "the report has no script hash in its CSP"
    );
    html.replacen(CSP, "script-src 'nonce-phiscantest' 'sha256-", 1)
        .replacen(
            "</body>",
            &format!("<script nonce=\"phiscantest\">{SELFTEST}</script>\n</body>"),
            1,
        )
}

fn assert_clean_page(run: &Run, what: &str) {
    assert!(
        run.console.is_empty(),
        "{what}: console messages:\n{}",
        run.console.join("\n")
    );
    let dom = &run.stdout;
    assert!(
        dom.contains("data-ready=\"1\""),
        "{what}: the page script did not run to its end"
    );
    assert!(
        !dom.contains("data-js-error=\"1\""),
        "{what}: the page raised a script error"
    );
}

// ---------------------------------------------------------------------------------------------
// Tests

#[test]
fn html_report_in_headless_chromium() {
    chromium(); // fails here, with the setup hint, when Chromium is missing
    let t0 = Instant::now();
    let data = report();
    let page = html::render(&data);
    let dir = tempfile::Builder::new()
        .prefix("phiscan-html-")
        .tempdir()
        .unwrap();
    let shots = screenshot_dir();
    let report_path = dir.path().join("report.html");
    std::fs::write(&report_path, &page).unwrap();
    std::fs::write(shots.join("report.html"), &page).unwrap();
    let selftest_path = dir.path().join("selftest.html");
    std::fs::write(&selftest_path, with_selftest(&page)).unwrap();
    let hostile_path = dir.path().join("hostile.html");
    let hostile_page = html::render(&hostile_report());
    std::fs::write(&hostile_path, &hostile_page).unwrap();
    std::fs::write(shots.join("report-hostile.html"), &hostile_page).unwrap();

    // Five browsers at once: one Chromium start is about a second.
    let d = dir.path();
    let (dom, selftest, hostile, shot, full) = std::thread::scope(|s| {
        let dom = s.spawn(|| dump_dom(d, "dom", &report_path));
        let selftest = s.spawn(|| dump_dom(d, "selftest", &selftest_path));
        let hostile = s.spawn(|| dump_dom(d, "hostile", &hostile_path));
        let shot = s.spawn(|| screenshot(d, "shot", &report_path, &shots.join("report.png"), 900));
        let full = s.spawn(|| {
            screenshot(
                d,
                "full",
                &report_path,
                &shots.join("report-full.png"),
                5600,
            )
        });
        (
            dom.join().unwrap(),
            selftest.join().unwrap(),
            hostile.join().unwrap(),
            shot.join().unwrap(),
            full.join().unwrap(),
        )
    });

    // The page as a reader sees it.
    assert_clean_page(&dom, "report");
    assert!(
        shot.console.is_empty() && full.console.is_empty(),
        "console: {:?} {:?}",
        shot.console,
        full.console
    );
    let text = &dom.stdout;
    for needle in [
        "PHI inventory report",
        "PHI found in 323 of 574 files",
        "12,847 findings",
        "≈ 4,102 individuals (distinct SSNs)",
        "40 files could not be read",
        "/mnt/shares/clinical",
        "#42 · 2026-11-23 01:00:04 UTC · took 47 min 27 s",
        "scan01.stmarys.local",
        ">574<",                 // files examined
        ">323<",                 // files containing PHI
        ">4,102<",               // distinct SSNs
        ">4,602<",               // SSN findings
        "Medical record no.",
        "40 of 574 files (7%) could not be read.",
        "password-protected workbook",
        "permission denied (os error 13)",
        "anonymous FTP exposes 41 files containing PHI (1,388 distinct SSNs)",
        "not offered: passwords and files travel in clear text",
        "not tested (run with --probe-write to test)",
        "Change since the previous scan",
        "▲ +25 (+8%)",
        "▼ −1,143 (−8%)",
        "referral_0031.pdf",
        "statement_06.csv",
        "9f2c4e81b07d3a65c1e8f4d2a9b6c3e07f1d5a8b2c6e9f0a3d7b1c4e8f2a6d90",
        "--max-file-size",
        SSN_MASKED,
        "sheet Patients, cell C2",
        // The hostile name is text: split at its '/' into folder and name, every character escaped.
        "&lt;script&gt;alert(1)&lt;/<wbr></span><span class=\"fn\">script&gt;&amp;\"'.txt</span>",
        // Control and direction-override characters are shown, not obeyed.
        "notes<span class=\"ctl\" title=\"invisible character U+000A\">LF</span>new<span class=\"ctl\" title=\"invisible character U+202E\">U+202E</span>txt.exe",
    ] {
        assert!(text.contains(needle), "the rendered DOM lacks {needle:?}");
    }
    assert!(!text.contains("Interrupted scan"));
    assert_eq!(
        text.matches("<script").count(),
        1,
        "one script element, the report's own"
    );
    assert!(!text.contains(RAW_SSN), "a raw SSN is in the DOM");
    let file_rows = text.matches("<tr data-i=").count();
    assert_eq!(
        file_rows,
        data.files.len() + data.coverage.len(),
        "table rows"
    );

    // Sorting and filtering, clicked and typed in the page.
    assert_clean_page(&selftest, "selftest");
    let s = &selftest.stdout;
    let json = s
        .split_once("<pre id=\"selftest\">")
        .and_then(|(_, rest)| rest.split_once("</pre>"))
        .map(|(j, _)| {
            j.replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&amp;", "&")
        })
        .unwrap_or_else(|| panic!("no selftest result in the DOM"));
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let totals: Vec<u64> = v["totalDesc"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_u64().unwrap())
        .collect();
    assert_eq!(totals.len(), data.files.len());
    assert!(
        totals.windows(2).all(|w| w[0] >= w[1]),
        "Total sorted descending: {totals:?}"
    );
    assert_eq!(v["sortDescAttr"], "descending");
    let asc: Vec<u64> = v["totalAsc"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_u64().unwrap())
        .collect();
    assert!(
        asc.windows(2).all(|w| w[0] <= w[1]),
        "Total sorted ascending: {asc:?}"
    );
    let mut paths: Vec<&str> = data.files.iter().map(|f| f.path.as_str()).collect();
    paths.sort_by_key(|p| p.to_lowercase());
    assert!(
        v["firstByPath"]
            .as_str()
            .unwrap()
            .starts_with(&format!("{ROOT}/Archive/")),
        "{}",
        v["firstByPath"]
    );
    let order: Vec<u64> = v["orderAfterRank"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_u64().unwrap())
        .collect();
    assert_eq!(
        order,
        (0..data.files.len() as u64).collect::<Vec<_>>(),
        "# restores the risk order"
    );
    let radiology = data
        .files
        .iter()
        .filter(|f| f.path.to_lowercase().contains("radiology"))
        .count();
    assert!(radiology > 0);
    assert_eq!(v["radiology"], radiology);
    assert_eq!(
        v["radiologyOutput"],
        format!("Showing {radiology} of {} files", data.files.len())
    );
    assert_eq!(v["hostile"], 1, "the hostile name is found by its text");
    let insurance = data
        .files
        .iter()
        .filter(|f| f.kinds.contains_key("insurance_id"))
        .count();
    assert_eq!(v["insurance"], insurance);
    let insurance_medium = data
        .files
        .iter()
        .filter(|f| {
            f.kinds.contains_key("insurance_id") && f.max_confidence.as_deref() == Some("medium")
        })
        .count();
    assert!(insurance_medium > 0 && insurance_medium < insurance);
    assert_eq!(v["insuranceMedium"], insurance_medium);
    assert_eq!(v["errorStatus"], 1);
    assert_eq!(v["noMatch"], 0);
    assert_eq!(v["noMatchNoteShown"], true);
    assert_eq!(v["cleared"], data.files.len());
    assert_eq!(v["encrypted"], 9);
    assert_eq!(v["permission"], 3);
    assert_eq!(
        v["firstReason"],
        "4.2 GiB is larger than --max-file-size 256M"
    );

    // Hostile values everywhere: all of it text, nothing executed or inserted.
    assert_clean_page(&hostile, "hostile report");
    let h = &hostile.stdout;
    assert_eq!(
        h.matches("<script").count(),
        1,
        "a <script> element came from data"
    );
    assert!(!h.contains("<img"), "an <img> element came from data");
    assert!(!h.contains("<b>conf"), "markup from data");
    assert!(h.contains(
        "&lt;script&gt;alert(1)&lt;/script&gt;\"&gt;&lt;img src=x onerror=alert(2)&gt;'&amp;amp;"
    ));
    for mark in [
        ">U+202E<",
        ">NUL<",
        ">ESC<",
        ">LF<",
        "[LF][U+202E][NUL][ESC]",
    ] {
        assert!(
            h.contains(mark),
            "no visible mark {mark:?} for an invisible character"
        );
    }

    eprintln!(
        "html_report: chromium dump-dom {:.1} s, selftest {:.1} s, hostile {:.1} s, screenshot {:.1} s, \
         full-page screenshot {:.1} s; test {:.1} s; screenshots in {}",
        dom.elapsed.as_secs_f64(),
        selftest.elapsed.as_secs_f64(),
        hostile.elapsed.as_secs_f64(),
        shot.elapsed.as_secs_f64(),
        full.elapsed.as_secs_f64(),
        t0.elapsed().as_secs_f64(),
        shots.display()
    );
}

#[test]
fn html_report_is_self_contained_and_escaped() {
    let page = html::render(&report());
    let lower = page.to_lowercase();
    for bad in [
        "src=\"http",
        "href=\"http",
        "src='http",
        "href='http",
        "<link rel=\"stylesheet\"",
        "@import",
        "url(",
        "<iframe",
        "<object",
        "<embed",
        "<img",
    ] {
        assert!(
            !lower.contains(bad),
            "the report references something outside it: {bad:?}"
        );
    }
    // The only link is the empty data: favicon (keeps browsers from asking for /favicon.ico).
    assert_eq!(lower.matches("<link").count(), 1);
    assert!(page.contains("<link rel=\"icon\" href=\"data:,\">"));
    assert!(page.contains("Content-Security-Policy\" content=\"default-src 'none';"));
    assert!(!page.contains(RAW_SSN), "a raw SSN is in the report");
    assert!(page.contains(SSN_MASKED));
    assert!(
        !page.contains("<script>alert"),
        "the hostile path was not escaped"
    );
    assert!(page.contains("&lt;script&gt;alert(1)&lt;/"));
    assert!(page.contains("script&gt;&amp;&quot;&#39;.txt"));
    assert_eq!(page.matches("<script").count(), 1);

    let hostile = html::render(&hostile_report());
    assert_eq!(hostile.matches("<script").count(), 1);
    assert!(!hostile.contains("<img"));
    assert!(
        !hostile.contains('\u{0}') && !hostile.contains('\u{1b}') && !hostile.contains('\u{202e}')
    );
    assert!(!hostile.contains("<b>conf"));

    // An empty report renders too.
    let empty = html::render(&ReportData::default());
    assert!(empty.contains("No files were scanned"));
    assert!(empty.contains("No file has findings."));
    assert!(
        !empty.contains("id=\"ftp\""),
        "no FTP section without FTP targets"
    );
    // An interrupted first scan of a share: said so, no change section, no FTP section.
    let mut r = report();
    r.evidence.complete = false;
    r.change = None;
    r.ftp.clear();
    let p = html::render(&r);
    assert!(p.contains("<strong>Interrupted scan.</strong>"));
    assert!(p.contains("This is the first scan of these targets"));
    assert!(!p.contains("id=\"ftp\"") && !p.contains("href=\"#ftp\""));
    // The same data renders to the same bytes (the sidecar's hash identifies the report).
    assert_eq!(page, html::render(&report()));
}

#[test]
fn html_report_stays_small_for_100k_files() {
    let mut r = report();
    let base = r.files[0].clone();
    r.files = (0..100_000)
        .map(|i| FileRow {
            path: format!("{ROOT}/Bulk/{:03}/{i:06}_roster.csv", i % 500),
            ..base.clone()
        })
        .collect();
    r.coverage = (0..100_000)
        .map(|i| CoverageRow {
            path: format!("{ROOT}/Scans/{:03}/{i:06}.tif.pdf", i % 500),
            status: "no_text".into(),
            reason: "scanned image: no text layer".into(),
        })
        .collect();
    let c = r.change.as_mut().unwrap();
    c.new_phi_files = (0..50_000)
        .map(|i| format!("{ROOT}/Bulk/new_{i:06}.csv"))
        .collect();
    c.cleaned_files = (0..50_000)
        .map(|i| format!("{ROOT}/Bulk/old_{i:06}.csv"))
        .collect();
    r.overview.files = 200_000;
    let t0 = Instant::now();
    let page = html::render(&r);
    let took = t0.elapsed();
    eprintln!(
        "html_report: 100,000 files render to {:.1} MB in {:.0} ms",
        page.len() as f64 / 1e6,
        took.as_secs_f64() * 1e3
    );
    assert!(page.len() < 12_000_000, "report of {} bytes", page.len());
    assert_eq!(
        page.matches("<tr data-i=").count(),
        html::MAX_FILE_ROWS + html::MAX_COVERAGE_ROWS
    );
    assert!(page.contains("The 5,000 riskiest of 100,000 files are listed."));
    assert!(page.contains("5,000 of 100,000 files are listed."));
    assert!(page.contains("The first 1,000 of 50,000 are listed"));
    assert!(took < Duration::from_secs(5), "render took {took:?}");
}

#[test]
fn sha256_sidecar_verifies_with_sha256sum() {
    let page = html::render(&report());
    let sidecar = html::sha256_sidecar(&page);
    let (hex, rest) = sidecar.split_once("  ").unwrap();
    assert_eq!(hex.len(), 64);
    assert!(hex
        .bytes()
        .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));
    assert_eq!(rest, "report.html\n");
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("report.html"), &page).unwrap();
    std::fs::write(dir.path().join("report.html.sha256"), &sidecar).unwrap();
    let out = Command::new("sha256sum")
        .args(["-c", "report.html.sha256"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout), "report.html: OK\n");
    assert_eq!(
        html::sha256_sidecar_named(&page, "scan-42.html"),
        format!("{hex}  scan-42.html\n")
    );
}
