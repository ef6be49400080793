//! Variable-income budgeters: paid by contract payments about 50-64 days apart, on business days
//! (so the median gap between paydays is over 45 days), each sized to what they spend until the
//! next one; the last payment lands 50-56 days before the window ends and the next is due 0-10 days after it. Pay covers only
//! 85-90% of what they would like to spend, so each cycle runs down to a floor of their largest
//! bill + $100 (so bills never overdraw: not cash-flow stressed) and the checking balance at the end
//! covers well under a month of expenses. No savings account (a savings balance
//! would be a buffer under some readings). Not visible in a 30-day window: it holds at most one
//! payday.

use super::stable::{base, low_card};
use super::*;
use crate::model::Persona;
use crate::sim::merchants::GIG_PAYERS;

pub const INCOME_RANGE: (f64, f64) = (28_000.0, 75_000.0);

pub fn build(demo: &Demographics, w: &Window, rng: &mut ChaCha8Rng) -> Profile {
    let mut p = base(demo, w, rng, INCOME_RANGE);
    apply(&mut p, rng);
    p.finish();
    p
}

pub fn apply(p: &mut Profile, rng: &mut ChaCha8Rng) {
    p.personas.insert(Persona::VariableIncome);
    p.pay = PayPlan {
        schedule: PaySchedule::Contract,
        net: 0,
        payer: pick_name(rng, GIG_PAYERS),
        pfc: "INCOME_WAGES",
        jitter: 0.0,
        job_change: None,
        contract_last: CONTRACT_LAST,
        contract_last_share: CONTRACT_LAST_SHARE,
    };
    p.savings = None;
    p.floor = 250_00;
    // One card that only carries a monthly bill (paid in full, under 10% used).
    let mut card = low_card(rng, p.annual_income, 0.2);
    card.limit = round_to(between(rng, 2_000.0, 4_000.0) * 100.0, 100_00);
    card.start_balance = round_to(between(rng, 50.0, 200.0) * 100.0, 1);
    p.cards = vec![card];
    for b in p.bills.iter_mut() {
        b.card = b.card.and(Some(0));
    }
    p.card_share = 0.0;
    p.spend_ratio = between(rng, 0.95, 1.0);
    p.pay_covers = between(rng, 0.85, 0.9);
}
