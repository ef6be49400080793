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

    /// A purchase: merchant (index into `DISCRETIONARY`) and amount in cents (at least $1).
    pub fn purchase(&self, rng: &mut ChaCha8Rng) -> (usize, Cents) {
        let m = super::merchants::pick_weighted(DISCRETIONARY, rng.random::<u32>());
        let idx = (m as *const Merchant as usize - DISCRETIONARY.as_ptr() as usize)
            / std::mem::size_of::<Merchant>();
        let base = between(rng, m.lo as f64, m.hi as f64);
        (idx, ((base * self.scale).round() as Cents).max(100))
    }
}

/// Gap bands that read as a weekly (4-10 days) or monthly (20-40 days) cadence, wider than any
/// detector's tolerance.
fn cadence_band(gap: u16) -> u8 {
    match gap {
        4..=10 => 1,
        20..=40 => 2,
        _ => 0,
    }
}

/// Everyday merchants must never look recurring to a detector whose lookback is the last 90 days
/// of the window, `[from, end]`. A charge on `today` inside it is refused when, over that
/// merchant's charges since `from` plus this one (three or more), every gap is in one cadence band,
/// or, for a sparse merchant (up to 7 charges), more than half the gaps are. Since every prefix of
/// the final charge list passes, the final list does too. Frequent merchants with irregular gaps
/// (a coffee shop every few days) are not held back.
pub fn cadence_ok(days: &[u16], today: u16, from: u16) -> bool {
    if today < from {
        return true;
    }
    let recent: Vec<u16> = days
        .iter()
        .copied()
        .filter(|&d| d >= from)
        .chain(std::iter::once(today))
        .collect();
    if recent.len() < 3 {
        return true;
    }
    let gaps: Vec<u8> = recent
        .windows(2)
        .map(|w| cadence_band(w[1] - w[0]))
        .collect();
    for band in [1, 2] {
        let k = gaps.iter().filter(|&&b| b == band).count();
        if k == gaps.len() || (recent.len() <= 7 && 2 * k > gaps.len()) {
            return false;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::cadence_ok;

    #[test]
    fn cadence_guard() {
        assert!(cadence_ok(&[], 5, 0));
        assert!(cadence_ok(&[10], 17, 0), "two charges never make a cadence");
        assert!(
            !cadence_ok(&[3, 10], 17, 0),
            "three charges a week apart are refused"
        );
        assert!(
            cadence_ok(&[3, 10], 12, 0),
            "a short gap breaks the cadence"
        );
        assert!(
            !cadence_ok(&[0, 30], 60, 0),
            "three charges a month apart are refused"
        );
        assert!(
            cadence_ok(&[0, 30], 60, 61),
            "before the lookback anything goes"
        );
        assert!(
            !cadence_ok(&[0, 2, 9, 16], 23, 5),
            "only charges inside the lookback count"
        );
        assert!(
            !cadence_ok(&[0, 30, 32], 62, 0),
            "sparse: 2 of 3 gaps monthly is refused"
        );
        // A frequent merchant with mixed gaps is fine even when some gaps are weekly.
        assert!(cadence_ok(&[0, 2, 9, 10, 13, 20, 22, 23], 30, 0));
    }
}
