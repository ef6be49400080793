//! High utilizers: one or two cards held at 58-95% utilization (purchases and bills are declined
//! above a personal cap of 68-90%; interest and a late fee can add a few points), a balance carried
//! from before the window (so every statement charges interest), and minimum-only, small partial,
//! or missed payments (the last due date missed makes the card overdue). Any one of these fires the High Utilization persona; all of them hold.

use super::stable::base;
use super::*;
use crate::model::Persona;
use crate::sim::merchants::CARD_PRODUCTS;

pub const INCOME_RANGE: (f64, f64) = (35_000.0, 95_000.0);

pub fn build(demo: &Demographics, w: &Window, rng: &mut ChaCha8Rng) -> Profile {
    let mut p = base(demo, w, rng, INCOME_RANGE);
    apply(&mut p, rng);
    p.finish();
    p
}

pub fn high_card(rng: &mut ChaCha8Rng) -> CardPlan {
    let (issuer, product) = *pick(rng, CARD_PRODUCTS);
    let limit = round_to(between(rng, 2_000.0, 12_000.0) * 100.0, 100_00);
    let cap = between(rng, 0.68, 0.9);
    let pay = match rng.random_range(0..100) {
        0..=44 => PayBehavior::Minimum,
        45..=79 => PayBehavior::Partial(between(rng, 1.3, 2.2)),
        _ => PayBehavior::MissLastDue,
    };
    CardPlan {
        issuer,
        product,
        limit,
        apr: (between(rng, 22.0, 29.99) * 100.0).round() / 100.0,
        start_balance: round_to(limit as f64 * between(rng, 0.58, cap - 0.04), 1),
        statement_day: rng.random_range(1..=28),
        pay,
        cap,
        carried_at_start: true,
        lead: rng.random_range(0..=3),
    }
}

pub fn apply(p: &mut Profile, rng: &mut ChaCha8Rng) {
    p.personas.insert(Persona::HighUtilization);
    let n = if rng.random_bool(0.3) { 2 } else { 1 };
    p.cards = (0..n).map(|_| high_card(rng)).collect();
    for b in p.bills.iter_mut() {
        b.card = rng.random_bool(0.5).then_some(0);
    }
    p.card_share = between(rng, 0.55, 0.8);
    p.spend_ratio = between(rng, 0.95, 1.02);
}
