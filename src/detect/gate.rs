//! Gates: where each text rule can match at all, derived from the rule when the rules load.
//!
//! A grep-style alternation of digit patterns runs its automaton over every byte. Office text
//! has a digit every few dozen bytes, so windows around digits do not help either. Instead each
//! rule gets the cheapest first stage that provably finds all of its findings:
//!
//! * **keywords**: a rule whose policy drops a candidate without a positive context (every date
//!   rule, bare 9- and 10-digit numbers) can only report a value near one of its positive
//!   keywords, or in a table column whose header names it. One vectorized pass
//!   ([`super::teddy`]) finds the keywords; the rule's regex runs only in the stretch around
//!   each one where a value it labels can sit (the context window, plus the longest match).
//! * **labels**: a rule whose every match begins with one of a finite set of literals (a
//!   labelled MRN or member id: "MRN", "Member ID" ...) is tried, anchored, where such a
//!   literal starts; the same vectorized pass finds them.
//! * **digit tokens**: a rule whose matches need a digit and use at most two lowercase letters
//!   (a phone extension's `x`) lies inside a maximal run of bytes of its alphabet (digits,
//!   separators, capitals). Each run around a digit is counted (digits, capitals) and searched
//!   only when it holds as many as some rule's shortest match needs: a date or an amount is
//!   not a 9-digit SSN and is skipped without an automaton.
//! * **`@` tokens**: likewise around an `@` for rules that need one (e-mail).
//! * **windows**: any other rule (a user's rule of some other shape) is searched in windows
//!   around digits and `@`, as every rule used to be.
//!
//! Every bound comes from the rule's regex and policy, so user rules (`--patterns`) get the
//! same treatment; a rule that fits no gate still works, only slower.

use super::rules::{syntax_config, Level, RuleSpec};
use super::teddy::Literal;
use regex_syntax::hir::{Class, Hir, HirKind, Look};

/// What a rule's matches are made of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shape {
    /// Every byte any match can contain.
    pub alphabet: [bool; 256],
    /// The fewest ASCII digits, capital letters and `@` any match contains.
    pub min_digits: u32,
    pub min_upper: u32,
    pub min_at: u32,
    /// The longest match, when bounded.
    pub max_len: Option<usize>,
    /// Where a match can hold a space.
    pub spaces: Spaces,
}

/// Where spaces can sit in a pattern's matches. A rule whose matches never start or end with
/// a space and never hold two in a row lies inside a run of its alphabet with every space
/// that has a space next to it taken out: the digit tokens of a space-aligned text table
/// are then its cells, not whole rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Spaces {
    /// The pattern can match the empty string.
    pub empty: bool,
    /// Some match starts with a space; some match ends with one.
    pub first: bool,
    pub last: bool,
    /// Some match holds two spaces in a row.
    pub double: bool,
}

impl Spaces {
    /// Nothing at all (the empty match): `x` followed by it is `x`.
    const EMPTY: Spaces = Spaces {
        empty: true,
        first: false,
        last: false,
        double: false,
    };

    /// A match never needs a space at its edge or next to another space.
    pub fn splittable(self) -> bool {
        !(self.first || self.last || self.double)
    }

    fn of_literal(b: &[u8]) -> Spaces {
        Spaces {
            empty: b.is_empty(),
            first: b.first() == Some(&b' '),
            last: b.last() == Some(&b' '),
            double: b.windows(2).any(|w| w == b"  "),
        }
    }

    /// `self` followed by `x` (`seq`), or either of them.
    fn join(self, x: Spaces, seq: bool) -> Spaces {
        if seq {
            Spaces {
                empty: self.empty && x.empty,
                first: self.first || (self.empty && x.first),
                last: x.last || (x.empty && self.last),
                double: self.double || x.double || (self.last && x.first),
            }
        } else {
            Spaces {
                empty: self.empty || x.empty,
                first: self.first || x.first,
                last: self.last || x.last,
                double: self.double || x.double,
            }
        }
    }

    /// `self` repeated `min` to `max` times.
    fn repeat(self, min: u32, max: Option<u32>) -> Spaces {
        let many = max.is_none_or(|m| m >= 2);
        Spaces {
            empty: min == 0 || self.empty,
            double: self.double || (many && self.last && self.first),
            ..self
        }
    }
}

impl Shape {
    fn empty() -> Shape {
        Shape {
            alphabet: [false; 256],
            min_digits: 0,
            min_upper: 0,
            min_at: 0,
            max_len: Some(0),
            spaces: Spaces::EMPTY,
        }
    }

    /// `self` followed by `x` (`seq`), or either of them: the alphabets together; the
    /// counts and lengths added, or the fewer and the longer.
    fn join(&mut self, x: &Shape, seq: bool) {
        for (a, b) in self.alphabet.iter_mut().zip(x.alphabet) {
            *a |= b;
        }
        let f = |a: u32, b: u32| if seq { a.saturating_add(b) } else { a.min(b) };
        self.min_digits = f(self.min_digits, x.min_digits);
        self.min_upper = f(self.min_upper, x.min_upper);
        self.min_at = f(self.min_at, x.min_at);
        self.max_len = match (self.max_len, x.max_len) {
            (Some(a), Some(b)) if seq => a.checked_add(b),
            (Some(a), Some(b)) => Some(a.max(b)),
            _ => None,
        };
        self.spaces = self.spaces.join(x.spaces, seq);
    }

    fn of_bytes(bytes: impl Iterator<Item = u8> + Clone) -> Shape {
        let mut s = Shape::empty();
        let all = |f: fn(&u8) -> bool| bytes.clone().all(|b| f(&b)) as u32;
        s.min_digits = all(u8::is_ascii_digit);
        s.min_upper = all(u8::is_ascii_uppercase);
        s.min_at = all(|b| *b == b'@');
        let mut any = false;
        for b in bytes {
            s.alphabet[b as usize] = true;
            any = true;
        }
        // A class is one byte: a space in it is at both edges of its match.
        let sp = s.alphabet[b' ' as usize];
        s.spaces = Spaces {
            empty: false,
            first: sp,
            last: sp,
            double: false,
        };
        if !any {
            // A class that matches nothing: no match goes through it.
            s.max_len = Some(0);
        } else {
            s.max_len = Some(1);
        }
        s
    }
}

/// Parse a rule pattern the way the rules are compiled.
pub fn parse(pattern: &str) -> Option<Hir> {
    let c = syntax_config();
    regex_syntax::ParserBuilder::new()
        .unicode(c.get_unicode())
        .utf8(c.get_utf8())
        .crlf(c.get_crlf())
        .build()
        .parse(pattern)
        .ok()
}

fn class_bytes(c: &Class) -> Vec<u8> {
    match c {
        Class::Bytes(b) => b
            .ranges()
            .iter()
            .flat_map(|r| r.start()..=r.end())
            .collect(),
        // Not produced with Unicode off; be conservative: every byte it could touch.
        Class::Unicode(u) => {
            let mut v: Vec<u8> = Vec::new();
            for r in u.ranges() {
                let (a, b) = (r.start() as u32, r.end() as u32);
                if b >= 0x80 {
                    v.extend(0x80u8..=0xFF);
                }
                if a < 0x80 {
                    v.extend(a as u8..=(b.min(0x7F) as u8));
                }
            }
            v.sort_unstable();
            v.dedup();
            v
        }
    }
}

/// The shape of a pattern's matches.
pub fn shape(h: &Hir) -> Shape {
    match h.kind() {
        HirKind::Empty | HirKind::Look(_) => Shape::empty(),
        HirKind::Literal(l) => {
            let mut s = Shape::empty();
            for &b in l.0.iter() {
                s.alphabet[b as usize] = true;
                s.min_digits += b.is_ascii_digit() as u32;
                s.min_upper += b.is_ascii_uppercase() as u32;
                s.min_at += (b == b'@') as u32;
            }
            s.max_len = Some(l.0.len());
            s.spaces = Spaces::of_literal(&l.0);
            s
        }
        HirKind::Class(c) => {
            let v = class_bytes(c);
            Shape::of_bytes(v.iter().copied())
        }
        HirKind::Capture(c) => shape(&c.sub),
        HirKind::Repetition(r) => {
            let sub = shape(&r.sub);
            Shape {
                alphabet: sub.alphabet,
                min_digits: sub.min_digits.saturating_mul(r.min),
                min_upper: sub.min_upper.saturating_mul(r.min),
                min_at: sub.min_at.saturating_mul(r.min),
                max_len: match (sub.max_len, r.max) {
                    (Some(0), _) => Some(0),
                    (Some(l), Some(m)) => l.checked_mul(m as usize),
                    _ => None,
                },
                spaces: sub.spaces.repeat(r.min, r.max),
            }
        }
        HirKind::Concat(hs) => {
            let mut s = Shape::empty();
            for h in hs {
                s.join(&shape(h), true);
            }
            s
        }
        HirKind::Alternation(hs) => {
            let mut it = hs.iter().map(shape);
            let Some(mut s) = it.next() else {
                return Shape::empty();
            };
            for x in it {
                s.join(&x, false);
            }
            s
        }
    }
}

/// Most literals a prefix set may hold before it is given up.
const MAX_PREFIXES: usize = 128;
/// Literals longer than this are cut (a prefix of a prefix is still a prefix).
const MAX_PREFIX_LEN: usize = 24;

/// A literal every match of `h` begins with, folded to lowercase, and whether it is the whole
/// of what `h` matched (so that what follows `h` may extend it).
type Prefixes = Vec<(Vec<u8>, bool)>;

/// The literals (lowercase; a letter matches either case) that every match of `h` starts
/// with, or `None` when there is no such finite set.
pub fn prefixes(h: &Hir) -> Option<Vec<Vec<u8>>> {
    let p = prefix_set(h)?;
    let mut v: Vec<Vec<u8>> = p.into_iter().map(|(l, _)| l).collect();
    v.sort();
    v.dedup();
    Some(v)
}

fn fold_class(c: &Class) -> Option<u8> {
    let v = class_bytes(c);
    match v.as_slice() {
        [b] => Some(b.to_ascii_lowercase()),
        [a, b] if a.is_ascii_uppercase() && *b == a.to_ascii_lowercase() => Some(*b),
        _ => None,
    }
}

fn prefix_set(h: &Hir) -> Option<Prefixes> {
    let inexact_empty = || Some(vec![(Vec::new(), false)]);
    match h.kind() {
        HirKind::Empty | HirKind::Look(_) => Some(vec![(Vec::new(), true)]),
        HirKind::Literal(l) => Some(vec![(l.0.to_ascii_lowercase(), true)]),
        HirKind::Class(c) => match fold_class(c) {
            Some(b) => Some(vec![(vec![b], true)]),
            None => inexact_empty(),
        },
        HirKind::Capture(c) => prefix_set(&c.sub),
        HirKind::Repetition(r) => {
            let sub = prefix_set(&r.sub)?;
            match (r.min, r.max) {
                (1, Some(1)) => Some(sub),
                (0, Some(1)) => {
                    let mut v = sub;
                    v.push((Vec::new(), true));
                    Some(v)
                }
                (m, _) if m >= 1 => Some(sub.into_iter().map(|(l, _)| (l, false)).collect()),
                _ => inexact_empty(),
            }
        }
        HirKind::Alternation(hs) => {
            let mut v = Vec::new();
            for h in hs {
                v.extend(prefix_set(h)?);
                if v.len() > MAX_PREFIXES {
                    return None;
                }
            }
            Some(v)
        }
        HirKind::Concat(hs) => {
            let mut cur: Prefixes = vec![(Vec::new(), true)];
            for h in hs {
                if cur.iter().all(|(_, exact)| !exact) {
                    break;
                }
                let next = prefix_set(h)?;
                let mut out = Vec::new();
                let before = cur.clone();
                for (p, exact) in cur {
                    if !exact || p.len() >= MAX_PREFIX_LEN {
                        out.push((p, false));
                        continue;
                    }
                    for (q, e2) in &next {
                        let mut l = p.clone();
                        l.extend_from_slice(q);
                        out.push((l, *e2));
                    }
                }
                out.sort();
                out.dedup();
                if out.len() > MAX_PREFIXES {
                    // Too many ways to go on (optional parts after a list of labels): what is
                    // known so far is a prefix of every match, just not all of it.
                    cur = before.into_iter().map(|(p, _)| (p, false)).collect();
                    cur.sort();
                    cur.dedup();
                    break;
                }
                cur = out;
            }
            Some(cur)
        }
    }
}

/// The bytes skipped after a label before [`follow_after_label`]'s set is looked up.
pub fn is_label_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0B | 0x0C)
}

/// For a labelled rule and its literals: per literal, the bytes that can come first after
/// the literal and any run of spaces ([`is_label_space`]), in a match of `pattern` that starts
/// where the literal does (its letters in either case). A label found in running prose
/// ("the patient tolerated ...", "insurance appeal") is then turned away without a search.
/// None for a literal when there is nothing to gain or it cannot be told: a match can end
/// inside the literal or the spaces, or the automaton gave up.
///
/// Worked out on the rule's own lazy DFA: the states after the literal (from every possible
/// start), closed under space bytes, and every byte that leads out of them to a live state or
/// a match.
pub fn follow_after_label(pattern: &str, lits: &[&[u8]]) -> Vec<Option<Box<[bool; 256]>>> {
    use regex_automata::hybrid::dfa::DFA;
    use regex_automata::util::start;
    use regex_automata::Anchored;
    let Ok(dfa) = DFA::builder().syntax(syntax_config()).build(pattern) else {
        return vec![None; lits.len()];
    };
    let mut cache = dfa.create_cache();
    let mut starts = Vec::new();
    for lb in std::iter::once(None).chain((0..=255u8).map(Some)) {
        let cfg = start::Config::new().anchored(Anchored::Yes).look_behind(lb);
        match dfa.start_state(&mut cache, &cfg) {
            Ok(s) => starts.push(s),
            Err(_) => return vec![None; lits.len()],
        }
    }
    starts.sort_unstable();
    starts.dedup();
    lits.iter()
        .map(|lit| follow_one(&dfa, &mut cache, starts.clone(), lit))
        .collect()
}

fn follow_one(
    dfa: &regex_automata::hybrid::dfa::DFA,
    cache: &mut regex_automata::hybrid::dfa::Cache,
    mut states: Vec<regex_automata::hybrid::LazyStateID>,
    lit: &[u8],
) -> Option<Box<[bool; 256]>> {
    const MAX_STATES: usize = 512;
    let mut step = |states: &[regex_automata::hybrid::LazyStateID], bytes: &[u8]| {
        let mut next = Vec::new();
        for &s in states {
            for &b in bytes {
                let t = dfa.next_state(cache, s, b).ok()?;
                if t.is_quit() || t.is_unknown() || t.is_match() {
                    return None;
                }
                if !t.is_dead() {
                    next.push(t);
                }
            }
        }
        next.sort_unstable();
        next.dedup();
        (next.len() <= MAX_STATES).then_some(next)
    };
    for &c in lit {
        states = step(&states, &[c.to_ascii_lowercase(), c.to_ascii_uppercase()])?;
    }
    if states.is_empty() {
        return None;
    }
    // Closed under spaces.
    let spaces: Vec<u8> = (0..=255u8).filter(|&b| is_label_space(b)).collect();
    let mut closure = states.clone();
    let mut fresh = states;
    while !fresh.is_empty() {
        fresh = step(&fresh, &spaces)?;
        fresh.retain(|t| !closure.contains(t));
        closure.extend_from_slice(&fresh);
        if closure.len() > MAX_STATES {
            return None;
        }
    }
    let mut allowed = Box::new([false; 256]);
    for &s in &closure {
        for b in 0..=255u8 {
            let t = dfa.next_state(cache, s, b).ok()?;
            if t.is_quit() || t.is_unknown() {
                return None;
            }
            if !t.is_dead() || t.is_match() {
                allowed[usize::from(b)] = true;
            }
        }
    }
    Some(allowed)
}

/// Whether the `value` group of `h` is the whole of every match: `h` is that group, with
/// nothing but look-arounds (`\b`) beside it, perhaps inside other groups.
pub fn value_is_whole(h: &Hir) -> bool {
    match h.kind() {
        HirKind::Capture(c) => c.name.as_deref() == Some("value") || value_is_whole(&c.sub),
        HirKind::Concat(hs) => {
            let mut rest = hs.iter().filter(|h| !matches!(h.kind(), HirKind::Look(_)));
            rest.next().is_some_and(value_is_whole) && rest.next().is_none()
        }
        _ => false,
    }
}

/// Whether every match of `h` starts at an ASCII word boundary (`\b` first).
pub fn starts_at_word_boundary(h: &Hir) -> bool {
    match h.kind() {
        HirKind::Look(l) => matches!(
            l,
            Look::WordAscii | Look::WordStartAscii | Look::WordStartHalfAscii
        ),
        HirKind::Capture(c) => starts_at_word_boundary(&c.sub),
        HirKind::Concat(hs) => hs.first().is_some_and(starts_at_word_boundary),
        HirKind::Alternation(hs) => hs.iter().all(starts_at_word_boundary),
        _ => false,
    }
}

/// The first stage a text rule gets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Gate {
    /// Near one of its positive keywords (or in a column whose header names it); the
    /// longest match bounds the stretch searched.
    Keywords { max_len: usize },
    /// Anchored where one of these literals starts.
    Labels(Vec<Literal>),
    /// Inside runs of its alphabet around a digit.
    Digits,
    /// Inside runs of its alphabet around an `@`.
    At,
    /// Windows around digits and `@`.
    Window,
}

impl Gate {
    /// The name `phiscan patterns list` shows.
    pub fn name(&self) -> &'static str {
        match self {
            Gate::Keywords { .. } => "keywords",
            Gate::Labels(_) => "labels",
            Gate::Digits => "digits",
            Gate::At => "at-sign",
            Gate::Window => "windows",
        }
    }
}

/// Choose a rule's gate from its pattern and policy.
pub fn gate_for(spec: &RuleSpec, h: &Hir) -> (Gate, Shape) {
    let s = shape(h);
    let p = spec.confidence;
    let keywords_ok = !spec.keywords.is_empty() && spec.keywords.iter().all(|k| k.len() >= 2);
    if p.base == Level::Drop && p.negative == Level::Drop && keywords_ok {
        if let Some(max_len) = s.max_len {
            return (Gate::Keywords { max_len }, s);
        }
    }
    if let Some(pre) = prefixes(h) {
        if !pre.is_empty() && pre.iter().all(|l| l.len() >= 2) {
            let ws = starts_at_word_boundary(h);
            let lits = pre
                .into_iter()
                .map(|bytes| Literal {
                    bytes,
                    word_end: false,
                    word_start: ws,
                })
                .collect();
            return (Gate::Labels(lits), s);
        }
    }
    // A lowercase letter or two (a phone's extension: "212-555-0143x12") lengthens few
    // tokens; more (words) would make every token a run of prose.
    let lower = (b'a'..=b'z').filter(|&b| s.alphabet[b as usize]).count();
    if s.min_digits >= 1 && lower <= 2 {
        return (Gate::Digits, s);
    }
    if s.min_at >= 1 {
        return (Gate::At, s);
    }
    (Gate::Window, s)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sh(p: &str) -> Shape {
        shape(&parse(p).unwrap())
    }

    /// Optional parts after a list of labels multiply the prefixes: past the limit, the
    /// labels alone are the (inexact) prefixes, not "none known".
    #[test]
    fn prefixes_stop_at_the_labels_when_what_follows_has_too_many_ways() {
        let labels: Vec<String> = (0..40).map(|i| format!("label{i:02}")).collect();
        let p = format!(
            r"(?xi) \b (?: {} ) (?: \x20? / \x20? (?: a | b | c ) )? (?: \x20? \# )? : \d+",
            labels.join(" | ")
        );
        let got = prefixes(&parse(&p).unwrap()).unwrap();
        let want: Vec<Vec<u8>> = labels.iter().map(|l| l.as_bytes().to_vec()).collect();
        assert_eq!(got, want);
        // Few enough ways: the prefixes go on through them.
        let got = prefixes(&parse(r"(?i)mrn(?:/acct)?:").unwrap()).unwrap();
        assert_eq!(got, vec![b"mrn/acct:".to_vec(), b"mrn:".to_vec()]);
    }

    #[test]
    fn shapes() {
        let s = sh(r"(?x) \b (?P<value> \d{3}-\d{2}-\d{4} ) \b");
        assert_eq!((s.min_digits, s.min_upper, s.max_len), (9, 0, Some(11)));
        assert!(s.alphabet[b'-' as usize] && s.alphabet[b'7' as usize]);
        assert!(!s.alphabet[b'a' as usize] && !s.alphabet[b' ' as usize]);
        let s = sh(r"[1-9][A-Z][A-Z0-9][0-9]-?[A-Z][A-Z0-9][0-9]-?[A-Z][A-Z][0-9][0-9]");
        assert_eq!((s.min_digits, s.min_upper, s.max_len), (5, 4, Some(13)));
        let s = sh(r"\d{3}|[a-z]+@x");
        assert_eq!((s.min_digits, s.min_at, s.max_len), (0, 0, None));
        let s = sh(r"(?i)ab\d");
        assert!(s.alphabet[b'A' as usize] && s.alphabet[b'b' as usize]);
        assert_eq!(s.min_upper, 0);
    }

    #[test]
    fn spaces() {
        let sp = |p: &str| sh(p).spaces.splittable();
        // The built-in spaced shapes: one space between digit groups.
        assert!(sp(r"(?x) \b (?P<value> \d{3}\x20\d{2}\x20\d{4} ) \b"));
        assert!(sp(r"\(?\d{3}\)?[-. ]?\d{3}[-. ]\d{4}"));
        assert!(sp(r"(?:\d{4}[ -]?){3}\d{4}"));
        // Two spaces in a row, directly or through an optional part or a repetition.
        assert!(!sp(r"\d  \d"));
        assert!(!sp(r"\d {2}\d"));
        assert!(!sp(r"\d[ -](?:x)?[ ]\d"));
        assert!(!sp(r"\d(?: \d?)+"));
        assert!(!sp(r"\d\s+\d"));
        // A space at either edge of a match (also after an empty part).
        assert!(!sp(r" \d"));
        assert!(!sp(r"\d(?:x?) "));
        assert!(!sp(r"\d(?: |)"));
        let s = sh(r"a|b").spaces;
        assert!(!s.empty && !s.first && !s.last && !s.double);
        assert!(sh(r"a?").spaces.empty);
    }

    #[test]
    fn whole_values() {
        let w = |p: &str| value_is_whole(&parse(p).unwrap());
        assert!(w(r"(?x) \b (?P<value> \d{3}-\d{2}-\d{4} ) \b"));
        assert!(w(r"(?:\b(?P<value>\d{9})\b)"));
        assert!(w(r"(?P<value>a|b)"));
        assert!(!w(r"(?i)mrn\s*(?P<value>\d+)"));
        assert!(!w(r"\b(?P<value>\d+)x"));
        assert!(!w(r"(?P<other>\d+)"));
        assert!(!w(r"(?P<value>\d+)|x"));
        assert!(!w(r"\d+"));
    }

    #[test]
    fn what_follows_a_label() {
        let mrn = r"(?xi) \b (?: mrn | patient \s* (?: \# | id | no\.? | acct\.? \s* \#? ) | ins\.? \s* id )
            \s* [:\#=.]{0,3} \s* (?P<value> [A-Z0-9]{4,} ) \b";
        let one = |p: &str, l: &[u8]| follow_after_label(p, &[l]).pop().unwrap();
        let f = one(mrn, b"patient").unwrap();
        for b in *b"#iInNaA" {
            assert!(f[b as usize], "{}", b as char);
        }
        for b in *b"tTd's-1" {
            assert!(!f[b as usize], "{}", b as char);
        }
        let f = one(mrn, b"ins").unwrap();
        assert!(f[b'.' as usize] && f[b'I' as usize] && !f[b'u' as usize] && !f[b't' as usize]);
        // "mrn" is followed by the value's separators or the value itself.
        let f = one(mrn, b"mrn").unwrap();
        assert!(f[b':' as usize] && f[b'7' as usize] && f[b'X' as usize] && !f[b'(' as usize]);
        // A match that can end right after the label (or its spaces) gives no test.
        assert!(one(r"(?i)\bpatient\b", b"patient").is_none());
        assert!(one(r"(?i)patient\s", b"patient").is_none());
        // A literal no match starts with gives none either (nothing to learn).
        assert!(one(mrn, b"zz").is_none());
        // Several literals of one rule at once give what each gives alone.
        let both = follow_after_label(mrn, &[b"ins", b"patient"]);
        assert_eq!(both[0], one(mrn, b"ins"));
        assert_eq!(both[1], one(mrn, b"patient"));
    }

    #[test]
    fn prefix_literals() {
        let h = parse(r"(?xi) \b (?: mrn | m\.r\.n\.? | med(?:ical)?\.? \s* rec | pt\.? \s* id ) \s* (?P<value> \d+ )").unwrap();
        let p = prefixes(&h).unwrap();
        let p: Vec<&str> = p.iter().map(|l| std::str::from_utf8(l).unwrap()).collect();
        // Every literal is a true prefix of some match, and every match starts with one.
        for want in ["mrn", "m.r.n", "med", "medical", "pt"] {
            assert!(
                p.iter().any(|l| *l == want || l.starts_with(want)),
                "{want} in {p:?}"
            );
        }
        assert!(starts_at_word_boundary(&h));
        // No finite set: a class that is not one letter in two cases comes first.
        assert_eq!(
            prefixes(&parse(r"\d{3}-\d{2}").unwrap()).map(|v| v.iter().all(|l| l.is_empty())),
            Some(true)
        );
        assert!(!starts_at_word_boundary(&parse(r"a\b").unwrap()));
    }
}
