//! Savings. Savings-like accounts: depository savings, money market, cash management and HSA.
//! Net inflow: transfers in minus transfers out of them in the window (interest is growth, not
//! inflow). Growth rate: (balance at the end - balance the day before the window) / the latter.
//! Emergency-fund coverage: savings balance / average monthly expenses.

use super::Ctx;
use crate::model::Cents;
use chrono::Duration;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Savings {
    pub savings_accounts: u32,
    pub net_inflow: Cents,
    pub net_inflow_monthly: Cents,
    pub balance_start: Cents,
    pub balance_end: Cents,
    /// `None` when the starting balance is zero or less.
    pub growth_rate: Option<f64>,
    pub monthly_expenses: Cents,
    /// Months of expenses the savings cover; `None` without expenses.
    pub emergency_fund_months: Option<f64>,
}

pub fn compute(ctx: &Ctx) -> Savings {
    let mut s = Savings {
        monthly_expenses: ctx.monthly_expenses(),
        ..Savings::default()
    };
    for a in ctx
        .accounts()
        .filter(|&a| ctx.input.accounts[a].is_savings_like())
    {
        s.savings_accounts += 1;
        for t in ctx.posted(a) {
            if &*t.pfc_primary == "TRANSFER_IN" || &*t.pfc_primary == "TRANSFER_OUT" {
                s.net_inflow -= t.amount;
            }
        }
        let day_before = ctx.start - Duration::days(1);
        let series = ctx.daily_balances(a, day_before);
        s.balance_start += series.first().copied().unwrap_or(0);
        s.balance_end += series.last().copied().unwrap_or(0);
    }
    s.net_inflow_monthly = (s.net_inflow as f64 / ctx.months()).round() as Cents;
    s.growth_rate = (s.balance_start > 0)
        .then(|| (s.balance_end - s.balance_start) as f64 / s.balance_start as f64);
    s.emergency_fund_months =
        (s.monthly_expenses > 0).then(|| s.balance_end as f64 / s.monthly_expenses as f64);
    s
}
