//! Structured parsers and validators (run in the scanning process): HL7 v2, X12, FHIR JSON
//! and XML, and CDA field extraction, FHIR chunk ends, HTML table splitting, SQL dump rows, date
//! parsing, every validator. Field spans lie inside the text and inside the requested range's segments.
#![no_main]

use libfuzzer_sys::fuzz_target;
use phiscan::detect::{dates, structured, validate};
use phiscan::extract::{html, sql};

fuzz_target!(|input: &[u8]| {
    let Some((&sel, text)) = input.split_first() else {
        return;
    };
    let cut = if text.is_empty() {
        0
    } else {
        (sel as usize * 7919) % (text.len() + 1)
    };
    let (from, to) = if sel & 1 == 0 {
        (0, text.len())
    } else {
        (cut.min(text.len()), text.len())
    };
    let mut out = Vec::new();
    if let Some(d) = structured::sniff_hl7(text) {
        structured::hl7_fields(text, d, from, to, &mut out);
    }
    if let Some(d) = structured::sniff_x12(text) {
        structured::x12_fields(text, d, from, to, &mut out);
    }
    if structured::sniff_fhir(text) {
        structured::fhir_fields(text, from, to, &mut out);
        // A chunk end is a place inside the range, after its start.
        let cut_at = (from + (sel as usize) % (to - from + 1)).min(to);
        if let Some(end) = structured::fhir_chunk_end(text, from, cut_at) {
            assert!(from < end && end <= cut_at, "chunk end inside the range");
        }
    }
    // Any text, not only what sniffs as CDA: the tag scanner must not trip on anything.
    structured::cda_fields(text, from, to, &mut out);
    // FHIR XML likewise, on any text.
    structured::fhir_xml_fields(text, from, to, &mut out);
    for f in &out {
        assert!(
            f.start <= f.end && f.end <= text.len(),
            "field span inside the text"
        );
    }
    // HTML on any input: the rest keeps every byte but the tables' (spaces), line ends
    // included; a table has a line per row.
    let parts = html::split_tables(text);
    assert_eq!(parts.rest.len(), text.len());
    for (&r, &t) in parts.rest.iter().zip(text) {
        assert!(
            r == t || (r == b' ' && t != b'\n' && t != b'\r'),
            "only blanked"
        );
    }
    for t in &parts.tables {
        assert_eq!(t.text.matches('\n').count(), t.rows.len(), "a line per row");
        origins_fit(t, text.len());
    }
    // SQL rows on any input, in two chunks: only blanked, line ends kept.
    let mut blanked = text.to_vec();
    let mut st = sql::State::default();
    let mut segs = sql::take_tables(&mut blanked, 0, cut, &mut st);
    segs.extend(sql::take_tables(&mut blanked, cut, text.len(), &mut st));
    for (&r, &t) in blanked.iter().zip(text) {
        assert!(
            r == t || (r == b' ' && t.is_ascii() && t != b'\n' && t != b'\r'),
            "only ASCII blanked"
        );
    }
    for t in &segs {
        assert_eq!(t.text.matches('\n').count(), t.rows.len(), "a line per row");
        origins_fit(t, text.len());
    }
    let today = dates::Ymd::today();
    let s = String::from_utf8_lossy(text);
    let _ = dates::parse_date(&s, today);
    let _ = dates::parse_birth_date(&s, today);
    for name in validate::NAMES {
        let _ = validate::validate(name, text, today);
    }
});

/// A table read out of a text has a place in it for every cell of every line but the
/// header's, inside the text.
fn origins_fit(t: &phiscan::extract::document::Segment, len: usize) {
    assert_eq!(t.origins.len(), t.rows.len(), "places per line");
    for (i, (line, at)) in t.text.lines().zip(&t.origins).enumerate() {
        if i == 0 {
            assert!(at.is_empty(), "the header line is not located");
        } else {
            assert_eq!(
                at.len(),
                line.split('\t').count(),
                "a place per cell: {line:?}"
            );
        }
        assert!(at.iter().all(|&a| a <= len), "inside the text");
    }
}
