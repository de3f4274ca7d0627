//! PDF (runs in the extractor worker, which may abort by design): `pdf::extract`.
#![no_main]
#[path = "common.rs"]
mod common;

use libfuzzer_sys::fuzz_target;
use phiscan::extract::{document::DocKind, pdf};

fuzz_target!(|data: &[u8]| {
    common::contained(|| pdf::extract(data, &common::request(DocKind::Pdf)));
});
