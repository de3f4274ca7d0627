//! Calendar dates: parsing the formats people write birth dates in, and the small amount of
//! civil-calendar arithmetic the tool needs (today's date, Excel serials later, RFC 3339
//! timestamps) without pulling in a date library.

use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Ymd {
    pub y: i32,
    pub m: u32,
    pub d: u32,
}

impl fmt::Display for Ymd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.y, self.m, self.d)
    }
}

impl Ymd {
    /// `YYYY-MM-DD` (the same text as `Display`, without the formatting machinery: it runs
    /// for every date found).
    pub fn iso(&self) -> String {
        if !(0..=9999).contains(&self.y) || self.m > 99 || self.d > 99 {
            return self.to_string();
        }
        let (y, m, d) = (self.y as u32, self.m, self.d);
        let b = [
            b'0' + (y / 1000) as u8,
            b'0' + (y / 100 % 10) as u8,
            b'0' + (y / 10 % 10) as u8,
            b'0' + (y % 10) as u8,
            b'-',
            b'0' + (m / 10) as u8,
            b'0' + (m % 10) as u8,
            b'-',
            b'0' + (d / 10) as u8,
            b'0' + (d % 10) as u8,
        ];
        // Ten ASCII bytes: one allocation, no per-char pushes (one value per date finding).
        String::from_utf8(b.to_vec()).expect("ASCII digits and dashes")
    }

    pub fn today() -> Ymd {
        let secs = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        civil_from_days((secs / 86_400) as i64)
    }
}

fn is_leap(y: i32) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

pub fn days_in_month(y: i32, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(y) => 29,
        2 => 28,
        _ => 0,
    }
}

/// Days since 1970-01-01 to a civil date (Howard Hinnant's algorithm).
pub fn civil_from_days(z: i64) -> Ymd {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    Ymd {
        y: (if m <= 2 { y + 1 } else { y }) as i32,
        m,
        d,
    }
}

/// RFC 3339 UTC timestamp for a point in time.
pub fn rfc3339(t: SystemTime) -> String {
    let (days, rem) = days_and_seconds(t);
    let d = civil_from_days(days);
    if !(0..=9999).contains(&d.y) {
        return rfc3339_formatted(days, rem);
    }
    // Every file record has one: digits written in place (`format!` took ~2,900
    // instructions, 1% of a scan of small files).
    let mut out = *b"0000-00-00T00:00:00Z";
    let put = |out: &mut [u8; 20], at: usize, v: i64, n: usize| {
        let mut v = v;
        for k in (at..at + n).rev() {
            out[k] = b'0' + (v % 10) as u8;
            v /= 10;
        }
    };
    put(&mut out, 0, d.y as i64, 4);
    put(&mut out, 5, d.m as i64, 2);
    put(&mut out, 8, d.d as i64, 2);
    put(&mut out, 11, rem / 3600, 2);
    put(&mut out, 14, (rem / 60) % 60, 2);
    put(&mut out, 17, rem % 60, 2);
    String::from_utf8(out.to_vec()).expect("ASCII digits")
}

/// Days since 1970-01-01 and seconds into that day (UTC).
fn days_and_seconds(t: SystemTime) -> (i64, i64) {
    let secs = match t.duration_since(UNIX_EPOCH) {
        Ok(d) => d.as_secs() as i64,
        Err(e) => -(e.duration().as_secs() as i64),
    };
    (secs.div_euclid(86_400), secs.rem_euclid(86_400))
}

/// [`rfc3339`] by `format!`: for years outside 0-9999, and the tests' reference.
fn rfc3339_formatted(days: i64, rem: i64) -> String {
    let d = civil_from_days(days);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        d.y,
        d.m,
        d.d,
        rem / 3600,
        (rem / 60) % 60,
        rem % 60
    )
}

const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];

fn month_from_name(s: &str) -> Option<u32> {
    let l = s.trim_end_matches('.').to_ascii_lowercase();
    if l.len() < 3 {
        return None;
    }
    let idx = MONTHS.iter().position(|m| l.starts_with(m))?;
    // Accept "jan", "janu", "january", "sept" but not "jane".
    const FULL: [&str; 12] = [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ];
    if FULL[idx].starts_with(&l) || (idx == 8 && l == "sept") {
        Some(idx as u32 + 1)
    } else {
        None
    }
}

/// "2nd" -> "2", "21st" -> "21"; anything else unchanged.
fn strip_ordinal(p: &str) -> &str {
    let l = p.len();
    if l > 2 && p.as_bytes()[l - 3].is_ascii_digit() {
        let suf = &p.as_bytes()[l - 2..];
        if [b"st", b"nd", b"rd", b"th"]
            .iter()
            .any(|o| suf.eq_ignore_ascii_case(&o[..]))
        {
            return &p[..l - 2];
        }
    }
    p
}

fn make(y: i32, m: u32, d: u32) -> Option<Ymd> {
    if (1..=12).contains(&m) && d >= 1 && d <= days_in_month(y, m) {
        Some(Ymd { y, m, d })
    } else {
        None
    }
}

/// Two-digit years: up to this year's two digits mean 20xx, above mean 19xx.
fn expand_year(s: &str, today: Ymd) -> Option<i32> {
    let v: i32 = s.parse().ok()?;
    match s.len() {
        4 => Some(v),
        2 => Some(if v <= today.y % 100 {
            2000 + v
        } else {
            1900 + v
        }),
        _ => None,
    }
}

/// Parse a written date in any of the common forms (US numeric, ISO, compact HL7/X12,
/// month names, European dotted). Returns None for anything that is not a real calendar
/// date.
pub fn parse_date(s: &str, today: Ymd) -> Option<Ymd> {
    let s = s.trim();
    let b = s.as_bytes();
    if b.len() != 8 {
        // Nearly every candidate is numeric ("04/15/1994", "1994-04-15"): read byte by byte,
        // with the same answer as the general path below (a test holds them together).
        if let Some((parts, n)) = numeric_parts(b) {
            return if n == 3 {
                numeric_date(parts, b.contains(&b'.'), today)
            } else {
                None
            };
        }
    }
    parse_date_general(s, today)
}

/// Up to three runs of at most four digits between the separators `parse_date` splits on
/// (values and lengths), and how many runs there are. None when the text has anything else
/// (a month name, an ordinal, a longer number): the general path decides.
fn numeric_parts(b: &[u8]) -> Option<([(u32, usize); 3], usize)> {
    let mut parts = [(0u32, 0usize); 3];
    let mut n = 0;
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'/' | b'-' | b'.' | b' ' | b',' => i += 1,
            b'0'..=b'9' => {
                if n == 3 {
                    return None;
                }
                let (mut v, start) = (0u32, i);
                while i < b.len() && b[i].is_ascii_digit() {
                    if i - start == 4 {
                        return None;
                    }
                    v = v * 10 + u32::from(b[i] - b'0');
                    i += 1;
                }
                parts[n] = (v, i - start);
                n += 1;
            }
            _ => return None,
        }
    }
    Some((parts, n))
}

/// The date of three numeric parts, as the general path reads them: year first when the
/// first part has four digits, else month and day (day and month when `dotted`) then a
/// two- or four-digit year; a month-day order that is no date is tried the other way round.
fn numeric_date(parts: [(u32, usize); 3], dotted: bool, today: Ymd) -> Option<Ymd> {
    let [(a, al), (b, bl), (c, cl)] = parts;
    if al == 4 {
        return make(a as i32, b, c);
    }
    if al > 2 || bl > 2 {
        return None;
    }
    let c = c as i32;
    let y = match cl {
        4 => c,
        2 if c <= today.y % 100 => 2000 + c,
        2 => 1900 + c,
        _ => return None,
    };
    let (first, second) = if dotted {
        ((b, a), (a, b))
    } else {
        ((a, b), (b, a))
    };
    make(y, first.0, first.1).or_else(|| make(y, second.0, second.1))
}

/// Every form `parse_date` takes (the reference for its numeric fast path).
fn parse_date_general(s: &str, today: Ymd) -> Option<Ymd> {
    let b = s.as_bytes();
    if b.len() == 8 && b.iter().all(u8::is_ascii_digit) {
        // YYYYMMDD (HL7 TS, X12 D8), else MMDDYYYY (flat-file exports: "DOB:03141962").
        // The two never both read: MMDDYYYY has a 19 or 20 where YYYYMMDD has its month.
        let n = |r: std::ops::Range<usize>| s[r].parse::<u32>().ok();
        return make(n(0..4)? as i32, n(4..6)?, n(6..8)?)
            .or_else(|| make(n(4..8)? as i32, n(0..2)?, n(2..4)?));
    }
    // DDMONYYYY / DDMONYY (SAS DATE9. and DATE7.: "02JAN1980").
    if (b.len() == 9 || b.len() == 7)
        && b[..2].iter().all(u8::is_ascii_digit)
        && b[2..5].iter().all(u8::is_ascii_alphabetic)
        && b[5..].iter().all(u8::is_ascii_digit)
    {
        let m = month_from_name(&s[2..5])?;
        return make(expand_year(&s[5..], today)?, m, s[..2].parse().ok()?);
    }
    // Exactly three non-empty parts (no allocation: this runs for every date candidate).
    let mut parts = [""; 3];
    let mut n = 0;
    for p in s
        .split(['/', '-', '.', ' ', ','])
        .filter(|p| !p.is_empty())
        .map(strip_ordinal)
        .filter(|p| !p.eq_ignore_ascii_case("of"))
    {
        if n == 3 {
            return None;
        }
        parts[n] = p;
        n += 1;
    }
    if n != 3 {
        return None;
    }
    let num = |p: &str| p.bytes().all(|c| c.is_ascii_digit());
    if parts.iter().all(|p| num(p)) {
        // A part too long for a u32 makes no date (as before the fast path, which stops at
        // four digits and leaves longer parts here).
        let mut vals = [(0u32, 0usize); 3];
        for (v, p) in vals.iter_mut().zip(parts) {
            *v = (p.parse().ok()?, p.len());
        }
        return numeric_date(vals, s.contains('.'), today);
    }
    // Month names: "Jan 2, 1980", "January 2 1980", "2 January 1980", "2-Jan-80".
    if let Some(m) = month_from_name(parts[0]) {
        if num(parts[1]) && num(parts[2]) && parts[1].len() <= 2 {
            return make(expand_year(parts[2], today)?, m, parts[1].parse().ok()?);
        }
    }
    if let Some(m) = month_from_name(parts[1]) {
        if num(parts[0]) && num(parts[2]) && parts[0].len() <= 2 {
            return make(expand_year(parts[2], today)?, m, parts[0].parse().ok()?);
        }
        // Year first: "1980-Jan-02", "1980 January 2".
        if num(parts[0]) && num(parts[2]) && parts[0].len() == 4 && parts[2].len() <= 2 {
            return make(parts[0].parse().ok()?, m, parts[2].parse().ok()?);
        }
    }
    None
}

/// A date that can be somebody's birth date: a real date in 1900..=today.
pub fn parse_birth_date(s: &str, today: Ymd) -> Option<Ymd> {
    let d = parse_date(s, today)?;
    // 1900-01-01 is the empty date of SQL Server and Excel exports, not a birthday.
    if d.y < 1900 || d > today || (d.y, d.m, d.d) == (1900, 1, 1) {
        return None;
    }
    Some(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The digits written in place are `format!`'s, from before 1970 to past 9999.
    #[test]
    fn rfc3339_is_formats_result() {
        use std::time::Duration;
        let reference = |t: SystemTime| {
            let (days, rem) = days_and_seconds(t);
            rfc3339_formatted(days, rem)
        };
        let mut secs: Vec<i64> = vec![0, -1, 1, 951_782_400, 1_780_000_000, 253_402_300_799];
        secs.push(253_402_300_800); // 10000-01-01
        secs.push(-62_167_219_200); // 0000-01-01
        secs.push(-62_167_219_201);
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        for _ in 0..2000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            secs.push((x % 8_000_000_000) as i64 - 2_000_000_000);
        }
        for s in secs {
            let t = if s >= 0 {
                UNIX_EPOCH + Duration::from_secs(s as u64)
            } else {
                UNIX_EPOCH - Duration::from_secs(s.unsigned_abs())
            };
            assert_eq!(rfc3339(t), reference(t), "{s}");
        }
        assert_eq!(rfc3339(UNIX_EPOCH), "1970-01-01T00:00:00Z");
    }
    const T: Ymd = Ymd {
        y: 2026,
        m: 11,
        d: 25,
    };

    /// The numeric fast path answers as the general path does, on strings made of digits,
    /// separators and a few other bytes, at every length that matters.
    #[test]
    fn numeric_fast_path_agrees_with_the_general_path() {
        let alphabet = b"0123456789012345678901234567890123456789//--.. ,,ja+t";
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let (mut numeric, mut dates) = (0, 0);
        for _ in 0..200_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let len = (x % 14) as usize;
            let s: String = (0..len)
                .map(|k| char::from(alphabet[(x >> (4 * k % 60)) as usize % alphabet.len()]))
                .collect();
            x = x.wrapping_mul(0x2545_F491_4F6C_DD1D);
            numeric += usize::from(numeric_parts(s.trim().as_bytes()).is_some_and(|(_, n)| n == 3));
            let got = parse_date(&s, T);
            assert_eq!(got, parse_date_general(s.trim(), T), "{s:?}");
            dates += usize::from(got.is_some());
        }
        // The strings reach the fast path's dates, not only its refusals.
        assert!(numeric > 5_000 && dates > 500, "{numeric} {dates}");
        // Both paths share `numeric_date`: its readings pinned here (month first, day first
        // when dotted, the other order when the first is no date, the two-digit year pivot
        // at this year).
        let ymd = |y, m, d| Some(Ymd { y, m, d });
        for (s, want) in [
            ("04/15/1994", ymd(1994, 4, 15)),
            ("1994-04-15", ymd(1994, 4, 15)),
            ("15.04.1994", ymd(1994, 4, 15)),
            ("05.04.1994", ymd(1994, 4, 5)),
            ("04/05/1994", ymd(1994, 4, 5)),
            ("4/5/94", ymd(1994, 4, 5)),
            ("12/31/26", ymd(2026, 12, 31)),
            ("1/2/27", ymd(1927, 1, 2)),
            ("2026-02-30", None),
        ] {
            assert_eq!(parse_date(s, T), want, "{s}");
            assert_eq!(parse_date_general(s, T), want, "{s}");
        }
    }

    #[test]
    fn formats() {
        let want = Some(Ymd {
            y: 1980,
            m: 1,
            d: 2,
        });
        for s in [
            "01/02/1980",
            "1/2/80",
            "1980-01-02",
            "19800102",
            "Jan 2, 1980",
            "January 2, 1980",
            "2 January 1980",
            "2-Jan-80",
            "02.01.1980",
            "Jan. 2, 1980",
            "02JAN1980",
            "02Jan80",
            "1980-Jan-02",
            "1980 January 2",
            "2nd of January 1980",
            "02 Jan 80",
        ] {
            assert_eq!(parse_birth_date(s, T), want, "{s}");
        }
        for s in [
            "31FEB1980",
            "02JAX1980",
            "02JAN198",
            "2JAN1980x",
            "80-Jan-02",
            "1980-Jan-2000",
        ] {
            assert_eq!(parse_birth_date(s, T), None, "{s}");
        }
        assert_eq!(parse_birth_date("02/30/1980", T), None);
        assert_eq!(parse_birth_date("1/2/3/80", T), None);
        for d in [
            T,
            Ymd {
                y: 1900,
                m: 1,
                d: 9,
            },
            Ymd {
                y: 12345,
                m: 1,
                d: 2,
            },
        ] {
            assert_eq!(d.iso(), d.to_string());
        }
        assert_eq!(parse_birth_date("01/02/2030", T), None);
        assert_eq!(parse_birth_date("01/02/1880", T), None);
        assert_eq!(
            parse_birth_date("13/02/1980", T),
            Some(Ymd {
                y: 1980,
                m: 2,
                d: 13
            })
        );
    }

    #[test]
    fn ordinals_and_iso() {
        let want = Some(Ymd {
            y: 1980,
            m: 1,
            d: 21,
        });
        for s in ["Jan 21st, 1980", "21ST January 1980", "January 21 1980"] {
            assert_eq!(parse_birth_date(s, T), want, "{s}");
        }
        assert_eq!(parse_birth_date("Jan 21, 1980, 5", T), None);
        for d in [
            Ymd {
                y: 1980,
                m: 1,
                d: 2,
            },
            Ymd { y: 7, m: 12, d: 31 },
            Ymd { y: -3, m: 1, d: 1 },
            Ymd {
                y: 12345,
                m: 1,
                d: 1,
            },
        ] {
            assert_eq!(d.iso(), d.to_string());
        }
    }

    #[test]
    fn civil() {
        assert_eq!(
            civil_from_days(0),
            Ymd {
                y: 1970,
                m: 1,
                d: 1
            }
        );
        assert_eq!(
            civil_from_days(11_016),
            Ymd {
                y: 2000,
                m: 2,
                d: 29
            }
        );
    }
}
