//! xlsx/xlsb/xls/ods (runs in the extractor worker, which may abort by design): `sheet::extract`.
#![no_main]
#[path = "common.rs"]
mod common;

use libfuzzer_sys::fuzz_target;
use phiscan::extract::{document::DocKind, sheet};

fuzz_target!(|data: &[u8]| {
    // Parts of a sheet are handed on as they are read (the worker sends them to the parent).
    common::contained(|| {
        sheet::extract(
            data.to_vec(),
            &common::request(DocKind::Spreadsheet),
            &mut |part| {
                std::hint::black_box(part.text.len());
            },
        )
    });
});
