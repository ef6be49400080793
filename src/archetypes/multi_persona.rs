//! Multi-persona users: two personas at once, from combinations that can both hold with margin
//! (a savings builder cannot also be a high utilizer, whose cards are over 30%). The k-th
//! multi-persona user gets combination k mod 6, so small mixes still cover every combination.

use super::stable::base;
use super::*;
use crate::model::Persona;

pub const COMBOS: [[Persona; 2]; 6] = [
    [Persona::HighUtilization, Persona::SubscriptionHeavy],
    [Persona::VariableIncome, Persona::CashFlowStressed],
    [Persona::SubscriptionHeavy, Persona::SavingsBuilder],
    [Persona::HighUtilization, Persona::CashFlowStressed],
    [Persona::VariableIncome, Persona::SubscriptionHeavy],
    [Persona::CashFlowStressed, Persona::SubscriptionHeavy],
];

pub fn build(variant: u32, demo: &Demographics, w: &Window, rng: &mut ChaCha8Rng) -> Profile {
    let combo = PersonaSet::of(&COMBOS[variant as usize % COMBOS.len()]);
    let has = |p: Persona| combo.contains(p);
    let income = if has(Persona::CashFlowStressed) {
        super::cash_flow_stressed::INCOME_RANGE
    } else if has(Persona::VariableIncome) {
        super::variable_income::INCOME_RANGE
    } else if has(Persona::SavingsBuilder) {
        super::savings_builder::INCOME_RANGE
    } else {
        super::high_utilizer::INCOME_RANGE
    };
    let mut p = base(demo, w, rng, income);
    // Order matters: cash-flow stress sets pay unless income is already variable; high
    // utilization replaces cards; subscriptions come last so they can be charged to the final cards.
    if has(Persona::VariableIncome) {
        super::variable_income::apply(&mut p, rng);
    }
    if has(Persona::CashFlowStressed) {
        super::cash_flow_stressed::apply(&mut p, w, rng);
    }
    if has(Persona::HighUtilization) {
        super::high_utilizer::apply(&mut p, rng);
    }
    if has(Persona::SavingsBuilder) {
        super::savings_builder::apply(&mut p, rng);
    }
    if has(Persona::SubscriptionHeavy) {
        super::subscription_heavy::apply(&mut p, w, rng);
    }
    p.finish();
    p
}
