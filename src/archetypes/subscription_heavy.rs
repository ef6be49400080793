//! Subscription-heavy users: 5-8 distinct fixed-price monthly subscriptions on fixed days (1-28),
//! at least $75 a month in total, so any 30-day window holds at least $50 of recurring spend even
//! when a 31-day month skips one charge.

use super::stable::base;
use super::*;
use crate::model::Persona;
use crate::sim::merchants::SUBSCRIPTIONS;

pub const INCOME_RANGE: (f64, f64) = (45_000.0, 130_000.0);

pub fn build(demo: &Demographics, w: &Window, rng: &mut ChaCha8Rng) -> Profile {
    let mut p = base(demo, w, rng, INCOME_RANGE);
    apply(&mut p, w, rng);
    p.finish();
    p
}

/// A monthly subscription on a day that is charged three times in the last 90 days of `w`.
pub fn subscription(
    rng: &mut ChaCha8Rng,
    w: &Window,
    m: &'static Merchant,
    card: Option<usize>,
) -> Bill {
    let days = three_in_ninety_days(w.end());
    Bill {
        merchant: m,
        day: *pick(rng, &days),
        lo: m.lo,
        hi: m.hi,
        card,
    }
}

pub fn apply(p: &mut Profile, w: &Window, rng: &mut ChaCha8Rng) {
    p.personas.insert(Persona::SubscriptionHeavy);
    let want = rng.random_range(5..=8);
    let mut subs: Vec<&'static Merchant> = Vec::new();
    let mut total = 0;
    while subs.len() < want || total < 75_00 {
        let m = pick_merchant(rng, SUBSCRIPTIONS);
        if subs.iter().all(|s| s.merchant_name != m.merchant_name) {
            subs.push(m);
            total += m.lo;
        }
        if subs.len() == SUBSCRIPTIONS.len() {
            break;
        }
    }
    for m in subs {
        let card = (!p.cards.is_empty() && rng.random_bool(0.6)).then_some(0);
        let bill = subscription(rng, w, m, card);
        p.bills.push(bill);
    }
}
