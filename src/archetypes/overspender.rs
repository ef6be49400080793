//! Overspenders: everyday spending runs 15-30% above what income leaves after fixed costs, and the
//! gap goes on one card whose debt rises through the window (from 25-40% to its 90% cap). Payments
//! are partial (1.2-1.6x the minimum) on a balance carried from before the window, so interest is
//! charged every statement: the High Utilization persona, by interest and by utilization.

use super::stable::base;
use super::*;
use crate::model::Persona;
use crate::sim::merchants::CARD_PRODUCTS;

pub const INCOME_RANGE: (f64, f64) = (40_000.0, 110_000.0);

pub fn build(demo: &Demographics, w: &Window, rng: &mut ChaCha8Rng) -> Profile {
    let mut p = base(demo, w, rng, INCOME_RANGE);
    p.personas.insert(Persona::HighUtilization);
    let (issuer, product) = *pick(rng, CARD_PRODUCTS);
    let limit = round_to(p.annual_income as f64 * between(rng, 0.12, 0.2), 500_00);
    p.cards = vec![CardPlan {
        issuer,
        product,
        limit,
        apr: (between(rng, 21.0, 29.99) * 100.0).round() / 100.0,
        start_balance: round_to(limit as f64 * between(rng, 0.25, 0.4), 1),
        statement_day: rng.random_range(1..=28),
        pay: PayBehavior::Partial(between(rng, 1.2, 1.6)),
        cap: 0.9,
        carried_at_start: true,
        lead: rng.random_range(0..=3),
    }];
    p.card_share = between(rng, 0.8, 0.9);
    p.spend_ratio = between(rng, 1.15, 1.3);
    p.finish();
    p
}
