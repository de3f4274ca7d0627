//! The two searches the text-table finder makes on every line of plain text that has a tab
//! or two spaces (in logs and reports, nearly every line): where the next such line is, and
//! whether a line holds two spaces. Lines are short, and `memmem` pays a searcher dispatch and
//! set-up of about a hundred instructions per call; these SSE2 loops are inlined and pay none.

/// The first place at or after `i` where a tab or two spaces in a row start.
#[inline]
pub fn next_tab_or_double_space(text: &[u8], i: usize) -> Option<usize> {
    #[cfg(target_arch = "x86_64")]
    {
        // SAFETY: SSE2 is part of the x86_64 baseline; loads are unaligned and in bounds.
        unsafe { next_sse2::<true>(text, i) }
    }
    #[cfg(not(target_arch = "x86_64"))]
    next_scalar::<true>(text, i)
}

/// The first place in `line` where two spaces in a row start.
#[inline]
pub fn next_double_space(line: &[u8]) -> Option<usize> {
    #[cfg(target_arch = "x86_64")]
    {
        // SAFETY: as above.
        unsafe { next_sse2::<false>(line, 0) }
    }
    #[cfg(not(target_arch = "x86_64"))]
    next_scalar::<false>(line, 0)
}

/// The reference (and the rest of the text after the last whole step): byte by byte.
fn next_scalar<const TAB: bool>(text: &[u8], i: usize) -> Option<usize> {
    (i..text.len())
        .find(|&k| (TAB && text[k] == b'\t') || (text[k] == b' ' && text.get(k + 1) == Some(&b' ')))
}

/// Texts with at least this many bytes to search take the AVX2 loop (32 places a step) when
/// the CPU has it: the text-table finder skips prose with these searches, and in 16-byte
/// steps they were ~5% of a scan of notes.
#[cfg(target_arch = "x86_64")]
const AVX2_MIN: usize = 96;

#[cfg(target_arch = "x86_64")]
#[inline]
unsafe fn next_sse2<const TAB: bool>(text: &[u8], i: usize) -> Option<usize> {
    if text.len().saturating_sub(i) >= AVX2_MIN && crate::detect::has_avx2() {
        return next_avx2::<TAB>(text, i);
    }
    next_sse2_steps::<TAB>(text, i)
}

#[cfg(target_arch = "x86_64")]
#[inline]
unsafe fn next_sse2_steps<const TAB: bool>(text: &[u8], mut i: usize) -> Option<usize> {
    use std::arch::x86_64::*;
    let p = text.as_ptr();
    let (tab, sp) = (_mm_set1_epi8(b'\t' as i8), _mm_set1_epi8(b' ' as i8));
    // 16 places a step; the second load (one byte on) says whether a space has another
    // after it.
    while i + 17 <= text.len() {
        let v = _mm_loadu_si128(p.add(i) as *const __m128i);
        let w = _mm_loadu_si128(p.add(i + 1) as *const __m128i);
        let mut hit = _mm_and_si128(_mm_cmpeq_epi8(v, sp), _mm_cmpeq_epi8(w, sp));
        if TAB {
            hit = _mm_or_si128(hit, _mm_cmpeq_epi8(v, tab));
        }
        let m = _mm_movemask_epi8(hit) as u32;
        if m != 0 {
            return Some(i + m.trailing_zeros() as usize);
        }
        i += 16;
    }
    next_scalar::<TAB>(text, i)
}

/// [`next_sse2`] 32 places a step; the last (fewer than 33) bytes go to the SSE2 loop.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn next_avx2<const TAB: bool>(text: &[u8], mut i: usize) -> Option<usize> {
    use std::arch::x86_64::*;
    let p = text.as_ptr();
    let (tab, sp) = (_mm256_set1_epi8(b'\t' as i8), _mm256_set1_epi8(b' ' as i8));
    while i + 33 <= text.len() {
        let v = _mm256_loadu_si256(p.add(i) as *const __m256i);
        let w = _mm256_loadu_si256(p.add(i + 1) as *const __m256i);
        let mut hit = _mm256_and_si256(_mm256_cmpeq_epi8(v, sp), _mm256_cmpeq_epi8(w, sp));
        if TAB {
            hit = _mm256_or_si256(hit, _mm256_cmpeq_epi8(v, tab));
        }
        let m = _mm256_movemask_epi8(hit) as u32;
        if m != 0 {
            return Some(i + m.trailing_zeros() as usize);
        }
        i += 32;
    }
    next_sse2_steps::<TAB>(text, i)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vectorized_searches_match_a_byte_walk() {
        let mut x: u64 = 0x2545_F491_4F6C_DD1D;
        let alphabet = b"abcdefgh  \t\n x.";
        for round in 0..2000 {
            let len = (x % 300) as usize;
            let mut text = Vec::with_capacity(len);
            for _ in 0..len {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                let b = alphabet[(x >> 8) as usize % alphabet.len()];
                // Some texts with few spaces and tabs, so the hits are far apart.
                text.push(if round % 2 == 0 && b != b'a' && !x.is_multiple_of(7) {
                    b'a'
                } else {
                    b
                });
            }
            for i in 0..=len {
                assert_eq!(
                    next_tab_or_double_space(&text, i),
                    next_scalar::<true>(&text, i),
                    "{text:?} from {i}"
                );
                assert_eq!(
                    next_double_space(&text[i..]),
                    next_scalar::<false>(&text[i..], 0),
                    "{text:?} from {i}"
                );
                // Each loop on its own (the searches above take the SSE2 one only for
                // short texts when the CPU has AVX2).
                #[cfg(target_arch = "x86_64")]
                // SAFETY: SSE2 is baseline; AVX2 only when the CPU has it.
                unsafe {
                    let want = (
                        next_scalar::<true>(&text, i),
                        next_scalar::<false>(&text, i),
                    );
                    let sse2 = (
                        next_sse2_steps::<true>(&text, i),
                        next_sse2_steps::<false>(&text, i),
                    );
                    assert_eq!(sse2, want, "{text:?} from {i}");
                    if crate::detect::has_avx2() {
                        let got = (next_avx2::<true>(&text, i), next_avx2::<false>(&text, i));
                        assert_eq!(got, want, "{text:?} from {i}");
                    }
                }
            }
        }
        assert_eq!(next_tab_or_double_space(b"ab c\td  ", 0), Some(4));
        assert_eq!(next_double_space(b"ab c\td  "), Some(6));
        assert_eq!(
            next_double_space(b"a b c d e f g h i j k l m n o p q r s t u v"),
            None
        );
    }
}
