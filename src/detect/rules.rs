//! Rules as data: loading and compiling the files in `patterns/`.
//!
//! Every detector is a `[[rule]]` entry in a TOML file: an id, the kind it reports, a regular
//! expression (in `(?x)` form where it helps), context keywords, a validator, a confidence
//! policy and examples. The built-in files are compiled into the binary; `--patterns DIR` adds
//! a user's own (a hospital's MRN format, say). See patterns/README.md for the format.

use super::gate::Gate;
use super::teddy::Literal;
use super::{validate, Confidence, Kind};
use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use anyhow::{bail, Context, Result};
use regex_automata::{meta, util::syntax};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use std::path::Path;

/// The built-in rule files, in load order.
pub const BUILTIN: &[(&str, &str)] = &[
    (
        "structured.toml",
        include_str!("../../patterns/structured.toml"),
    ),
    (
        "insurance.toml",
        include_str!("../../patterns/insurance.toml"),
    ),
    ("mrn.toml", include_str!("../../patterns/mrn.toml")),
    ("ssn.toml", include_str!("../../patterns/ssn.toml")),
    (
        "provider.toml",
        include_str!("../../patterns/provider.toml"),
    ),
    (
        "financial.toml",
        include_str!("../../patterns/financial.toml"),
    ),
    ("dob.toml", include_str!("../../patterns/dob.toml")),
    ("contact.toml", include_str!("../../patterns/contact.toml")),
];

/// Where a rule applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    /// The pattern is searched in running text.
    #[default]
    Text,
    /// The pattern is matched against whole table cells whose column header names the kind.
    Column,
    /// A field of a structured format (HL7, X12, FHIR), found by the parsers in code.
    Structured,
}

/// What a candidate becomes when its context is positive, absent or negative.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Drop,
    Low,
    Medium,
    High,
}

impl Level {
    pub fn confidence(self) -> Option<Confidence> {
        match self {
            Level::Drop => None,
            Level::Low => Some(Confidence::Low),
            Level::Medium => Some(Confidence::Medium),
            Level::High => Some(Confidence::High),
        }
    }
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// No context keyword near the value.
    pub base: Level,
    /// A positive keyword (or column header) is the label nearest the value.
    #[serde(default = "high")]
    pub context: Level,
    /// A negative keyword (or column header) is the label nearest the value.
    #[serde(default = "low")]
    pub negative: Level,
}

fn high() -> Level {
    Level::High
}
fn low() -> Level {
    Level::Low
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Window {
    pub before: usize,
    pub after: usize,
}

impl Default for Window {
    fn default() -> Self {
        Window {
            before: 50,
            after: 20,
        }
    }
}

/// A rule as written in a file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSpec {
    pub id: String,
    pub kind: Kind,
    pub description: String,
    #[serde(default)]
    pub scope: Scope,
    #[serde(default)]
    pub pattern: Option<String>,
    #[serde(default)]
    pub validator: Option<String>,
    #[serde(default)]
    pub keywords: Vec<String>,
    #[serde(default)]
    pub negative_keywords: Vec<String>,
    /// Column headers that mark a table column as holding this kind (default: keywords).
    #[serde(default)]
    pub headers: Vec<String>,
    #[serde(default)]
    pub negative_headers: Vec<String>,
    #[serde(default)]
    pub window: Window,
    pub confidence: Policy,
    /// Higher first when two rules match at the same place. Default 0.
    #[serde(default)]
    pub priority: i32,
    /// How to mask the value: "default" (last 4 shown), "ssn", "dob", "mbi", "email".
    #[serde(default)]
    pub mask: Option<String>,
    #[serde(default)]
    pub examples: Vec<String>,
    #[serde(default)]
    pub negative_examples: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleFile {
    #[serde(default)]
    rule: Vec<RuleSpec>,
}

/// A compiled rule.
#[derive(Debug)]
pub struct Rule {
    pub spec: RuleSpec,
    /// Where it came from: "builtin:ssn.toml" or a user file path.
    pub source: String,
    /// Its pattern, compiled on first use (see [`LazyRegex`]).
    pub regex: LazyRegex,
    /// Capture group index of `value` (0 = the whole match).
    pub value_group: usize,
    /// Every match's `value` is the whole match (only look-arounds outside it): the
    /// detector finds it without captures.
    pub whole_value: bool,
    /// Per keyword id: +1 positive, -1 negative, 0 not this rule's.
    pub kw_class: Vec<i8>,
    /// Normalized header words, positive and negative.
    pub headers: Vec<String>,
    pub negative_headers: Vec<String>,
    /// Ids in `RuleSet::header_words` of `headers` and `negative_headers`, in the same order
    /// (`u32::MAX` for an empty one, which never matches).
    pub header_ids: Vec<u32>,
    pub negative_header_ids: Vec<u32>,
    /// Some context (positive, negative or none) drops a candidate of this rule: the detector
    /// then looks at the context before validating.
    pub can_drop: bool,
    /// The policy gives different levels for positive, negative and no context: otherwise
    /// the context is not looked at.
    pub context_matters: bool,
}

impl Rule {
    pub fn id(&self) -> &str {
        &self.spec.id
    }
}

/// A rule's pattern, compiled the first time a scan needs it. Compiling every rule's regex
/// was a third of start-up (~50M instructions, ~5 ms), paid by every process even when a
/// scan of a few files uses three rules; a long scan compiles each once, on a worker.
/// Built-in patterns are known to compile (a test compiles each); a user's pattern is
/// compiled when it is loaded, so that its errors are reported then.
#[derive(Debug, Default)]
pub struct LazyRegex {
    pattern: Option<String>,
    cell: std::sync::OnceLock<meta::Regex>,
}

impl LazyRegex {
    fn new(pattern: &str) -> LazyRegex {
        LazyRegex {
            pattern: Some(pattern.to_string()),
            cell: std::sync::OnceLock::new(),
        }
    }

    fn build(pattern: &str) -> Result<meta::Regex> {
        Ok(meta::Regex::builder()
            .syntax(syntax_config())
            .build(pattern)?)
    }

    /// Compile now (a user's rule), keeping the error. None: no pattern.
    fn compile(&self) -> Option<Result<&meta::Regex>> {
        let p = self.pattern.as_deref()?;
        Some(match self.cell.get() {
            Some(re) => Ok(re),
            None => Self::build(p).map(|re| self.cell.get_or_init(|| re)),
        })
    }

    /// The compiled regex (None: a structured rule, which has no pattern).
    #[inline]
    pub fn get(&self) -> Option<&meta::Regex> {
        let p = self.pattern.as_deref()?;
        Some(self.cell.get_or_init(|| {
            Self::build(p).expect(
                "built-in rule patterns compile (tested); user patterns are compiled at load",
            )
        }))
    }
}

/// The capture index of the group named `value` in `h` (0 when there is none).
fn value_group_of(h: &regex_syntax::hir::Hir) -> usize {
    use regex_syntax::hir::HirKind;
    match h.kind() {
        HirKind::Capture(c) if c.name.as_deref() == Some("value") => c.index as usize,
        HirKind::Capture(c) => value_group_of(&c.sub),
        HirKind::Repetition(r) => value_group_of(&r.sub),
        HirKind::Concat(hs) | HirKind::Alternation(hs) => {
            hs.iter().map(value_group_of).max().unwrap_or(0)
        }
        _ => 0,
    }
}

/// Text rules searched together by one automaton: the rules of one gate kind (digit tokens,
/// `@` tokens, windows).
#[derive(Debug)]
pub struct Group {
    /// Pattern i of the automata is rule `rules[i]` (in priority order).
    pub rules: Vec<usize>,
    /// Leftmost-first over the group's patterns.
    pub combined: meta::Regex,
    /// The same patterns with all-matches semantics: which rules match at a given place.
    pub combined_all: meta::Regex,
    /// The same again as a fully built anchored DFA, for the digit-token group (None for the
    /// others: the `@` group's takes 1.5 ms to build for rare tokens, the keyword group's
    /// 3 ms; and None when a DFA would be too big).
    pub anchored: Option<super::anchored::AnchoredSet>,
    /// The keyword group's anchored DFA for the cells of table columns named for its rules
    /// (see `Detector::literal_candidates`): built on first use, as only tables need it.
    pub cell_walks: std::sync::OnceLock<Option<super::anchored::AnchoredSet>>,
    /// The group's patterns, in the order of `rules` (for `cell_walks`).
    pub patterns: Vec<String>,
    /// Every byte a match of any of the group's rules can contain.
    pub alphabet: super::tokens::Alphabet,
    /// Per pattern: the fewest digits, capitals and `@` a match holds.
    pub mins: super::tokens::Mins,
    /// Per rule index (of the whole set): its rank in `RuleSet::text_rules`.
    pub rank: Vec<u32>,
}

/// The literals of the keyword and label gates: one vectorized pass over a chunk finds them
/// all; `users[i]` says which rules literal `i` gates (rule, and whether it is a keyword of a
/// keyword-gated rule or the start of a labelled one).
#[derive(Debug)]
pub struct LiteralGate {
    pub teddy: super::teddy::CaseTeddy,
    pub users: Vec<Vec<(usize, bool)>>,
    /// Aligned with `users`: for a label, the bytes that may follow it after any spaces
    /// ([`super::gate::follow_after_label`]); None: no such test.
    pub follow: Vec<Vec<Option<Box<[bool; 256]>>>>,
    /// The farthest a keyword can be from the start of a value it labels, over every
    /// keyword-gated rule (context window plus longest match).
    pub reach: usize,
    /// Every rule gated here needs a digit in its match (by its pattern or its validator):
    /// text with no digit after the chunk start is not looked at.
    pub needs_digit: bool,
}

/// All rules, compiled: the gates and automata over the text rules, the keyword automaton,
/// and the per-rule regexes that extract the value.
#[derive(Debug)]
pub struct RuleSet {
    pub rules: Vec<Rule>,
    /// Text rules in priority order.
    pub text_rules: Vec<usize>,
    /// Per rule: its place in `text_rules` (ties between rules at one position go to the
    /// lower rank).
    pub rank: Vec<u32>,
    pub column_rules: Vec<usize>,
    /// Per rule: its first stage (see `gate`); `Window` for rules that are not text rules.
    pub gates: Vec<super::gate::Gate>,
    pub literal_gate: Option<LiteralGate>,
    /// Every keyword-gated rule, and the longest match among them.
    pub keyword_group: Option<Group>,
    pub keyword_max_len: usize,
    pub digit_group: Option<Group>,
    pub at_group: Option<Group>,
    pub window_group: Option<Group>,
    pub keywords: AhoCorasick,
    /// Keyword strings by id (lowercase).
    pub keyword_list: Vec<String>,
    /// Every rule's normalized header words with their spaces removed. `header_matches(h, k)`
    /// implies that `h` without spaces contains `k` without spaces, so one pass of this
    /// automaton over a header says which words can match at all (a header line is then
    /// classified in one pass, not a substring search per rule and word).
    pub header_words: AhoCorasick,
    pub header_word_count: usize,
    /// SHA-256 over every rule file's bytes, in load order: identifies the rule set in reports.
    pub hash: String,
}

pub fn syntax_config() -> syntax::Config {
    syntax::Config::new().unicode(false).utf8(false).crlf(true)
}

/// Normalize a column header or header keyword: lowercase, anything but letters, digits and
/// `#` becomes a space, spaces collapsed.
pub fn norm_header(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        let c = c.to_ascii_lowercase();
        if c.is_ascii_alphanumeric() || c == '#' {
            out.push(c);
        } else if !out.ends_with(' ') && !out.is_empty() {
            out.push(' ');
        }
    }
    out.trim_end().to_string()
}

/// Does a normalized header contain a normalized header keyword (as whole words, or, for
/// long keywords, with the spaces removed: "PatientID" names "patient id")?
pub fn header_matches(header: &str, kw: &str) -> bool {
    if kw.is_empty() {
        return false;
    }
    // Whole words: every occurrence of kw whose ends sit at word boundaries (a keyword ending
    // in '#' may be followed by anything).
    let (h, k) = (header.as_bytes(), kw.as_bytes());
    let mut from = 0;
    while let Some(i) = memchr::memmem::find(&h[from..], k).map(|i| i + from) {
        let before = i == 0 || h[i - 1] == b' ';
        let end = i + k.len();
        let after = end == h.len() || h[end] == b' ' || kw.ends_with('#');
        if before && after {
            return true;
        }
        from = i + 1;
    }
    // Long keywords also match with the spaces removed: "PatientID" names "patient id".
    if k.iter().filter(|&&b| b != b' ').count() < 6 {
        return false;
    }
    contains_ignoring_spaces(h, k)
}

/// Whether `h` with its spaces removed contains `k` with its spaces removed (no allocation:
/// headers are classified per distinct header line of every text table).
fn contains_ignoring_spaces(h: &[u8], k: &[u8]) -> bool {
    let Some(k0) = k.iter().copied().find(|&b| b != b' ') else {
        return true;
    };
    (0..h.len()).any(|i| {
        if h[i] != k0 {
            return false;
        }
        let mut hs = h[i + 1..].iter().copied().filter(|&b| b != b' ');
        k.iter()
            .copied()
            .filter(|&b| b != b' ')
            .skip(1)
            .all(|c| hs.next() == Some(c))
    })
}

const STRUCTURED_IDS: &[&str] = &[
    "hl7.pid.mrn",
    "hl7.pid.dob",
    "hl7.pid.ssn",
    "hl7.in1.member_id",
    "x12.nm1.member_id",
    "x12.nm1.ssn",
    "x12.nm1.npi",
    "x12.dmg.dob",
    "x12.ref.mrn",
    "fhir.identifier.mrn",
    "fhir.identifier.ssn",
    "fhir.identifier.npi",
    "fhir.birthdate",
    "fhir.coverage.member_id",
    "cda.patient_role.id",
    "cda.id.ssn",
    "cda.birth_time",
];

impl RuleSet {
    /// The built-in rules plus every `*.toml` file in each of `extra_dirs`.
    pub fn load(extra_dirs: &[impl AsRef<Path>]) -> Result<RuleSet> {
        let mut files: Vec<(String, String)> = BUILTIN
            .iter()
            .map(|(n, t)| (format!("builtin:{n}"), t.to_string()))
            .collect();
        for dir in extra_dirs {
            let dir = dir.as_ref();
            let mut paths: Vec<_> = if dir.is_file() {
                vec![dir.to_path_buf()]
            } else {
                std::fs::read_dir(dir)
                    .with_context(|| format!("reading rules directory {}", dir.display()))?
                    .filter_map(|e| e.ok().map(|e| e.path()))
                    .filter(|p| p.extension().is_some_and(|e| e == "toml"))
                    .collect()
            };
            paths.sort();
            for p in paths {
                let text = std::fs::read_to_string(&p)
                    .with_context(|| format!("reading rule file {}", p.display()))?;
                files.push((p.display().to_string(), text));
            }
        }
        Self::from_sources(&files)
    }

    pub fn from_sources(files: &[(String, String)]) -> Result<RuleSet> {
        let mut hasher = Sha256::new();
        let mut specs: Vec<(RuleSpec, String)> = Vec::new();
        for (name, text) in files {
            hasher.update(name.trim_start_matches("builtin:").as_bytes());
            hasher.update([0]);
            hasher.update(text.as_bytes());
            hasher.update([0]);
            let file: RuleFile =
                toml::from_str(text).with_context(|| format!("parsing rule file {name}"))?;
            for r in file.rule {
                specs.push((r, name.clone()));
            }
        }
        let hash = hex::encode(hasher.finalize());

        // Ids are unique; a user file may not silently replace a built-in rule.
        let mut seen = std::collections::HashSet::new();
        for (s, src) in &specs {
            if !seen.insert(s.id.clone()) {
                bail!("duplicate rule id {:?} (in {src})", s.id);
            }
        }

        // Keywords: one automaton for all rules.
        let mut keyword_list: Vec<String> = Vec::new();
        let kw_id = |list: &mut Vec<String>, k: &str| -> usize {
            let k = k.to_ascii_lowercase();
            match list.iter().position(|x| *x == k) {
                Some(i) => i,
                None => {
                    list.push(k);
                    list.len() - 1
                }
            }
        };
        let mut kw_ids: Vec<(Vec<usize>, Vec<usize>)> = Vec::new();
        for (s, _) in &specs {
            let pos = s
                .keywords
                .iter()
                .flat_map(|k| keyword_spellings(k))
                .map(|k| kw_id(&mut keyword_list, &k))
                .collect();
            let neg = s
                .negative_keywords
                .iter()
                .flat_map(|k| keyword_spellings(k))
                .map(|k| kw_id(&mut keyword_list, &k))
                .collect();
            kw_ids.push((pos, neg));
            // Column-header words are in the automaton too (they find header lines of text
            // tables), with no context meaning of their own.
            for h in s.headers.iter().chain(&s.negative_headers) {
                kw_id(&mut keyword_list, h);
            }
        }
        // The two word automata are built on their own threads while the rules, gates and
        // prefilters are made here (with the anchored DFA's thread, start-up is ~3 threads
        // of work; the automata were ~25M instructions of the main thread's ~95M).
        let keywords = {
            let list = keyword_list.clone();
            std::thread::spawn(move || {
                AhoCorasickBuilder::new()
                    .ascii_case_insensitive(true)
                    .kind(Some(aho_corasick::AhoCorasickKind::DFA))
                    .match_kind(MatchKind::Standard)
                    .build(&list)
            })
        };

        let mut rules = Vec::new();
        let mut hirs = Vec::new();
        let mut header_word_list: Vec<String> = Vec::new();
        for ((spec, source), (pos, neg)) in specs.into_iter().zip(kw_ids) {
            let mut kw_class = vec![0i8; keyword_list.len()];
            for i in neg {
                kw_class[i] = -1;
            }
            for i in pos {
                kw_class[i] = 1;
            }
            if let Some(v) = &spec.validator {
                if !validate::NAMES.contains(&v.as_str()) {
                    bail!(
                        "rule {}: unknown validator {v:?} (known: {})",
                        spec.id,
                        validate::NAMES.join(", ")
                    );
                }
            }
            // Parsed once: for the value group, and for the gates below.
            let hir = spec.pattern.as_deref().and_then(super::gate::parse);
            let (regex, value_group) = match (spec.scope, &spec.pattern) {
                (Scope::Structured, _) => {
                    if !STRUCTURED_IDS.contains(&spec.id.as_str()) {
                        bail!(
                            "rule {}: scope = \"structured\" is only for the built-in parsers",
                            spec.id
                        );
                    }
                    (LazyRegex::default(), 0)
                }
                (_, None) => bail!("rule {}: a pattern is required", spec.id),
                (_, Some(p)) => {
                    let re = LazyRegex::new(p);
                    let builtin = source.starts_with("builtin:");
                    match &hir {
                        Some(h) if builtin => {
                            let g = value_group_of(h);
                            (re, g)
                        }
                        _ => {
                            let g = re
                                .compile()
                                .expect("a rule with a pattern")
                                .with_context(|| {
                                    format!("rule {}: compiling its pattern", spec.id)
                                })?
                                .group_info()
                                .to_index(regex_automata::PatternID::ZERO, "value")
                                .unwrap_or(0);
                            (re, g)
                        }
                    }
                }
            };
            let whole_value =
                value_group == 0 || hir.as_ref().is_some_and(super::gate::value_is_whole);
            hirs.push(hir);
            let norm = |v: &Vec<String>| v.iter().map(|h| norm_header(h)).collect::<Vec<_>>();
            let headers = if spec.headers.is_empty() {
                norm(&spec.keywords)
            } else {
                norm(&spec.headers)
            };
            let negative_headers = if spec.negative_headers.is_empty() {
                norm(&spec.negative_keywords)
            } else {
                norm(&spec.negative_headers)
            };
            let mut word_id = |h: &String| -> u32 {
                let squeezed: String = h.chars().filter(|&c| c != ' ').collect();
                if squeezed.is_empty() {
                    return u32::MAX;
                }
                let i = header_word_list
                    .iter()
                    .position(|x| *x == squeezed)
                    .unwrap_or_else(|| {
                        header_word_list.push(squeezed);
                        header_word_list.len() - 1
                    });
                i as u32
            };
            let header_ids = headers.iter().map(&mut word_id).collect();
            let negative_header_ids = negative_headers.iter().map(&mut word_id).collect();
            let p = spec.confidence;
            let can_drop = [p.base, p.context, p.negative].contains(&Level::Drop);
            let context_matters = p.base != p.context || p.base != p.negative;
            rules.push(Rule {
                can_drop,
                context_matters,
                spec,
                source,
                regex,
                value_group,
                whole_value,
                kw_class,
                headers,
                negative_headers,
                header_ids,
                negative_header_ids,
            });
        }

        let header_words = {
            let list = header_word_list.clone();
            std::thread::spawn(move || {
                AhoCorasickBuilder::new()
                    .kind(Some(aho_corasick::AhoCorasickKind::DFA))
                    .match_kind(MatchKind::Standard)
                    .build(&list)
            })
        };

        let mut text_rules: Vec<usize> = (0..rules.len())
            .filter(|&i| rules[i].spec.scope == Scope::Text)
            .collect();
        text_rules.sort_by_key(|&i| std::cmp::Reverse(rules[i].spec.priority));
        let column_rules = (0..rules.len())
            .filter(|&i| rules[i].spec.scope == Scope::Column)
            .collect();
        let mut rank = vec![u32::MAX; rules.len()];
        for (i, &ri) in text_rules.iter().enumerate() {
            rank[ri] = i as u32;
        }
        // Gates (see gate.rs): each text rule's first stage, from its pattern and policy.
        let mut gates = vec![Gate::Window; rules.len()];
        let mut shapes = vec![None; rules.len()];
        for &ri in &text_rules {
            let r = &rules[ri];
            let Some(h) = &hirs[ri] else {
                continue;
            };
            let (g, sh) = super::gate::gate_for(&r.spec, h);
            gates[ri] = g;
            shapes[ri] = Some(sh);
        }
        let mut lits: Vec<Literal> = Vec::new();
        let mut users: Vec<Vec<(usize, bool)>> = Vec::new();
        let mut reach = 0;
        let mut needs_digit = true;
        let mut add = |l: Literal, user: (usize, bool)| {
            let i = match lits.iter().position(|x| *x == l) {
                Some(i) => i,
                None => {
                    lits.push(l);
                    users.push(Vec::new());
                    lits.len() - 1
                }
            };
            if !users[i].contains(&user) {
                users[i].push(user);
            }
        };
        for &ri in &text_rules {
            if matches!(gates[ri], Gate::Keywords { .. } | Gate::Labels(_)) {
                let v = rules[ri]
                    .spec
                    .validator
                    .as_deref()
                    .map_or(0, validate::min_digits);
                let pattern = shapes[ri].as_ref().map_or(0, |s| s.min_digits);
                needs_digit &= v.max(pattern) >= 1;
            }
            match &gates[ri] {
                Gate::Keywords { max_len } => {
                    let w = rules[ri].spec.window;
                    reach = reach.max(w.before + w.after + max_len);
                    for k in rules[ri]
                        .spec
                        .keywords
                        .iter()
                        .flat_map(|k| keyword_spellings(k))
                    {
                        let l = Literal {
                            bytes: k.to_ascii_lowercase().into_bytes(),
                            word_end: true,
                            word_start: true,
                        };
                        add(l, (ri, true));
                    }
                }
                Gate::Labels(ls) => {
                    for l in ls {
                        add(l.clone(), (ri, false));
                    }
                }
                _ => {}
            }
        }
        // Per labelled rule, one automaton for all its literals: worked out on a thread of
        // its own (~14M instructions with the built-in rules) while the groups are built.
        let follow_of = || {
            let mut follow: Vec<Vec<Option<Box<[bool; 256]>>>> =
                users.iter().map(|us| vec![None; us.len()]).collect();
            for &ri in &text_rules {
                let (Gate::Labels(_), Some(pattern)) =
                    (&gates[ri], rules[ri].spec.pattern.as_deref())
                else {
                    continue;
                };
                let mine: Vec<(usize, usize)> = users
                    .iter()
                    .enumerate()
                    .flat_map(|(li, us)| us.iter().position(|&u| u == (ri, false)).map(|k| (li, k)))
                    .collect();
                let bytes: Vec<&[u8]> = mine.iter().map(|&(li, _)| &lits[li].bytes[..]).collect();
                for ((li, k), f) in mine
                    .into_iter()
                    .zip(super::gate::follow_after_label(pattern, &bytes))
                {
                    follow[li][k] = f;
                }
            }
            follow
        };
        let group = |want: fn(&Gate) -> bool, with_dfa: bool| -> Result<Option<Group>> {
            let members: Vec<usize> = text_rules
                .iter()
                .copied()
                .filter(|&ri| want(&gates[ri]))
                .collect();
            if members.is_empty() {
                return Ok(None);
            }
            let patterns: Vec<&str> = members
                .iter()
                .map(|&i| rules[i].spec.pattern.as_deref().unwrap_or(""))
                .collect();
            let combined = meta::Regex::builder()
                .syntax(syntax_config())
                .configure(
                    meta::Config::new()
                        .match_kind(regex_automata::MatchKind::LeftmostFirst)
                        .auto_prefilter(false),
                )
                .build_many(&patterns)
                .context("building a combined automaton")?;
            let combined_all = meta::Regex::builder()
                .syntax(syntax_config())
                .configure(
                    meta::Config::new()
                        .match_kind(regex_automata::MatchKind::All)
                        .auto_prefilter(false),
                )
                .build_many(&patterns)
                .context("building a combined automaton")?;
            let mut alphabet = [false; 256];
            let mut mins = Vec::new();
            let mut split_spaces = true;
            for &ri in &members {
                match &shapes[ri] {
                    Some(sh) => {
                        for (a, b) in alphabet.iter_mut().zip(sh.alphabet) {
                            *a |= b;
                        }
                        mins.push((sh.min_digits, sh.min_upper, sh.min_at));
                        split_spaces &= sh.spaces.splittable();
                    }
                    None => {
                        alphabet = [true; 256];
                        mins.push((0, 0, 0));
                        split_spaces = false;
                    }
                }
            }
            let anchored = if with_dfa {
                super::anchored::AnchoredSet::new(&patterns)
            } else {
                None
            };
            Ok(Some(Group {
                rank: rank.clone(),
                rules: members,
                combined,
                combined_all,
                anchored,
                cell_walks: std::sync::OnceLock::new(),
                patterns: patterns.iter().map(|p| p.to_string()).collect(),
                alphabet: super::tokens::Alphabet::new(alphabet).split_spaces(split_spaces),
                mins: super::tokens::Mins::new(mins),
            }))
        };
        let (follow, teddy, keyword_group, digit_group, at_group, window_group) =
            std::thread::scope(|s| -> Result<_> {
                let follow = s.spawn(follow_of);
                let teddy = (!lits.is_empty()).then(|| super::teddy::CaseTeddy::new(&lits));
                let keyword_group = group(|g| matches!(g, Gate::Keywords { .. }), false)?;
                let digit_group = group(|g| *g == Gate::Digits, true)?;
                let at_group = group(|g| *g == Gate::At, false)?;
                let window_group = group(|g| *g == Gate::Window, false)?;
                let follow = follow
                    .join()
                    .map_err(|_| anyhow::anyhow!("working out what follows labels panicked"))?;
                Ok((
                    follow,
                    teddy,
                    keyword_group,
                    digit_group,
                    at_group,
                    window_group,
                ))
            })?;
        let literal_gate = teddy.map(|teddy| LiteralGate {
            teddy,
            users,
            follow,
            reach,
            needs_digit,
        });
        let keyword_max_len = gates
            .iter()
            .filter_map(|g| match g {
                Gate::Keywords { max_len } => Some(*max_len),
                _ => None,
            })
            .max()
            .unwrap_or(0);

        let joined = |h: std::thread::JoinHandle<Result<AhoCorasick, aho_corasick::BuildError>>,
                      what: &str| {
            h.join()
                .map_err(|_| anyhow::anyhow!("building the {what} automaton panicked"))?
                .with_context(|| format!("building the {what} automaton"))
        };
        let header_words = joined(header_words, "header-word")?;
        let keywords = joined(keywords, "keyword")?;
        Ok(RuleSet {
            header_words,
            header_word_count: header_word_list.len(),
            rules,
            text_rules,
            rank,
            column_rules,
            gates,
            literal_gate,
            keyword_group,
            keyword_max_len,
            digit_group,
            at_group,
            window_group,
            keywords,
            keyword_list,
            hash,
        })
    }

    pub fn by_id(&self, id: &str) -> Option<usize> {
        self.rules.iter().position(|r| r.spec.id == id)
    }
}

/// A keyword as it is written in text, and, when it has several words, as exports and code
/// name their fields: `date_of_birth`, `date-of-birth`, `dateofbirth` (matched without case:
/// `dateOfBirth`).
pub fn keyword_spellings(k: &str) -> Vec<String> {
    let mut v = vec![k.to_string()];
    if k.contains(' ') && k.chars().all(|c| c.is_ascii_alphanumeric() || c == ' ') {
        v.push(k.replace(' ', "_"));
        v.push(k.replace(' ', "-"));
        v.push(k.replace(' ', ""));
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Built-in patterns are compiled on first use: each must compile, and the value group
    /// read from its parsed pattern at load must be the compiled regex's.
    #[test]
    fn every_builtin_pattern_compiles_with_its_value_group() {
        let rules = RuleSet::load(&[] as &[&Path]).unwrap();
        let mut n = 0;
        for r in &rules.rules {
            let Some(p) = r.spec.pattern.as_deref() else {
                continue;
            };
            assert!(r.regex.cell.get().is_none(), "{}: compiled at load", r.id());
            let re = LazyRegex::build(p).unwrap_or_else(|e| panic!("{}: {e}", r.id()));
            let want = re
                .group_info()
                .to_index(regex_automata::PatternID::ZERO, "value")
                .unwrap_or(0);
            assert_eq!(r.value_group, want, "{}", r.id());
            assert!(r.regex.get().is_some());
            n += 1;
        }
        assert!(n > 20);
    }

    #[test]
    fn header_words() {
        assert!(header_matches("patientid", "patient id"));
        assert!(header_matches("x patient idno", "patient id"));
        assert!(header_matches("date of birth", "date of birth"));
        assert!(!header_matches("patient", "patient id"));
        assert!(!header_matches("patienti d", "patient ids"));
        assert!(contains_ignoring_spaces(b"a b c", b"abc"));
        assert!(contains_ignoring_spaces(b"xxab c", b"a bc"));
        assert!(!contains_ignoring_spaces(b"ab", b"abc"));
        assert!(contains_ignoring_spaces(b"ab", b" "));
    }

    #[test]
    fn builtin_digit_tokens_split_at_double_spaces() {
        // Every built-in digit-gated rule keeps its spaces single and inside the match, so a
        // space-aligned table row is cut into its cells before any automaton runs.
        let rules = RuleSet::load(&[] as &[&Path]).unwrap();
        let g = rules.digit_group.as_ref().unwrap();
        assert!(g.alphabet.set[b' ' as usize]);
        assert!(g.alphabet.split_spaces);
    }

    #[test]
    fn whole_value_rules_have_their_value_as_the_whole_match() {
        // The detector confirms these without captures: on every example, wherever the rule
        // matches, the value group must be the match.
        let rules = RuleSet::load(&[] as &[&Path]).unwrap();
        let mut checked = 0;
        for r in rules.rules.iter().filter(|r| r.whole_value) {
            // Structured rules have no pattern: their parsers give the value.
            let Some(re) = r.regex.get() else { continue };
            let mut caps = re.create_captures();
            for ex in r.spec.examples.iter().chain(&r.spec.negative_examples) {
                for at in 0..ex.len() {
                    let input = regex_automata::Input::new(ex.as_bytes())
                        .range(at..)
                        .anchored(regex_automata::Anchored::Yes);
                    re.search_captures(&input, &mut caps);
                    let Some(m) = caps.get_match() else { continue };
                    let v = caps.get_group(r.value_group).unwrap_or(m.span());
                    assert_eq!(v, m.span(), "{} on {ex:?}", r.spec.id);
                    checked += 1;
                }
            }
        }
        assert!(checked > 50, "{checked}");
        // And the labelled rules, whose value follows a label, are not among them.
        let mrn = &rules.rules[rules.by_id("us.mrn.label").unwrap()];
        assert!(!mrn.whole_value);
        assert!(rules.rules[rules.by_id("us.ssn.formatted").unwrap()].whole_value);
        // A phone's extension is inside its value (the validator leaves it out of the number).
        assert!(rules.rules[rules.by_id("contact.phone.formatted").unwrap()].whole_value);
    }
}
