//! Archives: zip, tar, gzip/bzip2/xz (a single compressed file, or a compressed tar), 7z.
//!
//! Members are read into memory through budgets, never written anywhere by name: a member
//! name is only ever a label (`outer.zip!/inner/file.pdf`), never a path. Limits:
//! - a member larger than the per-member limit is `too_large`;
//! - a member that inflates past the remaining budget of uncompressed bytes for the top-level
//!   file, or whose compression ratio is absurd, is an `error` "archive bomb: ...";
//! - after the per-archive member limit, the rest is reported in one record;
//! - encrypted members are `encrypted`.
//!
//! Nesting depth is enforced by the caller (engine/), which recurses into members.

use std::io::{self, BufRead, BufReader, Read, Seek};
use std::time::SystemTime;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArchiveKind {
    Zip,
    Tar,
    Gzip,
    Bzip2,
    Xz,
    SevenZ,
}

impl ArchiveKind {
    pub fn name(self) -> &'static str {
        match self {
            ArchiveKind::Zip => "zip",
            ArchiveKind::Tar => "tar",
            ArchiveKind::Gzip => "gzip",
            ArchiveKind::Bzip2 => "bzip2",
            ArchiveKind::Xz => "xz",
            ArchiveKind::SevenZ => "7z",
        }
    }

    /// Recognise an archive from its first bytes.
    pub fn sniff(head: &[u8]) -> Option<ArchiveKind> {
        if head.starts_with(b"PK\x03\x04") || head.starts_with(b"PK\x05\x06") {
            Some(ArchiveKind::Zip)
        } else if head.starts_with(b"\x1F\x8B") {
            Some(ArchiveKind::Gzip)
        } else if head.starts_with(b"BZh") && head.len() > 4 && head[3].is_ascii_digit() {
            Some(ArchiveKind::Bzip2)
        } else if head.starts_with(b"\xFD7zXZ\x00") {
            Some(ArchiveKind::Xz)
        } else if head.starts_with(b"7z\xBC\xAF\x27\x1C") {
            Some(ArchiveKind::SevenZ)
        } else if head.len() >= 262 && &head[257..262] == b"ustar" {
            Some(ArchiveKind::Tar)
        } else {
            None
        }
    }
}

#[derive(Debug, Clone)]
pub struct Limits {
    /// Members examined per archive.
    pub max_members: u64,
    /// Largest member read.
    pub max_member_size: u64,
    /// Uncompressed bytes per top-level file, all nesting levels together.
    pub max_total: u64,
    /// Compression ratio above which a large member is a bomb.
    pub max_ratio: u64,
    /// Nesting depth.
    pub max_depth: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_members: 10_000,
            max_member_size: 256 << 20,
            max_total: 2 << 30,
            max_ratio: 200,
            max_depth: 8,
        }
    }
}

/// What became of one member.
pub enum MemberData {
    Bytes(Vec<u8>),
    Encrypted,
    Bomb(String),
    TooLarge(String),
    Error(String),
}

pub struct Member {
    pub name: String,
    /// The name's bytes as stored, when they are not UTF-8 (`name` is then a lossy copy): the
    /// member's path keeps them (`path_bytes`), as for file names on disk.
    pub raw_name: Option<Vec<u8>>,
    pub modified: Option<SystemTime>,
    pub data: MemberData,
}

/// Bytes left to inflate for one top-level file, and the bombs met so far in it.
pub struct Budget {
    pub remaining: std::cell::Cell<u64>,
    pub bombs: std::cell::Cell<u32>,
}

impl Budget {
    pub fn new(total: u64) -> Budget {
        Budget {
            remaining: std::cell::Cell::new(total),
            bombs: std::cell::Cell::new(0),
        }
    }

    fn spend(&self, n: u64) {
        self.remaining.set(self.remaining.get().saturating_sub(n));
    }
}

/// After this many bomb members in one top-level file, no further archive in it is opened
/// (a 42.zip-style bomb would otherwise produce a record per layer member).
pub const MAX_BOMBS: u32 = 16;

/// Bytes in and out of a single compressed stream (.gz, .bz2, .xz, and a tar inside one),
/// counted while it inflates: the ratio of what the decoder has produced to what it has
/// consumed so far stops a bomb after 16 MiB, however large the compressed file is.
#[derive(Default, Clone)]
struct Inflation {
    consumed: std::rc::Rc<std::cell::Cell<u64>>,
    produced: std::rc::Rc<std::cell::Cell<u64>>,
}

/// A reader that adds what it reads to a counter.
struct Counting<R> {
    inner: R,
    n: std::rc::Rc<std::cell::Cell<u64>>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.n.set(self.n.get() + n as u64);
        Ok(n)
    }
}

impl Inflation {
    fn bomb(&self, lim: &Limits) -> Option<String> {
        let (c, d) = (self.consumed.get(), self.produced.get());
        (d > 16 << 20 && d / c.max(1) > lim.max_ratio).then(|| {
            format!(
                "archive bomb: compression ratio over {}:1 (stopped after {} from {} compressed)",
                lim.max_ratio,
                crate::inventory::human_bytes(d),
                crate::inventory::human_bytes(c)
            )
        })
    }
}

/// Read one member through the budget. `declared` is the size the archive claims;
/// `compressed` its compressed size when known; `stream` the counters of the single
/// compressed stream it comes out of.
fn take_member(
    r: &mut dyn Read,
    declared: Option<u64>,
    compressed: Option<u64>,
    stream: Option<&Inflation>,
    lim: &Limits,
    budget: &Budget,
) -> MemberData {
    if let Some(d) = declared {
        if d > lim.max_member_size {
            return MemberData::TooLarge(format!(
                "member of {} exceeds the member size limit ({})",
                crate::inventory::human_bytes(d),
                crate::inventory::human_bytes(lim.max_member_size)
            ));
        }
        if d > budget.remaining.get() {
            return MemberData::Bomb(format!(
                "archive bomb: member would inflate to {} and exceed the {} budget of uncompressed bytes",
                crate::inventory::human_bytes(d),
                crate::inventory::human_bytes(lim.max_total)
            ));
        }
        if let Some(c) = compressed {
            if d > 16 << 20 && c > 0 && d / c > lim.max_ratio {
                return MemberData::Bomb(format!("archive bomb: compression ratio {}:1", d / c));
            }
        }
    }
    let cap = lim.max_member_size.min(budget.remaining.get());
    let mut buf = Vec::new();
    // Read in steps and check the compression ratio while inflating: a bomb is stopped at
    // max(16 MiB, compressed x ratio), not at the member limit.
    let ratio_cap = compressed.map(|c| (16u64 << 20).max(c.saturating_mul(lim.max_ratio)));
    let mut limited = r.take(cap + 1);
    let mut chunk = vec![0u8; 1 << 20];
    loop {
        match limited.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => {
                buf.extend_from_slice(&chunk[..n]);
                if let Some(msg) = stream.and_then(|s| s.bomb(lim)) {
                    budget.spend(buf.len() as u64);
                    return MemberData::Bomb(msg);
                }
                if let (Some(rc), Some(c)) = (ratio_cap, compressed) {
                    if buf.len() as u64 > rc {
                        budget.spend(buf.len() as u64);
                        return MemberData::Bomb(format!(
                            "archive bomb: compression ratio over {}:1 (stopped after {} from {} compressed)",
                            lim.max_ratio,
                            crate::inventory::human_bytes(buf.len() as u64),
                            crate::inventory::human_bytes(c)
                        ));
                    }
                }
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return MemberData::Error(format!("cannot read member: {e}")),
        }
    }
    budget.spend(buf.len() as u64);
    if buf.len() as u64 > cap {
        if cap == lim.max_member_size {
            return MemberData::TooLarge(format!(
                "member inflates past the member size limit ({})",
                crate::inventory::human_bytes(lim.max_member_size)
            ));
        }
        return MemberData::Bomb(format!(
            "archive bomb: inflating it exceeded the {} budget of uncompressed bytes",
            crate::inventory::human_bytes(lim.max_total)
        ));
    }
    if let Some(c) = compressed {
        let d = buf.len() as u64;
        if d > 16 << 20 && c > 0 && d / c > lim.max_ratio {
            return MemberData::Bomb(format!("archive bomb: compression ratio {}:1", d / c));
        }
    }
    MemberData::Bytes(buf)
}

/// Something the caller can read and seek (a file, or bytes in memory).
pub trait ReadSeek: Read + Seek {}
impl<T: Read + Seek> ReadSeek for T {}

/// Call `f` for each member of the archive. `name` is the archive's own file name (for the
/// member name of single-file compressors). Returns the number of members not examined
/// because of the member limit, or an error that makes the whole archive unreadable.
pub fn for_each_member(
    kind: ArchiveKind,
    src: &mut dyn ReadSeek,
    name: &str,
    lim: &Limits,
    budget: &Budget,
    f: &mut dyn FnMut(Member),
) -> Result<u64, String> {
    match kind {
        ArchiveKind::Zip => zip_members(src, lim, budget, f),
        ArchiveKind::Tar => tar_members(src, lim, budget, f),
        ArchiveKind::Gzip => {
            let (whole, inf, src) = counted(src);
            compressed(
                whole,
                inf,
                flate2::read::MultiGzDecoder::new(src),
                name,
                &[".gz", ".tgz", ".gzip"],
                lim,
                budget,
                f,
            )
        }
        ArchiveKind::Bzip2 => {
            let (whole, inf, src) = counted(src);
            compressed(
                whole,
                inf,
                bzip2::read::MultiBzDecoder::new(src),
                name,
                &[".bz2", ".tbz2", ".tbz"],
                lim,
                budget,
                f,
            )
        }
        ArchiveKind::Xz => {
            // liblzma with a memory limit: a crafted stream cannot make the decoder allocate
            // more than 256 MiB (lzma-rs buffered whole LZMA2 outputs: gigabytes for a bomb).
            let (whole, inf, src) = counted(src);
            let stream = liblzma::stream::Stream::new_stream_decoder(
                256 << 20,
                liblzma::stream::CONCATENATED,
            )
            .map_err(|e| format!("xz decoder: {e}"))?;
            compressed(
                whole,
                inf,
                liblzma::read::XzDecoder::new_stream(src, stream),
                name,
                &[".xz", ".txz"],
                lim,
                budget,
                f,
            )
        }
        ArchiveKind::SevenZ => sevenz_members(src, lim, budget, f),
    }
}

fn strip_ext(name: &str, exts: &[&str]) -> String {
    let lower = name.to_ascii_lowercase();
    for e in exts {
        if lower.ends_with(e) && name.len() > e.len() {
            let base = &name[..name.len() - e.len()];
            return if *e == ".tgz" || *e == ".tbz2" || *e == ".tbz" || *e == ".txz" {
                format!("{base}.tar")
            } else {
                base.to_string()
            };
        }
    }
    format!("{name}.out")
}

/// A single compressed stream: a tar inside (tar.gz) is listed member by member, anything
/// else is one member named after the archive without its extension.
/// The length of a seekable source (the compressed size of a single-stream archive), with the
/// position back at the start.
fn source_len(src: &mut dyn ReadSeek) -> Option<u64> {
    let n = src.seek(io::SeekFrom::End(0)).ok()?;
    src.seek(io::SeekFrom::Start(0)).ok()?;
    Some(n)
}

/// The compressed size of a single-stream archive, and the source behind a counter.
fn counted(src: &mut dyn ReadSeek) -> (Option<u64>, Inflation, Counting<&mut dyn ReadSeek>) {
    let whole = source_len(src);
    let inf = Inflation::default();
    let n = inf.consumed.clone();
    (whole, inf, Counting { inner: src, n })
}

#[allow(clippy::too_many_arguments)]
fn compressed<R: Read>(
    whole: Option<u64>,
    inf: Inflation,
    dec: R,
    name: &str,
    exts: &[&str],
    lim: &Limits,
    budget: &Budget,
    f: &mut dyn FnMut(Member),
) -> Result<u64, String> {
    let dec = Counting {
        inner: dec,
        n: inf.produced.clone(),
    };
    let mut r = BufReader::with_capacity(64 * 1024, dec);
    let head = r
        .fill_buf()
        .map_err(|e| format!("corrupt compressed stream: {e}"))?;
    let head = if head.len() < 262 {
        // Fill until we can see a tar header (or the stream ends).
        let mut v = head.to_vec();
        r.consume(v.len());
        let mut more = Vec::new();
        (&mut r)
            .take(512 - v.len() as u64)
            .read_to_end(&mut more)
            .map_err(|e| format!("corrupt compressed stream: {e}"))?;
        v.extend_from_slice(&more);
        v
    } else {
        let v = head.to_vec();
        r.consume(v.len());
        v
    };
    let mut chained = io::Cursor::new(head.clone()).chain(r);
    if head.len() >= 262 && &head[257..262] == b"ustar" {
        return tar_stream(&mut chained, Some(&inf), lim, budget, f);
    }
    let data = take_member(&mut chained, None, whole, Some(&inf), lim, budget);
    f(Member {
        name: strip_ext(name, exts),
        raw_name: None,
        modified: None,
        data,
    });
    Ok(0)
}

fn tar_members(
    src: &mut dyn ReadSeek,
    lim: &Limits,
    budget: &Budget,
    f: &mut dyn FnMut(Member),
) -> Result<u64, String> {
    tar_stream(src, None, lim, budget, f)
}

fn tar_stream(
    src: &mut dyn Read,
    stream: Option<&Inflation>,
    lim: &Limits,
    budget: &Budget,
    f: &mut dyn FnMut(Member),
) -> Result<u64, String> {
    let mut ar = tar::Archive::new(src);
    let entries = ar.entries().map_err(|e| format!("corrupt tar: {e}"))?;
    let mut seen = 0u64;
    let mut skipped = 0u64;
    for e in entries {
        let mut e = match e {
            Ok(e) => e,
            Err(err) => {
                return if seen > 0 {
                    Ok(skipped)
                } else {
                    Err(format!("corrupt tar: {err}"))
                }
            }
        };
        if !e.header().entry_type().is_file() {
            continue;
        }
        if seen >= lim.max_members {
            skipped += 1;
            continue;
        }
        seen += 1;
        let raw = e.path_bytes();
        let name = String::from_utf8_lossy(&raw).into_owned();
        let raw_name = std::str::from_utf8(&raw).is_err().then(|| raw.to_vec());
        let modified = e
            .header()
            .mtime()
            .ok()
            .map(|t| SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(t));
        let size = e.header().size().ok();
        let data = take_member(&mut e, size, None, stream, lim, budget);
        f(Member {
            name,
            raw_name,
            modified,
            data,
        });
    }
    Ok(skipped)
}

fn zip_members(
    src: &mut dyn ReadSeek,
    lim: &Limits,
    budget: &Budget,
    f: &mut dyn FnMut(Member),
) -> Result<u64, String> {
    let mut z = match zip::ZipArchive::new(&mut *src) {
        Ok(z) => z,
        Err(e) => return zip_stream_members(src, &e.to_string(), lim, budget, f),
    };
    let mut seen = 0u64;
    let mut skipped = 0u64;
    for i in 0..z.len() {
        let entry = match z.by_index_raw(i) {
            Ok(e) => e,
            Err(e) => {
                f(Member {
                    name: format!("#{i}"),
                    raw_name: None,
                    modified: None,
                    data: MemberData::Error(format!("corrupt zip entry: {e}")),
                });
                continue;
            }
        };
        if entry.is_dir() {
            continue;
        }
        if seen >= lim.max_members {
            skipped += 1;
            continue;
        }
        seen += 1;
        let name = String::from_utf8_lossy(entry.name_raw()).into_owned();
        let raw_name = std::str::from_utf8(entry.name_raw())
            .is_err()
            .then(|| entry.name_raw().to_vec());
        let encrypted = entry.encrypted();
        let declared = entry.size();
        let comp = entry.compressed_size();
        drop(entry);
        if encrypted {
            f(Member {
                name,
                raw_name,
                modified: None,
                data: MemberData::Encrypted,
            });
            continue;
        }
        let data = match z.by_index(i) {
            Ok(mut e) => take_member(&mut e, Some(declared), Some(comp), None, lim, budget),
            Err(zip::result::ZipError::UnsupportedArchive(msg))
                if msg.to_ascii_lowercase().contains("password") =>
            {
                MemberData::Encrypted
            }
            Err(e) => MemberData::Error(format!("cannot read member: {e}")),
        };
        f(Member {
            name,
            raw_name,
            modified: None,
            data,
        });
    }
    Ok(skipped)
}

/// A zip without a readable central directory (a truncated download, a damaged disk): walk
/// the local headers from the start and recover the members before the damage.
fn zip_stream_members(
    src: &mut dyn ReadSeek,
    why: &str,
    lim: &Limits,
    budget: &Budget,
    f: &mut dyn FnMut(Member),
) -> Result<u64, String> {
    src.seek(io::SeekFrom::Start(0))
        .map_err(|e| format!("corrupt zip: {e}"))?;
    let mut r = BufReader::new(src);
    let mut seen = 0u64;
    loop {
        if seen >= lim.max_members {
            break;
        }
        match zip::read::read_zipfile_from_stream(&mut r) {
            Ok(Some(mut e)) => {
                if e.is_dir() {
                    continue;
                }
                seen += 1;
                let name = String::from_utf8_lossy(e.name_raw()).into_owned();
                let raw_name = std::str::from_utf8(e.name_raw())
                    .is_err()
                    .then(|| e.name_raw().to_vec());
                let data = if e.encrypted() {
                    MemberData::Encrypted
                } else {
                    let (d, c) = (e.size(), e.compressed_size());
                    take_member(
                        &mut e,
                        (d > 0).then_some(d),
                        (c > 0).then_some(c),
                        None,
                        lim,
                        budget,
                    )
                };
                let broken = matches!(data, MemberData::Error(_));
                f(Member {
                    name,
                    raw_name,
                    modified: None,
                    data,
                });
                if broken {
                    break;
                }
            }
            Ok(None) => break,
            Err(_) => break,
        }
    }
    if seen == 0 {
        return Err(format!("corrupt zip: {why}"));
    }
    Err(format!(
        "damaged zip ({why}): {seen} member(s) recovered from local headers"
    ))
}

fn sevenz_members(
    src: &mut dyn ReadSeek,
    lim: &Limits,
    budget: &Budget,
    f: &mut dyn FnMut(Member),
) -> Result<u64, String> {
    let mut ar = match sevenz_rust2::ArchiveReader::new(src, sevenz_rust2::Password::empty()) {
        Ok(a) => a,
        Err(sevenz_rust2::Error::PasswordRequired)
        | Err(sevenz_rust2::Error::MaybeBadPassword(_)) => {
            f(Member {
                name: "(all members)".into(),
                raw_name: None,
                modified: None,
                data: MemberData::Encrypted,
            });
            return Ok(0);
        }
        Err(e) => return Err(format!("corrupt 7z: {e}")),
    };
    let mut seen = 0u64;
    let mut skipped = 0u64;
    let res = ar.for_each_entries(
        &mut |entry: &sevenz_rust2::ArchiveEntry, r: &mut dyn Read| {
            if entry.is_directory || !entry.has_stream {
                return Ok(true);
            }
            if seen >= lim.max_members {
                skipped += 1;
                io::copy(r, &mut io::sink()).ok();
                return Ok(true);
            }
            seen += 1;
            let data = take_member(r, Some(entry.size), None, None, lim, budget);
            if matches!(data, MemberData::Bomb(_) | MemberData::TooLarge(_)) {
                // Solid blocks must still be drained to reach the next entry.
                io::copy(&mut r.take(lim.max_member_size), &mut io::sink()).ok();
            }
            f(Member {
                name: entry.name.clone(),
                raw_name: None,
                modified: None,
                data,
            });
            Ok(true)
        },
    );
    match res {
        Ok(()) => Ok(skipped),
        Err(sevenz_rust2::Error::PasswordRequired)
        | Err(sevenz_rust2::Error::MaybeBadPassword(_)) => {
            f(Member {
                name: "(encrypted members)".into(),
                raw_name: None,
                modified: None,
                data: MemberData::Encrypted,
            });
            Ok(skipped)
        }
        Err(e) if seen > 0 => {
            f(Member {
                name: "(rest of the archive)".into(),
                raw_name: None,
                modified: None,
                data: MemberData::Error(format!("corrupt 7z: {e}")),
            });
            Ok(skipped)
        }
        Err(e) => Err(format!("corrupt 7z: {e}")),
    }
}
