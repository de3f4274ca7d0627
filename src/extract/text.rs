//! Streaming text: a file of any size is read in bounded chunks that overlap a little, so a
//! value or its label is never cut at a chunk boundary and memory stays flat (a 1 GB log
//! needs a few MiB). UTF-16 is transcoded to UTF-8 on the way; UTF-8 and Windows-1252 are
//! searched as they are (every identifier and keyword is ASCII).

use super::Encoding;
use std::io::{self, Read};

/// Text per chunk. Small enough to stay in a core's L2 cache while the detector makes its
/// passes over it (digit tokens, literals, lines) and while `read` copies the next one in:
/// with 4 MiB chunks every pass streamed from L3 or memory, and the whole benchmark tree took
/// 4% more time on an Intel Xeon (Sapphire Rapids class) VM; 192 KiB to 512 KiB were alike.
pub const CHUNK: usize = 256 << 10;
/// Text per chunk for formats read as documents (FHIR JSON and XML): a resource must fit
/// whole in a chunk to be read as one (`TextReader::widen`).
pub const DOCUMENT_CHUNK: usize = 4 << 20;
/// Bytes at the end of a chunk that are searched again with the next one.
const OVERLAP: usize = 1024;
/// Context kept before the next chunk's first reportable byte (labels, keywords).
const KEEP_BEFORE: usize = 512;

pub struct TextReader<R: Read> {
    src: R,
    encoding: Encoding,
    decoder: Option<encoding_rs::Decoder>,
    raw: Vec<u8>,
    /// The current chunk: kept context + new text.
    pub text: Vec<u8>,
    /// Offset of `text[0]` in the whole (decoded) text.
    pub base: u64,
    /// Findings are reported when they start in `text[from..to]`.
    pub from: usize,
    pub to: usize,
    started: bool,
    eof: bool,
    done: bool,
    /// Bytes read from the source so far (including the head given to `new`).
    pub bytes_read: u64,
    /// New text per chunk: [`CHUNK`] unless [`TextReader::widen`]ed.
    chunk: usize,
    /// A read error met by `widen`, returned by the next `next_chunk`.
    pending: Option<io::Error>,
}

/// A reader's two buffers, handed from one file to the next: a scan of many files then
/// allocates (and the kernel maps and zeroes) its chunk buffers once per thread, not per file.
#[derive(Default)]
pub struct Buffers {
    raw: Vec<u8>,
    text: Vec<u8>,
}

impl<R: Read> TextReader<R> {
    /// `head` is what was already read from `src` (to sniff it), `bom` bytes of it skipped.
    pub fn new(src: R, encoding: Encoding, head: &[u8], bom: usize) -> TextReader<R> {
        Self::with_buffers(src, encoding, head, bom, Buffers::default())
    }

    /// As `new`, reusing the buffers of an earlier reader.
    pub fn with_buffers(
        src: R,
        encoding: Encoding,
        head: &[u8],
        bom: usize,
        mut bufs: Buffers,
    ) -> TextReader<R> {
        let decoder = match encoding {
            Encoding::Utf16Le => Some(encoding_rs::UTF_16LE.new_decoder_without_bom_handling()),
            Encoding::Utf16Be => Some(encoding_rs::UTF_16BE.new_decoder_without_bom_handling()),
            _ => None,
        };
        bufs.text.clear();
        bufs.text.reserve(head.len().max(64 * 1024));
        let mut r = TextReader {
            src,
            encoding,
            decoder,
            raw: bufs.raw,
            text: bufs.text,
            base: 0,
            from: 0,
            to: 0,
            started: false,
            eof: false,
            done: false,
            bytes_read: head.len() as u64,
            chunk: CHUNK,
            pending: None,
        };
        r.push(&head[bom.min(head.len())..], false);
        r
    }

    /// Whether the chunk holds the end of the text (its `to` is the end).
    pub fn at_end(&self) -> bool {
        self.eof
    }

    pub fn encoding(&self) -> Encoding {
        self.encoding
    }

    /// The buffers, for the next reader.
    pub fn into_buffers(self) -> Buffers {
        Buffers {
            raw: self.raw,
            text: self.text,
        }
    }

    fn push(&mut self, raw: &[u8], last: bool) {
        match &mut self.decoder {
            None => self.text.extend_from_slice(raw),
            Some(dec) => {
                let need = dec
                    .max_utf8_buffer_length(raw.len())
                    .unwrap_or(raw.len() * 3 + 16);
                let old = self.text.len();
                self.text.resize(old + need, 0);
                let (_, _, written, _) = dec.decode_to_utf8(raw, &mut self.text[old..], last);
                self.text.truncate(old + written);
            }
        }
    }

    /// Advance to the next chunk; `record_end` is the byte that ends a record (a newline, or
    /// an X12 segment terminator) so chunks break between records. Returns false when done.
    pub fn next_chunk(&mut self, record_end: u8) -> io::Result<bool> {
        if let Some(e) = self.pending.take() {
            return Err(e);
        }
        if self.done {
            return Ok(false);
        }
        if self.started {
            if self.eof {
                self.done = true;
                return Ok(false);
            }
            let keep_from = self.to.saturating_sub(KEEP_BEFORE);
            self.text.drain(..keep_from);
            self.base += keep_from as u64;
            self.from = self.to - keep_from;
        }
        self.started = true;
        self.fill()?;
        self.cut(record_end);
        Ok(true)
    }

    /// Make this chunk and the next ones hold up to `chunk` bytes of new text (never fewer
    /// than now): formats read as documents (FHIR JSON and XML) need a whole resource in one
    /// chunk.
    /// The current chunk is read on to its new size and cut again. A read error is kept for
    /// the next [`TextReader::next_chunk`], so the text read before it is still searched.
    pub fn widen(&mut self, chunk: usize, record_end: u8) {
        if chunk <= self.chunk {
            return;
        }
        self.chunk = chunk;
        if self.started && !self.eof {
            if let Err(e) = self.fill() {
                self.pending = Some(e);
            }
            self.cut(record_end);
        }
    }

    /// Read on until the chunk holds `chunk` bytes after `from`, or the text ends.
    fn fill(&mut self) -> io::Result<()> {
        let chunk = self.chunk;
        if self.decoder.is_none() {
            // Searched as it is read: straight into the chunk, not through `raw` (one copy
            // of every byte less). `read_to_end` fills the spare capacity without zeroing it
            // first for a file, and reads until `want` bytes or the end of the file.
            let want = (self.from + chunk).saturating_sub(self.text.len());
            if !self.eof && want > 0 {
                // Exact: `from` is at most KEEP_BEFORE, so the buffer settles at one size.
                self.text.reserve_exact(want);
                let before = self.text.len();
                let res = (&mut self.src)
                    .take(want as u64)
                    .read_to_end(&mut self.text);
                let n = self.text.len() - before;
                self.bytes_read += n as u64;
                res?;
                self.eof = n < want;
            }
        } else {
            // UTF-16: read into `raw` and transcoded into the chunk. The read buffer starts
            // small (most files are small) and grows to the chunk size.
            if self.raw.is_empty() {
                self.raw.resize(64 * 1024, 0);
            }
            while !self.eof && self.text.len() < self.from + chunk {
                let want = (self.from + chunk - self.text.len()).min(self.raw.len());
                let n = match self.src.read(&mut self.raw[..want]) {
                    Ok(n) => n,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(e) => return Err(e),
                };
                self.bytes_read += n as u64;
                if n == 0 {
                    self.eof = true;
                    self.push_last();
                } else {
                    let raw = std::mem::take(&mut self.raw);
                    self.push(&raw[..n], false);
                    self.raw = raw;
                    if n == self.raw.len() && self.raw.len() < chunk {
                        let grown = (self.raw.len() * 4).min(chunk);
                        self.raw.resize(grown, 0);
                    }
                }
            }
        }
        Ok(())
    }

    /// Where the chunk's reportable part ends: the text's end at the end of the file, else
    /// after the last `record_end` before the overlap.
    fn cut(&mut self, record_end: u8) {
        if self.eof {
            self.to = self.text.len();
        } else {
            let tentative = self.text.len() - OVERLAP;
            let lo = tentative.saturating_sub(64 * 1024).max(self.from);
            self.to = memchr::memrchr(record_end, &self.text[lo..tentative])
                .map_or(tentative, |i| lo + i + 1);
        }
    }

    fn push_last(&mut self) {
        if self.decoder.is_some() {
            self.push(&[], true);
        }
    }
}

/// How many `line_byte`s `seg` holds, and where the last one is (None: none). Counted with
/// memchr's vectorized count, not one search per line.
pub fn count_lines(line_byte: u8, seg: &[u8]) -> Option<(usize, usize)> {
    let last = memchr::memrchr(line_byte, seg)?;
    Some((
        memchr::memchr_iter(line_byte, &seg[..last]).count() + 1,
        last,
    ))
}

/// Maps offsets in the decoded text to lines, columns and file byte offsets, moving forward
/// only (findings come in order).
#[derive(Debug, Clone)]
pub struct Cursor {
    pos: u64,
    line: u64,
    line_start: u64,
    utf16_units: u64,
    line_byte: u8,
    encoding: Encoding,
    bom: u64,
    /// The last located offset and its column: the next finding on the same line counts
    /// characters from there, not from the line start (one long line stays linear).
    col_at: u64,
    col: u64,
}

pub struct Pos {
    pub line: u64,
    pub column: u64,
    pub byte: u64,
}

impl Cursor {
    pub fn new(encoding: Encoding, bom: usize, first_text: &[u8]) -> Cursor {
        // Files that end lines with a bare CR (HL7 segments) count CRs.
        let line_byte = if memchr::memchr(b'\n', first_text).is_none()
            && memchr::memchr(b'\r', first_text).is_some()
        {
            b'\r'
        } else {
            b'\n'
        };
        Cursor {
            pos: 0,
            line: 1,
            line_start: 0,
            utf16_units: 0,
            line_byte,
            encoding,
            bom: bom as u64,
            col_at: 0,
            col: 1,
        }
    }

    /// Move to absolute offset `target` (>= current) using the chunk `text` starting at `base`.
    pub fn advance(&mut self, text: &[u8], base: u64, target: u64) {
        if target <= self.pos {
            return;
        }
        let s = (self.pos.max(base) - base) as usize;
        let e = ((target - base) as usize).min(text.len());
        let seg = &text[s.min(e)..e];
        if let Some((n, last)) = count_lines(self.line_byte, seg) {
            self.line += n as u64;
            self.line_start = base + (s + last + 1) as u64;
        }
        if matches!(self.encoding, Encoding::Utf16Le | Encoding::Utf16Be) {
            self.utf16_units += seg
                .iter()
                .map(|&b| u64::from((b & 0xC0) != 0x80) + u64::from(b >= 0xF0))
                .sum::<u64>();
        }
        self.pos = target;
    }

    pub fn locate(&mut self, text: &[u8], base: u64, target: u64) -> Pos {
        self.advance(text, base, target);
        let chars = |seg: &[u8]| match self.encoding {
            Encoding::Windows1252 => seg.len() as u64,
            // Most text between two findings is ASCII: a word-at-a-time test, not a count.
            _ if seg.is_ascii() => seg.len() as u64,
            _ => seg.iter().filter(|&&b| (b & 0xC0) != 0x80).count() as u64,
        };
        let column = if self.col_at >= self.line_start
            && self.col_at >= base
            && self.col_at <= target
            && self.col_at > 0
        {
            self.col + chars(&text[(self.col_at - base) as usize..(target - base) as usize])
        } else if self.line_start >= base {
            chars(&text[(self.line_start - base) as usize..(target - base) as usize]) + 1
        } else {
            target - self.line_start + 1
        };
        self.col_at = target;
        self.col = column;
        let byte = match self.encoding {
            Encoding::Utf16Le | Encoding::Utf16Be => self.bom + 2 * self.utf16_units,
            _ => self.bom + target,
        };
        Pos {
            line: self.line,
            column,
            byte,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_counted() {
        assert_eq!(count_lines(b'\n', b""), None);
        assert_eq!(count_lines(b'\n', b"abc"), None);
        assert_eq!(count_lines(b'\n', b"\n"), Some((1, 0)));
        assert_eq!(count_lines(b'\n', b"a\nb\n\nc"), Some((3, 4)));
        let long: Vec<u8> = (0..10_000)
            .map(|i| if i % 7 == 3 { b'\r' } else { b'x' })
            .collect();
        let want = long.iter().filter(|&&b| b == b'\r').count();
        let last = long.iter().rposition(|&b| b == b'\r').unwrap();
        assert_eq!(count_lines(b'\r', &long), Some((want, last)));
    }

    #[test]
    fn chunks_cover_everything_once() {
        // 10 MiB of lines; every line's number must be reportable in exactly one chunk.
        let mut data = Vec::new();
        let mut i = 0u64;
        while data.len() < 10 << 20 {
            data.extend_from_slice(format!("line {i:08}\n").as_bytes());
            i += 1;
        }
        let mut r = TextReader::new(&data[..], Encoding::Utf8, &[], 0);
        let mut seen = 0u64;
        let mut last_end = 0u64;
        while r.next_chunk(b'\n').unwrap() {
            assert_eq!(
                r.base + r.from as u64,
                last_end,
                "chunks must be contiguous"
            );
            last_end = r.base + r.to as u64;
            seen += memchr::memchr_iter(b'\n', &r.text[r.from..r.to]).count() as u64;
        }
        assert_eq!(seen, i);
        assert_eq!(last_end, data.len() as u64);
    }

    /// A source that reads in odd short pieces, is interrupted now and then, and (if asked)
    /// fails for good at `fail_at`, like a flaky network mount.
    struct Flaky {
        data: Vec<u8>,
        pos: usize,
        calls: usize,
        fail_at: Option<usize>,
    }

    impl Read for Flaky {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            self.calls += 1;
            if self.calls.is_multiple_of(3) {
                return Err(io::ErrorKind::Interrupted.into());
            }
            let end = self.fail_at.unwrap_or(self.data.len());
            if self.pos >= end && self.fail_at.is_some() {
                return Err(io::Error::other("flaky mount"));
            }
            let n = buf.len().min(7919).min(end - self.pos);
            buf[..n].copy_from_slice(&self.data[self.pos..self.pos + n]);
            self.pos += n;
            Ok(n)
        }
    }

    /// A source over `data` that breaks its reads up, is interrupted every third call, and
    /// fails at `fail_at` if given.
    fn flaky(data: Vec<u8>, fail_at: Option<usize>) -> Flaky {
        Flaky {
            data,
            pos: 0,
            calls: 0,
            fail_at,
        }
    }

    fn lines(n: usize) -> Vec<u8> {
        let mut data = Vec::new();
        let mut i = 0u64;
        while data.len() < n {
            data.extend_from_slice(format!("line {i:08}\n").as_bytes());
            i += 1;
        }
        data
    }

    #[test]
    fn short_and_interrupted_reads_lose_nothing() {
        let data = lines(9 << 20);
        let head = &data[..1000];
        for enc in [Encoding::Utf8, Encoding::Windows1252] {
            let src = flaky(data[head.len()..].to_vec(), None);
            let mut r = TextReader::new(src, enc, head, 0);
            let mut got = Vec::new();
            while r.next_chunk(b'\n').unwrap() {
                got.extend_from_slice(&r.text[r.from..r.to]);
            }
            assert_eq!(got.len(), data.len());
            assert!(got == data, "the chunks must be the file, byte for byte");
            assert_eq!(r.bytes_read, data.len() as u64);
        }
        // UTF-16 goes through the decoder: the same text comes out.
        let wide: Vec<u8> = data.iter().flat_map(|&b| [b, 0]).collect();
        let src = flaky(wide[1000..].to_vec(), None);
        let mut r = TextReader::new(src, Encoding::Utf16Le, &wide[..1000], 0);
        let mut got = Vec::new();
        while r.next_chunk(b'\n').unwrap() {
            got.extend_from_slice(&r.text[r.from..r.to]);
        }
        assert!(got == data, "UTF-16 chunks must be the text, byte for byte");
        assert_eq!(r.bytes_read, wide.len() as u64);
    }

    /// `widen` after the first chunk reads that chunk on to the new size, and the chunks
    /// still cover the text once, in UTF-8 and UTF-16; a read error met while widening comes
    /// out of the next `next_chunk`, after the text read before it.
    #[test]
    fn widening_the_first_chunk_loses_nothing() {
        let data = lines(11 << 20);
        let wide: Vec<u8> = data.iter().flat_map(|&b| [b, 0]).collect();
        for (enc, bytes) in [(Encoding::Utf8, &data), (Encoding::Utf16Le, &wide)] {
            let src = flaky(bytes[1000..].to_vec(), None);
            let mut r = TextReader::new(src, enc, &bytes[..1000], 0);
            assert!(r.next_chunk(b'\n').unwrap());
            assert!(r.to <= CHUNK);
            r.widen(DOCUMENT_CHUNK, b'\n');
            assert!(r.to > CHUNK && r.to <= DOCUMENT_CHUNK, "{}", r.to);
            let mut got = r.text[r.from..r.to].to_vec();
            while r.next_chunk(b'\n').unwrap() {
                assert!(r.to - r.from > CHUNK || r.at_end());
                got.extend_from_slice(&r.text[r.from..r.to]);
            }
            assert!(
                got == data,
                "{enc:?}: the chunks must be the text, byte for byte"
            );
        }
        let fail_at = 3 << 20;
        let src = flaky(data.clone(), Some(fail_at));
        let mut r = TextReader::new(src, Encoding::Utf8, &[], 0);
        assert!(r.next_chunk(b'\n').unwrap());
        r.widen(DOCUMENT_CHUNK, b'\n');
        assert_eq!(r.bytes_read, fail_at as u64);
        assert!(r.to > CHUNK && r.to < fail_at);
        assert_eq!(r.next_chunk(b'\n').unwrap_err().to_string(), "flaky mount");
    }

    #[test]
    fn a_read_error_counts_the_bytes_before_it() {
        let data = lines(9 << 20);
        let fail_at = (5 << 20) + 123;
        let src = flaky(data.clone(), Some(fail_at));
        let mut r = TextReader::new(src, Encoding::Utf8, &[], 0);
        let mut got = Vec::new();
        let err = loop {
            match r.next_chunk(b'\n') {
                Ok(true) => got.extend_from_slice(&r.text[r.from..r.to]),
                Ok(false) => panic!("the error must be reported"),
                Err(e) => break e,
            }
        };
        assert_eq!(err.to_string(), "flaky mount");
        assert_eq!(r.bytes_read, fail_at as u64);
        assert!(got.len() < fail_at && data.starts_with(&got));
    }

    #[test]
    fn utf16_endings_stream_as_they_decode_in_one_piece() {
        // Unpaired surrogates and odd trailing bytes at the end of the file, after more than a
        // chunk (so the end arrives in a later read): the streamed text is what encoding_rs
        // makes of the whole file at once. A high surrogate followed by a lone byte is one
        // error (one U+FFFD), not two (found by the text_reader fuzz target, whose reference
        // decoder counted two).
        for tail in [
            &b"\x00\xd8\x36"[..],
            b"\x00\xd8",
            b"\x36",
            b"\x00\xdc\x36",
            b"A\x00",
        ] {
            let mut data: Vec<u8> = "SSN: 234-56-7891\n"
                .encode_utf16()
                .flat_map(|u| u.to_le_bytes())
                .cycle()
                .take(CHUNK * 3 + 2)
                .collect();
            data.extend_from_slice(tail);
            let (want, _) = encoding_rs::UTF_16LE.decode_without_bom_handling(&data);
            if tail == b"\x00\xd8\x36" {
                let last: Vec<char> = want.chars().rev().take(2).collect();
                assert!(
                    last[0] == '\u{FFFD}' && last[1] != '\u{FFFD}',
                    "one U+FFFD for both"
                );
            }
            let head = 64 * 1024;
            let mut r = TextReader::new(
                flaky(data[head..].to_vec(), None),
                Encoding::Utf16Le,
                &data[..head],
                0,
            );
            let mut got = Vec::new();
            while r.next_chunk(b'\n').unwrap() {
                got.extend_from_slice(&r.text[r.from..r.to]);
            }
            assert!(
                got == want.as_bytes(),
                "tail {tail:?}: {} vs {} bytes",
                got.len(),
                want.len()
            );
        }
    }

    /// Columns count characters, also between two findings of one line, whether the text
    /// before them is ASCII or not.
    #[test]
    fn columns_count_characters() {
        let text = "x\nZoë Müller SSN 234-56-7891 DOB 01/02/1980\nplain 1 and 2\n".as_bytes();
        let mut c = Cursor::new(Encoding::Utf8, 0, text);
        let at = |needle: &str| {
            text.windows(needle.len())
                .position(|w| w == needle.as_bytes())
                .unwrap() as u64
        };
        let mut col = |s: &str| {
            let p = c.locate(text, 0, at(s));
            (p.line, p.column)
        };
        assert_eq!(col("234"), (2, 16));
        assert_eq!(col("01/"), (2, 32));
        assert_eq!(col("1 and"), (3, 7));
        assert_eq!(col("2\n"), (3, 13));
    }

    #[test]
    fn utf16_is_transcoded_and_located() {
        let s = "é\nSSN 234-56-7891";
        let mut bytes = vec![0xFF, 0xFE];
        bytes.extend(s.encode_utf16().flat_map(|u| u.to_le_bytes()));
        let mut r = TextReader::new(&bytes[2..], Encoding::Utf16Le, &bytes[..2], 2);
        assert!(r.next_chunk(b'\n').unwrap());
        assert_eq!(std::str::from_utf8(&r.text).unwrap(), s);
        let mut c = Cursor::new(Encoding::Utf16Le, 2, &r.text);
        let at = r.text.windows(3).position(|w| w == b"234").unwrap() as u64;
        let p = c.locate(&r.text, 0, at);
        assert_eq!((p.line, p.column, p.byte), (2, 5, 2 + 2 * 6));
    }
}
