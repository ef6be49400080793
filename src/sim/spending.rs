//! Everyday spending: how many purchases a day (weekday/weekend and seasonal effects) and how
//! large, scaled so the expected spend per day matches the profile's budget.

use super::merchants::{Merchant, DISCRETIONARY};
use crate::archetypes::between;
use crate::model::Cents;
use chrono::{Datelike, NaiveDate};
use rand::RngExt;
use rand_chacha::ChaCha8Rng;
use std::sync::OnceLock;

/// Purchases per day by weekday, Monday first (weekends busier).
const WEEKDAY: [f64; 7] = [0.85, 0.85, 0.9, 0.95, 1.15, 1.35, 1.2];
/// Spending by month, January first (holiday season high, January low).
const SEASON: [f64; 12] = [
    0.9, 0.93, 0.98, 1.0, 1.0, 1.03, 1.05, 1.04, 0.98, 1.0, 1.08, 1.22,
];

fn catalog_mean() -> f64 {
    static MEAN: OnceLock<f64> = OnceLock::new();
    *MEAN.get_or_init(|| {
        let w: u32 = DISCRETIONARY.iter().map(|m| m.weight).sum();
        DISCRETIONARY
            .iter()
            .map(|m| m.weight as f64 * (m.lo + m.hi) as f64 / 2.0)
            .sum::<f64>()
            / w as f64
    })
}

#[derive(Debug, Clone, Copy)]
pub struct Spender {
    lambda: f64,
    scale: f64,
}

impl Spender {
    pub fn new(daily_spend: Cents) -> Spender {
        let e = catalog_mean();
        let lambda = (daily_spend as f64 / e).clamp(0.6, 4.5);
        Spender {
            lambda,
            scale: (daily_spend as f64 / (lambda * e)).max(0.05),
        }
    }

    /// Number of purchases on `date` (Poisson).
    pub fn count(&self, date: NaiveDate, rng: &mut ChaCha8Rng) -> u32 {
        let l = self.lambda
            * WEEKDAY[date.weekday().num_days_from_monday() as usize]
            * SEASON[date.month0() as usize];
        let limit = (-l).exp();
        let mut k = 0;
        let mut p = rng.random::<f64>();
        while p > limit && k < 30 {
            k += 1;
            p *= rng.random::<f64>();
        }
        k
    }

    /// A purchase: merchant and amount in cents (at least $1).
    pub fn purchase(&self, rng: &mut ChaCha8Rng) -> (&'static Merchant, Cents) {
        let m = super::merchants::pick_weighted(DISCRETIONARY, rng.random::<u32>());
        let base = between(rng, m.lo as f64, m.hi as f64);
        (m, ((base * self.scale).round() as Cents).max(100))
    }
}
