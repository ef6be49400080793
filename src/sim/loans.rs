//! Student loans and mortgages: a fixed monthly payment on the due day as a paired transfer
//! (checking side positive, loan side negative). The loan balance is reduced by the whole payment;
//! the interest share of each payment is reported in the liability's year-to-date fields only (no
//! interest transaction is posted on loan accounts).

use super::ledger::{Ledger, Posting};
use super::Window;
use crate::archetypes::LoanPlan;
use crate::model::{Cents, LoanKind, LoanLiability, PaymentChannel};
use chrono::{Datelike, Duration, Months, NaiveDate};
use std::borrow::Cow;

pub const STATEMENT_BEFORE_DUE: i64 = 21;

#[derive(Debug, Clone)]
pub struct Loan {
    pub plan: LoanPlan,
    pub account: u8,
    payment_name: Cow<'static, str>,
    last_payment: Option<(NaiveDate, Cents)>,
    last_statement: Option<(NaiveDate, Cents)>,
    ytd_interest: Cents,
    ytd_principal: Cents,
}

impl Loan {
    pub fn new(plan: LoanPlan, account: u8) -> Loan {
        let what = match plan.kind {
            LoanKind::Student => "STUDENT LN PMT",
            LoanKind::Mortgage => "MORTGAGE PMT",
        };
        Loan {
            payment_name: Cow::Owned(format!("{} {}", plan.servicer.to_uppercase(), what)),
            plan,
            account,
            last_payment: None,
            last_statement: None,
            ytd_interest: 0,
            ytd_principal: 0,
        }
    }

    fn pfc(&self) -> &'static str {
        match self.plan.kind {
            LoanKind::Student => "LOAN_PAYMENTS_STUDENT_LOAN_PAYMENT",
            LoanKind::Mortgage => "LOAN_PAYMENTS_MORTGAGE_PAYMENT",
        }
    }

    pub fn day(
        &mut self,
        date: NaiveDate,
        day: u16,
        checking: u8,
        w: &Window,
        ledger: &mut Ledger,
    ) {
        if (date + Duration::days(STATEMENT_BEFORE_DUE)).day() == self.plan.due_day {
            self.last_statement = Some((date, ledger.balance(self.account)));
        }
        if date.day() != self.plan.due_day {
            return;
        }
        let balance = ledger.balance(self.account);
        let amount = self.plan.payment.min(balance);
        if amount <= 0 {
            return;
        }
        for (account, amt, name) in [
            (checking, amount, self.payment_name.clone()),
            (self.account, -amount, Cow::Borrowed("PAYMENT RECEIVED")),
        ] {
            ledger.post(Posting {
                day,
                auth_day: day,
                account,
                amount: amt,
                name,
                merchant_name: None,
                channel: PaymentChannel::Other,
                pfc: self.pfc(),
                pending: false,
            });
        }
        self.last_payment = Some((date, amount));
        if date.year() == w.end().year() {
            let interest =
                ((balance as f64 * self.plan.rate / 1200.0).round() as Cents).min(amount);
            self.ytd_interest += interest;
            self.ytd_principal += amount - interest;
        }
    }

    pub fn liability(&self, w: &Window, ledger: &Ledger) -> LoanLiability {
        let end = w.end();
        let due_this_month = end.with_day(self.plan.due_day).unwrap();
        let next_due = if due_this_month > end {
            due_this_month
        } else {
            due_this_month.checked_add_months(Months::new(1)).unwrap()
        };
        let origination = NaiveDate::from_ymd_opt(
            end.year() - self.plan.years_ago as i32,
            ((end.month() + 5) % 12) + 1,
            self.plan.due_day.min(28),
        )
        .unwrap();
        let balance = ledger.balance(self.account);
        let term_months = self.plan.term_years * 12;
        let paid_months = (self.plan.years_ago * 12).min(term_months - 1);
        let share_left = 1.0 - paid_months as f64 / term_months as f64 * 0.6;
        let (stmt_date, stmt_balance) = self.last_statement.unwrap_or((
            w.start,
            ledger.accounts[self.account as usize].start_balance,
        ));
        LoanLiability {
            account: self.account,
            kind: self.plan.kind,
            interest_rate_percentage: self.plan.rate,
            interest_rate_type: "fixed",
            loan_name: match self.plan.kind {
                LoanKind::Student => "Direct Unsubsidized Loan",
                LoanKind::Mortgage => "Conventional 30-Year Fixed",
            },
            minimum_payment_amount: self.plan.payment,
            last_payment_amount: self.last_payment.map(|p| p.1),
            last_payment_date: self.last_payment.map(|p| p.0),
            last_statement_issue_date: stmt_date,
            last_statement_balance: stmt_balance,
            next_payment_due_date: next_due,
            is_overdue: false,
            origination_date: origination,
            origination_principal_amount: ((balance as f64 / share_left) / 100.0).round() as Cents
                * 100,
            maturity_date: origination
                .checked_add_months(Months::new(term_months))
                .unwrap(),
            ytd_interest_paid: self.ytd_interest,
            ytd_principal_paid: self.ytd_principal,
        }
    }
}
