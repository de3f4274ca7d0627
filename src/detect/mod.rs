//! Detection: text in, findings out. Pure functions, no I/O, no threads.
//!
//! Two stages, as in Nosey Parker:
//! 1. **Candidates.** Each rule's gate (see `gate`) says where it can match at all: near its
//!    keywords, at its labels, inside runs of its alphabet around a digit or `@` that hold
//!    enough digits and capitals for it, or (any other rule) in windows around digits. Two
//!    vectorized passes find keywords, labels and tokens; automata run only there. A regex
//!    alternation (what grep-style tools run) runs its automaton over every byte.
//! 2. **Confirmation.** Each candidate's rule extracts the value, its validator checks it
//!    (check digits, issuing rules, calendar), and context scoring sets the confidence: the
//!    label nearest the value (a keyword, or the column header in a table) decides whether the
//!    context is positive or negative. When a rule rejects a candidate or only finds it weak,
//!    the other rules that match at the same place get their turn (a 10-digit number failing
//!    the NPI check can still be a phone number).
//!
//! Structured formats (HL7, X12, FHIR) and table columns add findings found by field, which
//! take precedence over overlapping text findings.

pub mod anchored;
pub mod dates;
pub mod gate;
pub mod lines;
pub mod rules;
pub mod structured;
pub mod teddy;
pub mod tokens;
pub mod validate;

use regex_automata::{meta, Anchored, Input};
use rules::{header_matches, norm_header, Level, RuleSet, Scope};
use serde::{Deserialize, Serialize};
use validate::Verdict;

/// What kind of sensitive value a finding is (INVENTORY.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Ssn,
    Mrn,
    Dob,
    InsuranceId,
    Npi,
    Dea,
    CreditCard,
    Itin,
    Phone,
    Email,
}

impl Kind {
    /// Every kind, in declaration order (`kind as usize` is its place).
    pub const ALL: [Kind; 10] = [
        Kind::Ssn,
        Kind::Mrn,
        Kind::Dob,
        Kind::InsuranceId,
        Kind::Npi,
        Kind::Dea,
        Kind::CreditCard,
        Kind::Itin,
        Kind::Phone,
        Kind::Email,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Ssn => "ssn",
            Kind::Mrn => "mrn",
            Kind::Dob => "dob",
            Kind::InsuranceId => "insurance_id",
            Kind::Npi => "npi",
            Kind::Dea => "dea",
            Kind::CreditCard => "credit_card",
            Kind::Itin => "itin",
            Kind::Phone => "phone",
            Kind::Email => "email",
        }
    }

    /// The kinds that make a file "contain PHI" (DETECTION.md).
    pub fn is_core(self) -> bool {
        matches!(self, Kind::Ssn | Kind::Mrn | Kind::Dob | Kind::InsuranceId)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    Low,
    Medium,
    High,
}

impl Confidence {
    /// Every level, in order (`level as usize` is its place).
    pub const ALL: [Confidence; 3] = [Confidence::Low, Confidence::Medium, Confidence::High];

    pub fn as_str(self) -> &'static str {
        match self {
            Confidence::Low => "low",
            Confidence::Medium => "medium",
            Confidence::High => "high",
        }
    }
}

/// One detected value in a piece of text.
#[derive(Debug, Clone)]
pub struct Finding {
    /// Index into `RuleSet::rules`.
    pub rule: usize,
    pub kind: Kind,
    pub confidence: Confidence,
    /// Normalized value (INVENTORY.md). Never written out without `--reveal`.
    pub value: String,
    /// Byte span of the value in the scanned text.
    pub start: usize,
    pub end: usize,
    /// Structured field ("PID-3") when found by a format parser.
    pub record: Option<String>,
}

/// What the text is, as far as detection cares: its table columns or structured format.
#[derive(Debug, Clone)]
pub enum TextFormat {
    Plain,
    Table(Table),
    Hl7(structured::Hl7Delims),
    X12(structured::X12Delims),
    Fhir,
    FhirXml,
    Cda,
}

impl TextFormat {
    pub fn name(&self) -> &'static str {
        match self {
            TextFormat::Plain => "text",
            TextFormat::Table(t) if t.delim == b'\t' => "tsv",
            TextFormat::Table(_) => "csv",
            TextFormat::Hl7(_) => "hl7",
            TextFormat::X12(_) => "x12",
            TextFormat::Fhir => "fhir-json",
            TextFormat::FhirXml => "fhir-xml",
            TextFormat::Cda => "cda-xml",
        }
    }

    /// Decide the format from the first bytes of the text (and the file name's extension as
    /// a hint for delimited tables).
    pub fn sniff(text: &[u8], ext: Option<&str>, rules: &RuleSet) -> TextFormat {
        if let Some(d) = structured::sniff_hl7(text) {
            return TextFormat::Hl7(d);
        }
        if let Some(d) = structured::sniff_x12(text) {
            return TextFormat::X12(d);
        }
        if structured::sniff_fhir(text) {
            return TextFormat::Fhir;
        }
        if structured::sniff_cda(text) {
            return TextFormat::Cda;
        }
        if structured::sniff_fhir_xml(text) {
            return TextFormat::FhirXml;
        }
        if let Some(t) = Table::sniff(text, ext, rules) {
            return TextFormat::Table(t);
        }
        TextFormat::Plain
    }

    /// The byte that ends a record, so that chunk boundaries can be put between records.
    pub fn record_end(&self) -> u8 {
        match self {
            TextFormat::X12(d) => d.segment,
            _ => b'\n',
        }
    }
}

/// A delimited table (CSV, TSV, pipe- or semicolon-separated) with a header row.
#[derive(Debug, Clone)]
pub struct Table {
    pub delim: u8,
    pub headers: Vec<String>,
    /// Per column, per rule: +1 the header names this rule's kind, -1 it names another thing
    /// (Phone, Order #), 0 neither.
    pub col_class: Vec<Vec<i8>>,
    /// Per column: the column rule that applies to its cells, if any.
    pub col_rule: Vec<Option<usize>>,
    /// Double quotes group cells (CSV). Sheets rendered as TSV have no quoting: a `"` in a
    /// cell (`5" 4`) is just a character there.
    pub quotes: bool,
}

/// Split one line into cell spans, honouring double quotes.
pub fn split_cells(line: &[u8], delim: u8) -> Vec<(usize, usize)> {
    let mut cells = Vec::new();
    split_cells_into(line, delim, true, &mut cells, usize::MAX);
    cells
}

/// `split_cells` into a reused vector (cleared first); `quotes`: whether double quotes group.
/// Only the first `max` cells are wanted: the rest of the line is not looked at.
fn split_cells_into(
    line: &[u8],
    delim: u8,
    quotes: bool,
    cells: &mut Vec<(usize, usize)>,
    max: usize,
) {
    cells.clear();
    let mut start = 0;
    let mut in_q = false;
    // 64 bytes at a time: where the delimiters and quotes are, as bits (a row's cells are a
    // few bytes each: a search call per cell cost more than the searching).
    for (base, block) in (0..).step_by(64).zip(line.chunks(64)) {
        let (dm, qm) = two_byte_masks(block, delim, b'"');
        let qm = if quotes { qm } else { 0 };
        let mut m = dm | qm;
        while m != 0 {
            let k = m.trailing_zeros();
            m &= m - 1;
            if qm >> k & 1 == 1 {
                in_q = !in_q;
            } else if !in_q {
                let i = base + k as usize;
                cells.push((start, i));
                if cells.len() >= max {
                    return;
                }
                start = i + 1;
            }
        }
    }
    let mut end = line.len();
    if end > start && line[end - 1] == b'\r' {
        end -= 1;
    }
    cells.push((start, end));
}

/// Bit j set where `block[j]` is `a`, and where it is `b` (a block of at most 64 bytes).
fn two_byte_masks(block: &[u8], a: u8, b: u8) -> (u64, u64) {
    debug_assert!(block.len() <= 64);
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::*;
        // A short block (a line's last bytes) is compared in a copy, its bits past the end
        // cleared.
        let mut copy = [0u8; 64];
        let (p, keep) = if block.len() == 64 {
            (block.as_ptr(), u64::MAX)
        } else {
            copy[..block.len()].copy_from_slice(block);
            (copy.as_ptr(), (1u64 << block.len()) - 1)
        };
        // SAFETY: SSE2 is part of x86_64; the four loads are within the 64 bytes at `p`.
        unsafe {
            let (va, vb) = (_mm_set1_epi8(a as i8), _mm_set1_epi8(b as i8));
            let (mut ma, mut mb) = (0u64, 0u64);
            for q in 0..4 {
                let v = _mm_loadu_si128(p.add(16 * q) as *const __m128i);
                ma |= (_mm_movemask_epi8(_mm_cmpeq_epi8(v, va)) as u16 as u64) << (16 * q);
                mb |= (_mm_movemask_epi8(_mm_cmpeq_epi8(v, vb)) as u16 as u64) << (16 * q);
            }
            (ma & keep, mb & keep)
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        let (mut ma, mut mb) = (0u64, 0u64);
        for (j, &c) in block.iter().enumerate() {
            ma |= u64::from(c == a) << j;
            mb |= u64::from(c == b) << j;
        }
        (ma, mb)
    }
}

fn unquote(cell: &[u8]) -> &[u8] {
    let mut c = cell.trim_ascii();
    if c.len() >= 2 && c[0] == b'"' && c[c.len() - 1] == b'"' {
        c = &c[1..c.len() - 1];
    }
    c.trim_ascii()
}

/// Lines a report may print above its header row (a title, "Generated: ... by ...", a blank
/// row of delimiters): the header is looked for among this many non-blank lines.
const PREAMBLE_LINES: usize = 20;
/// ... and within this many bytes of the file's start.
const PREAMBLE_BYTES: usize = 4096;

/// The cells of a line, unquoted, as header names.
fn header_cells(line: &[u8], delim: u8) -> Vec<String> {
    split_cells(line, delim)
        .into_iter()
        .map(|(a, b)| String::from_utf8_lossy(unquote(&line[a..b])).into_owned())
        .collect()
}

/// A line of column names: two or more non-empty cells, each a label: short (at most 64
/// bytes: not a clause of prose between semicolons), starting with a letter (or `_` or `#`:
/// not a number, a date, or a quoted or bracketed value as in a SQL dump's rows), with no
/// colon and no run of three digits (not "Patient: Roe, MRN 88961471, DOB ..."). Its number
/// of cells (empty ones too), or None.
fn label_cells(line: &[u8], delim: u8) -> Option<usize> {
    // Most lines of prose fail on their first cell (no delimiter in its first 67 bytes, the
    // most a quoted label takes, or no label before it): looked at before the line is split.
    let first_end = memchr::memchr(delim, &line[..line.len().min(67)])?;
    let label = |cell: &[u8]| {
        let c = cell[0];
        cell.len() <= 64
            && (c.is_ascii_alphabetic() || c >= 0x80 || c == b'_' || c == b'#')
            && !cell.contains(&b':')
            && !cell.windows(3).any(|w| w.iter().all(u8::is_ascii_digit))
    };
    let first = line[..first_end].trim_ascii();
    if !first.is_empty() && first[0] != b'"' && !label(first) {
        return None;
    }
    let cells = split_cells(line, delim);
    let mut named = 0;
    for &(a, b) in &cells {
        let cell = unquote(&line[a..b]);
        if cell.is_empty() {
            continue;
        }
        if !label(cell) {
            return None;
        }
        named += 1;
    }
    (named >= 2).then_some(cells.len())
}

/// The lines of `head` that are not blank (a `\n` ends a line), found with `memchr`.
fn nonblank_lines(head: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut at = 0;
    std::iter::from_fn(move || {
        while at < head.len() {
            let end = memchr::memchr(b'\n', &head[at..]).map_or(head.len(), |i| at + i);
            let line = &head[at..end];
            at = end + 1;
            if !line.trim_ascii().is_empty() {
                return Some(line);
            }
        }
        None
    })
}

/// Header lines kept per thread by [`Table::classes`].
const KEPT_HEADERS: usize = 256;

/// Header lines wider than this (columns, or bytes of header text) are classified each time,
/// not kept: with the built-in rules a kept line then takes at most ~40 KB, the cache ~10 MB.
const KEPT_HEADER_COLUMNS: usize = 256;
const KEPT_HEADER_BYTES: usize = 8 << 10;

/// [`Table::classes`]'s cache: the hash of the rule set it is for, and by delimiter and
/// header line, the classes.
type HeaderClassCache = (
    String,
    std::collections::HashMap<(u8, Vec<String>), ColClasses>,
);

thread_local! {
    static HEADER_CLASSES: std::cell::RefCell<HeaderClassCache> = Default::default();
}

impl Table {
    fn sniff(text: &[u8], ext: Option<&str>, rules: &RuleSet) -> Option<Table> {
        let head = &text[..text.len().min(64 * 1024)];
        let mut lines = nonblank_lines(head);
        let first = lines.next()?;
        let second = lines.next();
        let ext = ext.map(str::to_ascii_lowercase);
        let hinted = match ext.as_deref() {
            Some("csv") => Some(b','),
            Some("tsv") | Some("tab") => Some(b'\t'),
            Some("psv") => Some(b'|'),
            _ => None,
        };
        // JSON Lines (an export or a log of one object per line) has commas in every line,
        // often as many: read as a table, its first object's fields would be the columns'
        // names, and a bare SSN in row 20 under `"pt_ssn":` would be judged by row 1's field.
        if hinted.is_none() && matches!(first.trim_ascii_start().first(), Some(b'{' | b'[')) {
            return None;
        }
        let candidates: &[u8] = b",\t|;";
        let count = |l: &[u8], d: u8| split_cells(l, d).len();
        let min = |d: u8| {
            if d == b'\t' || hinted == Some(d) {
                2
            } else {
                3
            }
        };
        let delim = hinted.filter(|&d| count(first, d) >= 2).or_else(|| {
            candidates.iter().copied().find(|&d| {
                let n = count(first, d);
                n >= min(d) && second.is_some_and(|s| count(s, d) == n)
            })
        });
        // The first line is the header, unless it names fewer than two columns (or is no
        // table row at all): a report's title. Then a later line is the header when it names
        // columns, the line after it has as many cells, and it names a kind (a report's
        // header does; a line of prose that happens to have commas seldom names an SSN).
        if let Some(d) = delim.filter(|&d| label_cells(first, d).is_some()) {
            return Some(Table::new(d, header_cells(first, d), rules));
        }
        // Reports are exported as .csv/.tsv/.psv or as text (.txt, .rpt, .prn, .lst, .dat, or
        // no extension); a Markdown note or a log is not searched for a titled table.
        let report = hinted.is_some()
            || matches!(
                ext.as_deref(),
                None | Some("txt" | "rpt" | "prn" | "lst" | "dat" | "out" | "exp")
            );
        let mut above = second.filter(|_| report);
        for below in lines.take(PREAMBLE_LINES - 1) {
            let Some(line) = above.replace(below) else {
                break;
            };
            // A report's header is near its top: lines starting past the first 4 KiB (a
            // letter's paragraphs) are not looked at.
            if line.as_ptr() as usize - head.as_ptr() as usize >= PREAMBLE_BYTES {
                break;
            }
            // Which delimiters occur where a first label would end (one branchless pass);
            // prose without any, or with a colon anywhere (some cell would hold it: no
            // label), is skipped for every delimiter.
            let lead = &line[..line.len().min(67)];
            let seen = lead.iter().fold(0u8, |m, &b| {
                m | u8::from(b == b',')
                    | u8::from(b == b'\t') << 1
                    | u8::from(b == b'|') << 2
                    | u8::from(b == b';') << 3
            });
            if seen == 0 || memchr::memchr(b':', line).is_some() {
                continue;
            }
            for d in hinted.into_iter().chain(candidates.iter().copied()) {
                let bit = match d {
                    b',' => 1,
                    b'\t' => 2,
                    b'|' => 4,
                    _ => 8,
                };
                if seen & bit == 0 {
                    continue;
                }
                let Some(n) = label_cells(line, d) else {
                    continue;
                };
                if n < min(d) || count(below, d) != n {
                    continue;
                }
                let t = Table::new(d, header_cells(line, d), rules);
                if t.col_class.iter().any(|c| c.contains(&1)) {
                    return Some(t);
                }
            }
        }
        delim.map(|d| Table::new(d, header_cells(first, d), rules))
    }

    pub fn new(delim: u8, headers: Vec<String>, rules: &RuleSet) -> Table {
        let (headers, (col_class, col_rule)) = Self::classes(delim, headers, rules);
        Table {
            delim,
            headers,
            col_class,
            col_rule,
            quotes: true,
        }
    }

    /// [`Self::classify`], remembered: exports of one system share their header line, and a
    /// tree of them has it classified once per thread (keyed by the rule set's hash; see
    /// [`KEPT_HEADERS`] and [`KEPT_HEADER_COLUMNS`] for the bounds). The headers are handed
    /// back.
    fn classes(delim: u8, headers: Vec<String>, rules: &RuleSet) -> (Vec<String>, ColClasses) {
        if headers.len() > KEPT_HEADER_COLUMNS
            || headers.iter().map(String::len).sum::<usize>() > KEPT_HEADER_BYTES
        {
            let c = Self::classify(&headers, rules);
            return (headers, c);
        }
        HEADER_CLASSES.with_borrow_mut(|(hash, map)| {
            if *hash != rules.hash {
                hash.clone_from(&rules.hash);
                map.clear();
            }
            let key = (delim, headers);
            if let Some(c) = map.get(&key) {
                let c = c.clone();
                return (key.1, c);
            }
            let c = Self::classify(&key.1, rules);
            if map.len() >= KEPT_HEADERS {
                map.clear();
            }
            map.insert((delim, key.1.clone()), c.clone());
            (key.1, c)
        })
    }

    /// Per header: its class for each rule, and its column rule (see the fields).
    fn classify(headers: &[String], rules: &RuleSet) -> ColClasses {
        let mut col_class = Vec::new();
        let mut col_rule = Vec::new();
        // Which header words occur in a header at all (spaces removed), in one pass; only
        // those are checked as words.
        let mut present = vec![false; rules.header_word_count];
        let mut squeezed = Vec::new();
        for h in headers {
            let nh = norm_header(h);
            squeezed.clear();
            squeezed.extend(nh.bytes().filter(|&b| b != b' '));
            present.fill(false);
            let mut any = false;
            for m in rules.header_words.find_overlapping_iter(&squeezed) {
                present[m.pattern().as_usize()] = true;
                any = true;
            }
            let hit = |words: &[String], ids: &[u32]| {
                words.iter().zip(ids).any(|(k, &id)| {
                    present.get(id as usize).copied().unwrap_or(false) && header_matches(&nh, k)
                })
            };
            let class: Vec<i8> = rules
                .rules
                .iter()
                .map(|r| {
                    if !any {
                        0
                    } else if hit(&r.headers, &r.header_ids) {
                        1
                    } else if hit(&r.negative_headers, &r.negative_header_ids) {
                        -1
                    } else {
                        0
                    }
                })
                .collect();
            col_rule.push(rules.column_rules.iter().copied().find(|&r| class[r] == 1));
            col_class.push(class);
        }
        (col_class, col_rule)
    }

    /// The same table without quoting (sheets rendered as TSV).
    pub fn without_quotes(mut self) -> Table {
        self.quotes = false;
        self
    }
}

/// Where a value sits, for context: a delimited table (its header row) or fixed-width text
/// tables (a header line above aligned rows).
#[derive(Clone, Copy)]
enum Layout<'a> {
    None,
    Csv(&'a Table),
    Text(&'a [TextTable]),
}

/// A fixed-width table inside running text: a header line (no digits, columns separated by
/// two or more spaces or by tabs, at least one column naming a kind) and the rows below it up
/// to a blank line. Reports printed by practice-management systems look like this.
#[derive(Debug, Clone)]
pub struct TextTable {
    rows_start: usize,
    rows_end: usize,
    tabs: bool,
    /// Column start positions (in characters from the line start, or tab-cell indexes).
    cols: Vec<usize>,
    /// Per column: the class for each rule (see `Table::col_class`) and the column rule;
    /// shared with the header cache.
    classes: std::sync::Arc<ColClasses>,
}

/// Per column: the class for each rule and the column rule (see `Table`).
type ColClasses = (Vec<Vec<i8>>, Vec<Option<usize>>);

/// Cells of a fixed-width line: (start, end) byte offsets within the line and the character
/// column where each starts. Cells are separated by 2+ spaces (or by tabs in tab mode).
fn text_cells(line: &[u8], tabs: bool) -> Vec<(usize, usize, usize)> {
    let mut cells = Vec::new();
    let (mut i, mut col, n) = (0, 0, line.len());
    let is_char = |b: u8| usize::from((b & 0xC0) != 0x80);
    while i < n {
        while i < n && matches!(line[i], b' ' | b'\t' | b'\r') {
            col += 1;
            i += 1;
        }
        if i >= n {
            break;
        }
        let (start, start_col) = (i, col);
        while i < n {
            let sep = line[i] == b'\t'
                || line[i] == b'\r'
                || (!tabs && line[i] == b' ' && i + 1 < n && line[i + 1] == b' ');
            if sep {
                break;
            }
            col += is_char(line[i]);
            i += 1;
        }
        let mut end = i;
        while end > start && line[end - 1] == b' ' {
            end -= 1;
        }
        cells.push((start, end, start_col));
    }
    cells
}

impl TextTable {
    /// The header column of a cell starting at character column `c` (tab mode: cell index).
    fn column(&self, c: usize) -> Option<usize> {
        if self.tabs {
            return (c < self.cols.len()).then_some(c);
        }
        // Values start under their header, or (right-aligned numbers) a little to its left.
        self.cols.iter().rposition(|&start| start <= c + 2)
    }

    /// Find the text tables whose rows are in `[from, to)`.
    fn find(
        rules: &RuleSet,
        text: &[u8],
        from: usize,
        to: usize,
        out: &mut Vec<TextTable>,
        cache: &mut HeaderCache,
    ) {
        out.clear();
        let mut ls = if from == 0 { 0 } else { line_start(text, from) };
        let mut open: Option<TextTable> = None;
        let end = to.min(text.len());
        while ls < end {
            if open.is_none() {
                // While no table is open, a line with neither a tab nor two spaces cannot
                // start one: prose is skipped to the next such line, not looked at line by
                // line.
                let Some(p) = lines::next_tab_or_double_space(text, ls) else {
                    break;
                };
                ls = line_start(text, p).max(ls);
                if ls >= end {
                    break;
                }
            }
            let le = memchr::memchr(b'\n', &text[ls..]).map_or(text.len(), |i| ls + i);
            let line = &text[ls..le];
            if line.iter().all(u8::is_ascii_whitespace) {
                if let Some(mut t) = open.take() {
                    t.rows_end = ls;
                    out.push(t);
                }
            } else if let Some(tabs) = (line.len() < 400 && next_trigger(line, 0).is_none())
                .then(|| lines::next_double_space(line).is_none())
                .filter(|&tabs| !tabs || memchr::memchr(b'\t', line).is_some())
            {
                // `tabs`: no two spaces, so the cells are tab-separated.
                let cells = text_cells(line, tabs);
                // Key-value form lines ("Last name: Adams    First: Imani") are not headers.
                let form_line = cells
                    .iter()
                    .any(|&(a, b, _)| memchr::memchr(b':', &line[a..b]).is_some());
                // Header cells are short labels, and some name a kind: prose with two spaces
                // after a full stop is not a header.
                let short = cells.iter().all(|&(a, b, _)| b - a <= 40);
                let has_keyword = short && !form_line && rules.keywords.find(line).is_some();
                if cells.len() >= 2 && has_keyword {
                    // Reports repeat their header line on every page: classify each distinct
                    // header once.
                    if cache.len() > 1024 {
                        cache.clear();
                    }
                    if !cache.contains_key(line) {
                        let headers: Vec<String> = cells
                            .iter()
                            .map(|&(a, b, _)| String::from_utf8_lossy(&line[a..b]).into_owned())
                            .collect();
                        // Not through `Table::new`: this cache already keeps each header line
                        // per thread, `Table::classes`'s would keep it twice.
                        let (col_class, col_rule) = Table::classify(&headers, rules);
                        // A header names at least one kind (negative columns alone do not).
                        let classified = col_class
                            .iter()
                            .any(|c| c.contains(&1))
                            .then(|| std::sync::Arc::new((col_class, col_rule)));
                        cache.insert(line.to_vec(), classified);
                    }
                    if let Some(classes) = cache.get(line).cloned().flatten() {
                        if let Some(mut prev) = open.take() {
                            prev.rows_end = ls;
                            out.push(prev);
                        }
                        open = Some(TextTable {
                            rows_start: (le + 1).min(text.len()),
                            rows_end: text.len(),
                            tabs,
                            cols: cells
                                .iter()
                                .enumerate()
                                .map(|(i, c)| if tabs { i } else { c.2 })
                                .collect(),
                            classes,
                        });
                    }
                }
            }
            ls = le + 1;
        }
        out.extend(open);
    }
}

/// Per-thread scratch space: regex caches for the combined automaton and every rule.
/// Classified header lines of text tables: (column classes, column rules), or None when the
/// line names no kind.
type HeaderCache = std::collections::HashMap<Vec<u8>, Option<std::sync::Arc<ColClasses>>>;

/// Regex caches of one rule group.
struct GroupCache {
    combined: meta::Cache,
    combined_all: meta::Cache,
    matching: regex_automata::PatternSet,
}

impl GroupCache {
    fn new(g: &Option<rules::Group>) -> Option<GroupCache> {
        g.as_ref().map(|g| GroupCache {
            combined: g.combined.create_cache(),
            combined_all: g.combined_all.create_cache(),
            matching: regex_automata::PatternSet::new(g.combined_all.pattern_len()),
        })
    }
}

/// A place where a rule matches: evaluated (captures, validator, context) only if no finding
/// before it covers it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Cand {
    start: usize,
    rank: u32,
    /// Where the rule's match ends, less `start`, when the gate knows it (an anchored DFA
    /// walk that saw one match end); 0: not known.
    len: u32,
    rule: usize,
}

pub struct Scratch {
    headers: HeaderCache,
    keyword_group: Option<GroupCache>,
    digit_group: Option<GroupCache>,
    at_group: Option<GroupCache>,
    window_group: Option<GroupCache>,
    cands: Vec<Cand>,
    /// For merging the candidates' runs (`sort_runs`).
    cands_tmp: Vec<Cand>,
    hits: Vec<teddy::Hit>,
    /// Stretches to search for keyword-gated rules: (from, to).
    regions: Vec<(usize, usize)>,
    per_rule: Vec<Option<RuleCache>>,
    /// Try every text rule at every position instead of using the gates (the reference the
    /// tests compare the gates with; far too slow for real use).
    pub every_place: bool,
    fields: Vec<structured::Field>,
    text_tables: Vec<TextTable>,
    today: dates::Ymd,
    col: ColCursor,
}

/// Where the last column lookup of a candidate ended, and the columns counted up to there
/// (delimited cells, tab cells, characters since the line start): the next candidate on the
/// same line counts on from there, so one long line costs linear, not quadratic, time. A
/// cursor serves one layout (it is reset for each chunk): a delimited table's seeks count
/// only cells, and leave tabs and characters behind.
#[derive(Clone, Copy)]
struct ColCursor {
    pos: usize,
    cells: usize,
    in_q: bool,
    tabs: usize,
    chars: usize,
}

impl ColCursor {
    const UNSET: ColCursor = ColCursor {
        pos: usize::MAX,
        cells: 0,
        in_q: false,
        tabs: 0,
        chars: 0,
    };

    /// Move to `s` (counting `delim`-separated cells, grouped by double quotes if `quotes`).
    /// `cells_only`: only `cells` is wanted (a delimited table), not tabs and characters.
    fn seek(
        &mut self,
        text: &[u8],
        s: usize,
        delim: u8,
        quotes: bool,
        cells_only: bool,
    ) -> ColCursor {
        if self.pos > s {
            *self = ColCursor {
                pos: line_start(text, s),
                ..ColCursor::UNSET
            };
        }
        let mut from = self.pos;
        let span = &text[from..s];
        if let Some(nl) = memchr::memrchr(b'\n', span) {
            // Only the last line counts.
            *self = ColCursor {
                pos: from + nl + 1,
                ..ColCursor::UNSET
            };
            from += nl + 1;
        }
        let span = &text[from..s];
        if !self.in_q && memchr::memchr(b'"', span).is_none() {
            // No quotes: plain counts (vectorized), the common case.
            self.cells += span.iter().filter(|&&b| b == delim).count();
            if !cells_only {
                self.tabs += span.iter().filter(|&&b| b == b'\t').count();
                self.chars += span.iter().filter(|&&b| (b & 0xC0) != 0x80).count();
            }
            self.pos = s;
            return *self;
        }
        if cells_only {
            // Quotes on the line (a quoted name in every row of a patient list): only
            // quotes and delimiters matter (the span holds no newline). 64 bytes at a time:
            // bit j of the prefix XOR of the quote bits is the parity of the quotes up to j,
            // so the delimiters inside quotes are known without a walk (as simdjson does).
            for block in span.chunks(64) {
                let (dm, qm) = two_byte_masks(block, delim, b'"');
                let qm = if quotes { qm } else { 0 };
                let mut inside = qm;
                for k in [1, 2, 4, 8, 16, 32] {
                    inside ^= inside << k;
                }
                if self.in_q {
                    inside = !inside;
                }
                self.cells += (dm & !qm & !inside).count_ones() as usize;
                self.in_q ^= qm.count_ones() % 2 == 1;
            }
            self.pos = s;
            return *self;
        }
        for &b in span {
            match b {
                b'\n' => {
                    *self = ColCursor {
                        pos: self.pos,
                        ..ColCursor::UNSET
                    };
                    continue;
                }
                b'"' if quotes => self.in_q = !self.in_q,
                _ if b == delim && !self.in_q => self.cells += 1,
                _ => {}
            }
            self.tabs += usize::from(b == b'\t');
            self.chars += usize::from((b & 0xC0) != 0x80);
        }
        self.pos = s;
        *self
    }
}

impl Scratch {
    pub fn new(rules: &RuleSet) -> Scratch {
        Scratch {
            headers: HeaderCache::new(),
            keyword_group: GroupCache::new(&rules.keyword_group),
            digit_group: GroupCache::new(&rules.digit_group),
            at_group: GroupCache::new(&rules.at_group),
            window_group: GroupCache::new(&rules.window_group),
            cands: Vec::new(),
            cands_tmp: Vec::new(),
            hits: Vec::new(),
            regions: Vec::new(),
            per_rule: rules.rules.iter().map(|_| None).collect(),
            fields: Vec::new(),
            text_tables: Vec::new(),
            today: dates::Ymd::today(),
            col: ColCursor::UNSET,
            every_place: false,
        }
    }
}

/// A piece of text to scan. Findings are reported when they start in `[from, to)`; the
/// bytes outside that range are context (the overlap between chunks of a large file).
pub struct Chunk<'a> {
    pub text: &'a [u8],
    pub from: usize,
    pub to: usize,
    /// True when `text[0]` is the first byte of the document (the table header row, the
    /// start of a FHIR document).
    pub at_start: bool,
    /// FHIR: the objects found by [`structured::fhir_objects`] on this text from `from`
    /// (the engine finds them to end the chunk; None: found again here).
    pub fhir: Option<&'a [structured::FhirObject]>,
}

/// Bytes of context searched before the first trigger byte of a window: long enough for the
/// longest label ("Medical Record Number: ") and an e-mail's local part.
const PAD_BEFORE: usize = 80;
/// Bytes searched after the last trigger byte (letters after digits: MBI, HICN suffixes).
const PAD_AFTER: usize = 40;

/// Whether the vectorized passes (tokens, Teddy) can run: AVX2, with the bit-count
/// instructions their per-block bit masks are taken apart with (every AVX2 CPU has them, but
/// Rust enables them only when asked; without them `count_ones` is a dozen instructions).
/// Looked up once: it is asked per chunk and per line (`lines.rs`), and four feature
/// lookups are four atomic loads.
#[cfg(target_arch = "x86_64")]
pub(crate) fn has_avx2() -> bool {
    use std::sync::atomic::{AtomicU8, Ordering};
    static HAS: AtomicU8 = AtomicU8::new(0);
    match HAS.load(Ordering::Relaxed) {
        1 => false,
        2 => true,
        _ => {
            let has = std::is_x86_feature_detected!("avx2")
                && std::is_x86_feature_detected!("popcnt")
                && std::is_x86_feature_detected!("bmi1")
                && std::is_x86_feature_detected!("lzcnt");
            HAS.store(1 + u8::from(has), Ordering::Relaxed);
            has
        }
    }
}

/// Position of the next ASCII digit or `@` at or after `i`.
#[inline]
pub fn next_trigger(h: &[u8], i: usize) -> Option<usize> {
    #[cfg(target_arch = "x86_64")]
    {
        // SAFETY: SSE2 is part of the x86_64 baseline; loads are unaligned and in bounds.
        unsafe { next_trigger_sse2(h, i) }
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        h[i.min(h.len())..]
            .iter()
            .position(|&b| b.is_ascii_digit() || b == b'@')
            .map(|p| p + i)
    }
}

#[cfg(target_arch = "x86_64")]
#[inline]
unsafe fn next_trigger_sse2(h: &[u8], mut i: usize) -> Option<usize> {
    use std::arch::x86_64::*;
    let lo = _mm_set1_epi8((b'0' - 1) as i8);
    let hi = _mm_set1_epi8((b'9' + 1) as i8);
    let at = _mm_set1_epi8(b'@' as i8);
    let p = h.as_ptr();
    let classify = |v: __m128i| {
        let d = _mm_and_si128(_mm_cmpgt_epi8(v, lo), _mm_cmplt_epi8(v, hi));
        _mm_or_si128(d, _mm_cmpeq_epi8(v, at))
    };
    while i + 32 <= h.len() {
        let a = classify(_mm_loadu_si128(p.add(i) as *const __m128i));
        let b = classify(_mm_loadu_si128(p.add(i + 16) as *const __m128i));
        let m = (_mm_movemask_epi8(a) as u32) | ((_mm_movemask_epi8(b) as u32) << 16);
        if m != 0 {
            return Some(i + m.trailing_zeros() as usize);
        }
        i += 32;
    }
    while i < h.len() {
        let b = h[i];
        if b.is_ascii_digit() || b == b'@' {
            return Some(i);
        }
        i += 1;
    }
    None
}

/// Whether the context of a candidate is positive, negative or silent for a rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ctx {
    Positive,
    Negative,
    None,
}

/// An ASCII word byte, as `\b` (Unicode off) and keyword boundaries see it.
/// A byte of a word, for keywords: a letter or a digit. Not `_`: in identifiers it joins
/// words (`date_of_birth`, `patient_ssn`), and a keyword may end or start there.
pub(crate) fn is_word(b: u8) -> bool {
    b.is_ascii_alphanumeric()
}

/// Whether two adjacent bytes are inside one word, for keywords: letters and digits are,
/// except at an identifier's joints (`patient_dob`, `patientDob`).
pub(crate) fn inside_a_word(a: u8, b: u8) -> bool {
    a.is_ascii_alphanumeric()
        && b.is_ascii_alphanumeric()
        && !(a.is_ascii_lowercase() && b.is_ascii_uppercase())
}

fn line_start(text: &[u8], pos: usize) -> usize {
    memchr::memrchr(b'\n', &text[..pos]).map_or(0, |i| i + 1)
}

/// Every place in `[from, to)` where a rule of group `g` matches inside `text[a..b]`: the
/// leftmost-first match, then (anchored there) every other rule of the group matching at the
/// same start, then on from the next byte.
fn group_matches_regex(
    g: &rules::Group,
    c: &mut GroupCache,
    chunk: &Chunk<'_>,
    a: usize,
    b: usize,
    cands: &mut Vec<Cand>,
) {
    let text = chunk.text;
    let mut at = a.max(chunk.from);
    while at < b {
        let input = Input::new(text).range(at..b);
        let Some(m) = g.combined.search_with(&mut c.combined, &input) else {
            break;
        };
        let s = m.start();
        if s >= chunk.to {
            break;
        }
        let first = g.rules[m.pattern().as_usize()];
        cands.push(Cand {
            start: s,
            rank: g.rank[first],
            len: 0,
            rule: first,
        });
        if g.rules.len() > 1 {
            c.matching.clear();
            let input = Input::new(text).range(s..b).anchored(Anchored::Yes);
            g.combined_all.which_overlapping_matches_with(
                &mut c.combined_all,
                &input,
                &mut c.matching,
            );
            for p in c.matching.iter() {
                let ri = g.rules[p.as_usize()];
                if ri != first {
                    cands.push(Cand {
                        start: s,
                        rank: g.rank[ri],
                        len: 0,
                        rule: ri,
                    });
                }
            }
        }
        at = s + 1;
    }
}

/// Every place in `[a, b)` (and in the chunk) where rules of the group match, with those
/// rules, as candidates. With an anchored DFA (the digit-token group): if one forward search
/// finds any match, the DFA is walked from each place; without (the other groups, whose
/// stretches are longer or rarer), the regex engines search.
fn group_matches(
    g: &rules::Group,
    c: &mut GroupCache,
    chunk: &Chunk<'_>,
    a: usize,
    b: usize,
    cands: &mut Vec<Cand>,
) {
    let Some(dfa) = &g.anchored else {
        return group_matches_regex(g, c, chunk, a, b, cands);
    };
    let from = a.max(chunk.from);
    // Most tokens hold no match (log timestamps, amounts): one walk of the unanchored DFA
    // says so (until that DFA is built, one regex search).
    let any = dfa.any_match(chunk.text, from, b).unwrap_or_else(|| {
        let input = Input::new(chunk.text).range(from..b);
        g.combined
            .search_half_with(&mut c.combined, &input)
            .is_some()
    });
    if !any {
        return;
    }
    walk_matches(g, dfa, c, chunk, from, chunk.to, b, cands);
}

/// Drops the text findings (`out[n_struct..]`) that overlap a structured or column finding
/// (`out[first..n_struct]`): those win.
fn drop_overlapped(out: &mut Vec<Finding>, first: usize, n_struct: usize) {
    let fixed = &out[first..n_struct];
    // Merged, sorted spans of the fixed findings (a CSV can have a finding in every
    // cell), walked alongside the text findings.
    let mut spans: Vec<(usize, usize)> = fixed.iter().map(|g| (g.start, g.end)).collect();
    if !spans.is_sorted() {
        spans.sort_unstable();
    }
    let mut merged: Vec<(usize, usize)> = Vec::with_capacity(spans.len());
    for (s, e) in spans {
        match merged.last_mut() {
            Some(last) if s <= last.1 => last.1 = last.1.max(e),
            _ => merged.push((s, e)),
        }
    }
    // With the text findings in order of their starts (as they come; sorted if not,
    // so that a change elsewhere cannot silently keep overlaps), the first merged span
    // not ending by a finding's start only moves forward: one pass over both, where a
    // binary search per finding missed the cache on every step.
    if !out[n_struct..].is_sorted_by_key(|f| f.start) {
        out[n_struct..].sort_by_key(|f| f.start);
    }
    let mut i = 0;
    let mut overlaps = |f: &Finding| {
        while i < merged.len() && merged[i].1 <= f.start {
            i += 1;
        }
        i < merged.len() && merged[i].0 < f.end
    };
    // Compact in place: the kept text findings move down, nothing is cloned.
    let mut w = n_struct;
    for r in n_struct..out.len() {
        if !overlaps(&out[r]) {
            out.swap(w, r);
            w += 1;
        }
    }
    out.truncate(w);
}

/// The stretches of `sorted` (by start), overlapping ones joined.
fn merged_stretches(
    sorted: impl Iterator<Item = (usize, usize)>,
) -> impl Iterator<Item = (usize, usize)> {
    let mut it = sorted.peekable();
    std::iter::from_fn(move || {
        let (a, mut b) = it.next()?;
        while let Some((_, b2)) = it.next_if(|&(a2, _)| a2 <= b) {
            b = b.max(b2);
        }
        Some((a, b))
    })
}

/// Every place in `[from, to)` (and before `b`) where rules of the group have a match ending
/// by `b`, found by walks of `dfa` (the group's anchored DFA), as candidates.
#[allow(clippy::too_many_arguments)]
fn walk_matches(
    g: &rules::Group,
    dfa: &anchored::AnchoredSet,
    c: &mut GroupCache,
    chunk: &Chunk<'_>,
    from: usize,
    to: usize,
    b: usize,
    cands: &mut Vec<Cand>,
) {
    // Bit i: pattern i, so the candidates go out in rank order.
    let each = |s: usize, mut found: u64, end: Option<usize>| {
        let len = end.map_or(0, |e| u32::try_from(e - s).unwrap_or(0));
        while found != 0 {
            let ri = g.rules[found.trailing_zeros() as usize];
            found &= found - 1;
            cands.push(Cand {
                start: s,
                rank: g.rank[ri],
                len,
                rule: ri,
            });
        }
    };
    if let Err(s) = dfa.each_match(chunk.text, from, to, b, each) {
        // The DFA cannot tell here: the regex engines can.
        group_matches_regex(g, c, chunk, s, b, cands);
    }
}

/// A scratch's cache and captures for a rule's regex, made the first time it is used.
type RuleCache = (meta::Cache, regex_automata::util::captures::Captures);

/// Rule `ri`'s regex (compiled on first use) with this scratch's cache and captures for it.
#[inline]
fn regex_and_cache<'a>(
    rules: &'a RuleSet,
    per_rule: &'a mut [Option<RuleCache>],
    ri: usize,
) -> Option<(
    &'a meta::Regex,
    &'a mut meta::Cache,
    &'a mut regex_automata::util::captures::Captures,
)> {
    let re = rules.rules[ri].regex.get()?;
    let slot = &mut per_rule[ri];
    let (cache, caps) = slot.get_or_insert_with(|| (re.create_cache(), re.create_captures()));
    Some((re, cache, caps))
}

/// Candidates of a token group: the maximal runs of the group's alphabet around each trigger
/// byte (a digit, an `@`), searched only when a run holds as many digits, capitals and `@`
/// as some rule of the group needs. A match lies inside one such run, so nothing is missed.
fn token_candidates(
    g: &rules::Group,
    c: &mut GroupCache,
    chunk: &Chunk<'_>,
    at_sign: bool,
    cands: &mut Vec<Cand>,
) {
    let mut each = |t: tokens::Token| {
        if g.mins.pass(&t) {
            group_matches(g, c, chunk, t.start, t.end, cands);
        }
    };
    if at_sign {
        let at = |h: &[u8], i: usize| memchr::memchr(b'@', &h[i..]).map(|p| p + i);
        tokens::scalar(&g.alphabet, chunk.text, chunk.from, chunk.to, at, &mut each);
    } else {
        let min_len = g.mins.min_len();
        tokens::digit_tokens(
            &g.alphabet,
            chunk.text,
            chunk.from,
            chunk.to,
            min_len,
            &mut each,
        );
    }
}

/// Sort `v`, made of a few sorted runs (one per gate, typically), by merging the runs
/// through `tmp`, a buffer kept between calls; with many runs, an ordinary sort.
fn sort_runs<T: Ord + Copy>(v: &mut Vec<T>, tmp: &mut Vec<T>) {
    const MAX_RUNS: usize = 16;
    let mut ends = [0usize; MAX_RUNS];
    let mut n = 0;
    for i in 1..v.len() {
        if v[i] < v[i - 1] {
            if n == MAX_RUNS - 1 {
                v.sort_unstable();
                return;
            }
            ends[n] = i;
            n += 1;
        }
    }
    if n == 0 {
        return;
    }
    ends[n] = v.len();
    n += 1;
    // Merge neighbouring runs pairwise until one is left.
    while n > 1 {
        tmp.clear();
        let mut start = 0;
        let mut m = 0;
        let mut k = 0;
        while k < n {
            if k + 1 < n {
                tmp.extend(merge_sorted(&v[start..ends[k]], &v[ends[k]..ends[k + 1]]));
                start = ends[k + 1];
                k += 2;
            } else {
                tmp.extend_from_slice(&v[start..ends[k]]);
                start = ends[k];
                k += 1;
            }
            ends[m] = start;
            m += 1;
        }
        std::mem::swap(v, tmp);
        n = m;
    }
}

/// The items of two sorted slices, in order.
fn merge_sorted<'s, T: Ord + Copy>(a: &'s [T], b: &'s [T]) -> impl Iterator<Item = T> + 's {
    let (mut a, mut b) = (a.iter().peekable(), b.iter().peekable());
    std::iter::from_fn(move || match (a.peek(), b.peek()) {
        (Some(x), Some(y)) if x <= y => a.next().copied(),
        (_, Some(_)) => b.next().copied(),
        _ => a.next().copied(),
    })
}

/// Whether the text between a keyword and a value ends one sentence and starts another that
/// has words of its own before the value: ". " before a capital ("on file. Lab drawn"), or
/// "; " ("born in Boston; moved"). A period after a word of one to three letters is an
/// abbreviation ("Dr. Roe", "No. 5"), and one with no words after it is the label's own
/// ("DOB. 01/02/1950").
fn crosses_a_sentence(between: &[u8]) -> bool {
    let mut i = 0;
    while let Some(k) = memchr::memchr3(b'.', b';', b'?', &between[i..]) {
        let at = i + k;
        i = at + 1;
        let rest = &between[at + 1..];
        if !rest.first().is_some_and(u8::is_ascii_whitespace) {
            continue;
        }
        let next = rest.trim_ascii_start();
        if !next.iter().any(u8::is_ascii_alphabetic) {
            continue;
        }
        if between[at] == b';' {
            return true;
        }
        if !next[0].is_ascii_uppercase() {
            continue;
        }
        let word = between[..at]
            .iter()
            .rev()
            .take_while(|b| b.is_ascii_alphabetic())
            .count();
        if between[at] == b'?' || word > 3 {
            return true;
        }
    }
    false
}

/// Whether the rest of a line after a keyword leaves the keyword as the line's label: only
/// punctuation and spaces, or the word "number" / "no" / "num" / "nbr" ("Social Security
/// Number" above its value; "Medical Record No.:").
fn ends_a_label(rest: &[u8]) -> bool {
    let rest = rest.trim_ascii_start();
    let word_end = rest
        .iter()
        .position(|b| !b.is_ascii_alphanumeric())
        .unwrap_or(rest.len());
    let (word, after) = rest.split_at(word_end);
    let suffix = word.is_empty()
        || [&b"number"[..], b"no", b"num", b"nbr"]
            .iter()
            .any(|w| word.eq_ignore_ascii_case(w));
    suffix && !after.iter().any(u8::is_ascii_alphanumeric)
}

/// Candidates of the rules that fit no narrower gate: windows around digits and `@`
/// (80 bytes before the first, 40 after the last, grown while they keep coming, ended at a
/// whitespace), searched with the group's automaton.
fn window_candidates(
    g: &rules::Group,
    c: &mut GroupCache,
    chunk: &Chunk<'_>,
    cands: &mut Vec<Cand>,
) {
    let text = chunk.text;
    let mut pos = chunk.from;
    while let Some(t0) = next_trigger(text, pos) {
        let ws = t0.saturating_sub(PAD_BEFORE);
        if ws >= chunk.to {
            break;
        }
        let mut last = t0;
        let mut we = t0 + PAD_AFTER;
        while let Some(t) = next_trigger(text, (last + 1).max(we.saturating_sub(PAD_AFTER / 2))) {
            if t > we + PAD_BEFORE {
                break;
            }
            last = t;
            we = t + PAD_AFTER;
        }
        let mut we = we.min(text.len());
        let lim = (we + 64).min(text.len());
        while we < lim && !text[we].is_ascii_whitespace() {
            we += 1;
        }
        group_matches(g, c, chunk, ws, we, cands);
        pos = we.max(last + 1);
        if pos >= text.len() {
            break;
        }
    }
}

/// The detector: a rule set and the scanning logic over it.
pub struct Detector<'r> {
    pub rules: &'r RuleSet,
}

impl<'r> Detector<'r> {
    pub fn new(rules: &'r RuleSet) -> Self {
        Detector { rules }
    }

    /// Scan one chunk; findings (sorted by position) are appended to `out`.
    pub fn scan(
        &self,
        sc: &mut Scratch,
        chunk: &Chunk<'_>,
        format: &TextFormat,
        out: &mut Vec<Finding>,
    ) {
        let first = out.len();
        sc.col = ColCursor::UNSET;
        // Structured and column findings first: they win over overlapping text findings.
        self.scan_structured(sc, chunk, format, out);
        let mut tables = std::mem::take(&mut sc.text_tables);
        tables.clear();
        let layout = match format {
            TextFormat::Table(t) => {
                self.scan_columns(sc, chunk, t, out);
                Layout::Csv(t)
            }
            TextFormat::Plain => {
                TextTable::find(
                    self.rules,
                    chunk.text,
                    chunk.from,
                    chunk.to,
                    &mut tables,
                    &mut sc.headers,
                );
                self.scan_text_table_columns(sc, chunk, &tables, out);
                Layout::Text(&tables)
            }
            _ => Layout::None,
        };
        let n_struct = out.len();
        self.scan_text(sc, chunk, layout, out);
        sc.text_tables = tables;
        if n_struct > first {
            drop_overlapped(out, first, n_struct);
        }
        // Usually in order already; the stable sort would allocate its scratch buffer anyway.
        if !out[first..].is_sorted_by_key(|f| (f.start, f.end)) {
            out[first..].sort_by_key(|f| (f.start, f.end));
        }
    }

    fn scan_structured(
        &self,
        sc: &mut Scratch,
        chunk: &Chunk<'_>,
        format: &TextFormat,
        out: &mut Vec<Finding>,
    ) {
        sc.fields.clear();
        let (text, from, to) = (chunk.text, chunk.from, chunk.to);
        match format {
            TextFormat::Hl7(d) => {
                let s = if from == 0 { 0 } else { line_start(text, from) };
                structured::hl7_fields(text, *d, s, to, &mut sc.fields);
            }
            TextFormat::X12(d) => {
                let s = if from == 0 {
                    0
                } else {
                    memchr::memrchr(d.segment, &text[..from]).map_or(0, |i| i + 1)
                };
                structured::x12_fields(text, *d, s, to, &mut sc.fields);
            }
            TextFormat::Fhir => match chunk.fhir {
                Some(objects) => {
                    structured::fhir_fields_of(text, objects, from, to, &mut sc.fields)
                }
                None => structured::fhir_fields(text, from, to, &mut sc.fields),
            },
            TextFormat::Cda => structured::cda_fields(text, from, to, &mut sc.fields),
            TextFormat::FhirXml => structured::fhir_xml_fields(text, from, to, &mut sc.fields),
            _ => return,
        }
        let fields = std::mem::take(&mut sc.fields);
        for f in &fields {
            if f.start < from || f.start >= to {
                continue;
            }
            let Some(ri) = self.rules.by_id(f.rule) else {
                continue;
            };
            let rule = &self.rules.rules[ri];
            let raw = &text[f.start..f.end];
            let verdict = match &rule.spec.validator {
                Some(v) => validate::validate(v, raw, sc.today),
                None => Verdict::Valid(validate::alnum_upper(&String::from_utf8_lossy(raw))),
            };
            let (value, level) = match verdict {
                Verdict::Valid(v) => (v, rule.spec.confidence.base),
                Verdict::Weak(v) => (v, Level::Low),
                Verdict::Invalid => continue,
            };
            if let Some(c) = level.confidence() {
                out.push(Finding {
                    rule: ri,
                    kind: rule.spec.kind,
                    confidence: c,
                    value,
                    start: f.start,
                    end: f.end,
                    record: Some(f.record.clone()),
                });
            }
        }
        sc.fields = fields;
    }

    /// Cells of columns whose header names a column rule's kind (MRN, Member ID ...).
    fn scan_columns(&self, sc: &mut Scratch, chunk: &Chunk<'_>, t: &Table, out: &mut Vec<Finding>) {
        if t.col_rule.iter().all(Option::is_none) {
            return;
        }
        let text = chunk.text;
        let mut ls = if chunk.from == 0 {
            0
        } else {
            line_start(text, chunk.from)
        };
        let mut first_line = chunk.at_start && ls == 0;
        let mut cells = Vec::new();
        let max = t
            .col_rule
            .iter()
            .rposition(Option::is_some)
            .map_or(0, |c| c + 1);
        while ls < text.len() && ls < chunk.to {
            let le = memchr::memchr(b'\n', &text[ls..]).map_or(text.len(), |i| ls + i);
            if first_line {
                first_line = false; // the header row
            } else {
                let line = &text[ls..le];
                split_cells_into(line, t.delim, t.quotes, &mut cells, max);
                for (col, &(a, b)) in cells.iter().enumerate() {
                    let Some(Some(ri)) = t.col_rule.get(col) else {
                        continue;
                    };
                    let (cs, ce) = trim_cell(line, a, b);
                    // Findings start in [from, to): the rest of the line is the next chunk's.
                    if cs >= ce || ls + cs < chunk.from || ls + cs >= chunk.to {
                        continue;
                    }
                    if let Some((f, _)) = self.eval_at(
                        sc,
                        *ri,
                        text,
                        ls + cs,
                        None,
                        Some(ls + ce),
                        Layout::Csv(t),
                        true,
                    ) {
                        out.push(f);
                    }
                }
            }
            ls = le + 1;
        }
    }

    /// Cells of fixed-width text tables under a header naming a column rule's kind.
    fn scan_text_table_columns(
        &self,
        sc: &mut Scratch,
        chunk: &Chunk<'_>,
        tables: &[TextTable],
        out: &mut Vec<Finding>,
    ) {
        let text = chunk.text;
        for t in tables
            .iter()
            .filter(|t| t.classes.1.iter().any(Option::is_some))
        {
            let mut ls = t.rows_start;
            while ls < t.rows_end && ls < chunk.to {
                let le = memchr::memchr(b'\n', &text[ls..])
                    .map_or(text.len(), |i| ls + i)
                    .min(t.rows_end);
                for (i, (a, b, col)) in text_cells(&text[ls..le], t.tabs).into_iter().enumerate() {
                    let c = if t.tabs { i } else { col };
                    let Some(ci) = t.column(c) else { continue };
                    let Some(ri) = t.classes.1[ci] else { continue };
                    if ls + a < chunk.from || ls + a >= chunk.to {
                        continue;
                    }
                    if let Some((f, _)) =
                        self.eval_at(sc, ri, text, ls + a, None, Some(ls + b), Layout::None, true)
                    {
                        out.push(f);
                    }
                }
                ls = le + 1;
            }
        }
    }

    /// Running text: every gate proposes candidates (see gate.rs), then they are evaluated
    /// from left to right. At each position the rules matching there are tried in priority
    /// order (all of them unless the first gives a high-confidence finding) and the best
    /// finding wins; a finding consumes its whole match (label included), so nothing starting
    /// inside it is reported.
    fn scan_text(
        &self,
        sc: &mut Scratch,
        chunk: &Chunk<'_>,
        table: Layout<'_>,
        out: &mut Vec<Finding>,
    ) {
        let mut cands = std::mem::take(&mut sc.cands);
        cands.clear();
        if sc.every_place {
            self.every_candidate(sc, chunk, &mut cands);
        } else {
            self.literal_candidates(sc, chunk, table, &mut cands);
            if let (Some(g), Some(c)) = (&self.rules.digit_group, sc.digit_group.as_mut()) {
                token_candidates(g, c, chunk, false, &mut cands);
            }
            if let (Some(g), Some(c)) = (&self.rules.at_group, sc.at_group.as_mut()) {
                token_candidates(g, c, chunk, true, &mut cands);
            }
            if let (Some(g), Some(c)) = (&self.rules.window_group, sc.window_group.as_mut()) {
                window_candidates(g, c, chunk, &mut cands);
            }
        }
        // Each gate proposes its candidates in order: a few sorted runs, merged.
        sort_runs(&mut cands, &mut sc.cands_tmp);
        // One place and rule proposed by two gates is tried once, with its match end if
        // either gate knew it.
        cands.dedup_by(|later, kept| {
            let same = (later.start, later.rank, later.rule) == (kept.start, kept.rank, kept.rule);
            if same && kept.len == 0 {
                kept.len = later.len;
            }
            same
        });
        let text = chunk.text;
        let mut at = chunk.from;
        let mut i = 0;
        while i < cands.len() {
            let s = cands[i].start;
            let j = i + cands[i..].iter().take_while(|c| c.start == s).count();
            if s < at || s >= chunk.to {
                i = j;
                continue;
            }
            let mut best: Option<(Finding, usize)> = None;
            for c in &cands[i..j] {
                if best
                    .as_ref()
                    .is_some_and(|(f, _)| f.confidence == Confidence::High)
                {
                    break;
                }
                let end = (c.len > 0).then(|| s + c.len as usize);
                if let Some(f) = self.eval_at(sc, c.rule, text, s, end, None, table, false) {
                    if best
                        .as_ref()
                        .is_none_or(|(b, _)| f.0.confidence > b.confidence)
                    {
                        best = Some(f);
                    }
                }
            }
            if let Some((f, match_end)) = best {
                at = f.end.max(match_end).max(s + 1);
                out.push(f);
            }
            i = j;
        }
        sc.cands = cands;
    }

    /// The reference the gates are held to (tests): every text rule tried, anchored, at every
    /// position of the chunk.
    fn every_candidate(&self, sc: &mut Scratch, chunk: &Chunk<'_>, cands: &mut Vec<Cand>) {
        for s in chunk.from..chunk.to.min(chunk.text.len()) {
            for &ri in &self.rules.text_rules {
                let Some((re, cache, _)) = regex_and_cache(self.rules, &mut sc.per_rule, ri) else {
                    continue;
                };
                let input = Input::new(chunk.text).range(s..).anchored(Anchored::Yes);
                if re.search_with(cache, &input).is_some() {
                    cands.push(Cand {
                        start: s,
                        rank: self.rules.rank[ri],
                        len: 0,
                        rule: ri,
                    });
                }
            }
        }
    }

    /// Candidates of the keyword- and label-gated rules: one pass of the literal gate over
    /// the chunk, then each labelled rule anchored at its labels and each keyword-gated rule
    /// in the stretches around its keywords (and in table columns whose header names it).
    fn literal_candidates(
        &self,
        sc: &mut Scratch,
        chunk: &Chunk<'_>,
        table: Layout<'_>,
        cands: &mut Vec<Cand>,
    ) {
        let Some(lg) = &self.rules.literal_gate else {
            return;
        };
        let text = chunk.text;
        // Every value these rules report holds a digit, at or after the chunk start (a label
        // comes before its value): prose with no digit costs one vectorized pass, not two.
        if lg.needs_digit && !tokens::has_digit(&text[chunk.from.min(text.len())..]) {
            return;
        }
        let mut hits = std::mem::take(&mut sc.hits);
        hits.clear();
        lg.teddy.find_all(
            text,
            chunk.from.saturating_sub(lg.reach),
            (chunk.to + lg.reach).min(text.len()),
            &mut hits,
        );
        let mut regions = std::mem::take(&mut sc.regions);
        regions.clear();
        for h in &hits {
            let follow = &lg.follow[h.literal as usize];
            for (&(ri, keyword), follow) in lg.users[h.literal as usize].iter().zip(follow) {
                if keyword {
                    let gate::Gate::Keywords { max_len } = self.rules.gates[ri] else {
                        continue;
                    };
                    // A value this keyword labels starts within the rule's window of it:
                    // at most `before` after the keyword's start, or (keyword after the
                    // value) at most `after` plus the longest match before it.
                    let w = self.rules.rules[ri].spec.window;
                    let a = h.start.saturating_sub(w.after + max_len);
                    let b = (h.start + w.before + max_len).min(text.len());
                    regions.push((a, b));
                } else if h.start >= chunk.from && h.start < chunk.to {
                    if let Some(follow) = follow {
                        let next = text[h.end.min(text.len())..]
                            .iter()
                            .find(|&&b| !gate::is_label_space(b));
                        if next.is_some_and(|&b| !follow[usize::from(b)]) {
                            continue;
                        }
                    }
                    let Some((re, cache, _)) = regex_and_cache(self.rules, &mut sc.per_rule, ri)
                    else {
                        continue;
                    };
                    let input = Input::new(text).range(h.start..).anchored(Anchored::Yes);
                    if re.search_with(cache, &input).is_some() {
                        cands.push(Cand {
                            start: h.start,
                            rank: self.rules.rank[ri],
                            len: 0,
                            rule: ri,
                        });
                    }
                }
            }
        }
        sc.hits = hits;
        let n_hits = regions.len();
        self.header_regions(chunk, table, &mut regions);
        // Overlapping stretches are searched once, with one automaton for every keyword-gated
        // rule (a stretch justified by one rule's keyword can propose another rule's
        // candidates; they are evaluated like any other and dropped without their context).
        if let (Some(g), Some(c)) = (&self.rules.keyword_group, sc.keyword_group.as_mut()) {
            // The keywords' stretches and the header cells' (one per row and column of a
            // table: many) are each nearly or wholly in order: sorted apart, then merged.
            let (kw, cells) = regions.split_at_mut(n_hits);
            if !kw.is_sorted() {
                kw.sort_unstable();
            }
            if !cells.is_sorted() {
                cells.sort_unstable();
            }
            // Header-named cells (a row of a patient list has two or three) are short, and
            // most of their places start a match or fail on the first byte: walks of the
            // group's anchored DFA from each place, where a regex search pays its set-up and
            // a second search that fails over the rest of the stretch (~3,100 instructions a
            // row). Keyword stretches, long and mostly prose, stay with the regex engines.
            // Both find every place where a rule of the group matches in the stretch.
            let walks = if cells.is_empty() {
                None
            } else {
                g.cell_walks
                    .get_or_init(|| {
                        let patterns: Vec<&str> = g.patterns.iter().map(String::as_str).collect();
                        anchored::AnchoredSet::walks_only(&patterns)
                    })
                    .as_ref()
            };
            // A header region says where matches may start; they may run on `reach` past it.
            let reach = self.rules.keyword_max_len;
            let end_of = |b: usize| (b + reach).min(text.len());
            match walks {
                Some(dfa) => {
                    for (a, b) in merged_stretches(kw.iter().copied()) {
                        group_matches(g, c, chunk, a, b, cands);
                    }
                    // Walks only from the places a region names (a regex search cannot be
                    // told where starts end, and also found starts in the next cells: those
                    // get no context from this header, so a keyword's own stretch has them
                    // whenever they can be findings).
                    for (a, b) in merged_stretches(cells.iter().copied()) {
                        let (from, to) = (a.max(chunk.from), b.min(chunk.to));
                        walk_matches(g, dfa, c, chunk, from, to, end_of(b), cands);
                    }
                }
                None => {
                    // Searched whole, the cells' stretches take in the run-on (still in
                    // order: every end grows alike).
                    for cell in cells.iter_mut() {
                        cell.1 = end_of(cell.1);
                    }
                    for (a, b) in merged_stretches(merge_sorted(kw, cells)) {
                        group_matches(g, c, chunk, a, b, cands);
                    }
                }
            }
        }
        sc.regions = regions;
    }

    /// Stretches where a keyword-gated rule gets its positive context from a table header:
    /// the cells of a delimited table's columns named for one, the rows of a text table with
    /// such a column.
    fn header_regions(
        &self,
        chunk: &Chunk<'_>,
        table: Layout<'_>,
        regions: &mut Vec<(usize, usize)>,
    ) {
        let text = chunk.text;
        let keyword_gated = |c: &[i8]| {
            self.rules.text_rules.iter().any(|&ri| {
                c[ri] == 1 && matches!(self.rules.gates[ri], gate::Gate::Keywords { .. })
            })
        };
        let reach = self.rules.keyword_max_len;
        match table {
            Layout::Csv(t) => {
                // Per column named for keyword-gated rules: how far before its cell their
                // matches can start. A rule whose value is its whole match starts in the
                // cell; another may start up to `reach` before it (a value after a prefix).
                let cols: Vec<(usize, usize)> = (0..t.col_class.len())
                    .filter(|&c| keyword_gated(&t.col_class[c]))
                    .map(|c| {
                        let prefixed = self.rules.text_rules.iter().any(|&ri| {
                            t.col_class[c][ri] == 1
                                && matches!(self.rules.gates[ri], gate::Gate::Keywords { .. })
                                && !self.rules.rules[ri].whole_value
                        });
                        (c, if prefixed { reach } else { 0 })
                    })
                    .collect();
                if cols.is_empty() {
                    return;
                }
                let mut ls = if chunk.from == 0 {
                    0
                } else {
                    line_start(text, chunk.from)
                };
                let mut cells = Vec::new();
                let max = cols.iter().map(|&(c, _)| c + 1).max().unwrap_or(0);
                while ls < text.len() && ls < chunk.to {
                    let le = memchr::memchr(b'\n', &text[ls..]).map_or(text.len(), |i| ls + i);
                    split_cells_into(&text[ls..le], t.delim, t.quotes, &mut cells, max);
                    for &(c, before) in &cols {
                        if let Some(&(a, b)) = cells.get(c) {
                            let from = (ls + a).saturating_sub(before);
                            regions.push((from, ls + b));
                        }
                    }
                    ls = le + 1;
                }
            }
            Layout::Text(tables) => {
                for t in tables {
                    if t.classes.0.iter().any(|c| keyword_gated(c)) {
                        let from = t.rows_start.saturating_sub(reach);
                        regions.push((from, t.rows_end));
                    }
                }
            }
            Layout::None => {}
        }
    }

    /// Try rule `ri` anchored at `s` (for column rules: on exactly the cell `[s, cell_end)`).
    /// `known_end`: where its leftmost-first match from `s` ends, if a gate found out.
    #[allow(clippy::too_many_arguments)]
    fn eval_at(
        &self,
        sc: &mut Scratch,
        ri: usize,
        text: &[u8],
        s: usize,
        known_end: Option<usize>,
        cell_end: Option<usize>,
        table: Layout<'_>,
        is_column_rule: bool,
    ) -> Option<(Finding, usize)> {
        let rule = &self.rules.rules[ri];
        let (match_end, span) = if let (true, Some(e)) = (rule.whole_value, known_end) {
            // The match is the value: nothing for the regex engines to add.
            (e, regex_automata::Span { start: s, end: e })
        } else if rule.whole_value {
            let (re, cache, _) = regex_and_cache(self.rules, &mut sc.per_rule, ri)?;
            let end = cell_end.unwrap_or(text.len());
            let input = Input::new(text).range(s..end).anchored(Anchored::Yes);
            // The value is the whole match: the lazy DFA finds it, no captures needed.
            let m = re.search_with(cache, &input)?;
            (m.end(), m.span())
        } else {
            let (re, cache, caps) = regex_and_cache(self.rules, &mut sc.per_rule, ri)?;
            let end = cell_end.unwrap_or(text.len());
            let input = Input::new(text).range(s..end).anchored(Anchored::Yes);
            re.search_captures_with(cache, &input, caps);
            let m = caps.get_match()?;
            (
                m.end(),
                caps.get_group(rule.value_group).unwrap_or(m.span()),
            )
        };
        if cell_end.is_some_and(|ce| match_end != ce) {
            return None;
        }
        // In a delimited table a label does not reach across a row end: "MEMBER_NO" ending
        // the header line does not label the first cell of the next row (a label on one line
        // and its value on the next is kept in running text, as forms print them).
        if matches!(table, Layout::Csv(_))
            && !is_column_rule
            && span.start > s
            && memchr::memchr2(b'\n', b'\r', &text[s..span.start]).is_some()
        {
            return None;
        }
        let p = rule.spec.confidence;
        let level_of = |sc: &mut Scratch| {
            if is_column_rule || !rule.context_matters {
                p.context
            } else {
                match self.context(ri, text, span.start, span.end, table, &mut sc.col) {
                    Ctx::Positive => p.context,
                    Ctx::Negative => p.negative,
                    Ctx::None => p.base,
                }
            }
        };
        // A finding needs both a valid value and a context that keeps it: when the context
        // can drop the candidate (dates and bare numbers without a label), it is looked at
        // first and a dropped candidate costs no validation and no value.
        let early = rule.can_drop.then(|| level_of(sc));
        if early == Some(Level::Drop) {
            return None;
        }
        let raw = &text[span.start..span.end];
        let verdict = match &rule.spec.validator {
            Some(v) => validate::validate(v, raw, sc.today),
            None => Verdict::Valid(validate::alnum_upper(&String::from_utf8_lossy(raw))),
        };
        let (value, weak) = match verdict {
            Verdict::Valid(v) => (v, false),
            Verdict::Weak(v) => (v, true),
            Verdict::Invalid => return None,
        };
        let level = match early {
            Some(l) => l,
            None => level_of(sc),
        };
        let mut conf = level.confidence()?;
        if weak {
            conf = conf.min(Confidence::Low);
        }
        Some((
            Finding {
                rule: ri,
                kind: rule.spec.kind,
                confidence: conf,
                value,
                start: span.start,
                end: span.end,
                record: None,
            },
            match_end,
        ))
    }

    /// Context of the value at `[s, e)` for rule `ri`: the column header in a table, else the
    /// nearest keyword of this rule in the window around it.
    fn context(
        &self,
        ri: usize,
        text: &[u8],
        s: usize,
        e: usize,
        table: Layout<'_>,
        col: &mut ColCursor,
    ) -> Ctx {
        let rule = &self.rules.rules[ri];
        let header_class = match table {
            Layout::Csv(t) => {
                let c = col.seek(text, s, t.delim, t.quotes, true).cells;
                t.col_class.get(c).map_or(0, |c| c[ri])
            }
            Layout::Text(tables) => tables
                .iter()
                .find(|t| t.rows_start <= s && s < t.rows_end)
                .and_then(|t| {
                    let at = col.seek(text, s, b'\t', true, false);
                    let c = if t.tabs { at.tabs } else { at.chars };
                    t.column(c).map(|ci| t.classes.0[ci][ri])
                })
                .unwrap_or(0),
            Layout::None => 0,
        };
        match header_class {
            1 => return Ctx::Positive,
            -1 => return Ctx::Negative,
            _ => {}
        }
        let w = rule.spec.window;
        // The window stays on the value's line; in running text, a value alone at the start
        // of its line (a form with the label above it) also sees the line before. In a table
        // the row above is another record, never a label.
        // Line starts and ends are looked for inside the window only (a 20 MB line is not
        // searched once per candidate).
        let lo = s.saturating_sub(w.before);
        let in_table = matches!(table, Layout::Csv(_));
        // A label on the line above is that line's last word ("Date of birth:" above the
        // date); a keyword earlier on it belongs to a value of its own (a log line's
        // "dob=1976-07-18" is not the label of the next line's timestamp).
        let mut label_line_end = 0;
        let ws = match memchr::memrchr(b'\n', &text[lo..s]).map(|i| lo + i + 1) {
            Some(ls)
                if !in_table
                    && text[ls..s]
                        .iter()
                        .all(|b| b.is_ascii_whitespace() || b.is_ascii_punctuation()) =>
            {
                label_line_end = ls - 1;
                memchr::memrchr(b'\n', &text[lo..ls - 1]).map_or(lo, |i| lo + i + 1)
            }
            Some(ls) => ls,
            None => lo,
        };
        let hi = (e + w.after).min(text.len());
        let we = memchr::memchr(b'\n', &text[e..hi]).map_or(hi, |i| e + i);
        let mut best: Option<(usize, i8)> = None;
        for m in self.rules.keywords.find_overlapping_iter(&text[ws..we]) {
            let class = rule.kw_class[m.pattern().as_usize()];
            if class == 0 {
                continue;
            }
            let (ks, ke) = (ws + m.start(), ws + m.end());
            if ks < e && ke > s {
                continue; // inside the value itself
            }
            if (ks > 0 && inside_a_word(text[ks - 1], text[ks]))
                || (ke < text.len() && inside_a_word(text[ke - 1], text[ke]))
            {
                continue; // part of a longer word: "tel" in "hotel"
            }
            if ke <= label_line_end && !ends_a_label(&text[ke..label_line_end]) {
                continue; // on the line above, but not its last word: another value's label
            }
            let dist = if ke <= s { s - ke } else { (ks - e) * 3 };
            if best.is_some_and(|(d, _)| dist >= d) {
                continue;
            }
            let between = if ke <= s { &text[ke..s] } else { &text[e..ks] };
            if crosses_a_sentence(between) {
                continue; // "Patient DOB on file. Lab drawn 01/02/2023": another sentence's
            }
            best = Some((dist, class));
        }
        match best {
            Some((_, 1)) => Ctx::Positive,
            Some(_) => Ctx::Negative,
            None if in_a_run_of_numbers(text, s, e) => Ctx::Negative,
            None => Ctx::None,
        }
    }
}

/// Whether the value at `[s, e)`, made of digit groups split by single spaces ("212 555 0143",
/// "4539 1488 0343 6467"), has another number right next to it, a space apart: then it is a
/// stretch of a run of numbers (a matrix of figures, a list of counts), where any three or
/// four neighbours can take a phone's or a card's shape.
fn in_a_run_of_numbers(text: &[u8], s: usize, e: usize) -> bool {
    let v = &text[s..e];
    let spaced = v
        .windows(3)
        .any(|w| w[1] == b' ' && w[0].is_ascii_digit() && w[2].is_ascii_digit());
    spaced
        && ((s >= 2 && text[s - 1] == b' ' && text[s - 2].is_ascii_digit())
            || text
                .get(e..e + 2)
                .is_some_and(|a| a[0] == b' ' && a[1].is_ascii_digit()))
}

fn trim_cell(line: &[u8], mut a: usize, mut b: usize) -> (usize, usize) {
    while a < b && (line[a].is_ascii_whitespace() || line[a] == b'"') {
        a += 1;
    }
    while b > a && (line[b - 1].is_ascii_whitespace() || line[b - 1] == b'"') {
        b -= 1;
    }
    (a, b)
}

/// Scan a whole in-memory text (sniffing its format): for tests, `patterns test` and small
/// inputs.
pub fn scan_text(rules: &RuleSet, text: &[u8], ext: Option<&str>) -> (TextFormat, Vec<Finding>) {
    let format = TextFormat::sniff(text, ext, rules);
    let mut sc = Scratch::new(rules);
    let mut out = Vec::new();
    let chunk = Chunk {
        text,
        from: 0,
        to: text.len(),
        at_start: true,
        fhir: None,
    };
    Detector::new(rules).scan(&mut sc, &chunk, &format, &mut out);
    (format, out)
}

/// The extension hint under which a rule example is scanned: a multi-line example whose first
/// line has commas or tabs is a small table (CSV), anything else is running text.
pub fn example_ext(ex: &str) -> Option<&'static str> {
    let first = ex.lines().next().unwrap_or("");
    if ex.trim_end().contains('\n') && first.contains('\t') {
        Some("tsv")
    } else if ex.trim_end().contains('\n') && first.contains(',') {
        Some("csv")
    } else {
        None
    }
}

/// Whether rule scope is text (used by `patterns list`).
pub fn scope_name(s: Scope) -> &'static str {
    match s {
        Scope::Text => "text",
        Scope::Column => "column",
        Scope::Structured => "structured",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Text findings overlapping a structured or column finding are dropped, whatever order
    /// the text findings come in (the one-pass walk needs them by start: it sorts them if
    /// they are not). Against a check of every pair, on random spans.
    #[test]
    fn overlapped_text_findings_are_dropped_in_any_order() {
        let mut rng = crate::testutil::xorshift(0x9E37_79B9_7F4A_7C15);
        let mut next = |n: u64| (rng() % n) as usize;
        let finding = |start: usize, end: usize| Finding {
            rule: 0,
            kind: Kind::Ssn,
            confidence: Confidence::High,
            value: format!("{start}-{end}"),
            start,
            end,
            record: None,
        };
        for round in 0..500 {
            let fixed: Vec<Finding> = (0..next(6))
                .map(|_| {
                    let s = next(200);
                    finding(s, s + 1 + next(20))
                })
                .collect();
            let mut text: Vec<Finding> = (0..next(12))
                .map(|_| {
                    let s = next(200);
                    finding(s, s + 1 + next(15))
                })
                .collect();
            if round % 2 == 0 {
                text.sort_by_key(|f| f.start);
            }
            let mut want: Vec<String> = text
                .iter()
                .filter(|t| !fixed.iter().any(|f| f.start < t.end && t.start < f.end))
                .map(|t| t.value.clone())
                .collect();
            let mut out = vec![finding(1000, 1001)];
            out.extend(fixed.iter().map(|f| finding(f.start, f.end)));
            let n_struct = out.len();
            out.extend(text);
            drop_overlapped(&mut out, 1, n_struct);
            assert_eq!(out.len(), n_struct + want.len(), "round {round}");
            assert_eq!(out[0].start, 1000, "findings before `first` stay");
            let mut got: Vec<String> = out[n_struct..].iter().map(|f| f.value.clone()).collect();
            got.sort();
            want.sort();
            assert_eq!(got, want, "round {round}");
        }
    }

    #[test]
    fn a_keyword_in_another_sentence_is_no_context() {
        for gap in [
            " on file. Lab drawn ",
            " in Boston; moved ",
            " verified. Claim ",
            "? Next ",
        ] {
            assert!(crosses_a_sentence(gap.as_bytes()), "{gap:?}");
        }
        for gap in [
            ": ",
            ". ",
            ".: ",
            " per Dr. Roe ",
            " (mo. day yr) ",
            " on file. ",
            " No. ",
            "; ",
            " on file, seen 3.5 hrs ago ",
        ] {
            assert!(!crosses_a_sentence(gap.as_bytes()), "{gap:?}");
        }
    }

    #[test]
    fn all_kinds_and_levels_are_in_declaration_order() {
        // Totals index arrays by `as usize`.
        for (i, k) in Kind::ALL.iter().enumerate() {
            assert_eq!(*k as usize, i);
        }
        for (i, c) in Confidence::ALL.iter().enumerate() {
            assert_eq!(*c as usize, i);
        }
    }

    /// The cursor's cell count at a place equals counting that line's delimiters outside
    /// quotes from its start, whatever places were asked before (forward along a line, on
    /// to later lines, or back), with quotes on or off and lines with and without quotes.
    #[test]
    fn col_cursor_counts_cells_like_a_fresh_count_from_the_line_start() {
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let alphabet = b"ab,,\"\"\n\t1;abcdefgh";
        for round in 0..3000 {
            // Up to 200 bytes: whole 64-byte blocks and short ones between two places.
            let n = (next() % 200) as usize;
            let text: Vec<u8> = (0..n)
                .map(|_| alphabet[(next() % alphabet.len() as u64) as usize])
                // Half the rounds (four in a row, every delimiter): one long line.
                .map(|b| {
                    if b == b'\n' && (round / 4) % 2 == 1 {
                        b'x'
                    } else {
                        b
                    }
                })
                .collect();
            let (delim, quotes) = match round % 4 {
                0 => (b',', true),
                1 => (b',', false),
                2 => (b'"', true),
                _ => (b';', true),
            };
            let fresh = |s: usize| {
                let ls = line_start(&text, s);
                let mut in_q = false;
                let mut cells = 0;
                for &b in &text[ls..s] {
                    if b == b'"' && quotes {
                        in_q = !in_q;
                    } else if b == delim && !in_q {
                        cells += 1;
                    }
                }
                cells
            };
            let mut cur = ColCursor::UNSET;
            for _ in 0..8 {
                let s = (next() as usize) % (n + 1);
                let got = cur.seek(&text, s, delim, quotes, true).cells;
                assert_eq!(got, fresh(s), "{:?} at {s}", String::from_utf8_lossy(&text));
            }
        }
    }

    /// The block masks split a line exactly as a byte-by-byte walk does (lines of up to
    /// 200 bytes: none, one or more whole blocks, and a short one).
    #[test]
    fn split_cells_matches_a_byte_walk() {
        fn walk(line: &[u8], delim: u8, quotes: bool, max: usize) -> Vec<(usize, usize)> {
            let mut cells = Vec::new();
            let (mut start, mut in_q) = (0, false);
            for (i, &b) in line.iter().enumerate() {
                if b == b'"' && quotes {
                    in_q = !in_q;
                } else if b == delim && !in_q {
                    cells.push((start, i));
                    if cells.len() >= max {
                        return cells;
                    }
                    start = i + 1;
                }
            }
            let mut end = line.len();
            if end > start && line[end - 1] == b'\r' {
                end -= 1;
            }
            cells.push((start, end));
            cells
        }
        let mut x: u64 = 0xD1B5_4A32_D192_ED03;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let alphabet = b"ab,,\"\t1;\r";
        let mut cells = Vec::new();
        for round in 0..3000 {
            let n = (next() % 200) as usize;
            let line: Vec<u8> = (0..n)
                .map(|_| alphabet[(next() % alphabet.len() as u64) as usize])
                .collect();
            let (delim, quotes) = [
                (b',', true),
                (b',', false),
                (b'\t', true),
                (b'"', false),
                (b'"', true),
            ][round % 5];
            let max = [usize::MAX, 1, 3][round % 3];
            split_cells_into(&line, delim, quotes, &mut cells, max);
            assert_eq!(
                cells,
                walk(&line, delim, quotes, max),
                "{line:?} {delim} {quotes} {max}"
            );
        }
    }

    #[test]
    fn merge_sorted_gives_both_slices_in_order() {
        let mut x = 0x2545_F491_4F6C_DD1Du64;
        for round in 0..300 {
            let mut v = |n: usize| {
                let mut v: Vec<(usize, usize)> = (0..n)
                    .map(|_| {
                        x ^= x << 13;
                        x ^= x >> 7;
                        x ^= x << 17;
                        ((x % 50) as usize, (x >> 32) as usize % 5)
                    })
                    .collect();
                v.sort_unstable();
                v
            };
            let (a, b) = (v(round % 17), v(round % 11));
            let mut want = [a.clone(), b.clone()].concat();
            want.sort_unstable();
            assert_eq!(merge_sorted(&a, &b).collect::<Vec<_>>(), want);
        }
    }

    #[test]
    fn sort_runs_sorts_few_runs_and_many() {
        let mut x = 0x1234_5678_9ABC_DEF1u64;
        let mut tmp = Vec::new();
        for round in 0..400 {
            // 0 to 30 runs (above 16 the ordinary sort takes over), of 0 to 40 items.
            let mut v: Vec<u32> = Vec::new();
            for _ in 0..round % 31 {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                let mut run: Vec<u32> =
                    (0..x % 41).map(|i| ((x >> (i % 40)) % 60) as u32).collect();
                run.sort_unstable();
                v.extend(run);
            }
            let mut want = v.clone();
            want.sort_unstable();
            sort_runs(&mut v, &mut tmp);
            assert_eq!(v, want, "round {round}");
        }
    }

    /// A header line is classified once per thread and rule set: the same header under
    /// another rule set (a user rule naming its column) gets that set's classes.
    #[test]
    fn header_classes_are_kept_per_rule_set() {
        let builtin: Vec<(String, String)> = rules::BUILTIN
            .iter()
            .map(|(n, t)| (format!("builtin:{n}"), t.to_string()))
            .collect();
        let mut with_user = builtin.clone();
        with_user.push((
            "user.toml".into(),
            r#"
[[rule]]
id = "user.badge"
kind = "mrn"
description = "a badge column"
scope = "column"
pattern = '(?x) (?P<value> B\d{6} )'
headers = ["badge code"]
confidence = { base = "high" }
"#
            .into(),
        ));
        let plain = RuleSet::from_sources(&builtin).unwrap();
        let user = RuleSet::from_sources(&with_user).unwrap();
        let headers = || vec!["Name".to_string(), "Badge Code".to_string()];
        for _ in 0..2 {
            assert_eq!(Table::new(b',', headers(), &plain).col_rule, [None, None]);
            let t = Table::new(b',', headers(), &user);
            assert_eq!(t.col_rule, [None, user.by_id("user.badge")]);
            assert_eq!(t.col_class[1][user.by_id("user.badge").unwrap()], 1);
            // A header too wide to keep is classified all the same.
            let mut wide: Vec<String> = (0..300).map(|i| format!("c{i}")).collect();
            wide.push("Badge Code".into());
            let kept = HEADER_CLASSES.with_borrow(|(_, m)| m.len());
            let t = Table::new(b',', wide, &user);
            assert_eq!(t.col_rule[300], user.by_id("user.badge"));
            assert!(t.col_rule[..300].iter().all(Option::is_none));
            // ... and not kept.
            assert_eq!(HEADER_CLASSES.with_borrow(|(_, m)| m.len()), kept);
        }
        // However many distinct header lines go by, at most KEPT_HEADERS are kept, and each
        // is still classified right.
        for i in 0..2 * KEPT_HEADERS + 7 {
            let t = Table::new(b',', vec![format!("h{i}"), "Badge Code".into()], &user);
            assert_eq!(t.col_rule, [None, user.by_id("user.badge")]);
            let kept = HEADER_CLASSES.with_borrow(|(_, m)| m.len());
            assert!((1..=KEPT_HEADERS).contains(&kept), "{kept}");
        }
    }

    /// The header-word prefilter in `Table::new` changes the cost, never the classes: the
    /// same as checking every word of every rule, on every rule's own header words, their
    /// spaceless and punctuated forms, and words with other words around them.
    #[test]
    fn header_prefilter_classifies_exactly_like_checking_every_word() {
        let rules = RuleSet::load(&[] as &[&str]).unwrap();
        let brute = |h: &str| -> Vec<i8> {
            let nh = norm_header(h);
            rules
                .rules
                .iter()
                .map(|r| {
                    if r.headers.iter().any(|k| header_matches(&nh, k)) {
                        1
                    } else if r.negative_headers.iter().any(|k| header_matches(&nh, k)) {
                        -1
                    } else {
                        0
                    }
                })
                .collect()
        };
        let mut headers: Vec<String> = vec![
            "PatientID".into(),
            "Patient ID#".into(),
            "Order #".into(),
            "Acct#".into(),
            "Home Phone".into(),
            "D.O.B.".into(),
            "Date of Birth (MM/DD/YYYY)".into(),
            "Subscriber/Member Id".into(),
            "MRN / Chart".into(),
            "hotel".into(),
            "".into(),
            "#".into(),
            "Notes".into(),
        ];
        for r in &rules.rules {
            for k in r.headers.iter().chain(&r.negative_headers) {
                headers.push(k.clone());
                headers.push(k.replace(' ', ""));
                headers.push(k.to_uppercase());
                headers.push(format!("Patient {k} (primary)"));
                headers.push(format!("x{k}y"));
                headers.push(format!("{k}s"));
            }
        }
        let t = Table::new(b',', headers.clone(), &rules);
        for (i, h) in headers.iter().enumerate() {
            assert_eq!(t.col_class[i], brute(h), "header {h:?}");
        }
    }

    /// The gates (gate.rs) only save work: on text made of every rule's examples and
    /// negative examples, keywords, table rows and noise, they give exactly the findings that
    /// trying every rule at every position gives. User rules of each gate kind are in the set.
    #[test]
    fn gates_find_what_trying_every_rule_everywhere_finds() {
        let user = r#"
[[rule]]
id = "user.window"
kind = "mrn"
description = "lowercase letters then digits: no gate narrower than windows"
pattern = '(?x) \b (?P<value> [a-z]{2} \d{6} ) \b'
confidence = { base = "medium" }
keywords = ["chart"]
examples = ["chart ab123456"]
[[rule]]
id = "user.at"
kind = "email"
description = "an at sign with lowercase letters"
pattern = '(?x) \b (?P<value> [a-z]{2,8} @ \d{4} ) \b'
confidence = { base = "medium" }
[[rule]]
id = "user.label"
kind = "mrn"
description = "a label literal"
pattern = '(?xi) \b (?: rec | record ) \s* \# \s* (?P<value> \d{5,9} ) \b'
confidence = { base = "high", context = "high", negative = "high" }
[[rule]]
id = "user.keyword"
kind = "insurance_id"
description = "dropped without a keyword"
pattern = '(?x) \b (?P<value> Z \d{7} ) \b'
keywords = ["zed id", "zz"]
confidence = { base = "drop", context = "high", negative = "drop" }
[[rule]]
id = "user.prefixed"
kind = "mrn"
description = "a value after a prefix, which can be in the cell before it"
pattern = '(?x) \b QQ \W{1,2} (?P<value> \d{6} ) \b'
keywords = ["qq id"]
confidence = { base = "drop", context = "high", negative = "drop" }
"#;
        let mut files: Vec<(String, String)> = rules::BUILTIN
            .iter()
            .map(|(n, t)| (format!("builtin:{n}"), t.to_string()))
            .collect();
        files.push(("user.toml".into(), user.into()));
        let rules = RuleSet::from_sources(&files).unwrap();
        // The digit tokens' whole-token check both ways: by the unanchored DFA (built on a
        // thread: waited for), and by the regex search that stands in until it is built.
        rules
            .digit_group
            .as_ref()
            .unwrap()
            .anchored
            .as_ref()
            .unwrap()
            .wait_forward();
        let mut without_dfa = RuleSet::from_sources(&files).unwrap();
        without_dfa
            .digit_group
            .as_mut()
            .unwrap()
            .anchored
            .as_mut()
            .unwrap()
            .forget_forward();
        let g = |id: &str| rules.gates[rules.by_id(id).unwrap()].clone();
        assert_eq!(g("user.window"), gate::Gate::Window);
        assert_eq!(g("user.at"), gate::Gate::At);
        assert!(matches!(g("user.label"), gate::Gate::Labels(_)));
        assert!(matches!(g("user.keyword"), gate::Gate::Keywords { .. }));
        assert!(matches!(g("user.prefixed"), gate::Gate::Keywords { .. }));
        assert!(!rules.rules[rules.by_id("user.prefixed").unwrap()].whole_value);

        let mut pieces: Vec<String> = Vec::new();
        for r in &rules.rules {
            pieces.extend(r.spec.examples.iter().cloned());
            pieces.extend(r.spec.negative_examples.iter().cloned());
            pieces.extend(r.spec.keywords.iter().map(|k| format!("{k}:")));
        }
        pieces.extend(
            [
                "chart ab123456",
                "xy@2024",
                "Record # 1234567",
                "zed id Z1234567",
                "QQ,123456",
                "QQ 654321",
                "Z7654321",
                "ZZ\nZ1111111",
                "1980-01-02",
                "01/02/1980",
                "(212) 555-0143",
                "234-56-7891",
                "234567891",
                "4111 1111 1111 1111",
                "1EG4-TE5-MK73",
                "AB1234563",
                "\n",
                "\n\n",
                " ",
                "  ",
                "\t",
                ",",
                "|",
                "Order 23106451  2023-09-12  SKU-26336   259",
                "the patient tolerated",
                "Policy",
                "insurance",
                "MRN",
                "DOB",
                "phone",
                "@",
            ]
            .iter()
            .map(|s| s.to_string()),
        );
        let mut x: u64 = 0x853C49E6748FEA9B;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let noise = b"0123456789 -/.:#()ABCZabcz\n";
        for round in 0..1000 {
            let mut text = String::new();
            if round % 5 == 0 {
                text.push_str("name,dob,ssn,phone,member id,zed id,qq id\n");
            }
            let n = (next() % 40) as usize;
            for _ in 0..n {
                if next() % 3 == 0 {
                    for _ in 0..(next() % 12) {
                        text.push(noise[(next() % noise.len() as u64) as usize] as char);
                    }
                } else {
                    text.push_str(&pieces[(next() % pieces.len() as u64) as usize]);
                }
                text.push(if next() % 4 == 0 { '\n' } else { ' ' });
                if round % 5 == 0 && next() % 3 == 0 {
                    text.push(',');
                }
            }
            if round == 0 {
                // A value in a column named for its rule, its match starting in the cell
                // before (the prefix): found only if that cell is searched too.
                // Rows of filler keep the header's own keyword, and the previous row's cell in
                // that column, out of reach.
                let filler = format!(",{}\n", "a".repeat(80));
                let rows = format!("1,1{filler}").repeat(3);
                text = format!("x,qq id,y\n{rows}QQ,123456{filler}");
            }
            if round == 10 {
                // A value that starts in a column named for its rule and runs on past the
                // cell (a date with a comma, unquoted): the cell's stretch reaches past it.
                let filler = format!(",{}\n", "a".repeat(80));
                let rows = format!("x,1{filler}").repeat(3);
                text = format!("name,dob,z\n{rows}Roe,Jan 2, 1980{filler}");
            }
            let bytes = text.as_bytes();
            let ext = if round % 5 == 0 { Some("csv") } else { None };
            let format = TextFormat::sniff(bytes, ext, &rules);
            // Whole texts, and a chunk in the middle of one (context on both sides).
            let (from, to) = if round % 2 == 0 || bytes.is_empty() {
                (0, bytes.len())
            } else {
                let a = (next() as usize) % bytes.len();
                (a, a + (next() as usize) % (bytes.len() - a + 1))
            };
            let chunk = Chunk {
                text: bytes,
                from,
                to,
                at_start: true,
                fhir: None,
            };
            let run_with = |rules: &RuleSet, every_place: bool| {
                let mut sc = Scratch::new(rules);
                sc.every_place = every_place;
                let mut out = Vec::new();
                Detector::new(rules).scan(&mut sc, &chunk, &format, &mut out);
                out.iter()
                    .map(|f| {
                        (
                            f.start,
                            f.end,
                            rules.rules[f.rule].spec.id.clone(),
                            f.confidence,
                            f.value.clone(),
                        )
                    })
                    .collect::<Vec<_>>()
            };
            let found = run_with(&rules, false);
            if round == 0 {
                assert!(found.iter().any(|f| f.2 == "user.prefixed"), "{found:?}");
            }
            if round == 10 {
                assert!(found.iter().any(|f| f.2 == "dob.text"), "{found:?}");
            }
            let reference = run_with(&rules, true);
            assert_eq!(
                found, reference,
                "round {round}, chunk {from}..{to} of {text:?}"
            );
            assert_eq!(
                run_with(&without_dfa, false),
                reference,
                "without the unanchored DFA: round {round}, chunk {from}..{to} of {text:?}"
            );
        }
    }

    /// Every example of every rule is found by that rule at medium or higher; no negative
    /// example is (the rules test that keeps patterns/ honest).
    #[test]
    fn rule_examples() {
        let rules = RuleSet::load(&[] as &[&str]).unwrap();
        let mut failures = Vec::new();
        for (ri, r) in rules.rules.iter().enumerate() {
            for ex in &r.spec.examples {
                let (_, f) = scan_text(&rules, ex.as_bytes(), example_ext(ex));
                if !f
                    .iter()
                    .any(|f| f.rule == ri && f.confidence >= Confidence::Medium)
                {
                    failures.push(format!(
                        "{}: example not found: {ex:?} (got {:?})",
                        r.spec.id,
                        f.iter()
                            .map(|f| (
                                rules.rules[f.rule].spec.id.as_str(),
                                f.confidence,
                                f.value.as_str()
                            ))
                            .collect::<Vec<_>>()
                    ));
                }
            }
            for ex in &r.spec.negative_examples {
                let (_, f) = scan_text(&rules, ex.as_bytes(), example_ext(ex));
                if f.iter()
                    .any(|f| f.rule == ri && f.confidence >= Confidence::Medium)
                {
                    failures.push(format!("{}: negative example matched: {ex:?}", r.spec.id));
                }
            }
            if r.spec.examples.is_empty() {
                failures.push(format!("{}: no examples", r.spec.id));
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }
}
