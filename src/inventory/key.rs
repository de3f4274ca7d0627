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
    let mut n = 0;
    for part in tail {
        block[n..n + part.len()].copy_from_slice(part);
        n += part.len();
    }
    block[n] = 0x80;
    block[56..].copy_from_slice(&((total as u64) * 8).to_be_bytes());
    block
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

    /// HMAC-SHA256(key, kind NUL value).
    pub fn fingerprint(&self, kind: &str, value: &str) -> [u8; 32] {
        let len = kind.len() + 1 + value.len();
        if len <= 55 {
            let mut inner = self.inner;
            let block = last_block(&[kind.as_bytes(), &[0], value.as_bytes()], 64 + len);
            compress(&mut inner, &block);
            let mut outer = self.outer;
            compress(&mut outer, &last_block(&[&state_bytes(&inner)], 64 + 32));
            return state_bytes(&outer);
        }
        let mut mac = self.mac.clone();
        mac.update(kind.as_bytes());
        mac.update(&[0]);
        mac.update(value.as_bytes());
        mac.finalize().into_bytes().into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
