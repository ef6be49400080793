//! Cash flow. The checking balance at the end of every day of the window, rebuilt backwards from
//! the current balance (all checking accounts summed). Share of days below $100; volatility: the
//! standard deviation of those daily balances, volatile at $100 or more (a balance that moves,
//! not an idle account that happens to hold little).

use super::Ctx;
use crate::model::Cents;

pub const LOW_BALANCE: Cents = 100_00;
pub const VOLATILE_STD: f64 = 100_00.0;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct CashFlow {
    pub has_checking: bool,
    pub days: u32,
    pub days_below_100: u32,
    pub share_below_100: f64,
    pub balance_mean: f64,
    pub balance_std: f64,
    pub balance_min: Cents,
    pub volatile: bool,
}

pub fn compute(ctx: &Ctx) -> CashFlow {
    let mut total: Vec<Cents> = Vec::new();
    for a in ctx
        .accounts()
        .filter(|&a| ctx.input.accounts[a].is_checking())
    {
        let s = ctx.daily_balances(a, ctx.start);
        if total.is_empty() {
            total = s;
        } else {
            total.iter_mut().zip(s).for_each(|(t, x)| *t += x);
        }
    }
    if total.is_empty() {
        return CashFlow::default();
    }
    let n = total.len() as f64;
    let below = total.iter().filter(|b| **b < LOW_BALANCE).count() as u32;
    let mean = total.iter().sum::<Cents>() as f64 / n;
    let std = (total
        .iter()
        .map(|b| (*b as f64 - mean).powi(2))
        .sum::<f64>()
        / n)
        .sqrt();
    CashFlow {
        has_checking: true,
        days: total.len() as u32,
        days_below_100: below,
        share_below_100: below as f64 / n,
        balance_mean: mean,
        balance_std: std,
        balance_min: *total.iter().min().unwrap(),
        volatile: std >= VOLATILE_STD,
    }
}
