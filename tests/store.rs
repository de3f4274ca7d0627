//! The inventory store: a real SQLite file in every test, incremental rescans, resume after
//! kill -9, diffs, reports, and no raw value anywhere.

use crate::harness::{ssn_lines, Env};
use std::os::unix::fs::PermissionsExt;

fn scan_db(env: &Env, db: &std::path::Path, extra: &[&str]) -> crate::harness::Scan {
    let mut args = vec!["--db", db.to_str().unwrap()];
    args.extend_from_slice(extra);
    env.scan_root(&args)
}

fn tree(env: &Env, n: usize) {
    for i in 0..n {
        env.write(
            &format!("dept{}/patient-{i}.txt", i % 7),
            format!(
                "Patient {i}\nSSN: 234-56-{:04}\nDOB: 03/14/1972\n",
                1000 + i % 9000
            ),
        );
    }
    env.write("clean/menu.txt", "Lunch: soup\n");
}

#[test]
fn unchanged_rescan_reads_nothing_and_carries_everything_forward() {
    let env = Env::new();
    tree(&env, 60);
    let db = env.dir.path().join("inv.sqlite");
    let first = scan_db(&env, &db, &[]);
    assert_eq!(first.summary()["incremental"]["new"], 61);
    assert!(first.summary()["bytes_read"].as_u64().unwrap() > 0);
    let mode = std::fs::metadata(&db).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "the database is owner-only");

    let second = scan_db(&env, &db, &[]);
    let s = second.summary();
    assert_eq!(
        s["bytes_read"], 0,
        "an unchanged tree reads zero content bytes"
    );
    assert_eq!(s["incremental"]["carried_forward"], 61);
    assert_eq!(s["incremental"]["rescanned"], 0);
    assert_eq!(s["findings"], first.summary()["findings"]);
    assert_eq!(s["files_with_phi"], 60);
    assert_eq!(second.code, 1);
    let fps = |x: &crate::harness::Scan| {
        let mut v: Vec<String> = x
            .findings()
            .iter()
            .map(|f| format!("{}{}{}", f["path"], f["fingerprint"], f["location"]))
            .collect();
        v.sort();
        v
    };
    assert_eq!(
        fps(&first),
        fps(&second),
        "carried findings are the same findings"
    );

    let full = scan_db(&env, &db, &["--full"]);
    assert_eq!(full.summary()["incremental"]["rescanned"], 61);
    assert!(full.summary()["bytes_read"].as_u64().unwrap() > 0);
}

/// A rescan carries each unchanged file's record forward as it was: its format (a CDA
/// document, an HTML page, a SQL dump, a FHIR XML resource ...) and its encoding included.
#[test]
fn carried_file_records_keep_their_format() {
    let env = Env::new();
    env.write("a/notes.txt", "SSN: 234-56-7891\n");
    env.write("a/list.csv", "name,ssn\nJane Roe,234-56-7892\n");
    env.write(
        "a/page.html",
        "<html><body><table><tr><th>SSN</th></tr><tr><td>234-56-7893</td></tr></table></body></html>\n",
    );
    env.write(
        "a/dump.sql",
        "-- MySQL dump 10.13\nINSERT INTO `patients` VALUES (1,'Roe','234-56-7894');\n",
    );
    env.write(
        "a/ccd.xml",
        "<?xml version=\"1.0\"?>\n<ClinicalDocument xmlns=\"urn:hl7-org:v3\"><recordTarget><patientRole>\n<id extension=\"998991\" root=\"2.16.840.1.113883.19.5\"/>\n</patientRole></recordTarget></ClinicalDocument>\n",
    );
    env.write(
        "a/patient.xml",
        "<Patient xmlns=\"http://hl7.org/fhir\">\n  <birthDate value=\"1974-12-25\"/>\n</Patient>\n",
    );
    let mut utf16 = vec![0xFF, 0xFE];
    for u in "SSN: 234-56-7895\n".encode_utf16() {
        utf16.extend_from_slice(&u.to_le_bytes());
    }
    env.write("a/wide.txt", utf16);
    let db = env.dir.path().join("inv.sqlite");
    let records = |s: &crate::harness::Scan| {
        let mut v: Vec<String> = s
            .files()
            .iter()
            .map(|f| format!("{} {} {}", f["path"], f["format"], f["encoding"]))
            .collect();
        v.sort();
        v
    };
    let first = scan_db(&env, &db, &[]);
    let second = scan_db(&env, &db, &[]);
    assert_eq!(second.summary()["incremental"]["carried_forward"], 7);
    assert_eq!(records(&first), records(&second));
    for (file, format) in [
        ("ccd.xml", "cda-xml"),
        ("page.html", "html"),
        ("dump.sql", "sql"),
        ("wide.txt", "text"),
    ] {
        assert_eq!(second.file(file)["format"], format, "{file}");
    }
}

#[test]
fn modified_and_removed_files_show_in_diff() {
    let env = Env::new();
    tree(&env, 10);
    let db = env.dir.path().join("inv.sqlite");
    scan_db(&env, &db, &[]);
    // One file gets PHI, one loses it (cleanup), one is deleted.
    std::fs::write(
        env.path("clean/menu.txt"),
        "Lunch: soup\nCall Jane, SSN 345-67-8912\n",
    )
    .unwrap();
    std::fs::write(
        env.path("dept1/patient-1.txt"),
        "Patient 1 (record moved to the EHR)\n",
    )
    .unwrap();
    std::fs::remove_file(env.path("dept2/patient-2.txt")).unwrap();
    let second = scan_db(&env, &db, &[]);
    let inc = &second.summary()["incremental"];
    assert_eq!(
        (
            inc["rescanned"].as_u64(),
            inc["carried_forward"].as_u64(),
            inc["gone"].as_u64()
        ),
        (Some(2), Some(8), Some(1))
    );
    let out = env.run(&["diff", "--db", db.to_str().unwrap(), "--format", "json"]);
    assert_eq!(out.status.code(), Some(1), "files newly contain PHI");
    let d: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let names = |k: &str| -> Vec<String> {
        d[k].as_array()
            .unwrap()
            .iter()
            .map(|p| p.as_str().unwrap().rsplit('/').next().unwrap().to_string())
            .collect()
    };
    assert_eq!(names("new_phi"), ["menu.txt"]);
    let mut removed = names("removed_phi");
    removed.sort();
    assert_eq!(removed, ["patient-1.txt", "patient-2.txt"]);
    assert_eq!(d["files_with_phi_a"], 10);
    assert_eq!(d["files_with_phi_b"], 9);
    let text = env.run(&["diff", "--db", db.to_str().unwrap()]);
    let t = String::from_utf8(text.stdout).unwrap();
    assert!(
        t.contains("+ ") && t.contains("menu.txt") && t.contains("- "),
        "{t}"
    );
}

#[test]
fn kill_9_mid_scan_then_resume_loses_nothing() {
    let env = Env::new();
    tree(&env, 3000);
    // Two PDFs whose page tree loops: each keeps the scan busy until --extract-timeout, so
    // the kill lands in the middle of the scan.
    for i in 0..2 {
        env.write(
            &format!("slow/loop{i}.pdf"),
            crate::documents::looping_pdf(),
        );
    }
    let db = env.dir.path().join("inv.sqlite");
    let key = env.key.to_str().unwrap().to_string();
    let mut child = env
        .cmd()
        .args([
            "scan",
            "--format",
            "jsonl",
            "-o",
            "/dev/null",
            "-j",
            "1",
            "--extract-timeout",
            "3",
            "--key-file",
            &key,
            "--db",
            db.to_str().unwrap(),
        ])
        .arg(env.root())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Wait until some files are committed, then kill -9.
    let conn_count = || -> i64 {
        rusqlite::Connection::open(&db)
            .and_then(|c| c.query_row("SELECT count(*) FROM files", [], |r| r.get(0)))
            .unwrap_or(0)
    };
    let start = std::time::Instant::now();
    while conn_count() < 200 && start.elapsed() < std::time::Duration::from_secs(60) {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    unsafe { libc::kill(child.id() as i32, libc::SIGKILL) };
    child.wait().unwrap();
    let committed = conn_count();
    assert!(
        committed >= 200,
        "some files were committed before the kill ({committed})"
    );
    let complete: i64 = rusqlite::Connection::open(&db)
        .unwrap()
        .query_row("SELECT count(*) FROM scans WHERE complete = 1", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(complete, 0, "the killed scan is not complete");
    assert!(
        committed < 3003,
        "the scan finished before it could be killed"
    );
    // The same command again: finished files are carried forward, the rest are read.
    let again = scan_db(&env, &db, &["-j", "2", "--extract-timeout", "3"]);
    let s = again.summary();
    assert_eq!(s["files"], 3003, "every file has exactly one record");
    let carried = s["incremental"]["carried_forward"].as_u64().unwrap();
    assert!(carried >= 150, "resumed: {carried} carried forward");
    assert_eq!(carried + s["incremental"]["new"].as_u64().unwrap(), 3003);
    assert_eq!(s["files_with_phi"], 3000);
    assert_eq!(s["findings"], 6000);
    assert_eq!(
        s["files_by_status"]["error"], 2,
        "the looping PDFs time out"
    );
    let mut paths: Vec<&str> = again
        .files()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    paths.sort();
    paths.dedup();
    assert_eq!(paths.len(), 3003);
    // Once more, unchanged: what the resumed scan read and what it carried from the killed
    // one are carried again, and the report resolves both.
    let third = scan_db(&env, &db, &["-j", "2", "--extract-timeout", "3"]);
    let t = third.summary();
    assert_eq!(t["files"], 3003);
    assert_eq!(t["incremental"]["carried_forward"], 3001);
    assert_eq!(t["incremental"]["rescanned"], 2, "errors are read again");
    assert_eq!(t["findings"], 6000);
    assert_eq!(t["files_with_phi"], 3000);
    let r = report_json(&env, &db, t["scan_id"].as_i64().unwrap());
    assert_eq!(r["overview"]["files"], 3003);
    assert_eq!(r["overview"]["findings"], 6000);
    assert_eq!(r["overview"]["files_with_phi"], 3000);
    assert_eq!(r["overview"]["files_by_status"]["error"], 2);
}

#[test]
fn reports_and_database_hold_no_raw_values() {
    let env = Env::new();
    let planted = [
        "536-22-0198",
        "536220198",
        "XEH812349021",
        "00482913",
        "4539148803436467",
        "4539 1488 0343 6467",
    ];
    env.write(
        "billing/export.csv",
        "Name,SSN,Member ID,MRN,Card\nJane Roe,536-22-0198,XEH812349021,00482913,4539 1488 0343 6467\n",
    );
    env.write("notes/n.txt", "SSN 536220198 DOB 03/14/1972\n");
    env.write("odd/<script>alert(1)</script>\"'.txt", "DOB: 03/14/1972\n");
    let db = env.dir.path().join("inv.sqlite");
    let s = scan_db(&env, &db, &["--reveal"]);
    assert!(
        s.stdout.contains("536220198"),
        "--reveal shows values in the JSONL (the control)"
    );
    let out = env.dir.path();
    for (fmt, file) in [("csv", "r.csv"), ("json", "r.json"), ("html", "r.html")] {
        let o = env.run(&[
            "report",
            "--db",
            db.to_str().unwrap(),
            "--format",
            fmt,
            "-o",
            out.join(file).to_str().unwrap(),
        ]);
        assert_eq!(
            o.status.code(),
            Some(0),
            "{fmt}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        let mode = std::fs::metadata(out.join(file))
            .unwrap()
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(mode, 0o600);
    }
    let mut artifacts = vec![
        out.join("r.csv"),
        out.join("r.json"),
        out.join("r.html"),
        out.join("r.html.sha256"),
        db.clone(),
    ];
    for ext in ["-wal", "-shm"] {
        let p = std::path::PathBuf::from(format!("{}{ext}", db.display()));
        if p.exists() {
            artifacts.push(p);
        }
    }
    for a in &artifacts {
        let bytes = std::fs::read(a).unwrap();
        for v in planted {
            assert!(
                memchr::memmem::find(&bytes, v.as_bytes()).is_none(),
                "{v} found in {}",
                a.display()
            );
        }
    }
    // The CSV opens cleanly in Excel: BOM, quoted fields, one row per file.
    let csv = std::fs::read_to_string(out.join("r.csv")).unwrap();
    assert!(csv.starts_with('\u{feff}'));
    assert!(csv
        .lines()
        .next()
        .unwrap()
        .starts_with("\u{feff}\"path\",\"status\""));
    assert_eq!(csv.lines().count(), 1 + 3);
    let row = csv.lines().find(|l| l.contains("export.csv")).unwrap();
    assert!(row.contains("\"high\""), "{row}");
    // The HTML sidecar is the SHA-256 of the report.
    let html = std::fs::read(out.join("r.html")).unwrap();
    let side = std::fs::read_to_string(out.join("r.html.sha256")).unwrap();
    use sha2::Digest;
    assert!(side.starts_with(&hex::encode(sha2::Sha256::digest(&html))));
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("r.json")).unwrap()).unwrap();
    assert_eq!(json["overview"]["files_with_phi"], 3);
    assert_eq!(json["evidence"]["options"]["reveal"], "true");
}

/// `phiscan report --format FMT --scan ID` into a file, read back.
fn report(env: &Env, db: &std::path::Path, scan: i64, fmt: &str) -> String {
    let out = env.dir.path().join(format!("report-{scan}.{fmt}"));
    let o = env.run(&[
        "report",
        "--db",
        db.to_str().unwrap(),
        "--scan",
        &scan.to_string(),
        "--format",
        fmt,
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "report {fmt} of scan {scan}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    std::fs::read_to_string(out).unwrap()
}

fn report_json(env: &Env, db: &std::path::Path, scan: i64) -> serde_json::Value {
    serde_json::from_str(&report(env, db, scan, "json")).unwrap()
}

/// What two reports of the same tree must agree on, whichever way their rows were stored:
/// everything but the evidence, the change section and the bytes read.
fn report_content(r: &serde_json::Value) -> serde_json::Value {
    let mut overview = r["overview"].clone();
    overview.as_object_mut().unwrap().remove("bytes_read");
    serde_json::json!({
        "overview": overview,
        "findings_by_kind": r["findings_by_kind"],
        "distinct_by_kind": r["distinct_by_kind"],
        "folders": r["folders"],
        "files": r["files"],
        "coverage": r["coverage"],
    })
}

fn diff_json(env: &Env, db: &std::path::Path, a: i64, b: i64) -> serde_json::Value {
    let out = env.run(&[
        "diff",
        "--db",
        db.to_str().unwrap(),
        "--format",
        "json",
        &a.to_string(),
        &b.to_string(),
    ]);
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The records of a scan's JSONL (files and findings, sorted), without what differs between
/// reading a file and carrying it forward (`bytes_read`).
fn records(s: &crate::harness::Scan) -> Vec<String> {
    let mut v: Vec<String> = s
        .records
        .iter()
        .filter(|r| r["type"] != "summary")
        .map(|r| {
            let mut r = r.clone();
            r.as_object_mut().unwrap().remove("bytes_read");
            r.to_string()
        })
        .collect();
    v.sort();
    v
}

fn db_ints(db: &std::path::Path, sql: &str) -> Vec<i64> {
    let c = rusqlite::Connection::open(db).unwrap();
    let mut st = c.prepare(sql).unwrap();
    st.query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

/// A tree with archive members (carried with their top-level file) and a file that cannot be
/// read as text (coverage rows with a reason).
fn tree_with_members(env: &Env, n: usize) {
    tree(env, n);
    let mut buf = std::io::Cursor::new(Vec::new());
    {
        use std::io::Write;
        let mut z = zip::ZipWriter::new(&mut buf);
        let opts = zip::write::SimpleFileOptions::default();
        z.start_file("intake/a.txt", opts).unwrap();
        z.write_all(b"SSN: 456-78-9123\nDOB: 05/06/1961\n").unwrap();
        z.start_file("intake/b.txt", opts).unwrap();
        z.write_all(b"Member ID: XEH812349021\nSSN: 567-89-1234\n")
            .unwrap();
        z.finish().unwrap();
    }
    env.write("archive/intake.zip", buf.into_inner());
    env.write(
        "scans/blob.bin",
        [0u8, 159, 146, 150, 1, 2, 3, 255, 0, 7].repeat(50),
    );
}

/// Issue 5: an unchanged rescan shares the first scan's rows by reference (it writes no file
/// or finding row of its own), and every reader resolves them: the JSONL, the JSON and CSV
/// reports and the diff say exactly what they said for the first scan.
#[test]
fn rescan_by_reference_reports_exactly_what_the_first_scan_did() {
    let env = Env::new();
    tree_with_members(&env, 40);
    let db = env.dir.path().join("inv.sqlite");
    let first = scan_db(&env, &db, &[]);
    let second = scan_db(&env, &db, &[]);
    assert_eq!(second.summary()["incremental"]["carried_forward"], 43);
    assert_eq!(second.summary()["bytes_read"], 0);
    // By reference: no row copied, one reference per top-level file.
    assert_eq!(
        db_ints(&db, "SELECT count(*) FROM files WHERE scan_id = 2"),
        [0]
    );
    assert_eq!(
        db_ints(&db, "SELECT count(*) FROM scan_carry WHERE scan_id = 2"),
        [43]
    );
    assert_eq!(
        db_ints(&db, "SELECT count(*) FROM findings WHERE scan_id = 2"),
        [0]
    );
    // The inventory lists the same records: the zip and its members, every finding; the
    // finding lines byte for byte.
    assert_eq!(records(&first), records(&second));
    let finding_lines = |s: &crate::harness::Scan| {
        let mut v: Vec<String> = s
            .stdout
            .lines()
            .filter(|l| l.starts_with(r#"{"type":"finding""#))
            .map(str::to_string)
            .collect();
        v.sort();
        v
    };
    assert_eq!(finding_lines(&first).len(), first.findings().len());
    assert_eq!(finding_lines(&first), finding_lines(&second));
    assert!(second.files().len() > 43, "members are listed too");
    for k in [
        "findings",
        "files",
        "files_with_phi",
        "findings_by_kind",
        "distinct_by_kind",
    ] {
        assert_eq!(first.summary()[k], second.summary()[k], "{k}");
    }
    // Reports of the two scans agree.
    let (r1, r2) = (report_json(&env, &db, 1), report_json(&env, &db, 2));
    assert_eq!(report_content(&r1), report_content(&r2));
    assert_eq!(r2["overview"]["files"], first.files().len());
    assert_eq!(r2["overview"]["findings"], first.findings().len());
    assert_eq!(r2["overview"]["bytes_read"], 0);
    assert!(r1["overview"]["bytes_read"].as_u64().unwrap() > 0);
    assert!(
        r2["files"].as_array().unwrap().iter().any(|f| f["path"]
            .as_str()
            .unwrap()
            .contains("intake.zip!/intake/b.txt")
            && !f["samples"].as_array().unwrap().is_empty()),
        "carried members keep their masked samples"
    );
    assert_eq!(r2["coverage"].as_array().unwrap().len(), 1);
    assert_ne!(r2["coverage"][0]["reason"], "");
    assert_eq!(r2["change"]["previous_scan_id"], 1);
    assert_eq!(
        r2["change"]["findings_before"],
        r2["change"]["findings_now"]
    );
    assert_eq!(report(&env, &db, 1, "csv"), report(&env, &db, 2, "csv"));
    let html = report(&env, &db, 2, "html");
    assert!(html.contains("intake.zip"));
    // Nothing changed between them.
    let d = diff_json(&env, &db, 1, 2);
    assert_eq!(d["new_phi"], serde_json::json!([]));
    assert_eq!(d["removed_phi"], serde_json::json!([]));
    assert_eq!(d["changed"], serde_json::json!([]));
    assert_eq!(
        (d["files_added"].as_u64(), d["files_removed"].as_u64()),
        (Some(0), Some(0))
    );
    assert_eq!(d["files_with_phi_a"], d["files_with_phi_b"]);
}

/// Issue 5: three scans with a file modified, one deleted and one added in between, then
/// another modification. Files unchanged throughout are carried twice and resolve to the
/// rows the first scan wrote; each scan's report, CSV and JSONL equal those of a full scan of
/// the same tree, and `diff` shows exactly the changes.
#[test]
fn carried_chains_resolve_in_every_report_and_diff_shows_exactly_the_changes() {
    let env = Env::new();
    tree_with_members(&env, 12);
    let db = env.dir.path().join("inv.sqlite");
    let s1 = scan_db(&env, &db, &[]);
    assert_eq!(s1.summary()["incremental"]["new"], 15);

    // Scan 2: patient-1 is cleaned (loses its PHI), patient-2 deleted, a new intake file.
    std::fs::write(
        env.path("dept1/patient-1.txt"),
        "Patient 1 (record moved to the EHR)\n",
    )
    .unwrap();
    std::fs::remove_file(env.path("dept2/patient-2.txt")).unwrap();
    env.write("new/intake.txt", "New patient\nSSN: 345-67-8912\n");
    let s2 = scan_db(&env, &db, &[]);
    let inc = &s2.summary()["incremental"];
    assert_eq!(
        [
            &inc["rescanned"],
            &inc["carried_forward"],
            &inc["new"],
            &inc["gone"]
        ],
        [1, 13, 1, 1]
    );

    // Scan 3: patient-3 gains a second SSN (its kinds change); everything else unchanged.
    std::fs::write(
        env.path("dept3/patient-3.txt"),
        "Patient 3\nSSN: 234-56-1003\nDOB: 03/14/1972\nSpouse SSN: 678-91-2345\n",
    )
    .unwrap();
    let s3 = scan_db(&env, &db, &[]);
    let inc = &s3.summary()["incremental"];
    assert_eq!(
        [
            &inc["rescanned"],
            &inc["carried_forward"],
            &inc["new"],
            &inc["gone"]
        ],
        [1, 14, 0, 0]
    );
    // Carried twice means one hop to the row as first read: scan 3 refers to rows of scan 1
    // (unchanged since) and scan 2 (read there), never to a reference.
    assert_eq!(
        db_ints(
            &db,
            "SELECT DISTINCT t.scan_id FROM scan_carry c JOIN files t ON t.id = c.file_id
             WHERE c.scan_id = 3 ORDER BY 1"
        ),
        [1, 2]
    );
    assert_eq!(
        db_ints(&db, "SELECT count(*) FROM files t JOIN scan_carry c ON c.file_id = t.id WHERE t.path != t.top"),
        [0],
        "only top-level rows are referenced"
    );
    assert_eq!(
        db_ints(&db, "SELECT count(*) FROM files WHERE scan_id = 3"),
        [1]
    );

    // The control: a full scan of the same tree reads everything again.
    let s4 = scan_db(&env, &db, &["--full"]);
    assert_eq!(s4.summary()["incremental"]["rescanned"], 15);
    assert_eq!(records(&s3), records(&s4));
    assert_eq!(
        report_content(&report_json(&env, &db, 3)),
        report_content(&report_json(&env, &db, 4))
    );
    assert_eq!(report(&env, &db, 3, "csv"), report(&env, &db, 4, "csv"));

    // Each scan's own numbers.
    let o = |id| report_json(&env, &db, id)["overview"].clone();
    let (o1, o2, o3) = (o(1), o(2), o(3));
    assert_eq!(o1["files"], s1.files().len());
    assert_eq!(o2["files"], s2.files().len());
    assert_eq!(o3["files"], s3.files().len());
    assert_eq!(o1["files"], o2["files"], "one gone, one new");
    // 12 notes and the two zip members; scan 2: one note cleaned, one deleted, one new.
    assert_eq!(o1["files_with_phi"], 14);
    assert_eq!(o2["files_with_phi"], 13);
    assert_eq!(o3["files_with_phi"], 13);
    assert_eq!(o2["files_with_phi"], s2.summary()["files_with_phi"]);
    assert_eq!(o1["findings"], s1.findings().len());
    assert_eq!(o2["findings"], s2.findings().len());
    assert_eq!(o3["findings"], s3.findings().len());
    assert_eq!(
        o3["findings"].as_u64().unwrap(),
        o2["findings"].as_u64().unwrap() + 1
    );
    // The CSV of scan 2 lists the new file and not the deleted one.
    let csv2 = report(&env, &db, 2, "csv");
    assert!(csv2.contains("new/intake.txt") && !csv2.contains("patient-2.txt"));
    assert!(report(&env, &db, 1, "csv").contains("patient-2.txt"));

    // Diffs: exactly the changes.
    let names = |d: &serde_json::Value, k: &str| -> Vec<String> {
        let mut v: Vec<String> = d[k]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p.as_str().unwrap().rsplit('/').next().unwrap().to_string())
            .collect();
        v.sort();
        v
    };
    let d12 = diff_json(&env, &db, 1, 2);
    assert_eq!(names(&d12, "new_phi"), ["intake.txt"]);
    assert_eq!(
        names(&d12, "removed_phi"),
        ["patient-1.txt", "patient-2.txt"]
    );
    assert_eq!(d12["changed"], serde_json::json!([]));
    assert_eq!(
        (d12["files_added"].as_u64(), d12["files_removed"].as_u64()),
        (Some(1), Some(1))
    );
    let d23 = diff_json(&env, &db, 2, 3);
    assert_eq!(names(&d23, "new_phi"), Vec::<String>::new());
    assert_eq!(names(&d23, "removed_phi"), Vec::<String>::new());
    let changed: Vec<&str> = d23["changed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["path"].as_str().unwrap())
        .collect();
    assert_eq!(changed.len(), 1);
    assert!(changed[0].ends_with("dept3/patient-3.txt"));
    assert_eq!(d23["changed"][0]["before"]["ssn"], 1);
    assert_eq!(d23["changed"][0]["after"]["ssn"], 2);
    assert_eq!(
        (d23["files_added"].as_u64(), d23["files_removed"].as_u64()),
        (Some(0), Some(0))
    );
    let d34 = diff_json(&env, &db, 3, 4);
    assert_eq!(d34["new_phi"], serde_json::json!([]));
    assert_eq!(d34["removed_phi"], serde_json::json!([]));
    assert_eq!(d34["changed"], serde_json::json!([]));
    // The default diff is the last two scans (3 and the full 4).
    let out = env.run(&["diff", "--db", db.to_str().unwrap(), "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "no file newly contains PHI");
}

/// A file with more findings than one batch (4096) sends them to the writer in several
/// batches before its record: every batch is stored (only the last one was), so its report
/// and a rescan that carries it list them all.
#[test]
fn file_with_more_findings_than_a_batch_keeps_them_all_in_the_store() {
    let env = Env::new();
    env.write("big/export.txt", ssn_lines("SSN ", 10_000));
    env.write("small.txt", "SSN: 345-67-8912\n");
    let db = env.dir.path().join("inv.sqlite");
    let first = scan_db(&env, &db, &[]);
    assert_eq!(first.summary()["findings"], 10_001);
    assert_eq!(db_ints(&db, "SELECT count(*) FROM findings"), [10_001]);
    assert_eq!(
        db_ints(&db, "SELECT count(*) FROM files WHERE status = 'scanning'"),
        [0]
    );
    let second = scan_db(&env, &db, &[]);
    assert_eq!(second.summary()["incremental"]["carried_forward"], 2);
    assert_eq!(second.findings().len(), 10_001);
    assert_eq!(records(&first), records(&second));
    for id in [1, 2] {
        let r = report_json(&env, &db, id);
        let by_kind: u64 = r["findings_by_kind"]["ssn"]
            .as_object()
            .unwrap()
            .values()
            .map(|n| n.as_u64().unwrap())
            .sum();
        assert_eq!(by_kind, 10_001, "scan {id}");
        assert_eq!(r["distinct_by_kind"]["ssn"], 8001);
    }
}
