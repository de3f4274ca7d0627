//! PDFs and spreadsheets: real files from other people's software, crafted hostile files, and
//! the supervised extractor processes that contain their crashes.

use crate::harness::{repo_root, Env};
use std::io::Write;

/// A minimal xlsx written by hand: inline strings, numbers, date cells (style 1 = built-in
/// date format 14), a declared dimension, and the 1900 or 1904 date system.
fn xlsx(rows: &[&[&str]], dimension: &str, date1904: bool) -> Vec<u8> {
    let mut sheet = String::from(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">"#,
    );
    sheet.push_str(&format!(r#"<dimension ref="{dimension}"/><sheetData>"#));
    for (r, row) in rows.iter().enumerate() {
        sheet.push_str(&format!(r#"<row r="{}">"#, r + 1));
        for (c, v) in row.iter().enumerate() {
            let cell = format!("{}{}", (b'A' + c as u8) as char, r + 1);
            if let Some(serial) = v.strip_prefix("date:") {
                sheet.push_str(&format!(r#"<c r="{cell}" s="1"><v>{serial}</v></c>"#));
            } else if let Some(n) = v.strip_prefix("num:") {
                sheet.push_str(&format!(r#"<c r="{cell}"><v>{n}</v></c>"#));
            } else if !v.is_empty() {
                sheet.push_str(&format!(
                    r#"<c r="{cell}" t="inlineStr"><is><t>{v}</t></is></c>"#
                ));
            }
        }
        sheet.push_str("</row>");
    }
    sheet.push_str("</sheetData></worksheet>");
    xlsx_with_sheet(sheet, date1904)
}

/// An xlsx around one worksheet's XML.
fn xlsx_with_sheet(sheet: String, date1904: bool) -> Vec<u8> {
    let files: Vec<(&str, String)> = vec![
        ("[Content_Types].xml", r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/></Types>"#.into()),
        ("_rels/.rels", r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#.into()),
        ("xl/workbook.xml", format!(r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><workbookPr date1904="{}"/><sheets><sheet name="Patients" sheetId="1" r:id="rId1"/></sheets></workbook>"#, u8::from(date1904))),
        ("xl/_rels/workbook.xml.rels", r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>"#.into()),
        ("xl/styles.xml", r#"<?xml version="1.0" encoding="UTF-8"?><styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><fonts count="1"><font/></fonts><fills count="1"><fill/></fills><borders count="1"><border/></borders><cellStyleXfs count="1"><xf/></cellStyleXfs><cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="14" applyNumberFormat="1"/></cellXfs></styleSheet>"#.into()),
        ("xl/worksheets/sheet1.xml", sheet),
    ];
    let mut buf = std::io::Cursor::new(Vec::new());
    {
        let mut z = zip::ZipWriter::new(&mut buf);
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        for (name, body) in files {
            z.start_file(name, opts).unwrap();
            z.write_all(body.as_bytes()).unwrap();
        }
        z.finish().unwrap();
    }
    buf.into_inner()
}

/// A PDF with the given objects (object 1 is the catalog) and a correct xref table.
pub(crate) fn pdf(objs: &[Vec<u8>]) -> Vec<u8> {
    let mut out = b"%PDF-1.4\n".to_vec();
    let mut offs = Vec::new();
    for (i, o) in objs.iter().enumerate() {
        offs.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n", i + 1).as_bytes());
        out.extend_from_slice(o);
        out.extend_from_slice(b"\nendobj\n");
    }
    let x = out.len();
    out.extend_from_slice(format!("xref\n0 {}\n0000000000 65535 f \n", objs.len() + 1).as_bytes());
    for o in offs {
        out.extend_from_slice(format!("{o:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{x}\n%%EOF\n",
            objs.len() + 1
        )
        .as_bytes(),
    );
    out
}

/// A one-font PDF whose pages hold the given lines of text.
fn text_pdf(pages: &[&[&str]]) -> Vec<u8> {
    let n = pages.len();
    let kids: Vec<String> = (0..n).map(|i| format!("{} 0 R", 4 + 2 * i)).collect();
    let mut objs = vec![
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        format!("<< /Type /Pages /Kids [{}] /Count {n} >>", kids.join(" ")).into_bytes(),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"
            .to_vec(),
    ];
    for (i, lines) in pages.iter().enumerate() {
        let mut content = String::from("BT /F1 11 Tf 14 TL 72 720 Td\n");
        for l in lines.iter() {
            content.push_str(&format!(
                "({}) Tj T*\n",
                l.replace('(', "\\(").replace(')', "\\)")
            ));
        }
        content.push_str("ET");
        objs.push(
            format!(
                "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> /Contents {} 0 R >>",
                5 + 2 * i
            )
            .into_bytes(),
        );
        let mut s = format!("<< /Length {} >>\nstream\n", content.len()).into_bytes();
        s.extend_from_slice(content.as_bytes());
        s.extend_from_slice(b"\nendstream");
        objs.push(s);
    }
    pdf(&objs)
}

/// `patterns test` on a document reads it as `scan` does (the isolated extractor, pages,
/// archives) and lists every candidate with where it is, low ones included, masked unless
/// `--reveal`; a document it cannot read says why.
#[test]
fn patterns_test_reads_documents_as_the_scan_does() {
    let env = Env::new();
    let pdf = env.write(
        "forms/intake.pdf",
        text_pdf(&[
            &["Intake form", "Patient: Jane Roe"],
            &["reference 1245319599", "SSN: 536-22-0198"],
        ]),
    );
    let run = |args: &[&str]| {
        let out = env.run(args);
        assert!(out.status.success(), "{out:?}");
        String::from_utf8(out.stdout).unwrap()
    };
    let text = run(&["patterns", "test", pdf.to_str().unwrap()]);
    let lines: Vec<&str> = text.lines().collect();
    let npi = lines.iter().find(|l| l.contains("us.npi")).expect(&text);
    assert!(
        npi.starts_with("page 2 line") && npi.contains(" low "),
        "{text}"
    );
    let ssn = lines.iter().find(|l| l.contains("ssn")).expect(&text);
    assert!(
        ssn.starts_with("page 2 line") && ssn.contains("***-**-0198"),
        "{text}"
    );
    assert!(
        !text.contains("536-22-0198") && !text.contains("536220198"),
        "{text}"
    );
    assert!(text.ends_with("\n2 candidates\n"), "{text}");
    assert_eq!(lines[0], "format: pdf", "{text}");
    let shown = run(&["patterns", "test", "--reveal", pdf.to_str().unwrap()]);
    assert!(shown.contains("536220198"), "{shown}");

    // In an archive: the member's name comes first.
    let zip = {
        let mut buf = std::io::Cursor::new(Vec::new());
        let mut z = zip::ZipWriter::new(&mut buf);
        z.start_file("scans/intake.pdf", zip::write::SimpleFileOptions::default())
            .unwrap();
        z.write_all(&std::fs::read(&pdf).unwrap()).unwrap();
        z.finish().unwrap();
        buf.into_inner()
    };
    let zp = env.write("forms.zip", zip);
    let text = run(&["patterns", "test", zp.to_str().unwrap()]);
    assert!(
        text.lines()
            .any(|l| l.starts_with("scans/intake.pdf: page 2 line") && l.contains("us.npi")),
        "{text}"
    );

    // A page without a text layer: the status and the reason, no candidates.
    let blank = env.write("forms/scanned.pdf", text_pdf(&[&[]]));
    let text = run(&["patterns", "test", blank.to_str().unwrap()]);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "format: pdf", "{text}");
    assert!(
        lines[1].starts_with("no_text: 1 page(s) without a text layer"),
        "{text}"
    );
    assert!(text.ends_with("\n0 candidates\n"), "{text}");
}

#[test]
fn pdf_pages_are_scanned_with_page_numbers() {
    let env = Env::new();
    env.write(
        "referrals/letter.pdf",
        text_pdf(&[
            &[
                "Referral letter",
                "Patient: Jane Roe",
                "Date of Birth: 03/14/1972",
            ],
            &["Insurance", "Member ID: XEH812349021", "SSN: 536-22-0198"],
        ]),
    );
    let s = env.scan_root(&["--reveal"]);
    let f = s.file("letter.pdf");
    assert_eq!(f["status"], "scanned", "{f}");
    assert_eq!(f["format"], "pdf");
    let got: Vec<(String, String, u64)> = s
        .findings_in("letter.pdf")
        .iter()
        .map(|f| {
            (
                f["kind"].as_str().unwrap().into(),
                f["value"].as_str().unwrap().into(),
                f["location"]["page"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("dob".to_string(), "1972-03-14".to_string(), 1),
            ("insurance_id".into(), "XEH812349021".into(), 2),
            ("ssn".into(), "536220198".into(), 2)
        ]
    );
    assert_eq!(s.code, 1);
}

/// Every fingerprint the binary writes is HMAC-SHA256(key, kind NUL value) under the key
/// file's key, worked out here with the `hmac` crate: in a text file's chunks and in a
/// spreadsheet's extracted text, with enough findings in each to be hashed sixteen at a
/// time where the CPU can (and one at a time where it cannot).
#[test]
fn fingerprints_are_hmacs_of_kind_and_value_in_text_and_sheets() {
    use hmac::{Hmac, Mac};
    let env = Env::new();
    let key: Vec<u8> = (0u8..32)
        .map(|i| i.wrapping_mul(37).wrapping_add(11))
        .collect();
    std::fs::write(&env.key, format!("{}\n", hex::encode(&key))).unwrap();
    let text: String = (0..40)
        .map(|i| {
            format!(
                "SSN 234-56-{:04}  DOB: 03/{:02}/1961  MRN: A{:07}  Phone (212) 555-{:04}\n",
                1000 + i,
                1 + i % 28,
                4_829_100 + i,
                100 + i
            )
        })
        .collect();
    env.write("notes.txt", text);
    let rows: Vec<Vec<String>> = std::iter::once(["Name", "SSN", "MRN"].map(String::from).to_vec())
        .chain((0..30).map(|i| {
            vec![
                format!("Patient {i}"),
                format!("412-33-{:04}", 2000 + i),
                format!("B{:07}", 7_120_000 + i),
            ]
        }))
        .collect();
    let rows: Vec<Vec<&str>> = rows
        .iter()
        .map(|r| r.iter().map(String::as_str).collect())
        .collect();
    let rows: Vec<&[&str]> = rows.iter().map(Vec::as_slice).collect();
    env.write("list.xlsx", xlsx(&rows, "A1:C31", false));
    let s = env.scan_root(&["--reveal"]);
    for (file, at_least) in [("notes.txt", 160), ("list.xlsx", 60)] {
        let found = s.findings_in(file);
        assert!(found.len() >= at_least, "{file}: {} findings", found.len());
        for f in found {
            let (kind, value) = (f["kind"].as_str().unwrap(), f["value"].as_str().unwrap());
            let mut mac = <Hmac<sha2::Sha256> as Mac>::new_from_slice(&key).unwrap();
            mac.update(kind.as_bytes());
            mac.update(&[0]);
            mac.update(value.as_bytes());
            let want = hex::encode(mac.finalize().into_bytes());
            assert_eq!(f["fingerprint"], want.as_str(), "{file}: {kind} {value}");
        }
    }
}

#[test]
fn xlsx_headers_dates_and_cells() {
    let env = Env::new();
    let rows: &[&[&str]] = &[
        &["Patient list, January"],
        &["Name", "SSN", "DOB", "MRN", "Phone", "Order #"],
        &[
            "Jane Roe",
            "num:536220198",
            "date:26372",
            "num:482913",
            "num:2125550143",
            "num:412339801",
        ],
        &[
            "John Smith",
            "412-33-9801",
            "date:20214",
            "A1029384",
            "646-555-0199",
            "num:536220198",
        ],
    ];
    env.write("billing/patients.xlsx", xlsx(rows, "A1:F4", false));
    env.write(
        "billing/mac.xlsx",
        xlsx(
            &[&["Name", "Birth Date"], &["Jane Roe", "date:24910"]],
            "A1:B2",
            true,
        ),
    );
    let s = env.scan_root(&["--reveal"]);
    assert_eq!(s.file("patients.xlsx")["format"], "xlsx");
    let got: Vec<(String, String, String, String)> = s
        .findings_in("patients.xlsx")
        .iter()
        .map(|f| {
            (
                f["kind"].as_str().unwrap().into(),
                f["value"].as_str().unwrap().into(),
                f["location"]["sheet"].as_str().unwrap().into(),
                f["location"]["cell"].as_str().unwrap().into(),
            )
        })
        .collect();
    let want: Vec<(String, String, String, String)> = [
        ("ssn", "536220198", "B3"),
        ("dob", "1972-03-14", "C3"),
        ("mrn", "482913", "D3"),
        ("phone", "2125550143", "E3"),
        ("ssn", "412339801", "B4"),
        ("dob", "1955-05-05", "C4"),
        ("mrn", "A1029384", "D4"),
        ("phone", "6465550199", "E4"),
    ]
    .iter()
    .map(|(k, v, c)| {
        (
            k.to_string(),
            v.to_string(),
            "Patients".to_string(),
            c.to_string(),
        )
    })
    .collect();
    assert_eq!(got, want, "a 9-digit number under 'Order #' is not an SSN");
    assert_eq!(
        s.kinds_values("mac.xlsx"),
        [("dob".to_string(), "1972-03-14".to_string())],
        "1904 date system"
    );
}

/// A sheet is not CSV: a double quote in a cell is a character (inches), not the start of a
/// quoted field, so the columns after it keep their headers.
#[test]
fn xlsx_double_quote_in_a_cell_keeps_the_columns() {
    let env = Env::new();
    let rows: &[&[&str]] = &[
        &["Name", "Note", "SSN", "Order #"],
        &["Jane Roe", "height 5\" 4", "num:536220198", "num:412339801"],
        &["John Roe", "fine", "num:536220199", "num:412339802"],
    ];
    env.write("quotes.xlsx", xlsx(rows, "A1:D3", false));
    let s = env.scan_root(&["--reveal"]);
    let got: Vec<(String, String)> = s
        .findings_in("quotes.xlsx")
        .iter()
        .map(|f| {
            (
                f["value"].as_str().unwrap().into(),
                f["location"]["cell"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("536220198".to_string(), "C2".to_string()),
            ("536220199".to_string(), "C3".to_string())
        ]
    );
}

/// Rows and cells out of order in the file (no writer we know does it, calamine reads them):
/// every value keeps its own cell and its column's header.
#[test]
fn xlsx_cells_out_of_order_keep_their_cells() {
    let env = Env::new();
    let sheet = String::from(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>Name</t></is></c><c r="B1" t="inlineStr"><is><t>SSN</t></is></c><c r="C1" t="inlineStr"><is><t>Order #</t></is></c></row><row r="3"><c r="C3"><v>412339802</v></c><c r="B3"><v>536220199</v></c></row><row r="2"><c r="A2" t="inlineStr"><is><t>Jane Roe</t></is></c><c r="B2"><v>536220198</v></c><c r="C2"><v>412339801</v></c></row></sheetData></worksheet>"#,
    );
    env.write("unordered.xlsx", xlsx_with_sheet(sheet, false));
    let s = env.scan_root(&["--reveal"]);
    let mut got: Vec<(String, String)> = s
        .findings_in("unordered.xlsx")
        .iter()
        .map(|f| {
            (
                f["value"].as_str().unwrap().into(),
                f["location"]["cell"].as_str().unwrap().into(),
            )
        })
        .collect();
    got.sort();
    assert_eq!(
        got,
        [
            ("536220198".to_string(), "B2".to_string()),
            ("536220199".to_string(), "B3".to_string())
        ]
    );
}

/// A sheet too long for one part is detected part by part while it is read: the header
/// row (below a title row) still labels every column, and every cell reference is exact.
#[test]
fn xlsx_long_sheet_in_parts_keeps_headers_and_cells() {
    let env = Env::new();
    let n = 50_000;
    let data: Vec<[String; 3]> = (0..n)
        .map(|i| {
            [
                format!("Patient {i}"),
                format!("num:536{:02}{:04}", 10 + i / 9000, 1000 + i % 9000),
                format!("num:{}", 412_339_801 + i),
            ]
        })
        .collect();
    let mut rows: Vec<Vec<&str>> = vec![
        vec!["Patient list, January"],
        vec!["Name", "SSN", "Order #"],
    ];
    rows.extend(data.iter().map(|r| r.iter().map(String::as_str).collect()));
    let rows: Vec<&[&str]> = rows.iter().map(Vec::as_slice).collect();
    env.write("long.xlsx", xlsx(&rows, &format!("A1:C{}", n + 2), false));
    let s = env.scan_root(&["--reveal"]);
    assert_eq!(s.file("long.xlsx")["status"], "scanned");
    let got: Vec<(String, String, String)> = s
        .findings_in("long.xlsx")
        .iter()
        .map(|f| {
            (
                f["kind"].as_str().unwrap().into(),
                f["value"].as_str().unwrap().into(),
                f["location"]["cell"].as_str().unwrap().into(),
            )
        })
        .collect();
    let want: Vec<(String, String, String)> = data
        .iter()
        .enumerate()
        .map(|(i, r)| {
            (
                "ssn".to_string(),
                r[1]["num:".len()..].to_string(),
                format!("B{}", i + 3),
            )
        })
        .collect();
    assert_eq!(got.len(), want.len(), "one SSN per row, no order number");
    assert_eq!(got, want);
}

#[test]
fn xlsx_declaring_a_huge_dimension_costs_only_its_cells() {
    let env = Env::new();
    env.write(
        "huge.xlsx",
        xlsx(
            &[&["Name", "SSN"], &["Jane Roe", "num:536220198"]],
            "A1:XFD1048576",
            false,
        ),
    );
    let s = env.scan_root(&["--extract-memory", "256M", "--extract-timeout", "20"]);
    let f = s.file("huge.xlsx");
    assert_eq!(f["status"], "scanned", "{f}");
    assert_eq!(f["findings"], 1);
}

/// A page tree that references itself through a page: lopdf loops forever on it.
pub fn looping_pdf() -> Vec<u8> {
    pdf(&[
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        b"<< /Type /Page /Parent 3 0 R /Kids [2 0 R] /MediaBox [0 0 612 792] >>".to_vec(),
    ])
}

#[test]
fn hostile_pdfs_cost_one_file_each() {
    let env = Env::new();
    env.write("ok.txt", "SSN: 234-56-7891\n");
    // A page tree that references itself through a page: lopdf loops forever on it.
    env.write(
        "loop.pdf",
        pdf(&[
            b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
            b"<< /Type /Page /Parent 3 0 R /Kids [2 0 R] /MediaBox [0 0 612 792] >>".to_vec(),
        ]),
    );
    env.write("truncated.pdf", &text_pdf(&[&["SSN: 536-22-0198"]])[..120]);
    env.write(
        "garbage.pdf",
        b"%PDF-1.7\n\x00\x01\x02 this is not a pdf at all \xff\xfe",
    );
    env.write(
        "truncated.xlsx",
        &xlsx(&[&["SSN"], &["num:536220198"]], "A1:A2", false)[..300],
    );
    env.write("after.txt", "DOB: 03/14/1972\n");
    let s = env.scan_root(&["--extract-timeout", "3", "-j", "1"]);
    let lp = s.file("loop.pdf");
    assert_eq!(lp["status"], "error");
    assert_eq!(lp["reason"], "timed out after 3 s");
    for name in ["truncated.pdf", "garbage.pdf", "truncated.xlsx"] {
        let f = s.file(name);
        assert_eq!(f["status"], "error", "{f}");
        assert!(!f["reason"].as_str().unwrap().is_empty());
    }
    assert_eq!(s.file("ok.txt")["findings"], 1);
    assert_eq!(
        s.file("after.txt")["findings"],
        1,
        "the worker is restarted after a hang"
    );
    assert_eq!(s.code, 2);
}

#[test]
fn extractor_out_of_memory_is_one_error_and_the_next_document_is_read() {
    let env = Env::new();
    let big: Vec<String> = (0..150_000)
        .map(|i| format!("Patient {i} note text for the record"))
        .collect();
    let lines: Vec<&str> = big.iter().map(String::as_str).collect();
    let pages: Vec<&[&str]> = lines.chunks(50).collect();
    env.write("a-big.pdf", text_pdf(&pages));
    env.write("b-small.pdf", text_pdf(&[&["SSN: 536-22-0198"]]));
    let s = env.scan_root(&["--extract-memory", "32M", "-j", "1"]);
    let big = s.file("a-big.pdf");
    assert_eq!(big["status"], "error", "{big}");
    assert!(
        big["reason"]
            .as_str()
            .unwrap()
            .starts_with("extractor crashed: out of memory"),
        "{big}"
    );
    let small = s.file("b-small.pdf");
    assert_eq!(small["status"], "scanned", "{small}");
    assert_eq!(small["findings"], 1);
}

/// Real PDFs and spreadsheets made by other people's software (LibreOffice, pdflatex, Google
/// Docs, ImageMagick, Excel files from calamine's bug reports): each ends with an honest
/// status and none crashes or hangs the scan.
#[test]
fn third_party_files_end_with_honest_statuses() {
    let env = Env::new();
    let data = repo_root().join("tests/data/thirdparty");
    let out = env
        .cmd()
        .args([
            "scan",
            "--format",
            "jsonl",
            "--key-file",
            env.key.to_str().unwrap(),
            data.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    let s = crate::harness::parse(out);
    let expected: &[(&str, &str)] = &[
        (
            "pdf-samples/005-libreoffice-writer-password/libreoffice-writer-password.pdf",
            "encrypted",
        ),
        (
            "pdf-samples/007-imagemagick-images/imagemagick-ASCII85Decode.pdf",
            "no_text",
        ),
        (
            "pdf-samples/007-imagemagick-images/imagemagick-CCITTFaxDecode.pdf",
            "no_text",
        ),
        (
            "pdf-samples/007-imagemagick-images/imagemagick-lzw.pdf",
            "no_text",
        ),
        ("pdf-samples/023-cmyk-image/cmyk-image.pdf", "no_text"),
        ("spreadsheets/pass_protected.xlsx", "encrypted"),
        ("spreadsheets/pass_protected.xlsb", "encrypted"),
        ("spreadsheets/pass_protected.ods", "encrypted"),
        // Its xref entries are 19 bytes, not 20: lopdf rejects the table, phiscan rebuilds it.
        (
            "pdf-samples/019-grayscale-image/grayscale-image.pdf",
            "no_text",
        ),
        // Unreadable (reported with the reason): a linearized PDF whose objects 79-174, the
        // page tree among them, are not in the file, and files from calamine's bug reports
        // that are not valid workbooks.
        (
            "pdf-samples/017-unreadable-meta-data/unreadablemetadata.pdf",
            "error",
        ),
        ("spreadsheets/OOM_alloc3.xls", "error"),
        ("spreadsheets/issue252.xlsx", "error"),
        ("spreadsheets/issue_385.xls", "error"),
        ("spreadsheets/issue_594_dos.ods", "error"),
    ];
    let mut n = 0;
    for f in s.files() {
        let path = f["path"].as_str().unwrap();
        let rel = path.split("thirdparty/").nth(1).unwrap();
        let want = expected
            .iter()
            .find(|(p, _)| *p == rel)
            .map_or("scanned", |(_, st)| st);
        assert_eq!(f["status"], want, "{rel}: {f}");
        if want != "scanned" {
            assert!(
                f["reason"].as_str().is_some_and(|r| !r.is_empty()),
                "{rel} needs a reason"
            );
        }
        n += 1;
    }
    let on_disk = walk_count(&data);
    assert_eq!(n, on_disk, "every file has exactly one record");
    // The image-only PDFs say how many pages need OCR.
    assert!(s.file("imagemagick-lzw.pdf")["reason"]
        .as_str()
        .unwrap()
        .contains("1 page"));
    // Text PDFs really yield text: pdflatex's 4-page sample is scanned with pages.
    assert_eq!(s.file("pdflatex-4-pages.pdf")["status"], "scanned");
}

fn walk_count(dir: &std::path::Path) -> usize {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            if e.file_type().unwrap().is_dir() {
                walk_count(&e.path())
            } else {
                1
            }
        })
        .sum()
}

/// A PDF whose cross-reference table is damaged (entries one byte short, as some generators
/// write them, and a `startxref` pointing nowhere) is read through a table rebuilt from its
/// objects; the reason says so. One with no objects left stays an error.
#[test]
fn pdf_with_a_damaged_xref_is_read_through_a_rebuilt_table() {
    let env = Env::new();
    let good = text_pdf(&[&["Referral", "SSN: 536-22-0198"]]);
    let text = String::from_utf8_lossy(&good).into_owned();
    let short = text.replace(" n \n", " n\n").replace(" f \n", " f\n");
    assert_ne!(short, text);
    env.write("short-entries.pdf", short);
    let at = text.rfind("startxref\n").unwrap();
    env.write(
        "bad-startxref.pdf",
        format!("{}startxref\n999999\n%%EOF\n", &text[..at]),
    );
    env.write(
        "no-objects.pdf",
        "%PDF-1.4\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n",
    );
    let s = env.scan_root(&["--reveal"]);
    for f in ["short-entries.pdf", "bad-startxref.pdf"] {
        let r = s.file(f);
        assert_eq!(r["status"], "scanned", "{r}");
        assert!(
            r["reason"]
                .as_str()
                .unwrap()
                .contains("rebuilt from the objects"),
            "{r}"
        );
        assert_eq!(
            s.kinds_values(f),
            vec![("ssn".into(), "536220198".into())],
            "{r}"
        );
    }
    assert_eq!(s.file("no-objects.pdf")["status"], "error");
}

/// A spreadsheet that stored SSNs as numbers dropped their leading zeros (areas 001-099,
/// New England's): under an SSN header, 7 and 8 digits are SSNs with the zeros restored, in
/// the xlsx and in the CSV that Excel saves from it. Elsewhere, 8 digits are not an SSN.
#[test]
fn ssns_stored_as_numbers_keep_their_leading_zeros() {
    let env = Env::new();
    let rows: &[&[&str]] = &[
        &["Name", "SSN", "Account"],
        &["Jane Roe", "num:12345678", "num:12345678"],
        &["John Roe", "num:4128890", "num:4128890"],
        &["Ann Roe", "num:536220198", "num:536220198"],
        &["Bob Roe", "num:1005678", "num:1005678"],
    ];
    env.write("front desk/roster.xlsx", xlsx(rows, "A1:C5", false));
    env.write(
        "front desk/roster.csv",
        "Name,SSN,Account\nJane Roe,12345678,12345678\nJohn Roe,4128890,4128890\nAnn Roe,536220198,536220198\nBob Roe,1005678,1005678\n",
    );
    let s = env.scan_root(&["--reveal"]);
    for (file, cells) in [
        ("roster.xlsx", ["B2", "B3", "B4"].map(Some)),
        ("roster.csv", [None; 3]),
    ] {
        let got: Vec<(String, String, Option<String>)> = s
            .findings_in(file)
            .iter()
            .map(|f| {
                (
                    f["kind"].as_str().unwrap().into(),
                    f["value"].as_str().unwrap().into(),
                    f["location"]["cell"].as_str().map(String::from),
                )
            })
            .collect();
        let want: Vec<(String, String, Option<String>)> = ["012345678", "004128890", "536220198"]
            .iter()
            .zip(cells)
            .map(|(v, c)| ("ssn".into(), v.to_string(), c.map(String::from)))
            .collect();
        assert_eq!(got, want, "{file}");
    }
}
