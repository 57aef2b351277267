//! End-to-end tests of the `orgmap` binary on a real redb store on disk.

mod common;

mod concurrency;
mod crash;
mod prompt;

mod audit_access;
mod config;
mod help;
mod init;
mod integrations;
mod list;
mod mapping;
mod org;
mod output;
mod workflow;
