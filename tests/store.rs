//! The inventory store: a real SQLite file in every test, incremental rescans, resume after
//! kill -9, diffs, reports, and no raw value anywhere.

use crate::harness::Env;
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
