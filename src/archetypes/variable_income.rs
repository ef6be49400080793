//! Variable-income budgeters: paid by contract payments 50-62 days apart (so the median gap between
//! paydays is over 45 days), each sized to what they spend until the next one; the last payment
//! lands 45-52 days before the window ends and the next is due 3-15 days after it, so the checking
//! balance at the end covers well under a month of expenses. No savings account (a savings balance
//! would be a buffer under some readings). Not visible in a 30-day window: it holds at most one
//! payday.

use super::stable::base;
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
        payer: *pick(rng, GIG_PAYERS),
        pfc: "INCOME_WAGES",
        jitter: 0.0,
        job_change: None,
    };
    p.savings = None;
    p.spend_ratio = between(rng, 0.9, 0.97);
}
