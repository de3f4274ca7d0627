//! PDF text, page by page (pdf-extract over lopdf). Runs only in the extractor worker.
//!
//! - Encrypted with an empty user password (common: "no copy" permissions): read it.
//!   Otherwise `encrypted`.
//! - No text on any page (scanned faxes, image-only exports): `no_text` with the page count,
//!   never a silent "scanned, 0 findings".
//! - A page that fails to extract is skipped and counted in the reason; the others are kept.

use super::document::{scrub, Extracted, Outcome, Request, Segment};

pub fn extract(bytes: &[u8], req: &Request) -> Extracted {
    let mut doc = match lopdf::Document::load_mem(bytes) {
        Ok(d) => d,
        Err(e) => {
            let msg = e.to_string();
            if msg.to_ascii_lowercase().contains("decrypt")
                || msg.to_ascii_lowercase().contains("password")
            {
                return Extracted::with(Outcome::Encrypted, "PDF is encrypted with a password");
            }
            return Extracted::failed(format!("corrupt or unreadable PDF: {}", scrub(&msg)));
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
            return Extracted::failed("PDF has no pages");
        }
        if failed == n {
            return Extracted::failed(format!("text extraction failed on all {n} page(s)"));
        }
        return Extracted::with(
            Outcome::NoText,
            format!("{n} page(s) without a text layer (scanned or image-only: needs OCR)"),
        );
    }
    let mut notes = Vec::new();
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
