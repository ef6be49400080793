//! Subscriptions. A recurring merchant is a merchant (non-null `merchant_name`) charged at least
//! three times in the 90 days ending on the data's last day, every gap between its charges weekly
//! (5-9 days) or every gap monthly (26-35 days). Money out only; transfers, loan and card payments,
//! income and bank fees are not merchants' charges. Rent and utilities count when they recur.

use super::Ctx;
use crate::model::Cents;
use chrono::{Datelike, Duration};

pub const LOOKBACK_DAYS: i64 = 90;
const NOT_MERCHANT_SPEND: [&str; 5] = [
    "TRANSFER_IN",
    "TRANSFER_OUT",
    "LOAN_PAYMENTS",
    "INCOME",
    "BANK_FEES",
];

#[derive(Debug, Clone, Default, PartialEq)]
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

/// Where a name's text is stored. Equal keys mean equal text; equal text may still have two keys
/// (two copies of one name), which [`Recurring::find`] merges. Grouping by key compares integers,
/// not text.
fn key(m: &str) -> (usize, usize) {
    (m.as_ptr() as usize, m.len())
}

/// A user's recurring merchants: they depend on the lookback only (the 90 days ending on the
/// data's last day), not on the window, so both windows share one.
#[derive(Debug, Clone, Default)]
pub struct Recurring {
    /// Their names, sorted.
    pub merchants: Vec<String>,
    /// (key, whether its text is a recurring merchant) of every name charged in the lookback,
    /// sorted by key.
    seen: Vec<((usize, usize), bool)>,
}

impl Recurring {
    /// The recurring merchants of `ctx`'s user.
    pub fn find(ctx: &Ctx) -> Recurring {
        let from = ctx.end - Duration::days(LOOKBACK_DAYS - 1);
        // Each stored name gets a number in order of first charge; a charge is (number << 32 |
        // day), so sorting plain integers groups a name's charges in date order.
        let mut names: Vec<((usize, usize), &str)> = Vec::new();
        let mut charges: Vec<u64> = Vec::new();
        for a in ctx.accounts() {
            for t in ctx.posted_since(a, from) {
                if let Some(m) = &t.merchant_name {
                    if t.amount > 0 && !NOT_MERCHANT_SPEND.contains(&&*t.pfc_primary) {
                        let k = key(m);
                        let n = match names.iter().rposition(|x| x.0 == k) {
                            Some(n) => n,
                            None => {
                                names.push((k, m));
                                names.len() - 1
                            }
                        };
                        charges.push((n as u64) << 32 | t.date.num_days_from_ce() as u32 as u64);
                    }
                }
            }
        }
        charges.sort_unstable();
        // Each name's run of charges, the runs in name order (stable, so copies of one name stay
        // in key order); a merchant is all the runs of one text.
        let mut runs: Vec<&[u64]> = charges.chunk_by(|x, y| x >> 32 == y >> 32).collect();
        let name = |r: &[u64]| names[(r[0] >> 32) as usize];
        runs.sort_by(|x, y| name(x).1.cmp(name(y).1));
        let mut merchants = Vec::new();
        let mut seen = Vec::with_capacity(runs.len());
        let (mut days, mut gaps) = (Vec::new(), Vec::new());
        for same in runs.chunk_by(|x, y| name(x).1 == name(y).1) {
            days.clear();
            days.extend(same.iter().flat_map(|r| r.iter().map(|c| *c as u32 as i64)));
            if same.len() > 1 {
                days.sort_unstable();
            }
            gaps.clear();
            gaps.extend(days.windows(2).map(|w| w[1] - w[0]));
            let recurring = days.len() >= 3 && cadence(&gaps);
            if recurring {
                merchants.push(name(same[0]).1.to_string());
            }
            seen.extend(same.iter().map(|r| (name(r).0, recurring)));
        }
        seen.sort_unstable();
        Recurring { merchants, seen }
    }

    /// Whether `m` is one of the recurring merchants.
    pub fn contains(&self, m: &str) -> bool {
        match self.seen.binary_search_by_key(&key(m), |s| s.0) {
            Ok(i) => self.seen[i].1,
            // A name the lookback has not seen under this key: by its text.
            Err(_) => self
                .merchants
                .binary_search_by(|x| x.as_str().cmp(m))
                .is_ok(),
        }
    }
}

/// The signals of `ctx`'s window.
pub fn compute(ctx: &Ctx) -> Subscriptions {
    compute_with(ctx, &Recurring::find(ctx))
}

/// The signals of `ctx`'s window, given the user's recurring merchants.
pub fn compute_with(ctx: &Ctx, found: &Recurring) -> Subscriptions {
    let mut recurring: Cents = 0;
    let mut total: Cents = 0;
    for a in ctx.accounts() {
        for t in ctx.posted(a).filter(|t| is_spend(t)) {
            total += t.amount;
            if t.merchant_name
                .as_deref()
                .is_some_and(|m| found.contains(m))
            {
                recurring += t.amount;
            }
        }
    }
    Subscriptions {
        recurring_merchants: found.merchants.len() as u32,
        merchants: found.merchants.clone(),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::input::{Input, Name};
    use crate::detect::WINDOWS;

    /// Recurring merchants depend on the names' text only: the same data with every other
    /// merchant name stored as a copy of its own (as a file's rows may give them) has the same
    /// signals, in both windows.
    #[test]
    fn copies_of_a_name_are_one_merchant() {
        let config = crate::Config::from_value(&serde_json::json!({"n_users": 200})).unwrap();
        let ds = crate::generate(&config, Some(2), &mut |_, _| Ok(())).unwrap();
        let input = Input::from_users(&ds.users, ds.config.end_date);
        let mut copies = input.clone();
        for (i, t) in copies.txns.iter_mut().enumerate() {
            if i % 2 == 0 {
                t.merchant_name = t.merchant_name.as_deref().map(Name::from);
            }
        }
        let mut with_recurring = 0;
        for u in 0..input.users.len() {
            for w in WINDOWS {
                let a = compute(&Ctx::new(&input, u, w));
                let b = compute(&Ctx::new(&copies, u, w));
                assert_eq!(format!("{a:?}"), format!("{b:?}"), "user {u}, window {w}");
                with_recurring += usize::from(a.recurring_merchants > 0 && a.recurring_spend > 0);
            }
        }
        assert!(with_recurring > 200, "{with_recurring}");
    }
}
