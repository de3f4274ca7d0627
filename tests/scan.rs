//! The inventory contract (INVENTORY.md), text decoding and detection, through the real binary.

use crate::harness::Env;

const NOTE: &str = "Referral for Jane Roe\nDOB: 01/02/1980\nSSN: 234-56-7891\nPhone: (212) 555-0143\nMRN: 00482913\n";

#[test]
fn finds_phi_and_writes_jsonl_inventory() {
    let env = Env::new();
    env.write("referrals/jane.txt", NOTE);
    let s = env.scan_root(&[]);
    assert_eq!(s.code, 1, "PHI found -> exit 1\n{}", s.stderr);
    let kinds: Vec<&str> = s
        .findings()
        .iter()
        .map(|f| f["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["dob", "ssn", "phone", "mrn"]);
    let ssn = s.findings()[1];
    assert_eq!(ssn["masked"], "***-**-7891");
    assert_eq!(ssn["confidence"], "high");
    assert_eq!(ssn["rule"], "us.ssn.formatted");
    assert_eq!(ssn["location"]["line"], 3);
    assert_eq!(ssn["location"]["column"], 6);
    assert_eq!(ssn["location"]["byte"], NOTE.find("234-56").unwrap());
    assert_eq!(ssn["fingerprint"].as_str().unwrap().len(), 64);
    assert!(ssn.get("value").is_none(), "no raw value without --reveal");
    assert_eq!(s.findings()[0]["masked"], "1980-**-**");
    let f = s.file("referrals/jane.txt");
    assert_eq!(f["status"], "scanned");
    assert_eq!(f["findings"], 4);
    assert_eq!(f["kinds"]["ssn"], 1);
    assert_eq!(f["size"], NOTE.len());
    assert!(f["modified"].as_str().unwrap().ends_with('Z'));
    let sum = s.summary();
    assert_eq!(sum["files_with_phi"], 1);
    assert_eq!(sum["findings_by_kind"]["ssn"], 1);
    assert_eq!(sum["distinct_by_kind"]["phone"], 1);
    assert_eq!(sum["bytes_read"], NOTE.len());
    assert_eq!(sum["ruleset_hash"].as_str().unwrap().len(), 64);
    // Findings of a file come before its file record.
    let pos = |t: &str| s.records.iter().position(|r| r["type"] == t).unwrap();
    assert!(pos("finding") < pos("file"));
    for raw in [
        "234-56-7891",
        "234567891",
        "00482913",
        "01/02/1980",
        "555-0143",
    ] {
        assert!(
            !s.stdout.contains(raw),
            "raw value {raw} leaked into the inventory"
        );
    }
}

#[test]
fn reveal_adds_normalized_values() {
    let env = Env::new();
    env.write("jane.txt", NOTE);
    let s = env.scan_root(&["--reveal"]);
    assert_eq!(
        s.kinds_values("jane.txt"),
        [
            ("dob".into(), "1980-01-02".into()),
            ("ssn".into(), "234567891".into()),
            ("phone".into(), "2125550143".into()),
            ("mrn".into(), "00482913".into())
        ]
    );
    assert_eq!(s.summary()["revealed"], true);
}

#[test]
fn fingerprints_are_stable_with_one_key_and_differ_across_keys() {
    let env = Env::new();
    env.write("a.txt", "SSN 234-56-7891\n");
    env.write("b.txt", "social security: 234567891\n");
    let s = env.scan_root(&[]);
    let fa = s.findings_in("a.txt")[0]["fingerprint"].clone();
    let fb = s.findings_in("b.txt")[0]["fingerprint"].clone();
    assert_eq!(fa, fb, "same person, same fingerprint");
    assert_eq!(s.summary()["distinct_by_kind"]["ssn"], 1);
    let again = env.scan_root(&[]);
    assert_eq!(again.findings_in("a.txt")[0]["fingerprint"], fa);
    let other_key = env.dir.path().join("other.key");
    let t = crate::harness::parse(env.run(&[
        "scan",
        "--format",
        "jsonl",
        "--key-file",
        other_key.to_str().unwrap(),
        env.root().to_str().unwrap(),
    ]));
    assert_ne!(t.findings_in("a.txt")[0]["fingerprint"], fa);
}

#[test]
fn key_file_is_created_owner_only_in_the_data_dir() {
    use std::os::unix::fs::PermissionsExt;
    let env = Env::new();
    env.write("a.txt", "nothing here\n");
    let out = env.run(&["scan", "--format", "jsonl", env.root().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    let key = env.home.join(".local/share/phiscan/key");
    let mode = std::fs::metadata(&key).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let dmode = std::fs::metadata(key.parent().unwrap())
        .unwrap()
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(dmode, 0o700);
    assert_eq!(std::fs::read_to_string(&key).unwrap().trim().len(), 64);
}

#[test]
fn exit_codes() {
    let env = Env::new();
    env.write(
        "clean.txt",
        "Meeting at 10:30 in room 204. Call 212-555-0143.\n",
    );
    let s = env.scan_root(&[]);
    assert_eq!(s.code, 0, "phone numbers alone are not PHI");
    assert_eq!(s.summary()["files_with_phi"], 0);
    assert_eq!(s.summary()["findings_by_kind"]["phone"], 1);

    env.write("phi.txt", "Patient DOB: 03/14/1972\n");
    assert_eq!(env.scan_root(&[]).code, 1);

    let s = env.scan(&[env.path("missing-dir").to_str().unwrap()]);
    assert_eq!(s.code, 2, "a target that does not exist is an error");
    assert_eq!(s.file("missing-dir")["status"], "error");

    let out = env.run(&[
        "scan",
        "--key-file",
        env.key.to_str().unwrap(),
        "--patterns",
        "/nonexistent-rules",
        ".",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("nonexistent-rules"));
}

/// When the inventory can no longer be written and there is no database to hold the rest,
/// the scan stops instead of reading every other file for nothing: a full disk is an error
/// that says how far the scan got; a reader that went away (`| head`) is quiet, exit 2 (the
/// scan did not complete). With a database the scan goes on and records every file.
#[test]
fn output_that_cannot_be_written_stops_the_scan() {
    let env = Env::new();
    const FILES: usize = 6000;
    for i in 0..FILES {
        env.write(
            &format!("d{}/note{i}.txt", i % 20),
            format!(
                "Patient {i}\nSSN: 123-45-{:04}\nDOB: 03/14/1972\n",
                1000 + i
            ),
        );
    }
    // /dev/full: every write fails with ENOSPC, first when the 256 KiB buffer fills (a few
    // hundred files). The walk can only be ahead of the writer by the bounded queue.
    let to_full = |store: &[&std::ffi::OsStr]| {
        let out = env
            .cmd()
            .args(["scan", "--format", "jsonl", "--key-file"])
            .arg(&env.key)
            .args(store)
            .args(["-j2", "-o", "/dev/full"])
            .arg(env.root())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2));
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    let err = to_full(&["--no-db".as_ref()]);
    let stopped_after: usize = err
        .split("the scan stopped after ")
        .nth(1)
        .and_then(|r| r.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("says where it stopped: {err}"));
    assert!(err.contains("No space left on device"), "{err}");
    assert!(
        (100..FILES / 2).contains(&stopped_after),
        "stopped early: {stopped_after} of {FILES} files"
    );

    // A pipe whose reader takes one line and goes away.
    let mut child = env
        .scan_cmd()
        .args(["-j2"])
        .arg(env.root())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(child.stdout.take().unwrap()),
        &mut first,
    )
    .unwrap();
    assert!(first.starts_with('{'), "{first}");
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(2), "the scan did not complete");
    assert_eq!(String::from_utf8_lossy(&out.stderr), "", "and says nothing");

    // With a database the scan goes on: every file is in it, and the error is reported.
    let db = env.dir.path().join("inv.sqlite");
    let err = to_full(&["--db".as_ref(), db.as_os_str()]);
    assert!(err.contains("the scan went on, for the database"), "{err}");
    let in_db: i64 = rusqlite::Connection::open(&db)
        .unwrap()
        .query_row("SELECT count(*) FROM files", [], |r| r.get(0))
        .unwrap();
    assert_eq!(in_db, FILES as i64);
}

#[test]
fn output_file_is_written_and_not_scanned_itself() {
    let env = Env::new();
    env.write("jane.txt", NOTE);
    let out_path = env.path("inventory.jsonl");
    let out = env.run(&[
        "scan",
        "--key-file",
        env.key.to_str().unwrap(),
        "-o",
        out_path.to_str().unwrap(),
        env.root().to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let text = std::fs::read_to_string(&out_path).unwrap();
    let s = crate::harness::parse(std::process::Output {
        status: out.status,
        stdout: text.into_bytes(),
        stderr: vec![],
    });
    assert_eq!(s.file("inventory.jsonl")["status"], "skipped");
    assert_eq!(s.findings().len(), 4);
}

/// The terminal summary, with the inventory database (findings go to the writer as records)
/// and without it (the workers only count them): the same files and totals.
#[test]
fn human_summary_lists_files_and_totals() {
    let env = Env::new();
    env.write("jane.txt", NOTE);
    env.write("scan.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR");
    let root = env.root();
    for db in [None, Some("--no-db")] {
        let mut args = vec![
            "scan",
            "--format",
            "human",
            "--key-file",
            env.key.to_str().unwrap(),
            root.to_str().unwrap(),
        ];
        args.extend(db);
        let out = env.run(&args);
        let text = String::from_utf8(out.stdout).unwrap();
        assert_eq!(out.status.code(), Some(1), "{db:?}: {text}");
        assert!(
            text.contains("jane.txt\n    ssn 1, mrn 1, dob 1, phone 1"),
            "{text}"
        );
        assert!(
            text.contains("unsupported: PNG image (needs OCR)"),
            "{text}"
        );
        assert!(text.contains("files containing PHI: 1"), "{text}");
        assert!(
            text.contains("findings: 4 at medium confidence or higher"),
            "{db:?}: {text}"
        );
        assert!(
            text.contains("ssn                  1  (1 distinct)"),
            "{text}"
        );
        assert!(!text.contains("234-56-7891"));
    }
}

#[test]
fn encodings_utf16_and_windows_1252() {
    let env = Env::new();
    let body = "Paciente: José Núñez\nSSN: 536-22-0198\nDOB 7/4/1966\n";
    let mut le = vec![0xFF, 0xFE];
    le.extend(body.encode_utf16().flat_map(|u| u.to_le_bytes()));
    env.write("u16le.txt", &le);
    let mut be = vec![0xFE, 0xFF];
    be.extend(body.encode_utf16().flat_map(|u| u.to_be_bytes()));
    env.write("u16be.txt", &be);
    let nobom: Vec<u8> = body.encode_utf16().flat_map(|u| u.to_le_bytes()).collect();
    env.write("u16-nobom.txt", &nobom);
    let (cp, _, _) = encoding_rs::WINDOWS_1252.encode(body);
    env.write("cp1252.txt", &cp);
    let mut bom8 = b"\xEF\xBB\xBF".to_vec();
    bom8.extend_from_slice(body.as_bytes());
    env.write("utf8bom.txt", &bom8);
    let s = env.scan_root(&["--reveal"]);
    for (name, enc) in [
        ("u16le.txt", "utf-16le"),
        ("u16be.txt", "utf-16be"),
        ("u16-nobom.txt", "utf-16le"),
        ("cp1252.txt", "windows-1252"),
        ("utf8bom.txt", "utf-8"),
    ] {
        assert_eq!(s.file(name)["encoding"], enc, "{name}");
        assert_eq!(
            s.kinds_values(name),
            [
                ("ssn".into(), "536220198".into()),
                ("dob".into(), "1966-07-04".into())
            ],
            "{name}"
        );
        assert_eq!(s.findings_in(name)[0]["location"]["line"], 2, "{name}");
    }
    // UTF-16: byte offsets point into the original file.
    let off = s.findings_in("u16le.txt")[0]["location"]["byte"]
        .as_u64()
        .unwrap() as usize;
    assert_eq!(&le[off..off + 6], "5\x003\x006\x00".as_bytes());
}

#[test]
fn type_by_content_first() {
    let env = Env::new();
    env.write("looks-like.txt", "%PDF-1.7\n%binary\n");
    env.write("noext", "SSN: 234-56-7891\n");
    env.write(
        "data.bin",
        [0u8, 1, 2, 3, 0, 0, 255, 254, 0, 7, 8, 9, 0, 0, 1, 2, 3, 4],
    );
    env.write("image.jpg.txt", b"\xFF\xD8\xFF\xE0\x00\x10JFIF");
    env.write("empty.txt", "");
    let s = env.scan_root(&[]);
    // Content says PDF (a broken one): it goes to the PDF extractor, not the text reader.
    assert_eq!(s.file("looks-like.txt")["format"], "pdf");
    assert_eq!(s.file("looks-like.txt")["status"], "error");
    assert_eq!(s.file("noext")["findings"], 1);
    assert_eq!(s.file("data.bin")["status"], "unsupported");
    assert!(s.file("image.jpg.txt")["reason"]
        .as_str()
        .unwrap()
        .contains("JPEG"));
    assert_eq!(s.file("empty.txt")["status"], "scanned");
}

#[test]
fn csv_header_decides_bare_numbers() {
    let env = Env::new();
    env.write(
        "billing/export.csv",
        "Patient,SSN,Phone,Order #,MRN,Member ID,DOB,Visit Date\n\
         Jane Roe,536220198,2125550143,412339801,00482913,XEH812349021,03/14/1972,01/05/2023\n\
         \"Smith, John\",412339801,6465550199,536220198,A1029384,W123456789,1955-05-05,2023-02-06\n",
    );
    let s = env.scan_root(&["--reveal"]);
    let got = s.kinds_values("export.csv");
    let want: Vec<(String, String)> = [
        ("ssn", "536220198"),
        ("phone", "2125550143"),
        ("mrn", "00482913"),
        ("insurance_id", "XEH812349021"),
        ("dob", "1972-03-14"),
        ("ssn", "412339801"),
        ("phone", "6465550199"),
        ("mrn", "A1029384"),
        ("insurance_id", "W123456789"),
        ("dob", "1955-05-05"),
    ]
    .iter()
    .map(|(a, b)| (a.to_string(), b.to_string()))
    .collect();
    assert_eq!(got, want);
    assert_eq!(s.file("export.csv")["format"], "csv");
}

#[test]
fn hard_negatives_are_not_reported() {
    let env = Env::new();
    env.write(
        "negatives.txt",
        "Order 234567891 shipped; tracking 1Z999AA10123456784.\n\
         Invoice date 01/02/2023, due 02/01/2023. ZIP 10001-2345.\n\
         Sample SSN for training: 078-05-1120. Also 123-45-6789 and 219-09-9999.\n\
         Test card 4111 1111 1111 1111. ISBN 978-0-306-40615-7.\n\
         Claim #: 987654321. Case no. 123456789. Routing 021000021.\n\
         Version 10.2.1 built 2024-03-15. Server 192.168.10.25.\n\
         Invalid SSNs: 000-12-3456 666-01-2345 912-40-1234 123-45 6789.\n\
         NPI 1234567890 fails its check. DEA AB1234564 too.\n\
         DOB: 02/30/1980 is not a date; DOB: 01/02/2091 is in the future.\n",
    );
    let s = env.scan_root(&["--reveal"]);
    assert!(
        s.findings_in("negatives.txt").is_empty(),
        "{:#?}",
        s.findings_in("negatives.txt")
    );
    assert_eq!(s.code, 0);
}

#[test]
fn structured_hl7_x12_fhir() {
    let env = Env::new();
    env.write(
        "lab/adt.hl7",
        "MSH|^~\\&|EPIC|HOSP|LAB|HOSP|20230101120000||ADT^A01|MSG0001|P|2.5\r\
         PID|1||00482913^^^HOSP^MR~536220198^^^SSA^SS||ROE^JANE||19720314|F|||1 MAIN ST^^NEW YORK^NY^10001||(212)555-0143||||||412-33-9801\r\
         IN1|1|PPO01|60054|AETNA||||||||||||ROE^JANE|01|19720314||||||||||||||||||XEH812349021\r",
    );
    let isa = "ISA*00*          *00*          *ZZ*SUBMITTER      *ZZ*RECEIVER       *230101*1200*^*00501*000000001*0*P*:~";
    env.write(
        "claims/c.837",
        format!("{isa}\nGS*HC*A*B*20230101*1200*1*X*005010X222A1~\nNM1*85*2*SMILE DENTAL*****XX*1245319599~\nNM1*IL*1*ROE*JANE****MI*W123456789~\nDMG*D8*19720314*F~\nREF*EA*A1029384~\nCLM*PT0001*125***11:B:1~\nDTP*472*D8*20230105~\n"),
    );
    env.write(
        "fhir/patient.json",
        r#"{"resourceType":"Bundle","entry":[{"resource":{"resourceType":"Patient","identifier":[{"type":{"coding":[{"code":"MR"}]},"value":"00482913"},{"system":"http://hl7.org/fhir/sid/us-ssn","value":"536220198"}],"birthDate":"1972-03-14","meta":{"lastUpdated":"2023-01-01T00:00:00Z"}}},{"resource":{"resourceType":"Coverage","subscriberId":"XEH812349021","period":{"start":"2023-01-01"}}}]}"#,
    );
    let s = env.scan_root(&["--reveal"]);
    let v = |p: &str| {
        let mut x = s.kinds_values(p);
        x.sort();
        x
    };
    let strs = |a: &[(&str, &str)]| {
        let mut x: Vec<(String, String)> = a
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        x.sort();
        x
    };
    assert_eq!(
        v("adt.hl7"),
        strs(&[
            ("mrn", "00482913"),
            ("ssn", "536220198"),
            ("dob", "1972-03-14"),
            ("phone", "2125550143"),
            ("ssn", "412339801"),
            ("dob", "1972-03-14"),
            ("insurance_id", "XEH812349021")
        ])
    );
    assert_eq!(s.file("adt.hl7")["format"], "hl7");
    let rec: Vec<&str> = s
        .findings_in("adt.hl7")
        .iter()
        .filter_map(|f| f["location"]["record"].as_str())
        .collect();
    assert!(
        rec.contains(&"PID-3")
            && rec.contains(&"PID-7")
            && rec.contains(&"PID-19")
            && rec.contains(&"IN1-36"),
        "{rec:?}"
    );
    assert_eq!(
        v("c.837"),
        strs(&[
            ("npi", "1245319599"),
            ("insurance_id", "W123456789"),
            ("dob", "1972-03-14"),
            ("mrn", "A1029384")
        ])
    );
    assert_eq!(
        v("patient.json"),
        strs(&[
            ("mrn", "00482913"),
            ("ssn", "536220198"),
            ("dob", "1972-03-14"),
            ("insurance_id", "XEH812349021")
        ])
    );
}

/// A revealed finding's value is written at its `location.byte` in `file` (dashes aside: the
/// value is normalized, "536-22-0198" -> "536220198", "1980-01-02" from "19800102").
fn assert_value_at_its_byte(file: &[u8], f: &serde_json::Value) {
    let at = f["location"]["byte"].as_u64().unwrap() as usize;
    let v = f["value"].as_str().unwrap().replace('-', "");
    let written: Vec<u8> = file[at..]
        .iter()
        .copied()
        .filter(|&b| b != b'-')
        .take(v.len())
        .collect();
    assert_eq!(String::from_utf8_lossy(&written), v, "{f}");
}

/// A finding in a table read out of a text file (a SQL dump, an HTML page) is also at its
/// place in the file: its byte is where the value is written, and its line and column
/// (characters) are that byte's. `line_ends`: where the file's `\n`s are.
fn assert_located_in_file(file: &[u8], line_ends: &[usize], f: &serde_json::Value) {
    let loc = &f["location"];
    let at = loc["byte"]
        .as_u64()
        .unwrap_or_else(|| panic!("no byte: {f}")) as usize;
    let line = line_ends.partition_point(|&e| e < at) + 1;
    let line_start = if line == 1 {
        0
    } else {
        line_ends[line - 2] + 1
    };
    let column = String::from_utf8_lossy(&file[line_start..at])
        .chars()
        .count()
        + 1;
    assert_eq!(
        (loc["line"].as_u64(), loc["column"].as_u64()),
        (Some(line as u64), Some(column as u64)),
        "{f}"
    );
}

/// Shapes of text the office corpus lacks, through the binary at the default threshold: a card
/// followed by its expiry date, MRN and member-id labels as JSON and XML keys, birth dates
/// written 1980.01.02 and Jan-02-1980 are found; phone- and card-shaped neighbours in a
/// matrix of figures, and a label-like word inside base64, are not.
#[test]
fn text_shapes_beyond_the_office_corpus() {
    let env = Env::new();
    env.write(
        "billing.txt",
        "Paid by Visa 4539 1488 0343 6467 04/27, thank you.\n",
    );
    env.write(
        "export.json",
        "{\"mrn\": \"A1029384\", \"memberId\": \"XEH812349021\", \"name\": \"Roe\"}\n",
    );
    env.write(
        "export.xml",
        "<Patient><MRN>00482915</MRN><SubscriberID>W123456789</SubscriberID></Patient>\n",
    );
    env.write(
        "intake.txt",
        "DOB: 1980.01.02\nPatient two, DOB: Jan-02-1981\nPatient three, DOB:03141962, order 03151962\n",
    );
    env.write(
        "matrix.txt",
        "17 212 555 0143 5 880 12\n4 0 4539 1488 0343 6467 31 7\n9 62 212 555 0143\n",
    );
    env.write(
        "attachment.txt",
        "Content-Transfer-Encoding: base64\n\nAbi1scDqAh/8PYe8adLBlseQgK3dFB/mrnZ7x7k6wh6XqF/6CiVX+/\n",
    );
    // Field names as exports and code write them; a log line's label is not the next
    // line's timestamp's.
    env.write(
        "app.log",
        "2024-03-05 17:22:01 INFO lookup patient_ssn=536228745 dob=1976-07-18\n2024-03-05 17:22:02 INFO {\"patient\":{\"socialSecurityNumber\":\"536228746\",\"dateOfBirth\":\"1977-08-19\"}}\n",
    );
    env.write(
        "patient.yaml",
        "patient:\n  date_of_birth: 1980-11-22\n  pt_dob: 11/23/1980\n  memberSsn: '536228749'\n",
    );
    // A phone's extension is matched with it and left out of the number (in prose and in a
    // table's cell); Maestro's 12 digits and JCB's older 15 are cards.
    env.write(
        "contacts.txt",
        "Phone: 212-555-0143x123\nCard: 675985288488 (Maestro)\nJCB card 213144924377509\n",
    );
    env.write("contacts.csv", "Name,Phone\nRoe,617-555-0143x12\n");
    let s = env.scan_root(&["--reveal"]);
    let v = |p: &str| {
        let mut x = s.kinds_values(p);
        x.sort();
        x
    };
    let strs = |a: &[(&str, &str)]| {
        a.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        v("app.log"),
        strs(&[
            ("dob", "1976-07-18"),
            ("dob", "1977-08-19"),
            ("ssn", "536228745"),
            ("ssn", "536228746")
        ])
    );
    assert_eq!(
        v("patient.yaml"),
        strs(&[
            ("dob", "1980-11-22"),
            ("dob", "1980-11-23"),
            ("ssn", "536228749")
        ])
    );
    assert_eq!(
        v("billing.txt"),
        strs(&[("credit_card", "4539148803436467")])
    );
    assert_eq!(
        v("export.json"),
        strs(&[("insurance_id", "XEH812349021"), ("mrn", "A1029384")])
    );
    assert_eq!(
        v("export.xml"),
        strs(&[("insurance_id", "W123456789"), ("mrn", "00482915")])
    );
    assert_eq!(
        v("intake.txt"),
        strs(&[
            ("dob", "1962-03-14"),
            ("dob", "1980-01-02"),
            ("dob", "1981-01-02")
        ])
    );
    assert_eq!(v("matrix.txt"), strs(&[]));
    assert_eq!(v("attachment.txt"), strs(&[]));
    assert_eq!(
        v("contacts.txt"),
        strs(&[
            ("credit_card", "213144924377509"),
            ("credit_card", "675985288488"),
            ("phone", "2125550143")
        ])
    );
    assert_eq!(v("contacts.csv"), strs(&[("phone", "6175550143")]));
}

/// FHIR larger than a chunk (4 MiB), as servers export it: a pretty-printed bundle, the same
/// bundle on one line, bulk-data NDJSON (a resource per line) and resources written one
/// after another. Every patient's MRN, SSN and birth date is found once, by the FHIR rules,
/// at its place in the file; before, only a FHIR text that fit in one chunk was parsed, and
/// NDJSON not at all.
#[test]
fn fhir_bundles_and_ndjson_larger_than_a_chunk() {
    let env = Env::new();
    let n = 1500;
    let patient = |i: usize| {
        serde_json::json!({
            "resourceType": "Patient",
            "id": format!("p{i}"),
            "identifier": [
                {"type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0203", "code": "MR"}]},
                 "value": format!("{:08}", 10_000_000 + i * 7)},
                {"system": "http://hl7.org/fhir/sid/us-ssn",
                 "value": format!("{:03}-{:02}-{:04}", 100 + i % 500, 10 + i % 80, 1000 + i)}
            ],
            "birthDate": format!("19{:02}-{:02}-{:02}", 30 + i % 60, 1 + i % 12, 1 + i % 28),
            // Bulk: a narrative of ~3 KB per resource, so that chunk ends fall inside them.
            "text": {"status": "generated", "div": format!("<div>{}</div>", "visit notes {} ".repeat(200))}
        })
    };
    let entries: Vec<serde_json::Value> = (0..n)
        .map(|i| serde_json::json!({"fullUrl": format!("urn:uuid:{i}"), "resource": patient(i)}))
        .collect();
    let bundle =
        serde_json::json!({"resourceType": "Bundle", "type": "collection", "entry": entries});
    env.write(
        "pretty.json",
        serde_json::to_string_pretty(&bundle).unwrap(),
    );
    // serde_json sorts keys (resourceType after identifier): here resourceType comes first,
    // where FHIR writers put it.
    let oneline = serde_json::to_string(&bundle)
        .unwrap()
        .replace(",\"resourceType\":\"Patient\"", "")
        .replace(
            "{\"birthDate\"",
            "{\"resourceType\":\"Patient\",\"birthDate\"",
        );
    env.write("oneline.json", oneline);
    let lines: String = (0..n)
        .map(|i| serde_json::to_string(&patient(i)).unwrap() + "\n")
        .collect();
    env.write("Patient.ndjson", lines);
    let docs: String = (0..n)
        .map(|i| serde_json::to_string_pretty(&patient(i)).unwrap() + "\n")
        .collect();
    env.write("docs.json", docs);
    let s = env.scan_root(&["--reveal"]);
    let mut want: Vec<(String, String)> = (0..n)
        .flat_map(|i| {
            let p = patient(i);
            [
                (
                    "mrn",
                    p["identifier"][0]["value"].as_str().unwrap().to_string(),
                ),
                (
                    "ssn",
                    p["identifier"][1]["value"]
                        .as_str()
                        .unwrap()
                        .replace('-', ""),
                ),
                ("dob", p["birthDate"].as_str().unwrap().to_string()),
            ]
        })
        .map(|(k, v)| (k.to_string(), v))
        .collect();
    want.sort();
    for name in ["pretty.json", "oneline.json", "Patient.ndjson", "docs.json"] {
        let bytes = std::fs::read(env.path(name)).unwrap();
        assert!(
            bytes.len() > 4 << 20,
            "{name} spans chunks: {}",
            bytes.len()
        );
        let mut got = s.kinds_values(name);
        got.sort();
        assert_eq!(got.len(), want.len(), "{name}");
        assert!(got == want, "{name}: the values differ");
        for f in s.findings_in(name) {
            assert!(
                f["rule"].as_str().unwrap().starts_with("fhir."),
                "{name}: {f}"
            );
            // The byte offset is the value's place in the file (the SSN written with dashes).
            assert_value_at_its_byte(&bytes, f);
        }
    }
}

/// FHIR in XML (HAPI and EHR exports): a Bundle larger than a chunk, each Patient with a
/// narrative and a contained resource before its identifiers. Identifiers are judged as in
/// JSON (an MR type only on a Patient, SSN and NPI by system, a Coverage's member id); the
/// same identifiers on an Encounter or an Organization are not PHI of these kinds.
#[test]
fn fhir_xml_bundle() {
    let env = Env::new();
    let n = 1200;
    let mut doc = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Bundle xmlns=\"http://hl7.org/fhir\">\n  <type value=\"collection\"/>\n",
    );
    let mut want: Vec<(String, String)> = Vec::new();
    for i in 0..n {
        let mrn = format!("{:08}", 20_000_000 + i * 7);
        let ssn = format!("{:03}-{:02}-{:04}", 100 + i % 500, 10 + i % 80, 1000 + i);
        let dob = format!("19{:02}-{:02}-{:02}", 30 + i % 60, 1 + i % 12, 1 + i % 28);
        doc.push_str(&format!(
            r#"  <entry>
    <fullUrl value="urn:uuid:p{i}"/>
    <resource>
      <Patient>
        <id value="p{i}"/>
        <text><status value="generated"/><div xmlns="http://www.w3.org/1999/xhtml"><p>{}</p></div></text>
        <contained><Organization><id value="o{i}"/><identifier><type><coding><code value="MR"/></coding></type><value value="99{mrn}"/></identifier></Organization></contained>
        <!-- <identifier><value value="00000000"/></identifier> -->
        <identifier>
          <use value="usual"/>
          <type>
            <coding><system value="http://terminology.hl7.org/CodeSystem/v2-0203"/><code value="MR"/></coding>
          </type>
          <system value="urn:oid:1.2.36.146.595.217.0.1"/>
          <value value="{mrn}"/>
        </identifier>
        <identifier><system value="http://hl7.org/fhir/sid/us-ssn"/><value value="{ssn}"/></identifier>
        <birthDate value="{dob}"/>
      </Patient>
    </resource>
  </entry>
  <entry><resource><Encounter><identifier><type><coding><code value="MR"/></coding></type><value value="77{mrn}"/></identifier></Encounter></resource></entry>
"#,
            "visit notes ".repeat(300)
        ));
        want.push(("mrn".into(), mrn));
        want.push(("ssn".into(), ssn.replace('-', "")));
        want.push(("dob".into(), dob));
    }
    doc.push_str(
        r#"  <entry><resource><Coverage><identifier><type><coding><code value="MB"/></coding></type><value value="XEH812349021"/></identifier><subscriberId value="W123456789"/></Coverage></resource></entry>
  <entry><resource><Practitioner><identifier><system value="http://hl7.org/fhir/sid/us-npi"/><value value="1234567893"/></identifier></Practitioner></resource></entry>
</Bundle>
"#,
    );
    want.push(("insurance_id".into(), "XEH812349021".into()));
    want.push(("insurance_id".into(), "W123456789".into()));
    want.push(("npi".into(), "1234567893".into()));
    assert!(
        doc.len() > 4 << 20,
        "the bundle spans chunks: {}",
        doc.len()
    );
    env.write("export/bundle.xml", &doc);
    let s = env.scan_root(&["--reveal"]);
    assert_eq!(s.file("bundle.xml")["format"], "fhir-xml");
    let mut got = s.kinds_values("bundle.xml");
    got.sort();
    want.sort();
    assert_eq!(got.len(), want.len());
    assert!(got == want, "the values differ");
    for f in s.findings_in("bundle.xml") {
        assert!(f["rule"].as_str().unwrap().starts_with("fhir."), "{f}");
        assert_value_at_its_byte(doc.as_bytes(), f);
        let rec = f["location"]["record"].as_str().unwrap();
        assert!(
            [
                "Patient.identifier",
                "Patient.birthDate",
                "Coverage.identifier",
                "Coverage.subscriberId",
                "Practitioner.identifier"
            ]
            .contains(&rec),
            "{f}"
        );
    }
}

/// A FHIR resource larger than a text chunk (a Patient with a photo, as EHR exports write
/// them) is still read as one resource, in JSON and in XML: text is read in small chunks,
/// FHIR in chunks that hold a whole resource (`TextReader::widen`). With FHIR read in text
/// chunks, the MRN and SSN were reported only by the text rules, or not at all.
#[test]
fn fhir_resources_larger_than_a_text_chunk() {
    let env = Env::new();
    // 1 MiB of base64, the photo before the identifiers.
    let photo: String = (0..(1usize << 20))
        .map(|i| {
            char::from(
                b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"[i * 7 % 64],
            )
        })
        .collect();
    assert!(photo.len() > phiscan::extract::text::CHUNK);
    let json = format!(
        r#"{{"resourceType":"Bundle","type":"collection","entry":[
{{"resource":{{"resourceType":"Patient","id":"p1","photo":[{{"contentType":"image/jpeg","data":"{photo}"}}],
 "identifier":[{{"type":{{"coding":[{{"system":"http://terminology.hl7.org/CodeSystem/v2-0203","code":"MR"}}]}},"value":"A0098123"}},
 {{"system":"http://hl7.org/fhir/sid/us-ssn","value":"536-22-0198"}}],"birthDate":"1962-03-14"}}}},
{{"resource":{{"resourceType":"Patient","id":"p2","identifier":[{{"type":{{"coding":[{{"code":"MR"}}]}},"value":"B0098124"}}],"birthDate":"1970-01-02"}}}}
]}}
"#
    );
    env.write("export/patients.json", &json);
    let xml = format!(
        r#"<Bundle xmlns="http://hl7.org/fhir"><type value="collection"/><entry><resource><Patient>
<id value="p3"/><photo><contentType value="image/jpeg"/><data value="{photo}"/></photo>
<identifier><type><coding><system value="http://terminology.hl7.org/CodeSystem/v2-0203"/><code value="MR"/></coding></type><value value="C0098125"/></identifier>
<birthDate value="1955-05-05"/></Patient></resource></entry></Bundle>
"#
    );
    env.write("export/patient.xml", &xml);
    let s = env.scan_root(&["--reveal"]);
    assert_eq!(s.file("patients.json")["format"], "fhir-json");
    assert_eq!(s.file("patient.xml")["format"], "fhir-xml");
    let rules = |suffix: &str| {
        let mut v: Vec<(String, String)> = s
            .findings_in(suffix)
            .iter()
            .map(|f| {
                (
                    f["rule"].as_str().unwrap().to_string(),
                    f["value"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        v.sort();
        v
    };
    let pair = |r: &str, v: &str| (r.to_string(), v.to_string());
    assert_eq!(
        rules("patients.json"),
        vec![
            pair("fhir.birthdate", "1962-03-14"),
            pair("fhir.birthdate", "1970-01-02"),
            pair("fhir.identifier.mrn", "A0098123"),
            pair("fhir.identifier.mrn", "B0098124"),
            pair("fhir.identifier.ssn", "536220198"),
        ]
    );
    assert_eq!(
        rules("patient.xml"),
        vec![
            pair("fhir.birthdate", "1955-05-05"),
            pair("fhir.identifier.mrn", "C0098125"),
        ]
    );
}

/// JSON Lines (an integration's export, one object per line, fields in any order and
/// named as identifiers): each value is judged by its own field, not read as a CSV table
/// whose "columns" are the first object's fields. Before, a bare SSN under `"pt_ssn"` or
/// `"memberSsn"` was missed on every line but the first, and an id was judged by whatever
/// field of line 1 sat at its comma position.
#[test]
fn json_lines_are_not_read_as_a_table() {
    let env = Env::new();
    let ssn = |i: usize| format!("{}", 536_220_001 + i * 1013);
    let mut text = String::from(
        "{\"syncId\": 644955269, \"patientId\": \"00102544\", \"memberSsn\": \"417-18-9577\", \"updated\": \"2022-01-18\"}\n",
    );
    for i in 0..30 {
        let key = ["pt_ssn", "memberSsn", "ssn"][i % 3];
        text.push_str(&format!(
            "{{\"syncId\": {}, \"mrn\": \"{}\", \"{key}\": \"{}\", \"updated\": \"2023-02-{:02}\"}}\n",
            700_000_001 + i * 7,
            10_000_000 + i,
            ssn(i),
            1 + i % 28
        ));
    }
    env.write("sync/patients.ndjson", &text);
    let s = env.scan_root(&["--reveal"]);
    assert_eq!(s.file("patients.ndjson")["format"], "text");
    let mut ssns: Vec<String> = Vec::new();
    let mut mrns = 0;
    for f in s.findings() {
        match f["kind"].as_str().unwrap() {
            "ssn" => ssns.push(f["value"].as_str().unwrap().to_string()),
            "mrn" => mrns += 1,
            other => panic!("{other}: {f}"),
        }
    }
    let mut want: Vec<String> = (0..30).map(ssn).collect();
    want.push("417189577".into());
    want.sort();
    ssns.sort();
    assert_eq!(ssns, want, "every SSN once, and no sync id");
    assert_eq!(mrns, 31, "the first line's patientId and each mrn");
}

/// SQL dumps: the rows of INSERT statements (mysqldump's extended inserts, column lists or
/// the CREATE TABLE's columns) and of pg_dump's COPY blocks are read as tables, so a bare SSN
/// or date under an `ssn` or `dob` column is found; a dump larger than a chunk (COPY rows on
/// both sides of chunk ends) loses and repeats nothing; the rest of the dump is text at its
/// own lines. Before, only formatted values were found, at medium.
#[test]
fn sql_dump_rows_are_read_as_tables() {
    let env = Env::new();
    let ssn = |i: usize| format!("536{:02}{:04}", 10 + i / 9999, 1 + i % 9999);
    let dob = |i: usize| format!("19{}-{:02}-{:02}", 30 + i % 60, 1 + i % 12, 1 + i % 28);
    let mut d = String::from(
        "-- MySQL dump 10.13\n-- note: patient SSN 536-22-8741 called\nCREATE TABLE `patients` (\n  `id` int NOT NULL,\n  `name` varchar(50),\n  `ssn` char(11),\n  `dob` date,\n  PRIMARY KEY (`id`)\n);\n",
    );
    const INSERTED: usize = 3000;
    const COPIED: usize = 150_000;
    for chunk in 0..INSERTED / 100 {
        d.push_str("INSERT INTO `patients` VALUES ");
        let rows: Vec<String> = (chunk * 100..chunk * 100 + 100)
            .map(|i| format!("({i},'Roe, J''{i}','{}','{}')", ssn(i), dob(i)))
            .collect();
        d.push_str(&rows.join(","));
        d.push_str(";\n");
    }
    d.push_str("COPY public.patients (id, name, ssn, dob) FROM stdin;\n");
    for i in INSERTED..INSERTED + COPIED {
        d.push_str(&format!("{i}\tAnn\\tB\t{}\t{}\n", ssn(i), dob(i)));
    }
    d.push_str("\\.\n");
    assert!(d.len() > 4 << 20, "{}", d.len());
    env.write("backup/clinic.sql", &d);
    let s = env.scan_root(&["--reveal"]);
    assert_eq!(s.file("clinic.sql")["format"], "sql");
    let line_ends: Vec<usize> = d.match_indices('\n').map(|m| m.0).collect();
    let mut ssns: Vec<String> = Vec::new();
    let mut dobs = 0;
    let mut text = Vec::new();
    for f in s.findings() {
        let loc = &f["location"];
        match loc["sheet"].as_str() {
            Some(t) => {
                assert_eq!(t, "patients");
                let row: usize = loc["cell"].as_str().unwrap()[1..].parse().unwrap();
                let want = row - 2; // header row 1, first patient row 2
                                    // Also at its line, column and byte in the dump.
                assert_value_at_its_byte(d.as_bytes(), f);
                assert_located_in_file(d.as_bytes(), &line_ends, f);
                match f["kind"].as_str().unwrap() {
                    "ssn" => {
                        assert_eq!(f["value"], ssn(want), "{f}");
                        assert!(loc["cell"].as_str().unwrap().starts_with('C'));
                        ssns.push(ssn(want));
                    }
                    "dob" => {
                        assert_eq!(f["value"], dob(want), "{f}");
                        dobs += 1;
                    }
                    other => panic!("{other}: {f}"),
                }
            }
            None => text.push((
                f["value"].as_str().unwrap().to_string(),
                loc["line"].clone(),
            )),
        }
    }
    assert_eq!(ssns.len(), INSERTED + COPIED);
    ssns.sort();
    ssns.dedup();
    assert_eq!(ssns.len(), INSERTED + COPIED, "each once");
    assert_eq!(dobs, INSERTED + COPIED);
    assert_eq!(text, [("536228741".to_string(), serde_json::json!(2))]);
}

/// A UTF-16 dump (as SQL Server writes them) with names outside ASCII in its rows: the rows
/// are found in their table, and a value after them keeps its byte offset in the file (the
/// rows are blanked in the transcoded text without changing its length in UTF-16 units).
#[test]
fn utf16_sql_dump_keeps_byte_offsets_after_its_rows() {
    let env = Env::new();
    let before = "-- export\nINSERT INTO [dbo].[patients] ([name], [ssn]) VALUES (N'Zoë 𝄞 Ünal', '536228741');\n-- called back: SSN ";
    let dump = format!("{before}536-22-8743\n");
    let mut bytes = vec![0xFF, 0xFE];
    bytes.extend(dump.encode_utf16().flat_map(|u| u.to_le_bytes()));
    env.write("export.sql", &bytes);
    let s = env.scan_root(&["--reveal"]);
    assert_eq!(s.file("export.sql")["encoding"], "utf-16le");
    let f = s.findings();
    assert_eq!(f.len(), 2, "{f:?}");
    assert_eq!(
        f.iter()
            .filter(|f| f["location"]["sheet"] == "patients")
            .count(),
        1
    );
    let row = f
        .iter()
        .find(|f| f["location"]["sheet"] == "patients")
        .unwrap();
    assert_eq!(
        (row["value"].as_str(), row["location"]["cell"].as_str()),
        (Some("536228741"), Some("B2"))
    );
    // At its place in the file: bytes count UTF-16 units, columns characters.
    let value_at = dump.find("536228741").unwrap();
    assert_eq!(
        row["location"]["byte"],
        2 + 2 * dump[..value_at].encode_utf16().count() as u64,
        "{row}"
    );
    assert_eq!(row["location"]["line"], 2);
    let line_start = dump.find("INSERT").unwrap();
    assert_eq!(
        row["location"]["column"],
        dump[line_start..value_at].chars().count() as u64 + 1
    );
    let later = f.iter().find(|f| f["value"] == "536228743").unwrap();
    let want = 2 + 2 * before.encode_utf16().count() as u64;
    assert_eq!(later["location"]["byte"], want, "{later}");
    assert_eq!(later["location"]["line"], 3);
}

/// An HTML page's tables are read as tables: the header row names what each column holds,
/// so bare values many rows below it (an MRN, a date, nine digits) are found, at their
/// table and cell. The rest of the page is read as text at its own lines and bytes, and no
/// value is reported twice. Before, only the formatted phones of the table were found.
#[test]
fn html_tables_are_read_as_tables() {
    let env = Env::new();
    let mut page = String::from(
        "<!DOCTYPE html>\n<html><body>\n<h1>Clinic report</h1>\n<p>Patient: Mary Major<br>DOB: 06/17/1975 MRN: B2039485</p>\n<table border=1>\n<thead><tr><th>Patient</th><th>MRN</th><th>Date of birth</th><th>SSN</th><th>Member&nbsp;ID</th><th>Charge</th></tr></thead>\n<tbody>\n",
    );
    let mut want: Vec<(String, String, String)> = Vec::new();
    for i in 0..40 {
        let (mrn, dob, ssn, member) = (
            format!("{}", 70_200_000 + i * 37),
            format!("{:02}/{:02}/19{}", 1 + i % 12, 1 + i % 28, 40 + i),
            format!("{}", 536_220_001 + i * 101),
            format!("XEH{}", 812_349_000 + i),
        );
        page.push_str(&format!(
            "<tr><td>P&eacute;rez, Ana {i}</td><td>{mrn}</td><td>{dob}</td><td>{ssn}</td><td>{member}</td><td>{}.50</td></tr>\n",
            100 + i
        ));
        let row = i + 2;
        let iso = format!("19{}-{:02}-{:02}", 40 + i, 1 + i % 12, 1 + i % 28);
        want.push(("mrn".into(), mrn, format!("B{row}")));
        want.push(("dob".into(), iso, format!("C{row}")));
        want.push(("ssn".into(), ssn, format!("D{row}")));
        want.push(("insurance_id".into(), member, format!("E{row}")));
    }
    page.push_str("</tbody></table>\n<table><tr><td>Referral: patient DOB: 02/03/1961, call 212-555-0143</td></tr></table>\n<p>Signed, Dr. Jones</p>\n<p>Follow-up for SSN 536-22-8741.</p>\n</body></html>\n");
    env.write("report.html", &page);
    let s = env.scan_root(&["--reveal"]);
    assert_eq!(s.file("report.html")["format"], "html");
    let line_ends: Vec<usize> = page.match_indices('\n').map(|m| m.0).collect();
    let mut got: Vec<(String, String, String)> = Vec::new();
    let mut text: Vec<(String, String, u64)> = Vec::new();
    for f in s.findings() {
        let (kind, value) = (f["kind"].as_str().unwrap(), f["value"].as_str().unwrap());
        let loc = &f["location"];
        match loc["sheet"].as_str() {
            Some("table 1") => {
                // Also at its line, column and byte in the page (a date is written there
                // otherwise than its value).
                if kind != "dob" {
                    assert_value_at_its_byte(page.as_bytes(), f);
                }
                assert_located_in_file(page.as_bytes(), &line_ends, f);
                got.push((
                    kind.into(),
                    value.into(),
                    loc["cell"].as_str().unwrap().into(),
                ))
            }
            Some(other) => text.push((kind.into(), value.into(), other.len() as u64)),
            None => {
                // At its own bytes in the file.
                let b = loc["byte"].as_u64().unwrap() as usize;
                assert!(page[b..].starts_with(&value[..3]) || kind == "dob", "{f}");
                text.push((kind.into(), value.into(), loc["line"].as_u64().unwrap()));
            }
        }
    }
    got.sort();
    want.sort();
    assert_eq!(got, want, "every value of the table, at its cell, once");
    text.sort();
    let line_of =
        |needle: &str| page[..page.find(needle).unwrap()].matches('\n').count() as u64 + 1;
    let table2 = "table 2".len() as u64;
    assert_eq!(
        text,
        [
            ("dob".to_string(), "1961-02-03".to_string(), table2),
            ("dob".into(), "1975-06-17".into(), line_of("Mary")),
            ("mrn".into(), "B2039485".into(), line_of("Mary")),
            ("phone".into(), "2125550143".into(), table2),
            ("ssn".into(), "536228741".into(), line_of("Follow-up")),
        ]
    );
}

/// An HL7 C-CDA document (a continuity of care document, as EHRs export them): the patient's
/// MRN and SSN from the <id> elements that open the <patientRole>, and the birth dates of the
/// patient and a guardian; the document's own id, an author's id and the clinical times
/// (effectiveTime) are not findings. Before, none of the three was found: "birthTime" is no
/// keyword, and the ids have no label.
#[test]
fn cda_document_fields() {
    let env = Env::new();
    let doc = r#"<?xml version="1.0" encoding="UTF-8"?>
<?xml-stylesheet type="text/xsl" href="CDA.xsl"?>
<ClinicalDocument xmlns="urn:hl7-org:v3" xmlns:sdtc="urn:hl7-org:sdtc">
  <realmCode code="US"/>
  <templateId root="2.16.840.1.113883.10.20.22.1.2" extension="2015-08-01"/>
  <id extension="TT988" root="2.16.840.1.113883.19.5.99999.1"/>
  <code code="34133-9" codeSystem="2.16.840.1.113883.6.1" displayName="Summarization of Episode Note"/>
  <effectiveTime value="20230105120000-0500"/>
  <recordTarget>
    <patientRole>
      <!-- the practice's medical record number -->
      <id extension="00482913" root="2.16.840.1.113883.19.5.99999.2"/>
      <id root='2.16.840.1.113883.4.1' extension='536-22-0198'/>
      <addr use="HP"><streetAddressLine>1357 Amber Drive</streetAddressLine></addr>
      <telecom value="tel:+1(555)555-2003" use="HP"/>
      <patient>
        <name use="L"><given>Isabella</given><family>Jones</family></name>
        <administrativeGenderCode code="F" codeSystem="2.16.840.1.113883.5.1"/>
        <birthTime value="19750501"/>
        <guardian>
          <id root="2.16.840.1.113883.4.1" extension="412-33-9801"/>
          <guardianPerson><name><given>Ralph</given><family>Jones</family></name></guardianPerson>
        </guardian>
        <sdtc:deceasedInd value="false"/>
      </patient>
    </patientRole>
  </recordTarget>
  <author>
    <time value="20230105120000-0500"/>
    <assignedAuthor>
      <id extension="5555555555" root="2.16.840.1.113883.4.6"/>
    </assignedAuthor>
  </author>
  <participant typeCode="IND">
    <associatedEntity classCode="PRS"><associatedPerson><birthTime value="194603151230"/></associatedPerson></associatedEntity>
  </participant>
  <component><structuredBody><component><section>
    <entry><encounter classCode="ENC" moodCode="EVN"><id root="2a620155-9d11-439e-92b3-5d9815ff4de8"/><effectiveTime value="20220612"/></encounter></entry>
  </section></component></structuredBody></component>
</ClinicalDocument>
"#;
    env.write("ccd/jones.xml", doc);
    let s = env.scan_root(&["--reveal"]);
    assert_eq!(s.file("jones.xml")["format"], "cda-xml");
    let mut got: Vec<(String, String, String)> = s
        .findings_in("jones.xml")
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["value"].as_str().unwrap().to_string(),
                f["confidence"].as_str().unwrap().to_string(),
            )
        })
        .filter(|(r, _, _)| !r.starts_with("contact."))
        .collect();
    got.sort();
    let want: Vec<(String, String, String)> = [
        ("cda.birth_time", "1946-03-15"),
        ("cda.birth_time", "1975-05-01"),
        ("cda.id.ssn", "412339801"),
        ("cda.id.ssn", "536220198"),
        ("cda.patient_role.id", "00482913"),
    ]
    .iter()
    .map(|(r, v)| (r.to_string(), v.to_string(), "high".to_string()))
    .collect();
    assert_eq!(got, want);
    // Each at its place in the file (the SSNs as written, with dashes).
    for f in s.findings_in("jones.xml") {
        if f["kind"] == "phone" {
            continue;
        }
        assert_value_at_its_byte(doc.as_bytes(), f);
    }
}

#[test]
fn large_file_is_streamed_and_values_across_chunk_boundaries_are_found() {
    let env = Env::new();
    // ~9 MiB: findings every ~100 KiB, lines of varied length so that chunk boundaries fall
    // everywhere; one very long line without newlines crosses a boundary too.
    let mut text = String::new();
    let mut expected = 0;
    let mut i = 0u64;
    while text.len() < 9 << 20 {
        if i.is_multiple_of(997) {
            text.push_str("Patient SSN: 234-56-7891 seen\n");
            expected += 1;
        } else if i.is_multiple_of(4001) {
            text.push_str(&"x".repeat(70_000));
            text.push_str(" DOB: 03/14/1972 ");
            text.push_str(&"y".repeat(70_000));
            text.push('\n');
            expected += 1;
        } else {
            text.push_str(&format!(
                "line {i} of the log, nothing to see {}\n",
                "z".repeat((i % 90) as usize)
            ));
        }
        i += 1;
    }
    env.write("big.log", &text);
    let s = env.scan_root(&[]);
    assert_eq!(s.file("big.log")["findings"], expected);
    let lines: Vec<u64> = s
        .findings_in("big.log")
        .iter()
        .map(|f| f["location"]["line"].as_u64().unwrap())
        .collect();
    let mut sorted = lines.clone();
    sorted.dedup();
    assert_eq!(sorted.len(), lines.len(), "no finding reported twice");
    // Check one location precisely: the last SSN line.
    let last = s
        .findings_in("big.log")
        .into_iter()
        .rfind(|f| f["kind"] == "ssn")
        .unwrap();
    let off = last["location"]["byte"].as_u64().unwrap() as usize;
    assert_eq!(&text[off..off + 11], "234-56-7891");
    let line = 1 + text[..off].matches('\n').count() as u64;
    assert_eq!(last["location"]["line"], line);
}

#[test]
fn threads_do_not_change_results() {
    let env = Env::new();
    for d in 0..8 {
        for f in 0..25 {
            env.write(
                &format!("d{d}/f{f}.txt"),
                format!("Patient {d}-{f}\nSSN: 234-56-{:04}\n", 1000 + d * 100 + f),
            );
        }
    }
    let one = env.scan_root(&["-j", "1"]);
    let four = env.scan_root(&["--threads", "4"]);
    let key = |s: &crate::harness::Scan| {
        let mut v: Vec<String> = s
            .findings()
            .iter()
            .map(|f| format!("{}{}", f["path"], f["fingerprint"]))
            .collect();
        v.sort();
        v
    };
    assert_eq!(key(&one).len(), 200);
    assert_eq!(key(&one), key(&four));
}

#[test]
fn min_confidence_filters() {
    let env = Env::new();
    // The label on the first line is not context for the second line's number.
    env.write(
        "a.txt",
        "NPI 1245319599 rendering\nreference 1245319599\nSSN 078-05-1120\n",
    );
    let s = env.scan_root(&[]);
    assert_eq!(s.findings().len(), 1);
    let low = env.scan_root(&["--min-confidence", "low"]);
    let confs: Vec<&str> = low
        .findings()
        .iter()
        .map(|f| f["confidence"].as_str().unwrap())
        .collect();
    assert_eq!(confs, ["high", "low", "low"]);
    let high = env.scan_root(&["--min-confidence", "high"]);
    assert_eq!(high.findings().len(), 1);
}

#[test]
fn fixed_width_text_reports_use_the_header_line() {
    let env = Env::new();
    env.write(
        "reports/census.txt",
        "DAILY CENSUS REPORT                         Printed 03/01/2024\n\
         \n\
         Patient Name         MRN        DOB          Admit Date   Phone\n\
         -------------------  ---------  -----------  -----------  ------------\n\
         Roe, Jane            00482913   03/14/1972   02/27/2024   212-555-0143\n\
         Smith, John Q        A1029384   5/5/1955     02/28/2024   646-555-0199\n\
         \n\
         Total patients: 2        Report date 03/01/2024\n",
    );
    env.write(
        "reports/tabs.txt",
        "Name\tSSN\tOrder #\nJane Roe\t536220198\t412339801\n",
    );
    let s = env.scan_root(&["--reveal"]);
    let want: Vec<(String, String)> = [
        ("mrn", "00482913"),
        ("dob", "1972-03-14"),
        ("phone", "2125550143"),
        ("mrn", "A1029384"),
        ("dob", "1955-05-05"),
        ("phone", "6465550199"),
    ]
    .iter()
    .map(|(a, b)| (a.to_string(), b.to_string()))
    .collect();
    assert_eq!(s.kinds_values("census.txt"), want);
    assert_eq!(
        s.kinds_values("tabs.txt"),
        [("ssn".to_string(), "536220198".to_string())]
    );
}

/// Column headers as practice-management and billing exports write them: each column of
/// values is found as its header's kind (at the default threshold), and a dated column whose
/// header names a record ("Chart Date") is not read as record numbers.
#[test]
fn column_headers_as_exports_write_them() {
    let env = Env::new();
    // (kind, the value written, the value reported, headers)
    let cases: &[(&str, &str, &str, &[&str])] = &[
        (
            "ssn",
            "536228456",
            "536228456",
            &[
                "Social",
                "SS No",
                "SS Number",
                "SSNumber",
                "SS",
                "Soc Sec",
                "SSN/TIN",
            ],
        ),
        (
            "dob",
            "03/14/1962",
            "1962-03-14",
            &["BDate", "Birth Dt", "DOB (MM/DD/YYYY)"],
        ),
        (
            "mrn",
            "00451234",
            "00451234",
            &["Chart", "PatID", "Pat ID", "EMR ID", "Chart #"],
        ),
        (
            "insurance_id",
            "XJH123456789",
            "XJH123456789",
            &["Sub ID", "Subscriber #", "Primary Ins ID"],
        ),
    ];
    for (kind, value, _, headers) in cases {
        let mut csv = format!("Name,{}\n", headers.join(","));
        for _ in 0..3 {
            csv.push_str("Roe Jane");
            for _ in headers.iter() {
                csv.push(',');
                csv.push_str(value);
            }
            csv.push('\n');
        }
        env.write(&format!("{kind}.csv"), csv);
    }
    env.write(
        "visits.csv",
        "Name,Chart Date,Chart Status\nRoe Jane,2023-01-04,closed\nRoe John,01-05-2023,open\n",
    );
    let s = env.scan_root(&["--reveal"]);
    for (kind, _, value, headers) in cases {
        let got = s.kinds_values(&format!("{kind}.csv"));
        let want = vec![(kind.to_string(), value.to_string()); 3 * headers.len()];
        assert_eq!(got, want, "{kind}: {headers:?}");
    }
    assert_eq!(s.kinds_values("visits.csv"), vec![]);
}

/// A label that ends a table's header line ("MEMBER_NO") does not label the first cell of
/// the next row: that cell is judged by its own column ("SUBSCRIBER_SSN"). Before, the member
/// id label rule read across the line end and reported the SSN as a member id.
#[test]
fn a_header_label_does_not_reach_into_the_next_row() {
    let env = Env::new();
    for (name, d, eol) in [
        ("a.psv", "|", "\n"),
        ("b.csv", ",", "\r\n"),
        ("c.tsv", "\t", "\n"),
    ] {
        let header = ["SUBSCRIBER_SSN", "SUBSCRIBER_DOB", "MEMBER_NO"].join(d);
        let row = ["536220198", "19620314", "XYZ123456789"].join(d);
        env.write(name, format!("{header}{eol}{row}{eol}"));
    }
    let s = env.scan_root(&["--reveal"]);
    for name in ["a.psv", "b.csv", "c.tsv"] {
        let mut got = s.kinds_values(name);
        got.sort();
        let pair = |k: &str, v: &str| (k.to_string(), v.to_string());
        assert_eq!(
            got,
            vec![
                pair("dob", "1962-03-14"),
                pair("insurance_id", "XYZ123456789"),
                pair("ssn", "536220198"),
            ],
            "{name}"
        );
    }
    // In running text a label on one line still labels the value on the next (forms).
    env.write("form.txt", "Member No\n536220198\n");
    let s = env.scan_root(&["--reveal"]);
    assert_eq!(
        s.kinds_values("form.txt"),
        vec![("insurance_id".to_string(), "536220198".to_string())]
    );
}

/// Reports exported as CSV often print a title, a "generated" line or an empty row of
/// delimiters above the header: the header is the first line below them that names
/// columns, and the columns are judged by it.
#[test]
fn report_exports_with_a_title_above_the_header() {
    let env = Env::new();
    env.write(
        "roster.csv",
        "Patient Roster Report\nGenerated: 2024-01-05 by PracticeWorks\n\nLast Name,First Name,Chart #,Birthdate,SSN,Primary Ins ID\nRoe,Jane,100234,03/14/1962,536228456,XJH123456789\nDoe,John,100235,12/01/1980,536228457,XJH123456790\n",
    );
    env.write(
        "quoted.csv",
        "\"Patient Roster Report\",,,\n,,,\n\"Name\",\"DOB\",\"SSN\",\"MRN\"\n\"Roe, Jane\",\"03/14/1962\",\"536228456\",\"00451234\"\n",
    );
    env.write(
        "report.txt",
        "Daily census; printed 01/05/2024\nName|DOB|SSN|Room\nRoe Jane|03/14/1962|536228456|12B\n",
    );
    // A title over a table whose header names no kind: the order numbers stay unreported.
    env.write(
        "orders.csv",
        "Open orders\nName,Order,Placed\nRoe Jane,536228456,2024-01-05\n",
    );
    // Prose is not a table: a line of values between commas over a line of as many commas,
    // and clauses between semicolons.
    env.write(
        "visit.txt",
        "Clinic note\nPatient: Richard Walker, MRN 88961471, DOB 09/25/1953\nHe denies chest pain, fever, or chills.\nSee the policy manual, section 12.5, pages 19-122; the pharmacy agreed; ok.\nSeen on 01/24/2023 in Suite 285; next appointment in 3 months; labs due.\n",
    );
    let s = env.scan_root(&["--reveal"]);
    assert_eq!(s.file("visit.txt")["format"], "text");
    let v = |p: &str| {
        let mut x = s.kinds_values(p);
        x.sort();
        x
    };
    assert_eq!(
        v("visit.txt"),
        vec![
            ("dob".to_string(), "1953-09-25".to_string()),
            ("mrn".to_string(), "88961471".to_string())
        ]
    );
    let row = |mrn: &str, dob: &str, ssn: &str| {
        vec![
            ("dob".to_string(), dob.to_string()),
            ("mrn".to_string(), mrn.to_string()),
            ("ssn".to_string(), ssn.to_string()),
        ]
    };
    let mut want = row("100234", "1962-03-14", "536228456");
    want.extend(row("100235", "1980-12-01", "536228457"));
    want.push(("insurance_id".into(), "XJH123456789".into()));
    want.push(("insurance_id".into(), "XJH123456790".into()));
    want.sort();
    assert_eq!(v("roster.csv"), want);
    assert_eq!(v("quoted.csv"), row("00451234", "1962-03-14", "536228456"));
    let mut want = row("", "1962-03-14", "536228456");
    want.retain(|(k, _)| k != "mrn");
    assert_eq!(v("report.txt"), want);
    assert_eq!(v("orders.csv"), vec![]);
}

/// Forms printed or extracted with the label on its own line above the value: the label may
/// end with "Number" or "No." ("Social Security Number" is the SSA's own wording); a keyword
/// that is not the end of the line above is another sentence's, not the value's label.
#[test]
fn labels_above_their_values_may_end_in_number() {
    let env = Env::new();
    env.write(
        "form.txt",
        "PATIENT INFORMATION\nSocial Security Number\n536228456\nSocial Security No.:\n536228460\nSSN\n536228458\n\nClaim Number\n536228459\nThe SSN was checked against the 2019 record\n536228462\n",
    );
    let s = env.scan_root(&["--reveal"]);
    let mut got = s.kinds_values("form.txt");
    got.sort();
    let want: Vec<(String, String)> = ["536228456", "536228458", "536228460"]
        .iter()
        .map(|v| ("ssn".to_string(), v.to_string()))
        .collect();
    assert_eq!(got, want);
}

/// A UTF-8 byte order mark is not a character of line 1: a value on the first line of a page
/// or a text file that starts with one has the column it has in an editor, and its byte
/// counts the mark.
#[test]
fn a_byte_order_mark_is_no_column() {
    let env = Env::new();
    let head = "<table><tr><th>SSN</th></tr><tr><td>";
    env.write(
        "bom.html",
        format!("\u{FEFF}{head}536228456</td></tr></table>\n"),
    );
    env.write("bom.txt", "\u{FEFF}SSN: 536-22-8456\n");
    let s = env.scan_root(&[]);
    let loc = |p: &str| {
        let f = s.findings_in(p);
        assert_eq!(f.len(), 1, "{p}: {f:?}");
        let l = &f[0]["location"];
        (l["line"].as_u64(), l["column"].as_u64(), l["byte"].as_u64())
    };
    let col = head.len() as u64 + 1;
    assert_eq!(
        loc("bom.html"),
        (Some(1), Some(col), Some(3 + head.len() as u64))
    );
    assert_eq!(loc("bom.txt"), (Some(1), Some(6), Some(8)));
}
