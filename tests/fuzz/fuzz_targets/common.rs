//! Shared by every fuzz target (included with `#[path]`).
#![allow(dead_code)]

use phiscan::detect::rules::RuleSet;
use phiscan::extract::document::{DocKind, Request};
use std::sync::OnceLock;

/// The built-in rules, loaded once.
pub fn rules() -> &'static RuleSet {
    static R: OnceLock<RuleSet> = OnceLock::new();
    R.get_or_init(|| RuleSet::load(&[] as &[&str]).expect("built-in rules load"))
}

/// Where a finding may start for a chunk `[from, to)`: inside it; a text rule's value may
/// also start a little after `to` when its label starts before it (the match is reported by
/// the chunk where it starts, and the next chunk skips it). Column cells and structured fields
/// are reported by the chunk where the value starts.
pub fn starts_in_chunk(rule: usize, start: usize, from: usize, to: usize) -> bool {
    let r = rules();
    let text_rule = r.text_rules.contains(&rule);
    start >= from && (start < to || (text_rule && start < to + 128))
}

/// A request as the engine sends it to the extractor worker (the path is unused by the
/// in-memory entry points); the text and cell limits are smaller so that one input stays fast.
pub fn request(kind: DocKind) -> Request {
    Request {
        path_hex: String::new(),
        kind,
        max_text: 8 << 20,
        max_cells: 200_000,
    }
}

/// Run a document extractor the way the extractor worker does (engine/isolate.rs): a panic
/// is caught and becomes that file's `error`, so only aborts (stack overflow, out of memory)
/// and hangs are crashes. Each distinct panic site is printed once ("contained panic at ..."),
/// so a run's log lists what production would report as "extractor panicked".
///
/// With PHISCAN_FUZZ_PANICS=1 panics are crashes too (libFuzzer's own hook aborts).
pub fn contained<T>(f: impl FnOnce() -> T) -> Option<T> {
    static HOOK: OnceLock<bool> = OnceLock::new();
    let contain = *HOOK.get_or_init(|| {
        if std::env::var_os("PHISCAN_FUZZ_PANICS").is_some() {
            return false;
        }
        std::panic::set_hook(Box::new(|info| {
            use std::collections::HashSet;
            use std::sync::Mutex;
            static SEEN: OnceLock<Mutex<HashSet<String>>> = OnceLock::new();
            let site = info
                .location()
                .map(|l| format!("{}:{}", l.file(), l.line()))
                .unwrap_or_default();
            let seen = SEEN.get_or_init(|| Mutex::new(HashSet::new()));
            if let Ok(mut s) = seen.lock() {
                if s.insert(site.clone()) {
                    let msg = info
                        .payload()
                        .downcast_ref::<&str>()
                        .map(|s| s.to_string())
                        .or_else(|| info.payload().downcast_ref::<String>().cloned())
                        .unwrap_or_default();
                    let msg: String = msg.chars().take(200).collect();
                    eprintln!("contained panic at {site}: {msg}");
                }
            }
        }));
        true
    });
    if contain {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).ok()
    } else {
        Some(f())
    }
}
