//! Integration tests: one binary, the real `phiscan` CLI on temp trees.

mod harness;

mod corpus;
mod rules;
mod scan;
mod walk;
