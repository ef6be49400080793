//! Runs the simulation for a whole configuration: users in chunks, each chunk in parallel (rayon),
//! collected in user order so the thread count never changes a byte.

use crate::config::Config;
use crate::detect::UserSignals;
use crate::error::{Error, Result};
use crate::model::UserData;
use crate::plan::{self, Slot};
use crate::sim::{simulate_draw, Window};
use rayon::prelude::*;

/// Users simulated between two progress reports (and interrupt checks).
pub const CHUNK: usize = 512;

/// A part of a run: shard `index` of `count` holds users `index * n / count` to
/// `(index + 1) * n / count` (exclusive) of the run's `n` users. The shards of a run, in order,
/// hold every user once, and each user's records are the same bytes as in the whole run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub index: u64,
    pub count: u64,
}

impl Shard {
    /// Checks `index < count <= n_users`.
    pub fn new(index: u64, count: u64, n_users: u64) -> Result<Shard> {
        if count == 0 || count > n_users {
            return Err(Error::invalid(
                "shard",
                format!("{count} shards of {n_users} users"),
                format!("a shard count from 1 to n_users ({n_users})"),
            ));
        }
        if index >= count {
            return Err(Error::invalid(
                "shard",
                format!("shard {index} of {count}"),
                format!("a shard index from 0 to {}", count - 1),
            ));
        }
        Ok(Shard { index, count })
    }

    /// The user indexes of this shard.
    pub fn range(self, n_users: u64) -> std::ops::Range<u64> {
        let at = |k: u64| ((k as u128 * n_users as u128) / self.count as u128) as u64;
        at(self.index)..at(self.index + 1)
    }

    /// `k/n`, as the command line takes it.
    pub fn label(self) -> String {
        format!("{}/{}", self.index, self.count)
    }
}

/// A generated dataset: the configuration and the records of its users (all of them, or one
/// shard's), in user order.
#[derive(Debug, Clone)]
pub struct Dataset {
    pub config: Config,
    pub window: Window,
    /// `None` for a whole run.
    pub shard: Option<Shard>,
    pub users: Vec<UserData>,
}

impl Dataset {
    /// The user indexes this dataset holds.
    pub fn user_range(&self) -> std::ops::Range<u64> {
        match self.shard {
            Some(s) => s.range(self.config.n_users),
            None => 0..self.config.n_users,
        }
    }
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
    generate_shard(config, threads, None, progress)
}

/// [`generate`] for one shard of the run (`None`: the whole run).
pub fn generate_shard(
    config: &Config,
    threads: Option<usize>,
    shard: Option<Shard>,
    progress: &mut dyn FnMut(u64, u64) -> Result<()>,
) -> Result<Dataset> {
    let mut users = Vec::new();
    for_each_chunk(config, threads, shard, &mut |chunk, done, total| {
        users.extend(chunk);
        progress(done, total)
    })?;
    Ok(Dataset {
        config: config.clone(),
        window: window(config),
        shard,
        users,
    })
}

/// The most worker threads a run takes. More only costs: each thread has its own stack and
/// buffers, and a run of 10 users with 2,000 threads took 10 s and 400 MB (0.4 s with 2).
pub const MAX_THREADS: usize = 1024;

/// A pool of `threads` worker threads (`None`: one per core) for a run's parallel work.
pub fn pool(threads: Option<usize>) -> Result<rayon::ThreadPool> {
    if let Some(n) = threads.filter(|n| !(1..=MAX_THREADS).contains(n)) {
        return Err(Error::invalid(
            "threads",
            format!("{n} threads"),
            format!("1 to {MAX_THREADS}, or None for all cores"),
        ));
    }
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads.unwrap_or(0))
        .build()
        .map_err(|e| Error::invalid("threads", e.to_string(), "a thread count the OS allows"))
}

/// The most draws of one user; past them the last draw is kept (and the detector's report shows
/// the user as a mismatch). No user of the configurations tested needs more than two.
pub const MAX_DRAWS: u32 = 16;

/// User `index` of a run of `n_users`, as every output has it: simulated, then held to its labels
/// by the detector's own rules on its records ([`crate::detect::shows_its_label`]). A draw whose
/// data would show other personas in a window (rare: a few users in 100,000, where a payment
/// lands on a thin checking balance) is discarded and the user simulated again from
/// its next stream ([`crate::sim::simulate_draw`]), so the labels are true of every user written.
/// Which draw is kept depends only on the seed, the user's index and the window, never on
/// threads or shards.
pub fn user(seed: u64, index: u64, n_users: u64, slot: &Slot, w: &Window) -> UserData {
    drawn(seed, index, n_users, slot, w).data
}

/// A user as [`user`] keeps it, with what the check found on the way.
pub struct Drawn {
    pub data: UserData,
    /// The signals the check computed (for the detector to reuse: [`crate::detect::run_with`]).
    pub signals: UserSignals,
    /// How many draws it took: 1 when the first draw held its labels.
    pub draws: u32,
}

/// [`user`], with its signals and the number of draws.
pub fn drawn(seed: u64, index: u64, n_users: u64, slot: &Slot, w: &Window) -> Drawn {
    let mut draws = 0;
    loop {
        let data = simulate_draw(seed, index, n_users, slot, w, false, draws).data;
        draws += 1;
        let (signals, holds) = crate::detect::check_label(&data, w.end(), w.n_days as u32);
        if holds || draws == MAX_DRAWS {
            return Drawn {
                data,
                signals,
                draws,
            };
        }
    }
}

/// Simulates the users of `shard` (`None`: all) in chunks of [`CHUNK`], each chunk in parallel,
/// and hands each chunk, in user order, to `f(chunk, users done, users in all)`. Nothing is kept
/// between chunks, so memory does not grow with the number of users.
pub fn for_each_chunk(
    config: &Config,
    threads: Option<usize>,
    shard: Option<Shard>,
    f: &mut dyn FnMut(Vec<UserData>, u64, u64) -> Result<()>,
) -> Result<()> {
    let pool = pool(threads)?;
    for_each_chunk_in(config, &pool, shard, f)
}

/// [`for_each_chunk`] on the workers of `pool`.
pub fn for_each_chunk_in(
    config: &Config,
    pool: &rayon::ThreadPool,
    shard: Option<Shard>,
    f: &mut dyn FnMut(Vec<UserData>, u64, u64) -> Result<()>,
) -> Result<()> {
    for_each_drawn_chunk_in(config, pool, shard, &mut |users, _, done, total| {
        f(users, done, total)
    })
}

/// [`for_each_chunk_in`], handing over each user's signals too ([`drawn`]).
pub fn for_each_drawn_chunk_in(
    config: &Config,
    pool: &rayon::ThreadPool,
    shard: Option<Shard>,
    f: &mut dyn FnMut(Vec<UserData>, Vec<UserSignals>, u64, u64) -> Result<()>,
) -> Result<()> {
    let n = config.n_users;
    let range = match shard {
        Some(s) => Shard::new(s.index, s.count, n)?.range(n),
        None => 0..n,
    };
    let slots = plan::build(config)?;
    let w = window(config);
    let total = range.end - range.start;
    let mine = &slots[range.start as usize..range.end as usize];
    let mut done = 0u64;
    for (c, chunk) in mine.chunks(CHUNK).enumerate() {
        let base = range.start + (c * CHUNK) as u64;
        let (users, signals): (Vec<UserData>, Vec<UserSignals>) = pool.install(|| {
            chunk
                .par_iter()
                .enumerate()
                .map(|(i, slot)| {
                    let d = drawn(config.seed, base + i as u64, n, slot, &w);
                    (d.data, d.signals)
                })
                .unzip()
        });
        done += users.len() as u64;
        f(users, signals, done, total)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_cover_the_run_once() {
        for n in [1u64, 2, 7, 100, 1001] {
            for count in [1u64, 2, 3, 7] {
                if count > n {
                    continue;
                }
                let mut next = 0;
                for k in 0..count {
                    let r = Shard::new(k, count, n).unwrap().range(n);
                    assert_eq!(r.start, next);
                    assert!(r.end >= r.start);
                    next = r.end;
                }
                assert_eq!(next, n);
            }
        }
        assert!(Shard::new(3, 3, 10).is_err());
        assert!(Shard::new(0, 0, 10).is_err());
        assert!(Shard::new(0, 11, 10).is_err());
    }
}
