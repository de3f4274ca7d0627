//! Legacy OLE2 text runs (runs in the scanning process): `extract::legacy_strings`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let s = phiscan::extract::legacy_strings(data);
    // Runs of >= 4 characters, one per line: never more text than 3 bytes per input byte.
    assert!(s.len() <= data.len() * 3 + 8);
});
