//! Tokens for the digit and `@` gates: maximal runs of a rule group's alphabet that contain a
//! trigger byte, with how many digits, capitals and `@` each holds.
//!
//! The vectorized version classifies 64 bytes at a time into bit masks (in the alphabet,
//! digit, capital, `@`) and takes each token's extent and counts from them with bit
//! operations; the scalar version walks byte by byte and is the reference the tests hold it to.

/// A token: `[start, end)` and its counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token {
    pub start: usize,
    pub end: usize,
    pub digits: u32,
    pub upper: u32,
    pub at: u32,
}

/// Byte-set membership in nibble form: `rows[lo]` has bit `hi` set when byte `hi << 4 | lo`
/// is in the set (ASCII only).
#[derive(Debug, Clone)]
pub struct Alphabet {
    pub set: [bool; 256],
    rows: [u8; 16],
    ascii: bool,
    /// A space next to another space is not in the alphabet, whatever `set` says: no match
    /// of the group starts or ends with a space or holds two in a row
    /// ([`super::gate::Spaces`]), so a match never holds such a space.
    pub(crate) split_spaces: bool,
}

impl Alphabet {
    pub fn new(set: [bool; 256]) -> Alphabet {
        let mut rows = [0u8; 16];
        for b in 0..128usize {
            if set[b] {
                rows[b & 0xF] |= 1 << (b >> 4);
            }
        }
        Alphabet {
            set,
            rows,
            ascii: set[128..].iter().all(|&x| !x),
            split_spaces: false,
        }
    }

    /// Take out of the alphabet every space next to another space (see `split_spaces`).
    pub fn split_spaces(mut self, yes: bool) -> Alphabet {
        self.split_spaces = yes && self.set[b' ' as usize];
        self
    }

    /// Whether `text[i]` is in the alphabet, in its place.
    #[inline]
    fn has(&self, text: &[u8], i: usize) -> bool {
        let b = text[i];
        self.set[b as usize]
            && !(self.split_spaces
                && b == b' '
                && ((i > 0 && text[i - 1] == b' ') || text.get(i + 1) == Some(&b' ')))
    }
}

/// Whether a token holds as many digits, capitals and `@` as some rule of its group needs.
#[derive(Debug, Clone)]
pub struct Mins {
    /// Per rule: the fewest digits, capitals and `@` a match holds.
    pub each: Vec<(u32, u32, u32)>,
    /// By digit count (63: 63 or more): the fewest capitals that some rule needing at most that
    /// many digits needs (`u32::MAX`: no such rule). Used when every rule needs fewer than 63
    /// digits and no `@`, as the digit group's do: one lookup per token instead of a loop.
    upper: [u32; 64],
    table: bool,
}

impl Mins {
    pub fn new(each: Vec<(u32, u32, u32)>) -> Mins {
        let mut upper = [u32::MAX; 64];
        for (d, u) in upper.iter_mut().enumerate() {
            for &(md, mu, _) in &each {
                if md as usize <= d {
                    *u = (*u).min(mu);
                }
            }
        }
        let table = each.iter().all(|&(md, _, ma)| md < 63 && ma == 0);
        Mins { each, upper, table }
    }

    /// The shortest token that can pass: every rule needs at least its digits, capitals and
    /// `@` (distinct bytes), so a shorter token fails [`Mins::pass`].
    pub fn min_len(&self) -> usize {
        self.each
            .iter()
            .map(|&(d, u, a)| d.saturating_add(u).saturating_add(a) as usize)
            .min()
            .unwrap_or(0)
    }

    #[inline]
    pub fn pass(&self, t: &Token) -> bool {
        if self.table {
            t.upper >= self.upper[t.digits.min(63) as usize]
        } else {
            self.each
                .iter()
                .any(|&(md, mu, ma)| t.digits >= md && t.upper >= mu && t.at >= ma)
        }
    }
}

impl Token {
    /// Count byte `x` as one of the token's.
    fn count(&mut self, x: u8) {
        self.digits += x.is_ascii_digit() as u32;
        self.upper += x.is_ascii_uppercase() as u32;
        self.at += (x == b'@') as u32;
    }
}

/// The token around trigger `t`, not reaching back before `floor`.
fn expand(alpha: &Alphabet, text: &[u8], floor: usize, t: usize) -> Token {
    let mut a = t;
    while a > floor && alpha.has(text, a - 1) {
        a -= 1;
    }
    let mut b = t;
    while b < text.len() && alpha.has(text, b) {
        b += 1;
    }
    let mut tok = Token {
        start: a,
        end: b,
        digits: 0,
        upper: 0,
        at: 0,
    };
    for &x in &text[a..b] {
        tok.count(x);
    }
    tok
}

/// Every token around a trigger at or after `from` whose start is before `to`, in order.
/// The first may start before `from`. A trigger byte outside the alphabet makes no token.
pub fn scalar(
    alpha: &Alphabet,
    text: &[u8],
    from: usize,
    to: usize,
    trigger: impl Fn(&[u8], usize) -> Option<usize>,
    f: impl FnMut(Token),
) {
    scalar_from(alpha, text, from, 0, to, trigger, f)
}

/// As [`scalar`], with no token reaching back before `floor`.
fn scalar_from(
    alpha: &Alphabet,
    text: &[u8],
    from: usize,
    mut floor: usize,
    to: usize,
    trigger: impl Fn(&[u8], usize) -> Option<usize>,
    mut f: impl FnMut(Token),
) {
    let mut pos = from;
    while pos < text.len() {
        let Some(t) = trigger(text, pos) else { break };
        if !alpha.has(text, t) {
            pos = t + 1;
            floor = pos;
            continue;
        }
        let tok = expand(alpha, text, floor, t);
        if tok.start >= to {
            break;
        }
        f(tok);
        floor = tok.end;
        pos = tok.end;
    }
}

/// The tokens around digits, as [`scalar`] with a digit trigger gives them, except that
/// tokens shorter than `min_len` bytes may be left out (none of them can hold a match: see
/// [`Mins::min_len`]).
pub fn digit_tokens(
    alpha: &Alphabet,
    text: &[u8],
    from: usize,
    to: usize,
    min_len: usize,
    f: impl FnMut(Token),
) {
    #[cfg(target_arch = "x86_64")]
    if alpha.ascii && super::has_avx2() {
        // SAFETY: AVX2, POPCNT, BMI1 and LZCNT are available (checked above).
        unsafe { digit_tokens_avx2(alpha, text, from, to, min_len, f) };
        return;
    }
    let _ = min_len;
    scalar(alpha, text, from, to, next_digit, f)
}

/// The bits of `am` in runs of at least `l` set bits (`l` from 1 to 16), and every bit of a
/// run that touches either end of the word (it may go on in the next or previous block).
/// Runs of `p` (the largest power of two up to `l`) by doubling, then of `l` as two runs of
/// `p` that overlap; spread back the same way. Exact, not `l` rounded down: the digit rules
/// need nine bytes, and eight-byte runs (order numbers, "2023-09-12") are common.
#[inline]
fn long_runs(am: u64, l: u32) -> u64 {
    // Bit i: bits i .. i + w - 1 are all set.
    let mut r = am;
    let mut w = 1;
    while w * 2 <= l {
        r &= r >> w;
        w *= 2;
    }
    let extra = l - w;
    if extra > 0 {
        // Bits i .. i + w - 1 and i + extra .. i + l - 1: all of i .. i + l - 1.
        r &= r >> extra;
    }
    let mut m = r;
    let mut s = 1;
    while s < w {
        m |= m << s;
        s *= 2;
    }
    if extra > 0 {
        m |= m << extra;
    }
    let first = (!am).trailing_zeros();
    let last = (!am).leading_zeros();
    if first > 0 {
        m |= u64::MAX >> (64 - first);
    }
    if last > 0 {
        m |= u64::MAX << (64 - last);
    }
    m
}

/// Whether `h` holds an ASCII digit.
pub fn has_digit(h: &[u8]) -> bool {
    next_digit(h, 0).is_some()
}

/// Position of the next ASCII digit at or after `i` (the detector's vectorized trigger scan,
/// stepping over the `@` it also stops at).
pub fn next_digit(h: &[u8], mut i: usize) -> Option<usize> {
    loop {
        let t = super::next_trigger(h, i)?;
        if h[t] != b'@' {
            return Some(t);
        }
        i = t + 1;
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,popcnt,bmi1,lzcnt")]
unsafe fn masks64(rows: std::arch::x86_64::__m256i, p: *const u8) -> (u64, u64, u64, u64, u64) {
    use std::arch::x86_64::*;
    let pow2 = _mm256_setr_epi8(
        1, 2, 4, 8, 16, 32, 64, -128, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 4, 8, 16, 32, 64, -128, 0, 0,
        0, 0, 0, 0, 0, 0,
    );
    let nib = _mm256_set1_epi8(0x0F);
    let zero = _mm256_setzero_si256();
    let (c0, c9, ca, c25, cat, csp) = (
        _mm256_set1_epi8(b'0' as i8),
        _mm256_set1_epi8(9),
        _mm256_set1_epi8(b'A' as i8),
        _mm256_set1_epi8(25),
        _mm256_set1_epi8(b'@' as i8),
        _mm256_set1_epi8(b' ' as i8),
    );
    let half = |v: __m256i| {
        let lo = _mm256_and_si256(v, nib);
        let hi = _mm256_and_si256(_mm256_srli_epi16(v, 4), nib);
        let row = _mm256_shuffle_epi8(rows, lo);
        let col = _mm256_shuffle_epi8(pow2, hi);
        let out = _mm256_cmpeq_epi8(_mm256_and_si256(row, col), zero);
        let d = _mm256_sub_epi8(v, c0);
        let is_d = _mm256_cmpeq_epi8(_mm256_min_epu8(d, c9), d);
        let u = _mm256_sub_epi8(v, ca);
        let is_u = _mm256_cmpeq_epi8(_mm256_min_epu8(u, c25), u);
        let is_at = _mm256_cmpeq_epi8(v, cat);
        let is_sp = _mm256_cmpeq_epi8(v, csp);
        (
            !(_mm256_movemask_epi8(out) as u32),
            _mm256_movemask_epi8(is_d) as u32,
            _mm256_movemask_epi8(is_u) as u32,
            _mm256_movemask_epi8(is_at) as u32,
            _mm256_movemask_epi8(is_sp) as u32,
        )
    };
    let a = half(_mm256_loadu_si256(p as *const __m256i));
    let b = half(_mm256_loadu_si256(p.add(32) as *const __m256i));
    let j = |x: u32, y: u32| x as u64 | (y as u64) << 32;
    (
        j(a.0, b.0),
        j(a.1, b.1),
        j(a.2, b.2),
        j(a.3, b.3),
        j(a.4, b.4),
    )
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,popcnt,bmi1,lzcnt")]
unsafe fn digit_tokens_avx2(
    alpha: &Alphabet,
    text: &[u8],
    from: usize,
    to: usize,
    min_len: usize,
    mut f: impl FnMut(Token),
) {
    // Short runs are dropped before their tokens are taken apart: in office text most digit
    // tokens are a day, a month, a year, a room number.
    let short = min_len.clamp(1, 16) as u32;
    use std::arch::x86_64::*;
    let rows = _mm256_broadcastsi128_si256(_mm_loadu_si128(alpha.rows.as_ptr() as *const __m128i));
    let mut i = from;
    let mut floor = 0;
    // The run of the alphabet that reached the end of the previous block, with its counts so
    // far (a token once it holds a digit): it goes on at bit 0 of the next block.
    let mut carry: Option<Token> = None;
    // Digits of the carried run before `from` (a token needs one at or after it).
    let mut carry_before = 0;
    let mut first_block = true;
    'blocks: while i + 64 <= text.len() {
        let (mut am, dm, um, atm, sm) = masks64(rows, text.as_ptr().add(i));
        if alpha.split_spaces && sm != 0 {
            // A space with a space before or after it (in this block or the next) is out.
            let before = (sm << 1) | (i > 0 && text[i - 1] == b' ') as u64;
            let after = (sm >> 1) | ((text.get(i + 64) == Some(&b' ')) as u64) << 63;
            am &= !(sm & (before | after));
        }
        let add = |t: &mut Token, m: u64| {
            t.digits += (dm & m).count_ones();
            t.upper += (um & m).count_ones();
            t.at += (atm & m).count_ones();
        };
        // Digits outside the alphabet make no token.
        let mut digits = dm & am;
        if short > 1 && digits != 0 {
            digits &= long_runs(am, short);
        }
        if let Some(mut c) = carry.take() {
            let first = (!am).trailing_zeros();
            let m = if first == 64 {
                u64::MAX
            } else {
                (1u64 << first) - 1
            };
            add(&mut c, m);
            c.end = i + first as usize;
            if first == 64 {
                carry = Some(c);
                i += 64;
                continue;
            }
            if c.digits > carry_before {
                if c.start >= to {
                    return;
                }
                f(c);
                floor = c.end;
            }
            carry_before = 0;
            digits &= !m;
        }
        while digits != 0 {
            let p = digits.trailing_zeros();
            let outside = !am;
            let below = outside & ((1u64 << p) - 1);
            let s = if below == 0 {
                0
            } else {
                64 - below.leading_zeros()
            };
            let above = outside >> p;
            let e = if above == 0 {
                64
            } else {
                p + above.trailing_zeros()
            };
            if s == 0 && first_block && i > floor {
                // The first token may reach back before the first block: byte by byte.
                let tok = expand(alpha, text, floor, i + p as usize);
                if tok.start >= to {
                    return;
                }
                f(tok);
                floor = tok.end;
                if tok.end >= i + 64 {
                    i = tok.end;
                    first_block = false;
                    continue 'blocks;
                }
                digits &= !((1u64 << (tok.end - i)) - 1);
                continue;
            }
            let m = if e == 64 { u64::MAX } else { (1u64 << e) - 1 } & !((1u64 << s) - 1);
            let mut tok = Token {
                start: i + s as usize,
                end: i + e as usize,
                digits: 0,
                upper: 0,
                at: 0,
            };
            add(&mut tok, m);
            digits &= !m;
            if e == 64 {
                // It goes on in the next block.
                carry = Some(tok);
                break;
            }
            if tok.start >= to {
                return;
            }
            f(tok);
            floor = tok.end;
        }
        // A run without a digit here that reaches the end of the block may get one next.
        let last = (!am).leading_zeros();
        if carry.is_none() && last > 0 && i + 64 - last as usize >= floor {
            let mut tok = Token {
                start: i + 64 - last as usize,
                end: i + 64,
                digits: 0,
                upper: 0,
                at: 0,
            };
            add(&mut tok, u64::MAX << (64 - last));
            if last == 64 && first_block {
                // The whole first block: the run may begin before it.
                while tok.start > floor && alpha.has(text, tok.start - 1) {
                    tok.start -= 1;
                    tok.count(text[tok.start]);
                    carry_before += text[tok.start].is_ascii_digit() as u32;
                }
            }
            carry = Some(tok);
        }
        first_block = false;
        i += 64;
    }
    if let Some(mut c) = carry {
        // It goes on into the last bytes.
        while c.end < text.len() && alpha.has(text, c.end) {
            c.count(text[c.end]);
            c.end += 1;
        }
        if c.digits > carry_before {
            if c.start >= to {
                return;
            }
            f(c);
        }
        floor = c.end;
        i = i.max(c.end);
    }
    // The last bytes.
    scalar_from(alpha, text, i, floor, to, next_digit, f);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reference(alpha: &Alphabet, text: &[u8], from: usize, to: usize) -> Vec<Token> {
        let mut v = Vec::new();
        scalar(alpha, text, from, to, next_digit, |t| v.push(t));
        v
    }

    #[test]
    fn vectorized_tokens_equal_the_scalar_ones() {
        // The digit group's alphabet of the built-in rules, and a narrower one.
        let mut wide = [false; 256];
        for b in b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ +-.()" {
            wide[*b as usize] = true;
        }
        let mut narrow = [false; 256];
        for b in b"0123456789-" {
            narrow[*b as usize] = true;
        }
        let alphabets = [
            Alphabet::new(wide),
            Alphabet::new(narrow),
            Alphabet::new(wide).split_spaces(true),
        ];
        let mut x: u64 = 0x2545F4914F6CDD1D;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let bytes = b"0123456789  --..()ABCXYZabcxyz,/:@\n\t";
        for round in 0..500 {
            let len = (next() % 400) as usize;
            // Runs of one kind of byte now and then, so tokens cross 64-byte blocks.
            let mut text = Vec::with_capacity(len);
            while text.len() < len {
                let b = bytes[(next() % bytes.len() as u64) as usize];
                let n = if next() % 8 == 0 {
                    (next() % 90) as usize
                } else {
                    1
                };
                text.extend(std::iter::repeat_n(b, n));
            }
            text.truncate(len);
            let from = if round % 2 == 0 {
                0
            } else {
                (next() as usize) % (len + 1)
            };
            let to = from + (next() as usize) % (len + 1 - from);
            for alpha in &alphabets {
                let all = reference(alpha, &text, from, to);
                for min_len in [0, 1, 3, 5, 16, 40] {
                    let mut got = Vec::new();
                    digit_tokens(alpha, &text, from, to, min_len, |t| got.push(t));
                    // Short tokens may be left out; nothing else changes.
                    assert!(got.iter().all(|t| all.contains(t)), "round {round} from {from} to {to} min {min_len} got {got:?} all {all:?} text {:?}", String::from_utf8_lossy(&text));
                    got.retain(|t| t.end - t.start >= min_len);
                    let mut want = all.clone();
                    want.retain(|t| t.end - t.start >= min_len);
                    assert_eq!(got, want, "round {round} min_len {min_len}");
                }
            }
        }
    }

    #[test]
    fn long_runs_are_runs() {
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        for _ in 0..2000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let am = x & x.rotate_left(3) | x.rotate_right(9);
            for l in 1..=16u32 {
                // The plain definition: each maximal run, kept when long (at least l) or at
                // an end.
                let pow = l as usize;
                let mut want = 0u64;
                let mut i = 0;
                while i < 64 {
                    if am >> i & 1 == 0 {
                        i += 1;
                        continue;
                    }
                    let mut j = i;
                    while j < 64 && am >> j & 1 == 1 {
                        j += 1;
                    }
                    if j - i >= pow || i == 0 || j == 64 {
                        for k in i..j {
                            want |= 1 << k;
                        }
                    }
                    i = j;
                }
                assert_eq!(long_runs(am, l), want, "{am:064b} {l}");
            }
        }
    }

    #[test]
    fn mins_table_is_the_loop() {
        let sets = [
            vec![(9, 0, 0), (5, 4, 0), (10, 0, 0), (7, 2, 0)],
            vec![(3, 0, 1), (9, 0, 0)],
            vec![(70, 0, 0), (2, 9, 0)],
            vec![(0, 0, 0)],
        ];
        for each in sets {
            let m = Mins::new(each.clone());
            for digits in 0..80 {
                for upper in 0..12 {
                    for at in 0..2 {
                        let t = Token {
                            start: 0,
                            end: 0,
                            digits,
                            upper,
                            at,
                        };
                        let want = each
                            .iter()
                            .any(|&(d, u, a)| digits >= d && upper >= u && at >= a);
                        assert_eq!(m.pass(&t), want, "{each:?} {digits} {upper} {at}");
                    }
                }
            }
        }
    }

    #[test]
    fn split_spaces_cuts_tokens_at_double_spaces_only() {
        let mut set = [false; 256];
        for b in b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ -." {
            set[*b as usize] = true;
        }
        let alpha = Alphabet::new(set).split_spaces(true);
        // A space-aligned row, long enough for the vectorized path, and a lone space kept.
        let row = b"23106451  2023-09-12  SKU-26336   259 X      942.30     244055.70 123 45 6789                   1".to_vec();
        let mut got = Vec::new();
        digit_tokens(&alpha, &row, 0, row.len(), 0, |t| {
            got.push(
                std::str::from_utf8(&row[t.start..t.end])
                    .unwrap()
                    .to_string(),
            )
        });
        assert_eq!(
            got,
            [
                "23106451",
                "2023-09-12",
                "SKU-26336",
                "259 X",
                "942.30",
                "244055.70 123 45 6789",
                "1"
            ]
        );
        // Without the split the row is one token.
        let whole = Alphabet::new(set);
        let mut n = 0;
        digit_tokens(&whole, &row, 0, row.len(), 0, |_| n += 1);
        assert_eq!(n, 1);
    }
}
