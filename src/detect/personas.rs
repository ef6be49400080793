//! Persona assignment: the spec's five rules on the signals (thresholds exact, read as `>=`
//! where the spec says "at least"), every matching persona, a primary by priority, and a
//! rationale in plain language that cites the figures. Users without consent get signals and
//! the rules' result (`detected`) but no assignment.

use super::{dollars, Signals};
use crate::detect::input::Input;
use crate::model::{Persona, PersonaSet};
use serde_json::{json, Value};

/// Priority for the primary persona: the most urgent financial risk first (a checking account
/// running dry, then costly card debt, then unstable income), then habits to improve.
pub const PRIORITY: [Persona; 5] = [
    Persona::CashFlowStressed,
    Persona::HighUtilization,
    Persona::VariableIncome,
    Persona::SubscriptionHeavy,
    Persona::SavingsBuilder,
];

/// Pay gaps over 45 days cannot be seen in a window shorter than this.
pub const VARIABLE_INCOME_MIN_WINDOW: u32 = 46;

#[derive(Debug, Clone, PartialEq)]
pub struct Assignment {
    pub user: usize,
    pub window: u32,
    pub consent: bool,
    /// What the rules find (computed for every user).
    pub detected: PersonaSet,
    /// What is assigned: `detected` with consent, nothing without.
    pub personas: PersonaSet,
    pub primary: Option<Persona>,
    pub rationale: String,
    /// The figures each rule looked at.
    pub criteria: Value,
}

impl Assignment {
    pub fn status(&self) -> &'static str {
        if !self.consent {
            "no_consent"
        } else if self.personas.is_empty() {
            "no_persona"
        } else {
            "assigned"
        }
    }
}

fn pct(x: f64) -> String {
    format!("{:.0}%", x * 100.0)
}

/// The rules. Returns the matching personas and one sentence per persona.
pub fn evaluate(input: &Input, s: &Signals) -> (PersonaSet, Vec<(Persona, String)>) {
    let mut set = PersonaSet::EMPTY;
    let mut why = Vec::new();
    let c = &s.credit;
    let util = c.max_utilization.unwrap_or(0.0);
    if c.flag_50 || c.interest_charges > 0 || c.minimum_payment_only || c.overdue {
        set.insert(Persona::HighUtilization);
        let mut parts = Vec::new();
        if let Some(a) = c.max_card.map(|i| &input.accounts[i]) {
            parts.push(format!(
                "{} ending {} at {} utilization ({} of {} limit)",
                a.name,
                a.mask,
                pct(util),
                dollars(a.current),
                dollars(a.limit.unwrap_or(0))
            ));
        }
        if c.interest_charges > 0 {
            parts.push(format!(
                "{} interest charged in the last {} days",
                dollars(c.interest_charges),
                s.window
            ));
        }
        if c.minimum_payment_only {
            parts.push("last payment no more than the minimum due".into());
        }
        if c.overdue {
            parts.push("a card is overdue".into());
        }
        why.push((Persona::HighUtilization, parts.join("; ")));
    }
    let i = &s.income;
    if s.window >= VARIABLE_INCOME_MIN_WINDOW {
        if let (Some(gap), Some(buffer)) = (i.median_gap_days, i.buffer_months) {
            // buffer < 1 month, in exact cents: balance x window < expenses x 30 days.
            let short = (i.checking_balance as i128) * (s.window as i128)
                < (i.window_expenses as i128) * 30;
            if gap > 45.0 && short {
                set.insert(Persona::VariableIncome);
                why.push((
                    Persona::VariableIncome,
                    format!(
                        "paydays a median {gap:.0} days apart; checking ({}) covers {buffer:.1} months of expenses ({}/month)",
                        dollars(i.checking_balance),
                        dollars(i.monthly_expenses)
                    ),
                ));
            }
        }
    }
    let sub = &s.subscriptions;
    // $50 a month and 10% of spend, in exact cents over the window.
    let spend_50 = (sub.recurring_spend as i128) * 30 >= 50_00 * s.window as i128;
    let share_10 = sub.total_spend > 0 && 10 * sub.recurring_spend >= sub.total_spend;
    if sub.recurring_merchants >= 3 && (spend_50 || share_10) {
        set.insert(Persona::SubscriptionHeavy);
        let names: Vec<&str> = sub.merchants.iter().take(4).map(String::as_str).collect();
        let more = if sub.merchants.len() > 4 { ", ..." } else { "" };
        why.push((
            Persona::SubscriptionHeavy,
            format!(
                "{} recurring merchants ({}{more}) costing {}/month, {} of spending",
                sub.recurring_merchants,
                names.join(", "),
                dollars(sub.monthly_recurring_spend),
                pct(sub.subscription_share)
            ),
        ));
    }
    let sav = &s.savings;
    let growth = sav.growth_rate.unwrap_or(0.0);
    let cards_ok = !c.flag_30;
    // 2% growth and $200 a month, in exact cents.
    let grew =
        sav.balance_start > 0 && 50 * (sav.balance_end - sav.balance_start) >= sav.balance_start;
    let inflow = (sav.net_inflow as i128) * 30 >= 200_00 * s.window as i128;
    if (grew || inflow) && cards_ok {
        set.insert(Persona::SavingsBuilder);
        let cards = if c.cards == 0 {
            "no credit cards".to_string()
        } else {
            format!("every card under 30% (highest {})", pct(util))
        };
        why.push((
            Persona::SavingsBuilder,
            format!(
                "{}/month into savings; savings grew {:.1}% to {}; {cards}",
                dollars(sav.net_inflow_monthly),
                growth * 100.0,
                dollars(sav.balance_end)
            ),
        ));
    }
    let cf = &s.cash_flow;
    // 30% of days, in whole days: 10 x days below >= 3 x days.
    if cf.has_checking && 10 * cf.days_below_100 >= 3 * cf.days && cf.volatile {
        set.insert(Persona::CashFlowStressed);
        why.push((
            Persona::CashFlowStressed,
            format!(
                "checking under $100 on {} of {} days ({}); the balance swings (standard deviation {}, low {})",
                cf.days_below_100,
                cf.days,
                pct(cf.share_below_100),
                dollars(cf.balance_std.round() as i64),
                dollars(cf.balance_min)
            ),
        ));
    }
    (set, why)
}

pub fn criteria(s: &Signals) -> Value {
    json!({
        "max_utilization": s.credit.max_utilization,
        "interest_charges": crate::model::dollars(s.credit.interest_charges),
        "minimum_payment_only": s.credit.minimum_payment_only,
        "overdue": s.credit.overdue,
        "median_pay_gap_days": s.income.median_gap_days,
        "buffer_months": s.income.buffer_months,
        "recurring_merchants": s.subscriptions.recurring_merchants,
        "monthly_recurring_spend": crate::model::dollars(s.subscriptions.monthly_recurring_spend),
        "subscription_share": s.subscriptions.subscription_share,
        "savings_growth_rate": s.savings.growth_rate,
        "savings_net_inflow_monthly": crate::model::dollars(s.savings.net_inflow_monthly),
        "share_days_below_100": s.cash_flow.share_below_100,
        "balance_std": s.cash_flow.balance_std / 100.0,
    })
}

pub fn assign(input: &Input, user: usize, s: &Signals) -> Assignment {
    let consent = input.users[user].consent;
    let (detected, why) = evaluate(input, s);
    let personas = if consent { detected } else { PersonaSet::EMPTY };
    let primary = PRIORITY.into_iter().find(|p| personas.contains(*p));
    let rationale = if !consent {
        let seen = if detected.is_empty() {
            "none".to_string()
        } else {
            detected.join()
        };
        format!("no consent: signals computed for the report only, no persona assigned (rules would find: {seen})")
    } else if why.is_empty() {
        "no persona criteria met".to_string()
    } else {
        PRIORITY
            .iter()
            .filter_map(|p| why.iter().find(|w| w.0 == *p))
            .map(|(p, text)| format!("{}: {text}", p.as_str()))
            .collect::<Vec<_>>()
            .join(". ")
    };
    Assignment {
        user,
        window: s.window,
        consent,
        detected,
        personas,
        primary,
        rationale,
        criteria: criteria(s),
    }
}
