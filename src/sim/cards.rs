//! Credit cards: monthly statements (interest when the previous statement was not paid in full,
//! on the average daily balance of the cycle), minimum payment due 25 days later, payments by the
//! user's behaviour (full, partial, minimum, missed) as paired transfers from checking, made on a
//! business day (the due date may fall on any day), and late fees when less than the minimum
//! arrived by the due date.

use super::ledger::{Ledger, Posting};
use super::Window;
use crate::archetypes::{CardPlan, PayBehavior};
use crate::model::{Apr, Cents, CreditLiability};
use chrono::{Datelike, Duration, Months, NaiveDate};
use std::borrow::Cow;

pub const LATE_FEE: Cents = 3500;
pub const DUE_AFTER_DAYS: i64 = 25;

#[derive(Debug, Clone, Copy)]
pub struct Statement {
    pub date: NaiveDate,
    pub balance: Cents,
    pub minimum: Cents,
    pub due: NaiveDate,
}

#[derive(Debug, Clone)]
pub struct Card {
    pub plan: CardPlan,
    pub account: u8,
    pub mask: String,
    pub payment_name: Cow<'static, str>,
    cycle_sum: i128,
    cycle_days: i64,
    /// The previous statement was not paid in full by its due date: the next statement charges interest.
    carried: bool,
    pub statement: Statement,
    /// The day the user pays the current statement from checking ([`pay_day`]).
    pay_on: NaiveDate,
    /// The window's first business day: a statement whose payment day is before the window is
    /// paid then.
    first_pay_day: NaiveDate,
    paid_since_statement: Cents,
    due_checked: bool,
    pub overdue: bool,
    pub last_payment: Option<(NaiveDate, Cents)>,
    last_interest: Cents,
    last_adb: Cents,
    /// The most this card's monthly bills can cost, kept free for them.
    pub bill_reserve: Cents,
}

/// Minimum payment: 1% of the statement balance plus its interest, at least $25, never more than the balance.
pub fn minimum_payment(balance: Cents, interest: Cents) -> Cents {
    if balance <= 0 {
        return 0;
    }
    (balance / 100 + interest).max(25_00).min(balance)
}

/// The day a statement due on `due` is paid from checking, `lead` days early: an ACH transfer
/// settles on business days, so the user schedules it on the nearest business day (the earlier
/// of two as near) that is not after the due date.
fn pay_day(due: NaiveDate, lead: u16) -> NaiveDate {
    use super::calendar::{business_day_after, business_day_before};
    let day = due - Duration::days(lead as i64);
    let (before, after) = (business_day_before(day), business_day_after(day));
    if after <= due && after - day < day - before {
        after
    } else {
        before
    }
}

/// The latest date before `d` whose day of month is `dom` (1-28).
fn previous_dom(d: NaiveDate, dom: u32) -> NaiveDate {
    let this = d.with_day(dom).unwrap();
    if this < d {
        this
    } else {
        this.checked_sub_months(Months::new(1)).unwrap()
    }
}

impl Card {
    pub fn new(plan: CardPlan, account: u8, mask: String, w: &Window) -> Card {
        let prev = previous_dom(w.start, plan.statement_day);
        let balance = plan.start_balance;
        let statement = Statement {
            date: prev,
            balance,
            minimum: minimum_payment(balance, 0),
            due: prev + Duration::days(DUE_AFTER_DAYS),
        };
        let payment_name = Cow::Owned(format!(
            "{} CARD PAYMENT ENDING {}",
            plan.issuer.to_uppercase(),
            mask
        ));
        let pay_on = pay_day(statement.due, plan.lead);
        Card {
            carried: plan.carried_at_start,
            plan,
            account,
            mask,
            payment_name,
            cycle_sum: 0,
            cycle_days: 0,
            statement,
            pay_on,
            first_pay_day: super::calendar::business_day_after(w.start),
            paid_since_statement: 0,
            due_checked: statement.due < w.start,
            overdue: false,
            last_payment: None,
            last_interest: 0,
            last_adb: balance,
            bill_reserve: 0,
        }
    }

    /// Room left under the cap for the card's own monthly bills, in cents.
    pub fn bill_room(&self, ledger: &Ledger) -> Cents {
        let a = &ledger.accounts[self.account as usize];
        (self.plan.limit as f64 * self.plan.cap) as Cents - a.balance - a.pending
    }

    /// Room left for everyday purchases: under the cap, keeping the card's bills' room free (so a
    /// bill never has to move to checking, and every statement of a full payer carries it).
    pub fn room(&self, ledger: &Ledger) -> Cents {
        self.bill_room(ledger) - self.bill_reserve
    }

    /// The current statement's payment: the day it is made and what is left to pay on it (0 or
    /// less when nothing is owed or it is paid).
    fn payment_due(&self, w: &Window) -> (NaiveDate, Cents) {
        let day = self.pay_on.max(self.first_pay_day);
        if self.statement.balance <= 0 {
            return (day, 0);
        }
        (day, self.target(w) - self.paid_since_statement)
    }

    /// What the user will pay from checking on this statement's payment day, if that day is in
    /// `(today, until)` (for a payer who does not pay in full, whose card balance is not already
    /// kept aside as spent money): the amount a budgeting user keeps for it.
    pub fn payment_ahead(&self, today: NaiveDate, until: NaiveDate, w: &Window) -> Cents {
        let (day, amount) = self.payment_due(w);
        if self.plan.pay == PayBehavior::Full || day <= today || day >= until {
            return 0;
        }
        amount.max(0)
    }

    /// The amount the plan pays on the current statement.
    fn target(&self, w: &Window) -> Cents {
        let s = self.statement;
        match self.plan.pay {
            PayBehavior::Full => s.balance,
            PayBehavior::Minimum => s.minimum,
            PayBehavior::Partial(k) => ((s.minimum as f64 * k).round() as Cents).min(s.balance),
            PayBehavior::MissLastDue => {
                let next_due = s.date.checked_add_months(Months::new(1)).unwrap()
                    + Duration::days(DUE_AFTER_DAYS);
                if s.due <= w.end() && next_due > w.end() {
                    0
                } else {
                    s.minimum
                }
            }
        }
    }

    /// Payment due today (paired transfer checking -> card), before the day's purchases.
    pub fn pay(
        &mut self,
        date: NaiveDate,
        day: u16,
        checking: u8,
        w: &Window,
        ledger: &mut Ledger,
    ) {
        let (day_due, amount) = self.payment_due(w);
        if date != day_due || amount <= 0 {
            return;
        }
        ledger.post(Posting::bank(
            day,
            checking,
            amount,
            self.payment_name.clone(),
            "LOAN_PAYMENTS_CREDIT_CARD_PAYMENT",
        ));
        ledger.post(Posting::bank(
            day,
            self.account,
            -amount,
            Cow::Borrowed("PAYMENT - THANK YOU"),
            "LOAN_PAYMENTS_CREDIT_CARD_PAYMENT",
        ));
        self.paid_since_statement += amount;
        self.last_payment = Some((date, amount));
    }

    /// End of day: due-date check, statement close, then the cycle's daily balance sum.
    pub fn close_day(&mut self, date: NaiveDate, day: u16, ledger: &mut Ledger) {
        if !self.due_checked && date == self.statement.due {
            self.due_checked = true;
            self.carried = self.paid_since_statement < self.statement.balance;
            if self.statement.balance > 0 && self.paid_since_statement < self.statement.minimum {
                self.overdue = true;
                ledger.post(Posting::bank(
                    day,
                    self.account,
                    LATE_FEE,
                    Cow::Borrowed("LATE PAYMENT FEE"),
                    "BANK_FEES_OTHER_BANK_FEES",
                ));
            } else {
                self.overdue = false;
            }
        }
        let balance = ledger.balance(self.account);
        self.cycle_sum += balance as i128;
        self.cycle_days += 1;
        if date.day() == self.plan.statement_day {
            let adb = (self.cycle_sum / self.cycle_days as i128) as Cents;
            let days = (date - self.statement.date).num_days();
            let interest = if self.carried && adb > 0 {
                (adb as f64 * self.plan.apr / 100.0 * days as f64 / 365.0).round() as Cents
            } else {
                0
            };
            if interest > 0 {
                ledger.post(Posting::bank(
                    day,
                    self.account,
                    interest,
                    Cow::Borrowed("INTEREST CHARGE ON PURCHASES"),
                    "BANK_FEES_INTEREST_CHARGE",
                ));
            }
            let balance = ledger.balance(self.account);
            // A minimum missed at the due date is past due, and is added to the new minimum (as
            // card issuers do), less what was paid since.
            let past_due = if self.overdue {
                (self.statement.minimum - self.paid_since_statement).max(0)
            } else {
                0
            };
            self.statement = Statement {
                date,
                balance,
                minimum: (minimum_payment(balance, interest) + past_due).min(balance.max(0)),
                due: date + Duration::days(DUE_AFTER_DAYS),
            };
            self.pay_on = pay_day(self.statement.due, self.plan.lead);
            self.last_interest = interest;
            self.last_adb = adb;
            self.paid_since_statement = 0;
            self.due_checked = false;
            self.cycle_sum = 0;
            self.cycle_days = 0;
        }
    }

    /// Plaid's credit card liability as of the end of the window.
    pub fn liability(&self, w: &Window) -> CreditLiability {
        let s = self.statement;
        let next_due = if s.due > w.end() {
            s.due
        } else {
            s.date.checked_add_months(Months::new(1)).unwrap() + Duration::days(DUE_AFTER_DAYS)
        };
        let mut aprs = vec![Apr {
            apr_percentage: self.plan.apr,
            apr_type: "purchase_apr",
            balance_subject_to_apr: Some(self.last_adb.max(0)),
            interest_charge_amount: Some(self.last_interest),
        }];
        if self.plan.apr > 20.0 {
            aprs.push(Apr {
                apr_percentage: ((self.plan.apr + 5.0) * 100.0).round() / 100.0,
                apr_type: "cash_apr",
                balance_subject_to_apr: Some(0),
                interest_charge_amount: Some(0),
            });
        }
        CreditLiability {
            account: self.account,
            aprs,
            is_overdue: self.overdue,
            last_payment_amount: self.last_payment.map(|p| p.1),
            last_payment_date: self.last_payment.map(|p| p.0),
            last_statement_balance: s.balance,
            last_statement_issue_date: s.date,
            minimum_payment_amount: s.minimum,
            next_payment_due_date: next_due,
        }
    }
}
