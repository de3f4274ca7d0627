//! Integration tests: one binary, the real `phiscan` CLI on temp trees.

mod harness;

mod containers;
mod corpus;
mod documents;
mod html_report;
mod rules;
mod scan;
mod store;
mod walk;
