//! Walking local trees: every bad-input case of a real share ends as a file record with an
//! honest status, and the walk goes on.

use crate::harness::Env;
use std::os::unix::fs::{symlink, PermissionsExt};

const PHI: &str = "SSN: 234-56-7891\n";

#[test]
fn hidden_and_gitignored_files_are_scanned() {
    let env = Env::new();
    env.write(".gitignore", "*.csv\nsecret/\n");
    env.write(".ignore", "*.txt\n");
    env.write(".hidden/patients.csv", PHI);
    env.write("secret/list.txt", PHI);
    env.write(".backup.txt", PHI);
    std::fs::create_dir_all(env.path(".git")).unwrap();
    let s = env.scan_root(&[]);
    for p in [".hidden/patients.csv", "secret/list.txt", ".backup.txt"] {
        assert_eq!(s.file(p)["findings"], 1, "{p}");
    }
}

#[test]
fn symlinks_are_not_followed_by_default() {
    let env = Env::new();
    env.write("real/a.txt", PHI);
    let outside = env.dir.path().join("outside");
    std::fs::create_dir_all(&outside).unwrap();
    std::fs::write(outside.join("b.txt"), PHI).unwrap();
    symlink(&outside, env.path("link-out")).unwrap();
    symlink(env.path("real/a.txt"), env.path("link-a.txt")).unwrap();
    let s = env.scan_root(&[]);
    assert_eq!(s.file("real/a.txt")["findings"], 1);
    assert_eq!(s.file("link-out")["status"], "skipped");
    assert!(s.file("link-a.txt")["reason"]
        .as_str()
        .unwrap()
        .contains("--follow"));
    assert_eq!(s.findings().len(), 1);
    assert_eq!(s.code, 1);

    let f = env.scan_root(&["--follow"]);
    assert_eq!(f.file("link-out/b.txt")["findings"], 1);
    assert_eq!(f.file("link-a.txt")["findings"], 1);
}

#[test]
fn symlink_loops_with_follow_end_and_are_reported() {
    let env = Env::new();
    env.write("a/b/c.txt", PHI);
    symlink(env.path("a"), env.path("a/b/loop")).unwrap();
    symlink("self", env.path("self")).unwrap();
    symlink("missing-target", env.path("dangling")).unwrap();
    let s = env.scan_root(&["--follow"]);
    assert_eq!(s.file("a/b/c.txt")["findings"], 1);
    let lp = s.file("a/b/loop");
    assert_eq!(lp["status"], "skipped", "{lp}");
    assert!(lp["reason"].as_str().unwrap().contains("loop"));
    assert_ne!(s.file("dangling")["status"], "scanned");
    assert!(s
        .files()
        .iter()
        .any(|f| f["path"].as_str().unwrap().ends_with("/self")));
}

#[test]
fn fifos_devices_and_sockets_are_never_opened() {
    let env = Env::new();
    env.write("a.txt", PHI);
    let fifo = env.path("pipe");
    let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0);
    let _sock = std::os::unix::net::UnixListener::bind(env.path("sock")).unwrap();
    symlink("/dev/zero", env.path("zero")).unwrap();
    symlink("/dev/urandom", env.path("random")).unwrap();
    // With --follow the links resolve to character devices: still never opened (a read of
    // /dev/zero would never end).
    let s = env.scan_root(&["--follow"]);
    assert_eq!(s.file("pipe")["status"], "skipped");
    assert!(s.file("pipe")["reason"].as_str().unwrap().contains("FIFO"));
    assert_eq!(s.file("sock")["status"], "skipped");
    assert!(s.file("zero")["reason"]
        .as_str()
        .unwrap()
        .contains("character device"));
    assert_eq!(s.file("random")["status"], "skipped");
    assert_eq!(s.file("a.txt")["findings"], 1);
    assert_eq!(s.code, 1);
}

#[test]
fn exclude_globs_skip_but_still_list() {
    let env = Env::new();
    env.write("keep/a.txt", PHI);
    env.write("node_modules/x/b.txt", PHI);
    env.write("logs/c.log", PHI);
    env.write("keep/d.tmp", PHI);
    let s = env.scan_root(&[
        "--exclude",
        "node_modules",
        "--exclude",
        "*.tmp",
        "--exclude",
        "logs/**",
    ]);
    assert_eq!(s.file("keep/a.txt")["findings"], 1);
    assert_eq!(s.file("node_modules")["status"], "skipped");
    assert!(s.file("node_modules")["reason"]
        .as_str()
        .unwrap()
        .contains("directory not entered"));
    assert_eq!(s.file("keep/d.tmp")["status"], "skipped");
    assert_eq!(s.file("logs/c.log")["status"], "skipped");
    assert!(s
        .files()
        .iter()
        .all(|f| !f["path"].as_str().unwrap().contains("node_modules/x")));
    assert_eq!(s.findings().len(), 1);
}

#[test]
fn max_file_size_reports_too_large_without_reading() {
    let env = Env::new();
    env.write("small.txt", PHI);
    env.write("big.txt", format!("{}{PHI}", "x".repeat(5000)));
    let s = env.scan_root(&["--max-file-size", "4K"]);
    assert_eq!(s.file("big.txt")["status"], "too_large");
    assert_eq!(s.file("big.txt")["bytes_read"], 0);
    assert!(s.file("big.txt")["reason"]
        .as_str()
        .unwrap()
        .contains("--max-file-size"));
    assert_eq!(s.file("small.txt")["findings"], 1);
    assert_eq!(s.code, 1, "too_large is not an error");
    let bad = env.run(&["scan", "--max-file-size", "12Q", "."]);
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn io_error_while_reading_is_an_error_record_and_the_walk_goes_on() {
    // /proc/self/mem is a regular file whose read at offset 0 fails with EIO: the same error a
    // flaky network mount gives.
    let env = Env::new();
    env.write("a.txt", PHI);
    symlink("/proc/self/mem", env.path("flaky.bin")).unwrap();
    let s = env.scan_root(&["--follow"]);
    let f = s.file("flaky.bin");
    assert_eq!(f["status"], "error");
    assert!(
        f["reason"].as_str().unwrap().contains("Input/output error"),
        "{f}"
    );
    assert_eq!(s.file("a.txt")["findings"], 1);
    assert_eq!(s.code, 2, "an error record makes the exit code 2");
    assert!(s.summary()["message"].as_str().unwrap().contains("error"));
}

/// Run as an unprivileged user so that permissions apply (tests may run as root).
fn scan_as_nobody(env: &Env) -> crate::harness::Scan {
    use std::os::unix::process::CommandExt;
    let is_root = unsafe { libc::geteuid() } == 0;
    let key = env.dir.path().join("nobody-home/key");
    std::fs::create_dir_all(key.parent().unwrap()).unwrap();
    let mut cmd = env.cmd();
    let db = key.with_file_name("inventory.sqlite");
    cmd.args([
        "scan",
        "--format",
        "jsonl",
        "--key-file",
        key.to_str().unwrap(),
        "--db",
        db.to_str().unwrap(),
        env.root().to_str().unwrap(),
    ]);
    if is_root {
        let c = std::ffi::CString::new(key.parent().unwrap().to_str().unwrap()).unwrap();
        unsafe { libc::chown(c.as_ptr(), 65534, 65534) };
        std::fs::set_permissions(env.dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        cmd.uid(65534).gid(65534);
    }
    crate::harness::parse(cmd.output().unwrap())
}

#[test]
fn permission_denied_files_and_directories_are_error_records() {
    let env = Env::new();
    env.write("open/a.txt", PHI);
    let locked = env.write("locked.txt", PHI);
    env.write("closed/inner.txt", PHI);
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
    std::fs::set_permissions(env.path("closed"), std::fs::Permissions::from_mode(0o000)).unwrap();
    for d in [env.root(), env.path("open")] {
        std::fs::set_permissions(d, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    std::fs::set_permissions(
        env.path("open/a.txt"),
        std::fs::Permissions::from_mode(0o644),
    )
    .unwrap();
    let s = scan_as_nobody(&env);
    std::fs::set_permissions(env.path("closed"), std::fs::Permissions::from_mode(0o755)).unwrap();
    assert_eq!(s.file("open/a.txt")["findings"], 1, "{}", s.stderr);
    let l = s.file("locked.txt");
    assert_eq!(l["status"], "error");
    // Described all the same (the reader stats the path when it cannot open it).
    assert_eq!(l["size"], PHI.len() as u64, "{l}");
    assert!(l["modified"].is_string(), "{l}");
    assert!(
        l["reason"].as_str().unwrap().contains("Permission denied"),
        "{l}"
    );
    let c = s.file("closed");
    assert_eq!(c["status"], "error");
    assert!(
        c["reason"].as_str().unwrap().contains("Permission denied"),
        "{c}"
    );
    assert_eq!(s.code, 2);
}

#[test]
fn odd_file_names_survive() {
    use std::os::unix::ffi::OsStrExt;
    let env = Env::new();
    let raw = env.root().join(std::ffi::OsStr::from_bytes(
        b"caf\xe9 \"quoted\"\nnewline.txt",
    ));
    std::fs::write(&raw, PHI).unwrap();
    env.write("spaces and 'quotes'.txt", PHI);
    env.write("ünïcödé/日本.txt", PHI);
    let s = env.scan_root(&[]);
    let f = s
        .files()
        .into_iter()
        .find(|f| f.get("path_bytes").is_some())
        .expect("the non-UTF-8 name has path_bytes");
    let bytes = hex::decode(f["path_bytes"].as_str().unwrap()).unwrap();
    assert_eq!(bytes, raw.as_os_str().as_bytes(), "lossless");
    assert!(f["path"]
        .as_str()
        .unwrap()
        .ends_with("caf\\xE9 \"quoted\"\nnewline.txt"));
    assert_eq!(f["findings"], 1);
    assert_eq!(s.file("spaces and 'quotes'.txt")["findings"], 1);
    assert_eq!(s.file("ünïcödé/日本.txt")["findings"], 1);
    assert_eq!(s.findings().len(), 3);
}

#[test]
fn one_file_system_stays_on_the_target_device() {
    use std::os::unix::fs::MetadataExt;
    let env = Env::new();
    env.write("a.txt", PHI);
    // /proc is always another file system.
    symlink("/proc/sys/fs", env.path("procfs")).unwrap();
    assert_ne!(
        std::fs::metadata("/proc/sys/fs").unwrap().dev(),
        std::fs::metadata(env.root()).unwrap().dev()
    );
    let s = env.scan_root(&["--follow", "--one-file-system"]);
    let p = s.file("procfs");
    assert_eq!(p["status"], "skipped");
    assert!(p["reason"].as_str().unwrap().contains("--one-file-system"));
    assert!(s
        .files()
        .iter()
        .all(|f| !f["path"].as_str().unwrap().contains("procfs/")));
    let all = env.scan_root(&["--follow", "--max-file-size", "1M"]);
    assert!(
        all.files()
            .iter()
            .any(|f| f["path"].as_str().unwrap().contains("procfs/")),
        "without the flag it is entered"
    );
}

#[test]
fn scanned_files_are_not_modified() {
    use std::os::unix::fs::MetadataExt;
    let env = Env::new();
    let p = env.write("a.txt", NOTE_BYTES);
    let old = std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_600_000_000);
    let f = std::fs::File::options().write(true).open(&p).unwrap();
    f.set_times(
        std::fs::FileTimes::new()
            .set_accessed(old)
            .set_modified(old),
    )
    .unwrap();
    drop(f);
    let s = env.scan_root(&[]);
    assert_eq!(s.file("a.txt")["findings"], 1);
    let m = std::fs::metadata(&p).unwrap();
    assert_eq!(std::fs::read(&p).unwrap(), NOTE_BYTES);
    assert_eq!(m.mtime(), 1_600_000_000);
    assert_eq!(m.atime(), 1_600_000_000, "O_NOATIME keeps the access time");
}

const NOTE_BYTES: &[u8] = b"SSN: 234-56-7891\n";
