//! End-to-end tests of the `orgmap` binary on a real redb store on disk.

mod common;

mod concurrency;
mod crash;
mod fixture;
mod prompt;

mod audit_access;
mod config;
mod connection;
mod discovery;
mod discovery_apis;
mod fixture_apis;
mod fixture_faults;
mod fixture_tls;
mod hardening;
mod help;
mod hostile;
mod init;
mod integrations;
mod list;
mod mapping;
mod org;
mod output;
mod properties;
mod validation;
mod workflow;
