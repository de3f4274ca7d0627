//! The per-installation fingerprint key.
//!
//! Fingerprints are HMAC-SHA256(key, kind || 0x00 || normalized value): stable across scans on
//! one installation (so reports count distinct people and diffs compare scans), useless to
//! anyone without the key (a 9-digit SSN space is small enough to brute-force a plain hash).
//! The key is 32 random bytes, written hex-encoded on first use to
//! `$XDG_DATA_HOME/phiscan/key` (default `~/.local/share/phiscan/key`) with mode 0600 in a
//! 0700 directory, or to the file given with `--key-file`.

use anyhow::{bail, Context, Result};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::fs;
use std::io::{Read, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// HMAC-SHA256 under the install's key. The key's inner and outer pad blocks are hashed
/// once: a fingerprint of a short value (kind, NUL and value within 55 bytes: one block) is
/// then exactly two SHA-256 compressions, with no hasher state copied or buffered. Longer
/// values go through the `hmac` crate (its state keeps the pads absorbed too).
#[derive(Clone)]
pub struct FingerprintKey {
    mac: Hmac<Sha256>,
    /// SHA-256 states after the key XOR ipad block, and after the key XOR opad block.
    inner: [u32; 8],
    outer: [u32; 8],
}

/// SHA-256's initial state (FIPS 180-4, 5.3.3).
const SHA256_H0: [u32; 8] = [
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
];

fn compress(state: &mut [u32; 8], block: &[u8; 64]) {
    sha2::compress256(state, &[(*block).into()]);
}

/// The state after hashing one 64-byte block from the initial state.
fn after_block(block: &[u8; 64]) -> [u32; 8] {
    let mut state = SHA256_H0;
    compress(&mut state, block);
    state
}

/// The final block of a message of `total` bytes whose last bytes (at most 55, after whole
/// blocks already hashed) are the `tail` parts.
fn last_block(tail: &[&[u8]], total: usize) -> [u8; 64] {
    let mut block = [0u8; 64];
    fill_last_block(&mut block, tail, total);
    block
}

/// `last_block`, written over `block` (in place: a batch's blocks are not copied in).
fn fill_last_block(block: &mut [u8; 64], tail: &[&[u8]], total: usize) {
    let mut n = 0;
    for part in tail {
        block[n..n + part.len()].copy_from_slice(part);
        n += part.len();
    }
    block[n] = 0x80;
    block[n + 1..56].fill(0);
    block[56..].copy_from_slice(&((total as u64) * 8).to_be_bytes());
}

fn state_bytes(state: &[u32; 8]) -> [u8; 32] {
    let mut out = [0u8; 32];
    for (o, w) in out.chunks_exact_mut(4).zip(state) {
        o.copy_from_slice(&w.to_be_bytes());
    }
    out
}

impl std::fmt::Debug for FingerprintKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FingerprintKey(..)")
    }
}

/// The per-user data directory: $XDG_DATA_HOME/phiscan or ~/.local/share/phiscan.
pub fn data_dir() -> Result<PathBuf> {
    if let Some(x) = std::env::var_os("XDG_DATA_HOME").filter(|x| !x.is_empty()) {
        return Ok(PathBuf::from(x).join("phiscan"));
    }
    let home = std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .context("cannot find a place for the fingerprint key: HOME is not set (use --key-file)")?;
    Ok(PathBuf::from(home).join(".local/share/phiscan"))
}

impl FingerprintKey {
    /// Load the key from `path` (default location when None), creating it on first use.
    pub fn load_or_create(path: Option<&Path>) -> Result<FingerprintKey> {
        let path = match path {
            Some(p) => p.to_path_buf(),
            None => data_dir()?.join("key"),
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            if !dir.exists() {
                fs::DirBuilder::new()
                    .recursive(true)
                    .mode(0o700)
                    .create(dir)
                    .with_context(|| format!("creating key directory {}", dir.display()))?;
            }
        }
        match fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&path)
        {
            Ok(mut f) => {
                let mut key = [0u8; 32];
                fs::File::open("/dev/urandom")
                    .and_then(|mut r| r.read_exact(&mut key))
                    .context("reading /dev/urandom for a new fingerprint key")?;
                f.write_all(format!("{}\n", hex::encode(key)).as_bytes())
                    .and_then(|_| f.sync_all())
                    .with_context(|| format!("writing fingerprint key {}", path.display()))?;
                Ok(FingerprintKey::new(&key))
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Self::read(&path),
            Err(e) => {
                Err(e).with_context(|| format!("creating fingerprint key {}", path.display()))
            }
        }
    }

    fn read(path: &Path) -> Result<FingerprintKey> {
        let meta = fs::metadata(path)
            .with_context(|| format!("reading fingerprint key {}", path.display()))?;
        if meta.permissions().mode() & 0o077 != 0 {
            eprintln!(
                "phiscan: warning: fingerprint key {} is readable by others (mode {:o}); run chmod 600 on it",
                path.display(),
                meta.permissions().mode() & 0o777
            );
        }
        let text = fs::read_to_string(path)
            .with_context(|| format!("reading fingerprint key {}", path.display()))?;
        let bytes = hex::decode(text.trim()).ok().filter(|b| b.len() == 32);
        let Some(bytes) = bytes else {
            bail!(
                "fingerprint key {} is not 64 hex characters",
                path.display()
            );
        };
        let mut key = [0u8; 32];
        key.copy_from_slice(&bytes);
        Ok(FingerprintKey::new(&key))
    }

    fn new(key: &[u8; 32]) -> FingerprintKey {
        let pad = |x: u8| {
            let mut block = [x; 64];
            for (b, k) in block.iter_mut().zip(key) {
                *b ^= k;
            }
            block
        };
        FingerprintKey {
            mac: <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC takes any key length"),
            inner: after_block(&pad(0x36)),
            outer: after_block(&pad(0x5c)),
        }
    }

    /// The inner hash's last block for `kind NUL value`, when that is one block (at most 55
    /// bytes), after the key's pad block: its parts and the hashed length.
    fn short_tail<'v>(kind: &'v str, value: &'v str) -> Option<([&'v [u8]; 3], usize)> {
        let len = kind.len() + 1 + value.len();
        (len <= 55).then_some(([kind.as_bytes(), &[0], value.as_bytes()], 64 + len))
    }

    /// The fingerprint whose inner hash ends with `block` (`last_block` of a `short_tail`).
    fn short_fingerprint(&self, block: &[u8; 64]) -> [u8; 32] {
        let mut inner = self.inner;
        compress(&mut inner, block);
        let mut outer = self.outer;
        compress(&mut outer, &last_block(&[&state_bytes(&inner)], 64 + 32));
        state_bytes(&outer)
    }

    /// HMAC-SHA256(key, kind NUL value).
    pub fn fingerprint(&self, kind: &str, value: &str) -> [u8; 32] {
        if let Some((tail, total)) = Self::short_tail(kind, value) {
            return self.short_fingerprint(&last_block(&tail, total));
        }
        let mut mac = self.mac.clone();
        mac.update(kind.as_bytes());
        mac.update(&[0]);
        mac.update(value.as_bytes());
        mac.finalize().into_bytes().into()
    }

    /// The fingerprints of `items` (kind, value), appended to `out` in order: the same as
    /// `fingerprint` of each. Where the CPU has AVX-512, short values are hashed sixteen at
    /// a time (`lanes`): SHA-NI is bound by its throughput, ~37 ns a block here, and sixteen
    /// blocks in the vector registers take ~18 ns each.
    pub fn fingerprints<'v>(
        &self,
        items: impl IntoIterator<Item = (&'v str, &'v str)>,
        out: &mut Vec<[u8; 32]>,
    ) {
        self.fingerprints_with(items, out, lanes::available());
    }

    fn fingerprints_with<'v>(
        &self,
        items: impl IntoIterator<Item = (&'v str, &'v str)>,
        out: &mut Vec<[u8; 32]>,
        wide: bool,
    ) {
        let mut batch = lanes::Batch::new();
        for (kind, value) in items {
            let at = out.len();
            match Self::short_tail(kind, value) {
                Some((tail, total)) if wide => {
                    out.push([0; 32]);
                    if batch.push(&tail, total, at) {
                        self.finish(&mut batch, out);
                    }
                }
                Some((tail, total)) => out.push(self.short_fingerprint(&last_block(&tail, total))),
                None => out.push(self.fingerprint(kind, value)),
            }
        }
        self.finish(&mut batch, out);
    }

    /// Fills in the fingerprints of the batch's blocks, and empties it. Below
    /// `lanes::WORTH_IT` blocks, one at a time is cheaper.
    fn finish(&self, batch: &mut lanes::Batch, out: &mut [[u8; 32]]) {
        let done =
            batch.len() >= lanes::WORTH_IT && batch.fingerprints(&self.inner, &self.outer, out);
        if !done {
            for (block, &at) in batch.pending() {
                out[at] = self.short_fingerprint(block);
            }
        }
        batch.clear();
    }
}

/// Sixteen SHA-256 compressions side by side in AVX-512 registers (one 32-bit lane each), for
/// HMACs of short values: the inner hash's last block, then the outer hash's only block.
mod lanes {
    /// Blocks a batch takes.
    pub const LANES: usize = 16;
    /// Fewer blocks than this are hashed one at a time (sixteen lanes cost the same whether
    /// they are full or not: ~16 x 36 ns for both compressions, against ~77 ns a value).
    pub const WORTH_IT: usize = 8;

    pub struct Batch {
        blocks: [[u8; 64]; LANES],
        at: [usize; LANES],
        n: usize,
    }

    impl Batch {
        pub fn new() -> Batch {
            Batch {
                blocks: [[0; 64]; LANES],
                at: [0; LANES],
                n: 0,
            }
        }

        /// Adds the last block of `tail` (`fill_last_block`), whose fingerprint goes to
        /// `out[at]`; true when the batch is full.
        pub fn push(&mut self, tail: &[&[u8]], total: usize, at: usize) -> bool {
            super::fill_last_block(&mut self.blocks[self.n], tail, total);
            self.at[self.n] = at;
            self.n += 1;
            self.n == LANES
        }

        pub fn len(&self) -> usize {
            self.n
        }

        pub fn clear(&mut self) {
            self.n = 0;
        }

        pub fn pending(&self) -> impl Iterator<Item = (&[u8; 64], &usize)> {
            self.blocks[..self.n].iter().zip(&self.at[..self.n])
        }

        /// HMAC fingerprints of the batch's blocks, from the key's inner and outer states;
        /// false (and nothing done) where the CPU lacks the instructions.
        pub fn fingerprints(
            &self,
            inner: &[u32; 8],
            outer: &[u32; 8],
            out: &mut [[u8; 32]],
        ) -> bool {
            #[cfg(target_arch = "x86_64")]
            if available() {
                // SAFETY: the CPU has AVX-512F and BW (checked by `available`).
                let states = unsafe { x86::hmac16(&self.blocks, inner, outer) };
                for (lane, &at) in self.at[..self.n].iter().enumerate() {
                    for (word, bytes) in states.iter().zip(out[at].chunks_exact_mut(4)) {
                        bytes.copy_from_slice(&word[lane].to_be_bytes());
                    }
                }
                return true;
            }
            let _ = (inner, outer, out);
            false
        }
    }

    /// Whether this CPU has the instructions (checked once).
    pub fn available() -> bool {
        #[cfg(target_arch = "x86_64")]
        {
            static HAS: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
            *HAS.get_or_init(|| {
                std::is_x86_feature_detected!("avx512f")
                    && std::is_x86_feature_detected!("avx512bw")
            })
        }
        #[cfg(not(target_arch = "x86_64"))]
        false
    }

    #[cfg(target_arch = "x86_64")]
    pub(super) mod x86 {
        use core::arch::x86_64::*;

        /// SHA-256's round constants (FIPS 180-4, 4.2.2).
        const K: [u32; 64] = [
            0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
            0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
            0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
            0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
            0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
            0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
            0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
            0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
            0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
            0xc67178f2,
        ];

        /// One compression of sixteen states: `st[i]` holds word i of each state, `w[t]`
        /// word t of each block (as big-endian numbers).
        #[target_feature(enable = "avx512f")]
        pub unsafe fn compress(st: &mut [__m512i; 8], w: [__m512i; 16]) {
            let [mut a, mut b, mut c, mut d, mut e, mut f, mut g, mut h] = *st;
            let mut w = w;
            for t in 0..64 {
                if t >= 16 {
                    let (w15, w2) = (w[(t + 1) % 16], w[(t + 14) % 16]);
                    let s0 = _mm512_ternarylogic_epi32::<0x96>(
                        _mm512_ror_epi32::<7>(w15),
                        _mm512_ror_epi32::<18>(w15),
                        _mm512_srli_epi32::<3>(w15),
                    );
                    let s1 = _mm512_ternarylogic_epi32::<0x96>(
                        _mm512_ror_epi32::<17>(w2),
                        _mm512_ror_epi32::<19>(w2),
                        _mm512_srli_epi32::<10>(w2),
                    );
                    let sum = _mm512_add_epi32(w[t % 16], w[(t + 9) % 16]);
                    w[t % 16] = _mm512_add_epi32(sum, _mm512_add_epi32(s0, s1));
                }
                // Σ1(e), Ch(e, f, g), Σ0(a), Maj(a, b, c): three-input functions in one
                // ternary-logic instruction each (0x96 XOR, 0xCA choose, 0xE8 majority).
                let s1 = _mm512_ternarylogic_epi32::<0x96>(
                    _mm512_ror_epi32::<6>(e),
                    _mm512_ror_epi32::<11>(e),
                    _mm512_ror_epi32::<25>(e),
                );
                let ch = _mm512_ternarylogic_epi32::<0xCA>(e, f, g);
                let kw = _mm512_add_epi32(w[t % 16], _mm512_set1_epi32(K[t] as i32));
                let t1 = _mm512_add_epi32(_mm512_add_epi32(h, s1), _mm512_add_epi32(ch, kw));
                let s0 = _mm512_ternarylogic_epi32::<0x96>(
                    _mm512_ror_epi32::<2>(a),
                    _mm512_ror_epi32::<13>(a),
                    _mm512_ror_epi32::<22>(a),
                );
                let maj = _mm512_ternarylogic_epi32::<0xE8>(a, b, c);
                h = g;
                g = f;
                f = e;
                e = _mm512_add_epi32(d, t1);
                d = c;
                c = b;
                b = a;
                a = _mm512_add_epi32(t1, _mm512_add_epi32(s0, maj));
            }
            for (s, v) in st.iter_mut().zip([a, b, c, d, e, f, g, h]) {
                *s = _mm512_add_epi32(*s, v);
            }
        }

        /// The sixteen HMACs whose inner hashes end with `blocks`, from the key's inner and
        /// outer states (after their pad blocks): word i of lane l's result is `[i][l]`.
        #[target_feature(enable = "avx512f,avx512bw")]
        pub unsafe fn hmac16(
            blocks: &[[u8; 64]; 16],
            inner: &[u32; 8],
            outer: &[u32; 8],
        ) -> [[u32; 16]; 8] {
            // Word t of every block, gathered (block l's at 16 l + t), then byte-swapped.
            let at = _mm512_setr_epi32(
                0, 16, 32, 48, 64, 80, 96, 112, 128, 144, 160, 176, 192, 208, 224, 240,
            );
            let swap = _mm512_broadcast_i32x4(_mm_setr_epi8(
                3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8, 15, 14, 13, 12,
            ));
            let base = blocks.as_ptr() as *const i32;
            let w: [__m512i; 16] = std::array::from_fn(|t| {
                _mm512_shuffle_epi8(_mm512_i32gather_epi32::<4>(at, base.add(t)), swap)
            });
            let mut st: [__m512i; 8] = std::array::from_fn(|i| _mm512_set1_epi32(inner[i] as i32));
            compress(&mut st, w);
            // The outer block: the inner digest (the state words, as they are), the padding
            // bit, and the length: the pad block and 32 bytes, 768 bits.
            let mut w = [_mm512_setzero_si512(); 16];
            w[..8].copy_from_slice(&st);
            w[8] = _mm512_set1_epi32(0x8000_0000u32 as i32);
            w[15] = _mm512_set1_epi32(768);
            let mut st: [__m512i; 8] = std::array::from_fn(|i| _mm512_set1_epi32(outer[i] as i32));
            compress(&mut st, w);
            let mut out = [[0u32; 16]; 8];
            for (o, s) in out.iter_mut().zip(&st) {
                _mm512_storeu_si512(o.as_mut_ptr() as *mut __m512i, *s);
            }
            out
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::xorshift;

    #[test]
    fn two_compressions_give_the_hmac_crates_result_at_every_length() {
        let mut key = [0u8; 32];
        for (i, b) in key.iter_mut().enumerate() {
            *b = (i * 7 + 3) as u8;
        }
        let k = FingerprintKey::new(&key);
        let value: String = (0..150)
            .map(|i| char::from(b'a' + (i % 26) as u8))
            .collect();
        for kind in ["ssn", "insurance_id", ""] {
            for n in 0..value.len() {
                let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&key).unwrap();
                mac.update(kind.as_bytes());
                mac.update(&[0]);
                mac.update(&value.as_bytes()[..n]);
                let want: [u8; 32] = mac.finalize().into_bytes().into();
                assert_eq!(k.fingerprint(kind, &value[..n]), want, "{kind} {n}");
            }
        }
    }

    /// Batches of every size up to three full ones, short and long values mixed, with the
    /// sixteen lanes (where this CPU has them) and without: the same as one at a time.
    #[test]
    fn batched_fingerprints_are_the_single_ones() {
        let mut key = [0u8; 32];
        for (i, b) in key.iter_mut().enumerate() {
            *b = (i * 13 + 1) as u8;
        }
        let k = FingerprintKey::new(&key);
        let mut next = xorshift(0x9e37_79b9_7f4a_7c15);
        let kinds = ["ssn", "dob", "insurance_id", "mrn", ""];
        for n in 0..=3 * lanes::LANES + 1 {
            let items: Vec<(&str, String)> = (0..n)
                .map(|_| {
                    let kind = kinds[next() as usize % kinds.len()];
                    // Mostly one block; now and then longer than 55 bytes with the kind.
                    let len = if next().is_multiple_of(5) {
                        40 + next() % 60
                    } else {
                        next() % 30
                    };
                    let value = (0..len)
                        .map(|_| char::from(b'!' + (next() % 90) as u8))
                        .collect();
                    (kind, value)
                })
                .collect();
            let want: Vec<[u8; 32]> = items.iter().map(|(k2, v)| k.fingerprint(k2, v)).collect();
            for wide in [true, false] {
                let mut got = vec![[7u8; 32]];
                k.fingerprints_with(
                    items.iter().map(|(k2, v)| (*k2, v.as_str())),
                    &mut got,
                    wide,
                );
                assert_eq!(got[0], [7u8; 32], "what was in `out` stays");
                assert_eq!(got[1..], want[..], "{n} values, wide {wide}");
            }
        }
    }

    /// The sixteen-lane compression against sha2's, on random states and blocks.
    #[cfg(target_arch = "x86_64")]
    #[test]
    fn sixteen_lanes_compress_as_sha2_does() {
        if !lanes::available() {
            eprintln!("no AVX-512 on this CPU: the sixteen lanes are not used here");
            return;
        }
        let mut next = xorshift(0x2545_f491_4f6c_dd1d);
        for _ in 0..50 {
            let blocks: [[u8; 64]; 16] =
                std::array::from_fn(|_| std::array::from_fn(|_| next() as u8));
            let inner: [u32; 8] = std::array::from_fn(|_| next() as u32);
            let outer: [u32; 8] = std::array::from_fn(|_| next() as u32);
            // SAFETY: `available` said the CPU has the instructions.
            let got = unsafe { lanes::x86::hmac16(&blocks, &inner, &outer) };
            for (lane, block) in blocks.iter().enumerate() {
                let mut s = inner;
                compress(&mut s, block);
                let mut o = outer;
                compress(&mut o, &last_block(&[&state_bytes(&s)], 64 + 32));
                for (i, w) in o.iter().enumerate() {
                    assert_eq!(got[i][lane], *w, "lane {lane}, word {i}");
                }
            }
        }
    }

    #[test]
    fn fingerprint_is_hmac_sha256_of_kind_nul_value() {
        let mut key = [0u8; 32];
        for (i, b) in key.iter_mut().enumerate() {
            *b = i as u8;
        }
        let k = FingerprintKey::new(&key);
        // Python: hmac.new(bytes(range(32)), b"ssn\x00536220198", hashlib.sha256).hexdigest()
        assert_eq!(
            hex::encode(k.fingerprint("ssn", "536220198")),
            "4f1e4d23214782b9145193a063d54aadd4edf471ffd7be7d8bf0959cc7386044"
        );
        // The keyed state is reused: a second value is not affected by the first.
        assert_eq!(
            hex::encode(k.fingerprint("mrn", "00482913")),
            "f31a0b9220b4204f2e743f72450fd9417f14011d9b57e42ba4e3218486795185"
        );
    }
}
