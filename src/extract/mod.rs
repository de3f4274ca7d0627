//! Extraction: bytes in, text out. Decides what a file is by its content (magic bytes first,
//! the extension second), and turns text files in any common encoding into chunks of text the
//! detector can search, with a way back to lines and byte offsets.
//!
//! Formats with their own extractors (PDF, spreadsheets, office documents, e-mail, archives)
//! are recognised here already; until their extractors land they end as `unsupported` with
//! the format named in the reason, never as a silent "no findings".

pub mod archive;
pub mod document;
pub mod email;
pub mod html;
pub mod office;
pub mod pdf;
pub mod sheet;
pub mod sql;
pub mod text;

/// What the first bytes of a file say it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sniffed {
    /// Text in this encoding; `bom` bytes to skip.
    Text { encoding: Encoding, bom: usize },
    /// A binary format we recognise but cannot read (yet): its name.
    Binary(&'static str),
    /// Binary content of no known format.
    UnknownBinary,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    Utf16Le,
    Utf16Be,
    /// Not valid UTF-8: read as Windows-1252 (a superset of Latin-1 for text). Digits,
    /// keywords and identifiers are ASCII, so the bytes are searched as they are.
    Windows1252,
}

impl Encoding {
    pub fn name(self) -> &'static str {
        match self {
            Encoding::Utf8 => "utf-8",
            Encoding::Utf16Le => "utf-16le",
            Encoding::Utf16Be => "utf-16be",
            Encoding::Windows1252 => "windows-1252",
        }
    }
}

/// Magic numbers of formats a medical office's share is full of.
const MAGIC: &[(usize, &[u8], &str)] = &[
    (0, b"%PDF-", "PDF document"),
    (
        0,
        b"PK\x03\x04",
        "zip container (zip, docx, xlsx, pptx, odt, ods)",
    ),
    (0, b"PK\x05\x06", "zip container (empty)"),
    (
        0,
        b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1",
        "OLE2 compound document (doc, xls, ppt, msg)",
    ),
    (0, b"\x1F\x8B", "gzip archive"),
    (0, b"BZh", "bzip2 archive"),
    (0, b"\xFD7zXZ\x00", "xz archive"),
    (0, b"7z\xBC\xAF\x27\x1C", "7z archive"),
    (0, b"Rar!\x1A\x07", "RAR archive"),
    (257, b"ustar", "tar archive"),
    (0, b"\x89PNG\r\n\x1A\n", "PNG image (needs OCR)"),
    (0, b"\xFF\xD8\xFF", "JPEG image (needs OCR)"),
    (0, b"GIF87a", "GIF image (needs OCR)"),
    (0, b"GIF89a", "GIF image (needs OCR)"),
    (0, b"II*\x00", "TIFF image (needs OCR)"),
    (0, b"MM\x00*", "TIFF image (needs OCR)"),
    (0, b"BM", "BMP image (needs OCR)"),
    (0, b"SQLite format 3\x00", "SQLite database"),
    (0, b"\x7FELF", "ELF executable"),
    (0, b"MZ", "Windows executable"),
    (0, b"\x00\x00\x00\x0CjP  ", "JPEG 2000 image (needs OCR)"),
    (4, b"ftyp", "MP4/QuickTime media"),
    (0, b"ID3", "MP3 audio"),
    (0, b"RIFF", "RIFF media (wav, avi, webp)"),
    (0, b"DICM", "DICOM image"),
    (128, b"DICM", "DICOM image"),
    (0, b"!BDN", "Outlook PST mailbox"),
];

/// Decide what a file is from its first bytes (up to 64 KiB).
pub fn sniff(head: &[u8]) -> Sniffed {
    let c = census(head);
    for &(off, magic, name) in MAGIC {
        if head.len() >= off + magic.len() && &head[off..off + magic.len()] == magic {
            // "MZ" and "BM" are short: only trust them on binary-looking content.
            if magic.len() <= 2 && off == 0 && looks_like_text(head, &c) {
                continue;
            }
            return Sniffed::Binary(name);
        }
    }
    if head.starts_with(b"\xEF\xBB\xBF") {
        return Sniffed::Text {
            encoding: Encoding::Utf8,
            bom: 3,
        };
    }
    if head.starts_with(b"\xFF\xFE") {
        return Sniffed::Text {
            encoding: Encoding::Utf16Le,
            bom: 2,
        };
    }
    if head.starts_with(b"\xFE\xFF") {
        return Sniffed::Text {
            encoding: Encoding::Utf16Be,
            bom: 2,
        };
    }
    if c.nul {
        if let Some(enc) = utf16_without_bom(head) {
            return Sniffed::Text {
                encoding: enc,
                bom: 0,
            };
        }
    }
    if !looks_like_text(head, &c) {
        return Sniffed::UnknownBinary;
    }
    let valid_utf8 = c.ascii
        || match std::str::from_utf8(head) {
            Ok(_) => true,
            // A multi-byte character cut off at the end of the sample is fine.
            Err(e) => e.error_len().is_none() && head.len() - e.valid_up_to() < 4,
        };
    let encoding = if valid_utf8 {
        Encoding::Utf8
    } else {
        Encoding::Windows1252
    };
    Sniffed::Text { encoding, bom: 0 }
}

/// What `sniff` needs to know about every byte of a sample, from one pass: whether it has a
/// NUL, whether it is all ASCII (then it is UTF-8 without looking again), and how many
/// controls other than tab, newline and carriage return it has. On a small file the sample
/// is the whole file, and three passes over it (NUL, controls, UTF-8) cost 7% of the scan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Census {
    nul: bool,
    ascii: bool,
    rough: usize,
}

fn census(head: &[u8]) -> Census {
    #[cfg(target_arch = "x86_64")]
    if crate::detect::has_avx2() {
        // SAFETY: AVX2 and POPCNT are available (checked above).
        return unsafe { census_avx2(head) };
    }
    census_scalar(head)
}

fn census_scalar(head: &[u8]) -> Census {
    Census {
        nul: memchr::memchr(0, head).is_some(),
        ascii: head.is_ascii(),
        rough: count_bytes(head, |b| {
            (b < 0x20) & (b != b'\n') & (b != b'\t') & (b != b'\r')
        }),
    }
}

/// How many bytes of `head` pass `f`: byte-wide counters per 255-byte block, which the
/// compiler vectorizes (a plain filter-and-count does not, as well).
fn count_bytes(head: &[u8], f: fn(u8) -> bool) -> usize {
    head.chunks(255)
        .map(|c| c.iter().fold(0u8, |k, &b| k + f(b) as u8) as usize)
        .sum()
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,popcnt")]
unsafe fn census_avx2(head: &[u8]) -> Census {
    use std::arch::x86_64::*;
    let (c1f, nl, tab, cr, zero) = (
        _mm256_set1_epi8(0x1F),
        _mm256_set1_epi8(b'\n' as i8),
        _mm256_set1_epi8(b'\t' as i8),
        _mm256_set1_epi8(b'\r' as i8),
        _mm256_setzero_si256(),
    );
    let (mut rough, mut high, mut nul) = (0usize, 0u32, 0u32);
    let chunks = head.chunks_exact(32);
    let rest = chunks.remainder();
    for c in chunks {
        let v = _mm256_loadu_si256(c.as_ptr() as *const __m256i);
        // Unsigned v <= 0x1F, less the three usual ones.
        let ctrl = _mm256_cmpeq_epi8(_mm256_min_epu8(v, c1f), v);
        let usual = _mm256_or_si256(
            _mm256_or_si256(_mm256_cmpeq_epi8(v, nl), _mm256_cmpeq_epi8(v, tab)),
            _mm256_cmpeq_epi8(v, cr),
        );
        rough +=
            (_mm256_movemask_epi8(_mm256_andnot_si256(usual, ctrl)) as u32).count_ones() as usize;
        high |= _mm256_movemask_epi8(v) as u32;
        nul |= _mm256_movemask_epi8(_mm256_cmpeq_epi8(v, zero)) as u32;
    }
    let tail = census_scalar(rest);
    Census {
        nul: nul != 0 || tail.nul,
        ascii: high == 0 && tail.ascii,
        rough: rough + tail.rough,
    }
}

/// Text has no NUL bytes and few other control characters (`c`: the census of `head`).
fn looks_like_text(head: &[u8], c: &Census) -> bool {
    if head.is_empty() {
        return true;
    }
    if c.nul {
        return false;
    }
    if c.rough * 100 < head.len() * 2 {
        return true;
    }
    // The rarer allowed controls (form feed, escape, separators) are only told apart when
    // the rough count is high.
    let ctrl = count_bytes(head, |b| {
        b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0C | 0x1B | 0x1C..=0x1F)
    });
    ctrl * 100 < head.len() * 2
}

/// UTF-16 without a byte-order mark: mostly-ASCII text has a NUL in every other byte.
fn utf16_without_bom(head: &[u8]) -> Option<Encoding> {
    let n = head.len() & !1;
    // Mostly-ASCII UTF-16 has a NUL in every other byte; text with none is not it.
    if n < 16 || memchr::memchr(0, head).is_none() {
        return None;
    }
    let (mut even0, mut odd0) = (0usize, 0usize);
    for i in (0..n).step_by(2) {
        even0 += usize::from(head[i] == 0);
        odd0 += usize::from(head[i + 1] == 0);
    }
    let pairs = n / 2;
    if odd0 * 10 >= pairs * 7 && even0 * 20 < pairs {
        Some(Encoding::Utf16Le)
    } else if even0 * 10 >= pairs * 7 && odd0 * 20 < pairs {
        Some(Encoding::Utf16Be)
    } else {
        None
    }
}

/// What a recognised binary file is, for the document extractors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocSniff {
    Doc(document::DocKind),
    /// Encrypted container, recognisable without reading it (password-protected Office files).
    Encrypted(&'static str),
    /// A legacy binary Office file (OLE2 .doc, .ppt, .msg): text recovered heuristically.
    Legacy,
    Other,
}

fn utf16(s: &str) -> Vec<u8> {
    s.encode_utf16().flat_map(|u| u.to_le_bytes()).collect()
}

/// Decide which document extractor a binary file needs, from its first bytes (zip entry
/// names and OLE2 directory entries usually sit at the start) and then its extension.
pub fn document_kind(head: &[u8], ext: Option<&str>) -> DocSniff {
    use document::DocKind;
    let has = |needle: &[u8]| memchr::memmem::find(head, needle).is_some();
    let ext = ext.map(str::to_ascii_lowercase);
    let ext = ext.as_deref();
    if head.starts_with(b"%PDF-") {
        return DocSniff::Doc(DocKind::Pdf);
    }
    if head.starts_with(b"PK\x03\x04") {
        if has(b"xl/workbook")
            || has(b"xl/worksheets/")
            || has(b"application/vnd.oasis.opendocument.spreadsheet")
        {
            return DocSniff::Doc(DocKind::Spreadsheet);
        }
        if has(b"word/")
            || has(b"ppt/")
            || has(b"application/vnd.oasis.opendocument.text")
            || has(b"application/vnd.oasis.opendocument.presentation")
        {
            return DocSniff::Doc(DocKind::Office);
        }
        if matches!(ext, Some("xlsx" | "xlsm" | "xlsb" | "ods")) {
            return DocSniff::Doc(DocKind::Spreadsheet);
        }
        if matches!(ext, Some("docx" | "docm" | "pptx" | "pptm" | "odt" | "odp")) {
            return DocSniff::Doc(DocKind::Office);
        }
        return DocSniff::Other;
    }
    if head.starts_with(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1") {
        if has(&utf16("EncryptedPackage")) {
            return DocSniff::Encrypted("password-protected Office document (encrypted package)");
        }
        if has(&utf16("Workbook")) || has(&utf16("Book\0")) || matches!(ext, Some("xls")) {
            return DocSniff::Doc(DocKind::Spreadsheet);
        }
        // Word 97-2003, PowerPoint 97-2003, Outlook .msg: no maintained Rust parser; their
        // text is recovered from the raw streams (see `legacy_strings`).
        return DocSniff::Legacy;
    }
    DocSniff::Other
}

/// Text recovered from a legacy binary Office file (.doc, .ppt, .msg): runs of at least four
/// printable characters, both 8-bit (Windows-1252) and UTF-16LE, one run per line. Word and
/// Outlook keep a document's text in such runs, so labels and values stay together; layout
/// and fast-saved fragments may be lost, which the file record's reason says.
pub fn legacy_strings(data: &[u8]) -> String {
    let mut out = String::new();
    let printable = |b: u8| b == b'\t' || (0x20..0x7F).contains(&b) || b >= 0xA0;
    // 8-bit runs.
    let mut run = Vec::new();
    for &b in data.iter().chain(std::iter::once(&0u8)) {
        if printable(b) {
            run.push(b);
        } else {
            if run.len() >= 4 {
                let (t, _, _) = encoding_rs::WINDOWS_1252.decode(&run);
                out.push_str(&t);
                out.push('\n');
            }
            run.clear();
        }
    }
    // UTF-16LE runs, at both alignments.
    for start in 0..2 {
        let mut units: Vec<u16> = Vec::new();
        let mut i = start;
        while i + 1 < data.len() + 2 {
            let u = if i + 1 < data.len() {
                u16::from_le_bytes([data[i], data[i + 1]])
            } else {
                0
            };
            let ok = u == 9 || (0x20..0x7F).contains(&u) || (0xA0..0xD800).contains(&u);
            if ok {
                units.push(u);
            } else {
                if units.len() >= 4
                    && units.iter().filter(|&&c| c < 0x80).count() * 2 >= units.len()
                {
                    out.push_str(&String::from_utf16_lossy(&units));
                    out.push('\n');
                }
                units.clear();
            }
            i += 2;
        }
    }
    out
}

/// Turn `text[a..b]` into spaces where it was read already as something else (an HTML
/// table, a SQL dump's rows), so that the text scan does not report it again. Only ASCII
/// bytes change, and not line ends: lines, columns (characters) and UTF-16 offsets (counted
/// from the UTF-8 of a transcoded text) of what follows stay those of the file. Values and
/// keywords are ASCII, so what is left is never a finding.
pub fn blank(text: &mut [u8], a: usize, b: usize) {
    let b = b.min(text.len());
    for c in &mut text[a.min(b)..b] {
        if c.is_ascii() && *c != b'\n' && *c != b'\r' {
            *c = b' ';
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The counting shortcuts in `looks_like_text` decide as the plain definition does: no
    /// NUL, and fewer than 2% controls other than tab, newline, carriage return, form feed,
    /// escape and the separators.
    #[test]
    fn looks_like_text_is_the_plain_definition() {
        let plain = |h: &[u8]| {
            h.is_empty()
                || (!h.contains(&0)
                    && h.iter()
                        .filter(|&&b| {
                            b < 0x20
                                && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0C | 0x1B | 0x1C..=0x1F)
                        })
                        .count()
                        * 100
                        < h.len() * 2)
        };
        let mut next = xorshift(0x9E3779B97F4A7C15);
        let bytes = b"abc \n\t\r\x0c\x1b\x1c\x1f\x01\x02\x7f\xe9";
        for _ in 0..2000 {
            let len = (next() % 1200) as usize;
            // Mostly letters, with a varying share of controls around the 2% threshold.
            let share = next() % 60;
            let h: Vec<u8> = (0..len)
                .map(|_| {
                    if next() % 1000 < share {
                        bytes[(next() % bytes.len() as u64) as usize]
                    } else {
                        b'a' + (next() % 26) as u8
                    }
                })
                .collect();
            assert_eq!(looks_like_text(&h, &census(&h)), plain(&h), "{h:?}");
            assert_eq!(census(&h), census_scalar(&h), "{h:?}");
        }
    }

    /// A small deterministic random-number generator for the tests' inputs.
    fn xorshift(mut x: u64) -> impl FnMut() -> u64 {
        move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        }
    }

    /// The one-pass census (vectorized where the CPU can) agrees with counting byte by byte,
    /// at every length around the 32-byte blocks, with NULs, high bytes and controls.
    #[test]
    fn census_is_the_byte_by_byte_count() {
        let mut next = xorshift(0x2545F4914F6CDD1D);
        let bytes = b"\x00\x01\x09\x0a\x0d\x1f\x20\x7f\x80\xe9\xffa";
        for len in (0..140).chain([1000, 4099]) {
            for _ in 0..20 {
                // Mostly one letter, so each kind of byte is sometimes absent.
                let h: Vec<u8> = (0..len)
                    .map(|_| {
                        if next().is_multiple_of(50) {
                            bytes[(next() % bytes.len() as u64) as usize]
                        } else {
                            b'a'
                        }
                    })
                    .collect();
                let want = Census {
                    nul: h.contains(&0),
                    ascii: h.iter().all(|&b| b < 0x80),
                    rough: h
                        .iter()
                        .filter(|&&b| b < 0x20 && b != b'\t' && b != b'\n' && b != b'\r')
                        .count(),
                };
                assert_eq!(census(&h), want, "{h:?}");
                assert_eq!(census_scalar(&h), want, "{h:?}");
            }
        }
    }

    #[test]
    fn sniffing() {
        assert_eq!(sniff(b"%PDF-1.7\n..."), Sniffed::Binary("PDF document"));
        assert_eq!(
            sniff(b"hello, world\n"),
            Sniffed::Text {
                encoding: Encoding::Utf8,
                bom: 0
            }
        );
        assert_eq!(
            sniff(b"caf\xe9 au lait\n"),
            Sniffed::Text {
                encoding: Encoding::Windows1252,
                bom: 0
            }
        );
        let u16le: Vec<u8> = "Patient SSN 234-56-7891"
            .encode_utf16()
            .flat_map(|u| u.to_le_bytes())
            .collect();
        assert_eq!(
            sniff(&u16le),
            Sniffed::Text {
                encoding: Encoding::Utf16Le,
                bom: 0
            }
        );
        assert_eq!(
            sniff(b"\x00\x01\x02\x03binary\x00\x00"),
            Sniffed::UnknownBinary
        );
        assert_eq!(
            sniff(b"BMW service list\n"),
            Sniffed::Text {
                encoding: Encoding::Utf8,
                bom: 0
            }
        );
    }
}
