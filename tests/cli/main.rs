//! End-to-end tests of the `orgmap` binary on a real redb store on disk and, for the
//! store-agnostic suites run with `ORGMAP_TEST_BACKEND=postgres` and the PostgreSQL tests, on a
//! real PostgreSQL server (see `scripts/with-postgres`).

mod common;
mod pg;

mod concurrency;
mod coverage;
mod crash;
mod fixture;
mod prompt;
mod pty;

mod audit_access;
mod config;
mod connection;
mod discovery;
mod discovery_apis;
mod errors;
mod files;
mod fixture_apis;
mod fixture_faults;
mod fixture_tls;
mod hardening;
mod help;
mod hostile;
mod include;
mod init;
mod integrations;
mod list;
mod mapping;
mod org;
mod output;
mod pagination;
mod postgres;
mod properties;
mod readme;
mod reconcile;
mod records;
mod roundtrip;
mod secrets;
mod streaming;
mod terminal;
mod validation;
mod workflow;
