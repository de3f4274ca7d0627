//! phiscan: find protected health information on file shares and write a data-location
//! inventory. The pipeline, and who owns what (DESIGN.md):
//!
//! sources (`source`) → extraction (`extract`) → detection (`detect`) → the engine
//! (`engine`, the only owner of threads) → the inventory (`inventory`, one writer).

pub mod cli;
pub mod detect;
pub mod engine;
pub mod extract;
pub mod inventory;
pub mod source;

/// Helpers shared by the unit tests.
#[cfg(test)]
pub(crate) mod testutil {
    /// A xorshift generator: random test values, the same on every run.
    pub fn xorshift(mut seed: u64) -> impl FnMut() -> u64 {
        move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        }
    }
}
