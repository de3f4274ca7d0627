//! docx/pptx/odt/odp (runs in the extractor worker): `office::extract_zip`.
#![no_main]
#[path = "common.rs"]
mod common;

use libfuzzer_sys::fuzz_target;
use phiscan::extract::{document::DocKind, office};

fuzz_target!(|data: &[u8]| {
    common::contained(|| office::extract_zip(data.to_vec(), &common::request(DocKind::Office)));
});
