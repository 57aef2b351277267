//! orgmap keeps the mapping between an MSP's customer organizations and their IDs in external
//! systems (PSA, RMM, Microsoft 365, ...), for admins in a terminal and for workflow scripts.
//!
//! The binary is a thin shell over [`cli::main`]; Rust programs can use [`workflow::Workflow`]
//! directly.

pub mod cli;
mod commands;
pub mod config;
mod context;
pub mod domain;
pub mod error;
pub mod matching;
pub mod memory;
pub mod ops;
pub mod output;
mod prompt;
pub mod providers;
pub mod secrets;
pub mod store;
pub mod template;
pub mod workflow;
