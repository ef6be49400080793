//! The ledger: accounts with running posted balances and every transaction in posting order.
//! Sign convention is Plaid's: `amount > 0` is money out of the account. A depository balance goes
//! down by `amount`; a credit or loan balance (money owed) goes up by `amount`.

use crate::model::{AccountSubtype, AccountType, Cents, PaymentChannel};
use std::borrow::Cow;

pub const OVERDRAFT_FEE: Cents = 3400;

#[derive(Debug, Clone)]
pub struct Posting {
    pub day: u16,
    pub auth_day: u16,
    pub account: u8,
    pub amount: Cents,
    pub name: Cow<'static, str>,
    pub merchant_name: Option<&'static str>,
    pub channel: PaymentChannel,
    pub pfc: &'static str,
    pub pending: bool,
}

impl Posting {
    /// A posting of the bank's own (interest, fees, payments and transfers between the user's
    /// accounts): no merchant, channel `other`, posted on the day it is made.
    pub fn bank(
        day: u16,
        account: u8,
        amount: Cents,
        name: Cow<'static, str>,
        pfc: &'static str,
    ) -> Posting {
        Posting {
            day,
            auth_day: day,
            account,
            amount,
            name,
            merchant_name: None,
            channel: PaymentChannel::Other,
            pfc,
            pending: false,
        }
    }
}

#[derive(Debug, Clone)]
pub struct AccountState {
    pub subtype: AccountSubtype,
    pub start_balance: Cents,
    /// Posted balance (funds for depository, amount owed for credit and loan).
    pub balance: Cents,
    pub limit: Option<Cents>,
    /// Sum of pending amounts (not in `balance`).
    pub pending: Cents,
    /// A debit left this (checking) account below zero today: an overdraft fee is due tonight.
    pub overdrawn_today: bool,
}

impl AccountState {
    /// How posting `amount` changes this account's balance.
    pub fn effect(&self, amount: Cents) -> Cents {
        match self.subtype.account_type() {
            AccountType::Depository => -amount,
            AccountType::Credit | AccountType::Loan => amount,
        }
    }
}

#[derive(Debug, Default)]
pub struct Ledger {
    pub accounts: Vec<AccountState>,
    pub postings: Vec<Posting>,
    /// End-of-day posted balance per account and day, when recording is on (tests, validation).
    pub daily: Option<Vec<Vec<Cents>>>,
}

impl Ledger {
    pub fn new(record_daily: bool) -> Self {
        Ledger {
            accounts: Vec::new(),
            postings: Vec::new(),
            daily: record_daily.then(Vec::new),
        }
    }

    pub fn open(
        &mut self,
        subtype: AccountSubtype,
        start_balance: Cents,
        limit: Option<Cents>,
    ) -> u8 {
        self.accounts.push(AccountState {
            subtype,
            start_balance,
            balance: start_balance,
            limit,
            pending: 0,
            overdrawn_today: false,
        });
        if let Some(d) = self.daily.as_mut() {
            d.push(Vec::new());
        }
        (self.accounts.len() - 1) as u8
    }

    pub fn balance(&self, account: u8) -> Cents {
        self.accounts[account as usize].balance
    }

    pub fn post(&mut self, p: Posting) {
        let a = &mut self.accounts[p.account as usize];
        if p.pending {
            a.pending += p.amount;
        } else {
            a.balance += a.effect(p.amount);
            if a.subtype == AccountSubtype::Checking && p.amount > 0 && a.balance < 0 {
                a.overdrawn_today = true;
            }
        }
        self.postings.push(p);
    }

    /// Closes a day: a checking account where a debit left the balance below zero is charged one
    /// overdraft fee that day (as banks charge per overdrawing item, at most once a day here), so a
    /// depository balance never goes below zero without a fee on that day. Then the end-of-day
    /// balances are recorded.
    pub fn end_of_day(&mut self, day: u16) {
        for i in 0..self.accounts.len() {
            let subtype = self.accounts[i].subtype;
            if std::mem::take(&mut self.accounts[i].overdrawn_today) {
                self.post(Posting {
                    day,
                    auth_day: day,
                    account: i as u8,
                    amount: OVERDRAFT_FEE,
                    name: Cow::Borrowed("OVERDRAFT FEE"),
                    merchant_name: None,
                    channel: PaymentChannel::Other,
                    pfc: "BANK_FEES_OVERDRAFT_FEES",
                    pending: false,
                });
                self.accounts[i].overdrawn_today = false;
            }
            debug_assert!(
                subtype == AccountSubtype::Checking
                    || subtype.account_type() != AccountType::Depository
                    || self.accounts[i].balance >= 0,
                "a savings-like balance went negative"
            );
        }
        if let Some(d) = self.daily.as_mut() {
            for (i, a) in self.accounts.iter().enumerate() {
                d[i].push(a.balance);
            }
            let _ = day;
        }
    }
}
