//! Accuracy on the labelled corpus (corpus/labels.jsonl): per-kind precision and recall at the
//! default threshold, and file-level precision and recall for "contains PHI".

use crate::harness::{repo_root, Env};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet, HashMap};

const KINDS: [&str; 10] = [
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
const CORE: [&str; 4] = ["ssn", "mrn", "dob", "insurance_id"];

/// Scan `corpus/<dir>` with --reveal and hold the findings against `labels`: per kind
/// precision and recall >= 0.97, file level >= 0.98; report per format too. `expected` lists
/// the files whose status is not `scanned`: every other record must be `scanned`.
fn evaluate(dir: &str, labels: &str, expected: Option<&str>) {
    let env = Env::new();
    let corpus = repo_root().join("corpus");
    let labels_text = std::fs::read_to_string(corpus.join(labels)).expect("labels file");
    // (path, kind, value) -> expected count
    let mut expected_f: HashMap<(String, String, String), i64> = HashMap::new();
    let mut phi_files_expected = BTreeSet::new();
    for l in labels_text.lines().filter(|l| !l.trim().is_empty()) {
        let v: Value = serde_json::from_str(l).unwrap();
        let (p, k, val) = (
            v["path"].as_str().unwrap(),
            v["kind"].as_str().unwrap(),
            v["value"].as_str().unwrap(),
        );
        *expected_f
            .entry((p.to_string(), k.to_string(), val.to_string()))
            .or_default() += 1;
        if CORE.contains(&k) {
            phi_files_expected.insert(p.to_string());
        }
    }
    let out = env
        .cmd()
        .current_dir(&corpus)
        .args([
            "scan",
            "--format",
            "jsonl",
            "--reveal",
            "--no-db",
            "--key-file",
            env.key.to_str().unwrap(),
            dir,
        ])
        .output()
        .unwrap();
    let s = crate::harness::parse(out);
    assert!(
        s.code == 1 || s.code == 2,
        "exit code {} {}",
        s.code,
        s.stderr
    );
    let format_of: HashMap<String, String> = s
        .files()
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_string(),
                f["format"].as_str().unwrap_or("-").to_string(),
            )
        })
        .collect();
    let mut tp: BTreeMap<&str, i64> = BTreeMap::new();
    let mut fp: BTreeMap<&str, i64> = BTreeMap::new();
    // per format: (tp, fp, fn)
    let mut per_format: BTreeMap<String, (i64, i64, i64)> = BTreeMap::new();
    let mut remaining = expected_f.clone();
    let mut phi_files_found = BTreeSet::new();
    let mut false_pos = Vec::new();
    for f in s.findings() {
        let path = f["path"].as_str().unwrap().to_string();
        let kind = KINDS
            .iter()
            .find(|k| **k == f["kind"].as_str().unwrap())
            .unwrap();
        let value = f["value"].as_str().unwrap().to_string();
        if CORE.contains(kind) {
            phi_files_found.insert(path.clone());
        }
        let fmt = format_of.get(&path).cloned().unwrap_or_default();
        match remaining.get_mut(&(path.clone(), kind.to_string(), value.clone())) {
            Some(n) if *n > 0 => {
                *n -= 1;
                *tp.entry(kind).or_default() += 1;
                per_format.entry(fmt).or_default().0 += 1;
            }
            _ => {
                *fp.entry(kind).or_default() += 1;
                per_format.entry(fmt).or_default().1 += 1;
                false_pos.push(format!(
                    "{path} {kind} {value} ({}, {})",
                    f["rule"], f["location"]
                ));
            }
        }
    }
    let mut missed: Vec<String> = Vec::new();
    let mut fneg: BTreeMap<String, i64> = BTreeMap::new();
    for ((p, k, v), n) in &remaining {
        if *n > 0 {
            *fneg.entry(k.clone()).or_default() += n;
            per_format
                .entry(format_of.get(p).cloned().unwrap_or_default())
                .or_default()
                .2 += n;
            missed.push(format!("{p} {k} {v} x{n}"));
        }
    }
    missed.sort();
    false_pos.sort();
    let ratio = |a: f64, b: f64| if a + b > 0.0 { a / (a + b) } else { 1.0 };
    let mut report =
        format!("corpus/{dir}\nkind           labels   tp   fp   fn  precision recall\n");
    let mut failures = Vec::new();
    for k in KINDS {
        let t = tp.get(k).copied().unwrap_or(0) as f64;
        let f_p = fp.get(k).copied().unwrap_or(0) as f64;
        let f_n = fneg.get(k).copied().unwrap_or(0) as f64;
        let (p, r) = (ratio(t, f_p), ratio(t, f_n));
        report.push_str(&format!(
            "{k:<14} {:>6} {t:>4} {f_p:>4} {f_n:>4}  {p:>9.4} {r:>6.4}\n",
            (t + f_n) as i64
        ));
        if t + f_n == 0.0 {
            failures.push(format!("{k}: no labels in the corpus"));
        }
        if p < 0.97 || r < 0.97 {
            failures.push(format!("{k}: precision {p:.4} recall {r:.4} (bar 0.97)"));
        }
    }
    report.push_str("format            tp   fp   fn  precision recall\n");
    for (fmt, (t, f_p, f_n)) in &per_format {
        let (t, f_p, f_n) = (*t as f64, *f_p as f64, *f_n as f64);
        report.push_str(&format!(
            "{fmt:<14} {t:>5} {f_p:>4} {f_n:>4}  {:>9.4} {:>6.4}\n",
            ratio(t, f_p),
            ratio(t, f_n)
        ));
    }
    let ftp = phi_files_found.intersection(&phi_files_expected).count() as f64;
    let fpp = ftp / phi_files_found.len().max(1) as f64;
    let frr = ftp / phi_files_expected.len().max(1) as f64;
    report.push_str(&format!(
        "files with PHI: expected {}, found {}, precision {fpp:.4} recall {frr:.4}\n",
        phi_files_expected.len(),
        phi_files_found.len()
    ));
    if fpp < 0.98 || frr < 0.98 {
        failures.push(format!(
            "file level: precision {fpp:.4} recall {frr:.4} (bar 0.98)"
        ));
    }
    // Statuses: the expected ones, and `scanned` for everything else.
    let mut want_status: HashMap<String, String> = HashMap::new();
    if let Some(e) = expected {
        for l in std::fs::read_to_string(corpus.join(e))
            .unwrap()
            .lines()
            .filter(|l| !l.trim().is_empty())
        {
            let v: Value = serde_json::from_str(l).unwrap();
            want_status.insert(
                v["path"].as_str().unwrap().to_string(),
                v["status"].as_str().unwrap().to_string(),
            );
        }
    }
    for f in s.files() {
        let p = f["path"].as_str().unwrap();
        let want = want_status.get(p).map_or("scanned", String::as_str);
        // Binary files in the text corpus are unsupported by design.
        let ok = f["status"] == want || (expected.is_none() && f["status"] == "unsupported");
        if !ok {
            failures.push(format!(
                "{p}: status {} (want {want}) {}",
                f["status"], f["reason"]
            ));
        }
    }
    for p in want_status.keys() {
        if !s.files().iter().any(|f| f["path"] == p.as_str()) {
            failures.push(format!("{p}: no record"));
        }
    }
    println!("{report}");
    if std::env::var_os("PHISCAN_CORPUS_DETAILS").is_some() {
        println!(
            "false positives:\n  {}\nmissed:\n  {}",
            false_pos.join("\n  "),
            missed.join("\n  ")
        );
    }
    let show = |v: &Vec<String>| v.iter().take(40).cloned().collect::<Vec<_>>().join("\n  ");
    assert!(
        failures.is_empty(),
        "{report}\n{}\nfalse positives ({}):\n  {}\nmissed ({}):\n  {}",
        failures.join("\n"),
        false_pos.len(),
        show(&false_pos),
        missed.len(),
        show(&missed)
    );
}

#[test]
fn corpus_precision_and_recall() {
    evaluate("files", "labels.jsonl", None);
}

/// PDFs, spreadsheets, office documents, e-mail and archives (corpus/docs, made by
/// corpus/generate_docs.py with reportlab, openpyxl, xlwt, python-docx ...).
#[test]
fn document_corpus_precision_recall_and_statuses() {
    evaluate("docs", "docs-labels.jsonl", Some("docs-expected.jsonl"));
}

/// The committed corpus is exactly what its generator makes (no hand edits, no drift).
#[test]
fn corpus_is_what_the_generator_makes() {
    let env = Env::new();
    let out = env.dir.path().join("regen");
    let st = std::process::Command::new("python3")
        .arg(repo_root().join("corpus/generate.py"))
        .arg(&out)
        .stdout(std::process::Stdio::null())
        .status()
        .expect("python3 runs the corpus generator");
    assert!(st.success(), "the generator's self-check failed");
    let committed = repo_root().join("corpus");
    assert_eq!(
        std::fs::read(out.join("labels.jsonl")).unwrap(),
        std::fs::read(committed.join("labels.jsonl")).unwrap(),
        "labels.jsonl differs from the generator's output"
    );
    let mut a = Vec::new();
    let mut b = Vec::new();
    list(&out.join("files"), &out.join("files"), &mut a);
    list(&committed.join("files"), &committed.join("files"), &mut b);
    assert_eq!(a.len(), b.len(), "file count");
    for ((pa, da), (pb, db)) in a.iter().zip(&b) {
        assert_eq!(pa, pb);
        assert!(da == db, "{pa} differs from the generator's output");
    }
}

fn list(root: &std::path::Path, dir: &std::path::Path, out: &mut Vec<(String, Vec<u8>)>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            list(root, &p, out);
        } else {
            out.push((
                p.strip_prefix(root).unwrap().display().to_string(),
                std::fs::read(&p).unwrap(),
            ));
        }
    }
}
