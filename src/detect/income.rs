//! Income stability. Payroll: deposits into depository accounts (negative amounts) categorised
//! INCOME, except interest. Paydays are the distinct dates of those deposits in the window;
//! median gap between paydays; frequency from it; variability = coefficient of variation of the
//! deposit amounts. Cash-flow buffer = checking balance at the end / average monthly expenses.

use super::Ctx;
use crate::model::Cents;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Income {
    pub payroll_deposits: u32,
    pub total_income: Cents,
    pub median_gap_days: Option<f64>,
    /// weekly, biweekly, semimonthly, monthly, irregular, or none.
    pub frequency: &'static str,
    pub amount_cv: Option<f64>,
    pub monthly_expenses: Cents,
    /// Expenses in the whole window (the buffer rule compares exact cents).
    pub window_expenses: Cents,
    pub checking_balance: Cents,
    pub buffer_months: Option<f64>,
}

fn median(v: &mut [f64]) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let n = v.len();
    Some(if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    })
}

pub fn compute(ctx: &Ctx) -> Income {
    let mut dates = Vec::new();
    let mut amounts = Vec::new();
    let mut checking = 0;
    for a in ctx.accounts() {
        let acct = &ctx.input.accounts[a];
        if !acct.is_depository() {
            continue;
        }
        if acct.is_checking() {
            checking += acct.current;
        }
        for t in ctx.posted(a) {
            if t.amount < 0
                && &*t.pfc_primary == "INCOME"
                && &*t.pfc_detailed != "INCOME_INTEREST_EARNED"
            {
                dates.push(t.date);
                amounts.push(-t.amount);
            }
        }
    }
    dates.sort();
    dates.dedup();
    let mut gaps: Vec<f64> = dates
        .windows(2)
        .map(|w| (w[1] - w[0]).num_days() as f64)
        .collect();
    let median_gap = median(&mut gaps);
    let frequency = match median_gap {
        None => {
            if dates.is_empty() {
                "none"
            } else {
                "irregular"
            }
        }
        Some(g) if (5.0..=9.0).contains(&g) => "weekly",
        Some(g) if (13.0..=14.0).contains(&g) => "biweekly",
        Some(g) if (14.5..=17.0).contains(&g) => "semimonthly",
        Some(g) if (26.0..=35.0).contains(&g) => "monthly",
        Some(_) => "irregular",
    };
    let n = amounts.len() as f64;
    let mean = amounts.iter().sum::<Cents>() as f64 / n.max(1.0);
    let amount_cv = (amounts.len() >= 2 && mean > 0.0).then(|| {
        let var = amounts
            .iter()
            .map(|a| (*a as f64 - mean).powi(2))
            .sum::<f64>()
            / n;
        var.sqrt() / mean
    });
    let window_expenses = ctx.window_expenses();
    let monthly_expenses = ctx.monthly_expenses();
    Income {
        payroll_deposits: amounts.len() as u32,
        total_income: amounts.iter().sum(),
        median_gap_days: median_gap,
        frequency,
        amount_cv,
        monthly_expenses,
        window_expenses,
        checking_balance: checking,
        buffer_months: (monthly_expenses > 0).then(|| checking as f64 / monthly_expenses as f64),
    }
}
