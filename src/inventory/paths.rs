//! Paths in the inventory.
//!
//! JSON strings must be valid UTF-8 but Unix file names are bytes. A path that is valid UTF-8
//! is written as it is. Otherwise `path` shows each invalid byte as `\xNN` (readable, but
//! ambiguous if a name really contains the characters `\x`), and `path_bytes` carries the
//! exact bytes in hex, so that the inventory always identifies the file losslessly.

use std::path::Path;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisplayPath {
    pub text: String,
    /// Hex of the raw bytes, present only when the path is not valid UTF-8.
    pub bytes_hex: Option<String>,
}

impl DisplayPath {
    pub fn from_path(p: &Path) -> DisplayPath {
        use std::os::unix::ffi::OsStrExt;
        Self::from_bytes(p.as_os_str().as_bytes())
    }

    pub fn from_bytes(b: &[u8]) -> DisplayPath {
        match std::str::from_utf8(b) {
            Ok(s) => DisplayPath {
                text: s.to_string(),
                bytes_hex: None,
            },
            Err(_) => DisplayPath {
                text: escape_invalid(b),
                bytes_hex: Some(hex::encode(b)),
            },
        }
    }

    /// A member inside this path (`outer.zip!/inner/file.txt`).
    pub fn join_member(&self, member: &str) -> DisplayPath {
        DisplayPath {
            text: format!("{}!/{}", self.text, member),
            bytes_hex: self
                .bytes_hex
                .as_ref()
                .map(|h| format!("{h}{}", hex::encode(format!("!/{member}")))),
        }
    }
}

impl DisplayPath {
    /// A member whose stored name is `member` (bytes, perhaps not UTF-8): shown with the
    /// invalid bytes escaped, and the whole path's raw bytes kept in `bytes_hex`.
    pub fn join_member_bytes(&self, member: &[u8]) -> DisplayPath {
        if let Ok(s) = std::str::from_utf8(member) {
            return self.join_member(s);
        }
        let mut raw = match &self.bytes_hex {
            Some(h) => hex::decode(h).unwrap_or_else(|_| self.text.as_bytes().to_vec()),
            None => self.text.as_bytes().to_vec(),
        };
        raw.extend_from_slice(b"!/");
        raw.extend_from_slice(member);
        DisplayPath {
            text: format!("{}!/{}", self.text, escape_invalid(member)),
            bytes_hex: Some(hex::encode(raw)),
        }
    }
}

fn escape_invalid(mut b: &[u8]) -> String {
    let mut out = String::with_capacity(b.len() + 8);
    loop {
        match std::str::from_utf8(b) {
            Ok(s) => {
                out.push_str(s);
                return out;
            }
            Err(e) => {
                let (good, rest) = b.split_at(e.valid_up_to());
                out.push_str(std::str::from_utf8(good).unwrap_or_default());
                let n = e.error_len().unwrap_or(rest.len());
                for byte in &rest[..n] {
                    out.push_str(&format!("\\x{byte:02X}"));
                }
                b = &rest[n..];
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_utf8_is_escaped_and_kept() {
        let p = DisplayPath::from_bytes(b"/share/caf\xe9.txt");
        assert_eq!(p.text, "/share/caf\\xE9.txt");
        assert_eq!(
            hex::decode(p.bytes_hex.unwrap()).unwrap(),
            b"/share/caf\xe9.txt"
        );
        let q = DisplayPath::from_bytes("/share/café.txt".as_bytes());
        assert_eq!(q.bytes_hex, None);
    }
}
