//! Integration tests: one binary, the real `phiscan` CLI on temp trees.

mod harness;

mod containers;
mod corpus;
mod documents;
mod rules;
mod scan;
mod walk;
