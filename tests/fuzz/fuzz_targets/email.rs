//! E-mail (runs in the scanning process): `email::parse`, `split_mbox`, `html_text` and the
//! sniffers. Every mbox message is a piece of the mailbox, in order.
#![no_main]
#[path = "common.rs"]
mod common;

use libfuzzer_sys::fuzz_target;
use phiscan::extract::email;

fuzz_target!(|data: &[u8]| {
    let _ = email::sniff_eml(data);
    let _ = email::sniff_mbox(data);
    if let Some(m) = email::parse(data) {
        for (name, _bytes) in &m.attachments {
            assert!(
                !name.contains('/'),
                "attachment names are labels, never paths"
            );
        }
    }
    let base = data.as_ptr() as usize;
    let mut last = 0usize;
    for msg in email::split_mbox(data) {
        let at = msg.as_ptr() as usize;
        if !msg.is_empty() {
            assert!(
                at >= base + last && at + msg.len() <= base + data.len(),
                "a message is a slice of the mailbox"
            );
            last = at + msg.len() - base;
        }
        let _ = email::parse(msg);
    }
    let _ = email::html_text(&String::from_utf8_lossy(data));
});
