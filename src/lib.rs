//! spendsense-gen: deterministic, Plaid-shaped synthetic personal-finance data from a day-by-day
//! ledger simulation with ground-truth persona labels. See ARCHITECTURE.md for the module map.
//!
//! Data flows one way: [`config`] -> [`plan`] -> [`archetypes`] -> [`sim`] -> [`model`] records ->
//! [`tables`] -> [`sink`]s. The core has no Python in it; `python.rs` (feature `python`) wraps it.

// Money literals are written in cents grouped as dollars_cents: `150_00` is $150.00.
#![allow(clippy::inconsistent_digit_grouping)]

pub mod archetypes;
pub mod config;
pub mod detect;
pub mod error;
pub mod generate;
pub mod ids;
pub mod ingest;
pub mod model;
pub mod plan;
pub mod sim;
pub mod sink;
pub mod tables;

pub use config::Config;
pub use error::{Error, Result};
pub use generate::{generate, Dataset};
pub use ingest::{load, validate};

/// mimalloc instead of the system allocator. Generation allocates and frees a chunk of users
/// at a time on every worker thread; glibc's per-thread arenas kept the freed memory, so a
/// streamed run's RSS kept growing with the number of users although its heap did not.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The generator version recorded in manifests.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

#[cfg(feature = "python")]
mod python;
