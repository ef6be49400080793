//! Runs the simulation for a whole configuration: users in chunks, each chunk in parallel (rayon),
//! collected in user order so the thread count never changes a byte.

use crate::config::Config;
use crate::error::{Error, Result};
use crate::model::UserData;
use crate::plan;
use crate::sim::{simulate_user, Window};
use rayon::prelude::*;

/// Users simulated between two progress reports (and interrupt checks).
pub const CHUNK: usize = 512;

/// A generated dataset: the configuration and every user's records, in user order.
#[derive(Debug, Clone)]
pub struct Dataset {
    pub config: Config,
    pub window: Window,
    pub users: Vec<UserData>,
}

pub fn window(config: &Config) -> Window {
    Window::new(config.start_date(), config.end_date)
}

/// Generates every user of `config`. `threads` = `None` uses all cores. `progress(done, total)` is
/// called after each chunk; returning an error (e.g. [`Error::Interrupted`]) stops the run.
pub fn generate(
    config: &Config,
    threads: Option<usize>,
    progress: &mut dyn FnMut(u64, u64) -> Result<()>,
) -> Result<Dataset> {
    if threads == Some(0) {
        return Err(Error::invalid(
            "threads",
            "0 threads",
            "at least 1, or None for all cores",
        ));
    }
    let slots = plan::build(config)?;
    let w = window(config);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads.unwrap_or(0))
        .build()
        .map_err(|e| Error::invalid("threads", e.to_string(), "a thread count the OS allows"))?;
    let total = slots.len() as u64;
    let mut users = Vec::with_capacity(slots.len());
    for (c, chunk) in slots.chunks(CHUNK).enumerate() {
        let base = (c * CHUNK) as u64;
        let part: Vec<UserData> = pool.install(|| {
            chunk
                .par_iter()
                .enumerate()
                .map(|(i, slot)| {
                    simulate_user(config.seed, base + i as u64, total, slot, &w, false).data
                })
                .collect()
        });
        users.extend(part);
        progress(users.len() as u64, total)?;
    }
    Ok(Dataset {
        config: config.clone(),
        window: w,
        users,
    })
}
