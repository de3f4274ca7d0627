//! What a file is: `extract::sniff`, `document_kind`, the archive and e-mail sniffers and the
//! text-format sniffer (all run in the scanning process on every file's first 64 KiB).
#![no_main]
#[path = "common.rs"]
mod common;

use libfuzzer_sys::fuzz_target;
use phiscan::detect::TextFormat;
use phiscan::extract::{self, archive::ArchiveKind, email};

const EXTS: &[Option<&str>] = &[
    None,
    Some("pdf"),
    Some("xlsx"),
    Some("docx"),
    Some("doc"),
    Some("xls"),
    Some("csv"),
    Some("txt"),
    Some("ods"),
    Some("msg"),
    Some("hl7"),
    Some("json"),
    Some("rtf"),
    Some("zip"),
];

fuzz_target!(|data: &[u8]| {
    let ext = EXTS[data.first().copied().unwrap_or(0) as usize % EXTS.len()];
    let head = &data[..data.len().min(64 * 1024)];
    match extract::sniff(head) {
        extract::Sniffed::Text { bom, .. } => assert!(bom <= head.len()),
        extract::Sniffed::Binary(name) => assert!(!name.is_empty()),
        extract::Sniffed::UnknownBinary => {}
    }
    let _ = extract::document_kind(head, ext);
    let _ = ArchiveKind::sniff(head);
    let _ = email::sniff_eml(head);
    let _ = email::sniff_mbox(head);
    let _ = TextFormat::sniff(head, ext, common::rules()).record_end();
});
