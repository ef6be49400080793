//! Student loans and mortgages: fixed-rate, fully amortizing. Each month's payment is an ACH
//! debit: due on a weekend or federal holiday, it posts on the next business day
//! ([`calendar::due_posting_on`]). On that day the month's interest (the balance times the monthly
//! rate, to the cent) is posted on the loan account, then the fixed payment as a paired transfer
//! (checking side positive, loan side negative), so the balance falls by the principal share and
//! the account's transactions reconcile with its balance. The payments that posted before the
//! window follow the same schedule ([`opening`]): they set the balance the account opens with and
//! the year-to-date figures (a payment posts in its due date's year, so both count alike).

use super::calendar;
use super::ledger::{Ledger, Posting};
use super::Window;
use crate::archetypes::LoanPlan;
use crate::model::{Cents, LoanKind, LoanLiability};
use chrono::{Datelike, Duration, Months, NaiveDate};
use std::borrow::Cow;

pub const STATEMENT_BEFORE_DUE: i64 = 21;

/// The month's interest on `balance` at `rate` percent a year, to the cent.
fn interest(balance: Cents, rate: f64) -> Cents {
    (balance as f64 * rate / 1200.0).round() as Cents
}

/// One month: interest added, then the payment (never more than is owed). Returns
/// (interest, amount paid, balance after).
fn month(balance: Cents, plan: &LoanPlan) -> (Cents, Cents, Cents) {
    let i = interest(balance, plan.rate);
    let paid = plan.payment.min(balance + i);
    (i, paid, balance + i - paid)
}

/// The first due date whose payment posts on or after `start` (one due a few days before
/// `start`, on a weekend or holiday, posts on `start` or after it).
fn first_due_from(start: NaiveDate, due_day: u32) -> NaiveDate {
    let d = start.with_day(due_day).expect("due days are 1-28");
    let d = if d >= start {
        d
    } else {
        d.checked_add_months(Months::new(1)).unwrap()
    };
    let before = d.checked_sub_months(Months::new(1)).unwrap();
    if calendar::business_day_after(before) >= start {
        before
    } else {
        d
    }
}

/// Where a loan stands when the window opens.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Opening {
    /// The first payment's due date (`plan.paid_before` months before the window's first).
    pub first_due: NaiveDate,
    pub origination: NaiveDate,
    /// The balance after the payments before the window.
    pub balance: Cents,
    /// Interest and principal of the payments before the window in the calendar year `ytd_year`.
    pub ytd_interest: Cents,
    pub ytd_principal: Cents,
    /// The last payment before the window: (the day it posted, amount).
    pub last_payment: Option<(NaiveDate, Cents)>,
}

/// Runs `plan`'s schedule from origination to the window's start; `ytd_year` is the year the
/// year-to-date figures count (the window's last).
pub fn opening(plan: &LoanPlan, start: NaiveDate, ytd_year: i32) -> Opening {
    let first_in_window = first_due_from(start, plan.due_day);
    let first_due = first_in_window
        .checked_sub_months(Months::new(plan.paid_before))
        .unwrap();
    let origination = first_due.checked_sub_months(Months::new(1)).unwrap()
        - Duration::days(plan.close_days as i64);
    let mut o = Opening {
        first_due,
        origination,
        balance: plan.principal,
        ytd_interest: 0,
        ytd_principal: 0,
        last_payment: None,
    };
    // Months counted from year 0, so a payment's year is integer arithmetic.
    let first_month = first_due.year() * 12 + first_due.month0() as i32;
    let mut last_paid = 0;
    for k in 0..plan.paid_before {
        let (i, paid, after) = month(o.balance, plan);
        last_paid = paid;
        if (first_month + k as i32).div_euclid(12) == ytd_year {
            o.ytd_interest += i;
            o.ytd_principal += paid - i;
        }
        o.balance = after;
    }
    if plan.paid_before > 0 {
        let due = first_due
            .checked_add_months(Months::new(plan.paid_before - 1))
            .unwrap();
        o.last_payment = Some((calendar::business_day_after(due), last_paid));
    }
    o
}

#[derive(Debug, Clone)]
pub struct Loan {
    pub plan: LoanPlan,
    pub account: u8,
    opening: Opening,
    payment_name: Cow<'static, str>,
    last_payment: Option<(NaiveDate, Cents)>,
    last_statement: Option<(NaiveDate, Cents)>,
    ytd_interest: Cents,
    ytd_principal: Cents,
}

impl Loan {
    /// `opening` is [`opening`]`(&plan, ...)`, which the account was opened with.
    pub fn new(plan: LoanPlan, account: u8, opening: Opening) -> Loan {
        let what = match plan.kind {
            LoanKind::Student => "STUDENT LN PMT",
            LoanKind::Mortgage => "MORTGAGE PMT",
        };
        Loan {
            payment_name: Cow::Owned(format!("{} {}", plan.servicer.to_uppercase(), what)),
            plan,
            account,
            opening,
            last_payment: opening.last_payment,
            last_statement: None,
            ytd_interest: opening.ytd_interest,
            ytd_principal: opening.ytd_principal,
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
        if calendar::due_posting_on(date, self.plan.due_day).is_none() {
            return;
        }
        let balance = ledger.balance(self.account);
        if balance <= 0 {
            return;
        }
        let (interest, amount, _) = month(balance, &self.plan);
        if interest > 0 {
            ledger.post(Posting::bank(
                day,
                self.account,
                interest,
                Cow::Borrowed("INTEREST CHARGED"),
                "BANK_FEES_INTEREST_CHARGE",
            ));
        }
        for (account, amt, name) in [
            (checking, amount, self.payment_name.clone()),
            (self.account, -amount, Cow::Borrowed("PAYMENT RECEIVED")),
        ] {
            ledger.post(Posting::bank(day, account, amt, name, self.pfc()));
        }
        self.last_payment = Some((date, amount));
        if date.year() == w.end().year() {
            self.ytd_interest += interest;
            self.ytd_principal += amount - interest;
        }
    }

    pub fn liability(&self, w: &Window, ledger: &Ledger) -> LoanLiability {
        // The first due date whose payment has not posted by the end (one due on the last
        // weekend posts after it).
        let next_due = first_due_from(w.end() + Duration::days(1), self.plan.due_day);
        let last_due = self
            .opening
            .first_due
            .checked_add_months(Months::new(self.plan.term_months - 1))
            .unwrap();
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
            origination_date: self.opening.origination,
            origination_principal_amount: self.plan.principal,
            maturity_date: last_due,
            ytd_interest_paid: self.ytd_interest,
            ytd_principal_paid: self.ytd_principal,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn plan(due_day: u32, paid_before: u32) -> LoanPlan {
        LoanPlan {
            kind: LoanKind::Student,
            servicer: "Nelnet",
            principal: 20_000_00,
            rate: 6.0,
            payment: 222_04,
            due_day,
            term_months: 120,
            paid_before,
            close_days: 10,
        }
    }

    #[test]
    fn a_payment_due_before_the_window_that_posts_in_it_belongs_to_the_window() {
        // February 28, 2026 is a Saturday: that payment posts Monday, March 2, inside a window
        // that opens on March 1, so the opening counts the payments before it.
        let start = d(2026, 3, 1);
        assert_eq!(first_due_from(start, 28), d(2026, 2, 28));
        let o = opening(&plan(28, 3), start, 2026);
        assert_eq!(o.first_due, d(2025, 11, 28));
        // The last one before the window was due Wednesday, January 28, and posted that day.
        assert_eq!(o.last_payment.map(|p| p.0), Some(d(2026, 1, 28)));
        // A window ending Saturday, November 1, 2025: the payment due that day posts Monday,
        // after it, so it is the next one due ([`Loan::liability`]).
        assert_eq!(first_due_from(d(2025, 11, 2), 1), d(2025, 11, 1));
        assert_eq!(first_due_from(d(2025, 11, 1), 1), d(2025, 11, 1));
        // Due on the 25th (a Wednesday in February 2026): nothing crosses.
        assert_eq!(first_due_from(start, 25), d(2026, 3, 25));
        // A last payment due on a Sunday is reported on the Monday it posted.
        let o = opening(&plan(1, 2), d(2026, 3, 2), 2026);
        assert_eq!(o.last_payment.map(|p| p.0), Some(d(2026, 2, 2)));
    }
}
