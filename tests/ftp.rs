//! Scanning and auditing real FTP servers started on 127.0.0.1 (tests/ftp_support.rs):
//! vsftpd (LIST), pyftpdlib (MLSD), FTPS with a test CA, and servers that misbehave.

use crate::ftp_support::{Fault, FtpServer, Opts, FAULT_FILE, TEST_PASSWORD, TEST_USER};
use crate::harness::{parse, repo_root, Env, Scan};
use std::collections::BTreeMap;

fn ftp_scan(env: &Env, args: &[&str], envs: &[(&str, &str)]) -> Scan {
    let mut cmd = env.scan_cmd();
    cmd.args(args);
    for (k, v) in envs {
        cmd.env(k, v);
    }
    parse(cmd.output().unwrap())
}

/// (path below the target, kind, value, line) of every finding, for comparing scans.
fn findings_below(s: &Scan, prefix: &str) -> BTreeMap<(String, String, String, u64), usize> {
    let mut m = BTreeMap::new();
    for f in s.findings() {
        let p = f["path"].as_str().unwrap();
        let rel = p
            .strip_prefix(prefix)
            .unwrap_or_else(|| panic!("{p} not under {prefix}"))
            .trim_start_matches('/');
        let key = (
            rel.to_string(),
            f["kind"].as_str().unwrap().to_string(),
            f["value"].as_str().unwrap().to_string(),
            f["location"]["line"]
                .as_u64()
                .or(f["location"]["page"].as_u64())
                .unwrap_or(0),
        );
        *m.entry(key).or_default() += 1;
    }
    m
}

/// The acceptance test of the FTP source: the corpus through FTP gives the same findings as
/// the corpus on disk, with both listing styles.
#[test]
fn corpus_over_ftp_equals_corpus_on_disk() {
    let env = Env::new();
    let corpus = repo_root().join("corpus");
    let disk = ftp_scan(
        &env,
        &[
            "--reveal",
            corpus.join("files").to_str().unwrap(),
            corpus.join("docs").to_str().unwrap(),
        ],
        &[],
    );
    let files_prefix = corpus.join("files").display().to_string();
    let docs_prefix = corpus.join("docs").display().to_string();
    let mut want = BTreeMap::new();
    for f in disk.findings() {
        let p = f["path"].as_str().unwrap();
        let rel = if let Some(r) = p.strip_prefix(&files_prefix) {
            format!("files{r}")
        } else {
            format!("docs{}", p.strip_prefix(&docs_prefix).unwrap())
        };
        let key = (
            rel,
            f["kind"].as_str().unwrap().to_string(),
            f["value"].as_str().unwrap().to_string(),
            f["location"]["line"]
                .as_u64()
                .or(f["location"]["page"].as_u64())
                .unwrap_or(0),
        );
        *want.entry(key).or_insert(0usize) += 1;
    }
    assert!(want.len() > 10_000);
    for server in [
        FtpServer::vsftpd(Opts::anonymous()),
        FtpServer::pyftpdlib(Opts::anonymous()),
    ] {
        server.copy_tree(&corpus.join("files"), "files");
        server.copy_tree(&corpus.join("docs"), "docs");
        let s = ftp_scan(&env, &["--reveal", &format!("{}/", server.url())], &[]);
        let got = findings_below(&s, &server.url());
        assert_eq!(got.len(), want.len(), "{}: {}", server.kind, s.stderr);
        assert!(
            got == want,
            "{}: findings differ from the disk scan",
            server.kind
        );
        assert_eq!(
            s.summary()["files"],
            disk.summary()["files"],
            "{}",
            server.kind
        );
        assert_eq!(
            s.summary()["files_by_status"],
            disk.summary()["files_by_status"],
            "{}",
            server.kind
        );
        assert_eq!(s.summary()["ftp"][0]["mlsd"], server.kind == "pyftpdlib");
        let line = s.summary()["exposure"][0].as_str().unwrap();
        assert!(
            line.starts_with(&format!(
                "anonymous FTP exposes {} files containing PHI (",
                disk.summary()["files_with_phi"]
            )),
            "{line}"
        );
    }
}

#[test]
fn user_login_takes_the_password_from_the_environment_or_netrc_and_never_shows_it() {
    let env = Env::new();
    let server = FtpServer::vsftpd(Opts::user());
    server.write("billing/list.csv", "name,ssn\nJane,536220198\n");
    let url = format!("{}/billing", server.url_as(TEST_USER));
    let s = ftp_scan(&env, &[&url], &[("PHISCAN_FTP_PASSWORD", TEST_PASSWORD)]);
    assert_eq!(s.code, 1, "{}", s.stderr);
    assert_eq!(s.findings().len(), 1);
    let path = s.findings()[0]["path"].as_str().unwrap();
    assert_eq!(
        path,
        format!("{}/billing/list.csv", server.url()),
        "no user in paths"
    );
    // ~/.netrc instead of the environment.
    std::fs::write(
        env.home.join(".netrc"),
        format!("machine 127.0.0.1 login {TEST_USER} password {TEST_PASSWORD}\n"),
    )
    .unwrap();
    let n = ftp_scan(&env, &[&url], &[]);
    assert_eq!(n.code, 1, "{}", n.stderr);
    // A wrong password: the target is an error record, and no password appears anywhere.
    std::fs::remove_file(env.home.join(".netrc")).unwrap();
    let bad = ftp_scan(
        &env,
        &[&url],
        &[("PHISCAN_FTP_PASSWORD", "wrong-secret-123")],
    );
    assert_eq!(bad.code, 2);
    assert!(
        bad.files()[0]["reason"].as_str().unwrap().contains("530"),
        "{:?}",
        bad.files()
    );
    for out in [&s.stdout, &s.stderr, &n.stdout, &bad.stdout, &bad.stderr] {
        assert!(!out.contains(TEST_PASSWORD) && !out.contains("wrong-secret-123"));
    }
    // Passwords in URLs are refused outright.
    let refused = env.run(&[
        "scan",
        &format!(
            "ftp://{TEST_USER}:{TEST_PASSWORD}@127.0.0.1:{}/",
            server.port
        ),
    ]);
    assert_eq!(refused.status.code(), Some(2));
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(
        err.contains("passwords are not accepted in the URL") && !err.contains(TEST_PASSWORD),
        "{err}"
    );
}

#[test]
fn ftps_verifies_the_server_certificate() {
    let env = Env::new();
    let server = FtpServer::vsftpd(Opts::anonymous().with_tls());
    server.write("scans/note.txt", "SSN: 234-56-7891\n");
    let ca = server.ca_cert.clone().unwrap();
    let ok = ftp_scan(
        &env,
        &["--ca-file", ca.to_str().unwrap(), &server.ftps_url()],
        &[],
    );
    assert_eq!(ok.code, 1, "{}", ok.stderr);
    assert_eq!(ok.findings().len(), 1);
    assert!(ok.findings()[0]["path"]
        .as_str()
        .unwrap()
        .starts_with("ftps://127.0.0.1:"));
    // Not trusted without the CA: the target cannot be scanned.
    let untrusted = ftp_scan(&env, &[&server.ftps_url()], &[]);
    assert_eq!(untrusted.code, 2);
    assert!(untrusted.stdout.contains("TLS"), "{}", untrusted.stdout);
    // --insecure-tls works, says so loudly, and is recorded in the summary.
    let insecure = ftp_scan(&env, &["--insecure-tls", &server.ftps_url()], &[]);
    assert_eq!(insecure.code, 1);
    assert!(insecure.stderr.contains("WARNING: --insecure-tls"));
    assert_eq!(insecure.summary()["insecure_tls"], true);
}

#[test]
fn ftp_audit_reports_the_exposure() {
    let env = Env::new();
    let server = FtpServer::vsftpd(Opts::anonymous().with_tls().with_anon_writable("incoming"));
    server.write("pub/readme.txt", "hello\n");
    let audit = |args: &[&str]| {
        let mut a = vec!["ftp-audit", "--format", "json"];
        a.extend_from_slice(args);
        let o = env.run(&a);
        (
            o.status.code(),
            serde_json::from_slice::<serde_json::Value>(&o.stdout).unwrap(),
        )
    };
    let url = server.url();
    let (code, a) = audit(&[&url]);
    assert_eq!(code, Some(1), "exposed");
    assert_eq!(a["anonymous_login"], true);
    assert_eq!(a["anonymous_list"], true);
    assert_eq!(
        a["anonymous_write"],
        serde_json::Value::Null,
        "not tested without --probe-write"
    );
    assert_eq!(a["auth_tls_offered"], true);
    assert_eq!(a["plaintext_login_accepted"], true);
    assert!(
        a["software"]
            .as_str()
            .unwrap()
            .to_ascii_lowercase()
            .contains("vsftpd"),
        "{a}"
    );
    let (_, p) = audit(&["--probe-write", &url]);
    assert_eq!(p["anonymous_write"], true, "{p}");
    assert_eq!(p["write_probe"]["deleted"], true);
    assert_eq!(p["write_probe"]["directory"], "/incoming");
    let left: Vec<_> = std::fs::read_dir(server.anon_writable.as_ref().unwrap())
        .unwrap()
        .collect();
    assert!(left.is_empty(), "the probe file was deleted");
    // A server without anonymous access.
    let private = FtpServer::pyftpdlib(Opts::user());
    let (code, q) = audit(&["--probe-write", &private.url()]);
    assert_eq!(q["anonymous_login"], false);
    assert_eq!(q["anonymous_write"], false);
    assert_eq!(q["auth_tls_offered"], false);
    assert_eq!(code, Some(1), "plaintext logins are still an exposure");
    // Text output for people.
    let t = env.run(&["ftp-audit", &url]);
    let text = String::from_utf8(t.stdout).unwrap();
    assert!(text.contains("anonymous login:          YES"), "{text}");
}

/// Downloads beyond --ftp-memory go through a private temp file, and nothing is left behind.
#[test]
fn large_downloads_spill_to_a_private_temp_file_that_is_removed() {
    let env = Env::new();
    let server = FtpServer::pyftpdlib(Opts::anonymous());
    let mut big = "Lab results archive\n".repeat(2000);
    big.push_str("Patient SSN: 234-56-7891\n");
    server.write("big.txt", &big);
    let xl =
        std::fs::read(repo_root().join("tests/data/thirdparty/spreadsheets/date.xlsx")).unwrap();
    server.write("sheet.xlsx", &xl);
    let tmp = env.dir.path().join("tmp");
    std::fs::create_dir_all(&tmp).unwrap();
    let key = env.key.to_str().unwrap().to_string();
    let out = env
        .cmd()
        .env("TMPDIR", &tmp)
        .args([
            "scan",
            "--format",
            "jsonl",
            "--no-db",
            "--key-file",
            &key,
            "--ftp-memory",
            "1K",
            &server.url(),
        ])
        .output()
        .unwrap();
    let s = parse(out);
    assert_eq!(s.file("big.txt")["findings"], 1, "{}", s.stderr);
    assert_eq!(s.file("sheet.xlsx")["status"], "scanned");
    assert_eq!(s.file("sheet.xlsx")["format"], "xlsx");
    let left: Vec<_> = std::fs::read_dir(&tmp).unwrap().collect();
    assert!(left.is_empty(), "temp files left behind: {left:?}");
}

#[test]
fn dropped_and_stalled_transfers_become_error_records_and_the_scan_goes_on() {
    let env = Env::new();
    for fault in [Fault::DropMidTransfer, Fault::StallMidTransfer] {
        let server = FtpServer::faulty(fault);
        server.write(FAULT_FILE, "SSN: 234-56-7891\n".repeat(20_000));
        server.write("ok.txt", "SSN: 234-56-7891\n");
        server.write("sub/also-ok.txt", "DOB: 03/14/1972\n");
        let s = ftp_scan(
            &env,
            &["--ftp-timeout", "2", "--ftp-retries", "1", &server.url()],
            &[],
        );
        let big = s.file(FAULT_FILE);
        assert_eq!(big["status"], "error", "{fault:?}: {big}");
        assert!(
            big["reason"].as_str().unwrap().contains("after 2 attempts"),
            "{fault:?}: {big}"
        );
        assert_eq!(s.file("/ok.txt")["findings"], 1, "{fault:?}");
        assert_eq!(s.file("sub/also-ok.txt")["findings"], 1, "{fault:?}");
        assert_eq!(s.code, 2);
    }
}

#[test]
fn servers_that_refuse_with_421_are_retried_then_reported() {
    let env = Env::new();
    let refusing = FtpServer::faulty(Fault::Refuse421);
    let t = std::time::Instant::now();
    let s = ftp_scan(&env, &[&refusing.url()], &[]);
    assert_eq!(s.code, 2);
    let r = s.files()[0]["reason"].as_str().unwrap();
    assert!(r.contains("421"), "{r}");
    assert!(t.elapsed() < std::time::Duration::from_secs(30));
    // A server allowing two sessions: a pool of four backs off and still gets every file.
    let limited = FtpServer::faulty(Fault::TooManyConnections(2));
    for i in 0..20 {
        limited.write(
            &format!("f{i}.txt"),
            format!("SSN: 234-56-{:04}\n", 1000 + i),
        );
    }
    let s = ftp_scan(&env, &["--ftp-connections", "4", &limited.url()], &[]);
    assert_eq!(
        s.summary()["files_by_status"]["scanned"],
        20,
        "{}",
        s.stdout
    );
    assert_eq!(s.findings().len(), 20);
}

#[test]
fn malformed_listings_and_cycles_never_escape_the_server_tree() {
    let env = Env::new();
    let server = FtpServer::faulty(Fault::MalformedListing);
    server.write("real.txt", "SSN: 234-56-7891\n");
    let cwd = env.dir.path().join("cwd");
    std::fs::create_dir_all(&cwd).unwrap();
    let before: Vec<_> = std::fs::read_dir(env.dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    let t = std::time::Instant::now();
    let out = env
        .cmd()
        .current_dir(&cwd)
        .args([
            "scan",
            "--format",
            "jsonl",
            "--no-db",
            "--key-file",
            env.key.to_str().unwrap(),
            &server.url(),
        ])
        .output()
        .unwrap();
    let s = parse(out);
    assert!(t.elapsed() < std::time::Duration::from_secs(60));
    let unsafe_names: Vec<_> = s
        .files()
        .into_iter()
        .filter(|f| {
            f["reason"]
                .as_str()
                .is_some_and(|r| r.contains("unsafe name"))
        })
        .collect();
    assert!(unsafe_names.len() >= 2, "{:#?}", s.files());
    assert!(
        s.files()
            .iter()
            .any(|f| f["reason"].as_str().is_some_and(|r| r.contains("cycle"))),
        "{:#?}",
        s.files()
    );
    assert_eq!(
        s.findings()
            .iter()
            .filter(|f| f["path"].as_str().unwrap().ends_with("/real.txt"))
            .count(),
        1
    );
    // Nothing was written anywhere: not in the working directory, not next to it.
    assert_eq!(std::fs::read_dir(&cwd).unwrap().count(), 0);
    let after: Vec<_> = std::fs::read_dir(env.dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(before, after);
}
