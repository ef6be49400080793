//! Each signal and persona rule on small hand-built tables, on both sides of its threshold.

use super::input::{AccountIn, Input, LiabilityIn, TxnIn, UserIn};
use super::personas::evaluate;
use super::{signals, Signals};
use crate::model::{Cents, Persona, PersonaSet};
use chrono::{Duration, NaiveDate};

struct B(Input);

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

impl B {
    fn new(end: &str) -> B {
        let mut b = B(Input {
            end: d(end),
            users: vec![],
            accounts: vec![],
            txns: vec![],
            liabilities: vec![],
        });
        b.0.users.push(UserIn {
            user_id: "u".into(),
            consent: true,
            accounts: vec![],
            label: None,
        });
        b
    }
    fn account(
        &mut self,
        kind: &str,
        subtype: &str,
        current: Cents,
        limit: Option<Cents>,
    ) -> usize {
        let i = self.0.accounts.len();
        self.0.accounts.push(AccountIn {
            account_id: format!("acc_{i}"),
            user: 0,
            kind: kind.into(),
            subtype: subtype.into(),
            name: "Test Card".into(),
            mask: "1234".into(),
            current,
            limit,
            txns: vec![],
            liability: None,
        });
        self.0.users[0].accounts.push(i);
        i
    }
    fn txn(
        &mut self,
        account: usize,
        date: NaiveDate,
        amount: Cents,
        merchant: Option<&str>,
        detailed: &str,
    ) {
        let primary = crate::sim::merchants::pfc_primary(detailed).into();
        self.0.accounts[account].txns.push(self.0.txns.len());
        self.0.txns.push(TxnIn {
            account,
            date,
            amount,
            merchant_name: merchant.map(Into::into),
            pfc_primary: primary,
            pfc_detailed: detailed.into(),
            pending: false,
        });
    }
    fn liability(&mut self, account: usize, min: Cents, last: Cents, stmt: Cents, overdue: bool) {
        self.0.accounts[account].liability = Some(self.0.liabilities.len());
        self.0.liabilities.push(LiabilityIn {
            account,
            minimum_payment: Some(min),
            last_payment: Some(last),
            last_statement_balance: Some(stmt),
            is_overdue: overdue,
        });
    }
    fn run(mut self, window: u32) -> (Signals, PersonaSet) {
        let txns = &self.0.txns;
        for a in self.0.accounts.iter_mut() {
            a.txns.sort_by_key(|&i| txns[i].date);
        }
        let s = signals(&self.0, 0, window);
        let (p, _) = evaluate(&self.0, &s);
        (s, p)
    }
}

const END: &str = "2025-10-31";

fn card(balance: Cents, limit: Cents) -> (Signals, PersonaSet) {
    let mut b = B::new(END);
    b.account("credit", "credit card", balance, Some(limit));
    b.run(180)
}

#[test]
fn utilization_threshold_is_exact_to_the_cent() {
    let (s, p) = card(2500_00, 5000_00);
    assert_eq!(s.credit.max_utilization, Some(0.5));
    assert!(s.credit.flag_50 && s.credit.flag_30 && !s.credit.flag_80);
    assert!(p.contains(Persona::HighUtilization));
    let (s, p) = card(2499_99, 5000_00);
    assert!(!s.credit.flag_50);
    assert!(!p.contains(Persona::HighUtilization));
    assert!(card(4000_00, 5000_00).0.credit.flag_80);
    assert!(!card(3999_99, 5000_00).0.credit.flag_80);
}

#[test]
fn interest_minimum_only_and_overdue_each_make_high_utilization() {
    let end = d(END);
    let mut b = B::new(END);
    let c = b.account("credit", "credit card", 100_00, Some(5000_00));
    b.txn(
        c,
        end - Duration::days(3),
        1,
        None,
        "BANK_FEES_INTEREST_CHARGE",
    );
    let (s, p) = b.run(30);
    assert_eq!(s.credit.interest_charges, 1);
    assert!(
        p.contains(Persona::HighUtilization),
        "one cent of interest is enough"
    );
    // interest outside the window does not count
    let mut b = B::new(END);
    let c = b.account("credit", "credit card", 100_00, Some(5000_00));
    b.txn(
        c,
        end - Duration::days(30),
        500,
        None,
        "BANK_FEES_INTEREST_CHARGE",
    );
    assert!(b.run(30).1.is_empty());

    let min_only = |paid: Cents, min: Cents, stmt: Cents, overdue: bool| {
        let mut b = B::new(END);
        let c = b.account("credit", "credit card", 100_00, Some(5000_00));
        b.liability(c, min, paid, stmt, overdue);
        b.run(180)
    };
    let (s, p) = min_only(35_00, 35_00, 1200_00, false);
    assert!(s.credit.minimum_payment_only && p.contains(Persona::HighUtilization));
    let (s, p) = min_only(35_01, 35_00, 1200_00, false);
    assert!(
        !s.credit.minimum_payment_only && p.is_empty(),
        "a cent over the minimum is not minimum-only"
    );
    let (s, _) = min_only(25_00, 25_00, 25_00, false);
    assert!(
        !s.credit.minimum_payment_only,
        "paying a balance that equals the minimum is paying in full"
    );
    assert!(min_only(500_00, 25_00, 500_00, true)
        .1
        .contains(Persona::HighUtilization));
}

fn monthly(
    b: &mut B,
    acct: usize,
    merchant: &str,
    amount: Cents,
    first: NaiveDate,
    n: u32,
    gap: i64,
) {
    for k in 0..n {
        b.txn(
            acct,
            first + Duration::days(gap * k as i64),
            amount,
            Some(merchant),
            "ENTERTAINMENT_TV_AND_MOVIES",
        );
    }
}

#[test]
fn recurring_merchants_need_three_charges_on_a_cadence() {
    let end = d(END);
    let mut b = B::new(END);
    let chk = b.account("depository", "checking", 5000_00, None);
    monthly(&mut b, chk, "A", 20_00, end - Duration::days(80), 3, 30);
    monthly(&mut b, chk, "B", 20_00, end - Duration::days(80), 3, 35); // 35-day gaps: monthly
    monthly(&mut b, chk, "C", 20_00, end - Duration::days(80), 3, 36); // 36: not monthly
    monthly(&mut b, chk, "D", 20_00, end - Duration::days(80), 3, 25); // 25: not monthly
    monthly(&mut b, chk, "E", 5_00, end - Duration::days(20), 3, 7); // weekly
    monthly(&mut b, chk, "F", 5_00, end - Duration::days(20), 2, 7); // only two charges
    b.txn(
        chk,
        end - Duration::days(60),
        500_00,
        None,
        "TRANSFER_OUT_SAVINGS",
    );
    b.txn(
        chk,
        end - Duration::days(30),
        500_00,
        None,
        "TRANSFER_OUT_SAVINGS",
    );
    b.txn(chk, end, 500_00, None, "TRANSFER_OUT_SAVINGS");
    let (s, _) = b.run(180);
    assert_eq!(s.subscriptions.merchants, vec!["A", "B", "E"]);
}

fn subs(amounts: [Cents; 3], other_spend: Cents) -> (Signals, PersonaSet) {
    let end = d(END);
    let mut b = B::new(END);
    let chk = b.account("depository", "checking", 5000_00, None);
    for (i, amt) in amounts.iter().enumerate() {
        monthly(
            &mut b,
            chk,
            ["X", "Y", "Z"][i],
            *amt,
            end - Duration::days(65),
            3,
            30,
        );
    }
    if other_spend > 0 {
        b.txn(
            chk,
            end - Duration::days(1),
            other_spend,
            Some("Store"),
            "GENERAL_MERCHANDISE_SUPERSTORES",
        );
    }
    b.run(30)
}

#[test]
fn subscription_spend_and_share_thresholds() {
    // In the 30-day window each merchant is charged once (on day end-5).
    let (s, p) = subs([20_00, 20_00, 10_00], 100_000_00);
    assert_eq!(
        (
            s.subscriptions.recurring_merchants,
            s.subscriptions.recurring_spend
        ),
        (3, 50_00)
    );
    assert!(
        p.contains(Persona::SubscriptionHeavy),
        "$50.00 a month is enough"
    );
    let (_, p) = subs([20_00, 20_00, 9_99], 100_000_00);
    assert!(
        !p.contains(Persona::SubscriptionHeavy),
        "$49.99 and a tiny share is not"
    );
    // share exactly 10%: 30 of 300 spent
    let (s, p) = subs([10_00, 10_00, 10_00], 270_00);
    assert_eq!(s.subscriptions.total_spend, 300_00);
    assert!(p.contains(Persona::SubscriptionHeavy));
    let (_, p) = subs([10_00, 10_00, 10_00], 270_01);
    assert!(!p.contains(Persona::SubscriptionHeavy));
}

fn saver(inflow: Cents, start: Cents, card: Option<(Cents, Cents)>) -> (Signals, PersonaSet) {
    let end = d(END);
    let mut b = B::new(END);
    let sav = b.account("depository", "savings", start + inflow, None);
    if inflow > 0 {
        b.txn(
            sav,
            end - Duration::days(10),
            -inflow,
            None,
            "TRANSFER_IN_SAVINGS",
        );
    }
    if let Some((bal, lim)) = card {
        b.account("credit", "credit card", bal, Some(lim));
    }
    b.run(30)
}

#[test]
fn savings_inflow_growth_and_card_thresholds() {
    // $200.00 in 30 days is $200/month; a large balance keeps growth under 2%.
    let (s, p) = saver(200_00, 1_000_000_00, None);
    assert_eq!(s.savings.net_inflow_monthly, 200_00);
    assert!(p.contains(Persona::SavingsBuilder));
    assert!(!saver(199_99, 1_000_000_00, None)
        .1
        .contains(Persona::SavingsBuilder));
    // 2% growth exactly
    let (s, p) = saver(100_00, 5000_00, None);
    assert_eq!(s.savings.growth_rate, Some(0.02));
    assert!(p.contains(Persona::SavingsBuilder));
    assert!(!saver(99_99, 5000_00, None)
        .1
        .contains(Persona::SavingsBuilder));
    // every card must be under 30%
    assert!(saver(500_00, 1000_00, Some((2999_99, 10_000_00)))
        .1
        .contains(Persona::SavingsBuilder));
    assert!(!saver(500_00, 1000_00, Some((3000_00, 10_000_00)))
        .1
        .contains(Persona::SavingsBuilder));
}

fn earner(
    gaps: &[i64],
    checking: Cents,
    monthly_spend: Cents,
    window: u32,
) -> (Signals, PersonaSet) {
    let end = d(END);
    let mut b = B::new(END);
    let chk = b.account("depository", "checking", checking, None);
    let mut day = end - Duration::days(5);
    b.txn(chk, day, -3000_00, None, "INCOME_WAGES");
    for g in gaps.iter().rev() {
        day -= Duration::days(*g);
        b.txn(chk, day, -3000_00, None, "INCOME_WAGES");
    }
    // spending spread so that window expenses are exactly monthly_spend x window / 30
    let months = window as i64 / 30;
    for m in 0..months {
        b.txn(
            chk,
            end - Duration::days(m * 30 + 1),
            monthly_spend,
            Some("Rent Co"),
            "RENT_AND_UTILITIES_RENT",
        );
    }
    b.run(window)
}

#[test]
fn variable_income_gap_and_buffer_thresholds() {
    let (s, p) = earner(&[46, 46, 46], 1999_99, 2000_00, 180);
    assert_eq!(s.income.median_gap_days, Some(46.0));
    assert!(p.contains(Persona::VariableIncome));
    assert!(
        !earner(&[45, 45, 45], 1999_99, 2000_00, 180)
            .1
            .contains(Persona::VariableIncome),
        "a 45-day gap is not over 45"
    );
    let (s, p) = earner(&[46, 46, 46], 2000_00, 2000_00, 180);
    assert_eq!(s.income.buffer_months, Some(1.0));
    assert!(
        !p.contains(Persona::VariableIncome),
        "a buffer of exactly one month is not under one"
    );
    assert!(
        !earner(&[46, 46, 46], 10_00, 2000_00, 30)
            .1
            .contains(Persona::VariableIncome),
        "30 days cannot show a 46-day gap"
    );
}

fn balances(daily: &[Cents]) -> (Signals, PersonaSet) {
    // A checking account whose end-of-day balance follows `daily` over the last len(daily) days.
    let end = d(END);
    let n = daily.len() as i64;
    let mut b = B::new(END);
    let chk = b.account("depository", "checking", *daily.last().unwrap(), None);
    for k in 1..daily.len() {
        let change = daily[k] - daily[k - 1];
        if change != 0 {
            b.txn(
                chk,
                end - Duration::days(n - 1 - k as i64),
                -change,
                None,
                "GENERAL_MERCHANDISE_SUPERSTORES",
            );
        }
    }
    b.run(n as u32)
}

#[test]
fn cash_flow_low_days_and_volatility_thresholds() {
    // 30 days: 9 below $100, swinging between $50 and $1,000.
    let mut days: Vec<Cents> = (0..30)
        .map(|k| if k % 10 < 3 { 50_00 } else { 1000_00 })
        .collect();
    let (s, p) = balances(&days);
    assert_eq!((s.cash_flow.days_below_100, s.cash_flow.days), (9, 30));
    assert!(
        s.cash_flow.volatile && p.contains(Persona::CashFlowStressed),
        "exactly 30% is stressed"
    );
    days[0] = 100_00; // $100.00 is not below $100
    let (s, p) = balances(&days);
    assert_eq!(s.cash_flow.days_below_100, 8);
    assert!(!p.contains(Persona::CashFlowStressed));
    // Below $100 every day but flat: an idle account, not a volatile one.
    let (s, p) = balances(&[40_00; 30]);
    assert_eq!(s.cash_flow.share_below_100, 1.0);
    assert!(!s.cash_flow.volatile && !p.contains(Persona::CashFlowStressed));
}

#[test]
fn daily_balances_rebuild_backwards_with_plaid_sign() {
    let end = d(END);
    let mut b = B::new(END);
    let chk = b.account("depository", "checking", 100_00, None);
    b.txn(
        chk,
        end,
        30_00,
        Some("Shop"),
        "GENERAL_MERCHANDISE_SUPERSTORES",
    ); // money out
    b.txn(chk, end - Duration::days(1), -50_00, None, "INCOME_WAGES"); // money in
    let card = b.account("credit", "credit card", 200_00, Some(1000_00));
    b.txn(
        card,
        end,
        20_00,
        Some("Shop"),
        "GENERAL_MERCHANDISE_SUPERSTORES",
    );
    let ctx = super::Ctx::new(&b.0, 0, 3);
    assert_eq!(
        ctx.daily_balances(chk, end - Duration::days(2)),
        vec![80_00, 130_00, 100_00]
    );
    assert_eq!(
        ctx.daily_balances(card, end - Duration::days(1)),
        vec![180_00, 200_00]
    );
}
