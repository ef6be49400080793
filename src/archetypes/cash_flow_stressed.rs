//! Cash-flow-stressed users: low pay (weekly, biweekly or frequent gig payouts, +-12%), rent of
//! 35-45% of take-home, little in checking. The days before each payday are planned as "low" days:
//! the balance is spent down below $100 on them (42-55% of days in both the 30- and the 180-day
//! window), and stays at or above $150 on the others, so the balance swings between under $100 and a
//! paycheck. No cards (unless combined with high utilization).

use super::stable::base;
use super::*;
use crate::model::Persona;
use crate::sim::merchants::{EMPLOYERS, GIG_PAYERS};

pub const INCOME_RANGE: (f64, f64) = (22_000.0, 42_000.0);

pub fn build(demo: &Demographics, w: &Window, rng: &mut ChaCha8Rng) -> Profile {
    let mut p = base(demo, w, rng, INCOME_RANGE);
    apply(&mut p, w, rng);
    p.finish();
    p
}

/// The fewest low days the plan settles for, as a share of each window, before it spends a
/// balance that a later payment needs (see `sim::stress`): the lowest share drawn below.
pub const LEAST_LOW_SHARE: f64 = 0.42;

/// Low-day counts for a share of the 180- and 30-day windows (clipped to the simulated days),
/// and the fewest of them (`least`, a share no larger) the plan settles for.
pub fn stress_plan(w: &Window, share: f64, least: f64) -> StressPlan {
    let d180 = (w.n_days as usize).min(180);
    let d30 = (w.n_days as usize).min(30);
    let days = |d: usize, x: f64| (d as f64 * x).round() as usize;
    StressPlan {
        low_180: days(d180, share),
        low_30: days(d30, share),
        least_180: days(d180, least.min(share)),
        least_30: days(d30, least.min(share)),
    }
}

pub fn apply(p: &mut Profile, w: &Window, rng: &mut ChaCha8Rng) {
    p.personas.insert(Persona::CashFlowStressed);
    if p.pay.schedule == PaySchedule::Contract {
        // Variable income too: the last payment falls inside the last 30 days, so the balance
        // swings (payment, then spent down) in the 30-day window as well.
        p.pay.contract_last = (20, 27);
        // ...and covers the days left in full: the spend-down, not a short payment, makes it low.
        p.pay.contract_last_share = (1.0, 1.04);
    } else {
        let (schedule, periods) = match rng.random_range(0..10) {
            0..=3 => (PaySchedule::Biweekly, 26.0),
            4..=5 => (PaySchedule::Weekly, 52.0),
            _ => (PaySchedule::Gig, 365.0 / 6.5),
        };
        let gig = schedule == PaySchedule::Gig;
        p.pay = PayPlan {
            schedule,
            net: round_to(p.annual_income as f64 * TAKE_HOME / periods, 1),
            payer: if gig {
                pick_name(rng, GIG_PAYERS)
            } else {
                pick_name(rng, EMPLOYERS)
            },
            pfc: "INCOME_WAGES",
            jitter: 0.12,
            job_change: None,
            contract_last: CONTRACT_LAST,
            contract_last_share: CONTRACT_LAST_SHARE,
        };
    }
    if let Housing::Rent { amount, .. } = &mut p.housing {
        *amount = round_to(
            p.annual_income as f64 * TAKE_HOME / 12.0 * between(rng, 0.35, 0.45),
            5_00,
        );
    }
    p.checking_start = round_to(between(rng, 150.0, 600.0) * 100.0, 1);
    p.floor = 150_00;
    p.savings = None;
    // No cards of their own: a stressed checking account paying a card in full would make
    // "minimum payment" readings ambiguous. (High utilization + cash-flow users get theirs later.)
    p.cards = Vec::new();
    for b in p.bills.iter_mut() {
        b.card = None;
    }
    p.card_share = if p.cards.is_empty() { 0.0 } else { 0.3 };
    // Everyday spending covers part of the pay; the spend-down on low days takes the rest.
    p.spend_ratio = between(rng, 0.55, 0.7);
    p.stress = Some(stress_plan(
        w,
        between(rng, LEAST_LOW_SHARE, 0.55),
        LEAST_LOW_SHARE,
    ));
}
