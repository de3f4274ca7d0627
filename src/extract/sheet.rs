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

/// Append `s` with tabs and line breaks turned into spaces (they would split the cell).
fn push_clean(out: &mut String, s: &str) {
    let b = s.as_bytes();
    let mut from = 0;
    for i in memchr::memchr3_iter(b'\t', b'\n', b'\r', b) {
        out.push_str(&s[from..i]);
        out.push(' ');
        from = i + 1;
    }
    out.push_str(&s[from..]);
}

/// Append decimal digits of `n` (no sign).
fn push_u64(out: &mut String, mut n: u64) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    // Only ASCII digits were written.
    out.push_str(std::str::from_utf8(&buf[i..]).unwrap_or_default());
}

fn push_int(out: &mut String, i: i64) {
    if i < 0 {
        out.push('-');
    }
    push_u64(out, i.unsigned_abs());
}

/// `n` with at least two digits (`width` 2) or four (`width` 4), zero-padded.
fn push_padded(out: &mut String, n: u64, width: u32) {
    let mut p = 10u64.pow(width - 1);
    while p > 1 && n < p {
        out.push('0');
        p /= 10;
    }
    push_u64(out, n);
}

/// Integral numbers without ".0" (an SSN or MRN stored as a number), others as Rust prints
/// them (shortest round-trip form).
fn push_float(out: &mut String, f: f64) {
    use std::fmt::Write;
    if f.fract() == 0.0 && f.abs() < 1e15 {
        push_int(out, f as i64);
    } else {
        let _ = write!(out, "{f}");
    }
}

/// Date cells as ISO dates (with the time when it is not midnight).
fn push_datetime(out: &mut String, dt: &calamine::ExcelDateTime) {
    if !dt.is_datetime() {
        return push_float(out, dt.as_f64());
    }
    let (y, m, d, h, mi, s, _) = dt.to_ymd_hms_milli();
    push_padded(out, u64::from(y), 4);
    out.push('-');
    push_padded(out, u64::from(m), 2);
    out.push('-');
    push_padded(out, u64::from(d), 2);
    if h != 0 || mi != 0 || s != 0 {
        out.push(' ');
        push_padded(out, u64::from(h), 2);
        out.push(':');
        push_padded(out, u64::from(mi), 2);
        out.push(':');
        push_padded(out, u64::from(s), 2);
    }
}

/// A cell as people see it, appended to `out` (nothing for empty and error cells).
fn push_data_ref(out: &mut String, v: &DataRef<'_>) {
    match v {
        DataRef::Int(i) => push_int(out, *i),
        DataRef::Float(f) => push_float(out, *f),
        DataRef::String(s) => push_clean(out, s),
        DataRef::SharedString(s) => push_clean(out, s),
        DataRef::Bool(b) => out.push_str(if *b { "TRUE" } else { "FALSE" }),
        DataRef::DateTime(dt) => push_datetime(out, dt),
        DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => push_clean(out, s),
        DataRef::Error(_) | DataRef::Empty => {}
    }
}

fn push_data(out: &mut String, v: &Data) {
    match v {
        Data::Int(i) => push_int(out, *i),
        Data::Float(f) => push_float(out, *f),
        Data::String(s) => push_clean(out, s),
        Data::Bool(b) => out.push_str(if *b { "TRUE" } else { "FALSE" }),
        Data::DateTime(dt) => push_datetime(out, dt),
        Data::DateTimeIso(s) | Data::DurationIso(s) => push_clean(out, s),
        Data::Error(_) | Data::Empty => {}
    }
}

/// Text handed on once a part of a sheet is this long (the parent detects in one part while
/// the next is being read).
const PART: usize = 256 << 10;

/// Empty columns before a cell are kept as tabs up to the widest sheet Excel and LibreOffice
/// make (16,384 columns: XFD), so cell references stay exact; the tabs count against the text
/// limit, so a hostile sparse sheet ends `truncated`, not gigabytes of tabs.
const MAX_PAD: u32 = 16_384;

/// One sheet rendered as tab-separated text while its cells arrive: one line per non-empty
/// row, the cell of column j after j tabs. Cells come in file order, which is row by row in
/// every writer we know; a cell that arrives out of order (an earlier row, or an earlier column
/// of the current row) is kept aside and its rows are sent after the rest, as a continuation
/// of the same table.
struct SheetText<'a> {
    name: &'a str,
    req: &'a Request,
    /// The part being built: text and the sheet row of each of its lines.
    text: String,
    rows: Vec<u32>,
    /// Row and column of the last cell written, if the current line has one.
    last: Option<(u32, u32)>,
    /// Lines of the sheet so far (all parts), cells and "all words" of the current line.
    lines: u32,
    line_cells: u32,
    line_words: bool,
    header_line: Option<u32>,
    /// Part size (text bytes) and parts sent so far.
    part: usize,
    parts: u32,
    late: BTreeMap<u32, BTreeMap<u32, String>>,
    cell: String,
    count: u64,
    total: u64,
    truncated: bool,
}

impl<'a> SheetText<'a> {
    fn new(name: &'a str, req: &'a Request) -> Self {
        SheetText {
            name,
            req,
            text: String::new(),
            rows: Vec::new(),
            last: None,
            lines: 0,
            line_cells: 0,
            line_words: true,
            header_line: None,
            part: PART,
            parts: 0,
            late: BTreeMap::new(),
            cell: String::new(),
            count: 0,
            total: 0,
            truncated: false,
        }
    }

    /// Add the cell at (`row`, `col`) whose text `render` appends to its argument. False when
    /// the limits are reached and reading must stop.
    fn add(
        &mut self,
        row: u32,
        col: u32,
        render: impl FnOnce(&mut String),
        emit: &mut dyn FnMut(Segment),
    ) -> bool {
        let mut cell = std::mem::take(&mut self.cell);
        cell.clear();
        render(&mut cell);
        let ok = self.add_text(row, col, &cell, emit);
        self.cell = cell;
        ok
    }

    fn add_text(&mut self, row: u32, col: u32, v: &str, emit: &mut dyn FnMut(Segment)) -> bool {
        if v.is_empty() {
            return true;
        }
        if self.count >= self.req.max_cells || self.total >= self.req.max_text {
            self.truncated = true;
            return false;
        }
        self.count += 1;
        self.total += v.len() as u64 + 1;
        let from = match self.last {
            Some((r, c)) if r == row && c < col => c,
            Some((r, _)) if r >= row => {
                self.late.entry(row).or_default().insert(col, v.to_string());
                return true;
            }
            _ => {
                self.end_line(emit);
                self.rows.push(row);
                0
            }
        };
        let pad = (col - from).min(MAX_PAD);
        self.total += u64::from(pad);
        for _ in 0..pad {
            self.text.push('\t');
        }
        self.text.push_str(v);
        self.last = Some((row, col));
        self.line_cells += 1;
        self.line_words &= !v.as_bytes()[0].is_ascii_digit();
        true
    }

    /// Close the current line; hand the part on when it is long enough.
    fn end_line(&mut self, emit: &mut dyn FnMut(Segment)) {
        if self.last.take().is_none() {
            return;
        }
        self.text.push('\n');
        // The header row: the first of the first ten rows with two or more cells that are
        // all words, not numbers or dates.
        if self.header_line.is_none() && self.lines < 10 && self.line_cells >= 2 && self.line_words
        {
            self.header_line = Some(self.lines);
        }
        self.lines += 1;
        self.line_cells = 0;
        self.line_words = true;
        if self.text.len() >= self.part && (self.header_line.is_some() || self.lines >= 10) {
            self.send(emit);
        }
    }

    fn send(&mut self, emit: &mut dyn FnMut(Segment)) {
        if self.rows.is_empty() {
            return;
        }
        let continued = self.parts > 0;
        self.parts += 1;
        emit(Segment {
            sheet: Some(self.name.to_string()),
            table: true,
            continued,
            header_line: if continued {
                0
            } else {
                self.header_line.unwrap_or(0)
            },
            rows: std::mem::take(&mut self.rows),
            text: std::mem::take(&mut self.text),
            ..Segment::default()
        });
    }

    /// Send the rest of the sheet. Whether a limit cut it short, and how many parts it made.
    fn finish(mut self, emit: &mut dyn FnMut(Segment)) -> (bool, u32) {
        self.end_line(emit);
        self.send(emit);
        for (r, cells) in std::mem::take(&mut self.late) {
            let mut col = 0;
            for (c, v) in cells {
                for _ in 0..(c - col).min(MAX_PAD) {
                    self.text.push('\t');
                }
                col = c;
                self.text.push_str(&v);
            }
            self.text.push('\n');
            self.rows.push(r);
        }
        self.send(emit);
        (self.truncated, self.parts)
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

/// Read every sheet of a workbook. Sheets are handed to `emit` in parts as they are read
/// (`Segment::continued` marks the parts after a sheet's first); the answer carries the outcome.
pub fn extract(bytes: Vec<u8>, req: &Request, emit: &mut dyn FnMut(Segment)) -> Extracted {
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
    let mut sent = 0u32;
    let mut problems = Vec::new();
    let mut truncated = false;
    for name in &names {
        let mut sheet = SheetText::new(name, req);
        let res: Result<(), String> = match &mut wb {
            Sheets::Xlsx(x) => match x.worksheet_cells_reader(name) {
                Ok(mut r) => loop {
                    match r.next_cell() {
                        Ok(Some(c)) => {
                            let (row, col) = c.get_position();
                            let v = c.get_value();
                            if !sheet.add(row, col, |o| push_data_ref(o, v), emit) {
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
                            let v = c.get_value();
                            if !sheet.add(row, col, |o| push_data_ref(o, v), emit) {
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
                        let (row, col) = (r0 + r as u32, c0 + c as u32);
                        if !sheet.add(row, col, |o| push_data(o, v), emit) {
                            break;
                        }
                    }
                    Ok(())
                }
                Err(e) => Err(e.to_string()),
            },
        };
        if let Err(e) = res {
            if is_encryption_error(&e) && sent + sheet.parts == 0 {
                return Extracted::with(
                    Outcome::Encrypted,
                    "spreadsheet is encrypted with a password",
                );
            }
            problems.push(format!("sheet {:?}: {}", scrub(name), scrub(&e)));
        }
        let (t, parts) = sheet.finish(emit);
        truncated |= t;
        sent += parts;
    }
    if sent == 0 && !problems.is_empty() {
        return Extracted::failed(format!("no sheet could be read: {}", problems.join("; ")));
    }
    if truncated {
        problems.push("cell limit reached; the rest was not read".into());
    }
    Extracted {
        outcome: Outcome::Ok,
        reason: (!problems.is_empty()).then(|| problems.join("; ")),
        segments: Vec::new(),
        format: Some(format.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::document::DocKind;

    fn req() -> Request {
        Request {
            path_hex: String::new(),
            kind: DocKind::Spreadsheet,
            max_text: 1 << 20,
            max_cells: 1000,
        }
    }

    /// Feed (row, col, text) cells; the parts sent.
    fn render(cells: &[(u32, u32, &str)], part: usize) -> Vec<Segment> {
        let req = req();
        let mut out = Vec::new();
        let mut emit = |s: Segment| out.push(s);
        let mut sheet = SheetText::new("S", &req);
        sheet.part = part;
        for &(r, c, v) in cells {
            assert!(sheet.add(r, c, |o| push_clean(o, v), &mut emit));
        }
        sheet.finish(&mut emit);
        out
    }

    #[test]
    fn rows_become_tab_separated_lines_with_their_columns() {
        let segs = render(
            &[
                (0, 0, "Name"),
                (0, 2, "SSN"),
                (2, 1, "x\ty"),
                (2, 2, "536220198"),
                (3, 0, ""),
            ],
            PART,
        );
        assert_eq!(segs.len(), 1);
        assert_eq!(segs[0].text, "Name\t\tSSN\n\tx y\t536220198\n");
        assert_eq!(segs[0].rows, vec![0, 2]);
        assert_eq!(segs[0].header_line, 0);
        assert!(segs[0].table && !segs[0].continued);
    }

    /// A cell 1,500 columns to the right keeps its column (its reference is exact), and the
    /// padding counts against the text limit.
    #[test]
    fn far_columns_keep_their_position_and_count_against_the_text_limit() {
        let segs = render(&[(0, 0, "Name"), (0, 1500, "SSN"), (1, 1500, "x")], PART);
        let lines: Vec<&str> = segs[0].text.lines().collect();
        assert_eq!(lines[0].matches('\t').count(), 1500);
        assert_eq!(lines[1].matches('\t').count(), 1500);
        let req = Request {
            max_text: 10_000,
            ..req()
        };
        let mut out = Vec::new();
        let mut emit = |s: Segment| out.push(s);
        let mut sheet = SheetText::new("S", &req);
        let mut added = 0;
        for r in 0..100 {
            if sheet.add(r, 16_000, |o| o.push('x'), &mut emit) {
                added += 1;
            }
        }
        sheet.finish(&mut emit);
        assert!(
            added < 5,
            "{added} cells of 16,000 tabs fit in 10,000 bytes"
        );
    }

    #[test]
    fn header_is_the_first_row_of_words() {
        let segs = render(
            &[
                (0, 0, "Report"),
                (1, 0, "2024"),
                (1, 1, "x"),
                (2, 0, "MRN"),
                (2, 1, "DOB"),
            ],
            PART,
        );
        assert_eq!(segs[0].header_line, 2);
    }

    #[test]
    fn cells_out_of_order_follow_as_a_continuation() {
        let segs = render(
            &[
                (0, 0, "MRN"),
                (0, 1, "DOB"),
                (2, 1, "b"),
                (2, 0, "a"),
                (1, 0, "c"),
            ],
            PART,
        );
        assert_eq!(segs.len(), 2);
        assert_eq!(segs[0].text, "MRN\tDOB\n\tb\n");
        assert_eq!(segs[0].rows, vec![0, 2]);
        assert!(segs[1].continued);
        assert_eq!(segs[1].text, "c\na\n");
        assert_eq!(segs[1].rows, vec![1, 2]);
    }

    #[test]
    fn a_long_sheet_is_sent_in_parts_at_row_ends() {
        let mut cells = vec![(0, 0, "MRN".to_string()), (0, 1, "Phone".to_string())];
        for r in 1..100 {
            cells.push((r, 0, format!("{:08}", r)));
            cells.push((r, 1, format!("(212) 555-{:04}", r)));
        }
        let cells: Vec<(u32, u32, &str)> = cells.iter().map(|(r, c, v)| (*r, *c, &v[..])).collect();
        let segs = render(&cells, 200);
        assert!(segs.len() > 5);
        assert!(!segs[0].continued && segs[1..].iter().all(|s| s.continued));
        let rows: Vec<u32> = segs.iter().flat_map(|s| s.rows.clone()).collect();
        assert_eq!(rows, (0..100).collect::<Vec<_>>());
        let text: String = segs.iter().map(|s| s.text.as_str()).collect();
        assert_eq!(text.lines().count(), 100);
        assert!(segs.iter().all(|s| s.text.ends_with('\n')));
    }

    #[test]
    fn numbers_and_dates_as_people_see_them() {
        let mut s = String::new();
        push_float(&mut s, 536220198.0);
        s.push(' ');
        push_float(&mut s, 12.5);
        s.push(' ');
        push_int(&mut s, -7);
        s.push(' ');
        push_padded(&mut s, 3, 2);
        s.push(' ');
        push_padded(&mut s, 987, 4);
        assert_eq!(s, "536220198 12.5 -7 03 0987");
    }
}
