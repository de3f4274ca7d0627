//! Integration tests: one binary, the real `phiscan` CLI on temp trees and real FTP servers.

mod ftp_support;
mod harness;

mod containers;
mod corpus;
mod documents;
mod ftp;
mod ftp_fixtures;
mod hostile;
mod html_report;
mod rules;
mod scan;
mod store;
mod walk;
