//! A small harness: every test gets a fresh temp dir with its own HOME and fingerprint key,
//! and runs the real `phiscan` binary.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub struct Env {
    pub dir: tempfile::TempDir,
    pub home: PathBuf,
    pub key: PathBuf,
}

pub struct Scan {
    pub code: i32,
    pub records: Vec<Value>,
    pub stdout: String,
    pub stderr: String,
}

impl Env {
    pub fn new() -> Env {
        let dir = tempfile::Builder::new()
            .prefix("phiscan-test-")
            .tempdir()
            .unwrap();
        let home = dir.path().join("home");
        std::fs::create_dir_all(&home).unwrap();
        let key = home.join("key");
        let root = dir.path().join("root");
        std::fs::create_dir_all(&root).unwrap();
        Env { dir, home, key }
    }

    /// The directory tests put files to scan in.
    pub fn root(&self) -> PathBuf {
        self.dir.path().join("root")
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.root().join(rel)
    }

    pub fn write(&self, rel: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
        let p = self.path(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, bytes).unwrap();
        p
    }

    pub fn cmd(&self) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_phiscan"));
        c.env("HOME", &self.home)
            .env_remove("XDG_DATA_HOME")
            .current_dir(self.dir.path());
        c
    }

    /// `phiscan scan --format jsonl --no-db --key-file KEY`, ready for more arguments, a
    /// different environment or spawning.
    pub fn scan_cmd(&self) -> Command {
        let mut c = self.cmd();
        c.args(["scan", "--format", "jsonl", "--no-db", "--key-file"])
            .arg(&self.key);
        c
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.cmd().args(args).output().unwrap()
    }

    /// `phiscan scan --format jsonl --key-file KEY ARGS...` with the JSONL parsed.
    pub fn scan(&self, args: &[&str]) -> Scan {
        let key = self.key.to_str().unwrap().to_string();
        let mut all = vec!["scan", "--format", "jsonl", "--key-file", &key];
        all.extend_from_slice(args);
        let out = self.run(&all);
        parse(out)
    }

    /// Scan the whole root.
    pub fn scan_root(&self, extra: &[&str]) -> Scan {
        let root = self.root();
        let mut args: Vec<&str> = extra.to_vec();
        let r = root.to_str().unwrap().to_string();
        args.push(&r);
        self.scan(&args)
    }
}

pub fn parse(out: Output) -> Scan {
    let stdout = String::from_utf8(out.stdout).expect("JSONL output is UTF-8");
    let records = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("invalid JSON line {l:?}: {e}")))
        .collect();
    Scan {
        code: out.status.code().unwrap_or(-1),
        records,
        stdout,
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

impl Scan {
    pub fn of_type(&self, t: &str) -> Vec<&Value> {
        self.records.iter().filter(|r| r["type"] == t).collect()
    }

    pub fn files(&self) -> Vec<&Value> {
        self.of_type("file")
    }

    pub fn findings(&self) -> Vec<&Value> {
        self.of_type("finding")
    }

    pub fn summary(&self) -> &Value {
        let last = self.records.last().expect("at least a summary");
        assert_eq!(last["type"], "summary", "the summary is the last line");
        last
    }

    /// The file record whose path ends with `suffix` (exactly one).
    pub fn file(&self, suffix: &str) -> &Value {
        let m: Vec<&Value> = self
            .files()
            .into_iter()
            .filter(|f| f["path"].as_str().unwrap().ends_with(suffix))
            .collect();
        assert_eq!(
            m.len(),
            1,
            "want one file record ending {suffix:?}, got {m:#?}\nstderr: {}",
            self.stderr
        );
        m[0]
    }

    pub fn findings_in(&self, suffix: &str) -> Vec<&Value> {
        self.findings()
            .into_iter()
            .filter(|f| f["path"].as_str().unwrap().ends_with(suffix))
            .collect()
    }

    /// (kind, value) pairs of findings in a file (needs --reveal).
    pub fn kinds_values(&self, suffix: &str) -> Vec<(String, String)> {
        self.findings_in(suffix)
            .iter()
            .map(|f| {
                (
                    f["kind"].as_str().unwrap().to_string(),
                    f["value"].as_str().unwrap_or("").to_string(),
                )
            })
            .collect()
    }
}

/// `n` lines of `{label}234-56-DDDD`, valid SSNs; the serials cycle through 8,000 values.
pub fn ssn_lines(label: &str, n: usize) -> String {
    (0..n)
        .map(|i| format!("{label}234-56-{:04}\n", 1000 + i % 8000))
        .collect()
}

pub fn repo_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}
