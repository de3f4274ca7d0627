//! E-mail (runs in the scanning process): `email::parse`, `split_mbox`, `html_text` and the
//! sniffers. Every mbox message is a piece of the mailbox, in order.
#![no_main]
#[path = "common.rs"]
mod common;

use libfuzzer_sys::fuzz_target;
use phiscan::extract::email;

fuzz_target!(|data: &[u8]| {
    contain_mail_parser_panics();
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

/// `email::parse` catches panics of the mail-parser crate (it has one on malformed MIME
/// structure): those are contained by design, as production does, and printed once per site.
/// Any other panic (phiscan's own code) still goes to libFuzzer's hook and is a crash.
fn contain_mail_parser_panics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let fuzzer_hook = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let site = info
                .location()
                .map(|l| format!("{}:{}", l.file(), l.line()))
                .unwrap_or_default();
            if site.contains("/mail-parser-") {
                static SEEN: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());
                if let Ok(mut seen) = SEEN.lock() {
                    if !seen.contains(&site) {
                        eprintln!("contained panic at {site}");
                        seen.push(site);
                    }
                }
                return;
            }
            fuzzer_hook(info);
        }));
    });
}
