//! xlsx/xlsb/xls/ods (runs in the extractor worker, which may abort by design): `sheet::extract`.
#![no_main]
#[path = "common.rs"]
mod common;

use libfuzzer_sys::fuzz_target;
use phiscan::extract::{document::DocKind, sheet};

fuzz_target!(|data: &[u8]| {
    common::contained(|| sheet::extract(data.to_vec(), &common::request(DocKind::Spreadsheet)));
});
