//! Savings builders: automatic transfers of $300-$1,500 from checking to a savings, money market or
//! HSA account (at most $356 to an HSA: the IRS's yearly family limit over 24 transfers) on the
//! 2nd and 16th of every month (any 30-day window holds at least one, so net inflow is at least
//! $300 in 30 days and $600 a month on average: 1.5-3x the $200 threshold),
//! and every card kept under 20% utilization (purchases that would pass 20% are declined).

use super::stable::{base, low_card};
use super::*;
use crate::model::Persona;

pub const INCOME_RANGE: (f64, f64) = (60_000.0, 170_000.0);

/// The IRS's 2025 limit on HSA contributions for family coverage, in cents.
pub const HSA_YEARLY_LIMIT: Cents = 8_550_00;

pub fn build(demo: &Demographics, w: &Window, rng: &mut ChaCha8Rng) -> Profile {
    let mut p = base(demo, w, rng, INCOME_RANGE);
    apply(&mut p, rng);
    p.finish();
    p
}

pub fn apply(p: &mut Profile, rng: &mut ChaCha8Rng) {
    p.personas.insert(Persona::SavingsBuilder);
    let subtype = match rng.random_range(0..10) {
        0..=6 => AccountSubtype::Savings,
        7..=8 => AccountSubtype::MoneyMarket,
        _ => AccountSubtype::Hsa,
    };
    let mut per_transfer =
        round_to(p.monthly_net() * between(rng, 0.06, 0.12), 1).clamp(300_00, 1_500_00);
    if subtype == AccountSubtype::Hsa {
        // Within the IRS's yearly HSA limit for family coverage ($8,550 in 2025): 24 transfers.
        per_transfer = per_transfer.min(HSA_YEARLY_LIMIT / 24);
    }
    p.savings = Some(SavingsPlan {
        subtype,
        start: round_to(between(rng, 1_000.0, 20_000.0) * 100.0, 1),
        per_transfer,
        apy: (between(rng, 0.5, 4.5) * 100.0).round() / 100.0,
    });
    let n = p.cards.len();
    let annual = p.annual_income;
    p.cards = (0..n).map(|_| low_card(rng, annual, 0.2)).collect();
}
