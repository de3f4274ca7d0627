//! SQL dumps (mysqldump, pg_dump, SQLite's `.dump`, exports of any database): their rows
//! read as tables. `INSERT INTO patients VALUES (1,'Jane','536228741','1972-03-14'),…` names
//! its columns once, in the `CREATE TABLE` (or the INSERT's own column list), so read as text
//! a bare SSN or date has no label near it. Each INSERT's rows, and each `COPY … FROM stdin`
//! block's, become a tab-separated segment whose header line is the columns, scanned like a
//! sheet; their bytes are then blanked in the text (line ends kept) so the rest of the dump
//! is scanned as text at its own lines. Streams: the state (tables' columns, an open COPY
//! block) goes from chunk to chunk.

use super::document::Segment;
use std::collections::HashMap;

/// Whether a text looks like a SQL dump: by its name, or in its first 8 KiB a dump banner, an
/// `INSERT INTO ` followed by ` VALUES`, or a `COPY ` line followed by ` FROM stdin;` (a dump's
/// banner and first statements come first).
pub fn sniff(head: &[u8], ext: Option<&str>) -> bool {
    if ext.is_some_and(|e| e.eq_ignore_ascii_case("sql")) {
        return true;
    }
    // Every text file that is nothing else is asked, so the four openings are looked for in
    // one pass (a packed Teddy searcher, built once), and what must follow them only after
    // one is found. Four substring searches of the 8 KiB cost ~10k instructions a file.
    static OPENINGS: std::sync::LazyLock<Option<aho_corasick::packed::Searcher>> =
        std::sync::LazyLock::new(|| {
            aho_corasick::packed::Config::new()
                .match_kind(aho_corasick::packed::MatchKind::LeftmostFirst)
                .builder()
                .extend(OPENINGS_BYTES)
                .build()
        });
    let h = &head[..head.len().min(8 * 1024)];
    match OPENINGS.as_ref() {
        Some(searcher) => dump_openings(
            h,
            searcher
                .find_iter(h)
                .map(|m| (m.pattern().as_usize(), m.start())),
        ),
        // No SIMD searcher on this CPU: the first of each opening, by substring search.
        None => dump_openings(h, openings_by_substring(h)),
    }
}

/// The four openings of [`sniff`], in its searcher's order.
const OPENINGS_BYTES: [&[u8]; 4] = [
    b"-- MySQL dump",
    b"-- PostgreSQL database dump",
    b"INSERT INTO ",
    b"\nCOPY ",
];

/// The first place of each opening in `h`, as (opening, start).
fn openings_by_substring(h: &[u8]) -> impl Iterator<Item = (usize, usize)> + '_ {
    OPENINGS_BYTES
        .iter()
        .enumerate()
        .filter_map(|(i, n)| memchr::memmem::find(h, n).map(|at| (i, at)))
}

/// Whether the openings found in `h` (opening, start) make it a dump: a banner, or an
/// INSERT (COPY) followed by ` VALUES` (` FROM stdin;`). After the first INSERT (COPY), a
/// later one cannot be followed by what the first was not: each is looked after once.
fn dump_openings(h: &[u8], found: impl Iterator<Item = (usize, usize)>) -> bool {
    let follows = |at: usize, what: &[u8]| memchr::memmem::find(&h[at..], what).is_some();
    let (mut insert, mut copy) = (false, false);
    for (opening, start) in found {
        match opening {
            0 | 1 => return true,
            2 if !insert => {
                insert = true;
                if follows(start, b" VALUES") {
                    return true;
                }
            }
            3 if !copy => {
                copy = true;
                if follows(start, b" FROM stdin;") {
                    return true;
                }
            }
            _ => {}
        }
        if insert && copy {
            break;
        }
    }
    false
}

/// What a dump has said so far.
#[derive(Default)]
pub struct State {
    /// Each table's columns, from its CREATE TABLE.
    columns: HashMap<String, Vec<String>>,
    /// A COPY block being read: its table and columns.
    copy: Option<(String, Vec<String>)>,
    /// Rows read so far per table (cells are numbered across statements).
    rows: HashMap<String, u32>,
}

/// Take the rows of the INSERT statements and COPY blocks that start in `[from, to)` of
/// `text` (a statement may run on past `to`, to its `;`), as segments (see the module), and
/// blank their bytes. CREATE TABLE statements are read for their columns.
pub fn take_tables(text: &mut [u8], from: usize, to: usize, st: &mut State) -> Vec<Segment> {
    let to = to.min(text.len());
    let mut out = Vec::new();
    let mut ls = from;
    // A COPY block's rows in this chunk, as one segment.
    let mut copy_rows: Vec<Row> = Vec::new();
    while ls < to {
        let le = memchr::memchr(b'\n', &text[ls..]).map_or(text.len(), |i| ls + i);
        let line = &text[ls..le];
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if st.copy.is_some() {
            if line == b"\\." {
                flush_copy(st, &mut copy_rows, &mut out);
                st.copy = None;
            } else {
                let mut row = (Vec::new(), Vec::new());
                let mut at = ls;
                for f in line.split(|&b| b == b'\t') {
                    row.0.push(copy_field(f));
                    row.1.push(at);
                    at += f.len() + 1;
                }
                copy_rows.push(row);
                super::blank(text, ls, le);
            }
            ls = le + 1;
            continue;
        }
        let t = line.trim_ascii_start();
        if starts_ci(t, b"INSERT INTO ")
            || starts_ci(t, b"INSERT IGNORE INTO ")
            || starts_ci(t, b"REPLACE INTO ")
        {
            let end = statement_end(text, ls).min(text.len());
            if let Some((table, cols, rows)) = parse_insert(&text[ls..end], ls) {
                let cols = cols
                    .or_else(|| st.columns.get(&table).cloned())
                    .unwrap_or_default();
                if !rows.is_empty() {
                    out.push(segment(st, &table, &cols, rows));
                    super::blank(text, ls, end);
                }
            }
            ls = next_line(text, end);
            continue;
        }
        if starts_ci(t, b"CREATE TABLE ") {
            let end = statement_end(text, ls).min(text.len());
            if let Some((table, cols)) = parse_create(&text[ls..end]) {
                st.columns.insert(table, cols);
            }
            // On after the statement: a quote it never closes is not searched for to the
            // end of the text again from every line after it.
            ls = next_line(text, end);
            continue;
        }
        if starts_ci(t, b"COPY ") && t.ends_with(b"FROM stdin;") {
            let (table, rest) = name(&t[5..]);
            let cols = match rest.trim_ascii_start().first() {
                Some(b'(') => split_top(inside_parens(rest.trim_ascii_start()))
                    .iter()
                    .map(|c| ident(c))
                    .collect(),
                _ => st.columns.get(&table).cloned().unwrap_or_default(),
            };
            st.copy = Some((table, cols));
        }
        ls = le + 1;
    }
    flush_copy(st, &mut copy_rows, &mut out);
    out
}

/// The start of the line after `at` (a statement's end).
fn next_line(text: &[u8], at: usize) -> usize {
    let at = at.min(text.len());
    memchr::memchr(b'\n', &text[at..]).map_or(text.len(), |i| at + i) + 1
}

fn flush_copy(st: &mut State, rows: &mut Vec<Row>, out: &mut Vec<Segment>) {
    if rows.is_empty() {
        return;
    }
    let Some((table, cols)) = st.copy.clone() else {
        return;
    };
    out.push(segment(st, &table, &cols, std::mem::take(rows)));
}

/// A table segment: the header line, then the rows, numbered on from the table's earlier
/// rows.
fn segment(st: &mut State, table: &str, cols: &[String], rows: Vec<Row>) -> Segment {
    let seen = st.rows.entry(table.to_string()).or_insert(0);
    let mut text = cols.join("\t");
    text.push('\n');
    let mut numbers = vec![0];
    let mut origins = vec![Vec::new()];
    for (cells, at) in rows {
        text.push_str(&cells.join("\t"));
        text.push('\n');
        *seen += 1;
        numbers.push(*seen);
        origins.push(at);
    }
    Segment {
        sheet: Some(table.to_string()),
        table: true,
        rows: numbers,
        origins,
        text,
        ..Segment::default()
    }
}

fn starts_ci(t: &[u8], p: &[u8]) -> bool {
    t.len() >= p.len() && t[..p.len()].eq_ignore_ascii_case(p)
}

/// Where the statement starting at `at` ends: after its `;` outside quotes (or the text's
/// end).
fn statement_end(text: &[u8], at: usize) -> usize {
    let mut quote: Option<u8> = None;
    let mut i = at;
    while i < text.len() {
        let c = text[i];
        match quote {
            Some(q) => {
                if c == b'\\' {
                    i += 1;
                } else if c == q {
                    if text.get(i + 1) == Some(&q) {
                        i += 1; // a doubled quote
                    } else {
                        quote = None;
                    }
                }
            }
            None => match c {
                b'\'' | b'"' | b'`' => quote = Some(c),
                b';' => return i + 1,
                _ => {}
            },
        }
        i += 1;
    }
    text.len()
}

/// A (possibly quoted, possibly schema-qualified) name at the start of `s`, unquoted and
/// lowercase, and what follows it.
fn name(s: &[u8]) -> (String, &[u8]) {
    let s = s.trim_ascii_start();
    let mut i = 0;
    while i < s.len() {
        match s[i] {
            q @ (b'`' | b'"' | b'[') => {
                let close = if q == b'[' { b']' } else { q };
                i = memchr::memchr(close, &s[i + 1..]).map_or(s.len(), |j| i + 1 + j + 1);
            }
            c if c.is_ascii_alphanumeric() || c == b'_' || c == b'.' || c == b'$' => i += 1,
            _ => break,
        }
    }
    (ident(&s[..i]), &s[i..])
}

/// An identifier without its quotes (the last part of a qualified name), lowercase.
fn ident(s: &[u8]) -> String {
    let s = s.trim_ascii();
    let last = s.rsplit(|&b| b == b'.').next().unwrap_or(s);
    let unq: Vec<u8> = last
        .iter()
        .copied()
        .filter(|c| !matches!(c, b'`' | b'"' | b'[' | b']'))
        .collect();
    // One field of one line: no tabs or line ends in a column name, even a quoted one.
    String::from_utf8_lossy(&unq)
        .to_ascii_lowercase()
        .replace(|c: char| c.is_control(), " ")
}

/// The bytes inside the parentheses that `s` starts with (to the matching one).
fn inside_parens(s: &[u8]) -> &[u8] {
    let mut depth = 0;
    for (i, &c) in s.iter().enumerate() {
        match c {
            b'(' => depth += 1,
            b')' => {
                depth -= 1;
                if depth == 0 {
                    return &s[1..i];
                }
            }
            _ => {}
        }
    }
    s.get(1..).unwrap_or(b"")
}

/// Split at the commas outside parentheses.
fn split_top(s: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    let (mut depth, mut start) = (0i32, 0);
    for (i, &c) in s.iter().enumerate() {
        match c {
            b'(' => depth += 1,
            b')' => depth -= 1,
            b',' if depth == 0 => {
                out.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&s[start..]);
    out
}

/// `CREATE TABLE name (col type, …, PRIMARY KEY …)`: the name and the columns.
fn parse_create(stmt: &[u8]) -> Option<(String, Vec<String>)> {
    let t = stmt.trim_ascii_start();
    let mut rest = &t[b"CREATE TABLE ".len()..];
    if starts_ci(rest.trim_ascii_start(), b"IF NOT EXISTS ") {
        rest = &rest.trim_ascii_start()[b"IF NOT EXISTS ".len()..];
    }
    let (table, rest) = name(rest);
    let open = memchr::memchr(b'(', rest)?;
    let cols = split_top(inside_parens(&rest[open..]))
        .into_iter()
        .map(|d| d.trim_ascii())
        .filter(|d| {
            !d.is_empty()
                && ![
                    &b"PRIMARY"[..],
                    b"KEY",
                    b"UNIQUE",
                    b"CONSTRAINT",
                    b"INDEX",
                    b"FOREIGN",
                    b"CHECK",
                    b"FULLTEXT",
                    b"SPATIAL",
                ]
                .iter()
                .any(|k| {
                    starts_ci(d, k)
                        && d.get(k.len())
                            .is_none_or(|c| !c.is_ascii_alphanumeric() && *c != b'_')
                })
        })
        .map(|d| name(d).0)
        .collect();
    Some((table, cols))
}

/// A row's cells, and where each cell's value starts (an offset in the text given to
/// [`take_tables`]: a finding in the cell is located in the file from it).
type Row = (Vec<String>, Vec<usize>);

/// `INSERT INTO name [(cols)] VALUES (…),(…);`: the table, its column list if it has one,
/// and the rows (strings unquoted, NULL empty). `base`: the statement's offset in the text.
type Insert = (String, Option<Vec<String>>, Vec<Row>);

fn parse_insert(stmt: &[u8], base: usize) -> Option<Insert> {
    let t = stmt.trim_ascii_start();
    let base = base + (stmt.len() - t.len());
    let into = memchr::memmem::find(&t.to_ascii_uppercase(), b"INTO ")? + 5;
    let (table, rest) = name(&t[into..]);
    let rest = rest.trim_ascii_start();
    let cols = (rest.first() == Some(&b'(')).then(|| {
        split_top(inside_parens(rest))
            .into_iter()
            .map(ident)
            .collect::<Vec<_>>()
    });
    let upper = rest.to_ascii_uppercase();
    let values = memchr::memmem::find(&upper, b"VALUES")? + 6;
    // `rest` and `upper` are suffixes of `t` (name() returns the text after the name).
    let at = base + (t.len() - rest.len()) + values;
    Some((table, cols, tuples(&rest[values..], at)))
}

/// The tuples of a VALUES list that starts at offset `base` of the text.
fn tuples(s: &[u8], base: usize) -> Vec<Row> {
    let mut rows = Vec::new();
    let mut row: Vec<String> = Vec::new();
    let mut origins: Vec<usize> = Vec::new();
    let mut cell: Vec<u8> = Vec::new();
    // Where the cell's value starts: its first byte, or the byte after its opening quote.
    let mut origin: Option<usize> = None;
    let mut depth = 0;
    let mut i = 0;
    let end_cell = |row: &mut Vec<String>,
                    origins: &mut Vec<usize>,
                    cell: &mut Vec<u8>,
                    origin: &mut Option<usize>,
                    i: usize| {
        row.push(cell_text(cell));
        origins.push(base + origin.take().unwrap_or(i));
        cell.clear();
    };
    while i < s.len() {
        let c = s[i];
        match c {
            b'\'' | b'"' if depth >= 1 => {
                // A string: to its closing quote (doubled quotes and backslash escapes).
                let q = c;
                i += 1;
                if cell.is_empty() {
                    origin = Some(i);
                }
                while i < s.len() {
                    match s[i] {
                        b'\\' if i + 1 < s.len() => {
                            cell.push(match s[i + 1] {
                                b'n' | b'r' | b't' | b'0' | b'\n' | b'\r' | b'\t' => b' ',
                                other => other,
                            });
                            i += 2;
                            continue;
                        }
                        x if x == q && s.get(i + 1) == Some(&q) => {
                            cell.push(q);
                            i += 2;
                            continue;
                        }
                        x if x == q => break,
                        b'\t' | b'\n' | b'\r' => cell.push(b' '),
                        x => cell.push(x),
                    }
                    i += 1;
                }
            }
            b'(' => {
                depth += 1;
                if depth > 1 {
                    if cell.is_empty() {
                        origin = Some(i);
                    }
                    cell.push(c);
                }
            }
            b')' => {
                depth -= 1;
                if depth == 0 {
                    end_cell(&mut row, &mut origins, &mut cell, &mut origin, i);
                    rows.push((std::mem::take(&mut row), std::mem::take(&mut origins)));
                } else if depth > 0 {
                    cell.push(c);
                }
            }
            b',' if depth == 1 => end_cell(&mut row, &mut origins, &mut cell, &mut origin, i),
            b';' if depth == 0 => break,
            _ if depth >= 1 && (!c.is_ascii_whitespace() || !cell.is_empty()) => {
                if cell.is_empty() {
                    origin = Some(i);
                }
                cell.push(if c == b'\t' || c == b'\n' || c == b'\r' {
                    b' '
                } else {
                    c
                });
            }
            _ => {}
        }
        i += 1;
    }
    rows
}

fn cell_text(cell: &[u8]) -> String {
    let t = cell.trim_ascii();
    if t.eq_ignore_ascii_case(b"NULL") {
        return String::new();
    }
    String::from_utf8_lossy(t).into_owned()
}

/// A field of a COPY row (text format): `\N` is NULL, backslash escapes resolved.
fn copy_field(f: &[u8]) -> String {
    if f == b"\\N" {
        return String::new();
    }
    let mut out = Vec::with_capacity(f.len());
    let mut i = 0;
    while i < f.len() {
        if f[i] == b'\\' && i + 1 < f.len() {
            out.push(match f[i + 1] {
                b'n' | b'r' | b't' | b'\r' => b' ',
                other => other,
            });
            i += 2;
        } else {
            out.push(f[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffing_finds_banners_and_statements() {
        let reference = |h: &[u8]| {
            let has = |n: &[u8]| memchr::memmem::find(h, n);
            let after = |n: &[u8], m: &[u8]| {
                has(n).is_some_and(|i| memchr::memmem::find(&h[i..], m).is_some())
            };
            has(b"-- MySQL dump").is_some()
                || has(b"-- PostgreSQL database dump").is_some()
                || after(b"INSERT INTO ", b" VALUES")
                || after(b"\nCOPY ", b" FROM stdin;")
        };
        let texts: [&[u8]; 12] = [
            b"-- MySQL dump 10.13\n",
            b"x\n-- PostgreSQL database dump\n",
            b"INSERT INTO t VALUES (1);\n",
            b" VALUES first, then INSERT INTO t\n",
            b"INSERT INTO t SELECT 1;\n",
            b"a\nCOPY t (a) FROM stdin;\n1\n\\.\n",
            b"COPY t (a) FROM stdin;\n",
            b"Dear Dr. Roe, please insert into the chart the values below.\n",
            b"-- a note -- and -- MySQL dump\n",
            b"INSERT INTO a; INSERT INTO b; COPY x\n\nCOPY y FROM stdin;",
            b"x\nCOPY y\nz FROM stdin;",
            b"",
        ];
        for t in texts {
            assert_eq!(
                sniff(t, None),
                reference(t),
                "{}",
                String::from_utf8_lossy(t)
            );
            // The path of CPUs without a SIMD searcher.
            assert_eq!(
                dump_openings(t, openings_by_substring(t)),
                reference(t),
                "{}",
                String::from_utf8_lossy(t)
            );
        }
        assert!(sniff(b"", Some("SQL")));
    }

    #[test]
    fn inserts_and_copy_blocks_become_tables() {
        let dump = "-- MySQL dump 10.13\nCREATE TABLE `patients` (\n  `id` int NOT NULL,\n  `name` varchar(50),\n  `ssn` char(11),\n  `dob` date,\n  PRIMARY KEY (`id`),\n  KEY `k` (`name`)\n);\nINSERT INTO `patients` VALUES (1,'O''Hara, Jane','536228741','1972-03-14'),(2,'Roe\\'s (jr)',NULL,'1973-04-15');\nINSERT INTO public.visits (id, mrn) VALUES\n  (7, 'A1029384'),\n  (8, 'A1029385');\nCOPY public.patients (id, name, ssn, dob) FROM stdin;\n3\tAnn\t536228743\t1974-05-16\n4\t\\N\t536228744\t1975-06-17\n\\.\nSELECT 1;\n";
        let mut text = dump.as_bytes().to_vec();
        assert!(sniff(&text, None));
        let mut st = State::default();
        let segs = take_tables(&mut text, 0, dump.len(), &mut st);
        let got: Vec<(&str, &str, &[u32])> = segs
            .iter()
            .map(|s| (s.sheet.as_deref().unwrap(), s.text.as_str(), &s.rows[..]))
            .collect();
        assert_eq!(
            got,
            [
                (
                    "patients",
                    "id\tname\tssn\tdob\n1\tO'Hara, Jane\t536228741\t1972-03-14\n2\tRoe's (jr)\t\t1973-04-15\n",
                    &[0, 1, 2][..]
                ),
                ("visits", "id\tmrn\n7\tA1029384\n8\tA1029385\n", &[0, 1, 2]),
                ("patients", "id\tname\tssn\tdob\n3\tAnn\t536228743\t1974-05-16\n4\t\t536228744\t1975-06-17\n", &[0, 3, 4]),
            ]
        );
        // Each cell's value is found where it starts in the dump: after a string's quote,
        // and in a COPY row at its field.
        let at = |s: &str| dump.find(s).unwrap();
        assert_eq!(segs[0].origins[0], Vec::<usize>::new());
        assert_eq!(
            segs[0].origins[1],
            [at("1,'O"), at("O''Hara"), at("536228741"), at("1972-03-14")]
        );
        assert_eq!(segs[0].origins[2][3], at("1973-04-15"));
        assert_eq!(segs[1].origins[2], [at("8, "), at("A1029385")]);
        assert_eq!(
            segs[2].origins[2],
            [at("4\t"), at("\\N"), at("536228744"), at("1975-06-17")]
        );
        let rest = String::from_utf8(text).unwrap();
        assert_eq!(rest.len(), dump.len());
        assert!(!rest.contains("536228") && !rest.contains("A1029384"));
        assert!(rest.contains("CREATE TABLE `patients`") && rest.ends_with("\\.\nSELECT 1;\n"));
        let lines = |s: &str| s.match_indices('\n').map(|m| m.0).collect::<Vec<_>>();
        assert_eq!(lines(&rest), lines(dump));
    }

    #[test]
    fn a_copy_block_goes_on_in_the_next_chunk() {
        let dump = "COPY t (ssn) FROM stdin;\n536228741\n536228742\n\\.\n";
        let mut text = dump.as_bytes().to_vec();
        let mut st = State::default();
        let cut = dump.find("536228742").unwrap();
        let a = take_tables(&mut text, 0, cut, &mut st);
        let b = take_tables(&mut text, cut, dump.len(), &mut st);
        assert_eq!(a[0].text, "ssn\n536228741\n");
        assert_eq!(
            (b[0].text.as_str(), &b[0].rows[..]),
            ("ssn\n536228742\n", &[0, 2][..])
        );
        assert!(!sniff(b"SELECT * FROM patients WHERE id = 1", Some("txt")));
    }
}
