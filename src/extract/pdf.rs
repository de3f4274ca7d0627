//! PDF text, page by page (pdf-extract over lopdf). Runs only in the extractor worker.
//!
//! - Encrypted with an empty user password (common: "no copy" permissions): read it.
//!   Otherwise `encrypted`.
//! - No text on any page (scanned faxes, image-only exports): `no_text` with the page count,
//!   never a silent "scanned, 0 findings".
//! - A page that fails to extract is skipped and counted in the reason; the others are kept.
//! - A damaged cross-reference table (wrong offsets, malformed entries, a linearized file's
//!   trailer without /Root) is rebuilt from the objects themselves, as PDF viewers do, and
//!   the reason says so.

use super::document::{scrub, Extracted, Outcome, Request, Segment};

pub fn extract(bytes: &[u8], req: &Request) -> Extracted {
    let mut notes = Vec::new();
    let mut doc = match lopdf::Document::load_mem(bytes) {
        Ok(d) => d,
        Err(e) => {
            let msg = e.to_string();
            if msg.to_ascii_lowercase().contains("decrypt")
                || msg.to_ascii_lowercase().contains("password")
            {
                return Extracted::with(Outcome::Encrypted, "PDF is encrypted with a password");
            }
            match rebuild_xref(bytes).and_then(|b| lopdf::Document::load_mem(&b).ok()) {
                Some(d) => {
                    notes.push(format!(
                        "damaged cross-reference table ({}) rebuilt from the objects",
                        scrub(&msg)
                    ));
                    d
                }
                None => {
                    return Extracted::failed(format!("corrupt or unreadable PDF: {}", scrub(&msg)))
                }
            }
        }
    };
    if doc.is_encrypted() && doc.decrypt("").is_err() {
        return Extracted::with(Outcome::Encrypted, "PDF is encrypted with a password");
    }
    let pages = doc.get_pages();
    let n = pages.len();
    let mut segments = Vec::new();
    let mut failed = 0usize;
    let mut total = 0u64;
    let mut truncated = false;
    for (&num, _) in pages.iter() {
        // pdf-extract panics on fonts it cannot map; a panicking page costs only that page.
        let page = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let mut s = String::new();
            let res = {
                let mut out = pdf_extract::PlainTextOutput::new(&mut s);
                pdf_extract::output_doc_page(&doc, &mut out, num)
            };
            res.map(|_| s)
        }));
        let Ok(Ok(s)) = page else {
            failed += 1;
            continue;
        };
        total += s.len() as u64;
        if total > req.max_text {
            truncated = true;
            break;
        }
        if s.chars().any(|c| c.is_alphanumeric()) {
            segments.push(Segment {
                page: Some(num),
                text: s,
                ..Segment::default()
            });
        }
    }
    if segments.is_empty() {
        if n == 0 {
            let mut r = "PDF has no pages".to_string();
            for note in &notes {
                r.push_str("; ");
                r.push_str(note);
            }
            return Extracted::failed(r);
        }
        if failed == n {
            return Extracted::failed(format!("text extraction failed on all {n} page(s)"));
        }
        return Extracted::with(
            Outcome::NoText,
            format!("{n} page(s) without a text layer (scanned or image-only: needs OCR)"),
        );
    }
    let empty = n - segments.len() - failed;
    if failed > 0 {
        notes.push(format!("{failed} of {n} page(s) could not be extracted"));
    }
    if empty > 0 {
        notes.push(format!("{empty} of {n} page(s) have no text layer"));
    }
    if truncated {
        notes.push("text limit reached; the rest was not read".to_string());
    }
    Extracted {
        outcome: Outcome::Ok,
        reason: (!notes.is_empty()).then(|| notes.join("; ")),
        segments,
        format: Some("pdf".into()),
    }
}

/// A copy of `bytes` with a fresh cross-reference table and trailer appended (an incremental
/// update without /Prev, so the reader uses only it): every `N G obj` found in the file at
/// its offset (the last definition of a number wins, as with incremental updates), /Root
/// (and /Encrypt, /ID) from the last trailer that names one, else the last /Type /Catalog
/// object. None when no object or no root is found.
pub fn rebuild_xref(bytes: &[u8]) -> Option<Vec<u8>> {
    use regex::bytes::Regex;
    use std::collections::BTreeMap;
    use std::sync::LazyLock;
    static OBJ: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?-u)(?:^|[\r\n\t \x0c\x00])(\d{1,10})[\r\n\t \x0c\x00]+(\d{1,5})[\r\n\t \x0c\x00]+obj\b").unwrap()
    });
    static TRAILER: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(?-u)trailer\s*<<").unwrap());
    static ROOT: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"(?-u)/Root\s+(\d{1,10})\s+(\d{1,5})\s+R").unwrap());
    static ENCRYPT: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"(?-u)/Encrypt\s+\d{1,10}\s+\d{1,5}\s+R").unwrap());
    static ID: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"(?-u)/ID\s*\[[^\]]{0,200}\]").unwrap());
    static CATALOG: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"(?-u)/Type\s*/Catalog\b").unwrap());
    let num = |b: &[u8]| std::str::from_utf8(b).ok()?.parse::<u64>().ok();

    let mut objs: BTreeMap<u64, (u64, usize)> = BTreeMap::new();
    let mut catalog = None;
    for c in OBJ.captures_iter(bytes) {
        let (Some(n), Some(g)) = (num(&c[1]), num(&c[2])) else {
            continue;
        };
        if n == 0 || n > 8_000_000 {
            continue;
        }
        let at = c.get(1).expect("group 1").start();
        objs.insert(n, (g, at));
        let body = &bytes[c.get(0).expect("match").end()..bytes.len().min(at + 4096)];
        let body = &body[..memchr::memmem::find(body, b"endobj").unwrap_or(body.len())];
        if CATALOG.is_match(body) {
            catalog = Some((n, g));
        }
    }
    // The trailer dictionary: up to its end (">>" at nesting 0 is not worth parsing: the
    // keys looked for are references and one array, searched in the next 1 KiB).
    let mut extra = String::new();
    let mut root = None;
    for m in TRAILER.find_iter(bytes) {
        let t = &bytes[m.end()..bytes.len().min(m.end() + 1024)];
        let t = &t[..memchr::memmem::find(t, b"startxref").unwrap_or(t.len())];
        if let Some(r) = ROOT.captures(t) {
            root = num(&r[1]).zip(num(&r[2]));
            extra.clear();
            for re in [&*ENCRYPT, &*ID] {
                if let Some(x) = re.find(t) {
                    extra.push(' ');
                    extra.push_str(&String::from_utf8_lossy(x.as_bytes()));
                }
            }
        }
    }
    let (rn, rg) = root.filter(|(n, _)| objs.contains_key(n)).or(catalog)?;
    let size = objs.keys().next_back()? + 1;
    let mut out = Vec::with_capacity(bytes.len() + objs.len() * 20 + 256);
    out.extend_from_slice(bytes);
    out.extend_from_slice(b"\n");
    let xref_at = out.len();
    out.extend_from_slice(b"xref\n0 1\n0000000000 65535 f\r\n");
    let mut run: Vec<(u64, u64, usize)> = Vec::new();
    let flush = |run: &mut Vec<(u64, u64, usize)>, out: &mut Vec<u8>| {
        if let Some(&(first, _, _)) = run.first() {
            out.extend_from_slice(format!("{first} {}\n", run.len()).as_bytes());
            for (_, g, at) in run.drain(..) {
                out.extend_from_slice(format!("{at:010} {g:05} n\r\n").as_bytes());
            }
        }
    };
    for (&n, &(g, at)) in &objs {
        if run.last().is_some_and(|&(last, _, _)| last + 1 != n) {
            flush(&mut run, &mut out);
        }
        run.push((n, g, at));
    }
    flush(&mut run, &mut out);
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {size} /Root {rn} {rg} R{extra} >>\nstartxref\n{xref_at}\n%%EOF\n"
        )
        .as_bytes(),
    );
    Some(out)
}
