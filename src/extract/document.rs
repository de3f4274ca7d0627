//! Documents that need a real parser (PDF, spreadsheets): the request and answer exchanged
//! with the extractor worker process (engine/isolate.rs), and the dispatch that runs inside
//! it. Everything here may panic or abort on hostile input; it only ever runs in the worker.

use serde::{Deserialize, Serialize};

/// What kind of document a file is (decided by the parent from magic bytes and, for zip and
/// OLE2 containers, their contents).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocKind {
    Pdf,
    /// xlsx, xlsm, xlsb, xls, ods: calamine decides.
    Spreadsheet,
    /// docx, pptx, odt, odp.
    Office,
    Rtf,
}

impl DocKind {
    pub fn format_name(self) -> &'static str {
        match self {
            DocKind::Pdf => "pdf",
            DocKind::Spreadsheet => "spreadsheet",
            DocKind::Office => "office",
            DocKind::Rtf => "rtf",
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Request {
    /// The file's path, hex-encoded bytes (paths need not be UTF-8).
    pub path_hex: String,
    pub kind: DocKind,
    /// Stop extracting after this much text (bytes).
    pub max_text: u64,
    /// Most cells read from one sheet.
    pub max_cells: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Ok,
    NoText,
    Encrypted,
    Unsupported,
    Error,
}

/// One piece of extracted text and where it came from.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Segment {
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub page: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub sheet: Option<String>,
    /// A sheet as tab-separated text: line i is sheet row `rows[i]`, field j is column j.
    #[serde(default)]
    pub table: bool,
    /// For tables: more rows of the sheet of the segment before (a sheet is sent in parts);
    /// its columns are those of that segment's header line.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub continued: bool,
    /// For tables: the line holding the column headers.
    #[serde(default)]
    pub header_line: u32,
    /// For tables: the 0-based sheet row of each line.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rows: Vec<u32>,
    /// For tables read out of a text file (SQL dumps, HTML pages): per line of `text`, where
    /// each cell's value starts in the text the file was read as (offsets in the text given
    /// to the extractor), so findings in it also get the file's line, column and byte. The
    /// header line's is empty; so is the whole list for tables without a place in a text.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub origins: Vec<Vec<usize>>,
    pub text: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Extracted {
    pub outcome: Outcome,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub reason: Option<String>,
    #[serde(default)]
    pub segments: Vec<Segment>,
    /// e.g. the "pdf" or "xlsx" sub-format actually found.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub format: Option<String>,
}

impl Extracted {
    pub fn failed(reason: impl Into<String>) -> Extracted {
        Extracted {
            outcome: Outcome::Error,
            reason: Some(reason.into()),
            segments: Vec::new(),
            format: None,
        }
    }

    pub fn with(outcome: Outcome, reason: impl Into<String>) -> Extracted {
        Extracted {
            outcome,
            reason: Some(reason.into()),
            segments: Vec::new(),
            format: None,
        }
    }
}

/// Library error messages can quote document content: keep them short and without digits.
pub fn scrub(msg: &str) -> String {
    let s: String = msg
        .chars()
        .map(|c| {
            if c.is_ascii_digit() {
                '#'
            } else if c.is_control() {
                ' '
            } else {
                c
            }
        })
        .take(160)
        .collect();
    s
}

/// Read the file (read-only, not following links, atime untouched) and extract it. Segments
/// are handed to `emit` (a spreadsheet's as it is read, in parts); the answer has none.
pub fn extract(req: &Request, emit: &mut dyn FnMut(Segment)) -> Extracted {
    use std::os::unix::ffi::OsStrExt;
    let Ok(raw) = hex::decode(&req.path_hex) else {
        return Extracted::failed("bad path in request");
    };
    let path = std::path::Path::new(std::ffi::OsStr::from_bytes(&raw));
    let bytes = match crate::source::local::read_all(path) {
        Ok(b) => b,
        Err(e) => return Extracted::failed(format!("read: {e}")),
    };
    let mut x = match req.kind {
        DocKind::Pdf => super::pdf::extract(&bytes, req),
        DocKind::Spreadsheet => return super::sheet::extract(bytes, req, emit),
        DocKind::Office => super::office::extract_zip(bytes, req),
        DocKind::Rtf => super::office::extract_rtf(bytes, req),
    };
    for seg in std::mem::take(&mut x.segments) {
        emit(seg);
    }
    x
}
