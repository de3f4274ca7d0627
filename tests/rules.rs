//! Rules as data: user rule directories, `patterns list` and `patterns test`.

use crate::harness::{ssn_lines, Env};

const HOSPITAL_RULES: &str = r#"
[[rule]]
id = "st-mary.mrn"
kind = "mrn"
description = "St. Mary's MRN: SM + 7 digits, found without a label"
pattern = '''\b(?P<value>SM\d{7})\b'''
validator = "mrn"
confidence = { base = "high" }
examples = ["chart SM1234567 reviewed", "SM7654321"]
negative_examples = ["SM123456", "XSM1234567"]
"#;

#[test]
fn user_rules_add_an_institution_mrn_format() {
    let env = Env::new();
    let rules_dir = env.dir.path().join("rules");
    std::fs::create_dir_all(&rules_dir).unwrap();
    std::fs::write(rules_dir.join("st-mary.toml"), HOSPITAL_RULES).unwrap();
    env.write("notes.txt", "Follow-up for SM1234567 next week.\n");
    let without = env.scan_root(&[]);
    assert!(without.findings().is_empty());
    let with = env.scan_root(&["--reveal", "--patterns", rules_dir.to_str().unwrap()]);
    let f = with.findings_in("notes.txt");
    assert_eq!(f.len(), 1);
    assert_eq!(f[0]["rule"], "st-mary.mrn");
    assert_eq!(f[0]["value"], "SM1234567");
    assert_ne!(
        with.summary()["ruleset_hash"],
        without.summary()["ruleset_hash"],
        "the rule set hash covers user rules"
    );

    let list = env.run(&[
        "patterns",
        "list",
        "--patterns",
        rules_dir.to_str().unwrap(),
    ]);
    let text = String::from_utf8(list.stdout).unwrap();
    assert!(
        text.contains("st-mary.mrn") && text.contains("us.ssn.formatted"),
        "{text}"
    );
    // Each text rule's gate is shown: the user's rule starts with the literal "SM".
    let gate_of = |id: &str| {
        let line = text.lines().find(|l| l.starts_with(id)).unwrap();
        line.split_whitespace().nth(3).unwrap().to_string()
    };
    assert_eq!(gate_of("st-mary.mrn"), "labels", "{text}");
    assert_eq!(gate_of("us.ssn.formatted"), "digits", "{text}");
    assert_eq!(gate_of("us.ssn.bare"), "keywords", "{text}");
    assert_eq!(gate_of("contact.email"), "at-sign", "{text}");

    let test = env.run(&[
        "patterns",
        "test",
        rules_dir.join("st-mary.toml").to_str().unwrap(),
    ]);
    let out = String::from_utf8(test.stdout).unwrap();
    assert_eq!(test.status.code(), Some(0), "{out}");
    assert!(out.contains("4 passed, 0 failed"), "{out}");
}

#[test]
fn patterns_test_reports_a_failing_example() {
    let env = Env::new();
    let bad = env.dir.path().join("bad.toml");
    std::fs::write(&bad, HOSPITAL_RULES.replace("\"SM7654321\"", "\"SM76543\"")).unwrap();
    let test = env.run(&["patterns", "test", bad.to_str().unwrap()]);
    assert_eq!(test.status.code(), Some(1));
    assert!(String::from_utf8(test.stdout).unwrap().contains("FAIL"));
}

#[test]
fn bad_rule_files_are_rejected_with_a_reason() {
    let env = Env::new();
    let dir = env.dir.path().join("rules");
    std::fs::create_dir_all(&dir).unwrap();
    for (name, body, want) in [
        (
            "dup.toml",
            HOSPITAL_RULES.replace("st-mary.mrn", "us.ssn.formatted"),
            "duplicate rule id",
        ),
        (
            "regex.toml",
            HOSPITAL_RULES.replace(r"\d{7}", r"\d{7"),
            "compiling its pattern",
        ),
        (
            "validator.toml",
            HOSPITAL_RULES.replace("\"mrn\"\nconf", "\"nope\"\nconf"),
            "unknown validator",
        ),
        (
            "field.toml",
            HOSPITAL_RULES.replace("kind = \"mrn\"", "kind = \"mrn\"\ncolour = 1"),
            "unknown field",
        ),
    ] {
        for f in std::fs::read_dir(&dir).unwrap() {
            std::fs::remove_file(f.unwrap().path()).unwrap();
        }
        std::fs::write(dir.join(name), body).unwrap();
        let out = env.run(&["patterns", "list", "--patterns", dir.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(2), "{name}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(want), "{name}: {err}");
    }
}

#[test]
fn patterns_test_on_a_sample_file_shows_low_candidates_masked() {
    let env = Env::new();
    let p = env.write("sample.txt", "reference 1245319599\nSSN 234-56-7891\n");
    let out = env.run(&["patterns", "test", p.to_str().unwrap()]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("low") && text.contains("us.npi"), "{text}");
    assert!(
        text.contains("***-**-7891") && !text.contains("234-56-7891"),
        "{text}"
    );
}

/// A reader that stops early (`phiscan patterns test FILE | head -1`) ends the command
/// quietly: exit 0, no panic. The output (8,000 findings) is far more than a pipe holds, so
/// the command is still writing when the pipe closes.
#[test]
fn a_closed_stdout_ends_commands_quietly() {
    use std::io::BufRead;
    let env = Env::new();
    let file = env.write("many.txt", ssn_lines("Patient SSN: ", 8000));
    let mut child = env
        .cmd()
        .args(["patterns", "test", file.to_str().unwrap()])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    assert_eq!(first.trim(), "format: text");
    // The reader is dropped here: the rest of the output has nowhere to go.
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(
        !err.contains("panic") && !err.contains("internal error"),
        "{err}"
    );
}

/// Output that cannot be written for any other reason than a closed pipe (here a full disk,
/// `/dev/full`) is an error (exit 2 with the reason), not a quiet success: `patterns list`
/// used to end with 0 on any write error.
#[test]
fn output_to_a_full_disk_is_an_error() {
    let env = Env::new();
    let file = env.write("few.txt", ssn_lines("Patient SSN: ", 3));
    for args in [
        vec!["patterns", "list"],
        vec!["patterns", "list", "--json"],
        vec!["patterns", "test", file.to_str().unwrap()],
    ] {
        let out = env
            .cmd()
            .args(&args)
            .stdout(std::fs::File::create("/dev/full").unwrap())
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains("No space left on device"), "{args:?}: {err}");
        assert!(!err.contains("234-56-"), "{args:?}: {err}");
    }
}

/// Every built-in text rule finds its candidates by a fast gate (digits, keywords, labels, an
/// `@`), never by windows around every digit: a label pattern whose optional parts give too
/// many prefixes fell to windows once and halved the speed of a scan.
#[test]
fn built_in_rules_never_take_the_slow_gate() {
    let env = Env::new();
    let out = env.run(&["patterns", "list", "--json"]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let mut n = 0;
    for line in text.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        assert_ne!(v["gate"], "windows", "{v}");
        n += 1;
    }
    assert!(n >= 40, "{text}");
}
