//! Which rules of a group match at each place of a short range (a token): walks of an
//! anchored, all-matches DFA, built in full when the rules load (a table lookup per byte, no
//! search set-up per place). Most places fail on their first byte, which a table per start
//! state says at once. Before that, whether the token holds a match at all: one walk of the
//! same patterns' unanchored DFA ([`Forward`]), built on a thread of its own.

use regex_automata::{
    dfa::{dense, Automaton, StartKind},
    util::{primitives::StateID, start},
    Anchored, MatchKind,
};

#[derive(Debug)]
pub struct AnchoredSet {
    dfa: dense::DFA<Vec<u32>>,
    /// The same patterns unanchored, once built (see [`Forward`]).
    forward: std::sync::Arc<std::sync::OnceLock<Forward>>,
    /// Which start state (an index into `starts` and `live`) follows each byte before the
    /// start; the last entry is for the start of the text.
    start_of: Box<[u8; 257]>,
    /// The distinct start states (by the kind of byte before: word, not word, line end).
    starts: Vec<StateID>,
    /// Per start state: the first bytes that do not lead to the dead state at once.
    live: Vec<[bool; 256]>,
}

/// A fully built DFA of `patterns` (None past the size limits).
fn build<P: AsRef<str>>(
    patterns: &[P],
    start: StartKind,
    kind: MatchKind,
) -> Option<dense::DFA<Vec<u32>>> {
    dense::Builder::new()
        .syntax(super::rules::syntax_config())
        .configure(
            dense::Config::new()
                .match_kind(kind)
                .start_kind(start)
                .accelerate(false)
                .dfa_size_limit(Some(DFA_LIMIT))
                .determinize_size_limit(Some(4 * DFA_LIMIT)),
        )
        .build_many(patterns)
        .ok()
}

/// Whether a range holds any match of the patterns at all: a walk of their unanchored DFA,
/// a table lookup per byte. Most digit tokens hold none (log timestamps, amounts), and a
/// regex search pays a few hundred instructions of set-up and lazy-DFA bookkeeping per token
/// to say so.
#[derive(Debug)]
pub struct Forward {
    dfa: dense::DFA<Vec<u32>>,
    /// The start state after each byte (the last entry: at the start of the text), None
    /// where the DFA has none: asking the DFA costs more than the walk of a short token.
    start_of: Box<[Option<StateID>; 257]>,
}

impl Forward {
    pub fn new<P: AsRef<str>>(patterns: &[P]) -> Option<Forward> {
        let dfa = build(patterns, StartKind::Unanchored, MatchKind::LeftmostFirst)?;
        let mut start_of = Box::new([None; 257]);
        for (i, s) in start_of.iter_mut().enumerate() {
            let config = start::Config::new()
                .anchored(Anchored::No)
                .look_behind(u8::try_from(i).ok());
            *s = dfa.start_state(&config).ok();
        }
        Some(Forward { dfa, start_of })
    }

    /// The start state of a walk from `from` (None if the DFA has none).
    #[inline]
    fn start(&self, text: &[u8], from: usize) -> Option<StateID> {
        self.start_of[from.checked_sub(1).map_or(256, |i| usize::from(text[i]))]
    }

    /// Whether some pattern matches inside `text[from..end]` (look-around sees the bytes
    /// around the range, as a regex search over the range does). None if the DFA gave up (a
    /// quit state; not with ASCII-only patterns).
    #[inline]
    pub fn any_match(&self, text: &[u8], from: usize, end: usize) -> Option<bool> {
        let dfa = &self.dfa;
        let mut s = self.start(text, from)?;
        for &b in &text[from..end] {
            s = dfa.next_state(s, b);
            if dfa.is_special_state(s) {
                if dfa.is_match_state(s) {
                    return Some(true);
                } else if dfa.is_dead_state(s) {
                    return Some(false);
                } else if dfa.is_quit_state(s) {
                    return None;
                }
            }
        }
        s = past_end(dfa, s, text, end);
        (!dfa.is_quit_state(s)).then(|| dfa.is_match_state(s))
    }
}

/// The state after a range ending at `end`: the transition on the byte after it (or the end
/// of the text), where the matches ending at `end` show (look-ahead sees past the range).
#[inline]
fn past_end(dfa: &dense::DFA<Vec<u32>>, s: StateID, text: &[u8], end: usize) -> StateID {
    match text.get(end) {
        Some(&b) => dfa.next_state(s, b),
        None => dfa.next_eoi_state(s),
    }
}

/// Patterns whose DFA would be bigger than this are left to the regex engines (whose lazy
/// DFA builds only the states a text needs).
const DFA_LIMIT: usize = 1 << 20;

impl AnchoredSet {
    /// None when the patterns do not make a DFA of reasonable size, use what a DFA cannot
    /// do, or are more than 64 (the matches are a bit set).
    pub fn new(patterns: &[&str]) -> Option<AnchoredSet> {
        Self::build_set(patterns, true)
    }

    /// The anchored DFA alone, without the unanchored one ([`Self::any_match`] then says
    /// None): for walks over short stretches known to be worth walking.
    pub fn walks_only(patterns: &[&str]) -> Option<AnchoredSet> {
        Self::build_set(patterns, false)
    }

    fn build_set(patterns: &[&str], with_forward: bool) -> Option<AnchoredSet> {
        if patterns.len() > 64 {
            return None;
        }
        let dfa = build(patterns, StartKind::Anchored, MatchKind::All)?;
        let mut start_of = Box::new([0u8; 257]);
        let mut starts: Vec<StateID> = Vec::new();
        let mut live = Vec::new();
        for lb in (0..=255u8).map(Some).chain([None]) {
            let config = start::Config::new().anchored(Anchored::Yes).look_behind(lb);
            let sid = dfa.start_state(&config).ok()?;
            let i = match starts.iter().position(|&s| s == sid) {
                Some(i) => i,
                None => {
                    starts.push(sid);
                    let mut l = [false; 256];
                    for (b, l) in l.iter_mut().enumerate() {
                        *l = !dfa.is_dead_state(dfa.next_state(sid, b as u8));
                    }
                    live.push(l);
                    starts.len() - 1
                }
            };
            start_of[lb.map_or(256, usize::from)] = u8::try_from(i).ok()?;
        }
        // The unanchored DFA takes several times as long to build (~8 ms for the digit
        // rules): a thread of its own builds it while the scan starts without it.
        let forward = std::sync::Arc::new(std::sync::OnceLock::new());
        if with_forward {
            let (slot, owned) = (
                forward.clone(),
                patterns.iter().map(|p| p.to_string()).collect::<Vec<_>>(),
            );
            let spawned = std::thread::Builder::new()
                .name("phiscan-dfa".into())
                .spawn(move || {
                    if let Some(f) = Forward::new(&owned) {
                        let _ = slot.set(f);
                    }
                });
            drop(spawned); // detached; without the thread, the regex engines do the work
        }
        Some(AnchoredSet {
            dfa,
            forward,
            start_of,
            starts,
            live,
        })
    }

    /// Whether some pattern matches inside `text[from..end]`; None while the unanchored DFA
    /// is being built, or if it gave up.
    #[inline]
    pub fn any_match(&self, text: &[u8], from: usize, end: usize) -> Option<bool> {
        self.forward.get()?.any_match(text, from, end)
    }

    /// Tests: wait until the unanchored DFA is built (panics after 30 s).
    #[cfg(test)]
    pub fn wait_forward(&self) {
        let t = std::time::Instant::now();
        while self.forward.get().is_none() {
            assert!(
                t.elapsed().as_secs() < 30,
                "the unanchored DFA was never built"
            );
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
    }

    /// Tests: go on without the unanchored DFA, as before it is built.
    #[cfg(test)]
    pub fn forget_forward(&mut self) {
        self.forward = std::sync::Arc::new(std::sync::OnceLock::new());
    }

    /// For every place `p` in `[from, to)` where patterns have a match starting at `p` and
    /// ending at or before `end`: `hit(p, patterns, match_end)` (bit i: pattern i;
    /// `match_end`: where every one of those matches ends, when all the matches from `p` end
    /// at one place — then it is also where each pattern's leftmost-first match ends — else
    /// None). Look-around at a match's end sees the text beyond `end`, as in a regex search
    /// over the range. Err(p) if the DFA gave up at `p` (a quit state; not with ASCII-only
    /// patterns): the caller must search from there another way.
    #[inline]
    pub fn each_match(
        &self,
        text: &[u8],
        from: usize,
        to: usize,
        end: usize,
        mut hit: impl FnMut(usize, u64, Option<usize>),
    ) -> Result<(), usize> {
        let to = to.min(end);
        if from >= to {
            return Ok(());
        }
        let mut si = self.start_of[from.checked_sub(1).map_or(256, |i| usize::from(text[i]))];
        for (p, &first) in text[from..to].iter().enumerate() {
            let p = from + p;
            let here = usize::from(si);
            si = self.start_of[usize::from(first)];
            if !self.live[here][usize::from(first)] {
                continue;
            }
            match self.walk(self.starts[here], text, p, end) {
                Some((0, _)) => {}
                Some((found, match_end)) => hit(p, found, match_end),
                None => return Err(p),
            }
        }
        Ok(())
    }

    /// The patterns with a match from start state `s` at `p`, and where they end if all
    /// end at one place. A match state is entered one byte after its match ends.
    #[inline]
    fn walk(
        &self,
        mut s: StateID,
        text: &[u8],
        p: usize,
        end: usize,
    ) -> Option<(u64, Option<usize>)> {
        let dfa = &self.dfa;
        let mut found = 0u64;
        // Where the one match place seen so far is; usize::MAX: none yet; 0: more than one
        // (a match from `p` to 0 is impossible past the first byte, and one at `p` itself
        // would be empty).
        let mut at = usize::MAX;
        let seen = |at: &mut usize, q: usize| *at = if *at == usize::MAX { q } else { 0 };
        for (i, &b) in text[p..end].iter().enumerate() {
            s = dfa.next_state(s, b);
            if dfa.is_special_state(s) {
                if dfa.is_match_state(s) {
                    found |= self.mask(s);
                    seen(&mut at, p + i);
                } else if dfa.is_dead_state(s) {
                    return Some((found, (at != 0 && at != usize::MAX).then_some(at)));
                } else {
                    return None;
                }
            }
        }
        s = past_end(dfa, s, text, end);
        if dfa.is_match_state(s) {
            found |= self.mask(s);
            seen(&mut at, end);
        } else if dfa.is_quit_state(s) {
            return None;
        }
        Some((found, (at != 0 && at != usize::MAX).then_some(at)))
    }

    fn mask(&self, s: StateID) -> u64 {
        (0..self.dfa.match_len(s)).fold(0, |m, k| m | 1 << self.dfa.match_pattern(s, k).as_usize())
    }
}

#[cfg(test)]
mod tests {
    use super::AnchoredSet;
    use regex_automata::{meta, Anchored, Input, MatchKind, PatternSet};

    /// Deterministic random numbers for the random texts.
    fn xorshift(mut x: u64) -> impl FnMut() -> u64 {
        move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        }
    }

    /// Random ranges of random texts: the unanchored DFA says there is a match exactly when
    /// a regex search over the same range finds one (look-around at both ends included).
    #[test]
    fn forward_finds_a_match_exactly_when_a_regex_search_does() {
        let rules = super::super::rules::RuleSet::load(&[] as &[&str]).unwrap();
        let g = rules.digit_group.as_ref().unwrap();
        let mut patterns: Vec<&str> = g
            .rules
            .iter()
            .map(|&i| rules.rules[i].spec.pattern.as_deref().unwrap())
            .collect();
        patterns.extend([r"\(?\d{3}\)", r"x\d+\b", r"(?m)^\d{2}$"]);
        let fwd = super::Forward::new(&patterns).expect("a small DFA");
        let re = meta::Regex::builder()
            .syntax(super::super::rules::syntax_config())
            .build_many(&patterns)
            .unwrap();
        let mut next = xorshift(0x9E37_79B9_7F4A_7C15);
        let alphabet = b"0123456789012345 -./()+xAEGMZ\n";
        let (mut yes, mut no) = (0, 0);
        for _ in 0..20000 {
            let n = (next() % 40) as usize;
            let text: Vec<u8> = (0..n)
                .map(|_| alphabet[(next() % alphabet.len() as u64) as usize])
                .collect();
            let from = (next() as usize) % (n + 1);
            let end = from + (next() as usize) % (n - from + 1);
            let want = re.is_match(Input::new(&text).range(from..end));
            let got = fwd.any_match(&text, from, end).expect("no quit states");
            assert_eq!(
                got,
                want,
                "{:?} range {from}..{end}",
                String::from_utf8_lossy(&text)
            );
            if want {
                yes += 1;
            } else {
                no += 1;
            }
        }
        assert!(yes > 800 && no > 800, "both answers are tested: {yes} {no}");
    }

    /// Every place of random texts, against the regex engines asked the same question
    /// (which patterns match anchored here, within the range), with ranges that end inside
    /// a word (look-around past the end) and places limited below the range's end.
    #[test]
    fn each_match_finds_what_anchored_regex_searches_find() {
        let rules = super::super::rules::RuleSet::load(&[] as &[&str]).unwrap();
        let g = rules.digit_group.as_ref().unwrap();
        let mut patterns: Vec<&str> = g
            .rules
            .iter()
            .map(|&i| rules.rules[i].spec.pattern.as_deref().unwrap())
            .collect();
        // And patterns that start without a word boundary, end in one, or match one byte.
        patterns.extend([r"\(?\d{3}\)", r"x\d+\b", r"\d", r"(?m)^\d{2}$"]);
        let set = AnchoredSet::new(&patterns).expect("a small DFA");
        let re = meta::Regex::builder()
            .syntax(super::super::rules::syntax_config())
            .configure(meta::Config::new().match_kind(MatchKind::All))
            .build_many(&patterns)
            .unwrap();
        let mut cache = re.create_cache();
        // Each pattern alone, leftmost-first: where its match from a place ends.
        let singles: Vec<meta::Regex> = patterns
            .iter()
            .map(|p| {
                meta::Regex::builder()
                    .syntax(super::super::rules::syntax_config())
                    .build(p)
                    .unwrap()
            })
            .collect();
        let mut next = xorshift(0x2545F4914F6CDD1D);
        let alphabet = b"0123456789012345 -./()+xAEGMZ\n";
        let mut hits = 0;
        let mut ends = 0;
        for _ in 0..3000 {
            let n = (next() % 40) as usize;
            let text: Vec<u8> = (0..n)
                .map(|_| alphabet[(next() % alphabet.len() as u64) as usize])
                .collect();
            let from = (next() as usize) % (n + 1);
            let end = from + (next() as usize) % (n - from + 1);
            let to = from + (next() as usize) % (n - from + 1);
            let mut got = Vec::new();
            let mut got_ends = Vec::new();
            set.each_match(&text, from, to, end, |p, m, e| {
                got.push((p, m));
                got_ends.push((p, m, e));
            })
            .expect("no quit states");
            // A match end, when told, is every one of those patterns' leftmost-first end.
            for &(p, m, e) in &got_ends {
                let Some(e) = e else { continue };
                for (i, single) in singles.iter().enumerate().filter(|(i, _)| m >> i & 1 == 1) {
                    let input = Input::new(&text).range(p..end).anchored(Anchored::Yes);
                    let found = single.search(&input).map(|m| m.end());
                    assert_eq!(
                        found,
                        Some(e),
                        "pattern {i} at {p} in {:?}, range end {end}",
                        String::from_utf8_lossy(&text)
                    );
                    ends += 1;
                }
            }
            let mut want = Vec::new();
            for p in from..to.min(end) {
                let mut ps = PatternSet::new(patterns.len());
                let input = Input::new(&text).range(p..end).anchored(Anchored::Yes);
                re.which_overlapping_matches_with(&mut cache, &input, &mut ps);
                let m = ps.iter().fold(0u64, |m, p| m | 1 << p.as_usize());
                if m != 0 {
                    want.push((p, m));
                }
            }
            hits += want.len();
            assert_eq!(
                got,
                want,
                "{:?} places {from}..{to}, range end {end}",
                String::from_utf8_lossy(&text)
            );
        }
        assert!(hits > 1000, "the texts hold matches: {hits}");
        assert!(ends > 500, "match ends are told: {ends}");
    }
}
