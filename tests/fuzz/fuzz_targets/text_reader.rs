//! Streaming text in any encoding (`extract::text::TextReader`) with the engine's chunk loop:
//! the reportable ranges of the chunks are the whole decoded text exactly once, in order, with
//! any short-read pattern; every finding's location lies inside the file. Byte 0 picks the
//! encoding and the read sizes; with its top bit set the input is repeated past one chunk
//! so that chunk boundaries (record ends, overlap, UTF-16 pairs cut in two) are exercised;
//! with bit 6 set (or when the text sniffs as FHIR, as in the engine) the reader is widened
//! to `DOCUMENT_CHUNK` after its first chunk (`TextReader::widen`).
#![no_main]
#[path = "common.rs"]
mod common;

use libfuzzer_sys::fuzz_target;
use phiscan::detect::{Chunk, Detector, Scratch, TextFormat};
use phiscan::extract::text::{Cursor, TextReader, CHUNK, DOCUMENT_CHUNK};
use phiscan::extract::{self, Encoding};
use std::io::Read;

/// A reader that returns short reads of the given sizes, in turn.
struct Short<'a> {
    data: &'a [u8],
    sizes: &'a [u8],
    i: usize,
}

impl Read for Short<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let want = if self.sizes.is_empty() {
            buf.len()
        } else {
            let s = self.sizes[self.i % self.sizes.len()] as usize;
            self.i += 1;
            if s == 0 {
                buf.len()
            } else {
                s * 61
            }
        };
        let n = want.min(buf.len()).min(self.data.len());
        buf[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        Ok(n)
    }
}

fuzz_target!(|input: &[u8]| {
    let Some((&ctl, rest)) = input.split_first() else {
        return;
    };
    let nsizes = (ctl as usize >> 3) & 7;
    if rest.len() < nsizes {
        return;
    }
    let (sizes, body) = rest.split_at(nsizes);
    let big;
    let data: &[u8] = if ctl & 0x80 != 0 && !body.is_empty() {
        big = body
            .iter()
            .copied()
            .cycle()
            .take(CHUNK + CHUNK / 2 + body.len())
            .collect::<Vec<u8>>();
        &big
    } else {
        body
    };
    // As the engine does: sniff the head (or force an encoding), then stream the rest.
    let head_len = data.len().min(64 * 1024);
    let (encoding, bom) = match ctl & 7 {
        0 => match extract::sniff(&data[..head_len]) {
            extract::Sniffed::Text { encoding, bom } => (encoding, bom),
            _ => (Encoding::Windows1252, 0),
        },
        1 => (Encoding::Utf8, 0),
        2 => (Encoding::Utf16Le, 0),
        3 => (Encoding::Utf16Be, 0),
        4 => (Encoding::Windows1252, 0),
        5 if data.starts_with(b"\xFF\xFE") => (Encoding::Utf16Le, 2),
        6 if data.starts_with(b"\xEF\xBB\xBF") => (Encoding::Utf8, 3),
        _ => (Encoding::Utf8, 0),
    };
    let (head, tail) = data.split_at(head_len);
    let mut reader = TextReader::new(
        Short {
            data: tail,
            sizes,
            i: 0,
        },
        encoding,
        head,
        bom,
    );
    let rules = common::rules();
    let det = Detector::new(rules);
    let mut scratch = Scratch::new(rules);
    let mut findings = Vec::new();
    let mut covered: Vec<u8> = Vec::new();
    let mut format = TextFormat::Plain;
    let mut cursor: Option<Cursor> = None;
    let mut record_end = b'\n';
    let mut first = true;
    let mut last_end = 0u64;
    while reader
        .next_chunk(record_end)
        .expect("in-memory reads do not fail")
    {
        assert!(reader.from <= reader.to && reader.to <= reader.text.len());
        assert_eq!(
            reader.base + reader.from as u64,
            last_end,
            "chunks are contiguous"
        );
        if first {
            let sample = &reader.text[..reader.text.len().min(64 * 1024)];
            format = TextFormat::sniff(sample, None, rules);
            record_end = format.record_end();
            cursor = Some(Cursor::new(encoding, bom, sample));
            if ctl & 0x40 != 0 || matches!(format, TextFormat::Fhir | TextFormat::FhirXml) {
                reader.widen(DOCUMENT_CHUNK, record_end);
                assert!(reader.from <= reader.to && reader.to <= reader.text.len());
            }
        }
        last_end = reader.base + reader.to as u64;
        covered.extend_from_slice(&reader.text[reader.from..reader.to]);
        let chunk = Chunk {
            text: &reader.text,
            from: reader.from,
            to: reader.to,
            at_start: first,
            fhir: None,
        };
        first = false;
        findings.clear();
        det.scan(&mut scratch, &chunk, &format, &mut findings);
        let cur = cursor.as_mut().expect("set on the first chunk");
        let mut prev = 0;
        for f in &findings {
            assert!(
                common::starts_in_chunk(f.rule, f.start, reader.from, reader.to),
                "finding outside the chunk's range"
            );
            assert!(f.start <= f.end && f.end <= reader.text.len());
            assert!(f.start >= prev, "findings in order");
            prev = f.start;
            let pos = cur.locate(&reader.text, reader.base, reader.base + f.start as u64);
            assert!(pos.line >= 1 && pos.column >= 1);
            assert!(
                pos.byte <= data.len() as u64,
                "location.byte inside the file"
            );
        }
        cur.advance(&reader.text, reader.base, reader.base + reader.to as u64);
    }
    assert_eq!(reader.bytes_read, data.len() as u64);
    // The reportable ranges are the whole decoded text, once.
    let want: Vec<u8> = match encoding {
        Encoding::Utf8 | Encoding::Windows1252 => data[bom.min(data.len())..].to_vec(),
        Encoding::Utf16Le | Encoding::Utf16Be => {
            let enc = if encoding == Encoding::Utf16Le {
                encoding_rs_le()
            } else {
                encoding_rs_be()
            };
            enc(&data[bom.min(data.len())..])
        }
    };
    assert!(
        covered == want,
        "chunks cover the text exactly once ({} vs {} bytes)",
        covered.len(),
        want.len()
    );
});

// encoding_rs is not a dependency of this crate: decode UTF-16 with the standard library the
// way encoding_rs does (unpaired surrogates and a trailing odd byte become U+FFFD; a high
// surrogate with only an odd byte after it, at the end, is one error: one U+FFFD, not two).
fn encoding_rs_le() -> fn(&[u8]) -> Vec<u8> {
    |b| utf16(b, u16::from_le_bytes)
}
fn encoding_rs_be() -> fn(&[u8]) -> Vec<u8> {
    |b| utf16(b, u16::from_be_bytes)
}
fn utf16(b: &[u8], f: fn([u8; 2]) -> u16) -> Vec<u8> {
    let mut units: Vec<u16> = b.chunks_exact(2).map(|c| f([c[0], c[1]])).collect();
    let odd = b.len() % 2 == 1;
    // A high surrogate last, then the odd byte: both go into the one U+FFFD pushed below.
    if odd && units.last().is_some_and(|u| (0xD800..0xDC00).contains(u)) {
        units.pop();
    }
    let mut s: String = char::decode_utf16(units)
        .map(|r| r.unwrap_or('\u{FFFD}'))
        .collect();
    if odd {
        s.push('\u{FFFD}');
    }
    s.into_bytes()
}
