//! The detector: SpendSense behavioural signals per user for a 30- and a 180-day window ending on
//! the data's last day, persona assignment by the spec's rules, and the fidelity report that holds
//! detected personas against the labels. It reads the five tables only ([`input::Input`]), so it
//! runs the same on a generated dataset, a SQLite file or a CSV folder of someone's own data.
//! Definitions and their reasons: `docs/signals.md`.

pub mod cash_flow;
pub mod credit;
pub mod features;
pub mod income;
pub mod input;
pub mod personas;
pub mod report;
pub mod savings;
pub mod subscriptions;

use crate::model::Cents;
use chrono::{Duration, NaiveDate};
use input::{Input, TxnIn};

/// The windows the signals are computed for, in days, ending on the data's last day.
pub const WINDOWS: [u32; 2] = [30, 180];

/// One user and one window.
pub struct Ctx<'a> {
    pub input: &'a Input,
    pub user: usize,
    pub window: u32,
    /// First day of the window (inclusive).
    pub start: NaiveDate,
    pub end: NaiveDate,
}

impl<'a> Ctx<'a> {
    pub fn new(input: &'a Input, user: usize, window: u32) -> Ctx<'a> {
        Ctx {
            input,
            user,
            window,
            start: input.end - Duration::days(window as i64 - 1),
            end: input.end,
        }
    }

    /// The user's accounts (indices into `input.accounts`).
    pub fn accounts(&self) -> impl Iterator<Item = usize> + 'a {
        self.input.users[self.user].accounts.iter().copied()
    }

    /// Posted transactions of an account dated inside `[from, end]`, in date order (an account's
    /// transactions are sorted by date, so the first one is found by binary search).
    pub fn posted_since(
        &self,
        account: usize,
        from: NaiveDate,
    ) -> impl Iterator<Item = &'a TxnIn> + 'a {
        let input = self.input;
        let end = self.end;
        let txns = &input.accounts[account].txns;
        let first = txns.partition_point(|&i| input.txns[i].date < from);
        txns[first..]
            .iter()
            .map(move |&i| &input.txns[i])
            .take_while(move |t| t.date <= end)
            .filter(|t| !t.pending)
    }

    /// Posted transactions of an account inside the window.
    pub fn posted(&self, account: usize) -> impl Iterator<Item = &'a TxnIn> + 'a {
        self.posted_since(account, self.start)
    }

    /// Months in the window (30-day months), for monthly rates.
    pub fn months(&self) -> f64 {
        self.window as f64 / 30.0
    }

    /// Average monthly expenses: money leaving depository accounts in the window, except transfers
    /// between the user's own accounts (TRANSFER_OUT), per 30 days. Card payments count: they pay
    /// for purchases.
    pub fn monthly_expenses(&self) -> Cents {
        (self.window_expenses() as f64 / self.months()).round() as Cents
    }

    /// Expenses (as in [`Ctx::monthly_expenses`]) over the whole window.
    pub fn window_expenses(&self) -> Cents {
        self.accounts()
            .filter(|&a| self.input.accounts[a].is_depository())
            .flat_map(|a| self.posted(a))
            .filter(|t| t.amount > 0 && &*t.pfc_primary != "TRANSFER_OUT")
            .map(|t| t.amount)
            .sum()
    }

    /// End-of-day posted balance of `account` for each day of `[from, end]`, rebuilt backwards
    /// from its current balance with Plaid's sign (depository: balance falls by `amount`; credit
    /// and loans: the amount owed rises by it).
    pub fn daily_balances(&self, account: usize, from: NaiveDate) -> Vec<Cents> {
        let a = &self.input.accounts[account];
        let days = (self.end - from).num_days() + 1;
        if days <= 0 {
            return Vec::new();
        }
        let sign: Cents = if a.is_depository() { -1 } else { 1 };
        // effect[d]: change to the balance on day d (posted only; transactions after `end` too).
        let mut effect = vec![0 as Cents; days as usize];
        let mut after_end: Cents = 0;
        for &i in &a.txns {
            let t = &self.input.txns[i];
            if t.pending {
                continue;
            }
            if t.date > self.end {
                after_end += sign * t.amount;
            } else if t.date >= from {
                effect[(t.date - from).num_days() as usize] += sign * t.amount;
            }
        }
        let mut out = vec![0; days as usize];
        let mut bal = a.current - after_end;
        for d in (0..days as usize).rev() {
            out[d] = bal;
            bal -= effect[d];
        }
        out
    }
}

pub fn dollars(c: Cents) -> String {
    let neg = c < 0;
    let whole = c.unsigned_abs() / 100;
    let cents = c.unsigned_abs() % 100;
    let mut digits = whole.to_string();
    let mut i = digits.len() as isize - 3;
    while i > 0 {
        digits.insert(i as usize, ',');
        i -= 3;
    }
    format!("{}${digits}.{cents:02}", if neg { "-" } else { "" })
}

/// One user's signals in every window of [`WINDOWS`], in that order.
pub type UserSignals = [Signals; WINDOWS.len()];

/// All five signal families of one user for one window.
#[derive(Debug, Clone, PartialEq)]
pub struct Signals {
    pub window: u32,
    pub subscriptions: subscriptions::Subscriptions,
    pub savings: savings::Savings,
    pub credit: credit::Credit,
    pub income: income::Income,
    pub cash_flow: cash_flow::CashFlow,
}

pub fn signals(input: &Input, user: usize, window: u32) -> Signals {
    let ctx = Ctx::new(input, user, window);
    signals_with(&ctx, &subscriptions::Recurring::find(&ctx))
}

/// The signals of every window in [`WINDOWS`] for one user (the recurring merchants, which do not
/// depend on the window, found once).
pub fn all_signals(input: &Input, user: usize) -> UserSignals {
    let recurring = subscriptions::Recurring::find(&Ctx::new(input, user, WINDOWS[0]));
    WINDOWS.map(|w| signals_with(&Ctx::new(input, user, w), &recurring))
}

fn signals_with(ctx: &Ctx, recurring: &subscriptions::Recurring) -> Signals {
    Signals {
        window: ctx.window,
        subscriptions: subscriptions::compute_with(ctx, recurring),
        savings: savings::compute(ctx),
        credit: credit::compute(ctx),
        income: income::compute(ctx),
        cash_flow: cash_flow::compute(ctx),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn dollars_with_thousands() {
        assert_eq!(super::dollars(340000), "$3,400.00");
        assert_eq!(super::dollars(8712), "$87.12");
        assert_eq!(super::dollars(-123456789), "-$1,234,567.89");
    }
}

/// Whether the rules, run on this one user's records (as the tables carry them, windows ending on
/// `end`), find exactly its labelled personas, consent aside: the personas
/// [`report::observable`] in the window, no more and no fewer. Checked in every window whose
/// look-back the `days` of data cover ([`checkable`]). The generator holds every user it writes
/// to this ([`crate::generate::user`]).
pub fn shows_its_label(user: &crate::model::UserData, end: NaiveDate, days: u32) -> bool {
    check_label(user, end, days).1
}

/// [`shows_its_label`], with the user's signals in every window (as [`all_signals`] gives them
/// for a one-user input: its first account is account 0).
pub fn check_label(
    user: &crate::model::UserData,
    end: NaiveDate,
    days: u32,
) -> (UserSignals, bool) {
    let input = Input::from_users(std::slice::from_ref(user), end);
    let signals = all_signals(&input, 0);
    let holds = WINDOWS.iter().zip(&signals).all(|(&window, s)| {
        !checkable(window, days)
            || personas::evaluate(&input, s).0 == report::observable(user.label.personas, window)
    });
    (signals, holds)
}

/// Whether `days` of data hold everything the rules read for a window: the window itself and the
/// recurring merchants' 90-day look-back. Shorter data (a run of `months` 1 or 2, or under 6 for
/// the 180-day window) cannot show every persona, and its labels are not held to the rules.
pub fn checkable(window: u32, days: u32) -> bool {
    days >= days_needed(window)
}

/// The days of data a window's rules read: the window, and at least the recurring merchants'
/// look-back.
pub fn days_needed(window: u32) -> u32 {
    window.max(subscriptions::LOOKBACK_DAYS as u32)
}

/// Signals and assignments of every user, per window (index into [`WINDOWS`]).
#[derive(Debug, Clone)]
pub struct Detection {
    pub input: Input,
    pub signals: Vec<Vec<Signals>>,
    pub assignments: Vec<Vec<personas::Assignment>>,
}

/// Runs the detector over every user (in parallel; the result is in user order).
pub fn run(input: Input) -> Detection {
    run_with(input, None)
}

/// [`run`], taking each user's signals from `known` when given (one per user of `input`, in
/// order, each computed on the user alone, as [`check_label`] does) instead of computing them
/// again: the same detection, since a user's signals read only its own records.
pub fn run_with(input: Input, known: Option<Vec<UserSignals>>) -> Detection {
    use rayon::prelude::*;
    let assign = |u: usize, s: UserSignals| {
        let a = s.each_ref().map(|sig| personas::assign(&input, u, sig));
        (s, a)
    };
    let per_user: Vec<_> = match known {
        Some(known) => {
            assert_eq!(
                known.len(),
                input.users.len(),
                "one set of signals per user"
            );
            known
                .into_par_iter()
                .enumerate()
                .map(|(u, mut s)| {
                    // Account indices count from the user's first account in `input`.
                    let first = input.users[u].accounts.first().copied().unwrap_or(0);
                    for sig in &mut s {
                        sig.credit.max_card = sig.credit.max_card.map(|a| a + first);
                    }
                    assign(u, s)
                })
                .collect()
        }
        None => (0..input.users.len())
            .into_par_iter()
            .map(|u| assign(u, all_signals(&input, u)))
            .collect(),
    };
    let mut signals: Vec<Vec<Signals>> = WINDOWS.iter().map(|_| Vec::new()).collect();
    let mut assignments: Vec<Vec<personas::Assignment>> =
        WINDOWS.iter().map(|_| Vec::new()).collect();
    for (s, a) in per_user {
        for (w, (s, a)) in s.into_iter().zip(a).enumerate() {
            signals[w].push(s);
            assignments[w].push(a);
        }
    }
    Detection {
        input,
        signals,
        assignments,
    }
}

#[cfg(test)]
mod tests_rules;
