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
struct Building {
    rows: Vec<Vec<String>>,
    /// Which rows have a `<th>` cell.
    th_rows: Vec<bool>,
    row: Option<(Vec<String>, bool)>,
    cell: Option<String>,
}

impl Building {
    fn end_cell(&mut self) {
        if let Some(c) = self.cell.take() {
            let row = self.row.get_or_insert_with(Default::default);
            row.0.push(c.trim().to_string());
        }
    }

    fn end_row(&mut self) {
        self.end_cell();
        if let Some((cells, th)) = self.row.take() {
            if !cells.is_empty() {
                self.rows.push(cells);
                self.th_rows.push(th);
            }
        }
    }

    fn into_segment(mut self, n: usize) -> Option<Segment> {
        self.end_row();
        if self.rows.is_empty() {
            return None;
        }
        let header = self.th_rows.iter().position(|&t| t).unwrap_or(0);
        let order: Vec<usize> = std::iter::once(header)
            .chain((0..self.rows.len()).filter(|&r| r != header))
            .collect();
        let mut text = String::new();
        for &r in &order {
            text.push_str(&self.rows[r].join("\t"));
            text.push('\n');
        }
        Some(Segment {
            sheet: Some(format!("table {n}")),
            table: true,
            rows: order.iter().map(|&r| r as u32).collect(),
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
    // Where the outermost open table starts.
    let mut outer_start = 0;
    let mut at = 0;
    while at < html.len() {
        let lt = memchr::memchr(b'<', &html[at..]).map_or(html.len(), |i| at + i);
        if let Some(cell) = open.last_mut().and_then(|t| t.cell.as_mut()) {
            push_text(cell, &html[at..lt]);
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
                cell.push('<');
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
                    if let Some(s) = t.into_segment(tables.len() + 1) {
                        tables.push(s);
                    }
                    if open.is_empty() {
                        super::blank(&mut rest, outer_start, gt);
                    }
                }
            }
            (b"tr", false) => {
                if let Some(t) = open.last_mut() {
                    t.end_row();
                    t.row = Some(Default::default());
                }
            }
            (b"tr", true) => {
                if let Some(t) = open.last_mut() {
                    t.end_row();
                }
            }
            (b"td" | b"th", false) => {
                if let Some(t) = open.last_mut() {
                    t.end_cell();
                    let row = t.row.get_or_insert_with(Default::default);
                    row.1 |= name == b"th";
                    t.cell = Some(String::new());
                }
            }
            (b"td" | b"th", true) => {
                if let Some(t) = open.last_mut() {
                    t.end_cell();
                }
            }
            // Inside a cell, a line break or a block is a space between words.
            (b"br" | b"p" | b"div" | b"li", _) => {
                if let Some(cell) = open.last_mut().and_then(|t| t.cell.as_mut()) {
                    cell.push(' ');
                }
            }
            _ => {}
        }
    }
    while let Some(t) = open.pop() {
        if let Some(s) = t.into_segment(tables.len() + 1) {
            tables.push(s);
        }
        if open.is_empty() {
            super::blank(&mut rest, outer_start, html.len());
        }
    }
    Parts { rest, tables }
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
            "MRN\tDate of birth\nClinic list\nA1029384\t03/14/1972\t\nA1029385\t04/15/1973\n"
        );
        assert_eq!(t.rows, [1, 0, 2, 3]);
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
