//! RTF (runs in the extractor worker): `office::rtf_text` and `extract_rtf`.
#![no_main]
#[path = "common.rs"]
mod common;

use libfuzzer_sys::fuzz_target;
use phiscan::extract::{document::DocKind, office};

fuzz_target!(|data: &[u8]| {
    common::contained(|| {
        let _ = office::rtf_text(data);
        let _ = office::extract_rtf(data.to_vec(), &common::request(DocKind::Rtf));
    });
});
