//! Archives, e-mail and office documents: members are scanned like files, with `!/` paths,
//! and bombs, encryption and depth limits end as honest statuses.

use crate::harness::Env;
use std::io::Write;

const NOTE: &[u8] = b"Patient Jane Roe\nSSN: 234-56-7891\nDOB: 03/14/1972\n";

pub(crate) fn zip(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut buf = std::io::Cursor::new(Vec::new());
    {
        let mut z = zip::ZipWriter::new(&mut buf);
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        for (name, body) in entries {
            z.start_file(*name, opts).unwrap();
            z.write_all(body).unwrap();
        }
        z.finish().unwrap();
    }
    buf.into_inner()
}

fn tar(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for (name, body) in entries {
        let mut h = tar::Header::new_gnu();
        h.set_size(body.len() as u64);
        h.set_mode(0o644);
        h.set_mtime(1_700_000_000);
        h.set_cksum();
        b.append_data(&mut h, name, *body).unwrap();
    }
    b.into_inner().unwrap()
}

pub(crate) fn gz(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

fn statuses(s: &crate::harness::Scan) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = s
        .files()
        .iter()
        .map(|f| {
            let p = f["path"].as_str().unwrap();
            let rel = p.split("/root/").nth(1).unwrap_or(p).to_string();
            (rel, f["status"].as_str().unwrap().to_string())
        })
        .collect();
    v.sort();
    v
}

#[test]
fn nested_archives_are_scanned_with_member_paths() {
    let env = Env::new();
    let inner = zip(&[
        ("deep/note.txt", NOTE),
        ("list.csv", b"name,ssn\nJane,536220198\n"),
    ]);
    env.write(
        "backup/2023.zip",
        zip(&[
            ("a/referral.txt", NOTE),
            ("inner.zip", &inner),
            ("clean.txt", b"nothing"),
        ]),
    );
    env.write(
        "backup/exports.tar.gz",
        gz(&tar(&[(
            "exports/list.csv",
            b"name,dob\nJane,1972-03-14\n",
        )])),
    );
    env.write("backup/exports.tar", tar(&[("notes/n.txt", NOTE)]));
    env.write("backup/list.csv.gz", gz(b"name,ssn\nJane,536220198\n"));
    let mut bz = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::default());
    bz.write_all(NOTE).unwrap();
    env.write("backup/note.txt.bz2", bz.finish().unwrap());
    let mut xz = Vec::new();
    lzma_rs::xz_compress(&mut std::io::Cursor::new(NOTE), &mut xz).unwrap();
    env.write("backup/note.txt.xz", xz);
    let s = env.scan_root(&["--reveal"]);
    let st = statuses(&s);
    let want: Vec<(String, String)> = [
        "backup/2023.zip",
        "backup/2023.zip!/a/referral.txt",
        "backup/2023.zip!/clean.txt",
        "backup/2023.zip!/inner.zip",
        "backup/2023.zip!/inner.zip!/deep/note.txt",
        "backup/2023.zip!/inner.zip!/list.csv",
        "backup/exports.tar",
        "backup/exports.tar!/notes/n.txt",
        "backup/exports.tar.gz",
        "backup/exports.tar.gz!/exports/list.csv",
        "backup/list.csv.gz",
        "backup/list.csv.gz!/list.csv",
        "backup/note.txt.bz2",
        "backup/note.txt.bz2!/note.txt",
        "backup/note.txt.xz",
        "backup/note.txt.xz!/note.txt",
    ]
    .iter()
    .map(|p| (p.to_string(), "scanned".to_string()))
    .collect();
    assert_eq!(st, want);
    assert_eq!(
        s.kinds_values("inner.zip!/deep/note.txt"),
        [
            ("ssn".into(), "234567891".into()),
            ("dob".into(), "1972-03-14".into())
        ]
    );
    assert_eq!(
        s.kinds_values("inner.zip!/list.csv"),
        [("ssn".to_string(), "536220198".to_string())]
    );
    assert_eq!(
        s.kinds_values("exports.tar.gz!/exports/list.csv"),
        [("dob".to_string(), "1972-03-14".to_string())]
    );
    assert_eq!(s.file("backup/2023.zip")["format"], "zip");
    assert_eq!(s.summary()["files_with_phi"], 8);
}

#[test]
fn documents_inside_archives_go_through_the_extractor() {
    let env = Env::new();
    let xl = std::fs::read(
        crate::harness::repo_root().join("tests/data/thirdparty/spreadsheets/date.xlsx"),
    )
    .unwrap();
    let pdf = std::fs::read(
        crate::harness::repo_root()
            .join("tests/data/thirdparty/pdf-samples/001-trivial/minimal-document.pdf"),
    )
    .unwrap();
    env.write(
        "bundle.zip",
        zip(&[("sheets/date.xlsx", &xl), ("docs/minimal.pdf", &pdf)]),
    );
    let s = env.scan_root(&[]);
    assert_eq!(s.file("bundle.zip!/sheets/date.xlsx")["format"], "xlsx");
    assert_eq!(s.file("bundle.zip!/sheets/date.xlsx")["status"], "scanned");
    assert_eq!(s.file("bundle.zip!/docs/minimal.pdf")["status"], "scanned");
}

#[test]
fn zip_bombs_and_nesting_limits_end_as_errors_and_the_rest_is_scanned() {
    let env = Env::new();
    // A 64 MiB run of zeros deflates to ~64 KiB: ratio ~1000:1.
    let zeros = vec![0u8; 64 << 20];
    env.write(
        "bomb.zip",
        zip(&[("zeros.bin", &zeros), ("after.txt", NOTE)]),
    );
    // 42.zip style: every layer holds 8 copies of the layer below.
    let mut layer = zip(&[("zeros.bin", &zeros)]);
    for _ in 0..4 {
        let copies: Vec<(String, Vec<u8>)> = (0..8)
            .map(|i| (format!("layer{i}.zip"), layer.clone()))
            .collect();
        let refs: Vec<(&str, &[u8])> = copies
            .iter()
            .map(|(n, b)| (n.as_str(), b.as_slice()))
            .collect();
        layer = zip(&refs);
    }
    env.write("42.zip", &layer);
    // Nested deeper than --max-archive-depth.
    let mut deep = zip(&[("note.txt", NOTE)]);
    for i in 0..5 {
        deep = zip(&[(&format!("level{i}.zip"), &deep)]);
    }
    env.write("deep.zip", &deep);
    env.write("ok.txt", NOTE);
    let s = env.scan_root(&["--max-archive-depth", "3"]);
    let bomb = s.file("bomb.zip!/zeros.bin");
    assert_eq!(bomb["status"], "error");
    assert!(
        bomb["reason"].as_str().unwrap().starts_with("archive bomb"),
        "{bomb}"
    );
    assert_eq!(s.file("bomb.zip!/after.txt")["findings"], 2);
    // The nested bomb ends quickly: bounded records, every one of them an error or a layer.
    let layered: Vec<_> = s
        .files()
        .into_iter()
        .filter(|f| f["path"].as_str().unwrap().contains("42.zip"))
        .collect();
    assert!(layered.len() < 200, "{} records for 42.zip", layered.len());
    assert!(layered.iter().any(|f| f["reason"]
        .as_str()
        .is_some_and(|r| r.contains("archive bomb"))));
    let too_deep: Vec<_> = s
        .files()
        .into_iter()
        .filter(|f| {
            f["reason"]
                .as_str()
                .is_some_and(|r| r.contains("nested deeper than 3"))
        })
        .collect();
    assert!(!too_deep.is_empty());
    assert_eq!(s.file("ok.txt")["findings"], 2);
    assert_eq!(s.code, 2);
    // With the default depth the layers are opened down to the bomb members themselves.
    let d = env.scan(&[env.path("42.zip").to_str().unwrap()]);
    let bombs = d
        .files()
        .into_iter()
        .filter(|f| {
            f["reason"]
                .as_str()
                .is_some_and(|r| r.starts_with("archive bomb"))
        })
        .count();
    assert!(bombs >= 16, "{bombs}");
    assert!(d.files().len() < 200, "{} records", d.files().len());
    assert!(
        d.summary()["bytes_read"].as_u64().unwrap() < 1 << 20,
        "nothing was inflated"
    );
}

#[test]
fn encrypted_zip_members_are_reported_encrypted() {
    // A zip whose member has the "encrypted" flag (ZipCrypto): we never try passwords.
    let env = Env::new();
    let mut z = zip(&[("secret.txt", NOTE)]);
    // General-purpose flag bit 0 in the local header (offset 6) and the central directory.
    z[6] |= 1;
    let cd = z.windows(4).rposition(|w| w == b"PK\x01\x02").unwrap();
    z[cd + 8] |= 1;
    env.write("locked.zip", z);
    let s = env.scan_root(&[]);
    let m = s.file("locked.zip!/secret.txt");
    assert_eq!(m["status"], "encrypted", "{m}");
}

#[test]
fn email_bodies_and_attachments() {
    let env = Env::new();
    let csv_b64 = "bmFtZSxzc24KSmFuZSw1MzYyMjAxOTgK";
    let inner = "From: lab@lab.example\r\nSubject: result\r\n\r\nMRN: 00482913\r\n";
    // An HTML body's table is read as a table: its header names the MRN column.
    let rows: String = (0..6)
        .map(|i| format!("<tr><td>Visit {i}</td><td>Room 2{i}</td><td>7020011{i}</td></tr>"))
        .collect();
    let table = format!("<table><tr><th>Visit</th><th>Room</th><th>MRN</th></tr>{rows}</table>");
    let eml = format!(
        "From: Front Desk <desk@clinic.example>\r\nTo: billing@clinic.example\r\nSubject: Referral, DOB 03/14/1972\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=XX\r\n\r\n--XX\r\nContent-Type: text/html\r\n\r\n<p>SSN:&nbsp;234-56-7891</p>{table}\r\n--XX\r\nContent-Type: text/csv; name=list.csv\r\nContent-Disposition: attachment; filename=list.csv\r\nContent-Transfer-Encoding: base64\r\n\r\n{csv_b64}\r\n--XX\r\nContent-Type: message/rfc822\r\n\r\n{inner}\r\n--XX--\r\n"
    );
    env.write("mail/referral.eml", &eml);
    let mbox = format!("From desk@clinic.example Mon Jan  1 00:00:00 2024\n{}\nFrom x@y Mon Jan  1 00:00:00 2024\nFrom: x@y.example\nSubject: hi\n\nNothing.\n", eml.replace("\r\n", "\n"));
    env.write("mail/inbox.mbox", &mbox);
    let s = env.scan_root(&["--reveal"]);
    let mut body = s.kinds_values("mail/referral.eml");
    body.sort();
    assert_eq!(
        body,
        [
            ("dob".to_string(), "1972-03-14".to_string()),
            ("email".into(), "billing@clinic.example".into()),
            ("email".into(), "desk@clinic.example".into()),
            ("mrn".into(), "70200110".into()),
            ("mrn".into(), "70200111".into()),
            ("mrn".into(), "70200112".into()),
            ("mrn".into(), "70200113".into()),
            ("mrn".into(), "70200114".into()),
            ("mrn".into(), "70200115".into()),
            ("ssn".into(), "234567891".into())
        ]
    );
    assert_eq!(s.file("mail/referral.eml")["format"], "eml");
    assert_eq!(
        s.kinds_values("referral.eml!/list.csv"),
        [("ssn".to_string(), "536220198".to_string())]
    );
    let nested: Vec<_> = s
        .files()
        .into_iter()
        .filter(|f| {
            f["path"]
                .as_str()
                .unwrap()
                .contains("referral.eml!/attachment")
        })
        .collect();
    assert_eq!(nested.len(), 1);
    assert_eq!(nested[0]["findings"], 2, "{:?}", nested[0]);
    assert_eq!(s.file("mail/inbox.mbox")["format"], "mbox");
    assert_eq!(s.file("inbox.mbox!/message-1!/list.csv")["findings"], 1);
    assert_eq!(s.file("inbox.mbox!/message-2")["findings"], 1);
}

fn docx(body_xml: &str, header_xml: &str) -> Vec<u8> {
    let w = r#"xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main""#;
    zip(&[
        ("[Content_Types].xml", br#"<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>"#),
        ("word/document.xml", format!(r#"<?xml version="1.0"?><w:document {w}><w:body>{body_xml}</w:body></w:document>"#).as_bytes()),
        ("word/header1.xml", format!(r#"<?xml version="1.0"?><w:hdr {w}>{header_xml}</w:hdr>"#).as_bytes()),
    ])
}

fn p(text: &str) -> String {
    format!("<w:p><w:r><w:t>{text}</w:t></w:r></w:p>")
}

fn row(cells: &[&str]) -> String {
    let c: String = cells
        .iter()
        .map(|c| format!("<w:tc>{}</w:tc>", p(c)))
        .collect();
    format!("<w:tr>{c}</w:tr>")
}

#[test]
fn word_documents_with_tables_headers_and_rtf() {
    let env = Env::new();
    let body = format!(
        "{}{}<w:tbl>{}{}</w:tbl>",
        p("Referral letter"),
        p("Date of Birth: 03/14/1972"),
        row(&["Name", "MRN", "Order #"]),
        row(&["Jane Roe", "00482913", "412339801"])
    );
    env.write(
        "letters/referral.docx",
        docx(&body, &p("Patient SSN 234-56-7891")),
    );
    env.write(
        "letters/old.rtf",
        br"{\rtf1\ansi{\fonttbl{\f0 Arial;}}\f0 Patient: Jos\'e9 Ruiz\par SSN: 536-22-0198\par}"
            .as_slice(),
    );
    let odt_content = r#"<?xml version="1.0"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body><office:text><text:p>Member ID:<text:s/>XEH812349021</text:p></office:text></office:body></office:document-content>"#;
    let mut odt = std::io::Cursor::new(Vec::new());
    {
        let mut z = zip::ZipWriter::new(&mut odt);
        let stored = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored);
        z.start_file("mimetype", stored).unwrap();
        z.write_all(b"application/vnd.oasis.opendocument.text")
            .unwrap();
        z.start_file("content.xml", stored).unwrap();
        z.write_all(odt_content.as_bytes()).unwrap();
        z.finish().unwrap();
    }
    env.write("letters/plan.odt", odt.into_inner());
    let s = env.scan_root(&["--reveal"]);
    assert_eq!(s.file("referral.docx")["format"], "docx");
    let mut got = s.kinds_values("referral.docx");
    got.sort();
    assert_eq!(
        got,
        [
            ("dob".to_string(), "1972-03-14".to_string()),
            ("mrn".into(), "00482913".into()),
            ("ssn".into(), "234567891".into())
        ],
        "table header MRN labels its column; the order number is not an SSN; the page header is read"
    );
    assert_eq!(s.file("old.rtf")["format"], "rtf");
    assert_eq!(
        s.kinds_values("old.rtf"),
        [("ssn".to_string(), "536220198".to_string())]
    );
    assert_eq!(s.file("plan.odt")["format"], "odt");
    assert_eq!(
        s.kinds_values("plan.odt"),
        [("insurance_id".to_string(), "XEH812349021".to_string())]
    );
}

#[test]
fn legacy_office_binaries_yield_their_text_runs() {
    // An OLE2 compound file holding a Word-style UTF-16 text stream and an 8-bit one.
    let env = Env::new();
    let mut doc = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1".to_vec();
    doc.resize(512, 0);
    doc.extend("W\0o\0r\0d\0D\0o\0c\0u\0m\0e\0n\0t\0".as_bytes());
    doc.extend([0u8; 64]);
    doc.extend(
        "Patient SSN: 234-56-7891\r"
            .encode_utf16()
            .flat_map(|u| u.to_le_bytes()),
    );
    doc.extend([0u8, 0, 1, 2]);
    doc.extend(b"DOB: 03/14/1972\x00\x07");
    env.write("old/letter.doc", &doc);
    let s = env.scan_root(&["--reveal"]);
    let f = s.file("letter.doc");
    assert_eq!(f["status"], "scanned");
    assert!(f["reason"].as_str().unwrap().contains("heuristically"));
    let mut got = s.kinds_values("letter.doc");
    got.sort();
    assert_eq!(
        got,
        [
            ("dob".to_string(), "1972-03-14".to_string()),
            ("ssn".into(), "234567891".into())
        ]
    );
}

/// Every format, cut in half and filled with garbage: each ends with a record and a status,
/// the scan completes, and the intact file next to them is still found.
#[test]
fn truncated_and_corrupt_files_of_every_format() {
    let env = Env::new();
    let data = crate::harness::repo_root().join("tests/data/thirdparty");
    let mut samples: Vec<(&str, Vec<u8>)> = vec![
        ("zip", zip(&[("a.txt", NOTE), ("b.txt", NOTE)])),
        ("tar", tar(&[("a.txt", NOTE)])),
        ("tar.gz", gz(&tar(&[("a.txt", NOTE)]))),
        ("gz", gz(NOTE)),
        ("docx", docx(&p("SSN 234-56-7891"), &p("x"))),
        ("pdf", std::fs::read(data.join("pdf-samples/004-pdflatex-4-pages/pdflatex-4-pages.pdf")).unwrap()),
        ("xlsx", std::fs::read(data.join("spreadsheets/date.xlsx")).unwrap()),
        ("xls", std::fs::read(data.join("spreadsheets/date.xls")).unwrap()),
        ("ods", std::fs::read(data.join("spreadsheets/date.ods")).unwrap()),
        ("eml", b"From: a@b.example\r\nSubject: x\r\nContent-Type: multipart/mixed; boundary=Q\r\n\r\n--Q\r\nContent-Type: text/plain\r\n\r\nSSN 234-56-7891\r\n--Q\r\nContent-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQKJeLj".to_vec()),
    ];
    let mut bz = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::default());
    bz.write_all(NOTE).unwrap();
    samples.push(("bz2", bz.finish().unwrap()));
    let mut names = Vec::new();
    for (ext, bytes) in &samples {
        let half = &bytes[..bytes.len() / 2];
        env.write(&format!("cut/half.{ext}"), half);
        let mut garbled = bytes.clone();
        for (i, b) in garbled
            .iter_mut()
            .enumerate()
            .skip(bytes.len() / 3)
            .step_by(7)
        {
            *b = b.wrapping_mul(31).wrapping_add(i as u8);
        }
        env.write(&format!("cut/garbled.{ext}"), &garbled);
        names.push(format!("half.{ext}"));
        names.push(format!("garbled.{ext}"));
    }
    env.write("cut/intact.txt", NOTE);
    let s = env.scan_root(&["--extract-timeout", "10"]);
    if std::env::var_os("PHISCAN_SHOW").is_some() {
        for f in s.files() {
            println!("{} {} {}", f["status"], f["path"], f["reason"]);
        }
    }
    for n in &names {
        let f = s.file(&format!("cut/{n}"));
        let st = f["status"].as_str().unwrap();
        assert!(
            ["scanned", "error", "unsupported", "no_text"].contains(&st),
            "{n}: {f}"
        );
        if st == "error" {
            assert!(!f["reason"].as_str().unwrap().is_empty(), "{n}");
        }
    }
    assert_eq!(s.file("cut/intact.txt")["findings"], 2);
    assert!(
        s.stderr.is_empty() || !s.stderr.contains("panicked"),
        "{}",
        s.stderr
    );
}
