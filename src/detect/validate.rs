//! Validators: the second stage of detection.
//!
//! The combined automaton proposes candidates by shape; a validator decides whether the
//! candidate is a real identifier of its kind (check digits, issuing rules, real calendar
//! dates) and returns its normalized value. Validators are named in the rule files
//! (`validator = "ssn"`), so a user rule can reuse them.
//!
//! A validator answers one of three things: the value is valid, the value is valid in form
//! but is a known published fake or test number (the finding is kept at low confidence so
//! that `--min-confidence low` still shows it), or it is not a value of this kind at all.

use super::dates;

/// The verdict of a validator on one candidate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// A real value; the normalized form as INVENTORY.md defines it.
    Valid(String),
    /// Well-formed, but a known fake or test value: reported at low confidence at most.
    Weak(String),
    /// Not a value of this kind.
    Invalid,
}

/// Names accepted in `validator = "..."`.
pub const NAMES: &[&str] = &[
    "ssn",
    "ssn_zeros_dropped",
    "itin",
    "mbi",
    "hicn",
    "npi",
    "dea",
    "credit_card",
    "phone",
    "email",
    "dob",
    "mrn",
    "structured_mrn",
    "member_id",
    "luhn",
    "digits",
    "none",
];

/// The fewest ASCII digits a value must hold for the named validator to accept it (0 when
/// it has no such rule). The detector skips looking for a rule where there is no digit at all.
pub fn min_digits(name: &str) -> u32 {
    match name {
        "mrn" | "structured_mrn" | "member_id" => 4,
        _ => 0,
    }
}

/// Run the named validator on a candidate value.
pub fn validate(name: &str, raw: &[u8], today: dates::Ymd) -> Verdict {
    let s = match std::str::from_utf8(raw) {
        Ok(s) => s,
        Err(_) => return Verdict::Invalid,
    };
    match name {
        "ssn" => ssn(s),
        "ssn_zeros_dropped" => ssn_zeros_dropped(s),
        "itin" => itin(s),
        "mbi" => mbi(s),
        "hicn" => hicn(s),
        "npi" => npi(s),
        "dea" => dea(s),
        "credit_card" => credit_card(s),
        "phone" => phone(s),
        "email" => email(s),
        // An ISO date's value may end with the 'T' of its time (dob.iso).
        "dob" => match dates::parse_birth_date(s.strip_suffix('T').unwrap_or(s), today) {
            Some(d) => Verdict::Valid(d.iso()),
            None => Verdict::Invalid,
        },
        "mrn" => id_value(s, 5, 12, 4),
        // A field a format defines as the patient's identifier (HL7 PID-3, FHIR type MR, CDA
        // patientRole/id, X12 REF*EA) may hold a longer one: a GUID (Synthea, test systems,
        // some EHRs). The structure says what it is; only the length bound is wider.
        "structured_mrn" => id_value(s, 5, 64, 4),
        "member_id" => id_value(s, 6, 15, 4),
        "luhn" => {
            let d = digits(s);
            if luhn(d.as_bytes()) {
                Verdict::Valid(d)
            } else {
                Verdict::Invalid
            }
        }
        "digits" => Verdict::Valid(digits(s)),
        _ => Verdict::Valid(alnum_upper(s)),
    }
}

pub fn digits(s: &str) -> String {
    // Sized once: collecting a filter grows the string from nothing (one value per finding).
    let mut out = String::with_capacity(s.len());
    out.extend(s.bytes().filter(u8::is_ascii_digit).map(char::from));
    out
}

pub fn alnum_upper(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    out.extend(
        s.bytes()
            .filter(u8::is_ascii_alphanumeric)
            .map(|b| char::from(b.to_ascii_uppercase())),
    );
    out
}

/// The separators between digit groups must all be the same (123-45-6789, 123 45 6789 or
/// none); `123-45 6789` is rejected.
fn consistent_separators(s: &str) -> bool {
    // Separators are the runs between letters and digits: one byte ("-", " "), a character
    // of several bytes (an en dash), or a spaced hyphen (" - "). All must be the same.
    let mut first: Option<&[u8]> = None;
    for sep in s
        .as_bytes()
        .split(|b| b.is_ascii_alphanumeric())
        .filter(|r| !r.is_empty())
    {
        match first {
            None => first = Some(sep),
            Some(x) if x == sep => {}
            Some(_) => return false,
        }
    }
    true
}

fn all_same(d: &str) -> bool {
    let b = d.as_bytes();
    b.iter().all(|&c| c == b[0])
}

/// SSA issuing rules: area 001-665 or 667-899, group 01-99, serial 0001-9999.
pub fn ssn_digits_valid(d: &str) -> bool {
    if d.len() != 9 || !d.bytes().all(|b| b.is_ascii_digit()) || all_same(d) {
        return false;
    }
    let area: u32 = d[0..3].parse().unwrap_or(0);
    let group: u32 = d[3..5].parse().unwrap_or(0);
    let serial: u32 = d[5..9].parse().unwrap_or(0);
    area != 0 && area != 666 && area < 900 && group != 0 && serial != 0
}

/// Published or widely used fake SSNs (Woolworth wallet card, SSA advertising, sequential).
fn ssn_known_fake(d: &str) -> bool {
    matches!(d, "078051120" | "219099999" | "123456789" | "111223333")
        || (d.starts_with("98765432") && d.len() == 9)
}

fn ssn(s: &str) -> Verdict {
    if !consistent_separators(s) {
        return Verdict::Invalid;
    }
    let d = digits(s);
    if ssn_known_fake(&d) {
        return Verdict::Weak(d);
    }
    if ssn_digits_valid(&d) {
        Verdict::Valid(d)
    } else {
        Verdict::Invalid
    }
}

/// An SSN that a spreadsheet stored as a number, its leading zeros dropped (area 001-099:
/// New England's, about a tenth of all): 7 or 8 digits, judged and reported with the zeros
/// restored.
fn ssn_zeros_dropped(s: &str) -> Verdict {
    if !(7..=8).contains(&s.len()) || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Verdict::Invalid;
    }
    ssn(&format!("{s:0>9}"))
}

/// IRS individual taxpayer identification numbers: 9xx, group 50-65, 70-88, 90-92, 94-99.
fn itin(s: &str) -> Verdict {
    if !consistent_separators(s) {
        return Verdict::Invalid;
    }
    let d = digits(s);
    if d.len() != 9 || !d.starts_with('9') {
        return Verdict::Invalid;
    }
    let group: u32 = d[3..5].parse().unwrap_or(0);
    let ok = matches!(group, 50..=65 | 70..=88 | 90..=92 | 94..=99);
    if ok && &d[5..] != "0000" {
        Verdict::Valid(d)
    } else {
        Verdict::Invalid
    }
}

fn mbi_letter(b: u8) -> bool {
    b.is_ascii_uppercase() && !matches!(b, b'S' | b'L' | b'O' | b'I' | b'B' | b'Z')
}

/// CMS Medicare Beneficiary Identifier position rules (dashes are display only).
pub fn mbi_valid(v: &str) -> bool {
    let b = v.as_bytes();
    if b.len() != 11 {
        return false;
    }
    let digit = |c: u8| c.is_ascii_digit();
    let alnum = |c: u8| mbi_letter(c) || digit(c);
    (b'1'..=b'9').contains(&b[0])
        && mbi_letter(b[1])
        && alnum(b[2])
        && digit(b[3])
        && mbi_letter(b[4])
        && alnum(b[5])
        && digit(b[6])
        && mbi_letter(b[7])
        && mbi_letter(b[8])
        && digit(b[9])
        && digit(b[10])
}

fn mbi(s: &str) -> Verdict {
    // Dashes only at the display positions 4 and 7 (1EG4-TE5-MK73), or none at all.
    let dashes: Vec<usize> = s.match_indices('-').map(|(i, _)| i).collect();
    if !(dashes.is_empty() || dashes == [4, 8]) {
        return Verdict::Invalid;
    }
    let v: String = s
        .chars()
        .filter(|c| *c != '-')
        .collect::<String>()
        .to_ascii_uppercase();
    if mbi_valid(&v) {
        Verdict::Valid(v)
    } else {
        Verdict::Invalid
    }
}

/// Legacy Medicare HICN: a valid SSN followed by a beneficiary identification code, or a
/// Railroad Retirement Board number (letter prefix + 6 or 9 digits).
fn hicn(s: &str) -> Verdict {
    let v = alnum_upper(s);
    let split = v
        .bytes()
        .position(|b| !b.is_ascii_digit())
        .unwrap_or(v.len());
    if split == 9 {
        let (num, suffix) = v.split_at(9);
        let suffix_ok = matches!(
            suffix,
            "A" | "B" | "D" | "M" | "T" | "W" | "HA" | "HB" | "HC"
        ) || (suffix.len() == 2
            && matches!(
                suffix.as_bytes()[0],
                b'B' | b'C' | b'D' | b'E' | b'F' | b'J' | b'K'
            )
            && suffix.as_bytes()[1].is_ascii_digit()
            && suffix.as_bytes()[1] != b'0');
        return if suffix_ok && ssn_digits_valid(num) {
            Verdict::Valid(v)
        } else {
            Verdict::Invalid
        };
    }
    // Railroad Retirement Board: 1-3 letter prefix, then 6 or 9 digits.
    let split = v
        .bytes()
        .position(|b| b.is_ascii_digit())
        .unwrap_or(v.len());
    if (1..=3).contains(&split) {
        let rest = &v[split..];
        let prefix_ok = matches!(
            &v[..split],
            "A" | "MA"
                | "WA"
                | "WD"
                | "CA"
                | "WCA"
                | "CD"
                | "WCD"
                | "PA"
                | "PD"
                | "H"
                | "WH"
                | "JA"
                | "PH"
                | "WCH"
                | "MH"
                | "WF"
        );
        if prefix_ok
            && (rest.len() == 6 || rest.len() == 9)
            && rest.bytes().all(|b| b.is_ascii_digit())
        {
            return Verdict::Valid(v);
        }
    }
    Verdict::Invalid
}

/// Luhn over ASCII digits.
pub fn luhn(d: &[u8]) -> bool {
    if d.is_empty() || !d.iter().all(u8::is_ascii_digit) {
        return false;
    }
    let mut sum = 0u32;
    for (i, &c) in d.iter().rev().enumerate() {
        let mut v = u32::from(c - b'0');
        if i % 2 == 1 {
            v *= 2;
            if v > 9 {
                v -= 9;
            }
        }
        sum += v;
    }
    sum.is_multiple_of(10)
}

/// NPI: 10 digits starting with 1 or 2, Luhn over the ISO prefix 80840 + the number.
pub fn npi_valid(d: &str) -> bool {
    if d.len() != 10 || !matches!(d.as_bytes()[0], b'1' | b'2') {
        return false;
    }
    let mut full = b"80840".to_vec();
    full.extend_from_slice(d.as_bytes());
    luhn(&full)
}

fn npi(s: &str) -> Verdict {
    let d = digits(s);
    if d.len() == s.len() && npi_valid(&d) && !all_same(&d[1..]) {
        Verdict::Valid(d)
    } else {
        Verdict::Invalid
    }
}

/// DEA registration: registrant-type letter, a letter (or 9), 7 digits with a check digit.
pub fn dea_valid(v: &str) -> bool {
    let b = v.as_bytes();
    if b.len() != 9 {
        return false;
    }
    if !b"ABCDEFGHJKLMPRSTUX".contains(&b[0]) || !(b[1].is_ascii_uppercase() || b[1] == b'9') {
        return false;
    }
    if !b[2..].iter().all(u8::is_ascii_digit) {
        return false;
    }
    let d: Vec<u32> = b[2..].iter().map(|c| u32::from(c - b'0')).collect();
    if d[..6].iter().all(|&x| x == d[0]) {
        return false;
    }
    ((d[0] + d[2] + d[4]) + 2 * (d[1] + d[3] + d[5])) % 10 == d[6]
}

fn dea(s: &str) -> Verdict {
    let v = s.to_ascii_uppercase();
    if dea_valid(&v) {
        Verdict::Valid(v)
    } else {
        Verdict::Invalid
    }
}

/// Issuer identification number (IIN) ranges and lengths of the major networks.
fn card_network_ok(d: &str) -> bool {
    let n = d.len();
    let p = |k: usize| d[..k].parse::<u32>().unwrap_or(0);
    // Maestro (Mastercard's debit brand): 12 to 19 digits.
    let maestro = || {
        matches!(p(4), 5018 | 5020 | 5038 | 5893 | 6304 | 6759 | 6761..=6763)
            && (12..=19).contains(&n)
    };
    match d.as_bytes()[0] {
        b'4' => matches!(n, 13 | 16 | 19),
        b'5' => (51..=55).contains(&p(2)) && n == 16 || maestro(),
        // JCB's 15-digit numbers of before 2000 (2131, 1800) are still on older cards.
        b'2' => (2221..=2720).contains(&p(4)) && n == 16 || p(4) == 2131 && n == 15,
        b'1' => p(4) == 1800 && n == 15,
        b'3' => {
            (matches!(p(2), 34 | 37) && n == 15)
                || ((3528..=3589).contains(&p(4)) && (16..=19).contains(&n))
                || (((300..=305).contains(&p(3)) || matches!(p(2), 36 | 38))
                    && (14..=19).contains(&n))
        }
        b'6' => {
            (p(4) == 6011 || (644..=649).contains(&p(3)) || p(2) == 65 || p(2) == 62)
                && (16..=19).contains(&n)
                || maestro()
        }
        _ => false,
    }
}

/// Card numbers published by networks and payment processors for testing.
const TEST_CARDS: &[&str] = &[
    "4111111111111111",
    "4242424242424242",
    "4012888888881881",
    "4222222222222",
    "4000056655665556",
    "5555555555554444",
    "5105105105105100",
    "5200828282828210",
    "2223003122003222",
    "378282246310005",
    "371449635398431",
    "378734493671000",
    "6011111111111117",
    "6011000990139424",
    "3530111333300000",
    "3566002020360505",
    "30569309025904",
    "38520000023237",
    "6200000000000005",
];

fn credit_card(s: &str) -> Verdict {
    if !consistent_separators(s) {
        return Verdict::Invalid;
    }
    let d = digits(s);
    if !(12..=19).contains(&d.len()) || !luhn(d.as_bytes()) || !card_network_ok(&d) {
        return Verdict::Invalid;
    }
    // Grouped numbers must use a network's grouping (4-4-4-4, 4-6-5, 4-6-4 ...).
    let groups: Vec<usize> = s
        .split(|c: char| !c.is_ascii_digit())
        .filter(|g| !g.is_empty())
        .map(str::len)
        .collect();
    if groups.len() > 1 {
        let ok = groups.iter().all(|&g| g == 4 || g == 3) && groups[0] == 4
            || groups == [4, 6, 5]
            || groups == [4, 6, 4];
        if !ok {
            return Verdict::Invalid;
        }
    }
    if TEST_CARDS.contains(&d.as_str()) || all_same(&d[1..]) {
        Verdict::Weak(d)
    } else {
        Verdict::Valid(d)
    }
}

/// North American Numbering Plan: NPA and NXX start with 2-9; NPA is not an N11 service code.
fn phone(s: &str) -> Verdict {
    // An extension ("x123") is not part of the number.
    let s = s.split_once(['x', 'X']).map_or(s, |(number, _)| number);
    let mut d = digits(s);
    if d.len() == 11 && d.starts_with('1') {
        d.remove(0);
    }
    if d.len() != 10 {
        return Verdict::Invalid;
    }
    let b = d.as_bytes();
    let npa_ok = (b'2'..=b'9').contains(&b[0]) && !(b[1] == b'1' && b[2] == b'1');
    let nxx_ok = (b'2'..=b'9').contains(&b[3]) && !(b[4] == b'1' && b[5] == b'1');
    if npa_ok && nxx_ok && !all_same(&d) {
        Verdict::Valid(d)
    } else {
        Verdict::Invalid
    }
}

fn email(s: &str) -> Verdict {
    let Some((local, domain)) = s.rsplit_once('@') else {
        return Verdict::Invalid;
    };
    let tld = domain.rsplit('.').next().unwrap_or("");
    if local.is_empty()
        || local.len() > 64
        || local.starts_with('.')
        || local.ends_with('.')
        || domain.len() < 4
        || domain.starts_with(['.', '-'])
        || domain.contains("..")
        || tld.len() < 2
        || !tld.bytes().all(|b| b.is_ascii_alphabetic())
    {
        return Verdict::Invalid;
    }
    Verdict::Valid(s.to_ascii_lowercase())
}

/// Label-found identifiers (MRN, member ids): `min..=max` alphanumerics after removing
/// dashes, spaces and dots, with at least `min_digits` digits, not one repeated character.
fn id_value(s: &str, min: usize, max: usize, min_digits: usize) -> Verdict {
    // Record and member numbers are printed in one case. Both cases in one value is what a
    // run of base64 (a mail attachment, a data: URL, a key) looks like after a label-like
    // word in it: "/mrnZ7x7k6wh6XqF/".
    if s.bytes().any(|b| b.is_ascii_lowercase()) && s.bytes().any(|b| b.is_ascii_uppercase()) {
        return Verdict::Invalid;
    }
    let v = alnum_upper(s);
    let nd = v.bytes().filter(u8::is_ascii_digit).count();
    if v.len() < min || v.len() > max || nd < min_digits || all_same(&v) {
        return Verdict::Invalid;
    }
    // A value that is just a date or a year range is not an identifier: "03/14/1962", and
    // the dashed dates of a column whose header names a record ("Chart Date": 2023-01-04).
    if s.contains('/') || dashed_date(s) || year_range(s) {
        return Verdict::Invalid;
    }
    Verdict::Valid(v)
}

/// `YYYY-YYYY`, two years of 1900-2099 a few apart in order: a policy or fiscal year
/// ("Policy number is 2024-2025 renewal"), not an id.
fn year_range(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 9 || b[4] != b'-' {
        return false;
    }
    let year = |p: &[u8]| {
        p.iter()
            .try_fold(0u32, |y, &c| {
                c.is_ascii_digit().then(|| y * 10 + u32::from(c - b'0'))
            })
            .filter(|y| (1900..=2099).contains(y))
    };
    matches!((year(&b[..4]), year(&b[5..])), (Some(x), Some(y)) if x <= y && y - x <= 10)
}

/// `YYYY-M-D` or `M-D-YYYY` / `M-D-YY` with a real month and day in range: a date, not an id.
fn dashed_date(s: &str) -> bool {
    let mut parts = s.split('-');
    let (Some(a), Some(b), Some(c), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return false;
    };
    let num = |p: &str| -> Option<u32> {
        (!p.is_empty() && p.len() <= 4 && p.bytes().all(|b| b.is_ascii_digit()))
            .then(|| p.parse().ok())
            .flatten()
    };
    let (Some(x), Some(y), Some(z)) = (num(a), num(b), num(c)) else {
        return false;
    };
    let md = |m: u32, d: u32| (1..=12).contains(&m) && (1..=31).contains(&d);
    match (a.len(), b.len(), c.len()) {
        (4, 1..=2, 1..=2) => md(y, z),
        (1..=2, 1..=2, 2 | 4) => md(x, y) || md(y, x),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> dates::Ymd {
        dates::Ymd {
            y: 2026,
            m: 11,
            d: 25,
        }
    }

    /// `min_digits` agrees with what the validators accept.
    #[test]
    fn min_digits_is_what_the_validators_need() {
        for name in NAMES {
            let n = min_digits(name) as usize;
            if n == 0 {
                continue;
            }
            // One digit short is rejected whatever else the value holds.
            let short = format!("AB{}CDEF", "7".repeat(n - 1));
            assert_eq!(
                validate(name, short.as_bytes(), today()),
                Verdict::Invalid,
                "{name}"
            );
            let enough = format!("AB{}CDEF", "7163".repeat(n).get(..n).unwrap());
            assert!(
                matches!(
                    validate(name, enough.as_bytes(), today()),
                    Verdict::Valid(_)
                ),
                "{name}"
            );
        }
    }

    #[test]
    fn ssn_rules() {
        assert_eq!(
            validate("ssn", b"234-56-7891", today()),
            Verdict::Valid("234567891".into())
        );
        assert_eq!(
            validate("ssn", b"078-05-1120", today()),
            Verdict::Weak("078051120".into())
        );
        for bad in [
            "000-12-3456",
            "666-12-3456",
            "912-34-5678",
            "123-00-4567",
            "123-45-0000",
            "123-45 6789",
            "111111111",
        ] {
            assert_eq!(
                validate("ssn", bad.as_bytes(), today()),
                Verdict::Invalid,
                "{bad}"
            );
        }
    }

    #[test]
    fn ssns_whose_zeros_were_dropped() {
        let v = |s: &str| validate("ssn_zeros_dropped", s.as_bytes(), today());
        assert_eq!(v("12345678"), Verdict::Valid("012345678".into()));
        assert_eq!(v("1234567"), Verdict::Valid("001234567".into()));
        assert_eq!(v("78051120"), Verdict::Weak("078051120".into()));
        for bad in [
            "536228456",
            "123456",
            "1005678",
            "12300000",
            "12-345678",
            "00123456",
        ] {
            assert_eq!(v(bad), Verdict::Invalid, "{bad}");
        }
    }

    #[test]
    fn itin_rules() {
        assert!(matches!(
            validate("itin", b"912-70-1234", today()),
            Verdict::Valid(_)
        ));
        assert_eq!(validate("itin", b"912-40-1234", today()), Verdict::Invalid);
    }

    #[test]
    fn mbi_rules() {
        assert_eq!(
            validate("mbi", b"1EG4-TE5-MK73", today()),
            Verdict::Valid("1EG4TE5MK73".into())
        );
        assert_eq!(
            validate("mbi", b"1EG4TE5MK73", today()),
            Verdict::Valid("1EG4TE5MK73".into())
        );
        assert_eq!(validate("mbi", b"0EG4TE5MK73", today()), Verdict::Invalid);
        assert_eq!(validate("mbi", b"1SG4TE5MK73", today()), Verdict::Invalid);
    }

    #[test]
    fn npi_dea_cards() {
        assert!(npi_valid("1234567893"));
        assert!(!npi_valid("1234567890"));
        assert!(dea_valid("AB1234563"));
        assert!(!dea_valid("AB1234564"));
        assert_eq!(
            validate("credit_card", b"4111 1111 1111 1111", today()),
            Verdict::Weak("4111111111111111".into())
        );
        assert!(matches!(
            validate("credit_card", b"4539 1488 0343 6467", today()),
            Verdict::Valid(_)
        ));
        assert_eq!(
            validate("credit_card", b"4539 1488 0343 6468", today()),
            Verdict::Invalid
        );
        // Maestro (12-19 digits) and JCB's older 15-digit numbers; Luhn-valid numbers of the
        // same lengths outside those ranges are not cards.
        for ok in [
            "675985288488",
            "5018719680343211",
            "6304576340634477313",
            "5893408756024",
            "213144924377509",
            "180044924377500",
        ] {
            assert!(
                matches!(
                    validate("credit_card", ok.as_bytes(), today()),
                    Verdict::Valid(_)
                ),
                "{ok}"
            );
        }
        for bad in ["453985288480", "3515719680343214", "1800719680343212"] {
            assert_eq!(
                validate("credit_card", bad.as_bytes(), today()),
                Verdict::Invalid,
                "{bad}"
            );
        }
    }

    #[test]
    fn record_and_member_numbers_are_in_one_case() {
        for name in ["mrn", "member_id"] {
            for ok in [
                "A1029384",
                "a1029384",
                "P-4421093",
                "XEH812349021",
                "00482913",
            ] {
                assert!(
                    matches!(validate(name, ok.as_bytes(), today()), Verdict::Valid(_)),
                    "{name} {ok}"
                );
            }
            // Base64 after a label-like word ("/mrnZ7x7k6wh6XqF/"), a session key.
            for mixed in ["Z7x7k6wh6XqF", "6c02ViYG37k", "aB3d5F7h9"] {
                assert_eq!(
                    validate(name, mixed.as_bytes(), today()),
                    Verdict::Invalid,
                    "{name} {mixed}"
                );
            }
        }
    }

    #[test]
    fn dashed_dates_are_not_record_numbers() {
        for name in ["mrn", "member_id"] {
            for date in [
                "2023-01-04",
                "2023-1-4",
                "01-04-2023",
                "31-12-1999",
                "1-4-23",
                "2024-2025",
                "1999-2000",
            ] {
                assert_eq!(
                    validate(name, date.as_bytes(), today()),
                    Verdict::Invalid,
                    "{name} {date}"
                );
            }
            // Dashed ids whose parts cannot be a date stay ids.
            for id in [
                "55-123-907",
                "2023-13-0412",
                "12-3456-7890",
                "2023-44-12",
                "13-40-2023",
                "2025-2024",
                "1999-2024",
                "2024-20250",
            ] {
                assert!(
                    matches!(validate(name, id.as_bytes(), today()), Verdict::Valid(_)),
                    "{name} {id}"
                );
            }
        }
    }

    #[test]
    fn phones_and_hicn() {
        assert_eq!(
            validate("phone", b"(212) 555-0143", today()),
            Verdict::Valid("2125550143".into())
        );
        assert_eq!(
            validate("phone", b"+1 212 555 0143", today()),
            Verdict::Valid("2125550143".into())
        );
        assert_eq!(
            validate("phone", b"112-555-0143", today()),
            Verdict::Invalid
        );
        // An extension is part of the match, not of the number.
        assert_eq!(
            validate("phone", b"(212)555-0143x45678", today()),
            Verdict::Valid("2125550143".into())
        );
        assert_eq!(
            validate("phone", b"212-555-0143X12", today()),
            Verdict::Valid("2125550143".into())
        );
        assert_eq!(
            validate("hicn", b"234567891A", today()),
            Verdict::Valid("234567891A".into())
        );
        assert_eq!(
            validate("hicn", b"234567891C1", today()),
            Verdict::Valid("234567891C1".into())
        );
        assert_eq!(
            validate("hicn", b"MA123456", today()),
            Verdict::Valid("MA123456".into())
        );
    }
}
