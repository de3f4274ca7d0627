//! HTML pages: their tables read as tables. A patient list exported or saved as HTML
//! (`<tr><td>A1029384</td><td>03/14/1972</td>…`) names its columns once, in a header row,
//! far from most values; read as plain text, a bare MRN or date of birth in row 500 has no
//! label near it and is missed. So each table becomes a tab-separated segment whose first
//! line is its header row, scanned like a sheet (the header decides what a column holds),
//! and the rest of the page is scanned as text at its own bytes, with the tables blanked out
//! (spaces; line ends kept, so lines and columns stay those of the file).

use super::document::Segment;

/// Whether a text file is an HTML page: by its name, or by how it starts.
pub fn sniff(head: &[u8], ext: Option<&str>) -> bool {
    if ext.is_some_and(|e| {
        e.eq_ignore_ascii_case("html")
            || e.eq_ignore_ascii_case("htm")
            || e.eq_ignore_ascii_case("xhtml")
    }) {
        return true;
    }
    let h = head
        .strip_prefix(b"\xEF\xBB\xBF")
        .unwrap_or(head)
        .trim_ascii_start();
    let starts = |p: &[u8]| h.len() >= p.len() && h[..p.len()].eq_ignore_ascii_case(p);
    starts(b"<!doctype html") || starts(b"<html")
}

/// A page split into its tables and the rest.
pub struct Parts {
    /// The page with every table, from `<table` to its `</table>`, blanked (see
    /// [`super::blank`]).
    pub rest: Vec<u8>,
    /// Each table with at least one row: tab-separated, one line per row, the header row
    /// first (the first row with a `<th>`, else the first row); `rows` holds each line's
    /// 0-based row in the table, `sheet` "table N" (1-based, in the order tables end).
    pub tables: Vec<Segment>,
}

#[derive(Default)]
struct Row {
    cells: Vec<String>,
    /// Where each cell's text starts in the page.
    at: Vec<usize>,
    /// Whether the row has a `<th>` cell, and a `<td>` cell.
    th: bool,
    td: bool,
}

/// A cell being read: its text, where its text starts in the page (once it has some), and
/// how many columns it spans.
struct Cell {
    text: String,
    at: Option<usize>,
    span: usize,
}

/// Columns one cell may span, at most (`colspan` is the page's to choose).
const MAX_SPAN: usize = 64;

/// Empty cells that spans may add to one page, in all: a crafted page of `<td colspan=64>`
/// (15 bytes each) would otherwise hold 64 cells per 15 bytes (~2 GB for 16 MiB).
const MAX_SPANNED: usize = 1 << 16;

#[derive(Default)]
struct Building {
    rows: Vec<Row>,
    row: Option<Row>,
    cell: Option<Cell>,
}

impl Building {
    fn end_cell(&mut self, at: usize) {
        if let Some(c) = self.cell.take() {
            let row = self.row.get_or_insert_with(Default::default);
            row.cells.push(c.text.trim().to_string());
            let at = c.at.unwrap_or(at);
            row.at.push(at);
            // A cell over several columns: the columns after it are empty, so the cells
            // after it stay under their own headers.
            for _ in 1..c.span {
                row.cells.push(String::new());
                row.at.push(at);
            }
        }
    }

    fn end_row(&mut self, at: usize) {
        self.end_cell(at);
        if let Some(row) = self.row.take() {
            if !row.cells.is_empty() {
                self.rows.push(row);
            }
        }
    }

    fn into_segment(mut self, n: usize, at: usize) -> Option<Segment> {
        self.end_row(at);
        if self.rows.is_empty() {
            return None;
        }
        // The header row: the last of the first run of rows of `<th>` cells only (a header
        // of two rows names groups of columns above the columns' own names), else the
        // first row with a `<th>`, else the first row.
        let only_th = |r: &Row| r.th && !r.td;
        let header = match self.rows.iter().position(only_th) {
            Some(first) => first + self.rows[first..].iter().take_while(|r| only_th(r)).count() - 1,
            None => self.rows.iter().position(|r| r.th).unwrap_or(0),
        };
        let order: Vec<usize> = std::iter::once(header)
            .chain((0..self.rows.len()).filter(|&r| r != header))
            .collect();
        let mut text = String::new();
        let mut origins = Vec::with_capacity(order.len());
        for (i, &r) in order.iter().enumerate() {
            text.push_str(&self.rows[r].cells.join("\t"));
            text.push('\n');
            // The header line's cells are not located (see `Segment::origins`).
            origins.push(if i == 0 {
                Vec::new()
            } else {
                std::mem::take(&mut self.rows[r].at)
            });
        }
        Some(Segment {
            sheet: Some(format!("table {n}")),
            table: true,
            rows: order.iter().map(|&r| r as u32).collect(),
            origins,
            text,
            ..Segment::default()
        })
    }
}

/// Tables read as tables inside one another, at most.
const MAX_NESTED: usize = 32;

/// Split a page into its tables and the rest (see [`Parts`]). Tables inside a cell are
/// tables of their own; `<script>`, `<style>` and comments are skipped; a table not closed
/// by the end of the page ends there.
pub fn split_tables(html: &[u8]) -> Parts {
    let mut rest = html.to_vec();
    let mut tables = Vec::new();
    let mut open: Vec<Building> = Vec::new();
    let mut too_deep = 0usize;
    let mut spannable = MAX_SPANNED;
    // Where the outermost open table starts.
    let mut outer_start = 0;
    let mut at = 0;
    while at < html.len() {
        let lt = memchr::memchr(b'<', &html[at..]).map_or(html.len(), |i| at + i);
        if let Some(cell) = open.last_mut().and_then(|t| t.cell.as_mut()) {
            if cell.at.is_none() {
                cell.at = html[at..lt]
                    .iter()
                    .position(|c| !c.is_ascii_whitespace())
                    .map(|i| at + i);
            }
            push_text(&mut cell.text, &html[at..lt]);
        }
        if lt >= html.len() {
            break;
        }
        let after = &html[lt + 1..];
        // A `<` not followed by a tag name, `/` or `!` is text ("1 < 2").
        if !after
            .first()
            .is_some_and(|c| c.is_ascii_alphabetic() || *c == b'/' || *c == b'!')
        {
            if let Some(cell) = open.last_mut().and_then(|t| t.cell.as_mut()) {
                cell.at.get_or_insert(lt);
                cell.text.push('<');
            }
            at = lt + 1;
            continue;
        }
        if after.starts_with(b"!--") {
            at = memchr::memmem::find(&after[3..], b"-->").map_or(html.len(), |i| lt + 4 + i + 3);
            continue;
        }
        let gt = memchr::memchr(b'>', after).map_or(html.len(), |i| lt + 1 + i + 1);
        let tag = &html[lt + 1..gt.saturating_sub(1).max(lt + 1)];
        let closing = tag.first() == Some(&b'/');
        let name_bytes = if closing { &tag[1..] } else { tag };
        let n = name_bytes
            .iter()
            .position(|c| !c.is_ascii_alphanumeric())
            .unwrap_or(name_bytes.len());
        let name = name_bytes[..n].to_ascii_lowercase();
        at = gt;
        match (name.as_slice(), closing) {
            (b"script" | b"style", false) => {
                let close: &[u8] = if name == b"script" {
                    b"</script"
                } else {
                    b"</style"
                };
                let lower_find = html[at..]
                    .windows(close.len())
                    .position(|w| w.eq_ignore_ascii_case(close));
                at = lower_find.map_or(html.len(), |i| at + i);
            }
            // Tables nested deeper than this are read as part of the cell around them: a
            // crafted page of nested `<table>`s must not hold a table per seven bytes.
            (b"table", false) if open.len() >= MAX_NESTED => too_deep += 1,
            (b"table", true) if too_deep > 0 => too_deep -= 1,
            (b"tr" | b"td" | b"th", _) if too_deep > 0 => {}
            (b"table", false) => {
                if open.is_empty() {
                    outer_start = lt;
                }
                open.push(Building::default());
            }
            (b"table", true) => {
                if let Some(t) = open.pop() {
                    if let Some(s) = t.into_segment(tables.len() + 1, lt) {
                        tables.push(s);
                    }
                    if open.is_empty() {
                        super::blank(&mut rest, outer_start, gt);
                    }
                }
            }
            (b"tr", false) => {
                if let Some(t) = open.last_mut() {
                    t.end_row(lt);
                    t.row = Some(Default::default());
                }
            }
            (b"tr", true) => {
                if let Some(t) = open.last_mut() {
                    t.end_row(lt);
                }
            }
            (b"td" | b"th", false) => {
                if let Some(t) = open.last_mut() {
                    t.end_cell(lt);
                    let row = t.row.get_or_insert_with(Default::default);
                    row.th |= name == b"th";
                    row.td |= name == b"td";
                    t.cell = Some(Cell {
                        text: String::new(),
                        at: None,
                        span: {
                            let span = colspan(tag).min(1 + spannable);
                            spannable -= span - 1;
                            span
                        },
                    });
                }
            }
            (b"td" | b"th", true) => {
                if let Some(t) = open.last_mut() {
                    t.end_cell(lt);
                }
            }
            // Inside a cell, a line break or a block is a space between words.
            (b"br" | b"p" | b"div" | b"li", _) => {
                if let Some(cell) = open.last_mut().and_then(|t| t.cell.as_mut()) {
                    cell.text.push(' ');
                }
            }
            _ => {}
        }
    }
    while let Some(t) = open.pop() {
        if let Some(s) = t.into_segment(tables.len() + 1, html.len()) {
            tables.push(s);
        }
        if open.is_empty() {
            super::blank(&mut rest, outer_start, html.len());
        }
    }
    Parts { rest, tables }
}

/// A cell tag's `colspan` (1 when it has none, or a number that makes no sense; at most
/// [`MAX_SPAN`]). `tag`: the bytes between `<` and `>`.
fn colspan(tag: &[u8]) -> usize {
    let lower = tag.to_ascii_lowercase();
    let Some(i) = memchr::memmem::find(&lower, b"colspan") else {
        return 1;
    };
    let v = lower[i + 7..].trim_ascii_start();
    let Some(v) = v.strip_prefix(b"=") else {
        return 1;
    };
    let v = v.trim_ascii_start();
    let v = v.strip_prefix(b"\"").or(v.strip_prefix(b"'")).unwrap_or(v);
    // Digits only (a browser reads "3px" as 3); a huge number is the most there can be.
    let n = v
        .iter()
        .take_while(|c| c.is_ascii_digit())
        .fold(0usize, |n, &c| {
            n.saturating_mul(10).saturating_add(usize::from(c - b'0'))
        });
    n.clamp(1, MAX_SPAN)
}

/// Append a cell's text: entities decoded, runs of white space (tabs and line ends too: a
/// cell is one field of one line) as one space.
fn push_text(cell: &mut String, raw: &[u8]) {
    let text = String::from_utf8_lossy(raw);
    let mut s = text.as_ref();
    while !s.is_empty() {
        let (ch, len) = match s.as_bytes()[0] {
            b'&' => match decode_entity(s) {
                Some((c, len)) => (c, len),
                None => ('&', 1),
            },
            _ => {
                let c = s.chars().next().expect("not empty");
                (c, c.len_utf8())
            }
        };
        s = &s[len..];
        if ch.is_whitespace() {
            if !cell.is_empty() && !cell.ends_with(' ') {
                cell.push(' ');
            }
        } else {
            cell.push(ch);
        }
    }
}

/// The character an entity at the start of `s` stands for, and the entity's length (the
/// common named ones, and numeric ones; a no-break space as a space).
pub fn decode_entity(s: &str) -> Option<(char, usize)> {
    let semi = s.as_bytes()[..s.len().min(10)]
        .iter()
        .position(|&b| b == b';')?;
    let ent = &s[1..semi];
    let c = match ent {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "nbsp" => ' ',
        _ => {
            let n = if let Some(h) = ent.strip_prefix("#x").or_else(|| ent.strip_prefix("#X")) {
                u32::from_str_radix(h, 16).ok()?
            } else {
                ent.strip_prefix('#')?.parse().ok()?
            };
            match n {
                160 => ' ',
                _ => char::from_u32(n)?,
            }
        }
    };
    Some((c, semi + 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_become_tab_separated_segments_and_are_blanked_in_the_rest() {
        let page = "<!DOCTYPE html>\n<p>Patient: Mary Major<br>DOB: 06/17/1975</p>\n<table class=x>\n<tr><td colspan=2>Clinic list</td></tr>\n<tr><th>MRN</th><th>Date&nbsp;of\n birth</th></tr>\n<tr><td> A1029384 </td><td>03/14/1972<td><table><tr><td>inner &amp; cell</td></tr></table></td></tr>\n<TR><TD>A1029385</TD><TD>04/15/1973</TD></TR>\n</table>\n<!-- <table><tr><td>not a table</td></tr></table> -->\n<script>var t = '<table>';</script>\nafter";
        let parts = split_tables(page.as_bytes());
        assert_eq!(parts.rest.len(), page.len());
        let rest = String::from_utf8(parts.rest).unwrap();
        assert!(rest.contains("DOB: 06/17/1975</p>\n"));
        assert!(!rest.contains("A1029384") && !rest.contains("<TR>"));
        assert!(rest.contains("<!-- <table>") && rest.ends_with("</script>\nafter"));
        // Line ends stay where they were.
        let lines = |s: &str| s.match_indices('\n').map(|m| m.0).collect::<Vec<_>>();
        assert_eq!(lines(&rest), lines(page));
        assert_eq!(parts.tables.len(), 2);
        let inner = &parts.tables[0];
        assert_eq!(inner.text, "inner & cell\n");
        let t = &parts.tables[1];
        assert_eq!(t.sheet.as_deref(), Some("table 2"));
        assert!(t.table);
        assert_eq!(
            t.text,
            "MRN\tDate of birth\nClinic list\t\nA1029384\t03/14/1972\t\nA1029385\t04/15/1973\n"
        );
        assert_eq!(t.rows, [1, 0, 2, 3]);
        // Each cell's text is found where its value starts in the page (the header line's
        // are not kept); a cell with no text where its tag ends.
        let at = |s: &str| page.find(s).unwrap();
        assert_eq!(t.origins[0], Vec::<usize>::new());
        assert_eq!(t.origins[2][..2], [at("A1029384"), at("03/14/1972")]);
        assert_eq!(t.origins[3], [at("A1029385"), at("04/15/1973")]);
        assert_eq!(inner.origins, [Vec::<usize>::new()]);
    }

    /// `colspan` keeps the cells after a merged cell under their own columns, and a header
    /// of two rows is read by its lower row (the columns' own names).
    #[test]
    fn merged_cells_and_two_header_rows() {
        let page = "<table><tr><th colspan=\"2\">Patient</th><th>Visit</th></tr>\n<tr><th>Name</th><th>MRN</th><th>DOB</th></tr>\n<tr><td colspan='2'>Roe, Jane A1029384</td><td>03/14/1972</td></tr>\n<tr><td>Roe</td><td>A1029385</td><td>04/15/1973</td></tr></table>";
        let t = &split_tables(page.as_bytes()).tables[0];
        assert_eq!(
            t.text,
            "Name\tMRN\tDOB\nPatient\t\tVisit\nRoe, Jane A1029384\t\t03/14/1972\nRoe\tA1029385\t04/15/1973\n"
        );
        assert_eq!(t.rows, [1, 0, 2, 3]);
        // A key-value table (a `<th>` and a `<td>` in every row) has no header row of its
        // own: the first row with a `<th>` names the columns, as before.
        let kv = "<table><tr><th>MRN</th><td>A1029384</td></tr><tr><th>DOB</th><td>03/14/1972</td></tr></table>";
        assert_eq!(split_tables(kv.as_bytes()).tables[0].rows, [0, 1]);
        // Spans are bounded, per cell and per page.
        let hostile = "<table>".to_string() + &"<tr><td colspan=64>x</td></tr>".repeat(100_000);
        let t = &split_tables(hostile.as_bytes()).tables[0];
        assert_eq!(t.text.matches('\t').count(), MAX_SPANNED);
        assert_eq!(t.rows.len(), 100_000);
        for (tag, n) in [
            ("<td>", 1),
            ("<td colspan=0>", 1),
            ("<td COLSPAN = \"3px\">", 3),
            ("<td colspan=99999999999999999999999>", MAX_SPAN),
        ] {
            assert_eq!(colspan(&tag.as_bytes()[1..tag.len() - 1]), n, "{tag}");
        }
    }

    /// A crafted nest of tables: at most MAX_NESTED are tables; the deeper ones' cells are
    /// text of the innermost one, and the tables around it still close where they do.
    #[test]
    fn deep_table_nests_are_bounded() {
        let depth = 10_000;
        let page = format!(
            "{}<td>536228741{}<tr><td>after</td></tr></table>\ntail",
            "<table><tr><td>".repeat(depth),
            "</td></tr></table>".repeat(depth - 1)
        );
        let parts = split_tables(page.as_bytes());
        assert_eq!(parts.tables.len(), MAX_NESTED);
        assert_eq!(parts.tables[0].text, "536228741\n");
        assert_eq!(parts.tables[MAX_NESTED - 1].text, "\nafter\n");
        assert!(parts.rest.ends_with(b"\ntail"));
    }

    #[test]
    fn html_pages_by_name_or_start() {
        assert!(sniff(b"x", Some("HTM")));
        assert!(sniff(b"\xEF\xBB\xBF\n  <!DOCTYPE HTML PUBLIC", None));
        assert!(sniff(b"<html lang=en>", None));
        assert!(!sniff(
            b"<?xml version='1.0'?><ClinicalDocument>",
            Some("xml")
        ));
        // An unclosed table ends with the page; a stray `<` is text.
        let parts = split_tables(b"a < b\n<table><tr><td>1 < 2<td>x");
        assert_eq!(parts.tables[0].text, "1 < 2\tx\n");
        assert_eq!(&parts.rest[..6], b"a < b\n");
        assert!(parts.rest[6..].iter().all(|&c| c == b' '));
    }
}
