//! Credit. Utilization = current balance / limit per card, the maximum across cards (flags at 30,
//! 50 and 80%, compared in exact cents). Minimum-payment-only: on some card the last payment was no more than the minimum
//! now due while the statement balance was larger (the user paid the minimum and carried the
//! rest). Interest: interest-charge transactions (BANK_FEES_INTEREST_CHARGE) on cards in the
//! window. Overdue: a card liability flagged `is_overdue`.

use super::Ctx;
use crate::model::Cents;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Credit {
    pub cards: u32,
    pub max_utilization: Option<f64>,
    /// The card with the highest utilization (index into the input's accounts).
    pub max_card: Option<usize>,
    pub flag_30: bool,
    pub flag_50: bool,
    pub flag_80: bool,
    pub minimum_payment_only: bool,
    pub interest_charges: Cents,
    pub overdue: bool,
}

pub fn compute(ctx: &Ctx) -> Credit {
    let mut c = Credit::default();
    for a in ctx
        .accounts()
        .filter(|&a| ctx.input.accounts[a].is_credit())
    {
        let acct = &ctx.input.accounts[a];
        c.cards += 1;
        if let Some(limit) = acct.limit.filter(|l| *l > 0) {
            // Flags compare exact cents: 2 x balance >= limit is "at least 50%", to the cent.
            c.flag_30 |= 10 * acct.current >= 3 * limit;
            c.flag_50 |= 2 * acct.current >= limit;
            c.flag_80 |= 5 * acct.current >= 4 * limit;
            let u = acct.current as f64 / limit as f64;
            if c.max_utilization.is_none_or(|m| u > m) {
                c.max_utilization = Some(u);
                c.max_card = Some(a);
            }
        }
        c.interest_charges += ctx
            .posted(a)
            .filter(|t| &*t.pfc_detailed == "BANK_FEES_INTEREST_CHARGE")
            .map(|t| t.amount)
            .sum::<Cents>();
        if let Some(l) = acct.liability.map(|i| &ctx.input.liabilities[i]) {
            c.overdue |= l.is_overdue;
            if let (Some(paid), Some(min), Some(stmt)) =
                (l.last_payment, l.minimum_payment, l.last_statement_balance)
            {
                c.minimum_payment_only |= paid <= min && stmt > paid;
            }
        }
    }
    c
}
