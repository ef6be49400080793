//! The simulation: one user lives day by day through the window with running balances. Income,
//! rent, bills, loans, savings transfers, card statements and payments, life events and everyday
//! purchases are posted to a [`Ledger`]; balances, statements and liabilities are read off it.

pub mod calendar;
pub mod cards;
pub mod income;
pub mod ledger;
pub mod loans;
pub mod merchants;
pub mod spending;
pub mod stress;

use crate::archetypes::{self, Housing, LifeEvent, Mode, PaySchedule, Profile};
use crate::ids::{opaque_id, redraw_rng, user_rng, IdKind};
use crate::model::{
    Account, AccountSubtype, Cents, Liability, PaymentChannel, Transaction, User, UserData,
    UserLabel,
};
use crate::plan::Slot;
use cards::Card;
use chrono::{Datelike, Duration, NaiveDate};
use fake::faker::name::en::{FirstName, LastName};
use fake::Fake;
use ledger::{Ledger, Posting};
use loans::Loan;
use merchants::Merchant;
use rand::RngExt;
use rand_chacha::ChaCha8Rng;
use spending::Spender;
use std::borrow::Cow;

/// PFC categories the simulation uses outside the merchant catalog (checked against the taxonomy).
pub const FIXED_CATEGORIES: [&str; 14] = [
    "INCOME_WAGES",
    "INCOME_RETIREMENT_PENSION",
    "INCOME_OTHER_INCOME",
    "INCOME_INTEREST_EARNED",
    "TRANSFER_IN_SAVINGS",
    "TRANSFER_OUT_SAVINGS",
    "LOAN_PAYMENTS_CREDIT_CARD_PAYMENT",
    "LOAN_PAYMENTS_STUDENT_LOAN_PAYMENT",
    "LOAN_PAYMENTS_MORTGAGE_PAYMENT",
    "BANK_FEES_INTEREST_CHARGE",
    "BANK_FEES_OVERDRAFT_FEES",
    "BANK_FEES_OTHER_BANK_FEES",
    "RENT_AND_UTILITIES_RENT",
    "TRANSFER_OUT_WITHDRAWAL",
];

/// Days a pending transaction can be in: the last `PENDING_DAYS` of the window.
pub const PENDING_DAYS: u16 = 2;
/// The low-balance line of the cash-flow persona, in cents.
pub const LOW_BALANCE: Cents = 100_00;

/// The simulated days: `start` to `start + n_days - 1` inclusive.
#[derive(Debug, Clone, Copy)]
pub struct Window {
    pub n_days: u16,
    pub start: NaiveDate,
}

impl Window {
    pub fn new(start: NaiveDate, end: NaiveDate) -> Window {
        Window {
            n_days: ((end - start).num_days() + 1) as u16,
            start,
        }
    }
    pub fn end(&self) -> NaiveDate {
        self.start + Duration::days(self.n_days as i64 - 1)
    }
    pub fn date(&self, day: u16) -> NaiveDate {
        self.start + Duration::days(day as i64)
    }
}

/// Demographics, drawn first in each user's stream so they do not depend on the archetype.
#[derive(Debug, Clone)]
pub struct Demographics {
    pub first_name: String,
    pub last_name: String,
    pub age: u8,
    pub age_bracket: &'static str,
    pub region: &'static str,
    pub life_stage: &'static str,
    pub created_days_before_start: i64,
    pub created_second: u32,
    pub consent_days_after_created: i64,
    pub consent_second: u32,
}

/// Age brackets: (name, lowest age, highest age, share in percent).
pub const BRACKETS: [(&str, u8, u8, u32); 6] = [
    ("18-24", 18, 24, 14),
    ("25-34", 25, 34, 22),
    ("35-44", 35, 44, 20),
    ("45-54", 45, 54, 18),
    ("55-64", 55, 64, 15),
    ("65+", 65, 80, 11),
];

/// The values of `users.region`.
pub const REGIONS: [&str; 3] = ["urban", "suburban", "rural"];
/// The values of `users.life_stage`, and the ages each is drawn for.
pub const LIFE_STAGES: [(&str, u8, u8); 6] = [
    ("student", 18, 24),
    ("early_career", 18, 34),
    ("family", 25, 54),
    ("established", 35, 54),
    ("pre_retirement", 55, 64),
    ("retired", 65, 120),
];

pub fn draw_demographics(rng: &mut ChaCha8Rng) -> Demographics {
    let first_name: String = FirstName().fake_with_rng(rng);
    let last_name: String = LastName().fake_with_rng(rng);
    let mut x = rng.random_range(0..100u32);
    let mut bracket = BRACKETS[5];
    for b in BRACKETS {
        if x < b.3 {
            bracket = b;
            break;
        }
        x -= b.3;
    }
    let age = rng.random_range(bracket.1..=bracket.2);
    let region = match rng.random_range(0..100) {
        0..=44 => REGIONS[0],
        45..=79 => REGIONS[1],
        _ => REGIONS[2],
    };
    let r = rng.random::<f64>();
    let life_stage = match age {
        18..=24 => {
            if r < 0.6 {
                "student"
            } else {
                "early_career"
            }
        }
        25..=34 => {
            if r < 0.6 {
                "early_career"
            } else {
                "family"
            }
        }
        35..=54 => {
            if r < 0.6 {
                "family"
            } else {
                "established"
            }
        }
        55..=64 => "pre_retirement",
        _ => "retired",
    };
    Demographics {
        first_name,
        last_name,
        age,
        age_bracket: bracket.0,
        region,
        life_stage,
        created_days_before_start: rng.random_range(30..1500),
        created_second: rng.random_range(0..86_400),
        consent_days_after_created: rng.random_range(0..30),
        consent_second: rng.random_range(0..86_400),
    }
}

/// The `users.income_tier` of an annual income.
pub fn income_tier(annual: Cents) -> &'static str {
    match annual / 100 {
        ..=29_999 => "low",
        30_000..=49_999 => "lower_middle",
        50_000..=84_999 => "middle",
        85_000..=129_999 => "upper_middle",
        _ => "high",
    }
}

const BANKS: [&str; 6] = [
    "Chase",
    "Bank of America",
    "Wells Fargo",
    "Citibank",
    "US Bank",
    "PNC",
];

/// Everything the day loop needs, with the ledger it writes.
struct Sim<'a> {
    p: &'a Profile,
    w: Window,
    rng: &'a mut ChaCha8Rng,
    ledger: Ledger,
    checking: u8,
    savings: Option<u8>,
    cards: Vec<Card>,
    loans: Vec<Loan>,
    savings_transfer_name: Cow<'static, str>,
    /// The two sides of a transfer from savings to checking: (savings side, checking side).
    from_savings_names: (Cow<'static, str>, Cow<'static, str>),
    /// Charge days per everyday merchant (index into `DISCRETIONARY`), for the cadence guard.
    merchant_days: Vec<Vec<u16>>,
    /// ACH debits from checking due on a weekend or holiday, waiting for the next business day.
    waiting: Vec<Waiting>,
}

/// An ACH debit ([`Merchant::settles_on_business_days`]) due on a day it cannot settle.
struct Waiting {
    /// The day it posts (the next business day) and the day it was due (its authorized date).
    day: u16,
    due: u16,
    amount: Cents,
    merchant: &'static Merchant,
}

/// A charge by merchant `m`, authorized on `auth_day`.
fn merchant_posting(
    day: u16,
    auth_day: u16,
    account: u8,
    amount: Cents,
    m: &'static Merchant,
    pending: bool,
) -> Posting {
    Posting {
        day,
        auth_day,
        account,
        amount,
        name: Cow::Borrowed(m.name),
        merchant_name: Some(m.merchant_name),
        channel: m.channel,
        pfc: m.pfc,
        pending,
    }
}

impl Sim<'_> {
    fn post(&mut self, day: u16, account: u8, amount: Cents, m: &'static Merchant, pending: bool) {
        let auth_lag =
            if pending || m.channel == PaymentChannel::Other || m.settles_on_business_days() {
                0
            } else {
                match self.rng.random_range(0..100) {
                    0..=54 => 0,
                    55..=89 => 1,
                    _ => 2,
                }
            };
        let auth_day = day.saturating_sub(auth_lag);
        self.ledger
            .post(merchant_posting(day, auth_day, account, amount, m, pending));
    }

    /// A bill or rent payment from checking due on `day`: an ACH debit due on a weekend or
    /// holiday waits for the next business day (after the window's end, it is not in the data).
    fn pay_from_checking(&mut self, day: u16, amount: Cents, m: &'static Merchant) {
        let date = self.w.date(day);
        if !m.settles_on_business_days() || calendar::is_business_day(date) {
            self.post(day, self.checking, amount, m, false);
            return;
        }
        let on = calendar::business_day_after(date);
        if on <= self.w.end() {
            self.waiting.push(Waiting {
                day: (on - self.w.start).num_days() as u16,
                due: day,
                amount,
                merchant: m,
            });
        }
    }

    /// Moves `amount` from a savings account without regular transfers (one kept for large costs)
    /// to checking, if it holds `amount` and [`SAVINGS_CUSHION`] more. Returns whether it did.
    /// A savings builder's account is never drawn on: its inflow is its persona.
    fn cover_from_savings(&mut self, day: u16, amount: Cents) -> bool {
        let (Some(plan), Some(acct)) = (&self.p.savings, self.savings) else {
            return false;
        };
        if plan.per_transfer > 0 || self.ledger.balance(acct) < amount + SAVINGS_CUSHION {
            return false;
        }
        let (out, into) = self.from_savings_names.clone();
        self.post_other(day, acct, amount, out, "TRANSFER_OUT_ACCOUNT_TRANSFER");
        self.post_other(
            day,
            self.checking,
            -amount,
            into,
            "TRANSFER_IN_ACCOUNT_TRANSFER",
        );
        true
    }

    /// Posts the waiting debits that settle on `day`.
    fn settle_waiting(&mut self, day: u16) {
        let mut k = 0;
        while k < self.waiting.len() {
            if self.waiting[k].day != day {
                k += 1;
                continue;
            }
            let x = self.waiting.remove(k);
            let posting = merchant_posting(day, x.due, self.checking, x.amount, x.merchant, false);
            self.ledger.post(posting);
        }
    }

    fn post_other(
        &mut self,
        day: u16,
        account: u8,
        amount: Cents,
        name: Cow<'static, str>,
        pfc: &'static str,
    ) {
        self.ledger
            .post(Posting::bank(day, account, amount, name, pfc));
    }

    /// A purchase that can be declined: to a card with room under its cap, or from checking when it
    /// stays at or above `floor`. Returns the account charged, or `None` when it was declined.
    fn purchase(
        &mut self,
        day: u16,
        m: &'static Merchant,
        amount: Cents,
        floor: Cents,
        everyday: bool,
    ) -> Option<u8> {
        let pending = everyday
            && self.p.pending_ok
            && day + PENDING_DAYS >= self.w.n_days
            && self.rng.random_bool(0.3);
        let prefer_card = !self.cards.is_empty() && self.rng.random_bool(self.p.card_share);
        // What is owed on cards paid in full is money already spent from checking.
        let committed: Cents = self
            .cards
            .iter()
            .filter(|c| c.plan.pay == archetypes::PayBehavior::Full)
            .map(|c| {
                let a = &self.ledger.accounts[c.account as usize];
                a.balance + a.pending
            })
            .sum();
        let free = {
            let a = &self.ledger.accounts[self.checking as usize];
            a.balance - a.pending - committed - amount
        };
        let card = self.cards.iter().position(|c| {
            c.room(&self.ledger) >= amount
                && (c.plan.pay != archetypes::PayBehavior::Full || free >= floor)
        });
        let debit_ok = free >= floor;
        let target = match (prefer_card, card, debit_ok) {
            (true, Some(c), _) => Some(self.cards[c].account),
            (_, _, true) => Some(self.checking),
            (false, Some(c), false) => Some(self.cards[c].account),
            _ => None,
        };
        if let Some(acct) = target {
            self.post(day, acct, amount, m, pending);
        }
        target
    }

    /// Draws an everyday purchase whose merchant passes the cadence guard (a few tries).
    fn everyday(&mut self, spender: &Spender, day: u16) -> Option<(&'static Merchant, Cents)> {
        for _ in 0..4 {
            let (i, amount) = spender.purchase(self.rng);
            let from = self.w.n_days.saturating_sub(90);
            if spending::cadence_ok(&self.merchant_days[i], day, from) {
                return Some((&merchants::DISCRETIONARY[i], amount));
            }
        }
        None
    }

    /// A planned low day of a cash-flow-stressed user: checking ends the day under $100. Up to
    /// six everyday purchases at amounts their merchants charge (the last one may take what is
    /// left when that is in the merchant's range), then what is still above the day's target is
    /// taken out in cash: an ATM withdrawal in twenties, with one large purchase (electronics,
    /// furniture, a flight) in its merchant's range for what is over $800 (when none fits, the
    /// withdrawal takes it). A remainder under $15 stays: the target is at most $85.
    fn spend_down(&mut self, spender: &Spender, day: u16) {
        const KEEP: Cents = 15_00;
        let target = self.rng.random_range(15_00..=85_00);
        let mut excess = self.ledger.balance(self.checking) - target;
        for _ in 0..6 {
            if excess < KEEP {
                return;
            }
            let Some((m, amount)) = self.everyday(spender, day) else {
                continue;
            };
            let amount = if amount <= excess {
                amount
            } else if m.lo <= excess {
                excess
            } else {
                continue;
            };
            self.charged(m, day);
            self.post(day, self.checking, amount, m, false);
            excess -= amount;
        }
        if excess < KEEP {
            return;
        }
        const ATM_MAX: Cents = 800_00;
        let cash = twenties(excess - KEEP + 1).min(ATM_MAX);
        if excess - cash >= KEEP {
            // More than the ATM allows: one large purchase in its merchant's range.
            let rest = excess - cash;
            let fits: Vec<&'static Merchant> = merchants::LARGE_PURCHASES
                .iter()
                .filter(|m| m.lo <= rest && rest <= m.hi)
                .collect();
            if !fits.is_empty() {
                let m = fits[self.rng.random_range(0..fits.len())];
                self.post(day, self.checking, rest, m, false);
                excess -= rest;
            }
        }
        let cash = twenties(excess - KEEP + 1);
        if cash > 0 {
            self.post_other(
                day,
                self.checking,
                cash,
                Cow::Borrowed("ATM CASH WITHDRAWAL"),
                "TRANSFER_OUT_WITHDRAWAL",
            );
        }
    }

    /// Checking bills (rent, loans, bills not on a card, at their highest) due on days
    /// `from..until`: what a budgeting user keeps aside until the next payment.
    fn bills_due(&self, from: u16, until: u16) -> Cents {
        (from..until)
            .map(|day| checking_bills_on(self.p, &self.w, self.w.date(day)))
            .sum()
    }

    fn charged(&mut self, m: &'static Merchant, day: u16) {
        let i = (m as *const Merchant as usize - merchants::DISCRETIONARY.as_ptr() as usize)
            / std::mem::size_of::<Merchant>();
        if self.merchant_days[i].last() != Some(&day) {
            self.merchant_days[i].push(day);
        }
    }

    fn run(&mut self, deposits: &[income::Deposit], low: &[bool]) {
        let p = self.p;
        let spender = Spender::new(p.daily_spend);
        let deposit_name = |payer: &str| -> Cow<'static, str> {
            Cow::Owned(match p.pay.schedule {
                PaySchedule::Gig | PaySchedule::Contract => format!("{payer} PAYOUT"),
                _ if p.pay.pfc == "INCOME_RETIREMENT_PENSION" => format!("{payer} PENSION PMT"),
                _ => format!("{payer} DIRECT DEP PPD"),
            })
        };
        let mut next_deposit = 0;
        let mut paid_rent_month: Option<u32> = None;
        for day in 0..self.w.n_days {
            let date = self.w.date(day);
            // 1. income
            let mut payday = false;
            while next_deposit < deposits.len() && deposits[next_deposit].day == day {
                let d = &deposits[next_deposit];
                let name = deposit_name(d.payer);
                let mut amount = d.amount;
                if p.pay.schedule == PaySchedule::Contract
                    && next_deposit + 1 == deposits.len()
                    && p.stress.is_none()
                {
                    // The last contract payment tops the account up to its plan: surplus left
                    // from earlier (spending came in under plan) is taken off it, so the balance
                    // at the end runs down whatever the spending noise was.
                    let surplus = (self.ledger.balance(self.checking) - p.floor).max(0);
                    amount = (amount - surplus).max(amount * 3 / 10);
                }
                self.post_other(day, self.checking, -amount, name, p.pay.pfc);
                next_deposit += 1;
                payday = true;
            }
            // 2. housing (after the ACH debits due since the last business day)
            self.settle_waiting(day);
            if let Housing::Rent {
                landlord,
                amount,
                day: dom,
                on_payday,
            } = &p.housing
            {
                let due = if *on_payday {
                    payday && paid_rent_month != Some(date.month())
                } else {
                    date.day() == *dom
                };
                if due {
                    paid_rent_month = Some(date.month());
                    self.pay_from_checking(day, *amount, landlord);
                }
            }
            // 3. loans, bills
            for loan in self.loans.iter_mut() {
                loan.day(date, day, self.checking, &self.w, &mut self.ledger);
            }
            for b in &p.bills {
                if date.day() == b.day {
                    let amount = if b.lo == b.hi {
                        b.lo
                    } else {
                        self.rng.random_range(b.lo..=b.hi)
                    };
                    // A bill goes to its card while the card has room under its cap, else to
                    // checking (so bills never push a card over its limit).
                    match b
                        .card
                        .filter(|&c| self.cards[c].bill_room(&self.ledger) >= amount)
                    {
                        Some(c) => {
                            let acct = self.cards[c].account;
                            self.post(day, acct, amount, b.merchant, false);
                        }
                        None => self.pay_from_checking(day, amount, b.merchant),
                    }
                }
            }
            // 4. savings: transfers on the 2nd and 16th, interest on the last day of the month
            if let (Some(s), Some(acct)) = (&p.savings, self.savings) {
                if s.per_transfer > 0
                    && (date.day() == 2 || date.day() == 16)
                    && self.ledger.balance(self.checking) - s.per_transfer >= LOW_BALANCE
                {
                    let name = self.savings_transfer_name.clone();
                    self.post_other(
                        day,
                        self.checking,
                        s.per_transfer,
                        name,
                        "TRANSFER_OUT_SAVINGS",
                    );
                    self.post_other(
                        day,
                        acct,
                        -s.per_transfer,
                        Cow::Borrowed("ONLINE TRANSFER FROM CHECKING"),
                        "TRANSFER_IN_SAVINGS",
                    );
                }
                if (date + Duration::days(1)).day() == 1 {
                    let interest =
                        (self.ledger.balance(acct) as f64 * s.apy / 1200.0).round() as Cents;
                    if interest > 0 {
                        self.post_other(
                            day,
                            acct,
                            -interest,
                            Cow::Borrowed("INTEREST PAYMENT"),
                            "INCOME_INTEREST_EARNED",
                        );
                    }
                }
            }
            // 5. card payments
            for card in self.cards.iter_mut() {
                card.pay(date, day, self.checking, &self.w, &mut self.ledger);
            }
            // The day's floor for purchases that can be declined (life events and everyday):
            // stressed users spend down on planned low days; others keep aside the card payments
            // they will make from checking before the next payday (a partial or minimum payer's
            // card balance is not money already spent), and contract earners their bills too.
            let is_low = low.get(day as usize).copied().unwrap_or(false);
            let floor = if p.stress.is_some() {
                if is_low {
                    5_00
                } else {
                    p.floor
                }
            } else {
                let next = deposits
                    .get(next_deposit)
                    .map(|d| d.day)
                    .unwrap_or(self.w.n_days);
                let until = self.w.date(next);
                let cards: Cents = self
                    .cards
                    .iter()
                    .map(|c| c.payment_ahead(date, until, &self.w))
                    .sum();
                let bills = if p.pay.schedule == PaySchedule::Contract {
                    self.bills_due(day + 1, next)
                } else {
                    0
                };
                p.floor + cards + bills
            };
            // 6. life events
            for e in &p.events {
                match *e {
                    // A medical bill or a large purchase is paid (by card or from checking)
                    // only within the day's floor; a bill beyond it goes on a payment plan outside
                    // the window, so it never makes a user look stressed by accident. One paid
                    // from checking, or one checking cannot take, is covered from a savings
                    // account kept for such costs, when it holds enough.
                    LifeEvent::Medical {
                        day: d,
                        merchant,
                        amount,
                    }
                    | LifeEvent::LargePurchase {
                        day: d,
                        merchant,
                        amount,
                    } if d == day => match self.purchase(day, merchant, amount, floor, false) {
                        Some(acct) if acct == self.checking => {
                            self.cover_from_savings(day, amount);
                        }
                        Some(_) => {}
                        None => {
                            if self.cover_from_savings(day, amount) {
                                self.post(day, self.checking, amount, merchant, false);
                            }
                        }
                    },
                    _ => {}
                }
            }
            // 7. everyday purchases
            for _ in 0..spender.count(date, self.rng) {
                if let Some((m, amount)) = self.everyday(&spender, day) {
                    if self.purchase(day, m, amount, floor, true).is_some() {
                        self.charged(m, day);
                    }
                }
            }
            // 8. cash-flow stress: spend checking down below $100 on planned low days
            if is_low {
                self.spend_down(&spender, day);
            }
            // 9. statements, due dates
            for card in self.cards.iter_mut() {
                card.close_day(date, day, &mut self.ledger);
            }
            // 10. edge case: bring a card to an exact balance on the last day
            if day + 1 == self.w.n_days {
                if let Some((c, target)) = p.final_card_balance {
                    let acct = self.cards[c].account;
                    let amount = target - self.ledger.balance(acct);
                    assert!(amount > 0, "the final purchase must be positive");
                    let m = &merchants::LARGE_PURCHASES[0];
                    self.post(day, acct, amount, m, false);
                }
            }
            self.ledger.end_of_day(day);
        }
    }
}

/// What a savings account keeps after covering a large cost.
const SAVINGS_CUSHION: Cents = 500_00;

/// How far a scheduled payment may overdraw a stressed user's spent-down balance: the plan keeps
/// aside anything more (rent, loans) until pay covers it.
const OVERDRAFT_SLACK: Cents = 100_00;

/// Checking payments that post on `date` of window `w`: rent (unless paid on payday), loans, and
/// bills not on a card, at their highest. An ACH debit posts on the business day on or after its
/// due date; rent and bills due before the window are not in it, loan payments are.
fn checking_bills_on(p: &Profile, w: &Window, date: NaiveDate) -> Cents {
    // Whether an ACH debit due on day `dom` of a month, on `from` or later, posts on `date`.
    let ach = |dom: u32, from: NaiveDate| {
        calendar::due_posting_on(date, dom).is_some_and(|due| due >= from)
    };
    // Whether a payment to `m` due on day `dom` of a month posts on `date`.
    let posts = |dom: u32, m: &Merchant| {
        if m.settles_on_business_days() {
            ach(dom, w.start)
        } else {
            date.day() == dom
        }
    };
    let rent = match &p.housing {
        Housing::Rent {
            amount,
            day,
            on_payday: false,
            landlord,
        } if posts(*day, landlord) => *amount,
        _ => 0,
    };
    let loans: Cents = p
        .loans
        .iter()
        .filter(|l| ach(l.due_day, NaiveDate::MIN))
        .map(|l| l.payment)
        .sum();
    let bills: Cents = p
        .bills
        .iter()
        .filter(|b| b.card.is_none() && posts(b.day, b.merchant))
        .map(|b| b.hi)
        .sum();
    rent + loans + bills
}

/// The smallest multiple of $20 at least `c` (0 for `c <= 0`).
fn twenties(c: Cents) -> Cents {
    (c.max(0) + 19_99) / 20_00 * 20_00
}

/// A simulated user: the records plus the ledger's daily balances when they were recorded.
pub struct Simulated {
    pub data: UserData,
    /// End-of-day posted balance per account per day (only with `record_daily`).
    pub daily: Option<Vec<Vec<Cents>>>,
    pub start_balances: Vec<Cents>,
}

fn mask(rng: &mut ChaCha8Rng, used: &mut Vec<String>) -> String {
    loop {
        let m = format!("{:04}", rng.random_range(0..10_000));
        if !used.contains(&m) {
            used.push(m.clone());
            return m;
        }
    }
}

/// Simulates draw `draw` of user `index` of a run of `n_users`. Draw 0 comes from the user's own
/// stream, [`user_rng`]`(seed, index)`; a later one (`crate::generate::user` asks for it when a
/// draw misses its labels) keeps the user's demographics (name, age, region: drawn first from
/// that stream) and simulates the rest from [`redraw_rng`]`(seed, index, draw)`.
pub fn simulate_draw(
    seed: u64,
    index: u64,
    n_users: u64,
    slot: &Slot,
    w: &Window,
    record_daily: bool,
    draw: u32,
) -> Simulated {
    let mut rng = user_rng(seed, index);
    let demo = draw_demographics(&mut rng);
    if draw > 0 {
        rng = redraw_rng(seed, index, draw);
    }
    let profile = archetypes::build(slot, &demo, w, &mut rng);
    let p = &profile;

    let bank = BANKS[rng.random_range(0..BANKS.len())];
    let mut masks = Vec::new();
    let mut ledger = Ledger::new(record_daily);
    let mut meta: Vec<(String, String, String)> = Vec::new();

    let (deposits, opening) = if p.mode == Mode::Normal {
        income::schedule(&p.pay, w.start, w.n_days, p.daily_need(), &mut rng)
    } else {
        (Vec::new(), None)
    };
    let checking_start = match opening {
        Some(o) => o + p.floor + rng.random_range(0..20_000),
        None => p.checking_start,
    };
    let checking = ledger.open(AccountSubtype::Checking, checking_start, None);
    meta.push((
        "Everyday Checking".into(),
        format!("{bank} Everyday Checking"),
        mask(&mut rng, &mut masks),
    ));
    let savings = p.savings.as_ref().map(|s| {
        let (name, official) = match s.subtype {
            AccountSubtype::MoneyMarket => ("Money Market", format!("{bank} Premier Money Market")),
            AccountSubtype::Hsa => (
                "Health Savings Account",
                format!("{bank} Health Savings Account"),
            ),
            _ => ("High-Yield Savings", format!("{bank} High-Yield Savings")),
        };
        meta.push((name.into(), official, mask(&mut rng, &mut masks)));
        ledger.open(s.subtype, s.start, None)
    });
    let mut cards = Vec::new();
    for c in &p.cards {
        let acct = ledger.open(AccountSubtype::CreditCard, c.start_balance, Some(c.limit));
        let m = mask(&mut rng, &mut masks);
        meta.push((
            format!("{} {}", c.issuer, c.product),
            format!("{} {} Card", c.issuer, c.product),
            m.clone(),
        ));
        let mut card = Card::new(c.clone(), acct, m, w);
        card.bill_reserve = p
            .bills
            .iter()
            .filter(|b| b.card == Some(cards.len()))
            .map(|b| b.hi)
            .sum();
        cards.push(card);
    }
    let mut loans = Vec::new();
    for l in &p.loans {
        let (subtype, name, official) = match l.kind {
            crate::model::LoanKind::Student => (
                AccountSubtype::Student,
                "Student Loan",
                format!("{} Direct Loan - Unsubsidized", l.servicer),
            ),
            crate::model::LoanKind::Mortgage => (
                AccountSubtype::Mortgage,
                "Home Mortgage",
                format!("{} 30-Year Fixed Mortgage", l.servicer),
            ),
        };
        let opening = loans::opening(l, w.start, w.end().year());
        let acct = ledger.open(subtype, opening.balance, None);
        meta.push((name.into(), official, mask(&mut rng, &mut masks)));
        loans.push(Loan::new(l.clone(), acct, opening));
    }

    let low = match (&p.stress, p.mode) {
        (Some(plan), Mode::Normal) => {
            let paydays: Vec<u16> = deposits.iter().map(|d| d.day).collect();
            // Days whose balance must stay up: rent, loans and bills due from checking later
            // would overdraw it before pay covers them.
            let mut net: Vec<Cents> = (0..w.n_days)
                .map(|d| checking_bills_on(p, w, w.date(d)))
                .collect();
            for d in &deposits {
                net[d.day as usize] -= d.amount;
            }
            let keep = stress::kept_days(&net, OVERDRAFT_SLACK);
            stress::plan_low_days(w.n_days as usize, &paydays, &keep, *plan)
        }
        _ => Vec::new(),
    };
    let savings_mask = savings
        .map(|s| meta[s as usize].2.clone())
        .unwrap_or_default();
    let savings_transfer_name =
        Cow::Owned(format!("ONLINE TRANSFER TO SAVINGS XXXXXX{savings_mask}"));
    let from_savings_names = match savings {
        Some(_) => (
            Cow::Owned(format!(
                "ONLINE TRANSFER TO CHECKING XXXXXX{}",
                meta[checking as usize].2
            )),
            Cow::Owned(format!("ONLINE TRANSFER FROM SAVINGS XXXXXX{savings_mask}")),
        ),
        None => (Cow::Borrowed(""), Cow::Borrowed("")),
    };
    let mut sim = Sim {
        merchant_days: vec![Vec::new(); merchants::DISCRETIONARY.len()],
        waiting: Vec::new(),
        savings_transfer_name,
        from_savings_names,
        p,
        w: *w,
        rng: &mut rng,
        ledger,
        checking,
        savings,
        cards,
        loans,
    };
    match p.mode {
        Mode::Normal => sim.run(&deposits, &low),
        Mode::Dormant => {
            for day in 0..w.n_days {
                sim.ledger.end_of_day(day);
            }
        }
        Mode::OnlyPending => {
            let spender = Spender::new(2_000);
            for day in 0..w.n_days {
                if day + PENDING_DAYS >= w.n_days {
                    for _ in 0..sim.rng.random_range(1..=2) {
                        let (i, amount) = spender.purchase(sim.rng);
                        let m = &merchants::DISCRETIONARY[i];
                        sim.post(day, sim.checking, amount, m, true);
                    }
                }
                sim.ledger.end_of_day(day);
            }
        }
    }
    let Sim {
        ledger,
        cards,
        loans,
        ..
    } = sim;

    // Records
    let user_id = crate::ids::user_id(index, n_users);
    let created = (w.start - Duration::days(demo.created_days_before_start))
        .and_hms_opt(0, 0, 0)
        .unwrap()
        + Duration::seconds(demo.created_second as i64);
    // Consent is given (or refused) after sign-up: 0-30 days and some seconds later.
    let consent_at = created
        + Duration::seconds(demo.consent_days_after_created * 86_400 + demo.consent_second as i64);
    let ts = |t: chrono::NaiveDateTime| t.format("%Y-%m-%dT%H:%M:%SZ").to_string();
    let local: String = format!("{}.{}", demo.first_name, demo.last_name)
        .to_lowercase()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '.')
        .collect();
    let user = User {
        user_id,
        name: format!("{} {}", demo.first_name, demo.last_name),
        email: format!("{local}.{index}@example.com"),
        created_at: ts(created),
        consent_status: slot.consent,
        consent_updated_at: ts(consent_at),
        age: demo.age,
        age_bracket: demo.age_bracket,
        annual_income: p.annual_income,
        income_tier: income_tier(p.annual_income),
        region: demo.region,
        life_stage: demo.life_stage,
    };
    let accounts: Vec<Account> = ledger
        .accounts
        .iter()
        .zip(meta)
        .enumerate()
        .map(|(i, (a, (name, official_name, mask)))| {
            let (available, limit) = match a.subtype.account_type() {
                crate::model::AccountType::Depository => (Some(a.balance - a.pending), None),
                crate::model::AccountType::Credit => {
                    let l = a.limit.unwrap_or(0);
                    (Some((l - a.balance - a.pending).max(0)), Some(l))
                }
                crate::model::AccountType::Loan => (None, None),
            };
            Account {
                account_id: opaque_id("acc_", seed, index, IdKind::Account, i as u64),
                subtype: a.subtype,
                name,
                official_name,
                mask,
                balance_available: available,
                balance_current: a.balance,
                balance_limit: limit,
            }
        })
        .collect();
    let mut liabilities: Vec<Liability> = cards
        .iter()
        .map(|c| Liability::Credit(c.liability(w)))
        .collect();
    liabilities.extend(
        loans
            .iter()
            .map(|l| Liability::Loan(l.liability(w, &ledger))),
    );
    let transactions: Vec<Transaction> = ledger
        .postings
        .into_iter()
        .map(|t| Transaction {
            account: t.account,
            date: w.date(t.day),
            authorized_date: w.date(t.auth_day),
            amount: t.amount,
            name: t.name,
            merchant_name: t.merchant_name,
            payment_channel: t.channel,
            pfc_detailed: t.pfc,
            pending: t.pending,
        })
        .collect();
    let start_balances = ledger.accounts.iter().map(|a| a.start_balance).collect();
    Simulated {
        data: UserData {
            index,
            seed,
            user,
            accounts,
            transactions,
            liabilities,
            label: UserLabel {
                archetype: slot.archetype,
                personas: p.personas,
                edge_case: slot.edge_case,
            },
        },
        daily: ledger.daily,
        start_balances,
    }
}
