//! End-to-end tests of the `orgmap` binary on a real redb store on disk.

mod common;

mod concurrency;
mod crash;
mod prompt;
