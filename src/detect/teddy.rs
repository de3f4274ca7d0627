//! An ASCII-case-insensitive multi-literal prefilter in the style of Teddy (Hyperscan's, as in
//! aho-corasick's `packed` module, which has no case folding and takes at most 128 literals).
//!
//! The detector uses it to find, in one vectorized pass over a chunk, every place where a rule's
//! *gate* may start: a positive context keyword of a rule that is dropped without one, or the
//! label that a labelled rule's match must begin with. Each literal's first three bytes (two for
//! a two-byte literal) are folded to lowercase and spread over eight buckets; a position is a
//! candidate when the nibbles of the three bytes starting there all belong to one bucket, and a
//! candidate is then checked against that bucket's literals in full. A literal's letters match in
//! either case; every byte of the text is looked at, so no occurrence is missed (the tests check
//! the result against Aho-Corasick on random and real text).

/// Where a literal was found: its index in the list given to [`CaseTeddy::new`] and its span.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Hit {
    pub start: usize,
    pub end: usize,
    pub literal: u32,
}

/// A literal to look for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Literal {
    /// Matched ignoring ASCII case.
    pub bytes: Vec<u8>,
    /// Only where the byte after it is not a word byte (or the text ends there): a keyword
    /// must not run on into a longer word. Only meaningful when its last byte is a word byte.
    pub word_end: bool,
    /// Only where the byte before it is not a word byte (or the text starts there). Only
    /// meaningful when its first byte is a word byte.
    pub word_start: bool,
}

use super::{inside_a_word, is_word};

/// A literal's first (up to) eight bytes as a little-endian word: the lowercase bytes, the
/// bytes that are there, and the letters (a text byte ORed with 0x20 equals a lowercase letter
/// exactly when it is that letter in either case). Eight, not four: office words share their
/// first four bytes with longer literals ("discussed" and "discover", "worker" and "work
/// phone"), and those are turned away here without comparing the literal.
#[derive(Debug, Clone, Copy)]
struct Quick {
    pre: u64,
    mask: u64,
    fold: u64,
    id: u32,
    /// The literal's length: up to eight bytes, the quick test is the whole comparison.
    len: u32,
}

/// The `first3` bit of three bytes (each ORed with 0x20: letters in either case alike).
#[inline]
fn hash3(b: [u8; 3]) -> usize {
    let w = u32::from_le_bytes([b[0], b[1], b[2], 0]) | 0x0020_2020;
    (w.wrapping_mul(0x9E37_79B1) >> 16) as usize
}

/// Fingerprint length: the first `FP` bytes of a literal (with the byte after a short
/// `word_end` literal) are tested in the vectorized pass.
const FP: usize = 4;

/// Per fingerprint offset: the set of low nibbles and the set of high nibbles a bucket allows.
type NibbleSets = [[u16; 2]; FP];

/// A bucket being formed: whether its literals need a word start, its slots (literal,
/// boundary variant), its nibble sets and their volume (kept: the merge costs of a few
/// hundred groups are most of the start-up time).
type BucketDraft = (bool, Vec<(u32, u8)>, NibbleSets, f64);

/// The low and high nibbles a literal (in a bucket slot of boundary `variant`) allows at
/// offset `k`, as 16-bit sets.
fn nibble_sets(l: &[u8], k: usize, variant: u8) -> (u16, u16) {
    let bit = |n: u8| 1u16 << n;
    if let Some(&c) = l.get(k) {
        let mut hi = bit(c >> 4);
        if c.is_ascii_lowercase() {
            // The uppercase letter has the same low nibble.
            hi |= bit(c.to_ascii_uppercase() >> 4);
        }
        (bit(c & 0xF), hi)
    } else if k == l.len() && variant == 1 {
        (0xFFFF, !(bit(6) | bit(7)))
    } else if k == l.len() && variant == 2 {
        (
            bit(0) | bit(0xB) | bit(0xC) | bit(0xD) | bit(0xE),
            bit(6) | bit(7),
        )
    } else {
        (0xFFFF, 0xFFFF)
    }
}

/// One half of a nibble table (buckets 0-7, or 8-15 when `half` is 1), a byte per nibble:
/// the table the vectorized loops shuffle with.
fn half_table(t: &[u16; 16], half: u32) -> [u8; 16] {
    let mut b = [0u8; 16];
    for (x, &v) in b.iter_mut().zip(t) {
        *x = (v >> (8 * half)) as u8;
    }
    b
}

/// Merge the two groups of `groups` that cost least together (`cost[i][j]`, the first such
/// pair in row-major order on ties) until 16 are left; groups of different word-start needs
/// never merge. Each row's cheapest partner (to its right) is kept and only rows a merge can
/// change are searched again: searching every pair at every step was most of the start-up
/// time with a few hundred literals.
fn merge_cheapest(
    groups: &mut Vec<BucketDraft>,
    cost: &mut Vec<Vec<f64>>,
    merge: impl Fn(&mut BucketDraft, BucketDraft),
    pair_cost: impl Fn(&BucketDraft, &BucketDraft) -> f64,
) {
    // Row i's cheapest partner j > i of the same word-start need, first on ties.
    let row_best = |groups: &[BucketDraft], cost: &[Vec<f64>], i: usize| {
        let mut best: Option<(f64, usize)> = None;
        for j in i + 1..groups.len() {
            if groups[i].0 == groups[j].0 && best.is_none_or(|(b, _)| cost[i][j] < b) {
                best = Some((cost[i][j], j));
            }
        }
        best
    };
    let mut rows: Vec<Option<(f64, usize)>> = (0..groups.len())
        .map(|i| row_best(groups, cost, i))
        .collect();
    while groups.len() > 16 {
        let mut best: Option<(f64, usize, usize)> = None;
        for (i, r) in rows.iter().enumerate() {
            if let Some((c, j)) = *r {
                if best.is_none_or(|(b, _, _)| c < b) {
                    best = Some((c, i, j));
                }
            }
        }
        let Some((_, i, j)) = best else {
            panic!("more than 16 groups that cannot be merged");
        };
        // j goes; the last group takes its place.
        let last = groups.len() - 1;
        let gone = groups.swap_remove(j);
        cost.swap_remove(j);
        for row in cost.iter_mut() {
            row.swap_remove(j);
        }
        rows.swap_remove(j);
        merge(&mut groups[i], gone);
        for k in 0..groups.len() {
            let c = pair_cost(&groups[i], &groups[k]);
            cost[i][k] = c;
            cost[k][i] = c;
        }
        for k in 0..groups.len() {
            let stale = match rows[k] {
                _ if k == i || k == j => true,
                Some((_, p)) => p == i || p == j || p == last,
                None => false,
            };
            if stale {
                rows[k] = row_best(groups, cost, k);
                continue;
            }
            // Pairs of k that changed and are still k's: with the merged group (i), and
            // with the group moved to j; either may now be k's cheapest.
            for p in [i, j] {
                if p > k
                    && p < groups.len()
                    && groups[k].0 == groups[p].0
                    && rows[k].is_none_or(|(b, q)| cost[k][p] < b || (cost[k][p] == b && p < q))
                {
                    rows[k] = Some((cost[k][p], p));
                }
            }
        }
    }
}

#[derive(Debug, Clone)]
pub struct CaseTeddy {
    /// Nibble tables: bit `b` of `lo[k][n]` / `hi[k][n]` is set when a literal of bucket `b`
    /// can have a byte with low / high nibble `n` at offset `k`.
    lo: [[u16; 16]; FP],
    hi: [[u16; 16]; FP],
    /// Per bucket, its literals' quick tests (inline: a candidate is tested against a whole
    /// bucket without looking at any literal), and the literals themselves (lowercase).
    buckets: [Vec<Quick>; 16],
    literals: Vec<Literal>,
    /// Bit `h` is set when some literal's first three bytes, ORed with 0x20, hash to `h` (a
    /// two-byte literal with every third byte): most candidates of the nibble tables are
    /// turned away with one lookup.
    first3: Box<[u64; 1024]>,
    /// The literals by the `first3` bit of their first three bytes (a two-byte literal under
    /// each of its bits): bit `h` has `by3[starts[r]..starts[r + 1]]`, where `r` is its rank
    /// among the set bits, `rank[h / 64]` plus the set bits below it in its word. A candidate
    /// is tested against these (one or two, in practice), not against every literal of its
    /// buckets: in office text most candidates are ordinary words whose nibbles fit a bucket
    /// of ten or twenty literals.
    rank: Box<[u32; 1024]>,
    starts: Vec<u32>,
    by3: Vec<Quick>,
    /// Buckets whose literals need no word start (the others are only looked at where a word
    /// starts, which the vectorized pass tests exactly).
    anywhere: u16,
    avx2: bool,
    /// AVX-512 (F and BW): 64 places a step instead of 32.
    avx512: bool,
}

impl CaseTeddy {
    /// `literals` must each be at least 2 bytes long.
    pub fn new(literals: &[Literal]) -> CaseTeddy {
        let literals: Vec<Literal> = literals
            .iter()
            .map(|l| Literal {
                bytes: l.bytes.to_ascii_lowercase(),
                word_end: l.word_end && l.bytes.last().copied().is_some_and(is_word),
                word_start: l.word_start && is_word(l.bytes[0]),
            })
            .collect();
        assert!(
            literals.iter().all(|l| l.bytes.len() >= 2),
            "gate literals are at least 2 bytes"
        );
        // The byte after a `word_end` literal is not a word byte. In nibbles, that is two
        // sets (which the tables can only AND): high nibble 0-5 or 8-F with any low nibble
        // (controls, space, punctuation, digits, '@', uppercase, '[' .. '_', non-ASCII), or
        // high nibble 6-7 with low nibble 0 or B-E ('`', '{', '|', '}', '~', and the letters
        // k-n, p as the price of the cross product). A short literal takes one bucket for each.
        let mut slots: Vec<(u32, u8)> = Vec::new(); // (literal, boundary variant 0/1/2)
        for (i, l) in literals.iter().enumerate() {
            if l.word_end && l.bytes.len() < FP {
                slots.push((i as u32, 1));
                slots.push((i as u32, 2));
            } else {
                slots.push((i as u32, 0));
            }
        }
        // Buckets: every slot starts in a group of its own; the two groups whose merged
        // tables accept the fewest extra byte strings are merged until 16 are left (a bucket
        // accepts the cross product of its nibble sets, so unlike literals together cost false
        // candidates). A group holds literals that all need a word start, or none that do.
        let tables = |g: &[(u32, u8)]| {
            let mut t: NibbleSets = [[0u16; 2]; FP];
            for &(id, variant) in g {
                let l = &literals[id as usize].bytes;
                for (k, t) in t.iter_mut().enumerate() {
                    let (lo, hi) = nibble_sets(l, k, variant);
                    t[0] |= lo;
                    t[1] |= hi;
                }
            }
            t
        };
        let volume = |t: &NibbleSets| -> f64 {
            t.iter()
                .map(|x| (x[0].count_ones() * x[1].count_ones()) as f64 / 256.0)
                .product()
        };
        let mut groups: Vec<BucketDraft> = slots
            .iter()
            .map(|&s| {
                let g = vec![s];
                let t = tables(&g);
                (literals[s.0 as usize].word_start, g, t, volume(&t))
            })
            .collect();
        // What merging two groups costs, kept up to date as groups merge (only the merged
        // group's row and column change): the rule set loads once per process, and computing
        // every pair at every step was a third of the start-up time.
        let merged = |a: &NibbleSets, b: &NibbleSets| {
            let mut t = *a;
            for (x, y) in t.iter_mut().zip(b) {
                x[0] |= y[0];
                x[1] |= y[1];
            }
            t
        };
        let pair_cost = |a: &BucketDraft, b: &BucketDraft| {
            if a.0 != b.0 {
                return f64::INFINITY;
            }
            volume(&merged(&a.2, &b.2)) - a.3 - b.3
        };
        let merge = |a: &mut BucketDraft, b: BucketDraft| {
            a.1.extend(b.1);
            a.2 = merged(&a.2, &b.2);
            a.3 = volume(&a.2);
        };
        let mut cost: Vec<Vec<f64>> = groups
            .iter()
            .map(|a| groups.iter().map(|b| pair_cost(a, b)).collect())
            .collect();
        merge_cheapest(&mut groups, &mut cost, merge, pair_cost);
        let mut assign: [Vec<(u32, u8)>; 16] = Default::default();
        let mut anywhere = 0u16;
        for (b, (ws, g, _, _)) in groups.into_iter().enumerate() {
            if !ws {
                anywhere |= 1 << b;
            }
            assign[b] = g;
        }
        let mut lo = [[0u16; 16]; FP];
        let mut hi = [[0u16; 16]; FP];
        let quick = |id: u32| {
            let l = &literals[id as usize].bytes;
            let (mut pre, mut mask, mut fold) = (0u64, 0u64, 0u64);
            for (k, &c) in l.iter().take(8).enumerate() {
                pre |= u64::from(c) << (8 * k);
                mask |= 0xFF << (8 * k);
                if c.is_ascii_lowercase() {
                    fold |= 0x20 << (8 * k);
                }
            }
            Quick {
                pre,
                mask,
                fold,
                id,
                len: l.len() as u32,
            }
        };
        let mut buckets: [Vec<Quick>; 16] = Default::default();
        for (b, slots) in assign.iter().enumerate() {
            let bit = 1u16 << b;
            for &(id, variant) in slots {
                if !buckets[b].iter().any(|q| q.id == id) {
                    buckets[b].push(quick(id));
                }
                let l = &literals[id as usize].bytes;
                for k in 0..FP {
                    let (l_set, h_set) = nibble_sets(l, k, variant);
                    for n in 0..16 {
                        if l_set >> n & 1 == 1 {
                            lo[k][n] |= bit;
                        }
                        if h_set >> n & 1 == 1 {
                            hi[k][n] |= bit;
                        }
                    }
                }
            }
        }
        let mut first3 = Box::new([0u64; 1024]);
        // (hash, literal) for every hash a literal's first three bytes can have.
        let mut under: Vec<(usize, u32)> = Vec::new();
        for (id, l) in literals.iter().enumerate() {
            match l.bytes[..] {
                [a, b] => under.extend((0..=255).map(|c| (hash3([a, b, c]), id as u32))),
                [a, b, c, ..] => under.push((hash3([a, b, c]), id as u32)),
                _ => unreachable!("gate literals are at least 2 bytes"),
            }
        }
        under.sort_unstable();
        under.dedup();
        for &(h, _) in &under {
            first3[h / 64] |= 1 << (h % 64);
        }
        let mut rank = Box::new([0u32; 1024]);
        let mut bits = 0;
        for (r, w) in rank.iter_mut().zip(first3.iter()) {
            *r = bits;
            bits += w.count_ones();
        }
        // `under` is sorted by hash, so by rank: each bit's literals are one run of it.
        let mut starts = Vec::with_capacity(bits as usize + 1);
        let mut by3 = Vec::with_capacity(under.len());
        for (k, &(h, id)) in under.iter().enumerate() {
            if k == 0 || under[k - 1].0 != h {
                starts.push(by3.len() as u32);
            }
            by3.push(quick(id));
        }
        starts.push(by3.len() as u32);
        debug_assert_eq!(starts.len(), bits as usize + 1);
        CaseTeddy {
            lo,
            hi,
            buckets,
            first3,
            rank,
            starts,
            by3,
            literals,
            anywhere,
            #[cfg(target_arch = "x86_64")]
            avx2: super::has_avx2(),
            #[cfg(target_arch = "x86_64")]
            avx512: super::has_avx2()
                && std::is_x86_feature_detected!("avx512f")
                && std::is_x86_feature_detected!("avx512bw"),
            #[cfg(not(target_arch = "x86_64"))]
            avx2: false,
            #[cfg(not(target_arch = "x86_64"))]
            avx512: false,
        }
    }

    pub fn literal(&self, id: u32) -> &Literal {
        &self.literals[id as usize]
    }

    /// Every occurrence of every literal starting in `[from, to)` of `text` (a literal may run
    /// past `to`), in order of start, overlapping ones included.
    pub fn find_all(&self, text: &[u8], from: usize, to: usize, out: &mut Vec<Hit>) {
        let to = to.min(text.len());
        if from >= to {
            return;
        }
        #[cfg(target_arch = "x86_64")]
        if self.avx512 {
            // SAFETY: AVX-512 F/BW, AVX2, POPCNT, BMI1 and LZCNT were detected at
            // construction.
            unsafe { self.find_avx512(text, from, to, out) };
            return;
        }
        #[cfg(target_arch = "x86_64")]
        if self.avx2 {
            // SAFETY: AVX2, POPCNT, BMI1 and LZCNT were detected at construction.
            unsafe { self.find_avx2(text, from, to, out) };
            return;
        }
        self.find_scalar(text, from, to, out);
    }

    #[inline]
    fn mask_at(&self, text: &[u8], i: usize) -> u16 {
        let mut m = if i > 0 && inside_a_word(text[i - 1], text.get(i).copied().unwrap_or(b' ')) {
            self.anywhere
        } else {
            0xFFFF
        };
        for k in 0..FP {
            // Past the end of the text a byte reads as a space: it ends a word.
            let c = text.get(i + k).copied().unwrap_or(b' ');
            m &= self.lo[k][(c & 0xF) as usize] & self.hi[k][(c >> 4) as usize];
        }
        m
    }

    /// The reference implementation (and the fallback without AVX2): the same nibble test,
    /// one position at a time.
    pub fn find_scalar(&self, text: &[u8], from: usize, to: usize, out: &mut Vec<Hit>) {
        for i in from..to.min(text.len()) {
            let m = self.mask_at(text, i);
            if m != 0 {
                self.verify(text, i, m, out);
            }
        }
    }

    /// Inlined into each search loop: in the vectorized one it is compiled with POPCNT and
    /// BMI1 (a call per candidate cost a third of the time spent here).
    #[inline(always)]
    fn verify(&self, text: &[u8], i: usize, mut buckets: u16, out: &mut Vec<Hit>) {
        let word = text
            .get(i..i + 8)
            .map(|w| u64::from_le_bytes(w.try_into().expect("8 bytes")));
        if let Some(w) = text.get(i..i + 3) {
            // Every literal that can start here has these three bytes' bit, and is listed
            // under it.
            let h = hash3([w[0], w[1], w[2]]);
            let bits = self.first3[h / 64];
            let bit = 1u64 << (h % 64);
            if bits & bit == 0 {
                return;
            }
            let r = self.rank[h / 64] as usize + (bits & (bit - 1)).count_ones() as usize;
            let (a, b) = (self.starts[r] as usize, self.starts[r + 1] as usize);
            for q in &self.by3[a..b] {
                self.try_literal(text, i, word, q, out);
            }
            return;
        }
        // The last two bytes of the text: the buckets' literals (a two-byte literal can be in
        // two buckets, and is reported once).
        while buckets != 0 {
            let b = buckets.trailing_zeros() as usize;
            buckets &= buckets - 1;
            for q in &self.buckets[b] {
                if !out
                    .iter()
                    .rev()
                    .take_while(|h| h.start == i)
                    .any(|h| h.literal == q.id)
                {
                    self.try_literal(text, i, word, q, out);
                }
            }
        }
    }

    /// Report literal `q` at `i` if it is there, with its word boundaries. `word`: the eight
    /// bytes at `i`, when there are eight.
    #[inline(always)]
    fn try_literal(&self, text: &[u8], i: usize, word: Option<u64>, q: &Quick, out: &mut Vec<Hit>) {
        let id = q.id;
        let l = &self.literals[id as usize];
        let end = i + q.len as usize;
        match word {
            // The quick test compares the first eight bytes exactly (letters in either case):
            // a literal of up to eight is there.
            Some(w) if (w | q.fold) & q.mask != q.pre => return,
            Some(_) if q.len <= 8 => {}
            _ => {
                let Some(t) = text.get(i..end) else { return };
                if !t.eq_ignore_ascii_case(&l.bytes) {
                    return;
                }
            }
        }
        if l.word_end
            && end > 0
            && text
                .get(end)
                .is_some_and(|&c| inside_a_word(text[end - 1], c))
        {
            return;
        }
        if l.word_start && i > 0 && inside_a_word(text[i - 1], text[i]) {
            return;
        }
        out.push(Hit {
            start: i,
            end,
            literal: id,
        });
    }

    /// The candidates of one block of a vectorized loop: bit `j` of `cand` is place `at + j`,
    /// its buckets `b0[j]` (0-7) and `b1[j]` (8-15); places at or past `to` are left out.
    #[inline(always)]
    #[allow(clippy::too_many_arguments)]
    fn verify_block(
        &self,
        text: &[u8],
        at: usize,
        mut cand: u64,
        b0: &[u8],
        b1: &[u8],
        to: usize,
        out: &mut Vec<Hit>,
    ) {
        while cand != 0 {
            let j = cand.trailing_zeros() as usize;
            cand &= cand - 1;
            if at + j >= to {
                break;
            }
            self.verify(text, at + j, b0[j] as u16 | (b1[j] as u16) << 8, out);
        }
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2,popcnt,bmi1,lzcnt")]
    unsafe fn find_avx2(&self, text: &[u8], from: usize, to: usize, out: &mut Vec<Hit>) {
        use std::arch::x86_64::*;
        // Two sets of byte tables: buckets 0-7 (low byte of each u16) and 8-15.
        let table = |t: &[u16; 16], half: u32| {
            let b = half_table(t, half);
            _mm256_broadcastsi128_si256(_mm_loadu_si128(b.as_ptr() as *const __m128i))
        };
        let mut lo = [[_mm256_setzero_si256(); FP]; 2];
        let mut hi = [[_mm256_setzero_si256(); FP]; 2];
        for h in 0..2 {
            for k in 0..FP {
                lo[h][k] = table(&self.lo[k], h as u32);
                hi[h][k] = table(&self.hi[k], h as u32);
            }
        }
        let nib = _mm256_set1_epi8(0x0F);
        let zero = _mm256_setzero_si256();
        let anywhere = [
            _mm256_set1_epi8(self.anywhere as u8 as i8),
            _mm256_set1_epi8((self.anywhere >> 8) as u8 as i8),
        ];
        let (c0, c9, ca, cua, c25, c20) = (
            _mm256_set1_epi8(b'0' as i8),
            _mm256_set1_epi8(9),
            _mm256_set1_epi8(b'a' as i8),
            _mm256_set1_epi8(b'A' as i8),
            _mm256_set1_epi8(25),
            _mm256_set1_epi8(0x20),
        );
        // 0xFF where a byte is a word byte: a digit or a letter (unsigned range tests).
        let word = |v: __m256i| {
            let d = _mm256_sub_epi8(v, c0);
            let is_d = _mm256_cmpeq_epi8(_mm256_min_epu8(d, c9), d);
            let l = _mm256_sub_epi8(_mm256_or_si256(v, c20), ca);
            let is_l = _mm256_cmpeq_epi8(_mm256_min_epu8(l, c25), l);
            _mm256_or_si256(is_d, is_l)
        };
        let p = text.as_ptr();
        let mut i = from;
        if i == 0 {
            // The first position has no byte before it: a word starts there.
            self.find_scalar(text, 0, 1.min(to), out);
            i = 1;
        }
        // Blocks with candidates are queued without a branch and verified QUEUE at a time:
        // in office text a third of the blocks have one, too often and too irregularly for a
        // branch per block to be predicted.
        const QUEUE: usize = 16;
        let mut queue = [(0usize, 0u32, [0u8; 32], [0u8; 32]); QUEUE + 1];
        let mut queued = 0;
        let verify_queued = |queue: &[(usize, u32, [u8; 32], [u8; 32])], out: &mut Vec<Hit>| {
            for (at, cand, b0, b1) in queue {
                self.verify_block(text, *at, u64::from(*cand), b0, b1, to, out);
            }
        };
        // Blocks of 32 positions while the 32 + FP - 1 bytes they need are in the text.
        while i + 32 + FP - 1 <= text.len() && i < to {
            // Where the byte before is a word byte, only the buckets that need no word start
            // (a lowercase letter before an uppercase one is a joint: `patientDob`).
            let prev = _mm256_loadu_si256(p.add(i - 1) as *const __m256i);
            let cur = _mm256_loadu_si256(p.add(i) as *const __m256i);
            let in_range = |v: __m256i, lo: __m256i| {
                let d = _mm256_sub_epi8(v, lo);
                _mm256_cmpeq_epi8(_mm256_min_epu8(d, c25), d)
            };
            let hump = _mm256_and_si256(in_range(prev, ca), in_range(cur, cua));
            let w = _mm256_andnot_si256(hump, word(prev));
            let mut r = [
                _mm256_or_si256(_mm256_andnot_si256(w, _mm256_set1_epi8(-1)), anywhere[0]),
                _mm256_or_si256(_mm256_andnot_si256(w, _mm256_set1_epi8(-1)), anywhere[1]),
            ];
            for k in 0..FP {
                let v = _mm256_loadu_si256(p.add(i + k) as *const __m256i);
                let l = _mm256_and_si256(v, nib);
                let hn = _mm256_and_si256(_mm256_srli_epi16(v, 4), nib);
                for h in 0..2 {
                    let m = _mm256_and_si256(
                        _mm256_shuffle_epi8(lo[h][k], l),
                        _mm256_shuffle_epi8(hi[h][k], hn),
                    );
                    r[h] = _mm256_and_si256(r[h], m);
                }
            }
            let any = _mm256_or_si256(r[0], r[1]);
            let cand = !(_mm256_movemask_epi8(_mm256_cmpeq_epi8(any, zero)) as u32);
            // Written whether or not there is a candidate; kept only if there is.
            let slot = &mut queue[queued];
            slot.0 = i;
            slot.1 = cand;
            _mm256_storeu_si256(slot.2.as_mut_ptr() as *mut __m256i, r[0]);
            _mm256_storeu_si256(slot.3.as_mut_ptr() as *mut __m256i, r[1]);
            queued += usize::from(cand != 0);
            if queued == QUEUE {
                verify_queued(&queue[..queued], out);
                queued = 0;
            }
            i += 32;
        }
        verify_queued(&queue[..queued], out);
        if i < to {
            self.find_scalar(text, i, to, out);
        }
    }

    /// `find_avx2` with 64 places a step: the same nibble tables (each 16-byte table is the
    /// same in every lane), the word test and the per-place bucket masks straight into mask
    /// registers.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx512f,avx512bw,avx2,popcnt,bmi1,lzcnt")]
    unsafe fn find_avx512(&self, text: &[u8], from: usize, to: usize, out: &mut Vec<Hit>) {
        use std::arch::x86_64::*;
        let table = |t: &[u16; 16], half: u32| {
            let b = half_table(t, half);
            _mm512_broadcast_i32x4(_mm_loadu_si128(b.as_ptr() as *const __m128i))
        };
        let mut lo = [[_mm512_setzero_si512(); FP]; 2];
        let mut hi = [[_mm512_setzero_si512(); FP]; 2];
        for h in 0..2 {
            for k in 0..FP {
                lo[h][k] = table(&self.lo[k], h as u32);
                hi[h][k] = table(&self.hi[k], h as u32);
            }
        }
        let nib = _mm512_set1_epi8(0x0F);
        let ones = _mm512_set1_epi8(-1);
        let anywhere = [
            _mm512_set1_epi8(self.anywhere as u8 as i8),
            _mm512_set1_epi8((self.anywhere >> 8) as u8 as i8),
        ];
        let (c0, c9, ca, cua, c25, c20) = (
            _mm512_set1_epi8(b'0' as i8),
            _mm512_set1_epi8(9),
            _mm512_set1_epi8(b'a' as i8),
            _mm512_set1_epi8(b'A' as i8),
            _mm512_set1_epi8(25),
            _mm512_set1_epi8(0x20),
        );
        // Bit j set where byte j is a word byte: a digit or a letter.
        let word = |v: __m512i| {
            let is_d = _mm512_cmple_epu8_mask(_mm512_sub_epi8(v, c0), c9);
            let l = _mm512_sub_epi8(_mm512_or_si512(v, c20), ca);
            let is_l = _mm512_cmple_epu8_mask(l, c25);
            is_d | is_l
        };
        let p = text.as_ptr();
        let mut i = from;
        if i == 0 {
            // The first position has no byte before it: a word starts there.
            self.find_scalar(text, 0, 1.min(to), out);
            i = 1;
        }
        // As in `find_avx2`: blocks with candidates are queued without a branch.
        const QUEUE: usize = 16;
        let mut queue = [(0usize, 0u64, [0u8; 64], [0u8; 64]); QUEUE + 1];
        let mut queued = 0;
        let verify_queued = |queue: &[(usize, u64, [u8; 64], [u8; 64])], out: &mut Vec<Hit>| {
            for (at, cand, b0, b1) in queue {
                self.verify_block(text, *at, *cand, b0, b1, to, out);
            }
        };
        while i + 64 + FP - 1 <= text.len() && i < to {
            // Where the byte before is a word byte, only the buckets that need no word start
            // (as in `find_avx2`: not at a lowercase-uppercase joint).
            let prev = _mm512_loadu_si512(p.add(i - 1) as *const __m512i);
            let cur = _mm512_loadu_si512(p.add(i) as *const __m512i);
            let hump = _mm512_cmple_epu8_mask(_mm512_sub_epi8(prev, ca), c25)
                & _mm512_cmple_epu8_mask(_mm512_sub_epi8(cur, cua), c25);
            let w = word(prev) & !hump;
            let mut r = [
                _mm512_mask_blend_epi8(w, ones, anywhere[0]),
                _mm512_mask_blend_epi8(w, ones, anywhere[1]),
            ];
            for k in 0..FP {
                let v = _mm512_loadu_si512(p.add(i + k) as *const __m512i);
                let l = _mm512_and_si512(v, nib);
                let hn = _mm512_and_si512(_mm512_srli_epi16(v, 4), nib);
                for h in 0..2 {
                    let m = _mm512_and_si512(
                        _mm512_shuffle_epi8(lo[h][k], l),
                        _mm512_shuffle_epi8(hi[h][k], hn),
                    );
                    r[h] = _mm512_and_si512(r[h], m);
                }
            }
            let any = _mm512_or_si512(r[0], r[1]);
            let cand = _mm512_test_epi8_mask(any, any);
            let slot = &mut queue[queued];
            slot.0 = i;
            slot.1 = cand;
            _mm512_storeu_si512(slot.2.as_mut_ptr() as *mut __m512i, r[0]);
            _mm512_storeu_si512(slot.3.as_mut_ptr() as *mut __m512i, r[1]);
            queued += usize::from(cand != 0);
            if queued == QUEUE {
                verify_queued(&queue[..queued], out);
                queued = 0;
            }
            i += 64;
        }
        verify_queued(&queue[..queued], out);
        if i < to {
            // Fewer than 64 places left: the AVX2 loop (then the scalar one) takes them.
            self.find_avx2(text, i, to, out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aho_corasick::{AhoCorasickBuilder, MatchKind};

    /// The kept row minima merge exactly the groups that searching every pair at every step
    /// (the former code) merges: same buckets, same candidates, same speed.
    #[test]
    fn merging_with_row_minima_is_merging_every_pair() {
        let mut x: u64 = 0x2545_F491_4F6C_DD1D;
        let mut next = |n: u64| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x % n
        };
        let merged = |a: &NibbleSets, b: &NibbleSets| {
            let mut t = *a;
            for (x, y) in t.iter_mut().zip(b) {
                x[0] |= y[0];
                x[1] |= y[1];
            }
            t
        };
        let volume = |t: &NibbleSets| -> f64 {
            t.iter()
                .map(|x| (x[0].count_ones() * x[1].count_ones()) as f64 / 256.0)
                .product()
        };
        for round in 0..40 {
            let n = 17 + next(300) as usize;
            let drafts: Vec<BucketDraft> = (0..n)
                .map(|i| {
                    let len = 2 + next(7) as usize;
                    let word: Vec<u8> = (0..len)
                        .map(|_| b'a' + next(if round % 2 == 0 { 26 } else { 4 }) as u8)
                        .collect();
                    let mut t: NibbleSets = [[0u16; 2]; FP];
                    for (k, t) in t.iter_mut().enumerate() {
                        let (lo, hi) = nibble_sets(&word, k, (i % 3) as u8);
                        t[0] |= lo;
                        t[1] |= hi;
                    }
                    (next(4) == 0, vec![(i as u32, 0u8)], t, volume(&t))
                })
                .collect();
            let pair_cost = |a: &BucketDraft, b: &BucketDraft| {
                if a.0 != b.0 {
                    return f64::INFINITY;
                }
                volume(&merged(&a.2, &b.2)) - a.3 - b.3
            };
            let merge = |a: &mut BucketDraft, b: BucketDraft| {
                a.1.extend(b.1);
                a.2 = merged(&a.2, &b.2);
                a.3 = volume(&a.2);
            };
            let costs = |g: &[BucketDraft]| -> Vec<Vec<f64>> {
                g.iter()
                    .map(|a| g.iter().map(|b| pair_cost(a, b)).collect())
                    .collect()
            };
            // The former code.
            let mut naive = drafts.clone();
            let mut cost = costs(&naive);
            while naive.len() > 16 {
                let mut best: Option<(f64, usize, usize)> = None;
                for i in 0..naive.len() {
                    for j in i + 1..naive.len() {
                        if naive[i].0 != naive[j].0 {
                            continue;
                        }
                        if best.is_none_or(|(b, _, _)| cost[i][j] < b) {
                            best = Some((cost[i][j], i, j));
                        }
                    }
                }
                let (_, i, j) = best.unwrap();
                let gone = naive.swap_remove(j);
                cost.swap_remove(j);
                for row in &mut cost {
                    row.swap_remove(j);
                }
                merge(&mut naive[i], gone);
                for k in 0..naive.len() {
                    let c = pair_cost(&naive[i], &naive[k]);
                    cost[i][k] = c;
                    cost[k][i] = c;
                }
            }
            let mut fast = drafts.clone();
            let mut cost = costs(&fast);
            merge_cheapest(&mut fast, &mut cost, merge, pair_cost);
            let slots = |g: &[BucketDraft]| g.iter().map(|d| d.1.clone()).collect::<Vec<_>>();
            assert_eq!(slots(&fast), slots(&naive), "round {round}");
        }
    }

    fn lits(words: &[&str]) -> Vec<Literal> {
        // Every other one must end a word, as a keyword does.
        words
            .iter()
            .enumerate()
            .map(|(i, w)| Literal {
                bytes: w.as_bytes().to_vec(),
                word_end: i % 2 == 0,
                word_start: i % 3 != 1,
            })
            .collect()
    }

    fn reference(lits: &[Literal], text: &[u8], from: usize, to: usize) -> Vec<Hit> {
        let ac = AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::Standard)
            .build(lits.iter().map(|l| &l.bytes))
            .unwrap();
        let mut v: Vec<Hit> = ac
            .find_overlapping_iter(text)
            .filter(|m| m.start() >= from && m.start() < to)
            .filter(|m| {
                let l = &lits[m.pattern().as_usize()];
                !(l.word_end
                    && is_word(l.bytes[l.bytes.len() - 1])
                    && text
                        .get(m.end())
                        .is_some_and(|&c| inside_a_word(text[m.end() - 1], c)))
                    && !(l.word_start
                        && is_word(l.bytes[0])
                        && m.start() > 0
                        && inside_a_word(text[m.start() - 1], text[m.start()]))
            })
            .map(|m| Hit {
                start: m.start(),
                end: m.end(),
                literal: m.pattern().as_u32(),
            })
            .collect();
        v.sort();
        v
    }

    fn check(lits: &[Literal], text: &[u8], from: usize, to: usize) {
        let t = CaseTeddy::new(lits);
        let want = reference(lits, text, from, to);
        let mut got = Vec::new();
        t.find_all(text, from, to, &mut got);
        got.sort();
        assert_eq!(
            got,
            want,
            "vectorized, text {:?}",
            String::from_utf8_lossy(text)
        );
        let mut got = Vec::new();
        t.find_scalar(text, from, to, &mut got);
        got.sort();
        assert_eq!(got, want, "scalar");
        // Each vectorized loop this machine can run, not only the one `find_all` picks.
        #[cfg(target_arch = "x86_64")]
        if t.avx2 && from < to.min(text.len()) {
            let mut got = Vec::new();
            // SAFETY: detected at construction.
            unsafe { t.find_avx2(text, from, to.min(text.len()), &mut got) };
            got.sort();
            assert_eq!(got, want, "AVX2");
        }
    }

    #[test]
    fn literals_longer_than_eight_bytes_are_compared_to_the_end() {
        // The quick test sees eight bytes: a text that differs only after them is no match,
        // and one of exactly eight bytes (no compare after the quick test) still is.
        let l = lits(&["date of birth", "hic numb", "ssn"]);
        let mut text = b"Date of bxrth: 1; DATE OF BIRTH: 2; date of birthday; ".to_vec();
        text.extend_from_slice(b"hic number; HIC NUMB 3; hic numx; ssn 4 date of birt");
        check(&l, &text, 0, text.len());
        let t = CaseTeddy::new(&l);
        let mut got = Vec::new();
        t.find_all(&text, 0, text.len(), &mut got);
        let found: Vec<&[u8]> = got.iter().map(|h| &text[h.start..h.end]).collect();
        assert_eq!(
            found,
            [&b"DATE OF BIRTH"[..], b"hic numb", b"HIC NUMB", b"ssn"],
            "{got:?}"
        );
    }

    #[test]
    fn finds_every_occurrence_in_either_case() {
        let l = lits(&[
            "dob",
            "date of birth",
            "ph",
            "tel",
            "telephone",
            "ss#",
            "tin",
            "mr",
        ]);
        let text = b"DOB: 1/2/1980; Date Of Birth 1980-01-02, Ph 555, TELEPHONE, hotel, SS# x mR, \
            DOB|1980 dob{ dob~ dobs tin` TIN\xc2\xa0 tinker ph_ ph";
        check(&l, text, 0, text.len());
        check(&l, text, 3, 40);
        // At the very end: a two-byte literal in the last two bytes, a long one cut off.
        check(&l, b"xx ph", 0, 5);
        check(&l, b"telepho", 0, 7);
        check(&l, b"", 0, 0);
    }

    #[test]
    fn agrees_with_aho_corasick_on_random_text() {
        // Deterministic xorshift: letters of both cases, digits, punctuation and every byte
        // that can follow a word, with the literals planted often enough to cross block edges.
        let l = lits(&[
            "dob",
            "birth",
            "cc",
            "card",
            "pt",
            "patient",
            "ins",
            "insurance",
            "s.s.n",
            "fax",
            "b-day",
            "ph#",
            "member",
            "policy",
            "tin",
            "ssn",
            "home phone",
            "mrn",
            "plan",
            "tel",
            "ph",
            "mr",
        ]);
        let mut x: u64 = 0x9E3779B97F4A7C15;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let alphabet: Vec<u8> = (0u8..=255).collect();
        let common = b"abcdefghijklmnopABCDEFGHIJKLMNOP0123 .#-:|{}~`_@[\n";
        for round in 0..400 {
            // Now and then a long text: more blocks with candidates than the vectorized pass
            // queues before verifying them.
            let len = if round % 8 == 0 {
                1000 + (next() % 3000) as usize
            } else {
                (next() % 300) as usize
            };
            let mut text = Vec::with_capacity(len + 20);
            while text.len() < len {
                let r = next() % 10;
                if r < 2 {
                    let w = &l[(next() % l.len() as u64) as usize].bytes;
                    for &c in w {
                        text.push(if next() % 2 == 0 {
                            c.to_ascii_uppercase()
                        } else {
                            c
                        });
                    }
                } else if r < 9 {
                    text.push(common[(next() % common.len() as u64) as usize]);
                } else {
                    text.push(alphabet[(next() % 256) as usize]);
                }
            }
            let from = if round % 3 == 0 {
                0
            } else {
                (next() as usize) % (text.len() + 1)
            };
            let to = if round % 4 == 0 {
                text.len()
            } else {
                from + (next() as usize) % (text.len() + 1 - from)
            };
            check(&l, &text, from, to);
        }
    }
}
