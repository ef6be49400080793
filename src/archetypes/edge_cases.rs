//! Edge cases: users that sit exactly on a persona threshold or at a boundary of the data model.
//! Each is designed to land on a stated side of its threshold (thresholds read as `>=`):
//! - `utilization_exactly_50`: one card, paid in full all window (no interest, never minimum-only),
//!   under 25% utilization until a final purchase on the last day brings it to exactly half the
//!   limit: High Utilization by the `>= 50%` rule alone.
//! - `recurring_exactly_3`: exactly three subscriptions (any two total over $50) and nothing else
//!   recurring (no rent, bills, loans, cards or savings transfers): Subscription-Heavy.
//! - `low_balance_exactly_30pct`: checking below $100 on exactly 54 of the 180 days and 9 of the
//!   last 30 (30.0%), with a volatile balance: Cash Flow Stressed. No cards, no bills off payday.
//! - `consent_false_high_utilization`: a high utilizer without consent: detected, never assigned.
//! - `no_transactions`: a checking account (and maybe savings) with no transactions at all.
//! - `only_pending`: a checking account whose only transactions are 1-3 pending purchases.
//! - `no_credit_accounts`: a savings builder with no cards ("every card below 30%" holds vacuously).

use super::stable::{base, low_card};
use super::*;
use crate::model::{EdgeCase, Persona};
use crate::sim::merchants::{EMPLOYERS, LANDLORDS, SUBSCRIPTIONS};

pub fn build(edge: EdgeCase, demo: &Demographics, w: &Window, rng: &mut ChaCha8Rng) -> Profile {
    let mut p = match edge {
        EdgeCase::UtilizationExactly50 => {
            let mut p = base(demo, w, rng, (50_000.0, 90_000.0));
            p.personas.insert(Persona::HighUtilization);
            p.cards = vec![low_card(rng, p.annual_income, 0.25)];
            p.card_share = 0.5;
            p.pending_ok = false;
            p.final_card_balance = Some((0, p.cards[0].limit / 2));
            p
        }
        EdgeCase::RecurringExactly3 => {
            let mut p = base(demo, w, rng, (40_000.0, 90_000.0));
            p.personas.insert(Persona::SubscriptionHeavy);
            p.housing = Housing::None;
            p.bills.clear();
            p.loans.clear();
            p.cards.clear();
            p.card_share = 0.0;
            p.savings = None;
            // Three of the four subscriptions priced $24.99+: any two of them exceed $50.
            let pricey: Vec<&'static Merchant> =
                SUBSCRIPTIONS.iter().filter(|m| m.lo >= 24_99).collect();
            let skip = rng.random_range(0..pricey.len());
            for (i, m) in pricey.into_iter().enumerate() {
                if i != skip {
                    let b = super::subscription_heavy::subscription(rng, w, m, None);
                    p.bills.push(b);
                }
            }
            p
        }
        EdgeCase::LowBalanceExactly30Pct => {
            let mut p = base(demo, w, rng, (30_000.0, 40_000.0));
            p.personas.insert(Persona::CashFlowStressed);
            let monthly = p.annual_income as f64 * TAKE_HOME / 12.0;
            p.pay = PayPlan {
                schedule: PaySchedule::Semimonthly,
                net: round_to(p.annual_income as f64 * TAKE_HOME / 24.0, 1),
                payer: pick_name(rng, EMPLOYERS),
                pfc: "INCOME_WAGES",
                jitter: 0.0,
                job_change: None,
                contract_last: CONTRACT_LAST,
                contract_last_share: CONTRACT_LAST_SHARE,
            };
            p.housing = Housing::Rent {
                landlord: pick_merchant(rng, LANDLORDS),
                amount: round_to(monthly * between(rng, 0.3, 0.38), 5_00),
                day: 1,
                on_payday: true,
            };
            p.bills.clear();
            p.loans.clear();
            p.cards.clear();
            p.card_share = 0.0;
            p.savings = None;
            p.events.clear();
            p.pending_ok = false;
            p.checking_start = round_to(between(rng, 300.0, 600.0) * 100.0, 1);
            p.floor = 150_00;
            p.spend_ratio = 0.6;
            p.stress = Some(super::cash_flow_stressed::stress_plan(w, 0.3, 0.3));
            p
        }
        EdgeCase::ConsentFalseHighUtilization => {
            return super::high_utilizer::build(demo, w, rng);
        }
        EdgeCase::NoTransactions | EdgeCase::OnlyPending => {
            let mut p = base(demo, w, rng, (30_000.0, 80_000.0));
            p.mode = if edge == EdgeCase::NoTransactions {
                Mode::Dormant
            } else {
                Mode::OnlyPending
            };
            p.cards.clear();
            p.loans.clear();
            p.bills.clear();
            p.housing = Housing::None;
            if let Some(s) = p.savings.as_mut() {
                s.per_transfer = 0;
            }
            p
        }
        EdgeCase::NoCreditAccounts => {
            let mut p = base(demo, w, rng, super::savings_builder::INCOME_RANGE);
            p.cards.clear();
            for b in p.bills.iter_mut() {
                b.card = None;
            }
            p.card_share = 0.0;
            super::savings_builder::apply(&mut p, rng);
            p
        }
    };
    p.finish();
    p
}
