//! The detection engine with the built-in rules (runs in the scanning process):
//! `detect::scan_text` on any bytes under every format hint, and `Detector::scan` on a
//! sub-range the way the engine scans overlapping chunks. Findings are in order (the engine
//! slices the text between consecutive findings), start inside the reportable range, and
//! their spans lie inside the text. On inputs of up to 256 bytes the gates (each rule's first
//! stage) must give exactly the findings of trying every rule at every position.
#![no_main]
#[path = "common.rs"]
mod common;

use libfuzzer_sys::fuzz_target;
use phiscan::detect::{scan_text, Chunk, Detector, Scratch, TextFormat};

const EXTS: &[Option<&str>] = &[
    None,
    Some("csv"),
    Some("tsv"),
    Some("txt"),
    Some("hl7"),
    Some("x12"),
    Some("json"),
    Some("psv"),
];

thread_local! {
    /// One scratch for every input (its regex caches are costly to build).
    static SCRATCH: std::cell::RefCell<Option<Scratch>> = const { std::cell::RefCell::new(None) };
}

/// Run `f` with the thread's scratch, its `every_place` flag set as asked.
fn with_scratch<T>(every_place: bool, f: impl FnOnce(&mut Scratch) -> T) -> T {
    SCRATCH.with(|s| {
        let mut s = s.borrow_mut();
        let sc = s.get_or_insert_with(|| Scratch::new(common::rules()));
        sc.every_place = every_place;
        f(sc)
    })
}

fuzz_target!(|input: &[u8]| {
    let Some((&sel, text)) = input.split_first() else {
        return;
    };
    let rules = common::rules();
    let ext = EXTS[sel as usize % EXTS.len()];
    let (_, findings) = scan_text(rules, text, ext);
    let mut prev = 0;
    for f in &findings {
        assert!(
            f.start <= f.end && f.end <= text.len(),
            "span inside the text"
        );
        assert!(f.start >= prev, "findings in order");
        prev = f.start;
    }
    // A chunk of a larger file: findings only where they start in [from, to).
    if text.len() > 2 {
        let from = (sel as usize * 31) % text.len();
        let to = from + (text.len() - from) / 2;
        let format = TextFormat::sniff(text, ext, rules);
        let mut out = Vec::new();
        with_scratch(false, |sc| {
            Detector::new(rules).scan(
                sc,
                &Chunk {
                    text,
                    from,
                    to,
                    at_start: from == 0,
                    fhir: None,
                },
                &format,
                &mut out,
            )
        });
        let mut prev = 0;
        for f in &out {
            assert!(
                common::starts_in_chunk(f.rule, f.start, from, to),
                "finding outside the chunk's range"
            );
            assert!(f.end <= text.len());
            assert!(f.start >= prev, "findings in order");
            prev = f.start;
        }
    }
    // The gates only save work: the same findings as every rule tried everywhere.
    if text.len() <= 256 {
        let format = TextFormat::sniff(text, ext, rules);
        let chunk = Chunk {
            text,
            from: 0,
            to: text.len(),
            at_start: true,
            fhir: None,
        };
        let run = |every_place: bool| {
            let mut out = Vec::new();
            with_scratch(every_place, |sc| {
                Detector::new(rules).scan(sc, &chunk, &format, &mut out)
            });
            out.iter()
                .map(|f| (f.start, f.end, f.rule, f.confidence, f.value.clone()))
                .collect::<Vec<_>>()
        };
        assert_eq!(run(false), run(true), "gated and exhaustive scans differ");
    }
});
