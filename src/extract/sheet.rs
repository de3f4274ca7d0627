//! Spreadsheets (calamine: xlsx, xlsm, xlsb, xls, ods). Runs only in the extractor worker.
//!
//! Every sheet becomes tab-separated text, one line per non-empty row, so that the detector's
//! table logic applies unchanged: the header row is the label of each column (a 9-digit
//! number under "SSN" is an SSN, under "Order #" it is not). Cells are rendered as people see
//! them: date cells as ISO dates (1900 and 1904 date systems, by calamine), integral numbers
//! without ".0" (an SSN or MRN stored as a number is still found).
//!
//! xlsx and xlsb are read with calamine's cell readers, which never allocate for the
//! dimension a sheet declares (a sheet claiming A1:XFD1048576 costs only its real cells).

use super::document::{scrub, Extracted, Outcome, Request, Segment};
use calamine::{open_workbook_auto_from_rs, Data, DataRef, Reader, Sheets};
use std::collections::BTreeMap;
use std::io::Cursor;

fn clean(s: &str) -> String {
    s.chars()
        .map(|c| {
            if matches!(c, '\t' | '\n' | '\r') {
                ' '
            } else {
                c
            }
        })
        .collect()
}

fn float(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e15 {
        format!("{}", f as i64)
    } else {
        f.to_string()
    }
}

fn datetime(dt: &calamine::ExcelDateTime) -> String {
    if !dt.is_datetime() {
        return float(dt.as_f64());
    }
    let (y, m, d, h, mi, s, _) = dt.to_ymd_hms_milli();
    if h == 0 && mi == 0 && s == 0 {
        format!("{y:04}-{m:02}-{d:02}")
    } else {
        format!("{y:04}-{m:02}-{d:02} {h:02}:{mi:02}:{s:02}")
    }
}

fn data_ref(v: &DataRef<'_>) -> String {
    match v {
        DataRef::Int(i) => i.to_string(),
        DataRef::Float(f) => float(*f),
        DataRef::String(s) => clean(s),
        DataRef::SharedString(s) => clean(s),
        DataRef::Bool(b) => if *b { "TRUE" } else { "FALSE" }.into(),
        DataRef::DateTime(dt) => datetime(dt),
        DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => clean(s),
        DataRef::Error(_) | DataRef::Empty => String::new(),
    }
}

fn data(v: &Data) -> String {
    match v {
        Data::Int(i) => i.to_string(),
        Data::Float(f) => float(*f),
        Data::String(s) => clean(s),
        Data::Bool(b) => if *b { "TRUE" } else { "FALSE" }.into(),
        Data::DateTime(dt) => datetime(dt),
        Data::DateTimeIso(s) | Data::DurationIso(s) => clean(s),
        Data::Error(_) | Data::Empty => String::new(),
    }
}

/// Cells of one sheet, by row then column.
#[derive(Default)]
struct SheetCells {
    rows: BTreeMap<u32, BTreeMap<u32, String>>,
    count: u64,
    truncated: bool,
    text: u64,
}

impl SheetCells {
    fn add(&mut self, row: u32, col: u32, v: String, req: &Request) -> bool {
        if v.is_empty() {
            return true;
        }
        if self.count >= req.max_cells || self.text >= req.max_text {
            self.truncated = true;
            return false;
        }
        self.count += 1;
        self.text += v.len() as u64 + 1;
        self.rows.entry(row).or_default().insert(col, v);
        true
    }

    fn into_segment(self, name: &str) -> Option<(Segment, bool)> {
        if self.rows.is_empty() {
            return None;
        }
        let mut text = String::new();
        let mut rows = Vec::new();
        let mut header_line = None;
        for (i, (r, cells)) in self.rows.iter().enumerate() {
            let mut col = 0;
            for (&c, v) in cells {
                // Columns beyond the 1,000th are joined without padding (bounded text).
                let pad = (c.saturating_sub(col)).min(1000);
                for _ in 0..pad {
                    text.push('\t');
                }
                col = c;
                text.push_str(v);
            }
            text.push('\n');
            rows.push(*r);
            // The header row: the first of the first ten rows with two or more cells that
            // are all words, not numbers or dates.
            if header_line.is_none()
                && i < 10
                && cells.len() >= 2
                && cells
                    .values()
                    .all(|v| !v.chars().next().is_some_and(|c| c.is_ascii_digit()))
            {
                header_line = Some(i as u32);
            }
        }
        let seg = Segment {
            sheet: Some(name.to_string()),
            table: true,
            header_line: header_line.unwrap_or(0),
            rows,
            text,
            ..Segment::default()
        };
        Some((seg, self.truncated))
    }
}

fn is_encryption_error(msg: &str) -> bool {
    let l = msg.to_ascii_lowercase();
    l.contains("password") || l.contains("encrypt")
}

/// OpenDocument files with a password list their encrypted parts in META-INF/manifest.xml.
fn odf_encrypted(bytes: &[u8]) -> bool {
    use std::io::Read;
    let Ok(mut z) = zip::ZipArchive::new(Cursor::new(bytes)) else {
        return false;
    };
    let Ok(m) = z.by_name("META-INF/manifest.xml") else {
        return false;
    };
    let mut text = Vec::new();
    if m.take(4 << 20).read_to_end(&mut text).is_err() {
        return false;
    }
    memchr::memmem::find(&text, b"encryption-data").is_some()
}

pub fn extract(bytes: Vec<u8>, req: &Request) -> Extracted {
    // Password-protected OOXML files are OLE2 containers holding an EncryptedPackage stream.
    let encrypted_pkg: Vec<u8> = "EncryptedPackage"
        .encode_utf16()
        .flat_map(|u| u.to_le_bytes())
        .collect();
    if bytes.starts_with(b"\xD0\xCF\x11\xE0")
        && memchr::memmem::find(&bytes, &encrypted_pkg).is_some()
    {
        return Extracted::with(
            Outcome::Encrypted,
            "spreadsheet is encrypted with a password",
        );
    }
    if bytes.starts_with(b"PK\x03\x04") && odf_encrypted(&bytes) {
        return Extracted::with(
            Outcome::Encrypted,
            "spreadsheet is encrypted with a password",
        );
    }
    let mut wb = match open_workbook_auto_from_rs(Cursor::new(bytes)) {
        Ok(w) => w,
        Err(e) => {
            let msg = e.to_string();
            if is_encryption_error(&msg) {
                return Extracted::with(
                    Outcome::Encrypted,
                    "spreadsheet is encrypted with a password",
                );
            }
            return Extracted::failed(format!(
                "corrupt or unreadable spreadsheet: {}",
                scrub(&msg)
            ));
        }
    };
    let format = match &wb {
        Sheets::Xls(_) => "xls",
        Sheets::Xlsx(_) => "xlsx",
        Sheets::Xlsb(_) => "xlsb",
        Sheets::Ods(_) => "ods",
    };
    let names = wb.sheet_names();
    let mut segments = Vec::new();
    let mut problems = Vec::new();
    let mut truncated = false;
    for name in &names {
        let mut cells = SheetCells::default();
        let res: Result<(), String> = match &mut wb {
            Sheets::Xlsx(x) => match x.worksheet_cells_reader(name) {
                Ok(mut r) => loop {
                    match r.next_cell() {
                        Ok(Some(c)) => {
                            let (row, col) = c.get_position();
                            if !cells.add(row, col, data_ref(c.get_value()), req) {
                                break Ok(());
                            }
                        }
                        Ok(None) => break Ok(()),
                        Err(e) => break Err(e.to_string()),
                    }
                },
                Err(e) => Err(e.to_string()),
            },
            Sheets::Xlsb(x) => match x.worksheet_cells_reader(name) {
                Ok(mut r) => loop {
                    match r.next_cell() {
                        Ok(Some(c)) => {
                            let (row, col) = c.get_position();
                            if !cells.add(row, col, data_ref(c.get_value()), req) {
                                break Ok(());
                            }
                        }
                        Ok(None) => break Ok(()),
                        Err(e) => break Err(e.to_string()),
                    }
                },
                Err(e) => Err(e.to_string()),
            },
            other => match other.worksheet_range(name) {
                Ok(range) => {
                    let (r0, c0) = range.start().unwrap_or((0, 0));
                    for (r, c, v) in range.used_cells() {
                        if !cells.add(r0 + r as u32, c0 + c as u32, data(v), req) {
                            break;
                        }
                    }
                    Ok(())
                }
                Err(e) => Err(e.to_string()),
            },
        };
        if let Err(e) = res {
            if is_encryption_error(&e) {
                return Extracted::with(
                    Outcome::Encrypted,
                    "spreadsheet is encrypted with a password",
                );
            }
            problems.push(format!("sheet {:?}: {}", scrub(name), scrub(&e)));
        }
        if let Some((seg, t)) = cells.into_segment(name) {
            truncated |= t;
            segments.push(seg);
        }
    }
    if segments.is_empty() && !problems.is_empty() {
        return Extracted::failed(format!("no sheet could be read: {}", problems.join("; ")));
    }
    if truncated {
        problems.push("cell limit reached; the rest was not read".into());
    }
    Extracted {
        outcome: Outcome::Ok,
        reason: (!problems.is_empty()).then(|| problems.join("; ")),
        segments,
        format: Some(format.into()),
    }
}
