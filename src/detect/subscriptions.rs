//! Subscriptions. A recurring merchant is a merchant (non-null `merchant_name`) charged at least
//! three times in the 90 days ending on the data's last day, every gap between its charges weekly
//! (5-9 days) or every gap monthly (26-35 days). Money out only; transfers, loan and card payments,
//! income and bank fees are not merchants' charges. Rent and utilities count when they recur.

use super::Ctx;
use crate::model::Cents;
use chrono::Duration;
use std::collections::BTreeMap;

pub const LOOKBACK_DAYS: i64 = 90;
const NOT_MERCHANT_SPEND: [&str; 5] = [
    "TRANSFER_IN",
    "TRANSFER_OUT",
    "LOAN_PAYMENTS",
    "INCOME",
    "BANK_FEES",
];

#[derive(Debug, Clone, Default)]
pub struct Subscriptions {
    pub recurring_merchants: u32,
    /// Their names, sorted.
    pub merchants: Vec<String>,
    /// Charges of recurring merchants in the window.
    pub recurring_spend: Cents,
    /// The same per 30 days.
    pub monthly_recurring_spend: Cents,
    /// Recurring spend / all spend in the window (0 when there is no spend).
    pub subscription_share: f64,
    pub total_spend: Cents,
}

fn cadence(gaps: &[i64]) -> bool {
    !gaps.is_empty()
        && (gaps.iter().all(|g| (5..=9).contains(g)) || gaps.iter().all(|g| (26..=35).contains(g)))
}

/// Spend: money out of any account, except transfers and loan/card payments (which move money
/// between the user's own accounts).
pub fn is_spend(t: &super::input::TxnIn) -> bool {
    t.amount > 0 && &*t.pfc_primary != "TRANSFER_OUT" && &*t.pfc_primary != "LOAN_PAYMENTS"
}

pub fn compute(ctx: &Ctx) -> Subscriptions {
    let from = ctx.end - Duration::days(LOOKBACK_DAYS - 1);
    let mut by_merchant: BTreeMap<&str, Vec<chrono::NaiveDate>> = BTreeMap::new();
    for a in ctx.accounts() {
        for t in ctx.posted_since(a, from) {
            if let Some(m) = &t.merchant_name {
                if t.amount > 0 && !NOT_MERCHANT_SPEND.contains(&&*t.pfc_primary) {
                    by_merchant.entry(&**m).or_default().push(t.date);
                }
            }
        }
    }
    let mut merchants = Vec::new();
    for (m, mut dates) in by_merchant {
        dates.sort();
        let gaps: Vec<i64> = dates.windows(2).map(|w| (w[1] - w[0]).num_days()).collect();
        if dates.len() >= 3 && cadence(&gaps) {
            merchants.push(m.to_string());
        }
    }
    let mut recurring: Cents = 0;
    let mut total: Cents = 0;
    for a in ctx.accounts() {
        for t in ctx.posted(a).filter(|t| is_spend(t)) {
            total += t.amount;
            if t.merchant_name
                .as_ref()
                .is_some_and(|m| merchants.binary_search_by(|x| x.as_str().cmp(m)).is_ok())
            {
                recurring += t.amount;
            }
        }
    }
    Subscriptions {
        recurring_merchants: merchants.len() as u32,
        merchants,
        recurring_spend: recurring,
        monthly_recurring_spend: (recurring as f64 / ctx.months()).round() as Cents,
        subscription_share: if total > 0 {
            recurring as f64 / total as f64
        } else {
            0.0
        },
        total_spend: total,
    }
}
